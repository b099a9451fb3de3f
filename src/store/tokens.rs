//! API tokens of users (`Authorization: Bearer`).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::types::Guid;
use super::{Db, Store, StoreResult, db_err, users};
use crate::domain::{ApiToken, User, UserId};

const COLUMNS: &str = "id, user_id, name, token_hash, created_at, revoked_at";

/// Every column of the table; each query adds its own conditions.
const SELECT: &str = sql!("SELECT ", COLUMNS, " FROM api_tokens");

from_row!(ApiToken {
    id as Guid,
    user_id,
    name,
    token_hash,
    created_at,
    revoked_at,
});

/// How a token or a company API key is revoked (`$1` its id, `$2` now): once, so the
/// first time it was revoked is kept.
pub(super) const REVOKE: &str = " SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";

/// A token joined with its user, so authenticating costs one query. The token's columns
/// come renamed (`token_…`) because both tables have an `id` and a `created_at`.
struct TokenUser(ApiToken, User);

from_row!(TokenUser, |row| {
    let user = User::from_row(row)?;
    let token = ApiToken {
        id: row.try_get::<Guid, _>("token_id")?.into(),
        user_id: user.id,
        name: row.try_get("token_name")?,
        token_hash: row.try_get("token_hash")?,
        created_at: row.try_get("token_created_at")?,
        revoked_at: row.try_get("token_revoked_at")?,
    };
    Ok(TokenUser(token, user))
});

impl Store {
    pub async fn insert_api_token(&self, t: &ApiToken) -> StoreResult<()> {
        const SQL: &str = sql!(
            "INSERT INTO api_tokens (",
            COLUMNS,
            ") VALUES ($1, $2, $3, $4, $5, $6)"
        );
        execute!(
            self,
            SQL,
            Guid(t.id),
            t.user_id,
            &t.name,
            &t.token_hash,
            t.created_at,
            t.revoked_at,
        )
        .map(|_| ())
    }

    /// The token and its user, if the token exists and is not revoked.
    pub async fn active_token_by_hash(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(ApiToken, User)>> {
        const SQL: &str = sql!(
            "SELECT t.*, ",
            users::COLUMNS,
            " FROM (SELECT id AS token_id, user_id AS token_user_id, name AS token_name, token_hash, \
            created_at AS token_created_at, revoked_at AS token_revoked_at FROM api_tokens \
            WHERE token_hash = $1 AND revoked_at IS NULL) t JOIN users ON users.id = t.token_user_id"
        );
        let row: Option<TokenUser> = fetch!(self, fetch_optional, SQL, token_hash)?;
        Ok(row.map(|TokenUser(token, user)| (token, user)))
    }

    pub async fn api_tokens(&self, user: Option<UserId>) -> StoreResult<Vec<ApiToken>> {
        const SQL: &str = sql!(
            SELECT,
            " WHERE ($1 IS NULL OR user_id = $1) ORDER BY created_at DESC, id"
        );
        fetch!(self, fetch_all, SQL, user)
    }

    pub async fn revoke_api_token(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
        self.revoke(sql!("UPDATE api_tokens", REVOKE), id, now)
            .await
    }

    /// Revokes the token or key `id` now, by `sql` (its table's `UPDATE` and `REVOKE`):
    /// whether it was active. A revoked one stays revoked when it was.
    pub(super) async fn revoke(
        &self,
        sql: &'static str,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        Ok(execute!(self, sql, Guid(id), now)? == 1)
    }
}
