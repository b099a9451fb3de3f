//! `config.example.toml` lists every setting: compared with the settings type itself, so
//! a setting added without documenting it fails here (issue 12 point 5).

use checkout_desk::config::Settings;

/// Keys kept only to explain that they were replaced.
const RETIRED: &[&str] = &["trust_forwarded_for"];

/// The field names serde expects where `probe` is read, from its "unknown field" answer.
fn fields_at(prefix: &str) -> Vec<String> {
    let doc = format!("{prefix}__probe__ = 1\n");
    let err = toml::from_str::<Settings>(&doc)
        .err()
        .unwrap_or_else(|| panic!("{prefix}: a probe key was accepted"))
        .to_string();
    let expected = err
        .split("expected ")
        .nth(1)
        .unwrap_or_else(|| panic!("{prefix}: {err}"));
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Whether `name` at the top level is a section (a table of its own fields).
fn is_section(name: &str) -> bool {
    let doc = format!("[{name}]\n__probe__ = 1\n");
    toml::from_str::<Settings>(&doc)
        .err()
        .is_some_and(|e| e.to_string().contains("unknown field `__probe__`"))
}

/// Every `key = …` of the example, active or commented out, as `section.key`.
fn documented() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
        .unwrap();
    let mut section = String::new();
    let mut keys = Vec::new();
    for line in text.lines() {
        let l = line.trim_start_matches('#').trim();
        if let Some(h) = l.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            // `[oidc.keycloak]` documents the provider fields of every `[oidc.<name>]`.
            section = h.split('.').next().unwrap_or(h).to_owned();
            continue;
        }
        if let Some((k, _)) = l.split_once('=') {
            let k = k.trim();
            if !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                keys.push(if section.is_empty() {
                    k.to_owned()
                } else {
                    format!("{section}.{k}")
                });
            }
        }
    }
    keys
}

#[test]
fn the_example_lists_every_setting_and_nothing_else() {
    let mut wanted = Vec::new();
    for top in fields_at("") {
        if RETIRED.contains(&top.as_str()) {
            continue;
        }
        if top == "oidc" {
            let provider = fields_at("[oidc.example]\n");
            wanted.extend(provider.into_iter().map(|f| format!("oidc.{f}")));
        } else if is_section(&top) {
            let fields = fields_at(&format!("[{top}]\n"));
            wanted.extend(fields.into_iter().map(|f| format!("{top}.{f}")));
        } else {
            wanted.push(top);
        }
    }
    assert!(
        wanted.len() > 30,
        "the probe found too few settings: {wanted:?}"
    );
    let documented = documented();
    let missing: Vec<_> = wanted.iter().filter(|k| !documented.contains(k)).collect();
    assert!(
        missing.is_empty(),
        "config.example.toml does not list {missing:?}"
    );
    let unknown: Vec<_> = documented.iter().filter(|k| !wanted.contains(k)).collect();
    assert!(
        unknown.is_empty(),
        "config.example.toml lists unknown keys {unknown:?}"
    );
    // The active part of the example is a valid configuration.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let env = [(
        "CHECKOUT_DESK_SECRET_KEY".to_owned(),
        "3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned(),
    )];
    Settings::load(Some(&path), env).unwrap();
}
