//! The digest mail's words, in English and Swedish. They live here, beside the service
//! that sends the mail, because a mail has no page: `service` may not import the desk's
//! catalogue (`http::web::i18n`), so the mail keeps its own, matched by `Language` so a
//! missing translation does not compile.

use chrono::{DateTime, Utc};

use crate::domain::{Checkout, Currency, Language, Money};

/// What one company's digest says, whoever reads it.
pub struct DigestContent<'a> {
    pub company: &'a str,
    pub window_days: i64,
    /// Soonest-expiring first.
    pub checkouts: &'a [Checkout],
    /// Absolute URL of the desk (`public_url`), without a trailing slash.
    pub base_url: &'a str,
    /// The worklist filtered for exactly these checkouts (path and query).
    pub worklist_path: &'a str,
}

/// Per-currency count and sum, in the order currencies first appear.
pub fn totals(checkouts: &[Checkout]) -> Vec<(Currency, usize, Money)> {
    let mut out: Vec<(Currency, usize, Money)> = Vec::new();
    for c in checkouts {
        let cur = c.amount.currency();
        match out.iter_mut().find(|(k, _, _)| *k == cur) {
            Some((_, n, sum)) => {
                *n += 1;
                *sum = Money::from_minor(sum.minor().saturating_add(c.amount.minor()), cur);
            }
            None => out.push((cur, 1, c.amount)),
        }
    }
    out
}

fn money(lang: Language, m: Money) -> String {
    match lang {
        Language::En => m.format_en(),
        Language::Sv => m.format_sv(),
    }
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn subject(lang: Language, n: usize, days: i64, company: &str) -> String {
    match (lang, n == 1) {
        (Language::En, true) => format!("{n} checkout expires within {days} days – {company}"),
        (Language::En, false) => format!("{n} checkouts expire within {days} days – {company}"),
        (Language::Sv, true) => format!("{n} köp löper ut inom {days} dagar – {company}"),
        (Language::Sv, false) => format!("{n} köp löper ut inom {days} dagar – {company}"),
    }
}

fn intro(lang: Language, company: &str, days: i64) -> String {
    match lang {
        Language::En => format!(
            "These checkouts of {company} await a payment request and expire at Payson within {days} days. \
             Once expired, the payment is lost: send the payment request before then."
        ),
        Language::Sv => format!(
            "Dessa köp för {company} väntar på en betalningsbegäran och löper ut hos Payson inom {days} dagar. \
             När de har löpt ut går betalningen förlorad: skicka betalningsbegäran innan dess."
        ),
    }
}

fn line(lang: Language, c: &Checkout, link: &str) -> String {
    let (who, amount, expires) = (&c.customer_name, money(lang, c.amount), day(c.expires_at()));
    match lang {
        Language::En => format!(
            "- Checkout {id}\n  Customer: {who}\n  Amount: {amount}\n  Expires: {expires}\n  {link}",
            id = c.id
        ),
        Language::Sv => format!(
            "- Köp {id}\n  Kund: {who}\n  Belopp: {amount}\n  Löper ut: {expires}\n  {link}",
            id = c.id
        ),
    }
}

fn total(lang: Language, n: usize, sum: String) -> String {
    match (lang, n == 1) {
        (Language::En, true) => format!("Total: {n} checkout, {sum}"),
        (Language::En, false) => format!("Total: {n} checkouts, {sum}"),
        (Language::Sv, _) => format!("Totalt: {n} köp, {sum}"),
    }
}

fn worklist(lang: Language, url: &str) -> String {
    match lang {
        Language::En => format!("All of them in the worklist: {url}"),
        Language::Sv => format!("Alla i arbetslistan: {url}"),
    }
}

fn footer(lang: Language, settings_url: &str) -> String {
    match lang {
        Language::En => format!(
            "You get this daily digest as a write administrator of the company. \
             To stop it, turn it off in your settings: {settings_url}"
        ),
        Language::Sv => format!(
            "Du får den här dagliga sammanställningen som administratör med skrivbehörighet för företaget. \
             Stäng av den i dina inställningar: {settings_url}"
        ),
    }
}

/// The subject and plain-text body of `content` in `lang`.
pub fn compose(lang: Language, content: &DigestContent<'_>) -> (String, String) {
    let base = content.base_url;
    let n = content.checkouts.len();
    let mut body = intro(lang, content.company, content.window_days);
    body.push_str("\n\n");
    for c in content.checkouts {
        body.push_str(&line(lang, c, &format!("{base}/checkouts/{}", c.id)));
        body.push('\n');
    }
    body.push('\n');
    for (_, count, sum) in totals(content.checkouts) {
        body.push_str(&total(lang, count, money(lang, sum)));
        body.push('\n');
    }
    body.push_str(&worklist(lang, &format!("{base}{}", content.worklist_path)));
    body.push_str("\n\n-- \n");
    body.push_str(&footer(lang, &format!("{base}/settings")));
    body.push('\n');
    (subject(lang, n, content.window_days, content.company), body)
}
