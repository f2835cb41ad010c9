//! The one place that reads a narration format string: the `tr!` macro
//! uses it to build a message's key, and the catalogue test uses it to
//! find every message in the sources. Kept free of dependencies so both
//! can include it.

/// One `{...}` of a format string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// What names the value: `Named("addr")` for `{addr:#x}` (an inline
    /// capture, or a `name = value` argument), `Index(0)` for `{}`/`{0}`.
    pub arg: Arg,
    /// After the `:`, as written (`#x`, `>8`, `?`), or empty.
    pub spec: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Named(String),
    Index(usize),
}

impl Placeholder {
    /// The placeholder as it stands in the message key: `{addr:#x}`,
    /// `{0}` (positional ones are numbered, so the key is the same
    /// whether the code wrote `{}` or `{0}`).
    pub fn key(&self) -> String {
        let arg = match &self.arg {
            Arg::Named(n) => n.clone(),
            Arg::Index(i) => i.to_string(),
        };
        if self.spec.is_empty() {
            format!("{{{arg}}}")
        } else {
            format!("{{{arg}:{}}}", self.spec)
        }
    }
}

/// A format string split into its message key (positional placeholders
/// numbered) and its placeholders, in order.
pub fn parse(format: &str) -> Result<(String, Vec<Placeholder>), String> {
    let mut key = String::new();
    let mut found = Vec::new();
    let mut next = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                key.push_str("{{");
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                key.push_str("}}");
            }
            '}' => return Err(format!("unmatched }} in {format:?}")),
            '{' => {
                let mut inner = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => inner.push(c),
                        None => {
                            return Err(format!("unclosed {{ in {format:?}"));
                        }
                    }
                }
                let (arg, spec) = match inner.split_once(':') {
                    Some((a, s)) => (a.trim(), s.to_string()),
                    None => (inner.trim(), String::new()),
                };
                let arg = if arg.is_empty() {
                    next += 1;
                    Arg::Index(next - 1)
                } else if let Ok(i) = arg.parse() {
                    Arg::Index(i)
                } else {
                    Arg::Named(arg.to_string())
                };
                let p = Placeholder { arg, spec };
                key.push_str(&p.key());
                found.push(p);
            }
            c => key.push(c),
        }
    }
    Ok((key, found))
}

/// The value of a Rust string literal as written in source (`"a\n\
///  b"`, `r#"x"#`), or None if it is not one.
pub fn unescape_literal(lit: &str) -> Option<String> {
    if let Some(raw) = lit.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let body = raw.get(hashes..raw.len().checked_sub(hashes)?)?;
        return body
            .strip_prefix('"')?
            .strip_suffix('"')
            .map(str::to_string);
    }
    let body = lit.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(char::from(u8::from_str_radix(&hex, 16).ok()?));
            }
            'u' => {
                chars.next()?; // {
                let hex: String =
                    chars.by_ref().take_while(|&c| c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            '\n' => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Every message key in Rust source `text`: the string literal that is
/// argument number `skip` of each call that starts with one of `calls`
/// (`"say!("`, `"claim!("` with 1, `".step("`), where that argument is a
/// plain literal.
pub fn find_messages(text: &str, calls: &[(&str, usize)]) -> Vec<String> {
    let mut found = Vec::new();
    for &(pattern, skip_args) in calls {
        let mut from = 0;
        while let Some(at) = text[from..].find(pattern) {
            let start = from + at + pattern.len();
            from = start;
            // Not part of a longer name (`claim_eq!` when looking for
            // `eq!`).
            let starts_with_name = pattern
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            if starts_with_name
                && text[..start - pattern.len()]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            if let Some(lit) = literal_after_args(&text[start..], skip_args) {
                if let Some(value) = unescape_literal(&lit) {
                    if let Ok((key, _)) = parse(&value) {
                        found.push(key);
                    }
                }
            }
        }
    }
    found
}

/// The string literal that starts argument number `skip` (0-based) of a
/// macro call whose arguments start `text`, skipping nested brackets,
/// strings and chars; None if that argument is not a plain literal.
fn literal_after_args(text: &str, skip: usize) -> Option<String> {
    let bytes = text.as_bytes();
    let (mut i, mut depth, mut arg) = (0, 0i32, 0);
    while i < bytes.len() && arg < skip {
        match bytes[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    return None;
                }
                depth -= 1;
            }
            b',' if depth == 0 => arg += 1,
            b'"' => i = skip_string(bytes, i),
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 2,
            _ => {}
        }
        i += 1;
    }
    let rest = text[i..].trim_start();
    let lit_len = if rest.starts_with('"') {
        skip_string(rest.as_bytes(), 0) + 1
    } else if rest.starts_with("r\"") || rest.starts_with("r#") {
        let hashes = rest[1..].len() - rest[1..].trim_start_matches('#').len();
        let close = format!("\"{}", "#".repeat(hashes));
        rest[2 + hashes..].find(&close)? + 2 + hashes + close.len()
    } else {
        return None;
    };
    Some(rest[..lit_len].to_string())
}

/// The index of the closing quote of the string starting at `start`.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != b'"' {
        if bytes[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i
}
