//! Companies (booking suppliers) and their Payson credentials.

use super::{Db, Store, StoreResult, db_err};
use crate::domain::{Company, CompanyId, TimeZone, Zones};

const COLUMNS: &str =
    "id, name, payson_agent_id, payson_api_key_encrypted, payson_base_url, created_at, time_zone";

/// Every column of the table; each query adds its own conditions.
const SELECT: &str = sql!("SELECT ", COLUMNS, " FROM companies");

from_row!(Company {
    id,
    name,
    payson_agent_id,
    payson_api_key_encrypted,
    payson_base_url,
    created_at,
    time_zone,
});

impl Store {
    pub async fn insert_company(&self, c: &Company) -> StoreResult<()> {
        const SQL: &str = sql!(
            "INSERT INTO companies (",
            COLUMNS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
        );
        execute!(
            self,
            SQL,
            c.id,
            &c.name,
            &c.payson_agent_id,
            &c.payson_api_key_encrypted,
            &c.payson_base_url,
            c.created_at,
            c.time_zone,
        )
        .map(|_| ())
    }

    pub async fn company(&self, id: CompanyId) -> StoreResult<Option<Company>> {
        const SQL: &str = sql!(SELECT, " WHERE id = $1");
        fetch!(self, fetch_optional, SQL, id)
    }

    /// Id and name of every company, by name (for filters and name columns).
    pub async fn company_names(&self) -> StoreResult<Vec<(CompanyId, String)>> {
        const SQL: &str = "SELECT id, name FROM companies ORDER BY name, id";
        fetch!(self, fetch_all, SQL)
    }

    pub async fn companies(&self) -> StoreResult<Vec<Company>> {
        const SQL: &str = sql!(SELECT, " ORDER BY name, id");
        fetch!(self, fetch_all, SQL)
    }

    pub async fn update_company_payson(
        &self,
        id: CompanyId,
        agent_id: &str,
        api_key_encrypted: &str,
        base_url: &str,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE companies SET payson_agent_id = $2, payson_api_key_encrypted = $3, payson_base_url = $4 WHERE id = $1";
        Ok(execute!(self, SQL, id, agent_id, api_key_encrypted, base_url)? == 1)
    }

    /// Whether the company was there to change.
    pub async fn update_company_time_zone(
        &self,
        id: CompanyId,
        zone: TimeZone,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE companies SET time_zone = $2 WHERE id = $1";
        Ok(execute!(self, SQL, id, zone)? == 1)
    }

    /// Every company's time zone, for lists that span companies.
    pub async fn company_time_zones(&self) -> StoreResult<Zones> {
        const SQL: &str = "SELECT id, time_zone FROM companies";
        let rows: Vec<(CompanyId, TimeZone)> = fetch!(self, fetch_all, SQL)?;
        Ok(Zones(rows.into_iter().collect()))
    }
}
