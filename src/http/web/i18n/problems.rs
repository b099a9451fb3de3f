//! What handlers and services tell a person: errors (`Problem`, from `AppError`),
//! flashes after a change (`Flash`, `Notice`), send outcomes and OpenID sign-in
//! failures. Each is rendered by matching on its typed value, so a new variant or reason
//! does not compile until it is written here in both languages. Payson's own words and
//! technical details are shown as they are, inside the translated sentence.

use super::Tr;
use crate::auth::oidc::OidcError;
use crate::domain::CheckoutStatus;
use crate::error::{
    Clash, Existing, FilterField, FormProblem, Invalid, Missing, PaysonRefusal, PaysonSilence,
    Problem,
};
use crate::http::web::flash::{Flash, Notice};
use crate::service::send_once::SendOutcome;

messages! {
    PROBLEMS;
    // Who may do what.
    not_authenticated { en: "Not Authenticated", sv: "Inte inloggad" }
    invalid_role { en: "Invalid Role", sv: "Behörighet saknas" }

    // Fields.
    request_not_valid { en: "The request is not valid", sv: "Begäran är inte giltig" }
    company_id_required { en: "CompanyId is required", sv: "CompanyId måste anges" }
    company_roles_need_company { en: "Company roles need a company", sv: "Företagsroller kräver ett företag" }
    unknown_role(role: &str) { en: "unknown role '{role}'", sv: "okänd roll '{role}'" }
    password_too_short {
        en: "a password needs at least 12 characters",
        sv: "ett lösenord måste ha minst 12 tecken",
    }
    not_an_email { en: "Not an e-mail address", sv: "Ingen e-postadress" }
    company_needs_name { en: "A company needs a name", sv: "Ett företag måste ha ett namn" }
    payson_credentials_required {
        en: "Payson agent id and API key are required",
        sv: "Payson agent-id och API-nyckel krävs",
    }
    payson_agent_id_required { en: "The Payson agent id is required", sv: "Payson agent-id krävs" }
    payson_base_url_http { en: "The Payson base URL must be http(s)", sv: "Paysons bas-URL måste vara http(s)" }
    not_an_ip(ip: &str) { en: "'{ip}' is not an IP address", sv: "'{ip}' är ingen IP-adress" }
    days_not_number { en: "Days must be a number", sv: "Antal dagar måste vara ett tal" }
    days_out_of_range {
        en: "Days must be a number from 1 to 3650",
        sv: "Antal dagar måste vara ett tal från 1 till 3650",
    }
    not_a_checkout_id(value: &str) { en: "'{value}' is not a checkout id", sv: "'{value}' är inget köp-id" }
    select_one { en: "Select at least one checkout", sv: "Välj minst ett köp" }
    select_at_most(n: usize) {
        en: "Select at most {n} checkouts at a time",
        sv: "Välj högst {n} köp åt gången",
    }
    /// `field` is the filter's label on the page.
    filter_not_valid(field: &str) {
        en: "The {field} filter is not valid",
        sv: "Filtret {field} är inte giltigt",
    }
    unknown_language { en: "Unknown language", sv: "Okänt språk" }

    // Requests and forms that could not be read.
    request_unreadable { en: "The request could not be read", sv: "Begäran kunde inte läsas" }
    form_unreadable { en: "The form could not be read", sv: "Formuläret kunde inte läsas" }
    form_incomplete {
        en: "The form is incomplete; reload the page",
        sv: "Formuläret är ofullständigt; ladda om sidan",
    }
    selection_unreadable { en: "The selection could not be read", sv: "Urvalet kunde inte läsas" }

    // Not found.
    checkout_not_found { en: "Checkout not found", sv: "Köpet hittades inte" }
    checkout_id_not_found(id: &str) { en: "Checkout {id} not found", sv: "Köpet {id} hittades inte" }
    company_not_found { en: "Company not found", sv: "Företaget hittades inte" }
    user_not_found { en: "User not found", sv: "Användaren hittades inte" }
    no_user(email: &str) { en: "No user {email}", sv: "Ingen användare {email}" }
    key_not_found { en: "Key not found", sv: "Nyckeln hittades inte" }
    token_not_found { en: "Token not found", sv: "Token hittades inte" }
    no_active_token(id: &str) { en: "No active token {id}", sv: "Ingen aktiv token {id}" }
    no_such_provider { en: "No such sign-in provider", sv: "Ingen sådan inloggningstjänst" }

    // Conflicts.
    company_exists { en: "A company already exists", sv: "Företaget finns redan" }
    user_email_exists {
        en: "A user with this e-mail already exists",
        sv: "Det finns redan en användare med den e-postadressen",
    }
    cannot_disable_yourself { en: "You cannot disable yourself", sv: "Du kan inte stänga av dig själv" }
    /// Rule 6; the statuses are BokaMera's names.
    must_be_ready(want: &str, has: &str) {
        en: "The checkout must have status {want}; it has {has}",
        sv: "Köpet måste ha status {want}; det har {has}",
    }
    being_confirmed {
        en: "The outcome of an earlier payment request for this checkout is being confirmed with Payson; nothing was sent now. Try again in a minute",
        sv: "Utfallet av en tidigare betalningsbegäran för det här köpet bekräftas med Payson; ingenting skickades nu. Försök igen om en minut",
    }
    already_sending {
        en: "A payment request for this checkout is already being sent",
        sv: "En betalningsbegäran för det här köpet håller redan på att skickas",
    }
    account_disabled { en: "This account is disabled", sv: "Kontot är avstängt" }
    account_not_linked {
        en: "This account is not linked to a checkout-desk user; ask a superadmin",
        sv: "Kontot är inte kopplat till någon användare i checkout-desk; fråga en superadmin",
    }
    email_unconfirmed {
        en: "The provider did not confirm this account's e-mail address",
        sv: "Inloggningstjänsten har inte bekräftat kontots e-postadress",
    }
    no_user_with_email {
        en: "No checkout-desk user has this e-mail address; ask a superadmin",
        sv: "Ingen användare i checkout-desk har den e-postadressen; fråga en superadmin",
    }
    unknown_company_claim {
        en: "The provider names a company checkout-desk does not know",
        sv: "Inloggningstjänsten anger ett företag som checkout-desk inte känner till",
    }
    sign_in_again { en: "Try signing in again", sv: "Försök logga in igen" }

    // Payson.
    payson_rejected_credentials {
        en: "Payson rejected the company's Payson credentials",
        sv: "Payson godtog inte företagets Payson-uppgifter",
    }
    payson_unknown_checkout { en: "Payson does not know this checkout", sv: "Payson känner inte till det här köpet" }
    /// `message` is Payson's own, shown as it is.
    payson_refused(message: &str) { en: "Payson refused: {message}", sv: "Payson nekade: {message}" }
    payson_unreadable {
        en: "Payson sent an answer that could not be read",
        sv: "Payson skickade ett svar som inte gick att läsa",
    }
    payson_no_id { en: "Payson sent a checkout without an id", sv: "Payson skickade ett köp utan id" }
    payson_not_shipped(status: &str) {
        en: "Payson did not mark the checkout shipped; it has {status}",
        sv: "Payson markerade inte köpet som skickat; det har {status}",
    }
    payson_no_answer(detail: &str) { en: "Payson did not answer: {detail}", sv: "Payson svarade inte: {detail}" }
    payson_unconfirmed(detail: &str) {
        en: "Payson did not confirm the payment request ({detail}). It will be checked with Payson before any new attempt",
        sv: "Payson bekräftade inte betalningsbegäran ({detail}). Den stäms av med Payson före nästa försök",
    }

    // The request as a whole.
    not_acceptable {
        en: "The Accept header allows neither JSON nor XML",
        sv: "Accept-huvudet tillåter varken JSON eller XML",
    }
    unsupported_media_type(content_type: &str) {
        en: "Unsupported Content-Type '{content_type}'",
        sv: "Content-Type '{content_type}' stöds inte",
    }
    payload_too_large(n: usize) {
        en: "The request body is larger than {n} bytes",
        sv: "Begärans innehåll är större än {n} byte",
    }
    method_not_allowed { en: "Method not allowed", sv: "Metoden är inte tillåten" }
    csrf_rejected {
        en: "This form has expired or was sent from another site. Reload the page and try again",
        sv: "Formuläret har gått ut eller skickades från en annan webbplats. Ladda om sidan och försök igen",
    }
    too_many_attempts {
        en: "Too many attempts. Wait a minute and try again",
        sv: "För många försök. Vänta en minut och försök igen",
    }
    database_busy {
        en: "The database is busy; nothing was changed. Try again",
        sv: "Databasen är upptagen; inget ändrades. Försök igen",
    }
    unexpected_error { en: "An unexpected error occurred", sv: "Ett oväntat fel inträffade" }

    // Flashes after a change.
    company_added(name: &str) { en: "Company {name} added", sv: "Företaget {name} har lagts till" }
    payson_saved { en: "Payson credentials saved", sv: "Payson-uppgifterna har sparats" }
    connected_to_payson(email: &str, merchant: &str, status: &str) {
        en: "Connected to Payson as {email} (merchant {merchant}, {status})",
        sv: "Ansluten till Payson som {email} (handlare {merchant}, {status})",
    }
    key_revoked(id: &str) { en: "API key {id} revoked", sv: "API-nyckeln {id} har återkallats" }
    user_added(email: &str) { en: "User {email} added", sv: "Användaren {email} har lagts till" }
    roles_saved(roles: &str) { en: "Roles saved: {roles}", sv: "Roller sparade: {roles}" }
    user_disabled { en: "User disabled", sv: "Användaren har stängts av" }
    user_enabled { en: "User enabled", sv: "Användaren har aktiverats" }
    token_revoked(id: &str) { en: "Token {id} revoked", sv: "Token {id} har återkallats" }

    // Send outcomes: one checkout, and a row of a bulk send.
    request_sent(status: &str) {
        en: "Payment request sent. The checkout is now {status}.",
        sv: "Betalningsbegäran skickad. Köpet har nu status {status}.",
    }
    request_not_sent(why: &str) {
        en: "The payment request was not sent: {why}. The checkout stays in the worklist.",
        sv: "Betalningsbegäran skickades inte: {why}. Köpet ligger kvar i arbetslistan.",
    }
    row_sent(status: &str) { en: "sent; now {status}", sv: "skickad; nu {status}" }
    row_not_sent(why: &str) { en: "not sent: {why}", sv: "inte skickad: {why}" }
    still_being_sent {
        en: "still being sent; reload the checkout to see the outcome",
        sv: "skickas fortfarande; ladda om köpet för att se utfallet",
    }

    // OpenID sign-in at the provider.
    provider_unreachable {
        en: "The identity provider could not be reached",
        sv: "Inloggningstjänsten gick inte att nå",
    }
    provider_unusable {
        en: "The identity provider gave an unusable answer",
        sv: "Inloggningstjänsten gav ett oanvändbart svar",
    }
    provider_denied(detail: &str) {
        en: "Sign-in was refused at the identity provider ({detail})",
        sv: "Inloggningen nekades hos inloggningstjänsten ({detail})",
    }
    sign_in_unverified(detail: &str) {
        en: "The sign-in could not be verified ({detail})",
        sv: "Inloggningen kunde inte verifieras ({detail})",
    }
}

impl Tr {
    /// An error as a person reads it.
    pub fn problem(&self, p: &Problem) -> String {
        match p {
            Problem::Unauthorized => self.not_authenticated().into(),
            Problem::Forbidden => self.invalid_role().into(),
            Problem::Invalid(i) => self.invalid(i),
            Problem::Unreadable => self.request_unreadable().into(),
            Problem::Form(f) => match f {
                FormProblem::Unreadable => self.form_unreadable(),
                FormProblem::Incomplete => self.form_incomplete(),
                FormProblem::Selection => self.selection_unreadable(),
            }
            .into(),
            Problem::NotFound(m) => self.missing(m),
            Problem::Conflict(c) => self.clash(c),
            Problem::PaysonRefused(r) => self.payson_refusal(r),
            Problem::PaysonUnavailable(PaysonSilence::NoAnswer(d)) => self.payson_no_answer(d),
            Problem::PaysonUnavailable(PaysonSilence::Unconfirmed(d)) => self.payson_unconfirmed(d),
            Problem::NotAcceptable => self.not_acceptable().into(),
            Problem::UnsupportedMediaType(t) => self.unsupported_media_type(t),
            Problem::PayloadTooLarge(n) => self.payload_too_large(*n),
            Problem::MethodNotAllowed => self.method_not_allowed().into(),
            Problem::CsrfRejected => self.csrf_rejected().into(),
            Problem::TooManyRequests => self.too_many_attempts().into(),
            Problem::Busy => self.database_busy().into(),
            Problem::Internal => self.unexpected_error().into(),
        }
    }

    fn invalid(&self, i: &Invalid) -> String {
        match i {
            Invalid::Request => self.request_not_valid().into(),
            Invalid::CompanyIdRequired => self.company_id_required().into(),
            Invalid::CompanyRoleWithoutCompany => self.company_roles_need_company().into(),
            Invalid::UnknownRole(r) => self.unknown_role(r),
            Invalid::PasswordTooShort => self.password_too_short().into(),
            Invalid::NotAnEmail => self.not_an_email().into(),
            Invalid::CompanyName => self.company_needs_name().into(),
            Invalid::PaysonCredentials => self.payson_credentials_required().into(),
            Invalid::PaysonAgentId => self.payson_agent_id_required().into(),
            Invalid::PaysonBaseUrl => self.payson_base_url_http().into(),
            Invalid::NotAnIp(ip) => self.not_an_ip(ip),
            Invalid::DaysNotNumber => self.days_not_number().into(),
            Invalid::DaysOutOfRange => self.days_out_of_range().into(),
            Invalid::NotACheckoutId(v) => self.not_a_checkout_id(v),
            Invalid::SelectOne => self.select_one().into(),
            Invalid::SelectAtMost(n) => self.select_at_most(*n),
            Invalid::Filter(f) => self.filter_not_valid(&self.filter_label(*f).to_lowercase()),
            Invalid::Language => self.unknown_language().into(),
        }
    }

    /// A filter as its form labels it.
    fn filter_label(&self, f: FilterField) -> &'static str {
        match f {
            FilterField::Status => self.status(),
            FilterField::Company => self.company(),
            FilterField::User => self.user(),
            FilterField::Action => self.action(),
            FilterField::Outcome => self.outcome(),
            FilterField::From => self.from(),
            FilterField::To => self.to(),
            FilterField::Checkout => self.checkout(),
            FilterField::Result => self.result(),
        }
    }

    fn missing(&self, m: &Missing) -> String {
        match m {
            Missing::Checkout => self.checkout_not_found().into(),
            Missing::CheckoutId(id) => self.checkout_id_not_found(id),
            Missing::Company => self.company_not_found().into(),
            Missing::User => self.user_not_found().into(),
            Missing::UserEmail(e) => self.no_user(e),
            Missing::Key => self.key_not_found().into(),
            Missing::Token => self.token_not_found().into(),
            Missing::ActiveToken(id) => self.no_active_token(id),
            Missing::SignInProvider => self.no_such_provider().into(),
        }
    }

    fn clash(&self, c: &Clash) -> String {
        match c {
            Clash::Exists(Existing::Company) => self.company_exists().into(),
            Clash::Exists(Existing::UserEmail) => self.user_email_exists().into(),
            Clash::DisableYourself => self.cannot_disable_yourself().into(),
            Clash::NotReady(has) => {
                self.must_be_ready(&CheckoutStatus::ReadyToShip.describe(), &has.describe())
            }
            Clash::AlreadySending => self.already_sending().into(),
            Clash::BeingConfirmed => self.being_confirmed().into(),
            Clash::AccountDisabled => self.account_disabled().into(),
            Clash::AccountNotLinked => self.account_not_linked().into(),
            Clash::EmailUnconfirmed => self.email_unconfirmed().into(),
            Clash::NoUserWithEmail => self.no_user_with_email().into(),
            Clash::UnknownCompanyClaim => self.unknown_company_claim().into(),
            Clash::SignInAgain => self.sign_in_again().into(),
        }
    }

    fn payson_refusal(&self, r: &PaysonRefusal) -> String {
        match r {
            PaysonRefusal::Credentials => self.payson_rejected_credentials().into(),
            PaysonRefusal::UnknownCheckout => self.payson_unknown_checkout().into(),
            PaysonRefusal::Refused(m) => self.payson_refused(m),
            PaysonRefusal::Unreadable => self.payson_unreadable().into(),
            PaysonRefusal::NoId => self.payson_no_id().into(),
            PaysonRefusal::NotShipped(s) => self.payson_not_shipped(&s.describe()),
        }
    }

    /// A flash after a change: what was done, or why not.
    pub fn flash(&self, f: &Flash) -> String {
        match f {
            Flash::Done(n) => self.notice(n),
            Flash::Refused(p) => self.problem(p),
        }
    }

    fn notice(&self, n: &Notice) -> String {
        match n {
            Notice::CompanyAdded(name) => self.company_added(name),
            Notice::PaysonSaved => self.payson_saved().into(),
            Notice::Connected(c) => self.connected_to_payson(&c.email, &c.merchant, &c.status),
            Notice::KeyRevoked(id) => self.key_revoked(id),
            Notice::UserAdded(email) => self.user_added(email),
            Notice::RolesSaved(roles) => self.roles_saved(roles),
            Notice::UserDisabled => self.user_disabled().into(),
            Notice::UserEnabled => self.user_enabled().into(),
            Notice::TokenRevoked(id) => self.token_revoked(id),
            Notice::SettingsSaved => self.settings_saved().into(),
        }
    }

    /// A single send's outcome, on the checkout's page.
    pub fn send_outcome(&self, o: &SendOutcome) -> String {
        match o {
            SendOutcome::Sent(s) => self.request_sent(s.name()),
            SendOutcome::NotSent(p) => self.request_not_sent(&self.problem(p)),
            SendOutcome::NotSentSaying(why) => self.request_not_sent(why),
            SendOutcome::Pending => self.still_being_sent().into(),
        }
    }

    /// One row's outcome of a bulk send.
    pub fn bulk_outcome(&self, o: &SendOutcome) -> String {
        match o {
            SendOutcome::Sent(s) => self.row_sent(s.name()),
            SendOutcome::NotSent(p) => self.row_not_sent(&self.problem(p)),
            SendOutcome::NotSentSaying(why) => self.row_not_sent(why),
            SendOutcome::Pending => self.still_being_sent().into(),
        }
    }

    /// Why an OpenID sign-in failed at or with the provider.
    pub fn oidc_problem(&self, e: &OidcError) -> String {
        match e {
            OidcError::Unreachable(_) => self.provider_unreachable().into(),
            OidcError::BadProvider(_) => self.provider_unusable().into(),
            OidcError::Denied(d) => self.provider_denied(d),
            OidcError::Invalid(d) => self.sign_in_unverified(d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{AppError, Connected};
    use crate::http::web::i18n::Lang;

    const EN: Tr = Tr(Lang::En);
    const SV: Tr = Tr(Lang::Sv);

    #[test]
    fn english_pages_say_what_the_api_says() {
        let errors = [
            AppError::Unauthorized,
            AppError::Forbidden,
            AppError::rejected("x", "y", Invalid::NotAnIp("10.0.0.x".into())),
            AppError::rejected("x", "y", Invalid::Filter(FilterField::From)),
            AppError::rejected("x", "y", Invalid::SelectAtMost(200)),
            AppError::rejected("x", "y", Invalid::UnknownRole("boss".into())),
            AppError::Form(FormProblem::Incomplete),
            AppError::NotFound(Missing::CheckoutId("42".into())),
            AppError::NotFound(Missing::UserEmail("a@b.se".into())),
            AppError::Conflict(Clash::Exists(Existing::Company)),
            AppError::Conflict(Clash::Exists(Existing::UserEmail)),
            AppError::Conflict(Clash::NotReady(CheckoutStatus::Shipped)),
            AppError::Conflict(Clash::AccountNotLinked),
            AppError::PaysonRefused(PaysonRefusal::Refused("Merchant account locked".into())),
            AppError::PaysonRefused(PaysonRefusal::NotShipped(CheckoutStatus::Canceled)),
            AppError::PaysonUnavailable(PaysonSilence::NoAnswer("timeout".into())),
            AppError::PaysonUnavailable(PaysonSilence::Unconfirmed("timeout".into())),
            AppError::NotAcceptable,
            AppError::UnsupportedMediaType("text/csv".into()),
            AppError::PayloadTooLarge(10),
            AppError::MethodNotAllowed,
            AppError::CsrfRejected,
            AppError::TooManyRequests,
            AppError::Busy,
            AppError::internal(anyhow::anyhow!("disk on fire")),
        ];
        for e in errors {
            assert_eq!(EN.problem(&Problem::from(&e)), e.to_string());
        }
    }

    #[test]
    fn flashes_and_outcomes_translate_with_their_parts() {
        let added = Flash::Done(Notice::CompanyAdded("Acme AB".into()));
        assert_eq!(SV.flash(&added), "Företaget Acme AB har lagts till");
        assert_eq!(EN.flash(&added), "Company Acme AB added");
        // A company named like a heading keeps its name.
        let named = Flash::Done(Notice::CompanyAdded("Companies".into()));
        assert_eq!(SV.flash(&named), "Företaget Companies har lagts till");
        let connected = Notice::Connected(Connected {
            email: "a@b.se".into(),
            merchant: "7".into(),
            status: "Approved".into(),
        });
        assert_eq!(
            SV.flash(&Flash::Done(connected)),
            "Ansluten till Payson som a@b.se (handlare 7, Approved)"
        );
        let credentials = Problem::PaysonRefused(PaysonRefusal::Credentials);
        assert_eq!(
            SV.send_outcome(&SendOutcome::NotSent(credentials.clone())),
            "Betalningsbegäran skickades inte: Payson godtog inte företagets Payson-uppgifter. Köpet ligger kvar i arbetslistan."
        );
        assert_eq!(
            SV.bulk_outcome(&SendOutcome::NotSent(credentials)),
            "inte skickad: Payson godtog inte företagets Payson-uppgifter"
        );
        // An older version's English reason is shown as it was kept.
        let old = SendOutcome::NotSentSaying("Something unknown".into());
        assert_eq!(
            SV.send_outcome(&old),
            "Betalningsbegäran skickades inte: Something unknown. Köpet ligger kvar i arbetslistan."
        );
        assert_eq!(
            SV.problem(&Problem::Invalid(Invalid::Filter(FilterField::Company))),
            "Filtret företag är inte giltigt"
        );
    }

    #[test]
    fn provider_failures_keep_their_detail() {
        let denied = OidcError::Denied("access_denied".into());
        assert_eq!(EN.oidc_problem(&denied), denied.to_string());
        assert_eq!(
            SV.oidc_problem(&denied),
            "Inloggningen nekades hos inloggningstjänsten (access_denied)"
        );
        let down = OidcError::Unreachable("connection refused".into());
        assert_eq!(EN.oidc_problem(&down), down.to_string());
    }
}
