//! Company API keys for `x-api-key`.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::tokens::REVOKE;
use super::types::Guid;
use super::{Db, Store, StoreResult, db_err};
use crate::domain::{CompanyApiKey, CompanyId};

const COLUMNS: &str =
    "id, company_id, key_hash, notes, allowed_ips, created_at, expires_at, revoked_at";

/// Every column of the table; each query adds its own conditions.
const SELECT: &str = sql!("SELECT ", COLUMNS, " FROM company_api_keys");

from_row!(CompanyApiKey {
    id as Guid,
    company_id,
    key_hash,
    notes,
    allowed_ips,
    created_at,
    expires_at,
    revoked_at,
});

impl Store {
    pub async fn insert_company_api_key(&self, k: &CompanyApiKey) -> StoreResult<()> {
        const SQL: &str = sql!(
            "INSERT INTO company_api_keys (",
            COLUMNS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        );
        execute!(
            self,
            SQL,
            Guid(k.id),
            k.company_id,
            &k.key_hash,
            &k.notes,
            &k.allowed_ips,
            k.created_at,
            k.expires_at,
            k.revoked_at,
        )
        .map(|_| ())
    }

    pub async fn company_api_key_by_hash(
        &self,
        key_hash: &str,
    ) -> StoreResult<Option<CompanyApiKey>> {
        const SQL: &str = sql!(SELECT, " WHERE key_hash = $1");
        fetch!(self, fetch_optional, SQL, key_hash)
    }

    pub async fn company_api_keys(&self, company: CompanyId) -> StoreResult<Vec<CompanyApiKey>> {
        const SQL: &str = sql!(
            SELECT,
            " WHERE company_id = $1 ORDER BY created_at DESC, id"
        );
        fetch!(self, fetch_all, SQL, company)
    }

    pub async fn revoke_company_api_key(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
        self.revoke(sql!("UPDATE company_api_keys", REVOKE), id, now)
            .await
    }
}
