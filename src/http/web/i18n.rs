//! Swedish and English: chosen by the `lang` cookie (the switch), else `Accept-Language`,
//! else English. Templates write English text through `t.s("…")`; amounts follow the
//! language (`1 234,50 kr` or `SEK 1,234.50`).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::domain::Money;

pub const COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Sv,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Self> {
        let primary = s
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "sv" => Some(Self::Sv),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Sv => "sv",
            Self::En => "en",
        }
    }

    /// The best of Swedish and English by `Accept-Language` q-values; English on a tie.
    fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(Lang, f32)> = None;
        for part in header.split(',') {
            let mut it = part.split(';');
            let Some(lang) = it.next().and_then(Lang::parse) else {
                continue;
            };
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, bq)| q > bq) {
                best = Some((lang, q));
            }
        }
        best.map(|(l, _)| l)
    }

    pub fn of(req: &HttpRequest) -> Self {
        if let Some(l) = req.cookie(COOKIE).and_then(|c| Lang::parse(c.value())) {
            return l;
        }
        req.headers()
            .get("accept-language")
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language)
            .unwrap_or(Self::En)
    }
}

/// The translator templates receive as `t`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl FromRequest for Tr {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Tr(Lang::of(req))))
    }
}

impl Tr {
    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    pub fn is_sv(&self) -> bool {
        self.0 == Lang::Sv
    }

    pub fn money(&self, m: Money) -> String {
        match self.0 {
            Lang::Sv => m.format_sv(),
            Lang::En => m.format_en(),
        }
    }

    /// The text in this language; English text is its own key.
    pub fn s<'a>(&self, en: &'a str) -> &'a str {
        if self.0 == Lang::En {
            return en;
        }
        SV.iter().find(|(k, _)| *k == en).map_or(en, |(_, sv)| sv)
    }
}

const SV: &[(&str, &str)] = &[
    ("Skip to content", "Hoppa till innehållet"),
    ("Sign in", "Logga in"),
    ("Sign out", "Logga ut"),
    ("E-mail", "E-post"),
    ("Password", "Lösenord"),
    ("Worklist", "Arbetslista"),
    ("Audit log", "Granskningslogg"),
    ("Companies", "Företag"),
    ("Users", "Användare"),
    ("Language", "Språk"),
    ("Awaiting a payment request", "Väntar på betalningsbegäran"),
    ("Checkouts", "Köp"),
    (
        "ReadyToShip checkouts, soonest-expiring first. Payson expires them 59 days after they became ReadyToShip.",
        "Köp i ReadyToShip, de som löper ut först överst. Payson låter dem löpa ut 59 dagar efter att de blev ReadyToShip.",
    ),
    ("Status", "Status"),
    ("Awaiting (ReadyToShip)", "Väntar (ReadyToShip)"),
    ("All", "Alla"),
    ("Company", "Företag"),
    ("Search", "Sök"),
    (
        "Customer, e-mail, booking, checkout id",
        "Kund, e-post, bokning, köp-id",
    ),
    ("From", "Från"),
    ("To", "Till"),
    ("Filter", "Filtrera"),
    ("Download CSV", "Ladda ner CSV"),
    ("checkouts", "köp"),
    ("Nothing matches.", "Inget matchar."),
    ("Expires", "Löper ut"),
    ("Customer", "Kund"),
    ("Booking", "Bokning"),
    ("Amount", "Belopp"),
    ("Checkout", "Köp"),
    ("expires in", "löper ut om"),
    ("days", "dagar"),
    ("Next page", "Nästa sida"),
    ("Preview bulk send", "Förhandsgranska massutskick"),
    ("Select", "Välj"),
    ("Details", "Uppgifter"),
    ("Payment", "Betalning"),
    ("Payson purchase", "Payson-köp"),
    ("Expires at Payson", "Löper ut hos Payson"),
    ("Send payment request", "Skicka betalningsbegäran"),
    ("Refresh from Payson", "Uppdatera från Payson"),
    ("Payson status history", "Statushistorik hos Payson"),
    ("Checkout preview", "Förhandsvisning av kassan"),
    ("Audit events", "Granskningshändelser"),
    ("None yet.", "Inga ännu."),
    ("When", "När"),
    ("Who", "Vem"),
    ("What", "Vad"),
    ("Outcome", "Utfall"),
    ("Message", "Meddelande"),
    ("Note", "Anteckning"),
    ("Send payment request?", "Skicka betalningsbegäran?"),
    (
        "Note for the audit log (optional)",
        "Anteckning till granskningsloggen (valfri)",
    ),
    ("Cancel", "Avbryt"),
    ("Back to the worklist", "Tillbaka till arbetslistan"),
    ("Something went wrong", "Något gick fel"),
    ("Bulk send: results", "Massutskick: resultat"),
    ("Result", "Resultat"),
    ("What happens", "Vad som händer"),
    ("Action", "Händelse"),
    ("User (e-mail)", "Användare (e-post)"),
    ("Older events", "Äldre händelser"),
];

#[cfg(test)]
mod tests {
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
        assert_eq!(Tr(Lang::Sv).s("Sign in"), "Logga in");
        assert_eq!(Tr(Lang::Sv).s("not in the table"), "not in the table");
        assert_eq!(Tr(Lang::En).s("Sign in"), "Sign in");
    }
}

/// The language switch: a cookie, then back to the page it was pressed on (never off-site).
pub async fn switch(
    req: HttpRequest,
    session: actix_session::Session,
    form: actix_web::web::Form<SwitchForm>,
) -> Result<actix_web::HttpResponse, super::page::PageError> {
    use actix_web::cookie::{Cookie, SameSite, time::Duration};
    super::csrf::verify(&req, &session, &form.csrf_token)?;
    let lang = Lang::parse(&form.lang).ok_or_else(|| {
        crate::error::AppError::invalid("lang", "InvalidFormat", "Unknown language")
    })?;
    let referer_path = req
        .headers()
        .get("referer")
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()));
    let back = [Some(form.back.clone()), referer_path]
        .into_iter()
        .flatten()
        .find(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\'))
        .unwrap_or_else(|| "/checkouts".to_owned());
    let cookie = Cookie::build(COOKIE, lang.code())
        .path("/")
        .same_site(SameSite::Lax)
        .http_only(true)
        .max_age(Duration::days(365))
        .finish();
    Ok(actix_web::HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((actix_web::http::header::LOCATION, back))
        .finish())
}

#[derive(serde::Deserialize)]
pub struct SwitchForm {
    lang: String,
    csrf_token: String,
    #[serde(default)]
    back: String,
}
