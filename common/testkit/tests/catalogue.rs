//! The translation catalogue (`common/po/zh/*.po`, one file per crate:
//! a message belongs to the crate that uses it first) lists every message
//! the programs print, and nothing else. `BLESS=1 cargo test -p testkit
//! --test catalogue` adds new messages to it (untranslated, for a
//! translator to fill in with any PO editor), drops the ones the code no
//! longer has, and rewrites the template `common/po/messages.pot`.
//!
//! A message is the format string of `say!`, `explain!`, `step!`,
//! `claim!`, `claim_eq!`, `claim_on!` and `tr!`, or the text of a lesson's
//! `title:`, `about:` or `hint:`, found in the sources the way `tr!` reads
//! it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polib::catalog::Catalog;
use polib::message::Message;
use polib::metadata::CatalogMetadata;

#[path = "../../macros/src/msgid.rs"]
#[allow(dead_code)]
mod msgid;

/// The calls whose text is shown in the chosen language, and which of
/// their arguments is the text.
const CALLS: [(&str, usize); 21] = [
    ("say!(", 0),
    ("explain!(", 0),
    ("tr!(", 0),
    ("step!(", 1),
    ("claim!(", 1),
    ("claim_eq!(", 2),
    ("claim_on!(", 2),
    (".step(", 0),
    ("say(", 0),
    ("explain(", 0),
    ("text(", 0),
    ("claim(", 1),
    ("claim_eq(", 0),
    ("claim_on(", 2),
    ("claim_frames(", 3),
    ("claim_one_page(", 2),
    ("claim_one_page(", 3),
    ("claim_own_copy(", 1),
    ("claim_one_file_page(", 2),
    ("raw(", 0),
    ("explain_once(", 0),
];
const FIELDS: [&str; 3] = ["title: ", "about: ", "hint: "];
/// Texts looked up by `i18n::text` that no field or macro holds.
const EXTRA: [&str; 3] = ["the child", "the peer", "this process"];

fn top() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file of the programs: common's library and each lesson's
/// sources and exercises (not the test support, not the figures).
fn sources() -> Vec<PathBuf> {
    let top = top();
    let mut dirs = vec![top.join("common/src")];
    for lesson in ["private-file", "private-anon", "shared-file", "shared-anon"]
    {
        dirs.push(top.join(lesson).join("src"));
        dirs.push(top.join(lesson).join("examples"));
    }
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// msgid → where it is used.
fn messages() -> BTreeMap<String, Vec<String>> {
    let top = top().canonicalize().expect("top");
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in sources() {
        let text = std::fs::read_to_string(&file).expect("read source");
        let name = file
            .canonicalize()
            .expect("source")
            .strip_prefix(&top)
            .expect("inside the repository")
            .display()
            .to_string();
        let mut keys = msgid::find_messages(&text, &CALLS);
        // Prose kept in a `const` (a sentence: it has a space) and shown
        // with say!/explain!(CONST), on one line or several.
        for lit in msgid::find_messages(&text, &[(": &str =", 0)]) {
            // A sentence, not canned test data (several lines).
            if lit.contains(' ') && !lit.contains('\n') {
                keys.push(lit);
            }
        }
        // The texts of the lessons' tables and the exercises: `title:`,
        // `about:`, `hint:`.
        let fields: Vec<(&str, usize)> =
            FIELDS.iter().map(|f| (*f, 0)).collect();
        keys.extend(msgid::find_messages(&text, &fields));
        for key in keys {
            if !key.is_empty() && key.chars().any(|c| c.is_alphabetic()) {
                found.entry(key).or_default().push(name.clone());
            }
        }
    }
    for extra in EXTRA {
        found
            .entry(extra.to_string())
            .or_default()
            .push("common/src/narrate.rs".into());
    }
    found
}

fn header() -> CatalogMetadata {
    CatalogMetadata::parse(
        "Project-Id-Version: mmap-quadrants\n\
         Language: zh_CN\n\
         MIME-Version: 1.0\n\
         Content-Type: text/plain; charset=UTF-8\n\
         Content-Transfer-Encoding: 8bit\n\
         Plural-Forms: nplurals=1; plural=0;\n",
    )
    .expect("the header parses")
}

const PARTS: [&str; 5] = [
    "common",
    "private-file",
    "private-anon",
    "shared-file",
    "shared-anon",
];

/// The catalogue file a message goes in: the crate of its first use.
fn part(places: &[String]) -> &'static str {
    let first = places.first().map(String::as_str).unwrap_or("common");
    PARTS
        .iter()
        .copied()
        .find(|p| first.starts_with(&format!("{p}/")))
        .unwrap_or("common")
}

#[test]
fn the_catalogue_lists_every_message() {
    let po_dir = top().join("common/po");
    let wanted = messages();
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let mut problems = Vec::new();
    let mut pot = Catalog::new(header());
    let mut have_all: BTreeMap<String, (String, bool)> = BTreeMap::new();
    let mut old = Vec::new();
    for p in PARTS {
        let path = po_dir.join("zh").join(format!("{p}.po"));
        let catalog = polib::po_file::parse(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for m in catalog.messages() {
            have_all.insert(
                m.msgid().to_string(),
                (m.msgstr().unwrap_or("").to_string(), m.is_fuzzy()),
            );
            old.push((p, m.msgid().to_string()));
        }
    }
    let mut parts: BTreeMap<&str, Catalog> =
        PARTS.iter().map(|p| (*p, Catalog::new(header()))).collect();
    for (key, places) in &wanted {
        let mut places = places.clone();
        places.dedup();
        let source = places.join(" ");
        pot.append_or_update(
            Message::build_singular()
                .with_source(source.clone())
                .with_msgid(key.clone())
                .with_msgstr(String::new())
                .done(),
        );
        let part = part(&places);
        let (text, fuzzy) = have_all.get(key).cloned().unwrap_or_default();
        let mut m = Message::build_singular();
        m.with_source(source)
            .with_msgid(key.clone())
            .with_msgstr(text);
        if fuzzy {
            let mut flags = polib::message::MessageFlags::new();
            flags.add_flag("fuzzy");
            m.with_flags(flags);
        }
        parts
            .get_mut(part)
            .expect("a part")
            .append_or_update(m.done());
        if !have_all.contains_key(key) {
            problems.push(format!("not in common/po/zh/{part}.po: {key:?}"));
        } else if !old.iter().any(|(p, k)| *p == part && k == key) {
            problems
                .push(format!("belongs in common/po/zh/{part}.po: {key:?}"));
        }
    }
    // A message must hold words to translate, not only placeholders
    // ("{}", "{EXPLANATION}"): text passed in a placeholder stays English.
    for key in wanted.keys() {
        let words: String = key
            .split('{')
            .map(|part| part.split_once('}').map_or(part, |(_, rest)| rest))
            .collect();
        if !words.chars().any(|c| c.is_alphabetic()) {
            problems.push(format!(
                "only placeholders, nothing to translate: {key:?} (give the \
                 text itself to say!/explain!/tr!)"
            ));
        }
    }
    for (p, key) in &old {
        if !wanted.contains_key(key) {
            problems.push(format!(
                "in common/po/zh/{p}.po but no longer in the code: {key:?}"
            ));
        }
    }
    let write = |catalog: &Catalog, path: &Path| {
        polib::po_file::write_to_file(catalog, path).expect("write catalogue")
    };
    let pot_path = po_dir.join("messages.pot");
    if bless {
        write(&pot, &pot_path);
        for (p, catalog) in &parts {
            write(catalog, &po_dir.join("zh").join(format!("{p}.po")));
        }
        eprintln!("blessed the catalogue ({} changes)", problems.len());
        return;
    }
    let tmp = std::env::temp_dir()
        .join(format!("messages-{}.pot", std::process::id()));
    write(&pot, &tmp);
    let fresh = std::fs::read_to_string(&tmp).expect("read");
    let _ = std::fs::remove_file(&tmp);
    if fresh != std::fs::read_to_string(&pot_path).unwrap_or_default() {
        problems.push("common/po/messages.pot is out of date".to_string());
    }
    assert!(
        problems.is_empty(),
        "{}\n\nBLESS=1 cargo test -p testkit --test catalogue updates the catalogue",
        problems.join("\n")
    );
}
