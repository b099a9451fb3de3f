//! The confirmation step of the administration's destructive actions: resetting a
//! password, disabling a user, revoking an API token or a company API key. The action's
//! own POST without `confirm=yes` renders this page instead of acting (so a stray click,
//! or a form that skips the step, changes nothing and files no audit event); the page
//! says what will happen and posts the same form again with `confirm=yes`.

use actix_web::http::StatusCode;
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::admin::refused;
use super::extract::{Chrome, SignedIn};
use super::i18n::Tr;
use super::page::{Page, html};
use crate::domain::{CompanyId, UserId};
use crate::error::{AppError, Missing};
use crate::service::{companies, users};

/// The field the confirmation page adds; without it a destructive POST only asks.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Confirm {
    confirm: String,
}

impl Confirm {
    pub fn given(&self) -> bool {
        yes(&self.confirm)
    }
}

/// The one value that confirms, for forms that carry `confirm` among other fields.
pub fn yes(field: &str) -> bool {
    field == "yes"
}

/// What is about to be destroyed.
pub enum Destroy {
    ResetPassword(UserId),
    Disable(UserId),
    RevokeToken(Uuid),
    RevokeKey(CompanyId, Uuid),
}

impl Destroy {
    fn back(&self) -> &'static str {
        match self {
            Self::RevokeKey(..) => "/admin/companies",
            _ => "/admin/users",
        }
    }

    fn action(&self) -> String {
        match self {
            Self::ResetPassword(u) => format!("/admin/users/{u}/password"),
            Self::Disable(u) => format!("/admin/users/{u}/disabled"),
            Self::RevokeToken(t) => format!("/admin/tokens/{t}/revoke"),
            Self::RevokeKey(c, k) => format!("/admin/companies/{c}/keys/{k}/revoke"),
        }
    }

    /// The form's other fields, posted again unchanged.
    fn fields(&self) -> Vec<(&'static str, &'static str)> {
        match self {
            Self::Disable(_) => vec![("disabled", "true")],
            _ => Vec::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/confirm.html")]
struct ConfirmPage {
    t: Tr,
    chrome: Chrome,
    question: String,
    consequence: String,
    action: String,
    fields: Vec<(&'static str, &'static str)>,
    button: String,
    back: &'static str,
}

/// The question, the consequence and the button, naming the target as the admin
/// pages list it. The lookups go through the same permission-checked listings, so
/// someone who may not act learns nothing here either.
async fn describe(s: &SignedIn, what: &Destroy) -> Result<(String, String, String), AppError> {
    let (state, t) = (&s.state, s.t);
    let email_of = |id: UserId| async move {
        users::list(state, s.actor())
            .await?
            .into_iter()
            .find(|u| u.user.id == id)
            .map(|u| u.user.email)
            .ok_or(AppError::NotFound(Missing::User))
    };
    Ok(match what {
        Destroy::ResetPassword(id) => {
            let email = email_of(*id).await?;
            (
                t.confirm_reset_password_question(&email),
                t.confirm_reset_password_consequence(&email),
                t.reset_password().into(),
            )
        }
        Destroy::Disable(id) => {
            let email = email_of(*id).await?;
            (
                t.confirm_disable_question(&email),
                t.confirm_disable_consequence(&email),
                t.disable().into(),
            )
        }
        Destroy::RevokeToken(id) => {
            let (name, email) = users::list(state, s.actor())
                .await?
                .into_iter()
                .find_map(|u| {
                    let token = u.tokens.into_iter().find(|t| t.id == *id)?;
                    Some((token.name, u.user.email))
                })
                .ok_or(AppError::NotFound(Missing::Token))?;
            let name = if name.is_empty() {
                id.to_string()
            } else {
                name
            };
            (
                t.confirm_revoke_token_question(&name, &email),
                t.confirm_revoke_token_consequence().into(),
                t.revoke().into(),
            )
        }
        Destroy::RevokeKey(company, key) => {
            let m = companies::managed(state, s.actor())
                .await?
                .into_iter()
                .find(|m| m.company.id == *company)
                .ok_or(AppError::NotFound(Missing::Company))?;
            let k = m
                .keys
                .iter()
                .find(|k| k.id == *key)
                .ok_or(AppError::NotFound(Missing::Key))?;
            let label = if k.notes.is_empty() {
                key.to_string()
            } else {
                format!("{key} ({})", k.notes)
            };
            (
                t.confirm_revoke_key_question(&label, &m.company.name),
                t.confirm_revoke_key_consequence().into(),
                t.revoke().into(),
            )
        }
    })
}

/// Asks before destroying. Someone who may not act gets the 403 page (the page to go
/// back to would refuse them too); a target not found is said on the page it was on.
/// Only the acting POST audits: asking changes nothing.
pub(super) async fn ask(s: SignedIn, what: Destroy) -> Page {
    let (question, consequence, button) = match describe(&s, &what).await {
        Ok(texts) => texts,
        Err(AppError::Forbidden) => return Err(AppError::Forbidden.into()),
        Err(e) => return refused(&s, what.back(), e),
    };
    let page = ConfirmPage {
        t: s.t,
        chrome: s.chrome,
        question,
        consequence,
        action: what.action(),
        fields: what.fields(),
        button,
        back: what.back(),
    };
    html(StatusCode::OK, &page)
}
