//! Users, their roles and passwords. Only superadmins (and the operator) manage users;
//! every change, and every refused attempt, is audited.

use crate::auth::password::check_strength;
use crate::crypto::new_api_token;
use crate::domain::policy::{self, Actor, Assignment};
use crate::domain::{ApiToken, AuditAction, CompanyId, RoleSet, User, UserId};
use crate::error::{AppError, Clash, Existing, Invalid, Missing};
use crate::state::AppState;

use super::audit::audited;
use super::{Call, permitted};

pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password: Option<String>,
    pub company_id: Option<CompanyId>,
    pub roles: RoleSet,
}

/// A user as the Users page lists them, with their API tokens.
pub struct UserWithTokens {
    pub user: User,
    pub tokens: Vec<ApiToken>,
}

/// A change to one user, made only when `allowed` (the policy's answer) and audited
/// either way (a refused attempt too), filed under the user's company.
pub(super) async fn user_change(
    call: Call<'_>,
    allowed: Result<(), AppError>,
    work: impl Future<Output = Result<User, AppError>>,
    message: impl FnOnce(&User) -> String,
) -> Result<User, AppError> {
    let result = async {
        allowed?;
        work.await
    }
    .await;
    let company = result.as_ref().ok().and_then(|u| u.company_id);
    let action = (AuditAction::UserChanged, company);
    audited(call, action, result, message).await
}

pub(super) fn require_user_admin(actor: Actor<'_>) -> Result<(), AppError> {
    permitted(policy::may_manage_users(actor))
}

fn assignment(roles: RoleSet, company: Option<CompanyId>) -> Result<Assignment, AppError> {
    Assignment::new(roles, company).map_err(|_| {
        AppError::rejected("CompanyId", "NotEmpty", Invalid::CompanyRoleWithoutCompany)
    })
}

async fn existing_company(state: &AppState, company: Option<CompanyId>) -> Result<(), AppError> {
    if let Some(c) = company {
        state
            .store
            .company(c)
            .await?
            .ok_or(AppError::NotFound(Missing::Company))?;
    }
    Ok(())
}

pub(super) async fn user(state: &AppState, id: UserId) -> Result<User, AppError> {
    state
        .store
        .user(id)
        .await?
        .ok_or(AppError::NotFound(Missing::User))
}

/// The user with this e-mail (the command line names users by e-mail).
pub async fn by_email(state: &AppState, actor: Actor<'_>, email: &str) -> Result<User, AppError> {
    require_user_admin(actor)?;
    state
        .store
        .user_by_email(email.trim())
        .await?
        .ok_or_else(|| AppError::NotFound(Missing::UserEmail(email.trim().to_owned())))
}

pub async fn add(call: Call<'_>, u: NewUser) -> Result<User, AppError> {
    let allowed = require_user_admin(call.actor);
    user_change(call, allowed, create(call.state, u), |u| {
        format!("User {} added", u.email)
    })
    .await
}

/// Creates a user without a permission check or audit event: for callers that have
/// decided and audit themselves (an OpenID first sign-in with `create`).
pub(super) async fn create(state: &AppState, u: NewUser) -> Result<User, AppError> {
    let email = u.email.trim().to_ascii_lowercase();
    if !email.contains('@') || email.len() > 254 {
        return Err(AppError::rejected(
            "Email",
            "InvalidFormat",
            Invalid::NotAnEmail,
        ));
    }
    existing_company(state, u.company_id).await?;
    let a = assignment(u.roles, u.company_id)?;
    let password_hash = match u.password {
        Some(p) => Some(hash(state, &p).await?),
        None => None,
    };
    let user = User {
        id: UserId::new_random(),
        display_name: if u.display_name.trim().is_empty() {
            email.clone()
        } else {
            u.display_name.trim().to_owned()
        },
        email,
        password_hash,
        company_id: a.company(),
        roles: a.roles(),
        disabled: false,
        created_at: state.clock.now(),
    };
    state
        .store
        .insert_user(&user)
        .await
        .map_err(super::conflict(Existing::UserEmail))?;
    Ok(user)
}

async fn hash(state: &AppState, password: &str) -> Result<String, AppError> {
    check_strength(password)
        .map_err(|_| AppError::rejected("Password", "Length", Invalid::PasswordTooShort))?;
    state
        .passwords
        .hash(password.to_owned())
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))
}

/// Every user with their API tokens, for the Users page.
pub async fn list(state: &AppState, actor: Actor<'_>) -> Result<Vec<UserWithTokens>, AppError> {
    require_user_admin(actor)?;
    let tokens = state.store.api_tokens(None).await?;
    Ok(state
        .store
        .users()
        .await?
        .into_iter()
        .map(|user| UserWithTokens {
            tokens: tokens
                .iter()
                .filter(|t| t.user_id == user.id)
                .cloned()
                .collect(),
            user,
        })
        .collect())
}

/// Replaces a user's roles and company; a company role needs a company.
pub async fn set_roles(
    call: Call<'_>,
    id: UserId,
    roles: RoleSet,
    company: Option<CompanyId>,
) -> Result<User, AppError> {
    let work = async {
        let a = assignment(roles, company)?;
        existing_company(call.state, a.company()).await?;
        if !call
            .state
            .store
            .set_user_roles(id, a.roles(), a.company())
            .await?
        {
            return Err(AppError::NotFound(Missing::User));
        }
        user(call.state, id).await
    };
    user_change(call, require_user_admin(call.actor), work, |u| {
        format!("Roles of {} saved: {}", u.email, u.roles.to_list())
    })
    .await
}

/// Disables (ending their sessions on every instance) or re-enables a user.
pub async fn set_disabled(call: Call<'_>, id: UserId, disable: bool) -> Result<User, AppError> {
    let work = async {
        if disable && call.actor.principal().is_some_and(|p| p.user_id == id) {
            return Err(AppError::Conflict(Clash::DisableYourself));
        }
        if !call.state.store.set_user_disabled(id, disable).await? {
            return Err(AppError::NotFound(Missing::User));
        }
        if disable {
            call.state.store.sessions_delete_for_user(id).await?;
        }
        user(call.state, id).await
    };
    let what = if disable { "disabled" } else { "enabled" };
    user_change(call, require_user_admin(call.actor), work, |u| {
        format!("User {} {what}", u.email)
    })
    .await
}

/// A password generated for someone else to hand over: shown once.
pub fn generate_password() -> String {
    new_api_token()
        .replace("cdt_", "")
        .chars()
        .take(20)
        .collect()
}

/// Sets a new password and ends the user's sessions everywhere, whoever sets it
/// (the Users page's reset and `user passwd` alike).
pub async fn set_password(call: Call<'_>, id: UserId, password: &str) -> Result<User, AppError> {
    let work = async {
        let u = user(call.state, id).await?;
        let hash = hash(call.state, password).await?;
        call.state.store.set_user_password(id, &hash).await?;
        call.state.store.sessions_delete_for_user(id).await?;
        Ok(u)
    };
    user_change(call, require_user_admin(call.actor), work, |u| {
        format!("password of {} reset", u.email)
    })
    .await
}
