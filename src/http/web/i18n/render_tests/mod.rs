//! Every page template rendered in both languages from made-up data: each renders, reads
//! differently in Swedish and English, and shows no text of the catalogue's other
//! language. The pages are the handlers' own structs, filled with made-up values.

mod checkouts;
mod desk;
mod notifications;

use super::tests::{catalogue, readable_text};
use super::{Lang, Tr};
use crate::domain::policy::Nav;
use crate::http::web::audit::EventView;
use crate::http::web::extract::Chrome;

pub(super) fn chrome() -> Chrome {
    Chrome {
        user: s("a@b.se"),
        nav: Nav {
            audit: true,
            companies: true,
            users: true,
            notifications: true,
        },
        csrf: s("c"),
    }
}

/// An audit event as the audit log and a checkout's page show it.
pub(super) fn audit_row(t: Tr) -> EventView {
    EventView {
        at: t.date_only(1, t.month_1(), 2026),
        address: s("127.0.0.1"),
        company: s("Acme AB"),
        sentence: t.said_sent("a@b.se", "0000"),
        outcome: t.outcome_failed(),
        failed: true,
        status: 200,
        checkout: s("0000"),
        message: s("ok"),
        payson: s("ok"),
        note: s("ok"),
    }
}

pub(super) fn s(v: &str) -> String {
    v.to_owned()
}

/// Whether `word` occurs in `text` on its own, not as part of a longer word.
fn has_word(text: &str, word: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(word).any(|(i, _)| {
        !alnum(text[..i].chars().next_back()) && !alnum(text[i + word.len()..].chars().next())
    })
}

/// The static forms only one language writes (a form also found in the other language,
/// like "Payson Checkout" in a Swedish sentence, proves nothing).
fn only_in(lang: Lang) -> Vec<&'static str> {
    let forms = |l: Lang| -> Vec<&'static str> {
        catalogue()
            .flat_map(|(_, en, sv)| if l == Lang::En { en.iter() } else { sv.iter() })
            .copied()
            .collect()
    };
    let (mine, theirs) = (forms(lang), forms(lang.other()));
    mine.into_iter()
        .filter(|f| !f.contains('{') && !theirs.iter().any(|o| has_word(o, f)))
        .collect()
}

pub(super) fn check(name: &str, render: impl Fn(Tr) -> String) {
    let en = render(Tr(Lang::En));
    let sv = render(Tr(Lang::Sv));
    assert_ne!(en, sv, "{name} reads the same in both languages");
    for (lang, html) in [(Lang::En, &en), (Lang::Sv, &sv)] {
        let foreign = only_in(lang.other());
        for chunk in readable_text(html) {
            if let Some(f) = foreign.iter().find(|f| has_word(&chunk, f)) {
                panic!("{name} in {lang:?} shows {f:?}: {chunk:?}");
            }
        }
    }
}
