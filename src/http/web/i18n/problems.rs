//! What handlers and services tell a person: errors (`Problem`, from `AppError`),
//! flashes after a change (`Flash`, `Notice`), send outcomes and OpenID sign-in
//! failures. Each is rendered by matching on its typed value, so a new variant or reason
//! does not compile until it is matched here to a message of `catalogue/problems.toml`. Payson's own words and
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
            Invalid::TimeZone(z) => self.not_a_time_zone(z),
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
            Missing::Route => self.flow_page_not_found().into(),
            Missing::BulkJob => self.bulk_job_not_found().into(),
        }
    }

    fn clash(&self, c: &Clash) -> String {
        match c {
            Clash::Exists(Existing::Company) => self.company_exists().into(),
            Clash::Exists(Existing::UserEmail) => self.user_email_exists().into(),
            Clash::DisableYourself => self.cannot_disable_yourself().into(),
            Clash::NotReady(has) => self.must_be_ready(
                self.status_name(CheckoutStatus::ReadyToShip),
                self.status_name(*has),
            ),
            Clash::AlreadySending => self.already_sending().into(),
            Clash::BeingConfirmed => self.being_confirmed().into(),
            Clash::AccountDisabled => self.account_disabled().into(),
            Clash::AccountNotLinked => self.account_not_linked().into(),
            Clash::EmailUnconfirmed => self.email_unconfirmed().into(),
            Clash::NoUserWithEmail => self.no_user_with_email().into(),
            Clash::UnknownCompanyClaim => self.unknown_company_claim().into(),
            Clash::SignInAgain => self.sign_in_again().into(),
            Clash::LinkedToAnotherAccount => self.linked_to_another_account().into(),
        }
    }

    fn payson_refusal(&self, r: &PaysonRefusal) -> String {
        match r {
            PaysonRefusal::Credentials => self.payson_rejected_credentials().into(),
            PaysonRefusal::UnknownCheckout => self.payson_unknown_checkout().into(),
            PaysonRefusal::Refused(m) => self.payson_refused(m),
            PaysonRefusal::Unreadable => self.payson_unreadable().into(),
            PaysonRefusal::NoId => self.payson_no_id().into(),
            PaysonRefusal::NotShipped(s) => self.payson_not_shipped(self.status_name(*s)),
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
            Notice::RolesSaved(roles) => {
                let words = crate::domain::RoleSet::parse_list(roles).map(|set| {
                    set.iter()
                        .map(|r| self.role_label(r))
                        .collect::<Vec<_>>()
                        .join(", ")
                });
                self.roles_saved(words.as_deref().unwrap_or(roles))
            }
            Notice::TimeZoneSaved(zone) => self.time_zone_saved(zone),
            Notice::UserDisabled => self.user_disabled().into(),
            Notice::UserEnabled => self.user_enabled().into(),
            Notice::TokenRevoked(id) => self.token_revoked(id),
            Notice::SettingsSaved => self.settings_saved().into(),
            Notice::CheckoutSent(who, status) => {
                self.flow_checkout_sent(who, self.stored_status(status))
            }
            Notice::RefreshedNoChange => self.flow_refreshed_no_change().into(),
            Notice::RefreshedNow(status) => self.flow_refreshed_now(self.stored_status(status)),
        }
    }

    /// A single send's outcome, on the checkout's page.
    pub fn send_outcome(&self, o: &SendOutcome) -> String {
        self.send_words(o, Self::request_sent, Self::request_not_sent)
    }

    /// One row's outcome of a bulk send.
    pub fn bulk_outcome(&self, o: &SendOutcome) -> String {
        self.send_words(o, Self::row_sent, Self::row_not_sent)
    }

    /// A send's outcome in the words of `sent` (given the status) or `not_sent` (why).
    fn send_words(
        &self,
        o: &SendOutcome,
        sent: fn(&Self, &str) -> String,
        not_sent: fn(&Self, &str) -> String,
    ) -> String {
        match o {
            SendOutcome::Sent(s) => sent(self, self.status_name(*s)),
            SendOutcome::NotSent(p) => not_sent(self, &self.problem(p)),
            SendOutcome::NotSentSaying(why) => not_sent(self, why),
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
            AppError::Conflict(Clash::AccountNotLinked),
            AppError::PaysonRefused(PaysonRefusal::Refused("Merchant account locked".into())),
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
        // Except statuses: the API names BokaMera's, the pages say them in words.
        let not_ready = AppError::Conflict(Clash::NotReady(CheckoutStatus::Shipped));
        assert_eq!(
            not_ready.to_string(),
            "The checkout must have status ReadyToShip - 5; it has Shipped - 6"
        );
        assert_eq!(
            EN.problem(&Problem::from(&not_ready)),
            "The checkout must be “Awaiting payment request”; it is “Sent”"
        );
        let not_shipped =
            AppError::PaysonRefused(PaysonRefusal::NotShipped(CheckoutStatus::Canceled));
        assert_eq!(
            SV.problem(&Problem::from(&not_shipped)),
            "Payson markerade inte köpet som skickat; det är ”Avbrutet”"
        );
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
