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

    /// A message built elsewhere (flash, error): translated whole, or by a table entry with
    /// one `{}` that stands for the varying part ("Company {} added"); else as it is.
    pub fn msg(&self, en: &str) -> String {
        if self.0 == Lang::En {
            return en.to_owned();
        }
        if let Some((_, sv)) = SV.iter().find(|(k, _)| *k == en) {
            return (*sv).to_owned();
        }
        for (k, sv) in SV {
            let Some((pre, post)) = k.split_once("{}") else {
                continue;
            };
            if en.len() > pre.len() + post.len() && en.starts_with(pre) && en.ends_with(post) {
                let part = &en[pre.len()..en.len() - post.len()];
                return sv.replacen("{}", &self.msg(part), 1);
            }
        }
        en.to_owned()
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
    // Administration
    ("API keys (x-api-key)", "API-nycklar (x-api-key)"),
    ("API tokens", "API-token"),
    ("Account", "Konto"),
    ("Add a company", "Lägg till ett företag"),
    ("Add a user", "Lägg till en användare"),
    ("Add company", "Lägg till företag"),
    ("Add user", "Lägg till användare"),
    ("Addresses", "Adresser"),
    (
        "Allowed addresses (comma-separated)",
        "Tillåtna adresser (kommaseparerade)",
    ),
    (
        "Copy it now; it is stored only as a hash and cannot be shown again.",
        "Kopiera den nu; den lagras bara som hash och kan inte visas igen.",
    ),
    ("Expires in days", "Löper ut om (dagar)"),
    ("Issue API key", "Utfärda API-nyckel"),
    ("Issue token", "Utfärda token"),
    ("Key id", "Nyckel-id"),
    ("Name", "Namn"),
    ("None.", "Inga."),
    ("Notes", "Anteckningar"),
    ("Password (12+ characters)", "Lösenord (minst 12 tecken)"),
    ("Payson API key", "Payson API-nyckel"),
    ("Payson agent id", "Payson agent-id"),
    ("Payson base URL", "Payson bas-URL"),
    ("Reset password", "Återställ lösenord"),
    ("Revoke", "Återkalla"),
    ("revoked", "återkallad"),
    ("Roles", "Roller"),
    ("Roles and company", "Roller och företag"),
    ("Save credentials", "Spara inloggningsuppgifter"),
    ("Save roles", "Spara roller"),
    ("Test connection", "Testa anslutningen"),
    ("User", "Användare"),
    ("disabled", "avstängd"),
    ("none", "inget"),
    ("unchanged", "oförändrad"),
    ("token name", "tokennamn"),
    ("Token name for", "Tokennamn för"),
    ("Enable", "Aktivera"),
    ("Disable", "Stäng av"),
    ("Bulk send", "Massutskick"),
    ("Sign in with", "Logga in med"),
    ("Signed in", "Inloggad"),
    ("Signed out", "Utloggad"),
    (
        "Sign out at the identity provider too",
        "Logga ut hos inloggningstjänsten också",
    ),
    ("Continue to the worklist", "Fortsätt till arbetslistan"),
    ("No such sign-in provider", "Ingen sådan inloggningstjänst"),
    (
        "The identity provider could not be reached",
        "Inloggningstjänsten gick inte att nå",
    ),
    (
        "The identity provider gave an unusable answer",
        "Inloggningstjänsten gav ett oanvändbart svar",
    ),
    (
        "Sign-in was refused at the identity provider ({})",
        "Inloggningen nekades hos inloggningstjänsten ({})",
    ),
    (
        "The sign-in could not be verified ({})",
        "Inloggningen kunde inte verifieras ({})",
    ),
    ("This account is disabled", "Kontot är avstängt"),
    (
        "This account is not linked to a checkout-desk user; ask a superadmin",
        "Kontot är inte kopplat till någon användare i checkout-desk; fråga en superadmin",
    ),
    (
        "The provider did not confirm this account's e-mail address",
        "Inloggningstjänsten har inte bekräftat kontots e-postadress",
    ),
    (
        "No checkout-desk user has this e-mail address; ask a superadmin",
        "Ingen användare i checkout-desk har den e-postadressen; fråga en superadmin",
    ),
    (
        "The provider names a company checkout-desk does not know",
        "Inloggningstjänsten anger ett företag som checkout-desk inte känner till",
    ),
    ("Error", "Fel"),
    // Messages built by handlers and services; `{}` is the varying part.
    ("Company {} added", "Företaget {} har lagts till"),
    ("API key {} issued", "API-nyckeln {} har utfärdats"),
    ("API key {} revoked", "API-nyckeln {} har återkallats"),
    ("User {} added", "Användaren {} har lagts till"),
    ("Roles saved: {}", "Roller sparade: {}"),
    (
        "New password for {} (shown once)",
        "Nytt lösenord för {} (visas en gång)",
    ),
    (
        "API token for {} (shown once)",
        "API-token för {} (visas en gång)",
    ),
    ("Token {} revoked", "Token {} har återkallats"),
    ("The form could not be read", "Formuläret kunde inte läsas"),
    ("Days must be a number", "Antal dagar måste vara ett tal"),
    ("New x-api-key (shown once)", "Ny x-api-key (visas en gång)"),
    (
        "You cannot disable yourself",
        "Du kan inte stänga av dig själv",
    ),
    ("User disabled", "Användaren har stängts av"),
    ("User enabled", "Användaren har aktiverats"),
    ("Payson credentials saved", "Payson-uppgifterna har sparats"),
    ("Connected to Payson as {}", "Ansluten till Payson som {}"),
    (
        "Payment request sent. The checkout is now {}.",
        "Betalningsbegäran skickad. Köpet har nu status {}.",
    ),
    (
        "The payment request was not sent: {}. The checkout stays in the worklist.",
        "Betalningsbegäran skickades inte: {}. Köpet ligger kvar i arbetslistan.",
    ),
    ("will be sent", "skickas"),
    ("skipped: {}", "hoppas över: {}"),
    (
        "you may not send payment requests for this company",
        "du får inte skicka betalningsbegäranden för det här företaget",
    ),
    ("it has status {}", "det har status {}"),
    (
        "still being sent; reload the checkout to see the outcome",
        "skickas fortfarande; ladda om köpet för att se utfallet",
    ),
    ("Wrong e-mail or password.", "Fel e-post eller lösenord."),
    ("Not Authenticated", "Inte inloggad"),
    ("Invalid Role", "Behörighet saknas"),
    ("Checkout not found", "Köpet hittades inte"),
    ("Checkout {} not found", "Köpet {} hittades inte"),
    ("Company not found", "Företaget hittades inte"),
    ("User not found", "Användaren hittades inte"),
    ("Token not found", "Token hittades inte"),
    (
        "This form has expired or was sent from another site. Reload the page and try again",
        "Formuläret har gått ut eller skickades från en annan webbplats. Ladda om sidan och försök igen",
    ),
    (
        "Too many attempts. Wait a minute and try again",
        "För många försök. Vänta en minut och försök igen",
    ),
    (
        "The database is busy; nothing was changed. Try again",
        "Databasen är upptagen; inget ändrades. Försök igen",
    ),
    ("An unexpected error occurred", "Ett oväntat fel inträffade"),
    (
        "The form is incomplete; reload the page",
        "Formuläret är ofullständigt; ladda om sidan",
    ),
    ("Select at least one checkout", "Välj minst ett köp"),
    ("Payson did not answer: {}", "Payson svarade inte: {}"),
    (
        "Payson rejected the company's Payson credentials",
        "Payson godtog inte företagets Payson-uppgifter",
    ),
    (
        "Payson does not know this checkout",
        "Payson känner inte till det här köpet",
    ),
    ("A company needs a name", "Ett företag måste ha ett namn"),
    (
        "Payson agent id and API key are required",
        "Payson agent-id och API-nyckel krävs",
    ),
    (
        "The Payson base URL must be http(s)",
        "Paysons bas-URL måste vara http(s)",
    ),
    ("Not an e-mail address", "Ingen e-postadress"),
    (
        "Company roles need a company",
        "Företagsroller kräver ett företag",
    ),
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

    #[test]
    fn messages_translate_with_their_varying_part() {
        let sv = Tr(Lang::Sv);
        assert_eq!(
            sv.msg("Company Acme AB added"),
            "Företaget Acme AB har lagts till"
        );
        assert_eq!(
            sv.msg("The payment request was not sent: Payson rejected the company's Payson credentials. The checkout stays in the worklist."),
            "Betalningsbegäran skickades inte: Payson godtog inte företagets Payson-uppgifter. Köpet ligger kvar i arbetslistan."
        );
        assert_eq!(sv.msg("Something unknown"), "Something unknown");
        assert_eq!(
            Tr(Lang::En).msg("Company Acme AB added"),
            "Company Acme AB added"
        );
    }
}

/// The language switch: a cookie, then back to the page it was pressed on (never off-site).
pub async fn switch(
    req: HttpRequest,
    session: actix_session::Session,
    form: actix_web::web::Form<SwitchForm>,
) -> Result<actix_web::HttpResponse, super::page::PageError> {
    use actix_web::cookie::{Cookie, SameSite, time::Duration};
    crate::http::csrf::verify(&req, &session, &form.csrf_token)?;
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
