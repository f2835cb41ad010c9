//! `tr!`: like `format!`, but the format string is also the key of a
//! message in the translation catalogue (`common::i18n`): at run time the
//! string for the chosen language is looked up, and the values are put
//! into its placeholders, which may come in another order.
//!
//! ```ignore
//! let text: String = tr!("stored {value:#x} at {addr:#x}");
//! ```
//!
//! Each placeholder's value is formatted exactly as `format!` would
//! (inline captures, `name = value` and positional arguments, every format
//! spec), so the English text is what `format!` gives. Written without
//! `syn`: a format string and a comma-separated list is all it reads.

use proc_macro::{Delimiter, Group, Literal, Spacing, TokenStream, TokenTree};

// Shared with the catalogue test, which uses the parts this crate does not.
#[path = "msgid.rs"]
#[allow(dead_code)]
mod msgid;

use msgid::Arg;

#[proc_macro]
pub fn tr(input: TokenStream) -> TokenStream {
    match expand(input) {
        Ok(out) => out,
        Err(why) => format!("::core::compile_error!({why:?})")
            .parse()
            .expect("compile_error tokens"),
    }
}

fn expand(input: TokenStream) -> Result<TokenStream, String> {
    // `tr!(TEXT)` with TEXT not a literal (a `const`, a `&str` built
    // elsewhere): looked up as it is at run time.
    let first_is_literal = match input.clone().into_iter().next() {
        Some(TokenTree::Literal(_)) => true,
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::None => {
            matches!(g.stream().into_iter().next(), Some(TokenTree::Literal(_)))
        }
        _ => false,
    };
    if !first_is_literal {
        let mut call: TokenStream =
            "::common::i18n::text".parse().expect("tokens");
        let mut arg: TokenStream = "&".parse().expect("tokens");
        arg.extend([TokenTree::Group(Group::new(
            Delimiter::Parenthesis,
            input,
        ))]);
        let mut inner: TokenStream = "::core::convert::AsRef::<str>::as_ref"
            .parse()
            .expect("tokens");
        inner.extend([TokenTree::Group(Group::new(
            Delimiter::Parenthesis,
            arg,
        ))]);
        call.extend([TokenTree::Group(Group::new(
            Delimiter::Parenthesis,
            inner,
        ))]);
        return Ok(call);
    }
    let mut tokens = input.into_iter().peekable();
    let literal = match tokens.next() {
        Some(TokenTree::Literal(l)) => l,
        // A format string passed through a macro arrives wrapped in an
        // invisible group.
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::None => {
            match g.stream().into_iter().next() {
                Some(TokenTree::Literal(l)) => l,
                _ => return Err("tr! needs a string literal first".into()),
            }
        }
        _ => return Err("tr! needs a string literal first".into()),
    };
    let format = msgid::unescape_literal(&literal.to_string())
        .ok_or("tr! needs a plain string literal first")?;
    let (key, placeholders) = msgid::parse(&format)?;
    // The arguments after the format string: `expr` or `name = expr`.
    let mut positional: Vec<TokenStream> = Vec::new();
    let mut named: Vec<(String, TokenStream)> = Vec::new();
    match tokens.next() {
        None => {}
        Some(TokenTree::Punct(p)) if p.as_char() == ',' => {}
        Some(_) => return Err("tr!: expected a comma after the string".into()),
    }
    let mut current: Vec<TokenTree> = Vec::new();
    let mut push = |arg: Vec<TokenTree>| {
        if arg.is_empty() {
            return;
        }
        let is_named = matches!(
            (&arg.first(), &arg.get(1)),
            (Some(TokenTree::Ident(_)), Some(TokenTree::Punct(p)))
                if p.as_char() == '=' && p.spacing() == Spacing::Alone
        );
        if is_named {
            let name = arg[0].to_string();
            named.push((name, arg[2..].iter().cloned().collect()));
        } else {
            positional.push(arg.into_iter().collect());
        }
    };
    for token in tokens {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => {
                push(std::mem::take(&mut current));
            }
            _ => current.push(token),
        }
    }
    push(current);

    // `("{addr:#x}", format!("{addr:#x}"))`, one per placeholder.
    let mut pairs = String::new();
    let mut values: Vec<TokenStream> = Vec::new();
    for p in &placeholders {
        let spec = if p.spec.is_empty() {
            "{}".to_string()
        } else {
            format!("{{:{}}}", p.spec)
        };
        let value: TokenStream = match &p.arg {
            Arg::Index(i) => {
                let arg = positional.get(*i).ok_or_else(|| {
                    format!("tr!: no argument {i} for {}", p.key())
                })?;
                format_call(&spec, arg.clone(), &literal)
            }
            Arg::Named(name) => match named.iter().find(|(n, _)| n == name) {
                Some((_, arg)) => format_call(&spec, arg.clone(), &literal),
                None => {
                    // An inline capture: the format string gets the span
                    // of the one the caller wrote, so `{addr}` finds the
                    // caller's `addr`.
                    let mut lit = Literal::string(&p.key());
                    lit.set_span(literal.span());
                    let mut call: TokenStream =
                        "::std::format!".parse().expect("tokens");
                    call.extend([TokenTree::Group(Group::new(
                        Delimiter::Parenthesis,
                        TokenTree::Literal(lit).into(),
                    ))]);
                    call
                }
            },
        };
        pairs.push_str(&format!("({:?}, __VALUE{}),", p.key(), values.len()));
        values.push(value);
    }
    // Build `::common::i18n::render(KEY, &[(K, V), ...])` with the values
    // spliced in as token streams (they hold the caller's spans).
    let out = format!("::common::i18n::render({key:?}, &[{pairs}])");
    let mut result = TokenStream::new();
    let template: TokenStream = out.parse().map_err(|e| format!("{e:?}"))?;
    result.extend(substitute(template, &values));
    Ok(result)
}

/// `::std::format!("{:spec}", arg)`.
fn format_call(spec: &str, arg: TokenStream, like: &Literal) -> TokenStream {
    let mut lit = Literal::string(spec);
    lit.set_span(like.span());
    let mut inner: TokenStream = TokenTree::Literal(lit).into();
    inner.extend(",".parse::<TokenStream>().expect("comma"));
    inner.extend(arg);
    let mut call: TokenStream = "::std::format!".parse().expect("tokens");
    call.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, inner))]);
    call
}

/// Replace each `__VALUEi` identifier in `template` by `values[i]`.
fn substitute(template: TokenStream, values: &[TokenStream]) -> TokenStream {
    template
        .into_iter()
        .flat_map(|token| -> Vec<TokenTree> {
            match token {
                TokenTree::Ident(ident) => {
                    let name = ident.to_string();
                    match name
                        .strip_prefix("__VALUE")
                        .and_then(|i| i.parse::<usize>().ok())
                    {
                        Some(i) => {
                            vec![TokenTree::Group(Group::new(
                                Delimiter::Parenthesis,
                                values[i].clone(),
                            ))]
                        }
                        None => vec![TokenTree::Ident(ident)],
                    }
                }
                TokenTree::Group(g) => {
                    let mut new = Group::new(
                        g.delimiter(),
                        substitute(g.stream(), values),
                    );
                    new.set_span(g.span());
                    vec![TokenTree::Group(new)]
                }
                other => vec![other],
            }
        })
        .collect()
}
