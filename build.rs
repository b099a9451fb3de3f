//! Writes the desk's message catalogue (`src/http/web/i18n/catalogue/*.toml`: per key an
//! English and a Swedish form, optional typed `args`) as one `messages!` invocation, so
//! each key becomes a typed method on `Tr`. A key without both languages, or with
//! different plural forms in them, stops the build here; a placeholder naming no
//! argument, or an argument of the wrong type at a call, stops it in rustc.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

const CATALOGUE: &str = "src/http/web/i18n/catalogue";

fn main() {
    println!("cargo:rerun-if-changed={CATALOGUE}");
    println!("cargo:rerun-if-changed=build.rs");
    let mut files: Vec<_> = std::fs::read_dir(CATALOGUE)
        .unwrap_or_else(|e| panic!("{CATALOGUE}: {e}"))
        .map(|e| e.expect("catalogue entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    // Key → the file that has it: a key in two files would be two methods.
    let mut seen = BTreeMap::new();
    let mut out = String::from("messages! {\n    CATALOGUE;\n");
    for path in &files {
        let source = std::fs::read_to_string(path).expect("catalogue file");
        let table: toml::Table = source
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (key, entry) in table {
            let at = format!("{}: [{key}]", path.display());
            if let Some(other) = seen.insert(key.clone(), path.display().to_string()) {
                panic!("{at} is also in {other}");
            }
            out.push_str(&entry_source(&at, &key, &entry));
        }
    }
    out.push_str("}\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("messages.rs");
    std::fs::write(dest, out).expect("write messages.rs");
}

/// One `messages!` entry: `key(args) { en: "…" | "…", sv: "…" | "…" }`.
fn entry_source(at: &str, key: &str, entry: &toml::Value) -> String {
    let table = entry
        .as_table()
        .unwrap_or_else(|| panic!("{at} must be a table"));
    if let Some(unknown) = table
        .keys()
        .find(|k| !["args", "en", "sv"].contains(&k.as_str()))
    {
        panic!("{at} has an unknown field {unknown:?}");
    }
    let en = forms(at, "en", table.get("en"));
    let sv = forms(at, "sv", table.get("sv"));
    if en.len() != sv.len() {
        panic!("{at}: en has {} forms, sv has {}", en.len(), sv.len());
    }
    let mut s = String::new();
    let _ = write!(s, "    #[doc = {:?}]\n    {key}", en.join(" | "));
    if let Some(args) = table.get("args") {
        let args = args
            .as_str()
            .unwrap_or_else(|| panic!("{at}: args must be a string"));
        let _ = write!(s, "({args})");
    }
    let _ = writeln!(s, " {{ en: {}, sv: {} }}", literals(&en), literals(&sv));
    s
}

/// A language's forms: one text, or for a count its singular and its plural.
fn forms(at: &str, lang: &str, value: Option<&toml::Value>) -> Vec<String> {
    let forms: Vec<String> = match value {
        None => panic!("{at} has no {lang} form"),
        Some(toml::Value::String(s)) => vec![s.clone()],
        Some(toml::Value::Array(a)) => a
            .iter()
            .map(|v| match v.as_str() {
                Some(s) => s.to_owned(),
                None => panic!("{at}: {lang} forms must be strings"),
            })
            .collect(),
        Some(_) => panic!("{at}: {lang} must be a string or [one, other]"),
    };
    if forms.is_empty() || forms.len() > 2 {
        panic!("{at}: {lang} needs one form, or two for a count");
    }
    forms
}

fn literals(forms: &[String]) -> String {
    let quoted: Vec<String> = forms.iter().map(|f| format!("{f:?}")).collect();
    quoted.join(" | ")
}
