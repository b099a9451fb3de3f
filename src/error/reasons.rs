//! The typed reasons inside `AppError`. Each `Display` is the English the API answers and
//! the audit log keeps (tests hold them byte for byte); the pages translate by variant.
//! They serialize, so a flash or a send outcome can be kept and shown later in the
//! reader's language.

use serde::{Deserialize, Serialize};

use crate::domain::CheckoutStatus;

/// What was not found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Missing {
    #[error("Checkout not found")]
    Checkout,
    /// Named by its id, as the API says it.
    #[error("Checkout {0} not found")]
    CheckoutId(String),
    #[error("Company not found")]
    Company,
    #[error("User not found")]
    User,
    /// The command line names users by e-mail.
    #[error("No user {0}")]
    UserEmail(String),
    #[error("Key not found")]
    Key,
    #[error("Token not found")]
    Token,
    #[error("No active token {0}")]
    ActiveToken(String),
    #[error("No such sign-in provider")]
    SignInProvider,
    /// A URL that names no page or operation.
    #[error("Not found")]
    Route,
    #[error("Bulk send not found")]
    BulkJob,
}

/// What already exists (a unique key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Existing {
    Company,
    UserEmail,
}

impl Existing {
    /// The English noun of "A … already exists".
    pub fn noun(self) -> &'static str {
        match self {
            Self::Company => "company",
            Self::UserEmail => "user with this e-mail",
        }
    }
}

/// Why a change conflicts with what is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Clash {
    #[error("A {} already exists", .0.noun())]
    Exists(Existing),
    #[error("You cannot disable yourself")]
    DisableYourself,
    /// Rule 6: "The checkout must have status ReadyToShip - 5; it has Shipped - 6".
    #[error("The checkout must have status {}; it has {}", CheckoutStatus::ReadyToShip.describe(), .0.describe())]
    NotReady(#[serde(with = "status_name")] CheckoutStatus),
    #[error("A payment request for this checkout is already being sent")]
    AlreadySending,
    /// An earlier request's outcome is not known yet (Payson may still apply it).
    #[error(
        "The outcome of an earlier payment request for this checkout is being confirmed with Payson; nothing was sent now. Try again in a minute"
    )]
    BeingConfirmed,
    // Why a provider account may not sign in.
    #[error("This account is disabled")]
    AccountDisabled,
    #[error("This account is not linked to a checkout-desk user; ask a superadmin")]
    AccountNotLinked,
    #[error("The provider did not confirm this account's e-mail address")]
    EmailUnconfirmed,
    #[error("No checkout-desk user has this e-mail address; ask a superadmin")]
    NoUserWithEmail,
    #[error("The provider names a company checkout-desk does not know")]
    UnknownCompanyClaim,
    /// Two first sign-ins at once.
    #[error("Try signing in again")]
    SignInAgain,
    /// A second account (another `sub`) of one provider with the same verified e-mail:
    /// whoever gets the mailbox must not get the user.
    #[error(
        "This checkout-desk user is already linked to another account at this provider; sign in with that account or ask a superadmin"
    )]
    LinkedToAnotherAccount,
}

/// Why a field was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Invalid {
    /// A check of the API face's own, in the API's words.
    #[error("The request is not valid")]
    Request,
    #[error("CompanyId is required")]
    CompanyIdRequired,
    #[error("Company roles need a company")]
    CompanyRoleWithoutCompany,
    #[error("unknown role '{0}'")]
    UnknownRole(String),
    #[error("a password needs at least 12 characters")]
    PasswordTooShort,
    #[error("Not an e-mail address")]
    NotAnEmail,
    #[error("A company needs a name")]
    CompanyName,
    #[error("Payson agent id and API key are required")]
    PaysonCredentials,
    #[error("The Payson agent id is required")]
    PaysonAgentId,
    #[error("The Payson base URL must be http(s)")]
    PaysonBaseUrl,
    #[error("'{0}' is not a time zone; use an IANA name such as Europe/Stockholm")]
    TimeZone(String),
    #[error("'{0}' is not an IP address or range (such as 10.0.0.0/8)")]
    NotAnIp(String),
    #[error("Days must be a number")]
    DaysNotNumber,
    #[error("Days must be a number from 1 to 3650")]
    DaysOutOfRange,
    #[error("'{0}' is not a checkout id")]
    NotACheckoutId(String),
    #[error("Select at least one checkout")]
    SelectOne,
    #[error("Select at most {0} checkouts at a time")]
    SelectAtMost(usize),
    #[error("The {} filter is not valid", .0.name())]
    Filter(FilterField),
    #[error("Unknown language")]
    Language,
}

/// A list page's filter field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterField {
    Status,
    Company,
    User,
    Action,
    Outcome,
    From,
    To,
    Checkout,
    Result,
}

impl FilterField {
    /// The field's name in the query string, as the API-style English says it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Company => "company",
            Self::User => "user",
            Self::Action => "action",
            Self::Outcome => "outcome",
            Self::From => "from",
            Self::To => "to",
            Self::Checkout => "checkout",
            Self::Result => "result",
        }
    }
}

/// A desk form that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum FormProblem {
    #[error("The form could not be read")]
    Unreadable,
    /// Its idempotency key is missing or mangled.
    #[error("The form is incomplete; reload the page")]
    Incomplete,
    #[error("The selection could not be read")]
    Selection,
}

/// Payson answered and said no.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PaysonRefusal {
    #[error("Payson rejected the company's Payson credentials")]
    Credentials,
    #[error("Payson does not know this checkout")]
    UnknownCheckout,
    /// Payson's own words, shown as they are.
    #[error("Payson refused: {0}")]
    Refused(String),
    #[error("Payson sent an answer that could not be read")]
    Unreadable,
    #[error("Payson sent a checkout without an id")]
    NoId,
    #[error("Payson did not mark the checkout shipped; it has {}", .0.describe())]
    NotShipped(#[serde(with = "status_name")] CheckoutStatus),
}

/// Payson could not be reached, or did not say what happened; the detail is the
/// transport's own English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PaysonSilence {
    #[error("Payson did not answer: {0}")]
    NoAnswer(String),
    #[error(
        "Payson did not confirm the payment request ({0}). It will be checked with Payson before any new attempt"
    )]
    Unconfirmed(String),
}

/// *Test connection* worked: whom Payson knows the credentials as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("Connected to Payson as {email} (merchant {merchant}, {status})")]
pub struct Connected {
    pub email: String,
    pub merchant: String,
    pub status: String,
}

/// An `AppError` as a person is told it: the typed reason without internals, kept in a
/// flash or with a submission and rendered by `Tr::problem` in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    Unauthorized,
    Forbidden,
    Invalid(Invalid),
    /// A request body the API face could not read.
    Unreadable,
    Form(FormProblem),
    NotFound(Missing),
    Conflict(Clash),
    PaysonRefused(PaysonRefusal),
    PaysonUnavailable(PaysonSilence),
    NotAcceptable,
    UnsupportedMediaType(String),
    PayloadTooLarge(usize),
    MethodNotAllowed,
    CsrfRejected,
    TooManyRequests,
    Busy,
    Internal,
}

impl From<&super::AppError> for Problem {
    fn from(e: &super::AppError) -> Self {
        use super::AppError as E;
        match e {
            E::Unauthorized => Self::Unauthorized,
            E::Forbidden => Self::Forbidden,
            E::Validation(f) => Self::Invalid(f.reason.clone()),
            E::BadRequest(_) => Self::Unreadable,
            E::Form(f) => Self::Form(*f),
            E::NotFound(m) => Self::NotFound(m.clone()),
            E::Conflict(c) => Self::Conflict(c.clone()),
            E::PaysonRefused(r) => Self::PaysonRefused(r.clone()),
            E::PaysonUnavailable(s) => Self::PaysonUnavailable(s.clone()),
            E::NotAcceptable => Self::NotAcceptable,
            E::UnsupportedMediaType(t) => Self::UnsupportedMediaType(t.clone()),
            E::PayloadTooLarge(n) => Self::PayloadTooLarge(*n),
            E::MethodNotAllowed => Self::MethodNotAllowed,
            E::CsrfRejected => Self::CsrfRejected,
            E::TooManyRequests => Self::TooManyRequests,
            E::Busy => Self::Busy,
            E::Internal(_) => Self::Internal,
        }
    }
}

/// A status by its BokaMera name, which stays stable across versions.
mod status_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::domain::CheckoutStatus;

    pub fn serialize<S: Serializer>(s: &CheckoutStatus, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(s.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<CheckoutStatus, D::Error> {
        let name = String::deserialize(de)?;
        CheckoutStatus::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown status {name}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_keep_the_apis_english() {
        assert_eq!(
            Clash::NotReady(CheckoutStatus::Shipped).to_string(),
            "The checkout must have status ReadyToShip - 5; it has Shipped - 6"
        );
        assert_eq!(
            Clash::Exists(Existing::UserEmail).to_string(),
            "A user with this e-mail already exists"
        );
        assert_eq!(
            Missing::CheckoutId("x".into()).to_string(),
            "Checkout x not found"
        );
        assert_eq!(
            crate::domain::policy::CompanyRoleWithoutCompany.to_string(),
            Invalid::CompanyRoleWithoutCompany.to_string()
        );
    }

    #[test]
    fn problems_survive_being_stored() {
        let p = Problem::Conflict(Clash::NotReady(CheckoutStatus::Shipped));
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"Conflict":{"NotReady":"Shipped"}}"#);
        assert_eq!(serde_json::from_str::<Problem>(&json).unwrap(), p);
    }
}
