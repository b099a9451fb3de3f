//! The store facade: the only place that knows SQL. Services call these methods and get
//! domain types back; which backend runs underneath is chosen by the database URL.
//!
//! One file per table group holds that group's `impl Store` block, its column list and
//! how its rows become domain values (`from_row!`); this file holds the pool, error
//! classification and the query macros every group shares.

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolOptions;
use sqlx::postgres::PgPool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};

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

/// Open connections of the pool: lent out to a query, or waiting in the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub in_use: u32,
    pub idle: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
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
    /// SQLite: this process's writes take turns here rather than at the database, whose
    /// busy handler waits by sleeping (1 ms, 2 ms, 5 ms, … up to the busy timeout), so
    /// writers that collide there lose milliseconds each; PostgreSQL locks rows instead.
    write_turn: std::sync::Arc<tokio::sync::Mutex<()>>,
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

/// Runs a statement with its binds, in order, and returns how many rows it changed.
macro_rules! execute {
    ($self:expr, $sql:expr $(, $arg:expr)* $(,)?) => {{
        let _turn = $self.write_turn().await;
        on_pool!($self, |p| sqlx::query($sql)
            $(.bind($arg))*
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))
    }};
}

/// Runs a query with its binds and fetches its rows with `$fetch` (`fetch_one`,
/// `fetch_optional`, `fetch_all`) as the row type the caller asks for.
macro_rules! fetch {
    ($self:expr, $fetch:ident, $sql:expr $(, $arg:expr)* $(,)?) => {
        on_pool!($self, |p| sqlx::query_as($sql)
            $(.bind($arg))*
            .$fetch(p)
            .await
            .map_err(db_err))
    };
}

/// In one transaction: `$first` (a statement, run on `$tx`) and, only when it changed a
/// row, `$rest`, committed: `Ok(true)`. When `$first` changed nothing (someone else got
/// there first), it rolls back and returns `Ok(false)` with nothing stored, so what
/// `$rest` writes is written once. Holds this process's write turn throughout.
macro_rules! if_first_changes {
    ($self:expr, |$tx:ident| $first:expr, $rest:block) => {{
        let _turn = $self.write_turn().await;
        on_pool!($self, |p| {
            let mut $tx = p.begin().await.map_err(db_err)?;
            let changed = $first.execute(&mut *$tx).await.map_err(db_err)?.rows_affected();
            if changed != 1 {
                $tx.rollback().await.map_err(db_err)?;
                return Ok(false);
            }
            $rest
            $tx.commit().await.map_err(db_err)?;
            Ok(true)
        })
    }};
}

/// `sqlx::FromRow` for a domain type, on both backends. `Type { field, … }` reads each field
/// from the column of the same name (`field as T` decodes it as `T` first, then converts);
/// `Type, |row| body` builds the value in `body` where the columns do not map one to one.
macro_rules! from_row {
    (@column $row:ident, $field:ident) => {
        $row.try_get(stringify!($field))?
    };
    (@column $row:ident, $field:ident as $via:ty) => {
        $row.try_get::<$via, _>(stringify!($field))?.into()
    };
    ($ty:ident { $($field:ident $(as $via:ty)?),+ $(,)? }) => {
        from_row!($ty, |row| Ok($ty {
            $($field: from_row!(@column row, $field $(as $via)?)),+
        }));
    };
    // Also from one element of a page read as JSON (`json_row.rs`), by the same body.
    (json $ty:ty, |$row:ident| $body:expr) => {
        from_row!($ty, |$row| $body);
        impl $crate::store::json_row::FromJsonRow for $ty {
            fn from_json_row(
                $row: &$crate::store::json_row::JsonRow<'_, '_>,
            ) -> Result<Self, sqlx::Error> {
                $body
            }
        }
    };
    ($ty:ty, |$row:ident| $body:expr) => {
        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $ty {
            fn from_row($row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                #[allow(unused_imports)] // not every body uses both
                use sqlx::{FromRow as _, Row as _};
                $body
            }
        }
        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $ty {
            fn from_row($row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                #[allow(unused_imports)]
                use sqlx::{FromRow as _, Row as _};
                $body
            }
        }
    };
}

/// Joins string constants into one `&'static str` at compile time, so each table's column
/// list is written once while every statement stays a `&'static str` (sqlx 0.9 takes no
/// SQL built at run time).
macro_rules! sql {
    ($($part:expr),+ $(,)?) => {{
        const PARTS: &[&str] = &[$($part),+];
        const BYTES: [u8; $crate::store::sql_len(PARTS)] = $crate::store::sql_concat(PARTS);
        match std::str::from_utf8(&BYTES) {
            Ok(s) => s,
            Err(_) => panic!("SQL parts are whole UTF-8 strings"),
        }
    }};
}

mod api_keys;
mod audit;
mod bulk;
mod checkouts;
pub use checkouts::Matching;
mod claims;
mod companies;
mod digest;
mod identities;
mod json_row;
pub mod names;
mod notifications;
pub mod overview;
mod sessions;
pub use sessions::SessionWrite;
mod submissions;
mod tokens;
mod types;
mod users;

const fn sql_len(parts: &[&str]) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < parts.len() {
        len += parts[i].len();
        i += 1;
    }
    len
}

const fn sql_concat<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    let mut i = 0;
    while i < parts.len() {
        let bytes = parts[i].as_bytes();
        let mut j = 0;
        while j < bytes.len() {
            out[at] = bytes[j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// Pool settings both backends share, with at most `max` connections.
fn pool_options<DB: sqlx::Database>(max: u32) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(10))
}

fn db_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::PoolTimedOut => StoreError::Busy,
        // A stored value that does not decode (an id, a status, a currency…) is reported
        // as corrupt rather than guessed at.
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StoreError::Corrupt(e.to_string())
        }
        sqlx::Error::Database(d) => {
            if d.is_unique_violation() {
                return StoreError::Conflict(d.message().to_owned());
            }
            if is_transient(d.as_ref()) {
                StoreError::Busy
            } else {
                StoreError::Database(e)
            }
        }
        _ => StoreError::Database(e),
    }
}

/// Whether the database said "not now" (worth a retry) rather than "no": SQLite by its
/// primary result code, PostgreSQL by its SQLSTATE — never one read as the other (22021,
/// a NUL byte in text, is not SQLite's BUSY).
fn is_transient(d: &(dyn sqlx::error::DatabaseError + 'static)) -> bool {
    if d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .is_some()
    {
        let state = d.code().unwrap_or_default();
        return matches!(
            state.as_ref(),
            // serialization failure, deadlock, lock not available, too many connections,
            // shutting down, cannot connect now
            "40001" | "40P01" | "55P03" | "53300" | "57P01" | "57P02" | "57P03"
        ) || state.starts_with("08");
    }
    if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
        let code = d.code().and_then(|c| c.parse::<i64>().ok()).unwrap_or(0);
        return matches!(code & 0xff, 5 | 6);
    }
    false
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
                .foreign_keys(true)
                // 1 MiB of page cache per connection (SQLite's default is 2 MiB): at a
                // million checkouts the larger one bought no pages/s in `bench/run` and
                // cost 20 MB resident; the OS page cache holds the file either way.
                .pragma("cache_size", "-1024");
            if let Some(parent) = opts.get_filename().parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
            }
            // No ping before each acquire: a file cannot hang up, and each ping is one more
            // round trip to the connection's worker thread per statement. Eight connections
            // (each a thread): 16 bought ~17% more worklist pages/s in `bench/run` for
            // 20 MB more resident at a million checkouts.
            let pool = pool_options(8).test_before_acquire(false);
            Db::Sqlite(pool.connect_with(opts).await.map_err(db_err)?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Optional filters are written `$n IS NULL OR …`; a generic plan cannot see
            // which are unset, so each execution is planned with its values.
            let opts = sqlx::postgres::PgConnectOptions::from_str(url)
                .map_err(db_err)?
                .options([("plan_cache_mode", "force_custom_plan")]);
            Db::Postgres(pool_options(16).connect_with(opts).await.map_err(db_err)?)
        } else {
            return Err(StoreError::Corrupt(
                "the database URL must start with sqlite: or postgres://".into(),
            ));
        };
        Ok(Store {
            db,
            write_turn: std::sync::Arc::default(),
        })
    }

    /// This process's turn to write (SQLite; nothing to wait for on PostgreSQL). Held
    /// for one statement or one transaction, never while waiting for another turn.
    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.db {
            Db::Sqlite(_) => Some(self.write_turn.lock().await),
            Db::Postgres(_) => None,
        }
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

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn ping(&self) -> StoreResult<()> {
        execute!(self, "SELECT 1").map(|_| ())
    }

    /// The pool's connections now, for the metrics (no query, no wait).
    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle) = on_pool!(self, |p| (p.size(), p.num_idle()));
        let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
        PoolStats {
            in_use: size - idle,
            idle,
        }
    }

    pub async fn close(&self) {
        on_pool!(self, |p| p.close().await)
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

    #[test]
    fn sql_joins_its_parts() {
        const COLUMNS: &str = "id, name";
        const SQL: &str = sql!("SELECT ", COLUMNS, " FROM t WHERE id = $1");
        assert_eq!(SQL, "SELECT id, name FROM t WHERE id = $1");
    }
}
