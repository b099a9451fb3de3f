//! API tokens: issued to a user by a superadmin or the operator, shown once, stored as
//! a hash, revocable. Issuing and revoking are audited, refusals included.

use uuid::Uuid;

use crate::crypto::{new_api_token, sha256_hex};
use crate::domain::{ApiToken, AuditAction, User, UserId};
use crate::error::{AppError, Missing};

use super::Call;
use super::audit::audited;
use super::users::{require_user_admin, user};

/// A new token and its secret, which is never stored or shown again.
pub struct IssuedToken {
    pub token: ApiToken,
    pub user: User,
    pub secret: String,
}

pub async fn issue(call: Call<'_>, user_id: UserId, name: &str) -> Result<IssuedToken, AppError> {
    let result = async {
        require_user_admin(call.actor)?;
        let user = user(call.state, user_id).await?;
        let secret = new_api_token();
        let token = ApiToken {
            id: Uuid::new_v4(),
            user_id: user.id,
            name: if name.trim().is_empty() {
                "api".into()
            } else {
                name.trim().to_owned()
            },
            token_hash: sha256_hex(&secret),
            created_at: call.state.clock.now(),
            revoked_at: None,
        };
        call.state.store.insert_api_token(&token).await?;
        Ok(IssuedToken {
            token,
            user,
            secret,
        })
    }
    .await;
    let company = result.as_ref().ok().and_then(|t| t.user.company_id);
    audited(call, (AuditAction::TokenIssued, company), result, |t| {
        format!("token {} for {}", t.token.id, t.user.email)
    })
    .await
}

pub async fn revoke(call: Call<'_>, id: Uuid) -> Result<(), AppError> {
    let result = async {
        require_user_admin(call.actor)?;
        if call
            .state
            .store
            .revoke_api_token(id, call.state.clock.now())
            .await?
        {
            Ok(())
        } else {
            Err(AppError::NotFound(Missing::ActiveToken(id.to_string())))
        }
    }
    .await;
    audited(call, (AuditAction::TokenRevoked, None), result, |()| {
        format!("Token {id} revoked")
    })
    .await
}
