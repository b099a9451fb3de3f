//! Signing in through an OpenID provider: which local user a provider account is, by
//! the configured first-sign-in policy, with roles and company taken from the claims.

use super::users::{self, NewUser};
use crate::auth::oidc::{Identity, Provider};
use crate::config::FirstSignIn;
use crate::domain::{AuthMethod, Principal, User};
use crate::error::{AppError, Clash};
use crate::state::AppState;

/// Why a provider account may not sign in, for the login page.
fn refused(why: Clash) -> AppError {
    AppError::Conflict(why)
}

/// The local user for this provider account: linked before, else linked or created now
/// as the provider's policy says. With `refresh`, the user's roles and company become
/// what the claims say (each browser sign-in does this).
pub async fn resolve_user(
    state: &AppState,
    provider: &Provider,
    id: &Identity,
    refresh: bool,
) -> Result<User, AppError> {
    let linked = state
        .store
        .user_by_identity(&provider.name, &id.subject)
        .await?;
    let user = match linked {
        Some(u) => u,
        None => first_sign_in(state, provider, id).await?,
    };
    if user.disabled {
        return Err(refused(Clash::AccountDisabled));
    }
    let from_claims = provider.settings.roles_from_claims;
    if !refresh || !from_claims || (user.roles == id.roles && user.company_id == id.company) {
        return Ok(user);
    }
    if let Some(c) = id.company
        && state.store.company(c).await?.is_none()
    {
        return Err(refused(Clash::UnknownCompanyClaim));
    }
    state
        .store
        .set_user_roles(user.id, id.roles, id.company)
        .await?;
    Ok(User {
        roles: id.roles,
        company_id: id.company,
        ..user
    })
}

async fn first_sign_in(
    state: &AppState,
    provider: &Provider,
    id: &Identity,
) -> Result<User, AppError> {
    let policy = provider.settings.first_sign_in;
    if policy == FirstSignIn::Refuse {
        return Err(refused(Clash::AccountNotLinked));
    }
    // An unverified address could be anyone's: never link or create by it.
    let email = match (&id.email, id.email_verified) {
        (Some(e), true) => e.clone(),
        _ => {
            return Err(refused(Clash::EmailUnconfirmed));
        }
    };
    let user = match (state.store.user_by_email(&email).await?, policy) {
        (Some(u), _) => u,
        (None, FirstSignIn::Create) if provider.settings.roles_from_claims => {
            users::create(
                state,
                NewUser {
                    email,
                    display_name: id.name.clone(),
                    password: None,
                    company_id: id.company,
                    roles: id.roles,
                },
            )
            .await?
        }
        (None, _) => {
            return Err(refused(Clash::NoUserWithEmail));
        }
    };
    if state
        .store
        .user_has_identity_at(&provider.name, user.id)
        .await?
    {
        return Err(refused(Clash::LinkedToAnotherAccount));
    }
    state
        .store
        .link_identity(&provider.name, &id.subject, user.id, state.clock.now())
        .await
        .map_err(|e| match e {
            // Two first sign-ins at once: the other one linked it.
            crate::store::StoreError::Conflict(_) => refused(Clash::SignInAgain),
            e => e.into(),
        })?;
    Ok(user)
}

/// An API caller presenting a provider's JWT: the token's roles and company decide, the
/// local user names who acted in the audit log.
pub async fn api_principal(
    state: &AppState,
    provider: &Provider,
    id: &Identity,
) -> Result<Principal, AppError> {
    let user = resolve_user(state, provider, id, false)
        .await
        .map_err(|e| match e {
            // Whatever keeps this account out (unlinked, unverified, unknown company,
            // disabled) is the API's one 401; only infrastructure errors pass through.
            AppError::Internal(_) | AppError::Busy => e,
            _ => AppError::Unauthorized,
        })?;
    let (roles, company) = if provider.settings.roles_from_claims {
        (id.roles, id.company)
    } else {
        (user.roles, user.company_id)
    };
    Ok(Principal {
        user_id: user.id,
        email: user.email,
        company,
        roles,
        method: AuthMethod::Jwt,
    })
}
