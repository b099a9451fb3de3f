//! The store facade: the only place that knows SQL. Services call these methods and get
//! domain types back; which backend runs underneath is chosen by the database URL.

mod rows;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use uuid::Uuid;

use rows::{
    ApiTokenRow, AuditRow, CheckoutRow, ClaimRow, CompanyApiKeyRow, CompanyRow, TokenUserRow,
    UserRow, id_text,
};

use crate::domain::{
    ApiToken, AuditEvent, AuditFilter, Checkout, CheckoutFilter, CheckoutId, CheckoutStatus,
    ClaimState, Company, CompanyApiKey, CompanyId, Currency, NewAuditEvent, RoleSet, SendClaim,
    User, UserId,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database stayed locked/busy past the busy timeout, or the pool timed out.
    #[error("the database is busy; try again")]
    Busy,
    /// A unique constraint was violated (e.g. an e-mail already in use).
    #[error("already exists: {0}")]
    Conflict(String),
    /// A stored row could not be turned into a domain value.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// (currency code, count, sum) rows as domain values.
fn currency_totals(rows: Vec<(String, i64, i64)>) -> StoreResult<Vec<(Currency, i64, i64)>> {
    rows.into_iter()
        .map(|(c, n, sum)| {
            Currency::parse(&c)
                .map(|cur| (cur, n, sum))
                .ok_or_else(|| StoreError::Corrupt(format!("bad currency '{c}'")))
        })
        .collect()
}

/// What text search matches, lower-cased here (Unicode) rather than by the database.
fn search_text(name: &str, email: &str, reference: &str, id: CheckoutId) -> String {
    format!("{name}\n{email}\n{reference}\n{id}").to_lowercase()
}

/// `%text%` for LIKE, with the wildcard characters of the text itself escaped.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone)]
pub struct Store {
    db: Db,
}

/// Runs the same body against whichever pool is live: each statement is written once.
macro_rules! on_pool {
    ($self:expr, |$pool:ident| $body:expr) => {
        match &$self.db {
            Db::Sqlite($pool) => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

fn db_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::PoolTimedOut => StoreError::Busy,
        sqlx::Error::Database(d) => {
            if d.is_unique_violation() {
                return StoreError::Conflict(d.message().to_owned());
            }
            // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6), with extended codes.
            let code = d.code().and_then(|c| c.parse::<i64>().ok()).unwrap_or(0);
            if matches!(code & 0xff, 5 | 6) || d.code().as_deref() == Some("55P03") {
                StoreError::Busy
            } else {
                StoreError::Database(e)
            }
        }
        _ => StoreError::Database(e),
    }
}

impl Store {
    /// Connects by URL (`sqlite:...` or `postgres://...`). SQLite: created if missing, WAL,
    /// synchronous NORMAL, busy timeout 5 s, foreign keys on.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        let db = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(db_err)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true);
            if let Some(parent) = opts.get_filename().parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .map_err(db_err)?;
            Db::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Optional filters are written `$n IS NULL OR …`; a generic plan cannot see
            // which are unset, so each execution is planned with its values.
            let opts = sqlx::postgres::PgConnectOptions::from_str(url)
                .map_err(db_err)?
                .options([("plan_cache_mode", "force_custom_plan")]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .map_err(db_err)?;
            Db::Postgres(pool)
        } else {
            return Err(StoreError::Corrupt(
                "the database URL must start with sqlite: or postgres://".into(),
            ));
        };
        Ok(Store { db })
    }

    /// Applies the backend's migrations (`migrations/sqlite` or `migrations/postgres`).
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.db {
            Db::Sqlite(p) => SQLITE_MIGRATIONS
                .run(p)
                .await
                .map_err(StoreError::Migrate)?,
            Db::Postgres(p) => POSTGRES_MIGRATIONS
                .run(p)
                .await
                .map_err(StoreError::Migrate)?,
        }
        self.fill_search_text().await
    }

    /// Rows written before `search_text` existed get it now, in batches (once).
    async fn fill_search_text(&self) -> StoreResult<()> {
        const PENDING: &str = "SELECT id, customer_name, customer_email, reference FROM checkouts WHERE search_text = '' LIMIT 1000";
        const FILL: &str = "UPDATE checkouts SET search_text = $2 WHERE id = $1";
        loop {
            let rows: Vec<(String, String, String, String)> = on_pool!(self, |p| {
                sqlx::query_as(PENDING).fetch_all(p).await.map_err(db_err)
            })?;
            if rows.is_empty() {
                return Ok(());
            }
            for (id, name, email, reference) in rows {
                let cid: CheckoutId = rows::uuid(&id)?.into();
                let text = search_text(&name, &email, &reference, cid);
                on_pool!(self, |p| sqlx::query(FILL)
                    .bind(&id)
                    .bind(&text)
                    .execute(p)
                    .await
                    .map(|_| ())
                    .map_err(db_err))?;
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn ping(&self) -> StoreResult<()> {
        on_pool!(self, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(|_| ())
            .map_err(db_err))
    }

    pub async fn close(&self) {
        on_pool!(self, |p| p.close().await)
    }

    // companies

    pub async fn insert_company(&self, c: &Company) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO companies (id, name, payson_agent_id, payson_api_key_encrypted, payson_base_url, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(id_text(c.id.as_uuid()))
            .bind(&c.name)
            .bind(&c.payson_agent_id)
            .bind(&c.payson_api_key_encrypted)
            .bind(&c.payson_base_url)
            .bind(c.created_at)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(db_err))
    }

    pub async fn company(&self, id: CompanyId) -> StoreResult<Option<Company>> {
        const SQL: &str = "SELECT id, name, payson_agent_id, payson_api_key_encrypted, payson_base_url, created_at FROM companies WHERE id = $1";
        let row: Option<CompanyRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .bind(id_text(id.as_uuid()))
            .fetch_optional(p)
            .await
            .map_err(db_err))?;
        row.map(CompanyRow::into_domain).transpose()
    }

    /// Id and name of every company, by name (for filters and name columns).
    pub async fn company_names(&self) -> StoreResult<Vec<(CompanyId, String)>> {
        const SQL: &str = "SELECT id, name FROM companies ORDER BY name, id";
        let rows: Vec<(String, String)> = on_pool!(self, |p| sqlx::query_as(SQL)
            .fetch_all(p)
            .await
            .map_err(db_err))?;
        rows.into_iter()
            .map(|(id, name)| Ok((rows::uuid(&id)?.into(), name)))
            .collect()
    }

    pub async fn companies(&self) -> StoreResult<Vec<Company>> {
        const SQL: &str = "SELECT id, name, payson_agent_id, payson_api_key_encrypted, payson_base_url, created_at FROM companies ORDER BY name, id";
        let rows: Vec<CompanyRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .fetch_all(p)
            .await
            .map_err(db_err))?;
        rows.into_iter().map(CompanyRow::into_domain).collect()
    }

    pub async fn update_company_payson(
        &self,
        id: CompanyId,
        agent_id: &str,
        api_key_encrypted: &str,
        base_url: &str,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE companies SET payson_agent_id = $2, payson_api_key_encrypted = $3, payson_base_url = $4 WHERE id = $1";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(id_text(id.as_uuid()))
            .bind(agent_id)
            .bind(api_key_encrypted)
            .bind(base_url)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err))
    }

    // users (e-mails are stored and looked up lower-cased)

    pub async fn insert_user(&self, u: &User) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO users (id, email, display_name, password_hash, company_id, roles, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(id_text(u.id.as_uuid()))
            .bind(u.email.to_lowercase())
            .bind(&u.display_name)
            .bind(&u.password_hash)
            .bind(u.company_id.map(|c| id_text(c.as_uuid())))
            .bind(u.roles.to_list())
            .bind(u.disabled)
            .bind(u.created_at)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(db_err))
    }

    pub async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        const SQL: &str = "SELECT id, email, display_name, password_hash, company_id, roles, disabled, created_at FROM users WHERE id = $1";
        let row: Option<UserRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .bind(id_text(id.as_uuid()))
            .fetch_optional(p)
            .await
            .map_err(db_err))?;
        row.map(UserRow::into_domain).transpose()
    }

    pub async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        const SQL: &str = "SELECT id, email, display_name, password_hash, company_id, roles, disabled, created_at FROM users WHERE email = $1";
        let row: Option<UserRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .bind(email.trim().to_lowercase())
            .fetch_optional(p)
            .await
            .map_err(db_err))?;
        row.map(UserRow::into_domain).transpose()
    }

    pub async fn users(&self) -> StoreResult<Vec<User>> {
        const SQL: &str = "SELECT id, email, display_name, password_hash, company_id, roles, disabled, created_at FROM users ORDER BY email";
        let rows: Vec<UserRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .fetch_all(p)
            .await
            .map_err(db_err))?;
        rows.into_iter().map(UserRow::into_domain).collect()
    }

    pub async fn set_user_password(&self, id: UserId, password_hash: &str) -> StoreResult<bool> {
        const SQL: &str = "UPDATE users SET password_hash = $2 WHERE id = $1";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(id_text(id.as_uuid()))
            .bind(password_hash)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err))
    }

    pub async fn set_user_roles(
        &self,
        id: UserId,
        roles: RoleSet,
        company: Option<CompanyId>,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE users SET roles = $2, company_id = $3 WHERE id = $1";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(id_text(id.as_uuid()))
            .bind(roles.to_list())
            .bind(company.map(|c| id_text(c.as_uuid())))
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err))
    }

    pub async fn set_user_disabled(&self, id: UserId, disabled: bool) -> StoreResult<bool> {
        const SQL: &str = "UPDATE users SET disabled = $2 WHERE id = $1";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(id_text(id.as_uuid()))
            .bind(disabled)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err))
    }

    // Identities at OpenID providers

    /// The user linked to this provider account, if any.
    pub async fn user_by_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> StoreResult<Option<User>> {
        const SQL: &str = "SELECT u.id, u.email, u.display_name, u.password_hash, u.company_id, u.roles, u.disabled, u.created_at FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.provider = $1 AND i.subject = $2";
        let row: Option<UserRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .bind(provider)
            .bind(subject)
            .fetch_optional(p)
            .await
            .map_err(db_err))?;
        row.map(UserRow::into_domain).transpose()
    }

    pub async fn link_identity(
        &self,
        provider: &str,
        subject: &str,
        user: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO user_identities (provider, subject, user_id, created_at) VALUES ($1, $2, $3, $4)";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(provider)
            .bind(subject)
            .bind(id_text(user.as_uuid()))
            .bind(now)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(db_err))
    }

    // API tokens

    pub async fn insert_api_token(&self, t: &ApiToken) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(id_text(t.id))
            .bind(id_text(t.user_id.as_uuid()))
            .bind(&t.name)
            .bind(&t.token_hash)
            .bind(t.created_at)
            .bind(t.revoked_at)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(db_err))
    }

    /// The token and its user, if the token exists and is not revoked.
    pub async fn active_token_by_hash(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(ApiToken, User)>> {
        const SQL: &str = "SELECT t.id AS token_id, t.name AS token_name, t.token_hash AS token_hash, t.created_at AS token_created_at, \
            t.revoked_at AS token_revoked_at, u.id, u.email, u.display_name, u.password_hash, u.company_id, u.roles, u.disabled, u.created_at \
            FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL";
        let row: Option<TokenUserRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .bind(token_hash)
            .fetch_optional(p)
            .await
            .map_err(db_err))?;
        row.map(TokenUserRow::into_domain).transpose()
    }

    pub async fn api_tokens(&self, user: Option<UserId>) -> StoreResult<Vec<ApiToken>> {
        const SQL: &str = "SELECT id, user_id, name, token_hash, created_at, revoked_at FROM api_tokens WHERE ($1 IS NULL OR user_id = $1) ORDER BY created_at DESC, id";
        let rows: Vec<ApiTokenRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .bind(user.map(|u| id_text(u.as_uuid())))
            .fetch_all(p)
            .await
            .map_err(db_err))?;
        rows.into_iter().map(ApiTokenRow::into_domain).collect()
    }

    pub async fn revoke_api_token(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
        const SQL: &str =
            "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(id_text(id))
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err))
    }

    // company API keys

    pub async fn insert_company_api_key(&self, k: &CompanyApiKey) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO company_api_keys (id, company_id, key_hash, notes, allowed_ips, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(id_text(k.id))
            .bind(id_text(k.company_id.as_uuid()))
            .bind(&k.key_hash)
            .bind(&k.notes)
            .bind(&k.allowed_ips)
            .bind(k.created_at)
            .bind(k.expires_at)
            .bind(k.revoked_at)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(db_err))
    }

    pub async fn company_api_key_by_hash(
        &self,
        key_hash: &str,
    ) -> StoreResult<Option<CompanyApiKey>> {
        const SQL: &str = "SELECT id, company_id, key_hash, notes, allowed_ips, created_at, expires_at, revoked_at FROM company_api_keys WHERE key_hash = $1";
        let row: Option<CompanyApiKeyRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .bind(key_hash)
            .fetch_optional(p)
            .await
            .map_err(db_err))?;
        row.map(CompanyApiKeyRow::into_domain).transpose()
    }

    pub async fn company_api_keys(&self, company: CompanyId) -> StoreResult<Vec<CompanyApiKey>> {
        const SQL: &str = "SELECT id, company_id, key_hash, notes, allowed_ips, created_at, expires_at, revoked_at FROM company_api_keys WHERE company_id = $1 ORDER BY created_at DESC, id";
        let rows: Vec<CompanyApiKeyRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .bind(id_text(company.as_uuid()))
            .fetch_all(p)
            .await
            .map_err(db_err))?;
        rows.into_iter()
            .map(CompanyApiKeyRow::into_domain)
            .collect()
    }

    pub async fn revoke_company_api_key(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
        const SQL: &str =
            "UPDATE company_api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(id_text(id))
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err))
    }

    // checkouts

    /// Inserts the checkout or replaces every field of the existing row with the same id.
    pub async fn upsert_checkout(&self, c: &Checkout) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO checkouts (id, company_id, status, payson_status, amount_minor, currency, payment_method, customer_name, customer_email, reference, snippet, purchase_id, history_json, ready_to_ship_at, created_at, updated_at, refreshed_at, search_text) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
            ON CONFLICT (id) DO UPDATE SET company_id = excluded.company_id, status = excluded.status, payson_status = excluded.payson_status, \
            amount_minor = excluded.amount_minor, currency = excluded.currency, payment_method = excluded.payment_method, \
            customer_name = excluded.customer_name, customer_email = excluded.customer_email, reference = excluded.reference, \
            snippet = excluded.snippet, purchase_id = excluded.purchase_id, history_json = excluded.history_json, \
            ready_to_ship_at = excluded.ready_to_ship_at, created_at = excluded.created_at, updated_at = excluded.updated_at, \
            refreshed_at = excluded.refreshed_at, search_text = excluded.search_text";
        let search = search_text(&c.customer_name, &c.customer_email, &c.reference, c.id);
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(id_text(c.id.as_uuid()))
            .bind(id_text(c.company_id.as_uuid()))
            .bind(c.status.name())
            .bind(&c.payson_status)
            .bind(c.amount.minor())
            .bind(c.amount.currency().code())
            .bind(c.payment_method.name())
            .bind(&c.customer_name)
            .bind(&c.customer_email)
            .bind(&c.reference)
            .bind(&c.snippet)
            .bind(c.purchase_id)
            .bind(&c.history_json)
            .bind(c.ready_to_ship_at)
            .bind(c.created_at)
            .bind(c.updated_at)
            .bind(c.refreshed_at)
            .bind(&search)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(db_err))
    }

    pub async fn checkout(&self, id: CheckoutId) -> StoreResult<Option<Checkout>> {
        const SQL: &str = "SELECT id, company_id, status, payson_status, amount_minor, currency, payment_method, customer_name, customer_email, reference, snippet, purchase_id, history_json, ready_to_ship_at, created_at, updated_at, refreshed_at FROM checkouts WHERE id = $1";
        let row: Option<CheckoutRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .bind(id_text(id.as_uuid()))
            .fetch_optional(p)
            .await
            .map_err(db_err))?;
        row.map(CheckoutRow::into_domain).transpose()
    }

    pub async fn count_checkouts(&self) -> StoreResult<i64> {
        on_pool!(self, |p| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM checkouts"
        )
        .fetch_one(p)
        .await
        .map_err(db_err))
    }

    /// One page of checkouts matching `f`. Awaiting ones (ReadyToShip) come soonest-expiring
    /// first with the cursor `(ready_to_ship_at, id)`; any other status newest first with
    /// the cursor `(created_at, id)`.
    pub async fn list_checkouts(
        &self,
        f: &CheckoutFilter,
        after: Option<(DateTime<Utc>, CheckoutId)>,
        limit: i64,
    ) -> StoreResult<Vec<Checkout>> {
        // Company-scoped and global lists are separate texts so each is planned onto its
        // own index (an `$1 IS NULL OR company_id = $1` would hide the company index).
        const AWAITING_COMPANY: &str = "SELECT id, company_id, status, payson_status, amount_minor, currency, payment_method, customer_name, customer_email, reference, snippet, purchase_id, history_json, ready_to_ship_at, created_at, updated_at, refreshed_at \
            FROM checkouts WHERE status = 'ReadyToShip' AND ready_to_ship_at IS NOT NULL AND company_id = $1 \
            AND ($2 IS NULL OR search_text LIKE $2 ESCAPE '\\') \
            AND ($3 IS NULL OR ready_to_ship_at >= $3) AND ($4 IS NULL OR ready_to_ship_at < $4) \
            AND ($5 IS NULL OR ready_to_ship_at > $5 OR (ready_to_ship_at = $5 AND id > $6)) \
            ORDER BY ready_to_ship_at, id LIMIT $7";
        const AWAITING_ALL: &str = "SELECT id, company_id, status, payson_status, amount_minor, currency, payment_method, customer_name, customer_email, reference, snippet, purchase_id, history_json, ready_to_ship_at, created_at, updated_at, refreshed_at \
            FROM checkouts WHERE status = 'ReadyToShip' AND ready_to_ship_at IS NOT NULL AND $1 IS NULL \
            AND ($2 IS NULL OR search_text LIKE $2 ESCAPE '\\') \
            AND ($3 IS NULL OR ready_to_ship_at >= $3) AND ($4 IS NULL OR ready_to_ship_at < $4) \
            AND ($5 IS NULL OR ready_to_ship_at > $5 OR (ready_to_ship_at = $5 AND id > $6)) \
            ORDER BY ready_to_ship_at, id LIMIT $7";
        const OTHERS_COMPANY: &str = "SELECT id, company_id, status, payson_status, amount_minor, currency, payment_method, customer_name, customer_email, reference, snippet, purchase_id, history_json, ready_to_ship_at, created_at, updated_at, refreshed_at \
            FROM checkouts WHERE ($8 IS NULL OR status = $8) AND company_id = $1 \
            AND ($2 IS NULL OR search_text LIKE $2 ESCAPE '\\') \
            AND ($3 IS NULL OR created_at >= $3) AND ($4 IS NULL OR created_at < $4) \
            AND ($5 IS NULL OR created_at < $5 OR (created_at = $5 AND id < $6)) \
            ORDER BY created_at DESC, id DESC LIMIT $7";
        const OTHERS_ALL: &str = "SELECT id, company_id, status, payson_status, amount_minor, currency, payment_method, customer_name, customer_email, reference, snippet, purchase_id, history_json, ready_to_ship_at, created_at, updated_at, refreshed_at \
            FROM checkouts WHERE ($8 IS NULL OR status = $8) AND $1 IS NULL \
            AND ($2 IS NULL OR search_text LIKE $2 ESCAPE '\\') \
            AND ($3 IS NULL OR created_at >= $3) AND ($4 IS NULL OR created_at < $4) \
            AND ($5 IS NULL OR created_at < $5 OR (created_at = $5 AND id < $6)) \
            ORDER BY created_at DESC, id DESC LIMIT $7";
        let awaiting = f.status == Some(CheckoutStatus::ReadyToShip);
        let sql = match (awaiting, f.company.is_some()) {
            (true, true) => AWAITING_COMPANY,
            (true, false) => AWAITING_ALL,
            (false, true) => OTHERS_COMPANY,
            (false, false) => OTHERS_ALL,
        };
        let pattern = f.text.as_deref().map(like_pattern);
        let rows: Vec<CheckoutRow> = on_pool!(self, |p| {
            let mut q = sqlx::query_as(sql)
                .bind(f.company.map(|c| id_text(c.as_uuid())))
                .bind(pattern.clone())
                .bind(f.from)
                .bind(f.to)
                .bind(after.map(|(t, _)| t))
                .bind(after.map(|(_, id)| id_text(id.as_uuid())))
                .bind(limit);
            if !awaiting {
                q = q.bind(f.status.map(|s| s.name()));
            }
            q.fetch_all(p).await.map_err(db_err)
        })?;
        rows.into_iter().map(CheckoutRow::into_domain).collect()
    }

    /// Count and sum per currency of everything `f` matches (all pages).
    pub async fn checkout_totals(
        &self,
        f: &CheckoutFilter,
    ) -> StoreResult<Vec<(Currency, i64, i64)>> {
        // Separate texts for the company and global cases, as in `list_checkouts`.
        const COMPANY: &str = "SELECT currency, COUNT(*), CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM checkouts \
            WHERE ($5 IS NULL OR status = $5) AND company_id = $1 \
            AND ($2 IS NULL OR search_text LIKE $2 ESCAPE '\\') \
            AND ($3 IS NULL OR (CASE WHEN $6 THEN ready_to_ship_at ELSE created_at END) >= $3) \
            AND ($4 IS NULL OR (CASE WHEN $6 THEN ready_to_ship_at ELSE created_at END) < $4) \
            GROUP BY currency ORDER BY currency";
        const ALL: &str = "SELECT currency, COUNT(*), CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM checkouts \
            WHERE ($5 IS NULL OR status = $5) AND $1 IS NULL \
            AND ($2 IS NULL OR search_text LIKE $2 ESCAPE '\\') \
            AND ($3 IS NULL OR (CASE WHEN $6 THEN ready_to_ship_at ELSE created_at END) >= $3) \
            AND ($4 IS NULL OR (CASE WHEN $6 THEN ready_to_ship_at ELSE created_at END) < $4) \
            GROUP BY currency ORDER BY currency";
        if f.text.is_none() && f.from.is_none() && f.to.is_none() {
            return self.checkout_counts(f.company, f.status).await;
        }
        let awaiting = f.status == Some(CheckoutStatus::ReadyToShip);
        let sql = if f.company.is_some() { COMPANY } else { ALL };
        let rows: Vec<(String, i64, i64)> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(f.company.map(|c| id_text(c.as_uuid())))
            .bind(f.text.as_deref().map(like_pattern))
            .bind(f.from)
            .bind(f.to)
            .bind(f.status.map(|s| s.name()))
            .bind(awaiting)
            .fetch_all(p)
            .await
            .map_err(db_err))?;
        currency_totals(rows)
    }

    /// Totals of an unfiltered view from the trigger-kept `checkout_counts` (constant cost
    /// however many checkouts there are).
    async fn checkout_counts(
        &self,
        company: Option<CompanyId>,
        status: Option<CheckoutStatus>,
    ) -> StoreResult<Vec<(Currency, i64, i64)>> {
        // Two texts so the company case is planned onto the primary key.
        const COMPANY: &str = "SELECT currency, CAST(SUM(n) AS BIGINT), CAST(SUM(sum_minor) AS BIGINT) FROM checkout_counts \
            WHERE company_id = $1 AND ($2 IS NULL OR status = $2) \
            GROUP BY currency HAVING SUM(n) > 0 ORDER BY currency";
        const ALL: &str = "SELECT currency, CAST(SUM(n) AS BIGINT), CAST(SUM(sum_minor) AS BIGINT) FROM checkout_counts \
            WHERE $1 IS NULL AND ($2 IS NULL OR status = $2) \
            GROUP BY currency HAVING SUM(n) > 0 ORDER BY currency";
        let sql = if company.is_some() { COMPANY } else { ALL };
        let rows: Vec<(String, i64, i64)> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(company.map(|c| id_text(c.as_uuid())))
            .bind(status.map(|s| s.name()))
            .fetch_all(p)
            .await
            .map_err(db_err))?;
        currency_totals(rows)
    }

    // send claims

    /// Takes the send claim for `checkout` for `owner` (a request id) until `lease_until`.
    /// One conditional statement: succeeds when there is no claim, or the claim is
    /// `failed`/`unknown`, or an `in_flight` claim's lease has run out. Never after `done`.
    pub async fn try_claim_send(
        &self,
        checkout: CheckoutId,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        const SQL: &str = "INSERT INTO send_claims (checkout_id, owner, state, claimed_at, lease_until) VALUES ($1, $2, 'in_flight', $3, $4) \
            ON CONFLICT (checkout_id) DO UPDATE SET owner = excluded.owner, state = 'in_flight', claimed_at = excluded.claimed_at, lease_until = excluded.lease_until \
            WHERE send_claims.state IN ('failed', 'unknown') OR (send_claims.state = 'in_flight' AND send_claims.lease_until < excluded.claimed_at)";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(id_text(checkout.as_uuid()))
            .bind(owner)
            .bind(now)
            .bind(lease_until)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err))
    }

    /// Ends `owner`'s claim in `state`; false if `owner` no longer holds it.
    pub async fn finish_claim(
        &self,
        checkout: CheckoutId,
        owner: &str,
        state: ClaimState,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE send_claims SET state = $3 WHERE checkout_id = $1 AND owner = $2 AND state = 'in_flight'";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(id_text(checkout.as_uuid()))
            .bind(owner)
            .bind(state.name())
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err))
    }

    pub async fn claim(&self, checkout: CheckoutId) -> StoreResult<Option<SendClaim>> {
        const SQL: &str = "SELECT checkout_id, owner, state, claimed_at, lease_until FROM send_claims WHERE checkout_id = $1";
        let row: Option<ClaimRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .bind(id_text(checkout.as_uuid()))
            .fetch_optional(p)
            .await
            .map_err(db_err))?;
        row.map(ClaimRow::into_domain).transpose()
    }

    pub async fn claims_in_state(&self, state: ClaimState) -> StoreResult<Vec<SendClaim>> {
        const SQL: &str = "SELECT checkout_id, owner, state, claimed_at, lease_until FROM send_claims WHERE state = $1 ORDER BY claimed_at";
        let rows: Vec<ClaimRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .bind(state.name())
            .fetch_all(p)
            .await
            .map_err(db_err))?;
        rows.into_iter().map(ClaimRow::into_domain).collect()
    }

    // form submissions (idempotency of the admin desk's send button)

    /// Records a submission; false if the key was already used (the form was sent before).
    pub async fn submission_begin(
        &self,
        key: &str,
        user: UserId,
        checkout: CheckoutId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        const SQL: &str = "INSERT INTO form_submissions (idempotency_key, user_id, checkout_id, succeeded, message, created_at) \
            VALUES ($1, $2, $3, NULL, NULL, $4) ON CONFLICT (idempotency_key) DO NOTHING";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(key)
            .bind(id_text(user.as_uuid()))
            .bind(id_text(checkout.as_uuid()))
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err))
    }

    pub async fn submission_finish(
        &self,
        key: &str,
        succeeded: bool,
        message: &str,
    ) -> StoreResult<()> {
        const SQL: &str =
            "UPDATE form_submissions SET succeeded = $2, message = $3 WHERE idempotency_key = $1";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(key)
            .bind(succeeded)
            .bind(message)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(db_err))
    }

    /// `(checkout, outcome)` of a submission by this user; the outcome is `None` while
    /// the first request is still running.
    pub async fn submission(
        &self,
        key: &str,
        user: UserId,
    ) -> StoreResult<Option<(CheckoutId, Option<(bool, String)>)>> {
        const SQL: &str = "SELECT checkout_id, succeeded, message FROM form_submissions WHERE idempotency_key = $1 AND user_id = $2";
        let row: Option<(String, Option<bool>, Option<String>)> =
            on_pool!(self, |p| sqlx::query_as(SQL)
                .bind(key)
                .bind(id_text(user.as_uuid()))
                .fetch_optional(p)
                .await
                .map_err(db_err))?;
        let Some((checkout, ok, msg)) = row else {
            return Ok(None);
        };
        let checkout = Uuid::parse_str(&checkout)
            .map_err(|_| StoreError::Corrupt("bad checkout id".into()))?;
        Ok(Some((
            checkout.into(),
            ok.map(|ok| (ok, msg.unwrap_or_default())),
        )))
    }

    // admin sessions (the key is stored only as a hash)

    /// The session's state, if it exists and has not expired.
    pub async fn session_load(
        &self,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<String>> {
        const SQL: &str = "SELECT state FROM sessions WHERE key_hash = $1 AND expires_at > $2";
        on_pool!(self, |p| sqlx::query_scalar::<_, String>(SQL)
            .bind(key_hash)
            .bind(now)
            .fetch_optional(p)
            .await
            .map_err(db_err))
    }

    pub async fn session_insert(
        &self,
        key_hash: &str,
        user: Option<UserId>,
        state: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO sessions (key_hash, user_id, state, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(key_hash)
            .bind(user.map(|u| id_text(u.as_uuid())))
            .bind(state)
            .bind(now)
            .bind(expires_at)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(db_err))
    }

    /// Replaces the state of a live session; false if it is gone (logged out, expired).
    pub async fn session_update(
        &self,
        key_hash: &str,
        user: Option<UserId>,
        state: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE sessions SET user_id = $2, state = $3, expires_at = $5 WHERE key_hash = $1 AND expires_at > $4";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(key_hash)
            .bind(user.map(|u| id_text(u.as_uuid())))
            .bind(state)
            .bind(now)
            .bind(expires_at)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err))
    }

    pub async fn session_touch(
        &self,
        key_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE sessions SET expires_at = $2 WHERE key_hash = $1";
        on_pool!(self, |p| sqlx::query(SQL)
            .bind(key_hash)
            .bind(expires_at)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(db_err))
    }

    pub async fn session_delete(&self, key_hash: &str) -> StoreResult<()> {
        on_pool!(self, |p| sqlx::query(
            "DELETE FROM sessions WHERE key_hash = $1"
        )
        .bind(key_hash)
        .execute(p)
        .await
        .map(|_| ())
        .map_err(db_err))
    }

    /// Ends every session of a user (disabled, password reset).
    pub async fn sessions_delete_for_user(&self, user: UserId) -> StoreResult<u64> {
        on_pool!(self, |p| sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1"
        )
        .bind(id_text(user.as_uuid()))
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        .map_err(db_err))
    }

    pub async fn sessions_purge_expired(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        on_pool!(self, |p| sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1"
        )
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        .map_err(db_err))
    }

    // audit: append-only — there is deliberately no update or delete

    pub async fn append_audit(&self, e: &NewAuditEvent) -> StoreResult<i64> {
        const SQL: &str = "INSERT INTO audit_events (at, actor_user_id, actor, company_id, checkout_id, action, outcome, http_status, remote_addr, request_id, message, payson_message, note) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id";
        on_pool!(self, |p| sqlx::query_scalar::<_, i64>(SQL)
            .bind(e.at)
            .bind(e.actor_user_id.map(|u| id_text(u.as_uuid())))
            .bind(&e.actor)
            .bind(e.company_id.map(|c| id_text(c.as_uuid())))
            .bind(e.checkout_id.map(|c| id_text(c.as_uuid())))
            .bind(e.action.name())
            .bind(e.outcome.name())
            .bind(i64::from(e.http_status))
            .bind(&e.remote_addr)
            .bind(&e.request_id)
            .bind(&e.message)
            .bind(&e.payson_message)
            .bind(&e.note)
            .fetch_one(p)
            .await
            .map_err(db_err))
    }

    /// Newest first.
    pub async fn audit_events(
        &self,
        filter: &AuditFilter,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>> {
        // Every filter is a parameter that is either NULL (no filter) or compared: one SQL text.
        const SQL: &str = "SELECT id, at, actor_user_id, actor, company_id, checkout_id, action, outcome, http_status, remote_addr, request_id, message, payson_message, note \
            FROM audit_events WHERE ($1 IS NULL OR company_id = $1) AND ($2 IS NULL OR checkout_id = $2) AND ($3 IS NULL OR actor_user_id = $3) \
            AND ($4 IS NULL OR action = $4) AND ($5 IS NULL OR outcome = $5) AND ($6 IS NULL OR at >= $6) AND ($7 IS NULL OR at < $7) \
            AND ($8 IS NULL OR id < $8) ORDER BY id DESC LIMIT $9";
        let rows: Vec<AuditRow> = on_pool!(self, |p| sqlx::query_as(SQL)
            .bind(filter.company_id.map(|c| id_text(c.as_uuid())))
            .bind(filter.checkout_id.map(|c| id_text(c.as_uuid())))
            .bind(filter.actor_user_id.map(|u| id_text(u.as_uuid())))
            .bind(filter.action.map(|a| a.name()))
            .bind(filter.outcome.map(|o| o.name()))
            .bind(filter.from)
            .bind(filter.to)
            .bind(filter.before_id)
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(db_err))?;
        rows.into_iter().map(AuditRow::into_domain).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both backends must carry the same migration versions and names.
    #[test]
    fn migrations_match_across_backends() {
        let names = |m: &sqlx::migrate::Migrator| {
            m.iter()
                .map(|x| (x.version, x.description.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&SQLITE_MIGRATIONS), names(&POSTGRES_MIGRATIONS));
        assert!(!names(&SQLITE_MIGRATIONS).is_empty());
    }
}
