//! The language the lessons speak: English, or Chinese with `--lang zh`.
//!
//! Every sentence a lesson prints is written in English in the code, as a
//! format string (`say!("stored {value:#x} at {addr:#x}")`). That string
//! is also the key of the message in the catalogue, `common/po/zh/*.po`
//! (one gettext file per crate, so that several translators can work at
//! once), which a translator edits without Rust (Poedit, or any text
//! editor). At run time [`render`] looks the key up in the chosen
//! language, falls back to English where there is no translation, and
//! puts the values into the placeholders (which a translation may put in
//! another order). What students type, grep for or match against the code
//! is never translated: scenario names, `Step N.M`, `[ok]`/`[FAIL]`,
//! evidence lines, call lines, errno names.
//!
//! The language is chosen once, by `--lang`, and passed to every child
//! (they share this process's memory) and to every program a lesson runs
//! (through the environment variable [`LANG_VAR`]). With [`STRICT_VAR`]
//! set, a message with no translation is an error, which the tests use to
//! keep the catalogue complete.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// The environment variable that carries the language to programs a
/// lesson runs (`zh` or `en`).
pub const LANG_VAR: &str = "MMAP_QUADRANTS_LANG";
/// Set to 1, a missing translation is an error (for the tests).
pub const STRICT_VAR: &str = "MMAP_QUADRANTS_STRICT_I18N";

/// The languages there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "en" => Some(Lang::En),
            "zh" | "zh-CN" | "zh_CN" => Some(Lang::Zh),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
}

static LANG: AtomicU8 = AtomicU8::new(0);
/// A message was missing in strict mode.
static MISSING: AtomicBool = AtomicBool::new(false);

/// The language chosen for this run.
pub fn lang() -> Lang {
    match LANG.load(Ordering::Relaxed) {
        1 => Lang::Zh,
        _ => Lang::En,
    }
}

/// The comma between two parts of a label (`mmap, 1 MiB writes`): a
/// full-width one in Chinese.
pub fn comma() -> &'static str {
    match lang() {
        Lang::Zh => "，",
        Lang::En => ", ",
    }
}

/// Items of a list, joined: `a, b, c`, or `a、b、c` in Chinese.
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    let comma = match lang() {
        Lang::Zh => "、",
        Lang::En => ", ",
    };
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(comma)
}

/// `text` in parentheses after what comes before it: ` (text)`, or
/// full-width `（text）` in Chinese.
pub fn in_parens(text: &str) -> String {
    match lang() {
        Lang::Zh => format!("（{text}）"),
        Lang::En => format!(" ({text})"),
    }
}

/// Speak `lang` from now on, in this process and in every program it runs
/// later (through [`LANG_VAR`]). Call it while the process has one thread,
/// before it starts anything: the command line does.
pub fn set_lang(lang: Lang) {
    LANG.store(u8::from(lang == Lang::Zh), Ordering::Relaxed);
    // SAFETY: called by `cli` at start-up, when this process has one
    // thread and no other code reads the environment concurrently.
    unsafe { std::env::set_var(LANG_VAR, lang.code()) };
}

/// The language a program started by a lesson inherited, if any.
pub fn inherited() -> Option<Lang> {
    std::env::var(LANG_VAR).ok().and_then(|l| Lang::parse(&l))
}

/// The Chinese catalogue, parsed once from the files compiled in.
fn zh() -> &'static HashMap<String, String> {
    static CATALOGUE: OnceLock<HashMap<String, String>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        [
            include_str!("../po/zh/common.po"),
            include_str!("../po/zh/private-file.po"),
            include_str!("../po/zh/private-anon.po"),
            include_str!("../po/zh/shared-file.po"),
            include_str!("../po/zh/shared-anon.po"),
        ]
        .into_iter()
        .flat_map(catalogue)
        .collect()
    })
}

/// msgid → msgstr for every translated, non-fuzzy message of a `.po` text.
pub fn catalogue(po: &str) -> HashMap<String, String> {
    let parsed = polib::po_file::parse_from_reader(po.as_bytes())
        .expect("the compiled-in catalogue parses (a test checks it)");
    parsed
        .messages()
        .filter(|m| m.is_singular() && m.is_translated() && !m.is_fuzzy())
        .filter_map(|m| {
            let text = m.msgstr().ok()?;
            Some((m.msgid().to_string(), text.to_string()))
        })
        .collect()
}

/// The text of message `key` (an English format string whose placeholders
/// are `{name}`, `{name:spec}`, `{0}`) in the chosen language, with each
/// placeholder replaced by its value from `values` (formatted by `tr!`).
pub fn render(key: &str, values: &[(&str, String)]) -> String {
    let template = match lang() {
        Lang::En => key,
        Lang::Zh => match zh().get(key) {
            Some(text) => text.as_str(),
            None => {
                // Text already in Chinese (translated by the caller) is
                // not a missing message.
                let english = !key
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
                if english && std::env::var_os(STRICT_VAR).is_some() {
                    MISSING.store(true, Ordering::Relaxed);
                    crate::error::report(&crate::Error::plain(
                        "i18n",
                        format!("no zh translation of {key:?}"),
                    ));
                }
                key
            }
        },
    };
    fill(template, values)
}

/// A message without placeholders (a scenario's title, a table's text) in
/// the chosen language.
pub fn text(key: &str) -> String {
    render(key, &[])
}

/// Whether a message had no translation in strict mode.
pub fn missing() -> bool {
    MISSING.load(Ordering::Relaxed)
}

/// `template` with `{{`/`}}` unescaped and every placeholder replaced by
/// the value stored under its text.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        let end = match tail.find('}') {
            Some(end) if tail.starts_with('{') => end,
            _ => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
                continue;
            }
        };
        let placeholder = &tail[..=end];
        match values.iter().find(|(k, _)| *k == placeholder) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(placeholder),
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_in_any_order() {
        let values = [("{a:#x}", "0x10".to_string()), ("{0}", "7".into())];
        assert_eq!(fill("{0} at {a:#x} {{x}}", &values), "7 at 0x10 {x}");
        assert_eq!(fill("在 {a:#x} 处 {0}", &values), "在 0x10 处 7");
    }

    #[test]
    fn the_compiled_in_catalogue_parses() {
        let zh = zh();
        for (key, text) in zh {
            let keys = |s: &str| {
                let mut v: Vec<String> = s
                    .split('{')
                    .skip(1)
                    .filter_map(|p| {
                        p.split_once('}').map(|(k, _)| k.to_string())
                    })
                    .filter(|k| !k.is_empty())
                    .collect();
                v.sort();
                v
            };
            assert_eq!(keys(key), keys(text), "placeholders of {key:?}");
        }
    }
}
