//! The legacy bridge: flash and error texts that handlers and services still build as
//! English strings, translated by matching that English. It goes once they are typed
//! values; the page's own text never comes through here (see the catalogue files).

use super::{Lang, Tr};

impl Tr {
    /// `en` translated whole, or by an entry with one `{}` that stands for the varying part
    /// ("Company {} added", the part translated in turn); else `en` as it is.
    pub fn legacy_msg(&self, en: &str) -> String {
        if self.0 == Lang::En {
            return en.to_owned();
        }
        if let Some((_, sv)) = LEGACY.iter().find(|(k, _)| *k == en) {
            return (*sv).to_owned();
        }
        for (k, sv) in LEGACY {
            let Some((pre, post)) = k.split_once("{}") else {
                continue;
            };
            if en.len() > pre.len() + post.len() && en.starts_with(pre) && en.ends_with(post) {
                let part = &en[pre.len()..en.len() - post.len()];
                return sv.replacen("{}", &self.legacy_msg(part), 1);
            }
        }
        en.to_owned()
    }
}

/// (English, Swedish); `{}` is the varying part.
pub(super) const LEGACY: &[(&str, &str)] = &[
    // OpenID sign-in (auth::oidc::OidcError, service::sso).
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
    // Administration flashes (web::admin, service::admin).
    ("Company {} added", "Företaget {} har lagts till"),
    ("API key {} issued", "API-nyckeln {} har utfärdats"),
    ("API key {} revoked", "API-nyckeln {} har återkallats"),
    ("User {} added", "Användaren {} har lagts till"),
    ("Roles saved: {}", "Roller sparade: {}"),
    ("Token {} revoked", "Token {} har återkallats"),
    ("The form could not be read", "Formuläret kunde inte läsas"),
    ("Days must be a number", "Antal dagar måste vara ett tal"),
    (
        "You cannot disable yourself",
        "Du kan inte stänga av dig själv",
    ),
    ("User disabled", "Användaren har stängts av"),
    ("User enabled", "Användaren har aktiverats"),
    ("Payson credentials saved", "Payson-uppgifterna har sparats"),
    ("Connected to Payson as {}", "Ansluten till Payson som {}"),
    // Send outcomes, kept with the submission (web::checkout, web::bulk).
    (
        "Payment request sent. The checkout is now {}.",
        "Betalningsbegäran skickad. Köpet har nu status {}.",
    ),
    (
        "The payment request was not sent: {}. The checkout stays in the worklist.",
        "Betalningsbegäran skickades inte: {}. Köpet ligger kvar i arbetslistan.",
    ),
    (
        "still being sent; reload the checkout to see the outcome",
        "skickas fortfarande; ladda om köpet för att se utfallet",
    ),
    // Errors (AppError's messages, also the API's ServiceStack messages).
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
    fn messages_translate_with_their_varying_part() {
        let sv = Tr(Lang::Sv);
        assert_eq!(
            sv.legacy_msg("Company Acme AB added"),
            "Företaget Acme AB har lagts till"
        );
        assert_eq!(
            sv.legacy_msg("The payment request was not sent: Payson rejected the company's Payson credentials. The checkout stays in the worklist."),
            "Betalningsbegäran skickades inte: Payson godtog inte företagets Payson-uppgifter. Köpet ligger kvar i arbetslistan."
        );
        assert_eq!(sv.legacy_msg("Something unknown"), "Something unknown");
        assert_eq!(
            Tr(Lang::En).legacy_msg("Company Acme AB added"),
            "Company Acme AB added"
        );
    }

    #[test]
    fn the_pages_own_words_are_not_looked_up_here() {
        // A company named like a heading keeps its name.
        assert_eq!(
            Tr(Lang::Sv).legacy_msg("Company Companies added"),
            "Företaget Companies har lagts till"
        );
        assert_eq!(Tr(Lang::Sv).legacy_msg("Sign in"), "Sign in");
    }
}
