use super::*;

#[test]
fn accept_language_picks_by_quality() {
    assert_eq!(
        Lang::from_accept_language("sv-SE,sv;q=0.9,en;q=0.8"),
        Some(Lang::Sv)
    );
    assert_eq!(
        Lang::from_accept_language("de, en;q=0.5, sv;q=0.4"),
        Some(Lang::En)
    );
    assert_eq!(Lang::from_accept_language("de, fr"), None);
    assert_eq!(Lang::from_accept_language("sv;q=0"), None);
    assert_eq!(Tr(Lang::Sv).sign_in(), "Logga in");
    assert_eq!(Tr(Lang::En).sign_in(), "Sign in");
}

#[test]
fn counts_choose_their_form() {
    let (en, sv) = (Tr(Lang::En), Tr(Lang::Sv));
    assert_eq!(en.expires_in_days(1_i64), "expires in 1 day");
    assert_eq!(en.expires_in_days(3_i64), "expires in 3 days");
    assert_eq!(en.expires_in_days(0_i64), "expires in 0 days");
    assert_eq!(sv.expires_in_days(1_i64), "löper ut om 1 dag");
    assert_eq!(sv.expires_in_days(3_i64), "löper ut om 3 dagar");
    assert_eq!(en.bulk_question(1_usize), "Send 1 payment request?");
    assert_eq!(en.bulk_question(3_usize), "Send 3 payment requests?");
    assert_eq!(sv.bulk_question(1_usize), "Skicka 1 betalningsbegäran?");
    assert_eq!(sv.bulk_question(3_usize), "Skicka 3 betalningsbegäranden?");
    assert_eq!(en.bulk_button(1_usize), "Send 1 payment request");
    assert_eq!(sv.bulk_button(2_usize), "Skicka 2 betalningsbegäranden");
    assert_eq!(en.checkouts_count(1_i64), "1 checkout");
    assert_eq!(en.checkouts_count(0_i64), "0 checkouts");
    assert_eq!(sv.checkouts_count(2_i64), "2 köp");
    // Borrowed, as templates pass them.
    let borrowed: &i64 = &1;
    assert_eq!(en.expires_in_days(borrowed), "expires in 1 day");
}

#[test]
fn parts_fill_their_places() {
    assert_eq!(
        Tr(Lang::Sv).sign_in_with_failed("Test IdP", "Kontot är avstängt"),
        "Logga in med Test IdP: Kontot är avstängt"
    );
    assert_eq!(
        Tr(Lang::En).sign_in_with("Test IdP"),
        "Sign in with Test IdP"
    );
    assert_eq!(
        Tr(Lang::Sv).consequence_capture("10,00\u{a0}kr", "Tess"),
        "Payson drar betalningen på 10,00\u{a0}kr från Tess; därefter kan bara en kreditering ångra det."
    );
}

/// Every catalogue entry: (name, English forms, Swedish forms).
pub(super) fn catalogue() -> impl Iterator<
    Item = &'static (
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
    ),
> {
    CATALOGUE.iter()
}

fn placeholders(form: &str) -> Vec<&str> {
    let mut out: Vec<&str> = form
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect();
    out.sort_unstable();
    out
}

#[test]
fn every_form_of_a_message_has_the_same_parts() {
    // A Swedish form that drops a part compiles (the other form uses it); this catches it.
    for (name, en, sv) in catalogue() {
        let want = placeholders(en[0]);
        for form in en.iter().chain(sv.iter()) {
            assert_eq!(placeholders(form), want, "{name}: {form}");
            assert!(!form.trim().is_empty(), "{name} has an empty form");
        }
    }
}

#[test]
fn swedish_is_not_english_copied() {
    // The few words both languages write alike.
    // A date without a time is written alike too ("3 Dec 2026", "3 dec. 2026"): the
    // month's name makes the difference.
    const ALIKE: &[&str] = &["status", "api", "version", "date_only"];
    for (name, en, sv) in catalogue() {
        if !ALIKE.contains(name) {
            assert_ne!(en, sv, "{name}: the Swedish form is the English one");
        }
    }
}

/// The text a person reads in `html`: text between tags, and the attributes read aloud or
/// shown (`title`, `aria-label`, `placeholder`, `alt`), entities decoded.
pub(super) fn readable_text(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push(rest[..open].to_owned());
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open..open + close];
        for attr in ["title=\"", "aria-label=\"", "placeholder=\"", "alt=\""] {
            if let Some(i) = tag.find(&format!(" {attr}")) {
                let value = &tag[i + 1 + attr.len()..];
                out.push(value.split('"').next().unwrap_or("").to_owned());
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push(rest.to_owned());
    out.into_iter()
        .map(|s| {
            s.replace("&#39;", "'")
                .replace("&#34;", "\"")
                .replace("&#60;", "<")
                .replace("&#62;", ">")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&#38;", "&")
                .replace("&amp;", "&")
        })
        .filter(|s| !s.trim().is_empty())
        .collect()
}

/// Templates write no words of their own: everything read comes through `t`. Brand
/// names and the contents of `<code>` (paths, headers, commands) are not language.
#[test]
fn templates_hold_no_literal_text() {
    const NOT_LANGUAGE: &[&str] = &["checkout", "desk", "Payson"];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut files = vec![root];
    let mut checked = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        let mut text = strip_between(&source, "{#", "#}");
        for (open, close) in [("{{", "}}"), ("{%", "%}"), ("<code>", "</code>")] {
            text = strip_between(&text, open, close);
        }
        for chunk in readable_text(&text) {
            for word in chunk.split_whitespace().filter(|w| !w.contains("://")) {
                for w in word.split(|c: char| !c.is_alphabetic()) {
                    assert!(
                        w.is_empty() || NOT_LANGUAGE.contains(&w),
                        "{}: literal text {w:?} in {chunk:?}; add a message instead",
                        path.display()
                    );
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} templates found");
}

/// `s` with every `open … close` span replaced by a space.
fn strip_between(s: &str, open: &str, close: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i]);
        out.push(' ');
        rest = rest[i + open.len()..]
            .find(close)
            .map_or("", |j| &rest[i + open.len() + j + close.len()..]);
    }
    out.push_str(rest);
    out
}

#[test]
fn readable_text_sees_text_and_spoken_attributes() {
    let html = r#"<p title="Hi &#39;x&#39;">One</p><input name="disabled" aria-label="Two"> Three"#;
    assert_eq!(readable_text(html), ["Hi 'x'", "One", "Two", " Three"]);
    assert_eq!(strip_between("a {{ b }} c {{ d }}", "{{", "}}"), "a   c  ");
}
