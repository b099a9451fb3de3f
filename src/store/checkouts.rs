//! Checkouts (our copies of Payson's), the worklist's pages and its per-currency totals.

use chrono::{DateTime, Utc};

use super::{Db, Store, StoreResult, db_err};
use crate::domain::{
    Checkout, CheckoutFilter, CheckoutId, CheckoutStatus, CompanyId, Currency, FilterTotals, Money,
};

/// Every column a `Checkout` is read from; `search_text` is written, never read.
const COLUMNS: &str = "id, company_id, status, payson_status, amount_minor, currency, payment_method, customer_name, customer_email, reference, snippet, purchase_id, history_json, ready_to_ship_at, created_at, updated_at, refreshed_at";

const SELECT_COLUMNS: &str = sql!("SELECT ", COLUMNS);

/// Every column of the table; each query adds its own conditions.
const SELECT: &str = sql!(SELECT_COLUMNS, " FROM checkouts");

from_row!(json Checkout, |row| Ok(Checkout {
    id: row.try_get("id")?,
    company_id: row.try_get("company_id")?,
    status: row.try_get("status")?,
    payson_status: row.try_get("payson_status")?,
    amount: Money::from_minor(row.try_get("amount_minor")?, row.try_get("currency")?),
    payment_method: row.try_get("payment_method")?,
    customer_name: row.try_get("customer_name")?,
    customer_email: row.try_get("customer_email")?,
    reference: row.try_get("reference")?,
    snippet: row.try_get("snippet")?,
    purchase_id: row.try_get("purchase_id")?,
    history_json: row.try_get("history_json")?,
    ready_to_ship_at: row.try_get("ready_to_ship_at")?,
    created_at: row.try_get("created_at")?,
    updated_at: row.try_get("updated_at")?,
    refreshed_at: row.try_get("refreshed_at")?,
}));

// Pieces of the list and totals statements. The company-scoped and the global forms are
// separate texts so each is planned onto its own index (an `$1 IS NULL OR company_id = $1`
// would hide the company index); `$1` is bound either way.
const OF_COMPANY: &str = " AND company_id = $1";
const OF_ALL: &str = " AND $1 IS NULL";
const TEXT_MATCHES: &str = " AND ($2 IS NULL OR search_text LIKE $2 ESCAPE '\\')";

/// (currency, count, sum of amounts) of the checkouts a filter matches.
type Totals = Vec<(Currency, i64, i64)>;

/// Most rows a search may have in the search index for a statement to read only those
/// (SQLite); a search matching more walks the list's index instead.
const SEARCH_CANDIDATES: i64 = 2000;

/// The twelve texts of one statement over the list, `[awaiting][one company][source]`:
/// the awaiting list or any other status, one company or all, and where its rows come
/// from (`Source`). Picked by `Store::form`.
type Forms = [[[&'static str; 3]; 2]; 2];

/// Where a statement's rows come from: the table (through the list's own indexes), the
/// few rows the search index found (SQLite), or every match of the search index as it
/// comes (SQLite; only for statements that need not keep the list's order).
#[derive(Clone, Copy)]
enum Source {
    Table = 0,
    Hits = 1,
    Matches = 2,
}

/// A statement's `Forms`: `$head`, where its rows come from, the status condition
/// (`[others]` or `[awaiting]`, each with its end and the `$N` of the search, its first
/// unused), the scope, the text match and the end. The search is the index's (SQLite's
/// FTS5 trigram table `checkouts_search`, whose rowids are the table's): its hits bound
/// as a JSON array of rowids, so the index is asked once, or its query itself; either
/// way a cross join reads the index's rows first, whatever the planner guesses, and each
/// is still checked by `TEXT_MATCHES`.
macro_rules! forms {
    ($head:expr, [$($others:tt)*], [$($awaiting:tt)*]) => {
        [forms!(@status $head, $($others)*), forms!(@status $head, $($awaiting)*)]
    };
    (@status $head:expr, $status:expr, $end:expr, $search:literal) => {
        [
            forms!(@scope $head, $status, OF_ALL, $end, $search),
            forms!(@scope $head, $status, OF_COMPANY, $end, $search),
        ]
    };
    (@scope $head:expr, $status:expr, $scope:expr, $end:expr, $search:literal) => {
        [
            sql!($head, " FROM checkouts", $status, $scope, TEXT_MATCHES, $end),
            forms!(@indexed $head, $status, $scope, $end,
                concat!("SELECT value AS hit FROM json_each($", $search, ")")),
            forms!(@indexed $head, $status, $scope, $end,
                concat!("SELECT rowid AS hit FROM checkouts_search WHERE checkouts_search MATCH $", $search)),
        ]
    };
    (@indexed $head:expr, $status:expr, $scope:expr, $end:expr, $hits:expr) => {
        sql!(
            $head,
            " FROM (",
            $hits,
            ") AS hits CROSS JOIN checkouts ON checkouts.rowid = hits.hit",
            $status,
            $scope,
            TEXT_MATCHES,
            $end
        )
    };
}

/// `$q` with the binds of a statement over the list for the filter `$f`: `$1` its
/// company, `$2` its text's pattern, then `$binds`, then its status (`[others]` texts
/// only: the awaiting ones name theirs) and, last, the search (hits or query) when the
/// text reads one.
macro_rules! bind_matching {
    ($q:expr, $f:expr, $pattern:expr, $search:expr, $($bind:expr),+) => {{
        let mut q = $q.bind($f.company).bind($pattern.clone())$(.bind($bind))+;
        if !$f.is_awaiting() {
            q = q.bind($f.status);
        }
        if let Some(m) = &$search {
            q = q.bind(m.clone());
        }
        q
    }};
}

/// Fetches the rows of `$forms`' text for the filter `$m` (binds as `bind_matching!`).
/// `$ordered`: whether the statement keeps the list's order (then it never reads the
/// index's matches as they come). With `json $json_forms`, SQLite runs those texts
/// instead, which answer the same rows as one JSON array (`json_row.rs`).
macro_rules! fetch_matching {
    ($self:expr, $forms:expr, $ordered:expr, $m:expr, $($bind:expr),+ $(,)?) => {{
        let m: &Matching = $m;
        let f = &m.filter;
        let (sql, search) = $self.form(&$forms, m, $ordered).await?;
        let pattern = f.text.as_deref().map(like_pattern);
        on_pool!($self, |p| {
            bind_matching!(sqlx::query_as(sql), f, pattern, search, $($bind),+)
                .fetch_all(p)
                .await
                .map_err(db_err)
        })
    }};
    (json $json_forms:expr, $self:expr, $forms:expr, $ordered:expr, $m:expr, $($bind:expr),+ $(,)?) => {{
        let m: &Matching = $m;
        let f = &m.filter;
        let sqlite = matches!($self.db, Db::Sqlite(_));
        let (sql, search) = $self
            .form(if sqlite { &$json_forms } else { &$forms }, m, $ordered)
            .await?;
        let pattern = f.text.as_deref().map(like_pattern);
        match &$self.db {
            Db::Sqlite(p) => {
                let rows: String = bind_matching!(sqlx::query_scalar(sql), f, pattern, search, $($bind),+)
                    .fetch_one(p)
                    .await
                    .map_err(db_err)?;
                super::json_row::decode_rows(&rows, COLUMNS).map_err(db_err)
            }
            Db::Postgres(p) => bind_matching!(sqlx::query_as(sql), f, pattern, search, $($bind),+)
                .fetch_all(p)
                .await
                .map_err(db_err),
        }
    }};
}

/// A filter of the list with its text search looked up in the index at most once, however
/// many statements read it: a page's rows and its totals, or every page of a CSV.
pub struct Matching {
    filter: CheckoutFilter,
    /// `search_hits`' answer, asked by the first statement that needs it.
    search: tokio::sync::OnceCell<Option<Result<String, String>>>,
}

impl From<CheckoutFilter> for Matching {
    fn from(filter: CheckoutFilter) -> Self {
        Self {
            filter,
            search: tokio::sync::OnceCell::new(),
        }
    }
}

impl Matching {
    pub fn filter(&self) -> &CheckoutFilter {
        &self.filter
    }

    /// The same text in any status (or another one): the index's answer does not depend
    /// on the status, so one already asked is kept.
    pub fn in_status(&self, status: Option<CheckoutStatus>) -> Matching {
        Self {
            filter: CheckoutFilter {
                status,
                ..self.filter.clone()
            },
            search: self.search.clone(),
        }
    }
}

/// The bound an absent `from` stands for: before any checkout (and, as SQLite's text,
/// before any stored time).
fn far_past() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(-62_135_596_800, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The bound an absent `to` stands for: 9999-12-31, after any checkout.
fn far_future() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The part of a search the trigram index is asked for. Customers' e-mail addresses share
/// a few domains, whose trigrams (`gma`, `com`, …) are in most rows and make the index's
/// phrase query read most of its doclists; an address's local part (with its `@`) tells
/// customers apart. Every row containing the whole text contains this part, so no match is
/// lost: the statements still check each candidate against the whole text.
fn index_phrase(text: &str) -> &str {
    match text.find('@') {
        Some(at) if text[..at].chars().count() >= 3 => &text[..=at],
        _ => text,
    }
}

/// What text search matches, lower-cased here (Unicode) rather than by the database.
pub(super) fn search_text(
    name: &str,
    email: &str,
    reference: &str,
    id: impl std::fmt::Display,
) -> String {
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

/// Inserts a checkout or replaces every field of the row with its id; bound by
/// `bind_checkout!` (also inside the claims' settling transaction).
pub(super) const UPSERT: &str = sql!(
    "INSERT INTO checkouts (",
    COLUMNS,
    ", search_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
    ON CONFLICT (id) DO UPDATE SET company_id = excluded.company_id, status = excluded.status, payson_status = excluded.payson_status, \
    amount_minor = excluded.amount_minor, currency = excluded.currency, payment_method = excluded.payment_method, \
    customer_name = excluded.customer_name, customer_email = excluded.customer_email, reference = excluded.reference, \
    snippet = excluded.snippet, purchase_id = excluded.purchase_id, history_json = excluded.history_json, \
    ready_to_ship_at = excluded.ready_to_ship_at, created_at = excluded.created_at, updated_at = excluded.updated_at, \
    refreshed_at = excluded.refreshed_at, search_text = excluded.search_text"
);

/// Binds a `Checkout` to `UPSERT`, in its column order.
macro_rules! bind_checkout {
    ($query:expr, $c:expr) => {{
        let c: &Checkout = $c;
        $query
            .bind(c.id)
            .bind(c.company_id)
            .bind(c.status)
            .bind(c.payson_status.clone())
            .bind(c.amount.minor())
            .bind(c.amount.currency())
            .bind(c.payment_method)
            .bind(c.customer_name.clone())
            .bind(c.customer_email.clone())
            .bind(c.reference.clone())
            .bind(c.snippet.clone())
            .bind(c.purchase_id)
            .bind(c.history_json.clone())
            .bind(c.ready_to_ship_at)
            .bind(c.created_at)
            .bind(c.updated_at)
            .bind(c.refreshed_at)
            .bind($crate::store::checkouts::search_text(
                &c.customer_name,
                &c.customer_email,
                &c.reference,
                c.id,
            ))
    }};
}
pub(super) use bind_checkout;

impl Store {
    /// Rows written before `search_text` existed get it now, in batches (once).
    pub(super) async fn fill_search_text(&self) -> StoreResult<()> {
        const PENDING: &str = "SELECT id, customer_name, customer_email, reference FROM checkouts WHERE search_text = '' LIMIT 1000";
        const FILL: &str = "UPDATE checkouts SET search_text = $2 WHERE id = $1";
        loop {
            // The id as stored: the update must find the row whatever form its id has.
            let rows: Vec<(String, String, String, String)> = fetch!(self, fetch_all, PENDING)?;
            if rows.is_empty() {
                return Ok(());
            }
            for (id, name, email, reference) in rows {
                let text = search_text(&name, &email, &reference, &id);
                execute!(self, FILL, &id, text)?;
            }
        }
    }

    /// Inserts the checkout or replaces every field of the existing row with the same id.
    pub async fn upsert_checkout(&self, c: &Checkout) -> StoreResult<()> {
        let _turn = self.write_turn().await;
        on_pool!(self, |p| bind_checkout!(sqlx::query(UPSERT), c)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(db_err))
    }

    /// Checkouts reconciliation should re-read: in a status Payson may still change, not
    /// read since `stale_before`; and readyToShip ones at or past their expiry
    /// (`ready_to_ship_at` before `expired_before`) not read since `recheck_before`. Never
    /// one with an open send claim: that is settled from its claim. Least recently read first.
    pub async fn checkouts_to_refresh(
        &self,
        stale_before: DateTime<Utc>,
        expired_before: DateTime<Utc>,
        recheck_before: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Checkout>> {
        const SQL: &str = sql!(
            SELECT,
            " WHERE status IN ('None', 'Created', 'FormsFilled', 'ReadyToPay', 'ProcessingPayment', 'ReadyToShip') \
            AND (refreshed_at < $1 OR (status = 'ReadyToShip' AND ready_to_ship_at < $2 AND refreshed_at < $3)) \
            AND NOT EXISTS (SELECT 1 FROM send_claims s WHERE s.checkout_id = checkouts.id AND s.state IN ('in_flight', 'unknown')) \
            ORDER BY refreshed_at LIMIT $4"
        );
        fetch!(
            self,
            fetch_all,
            SQL,
            stale_before,
            expired_before,
            recheck_before,
            limit
        )
    }

    /// `company`'s ReadyToShip checkouts that became so after `after` and before `before`
    /// (the daily digest's "expiring soon"), soonest-expiring first, at most `limit`.
    pub async fn expiring_checkouts(
        &self,
        company: CompanyId,
        after: DateTime<Utc>,
        before: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Checkout>> {
        const SQL: &str = sql!(
            SELECT,
            " WHERE company_id = $1 AND status = 'ReadyToShip' AND ready_to_ship_at > $2 \
            AND ready_to_ship_at < $3 ORDER BY ready_to_ship_at, id LIMIT $4"
        );
        fetch!(self, fetch_all, SQL, company, after, before, limit)
    }

    pub async fn checkout(&self, id: CheckoutId) -> StoreResult<Option<Checkout>> {
        const SQL: &str = sql!(SELECT, " WHERE id = $1");
        fetch!(self, fetch_optional, SQL, id)
    }

    pub async fn count_checkouts(&self) -> StoreResult<i64> {
        let (n,): (i64,) = fetch!(self, fetch_one, "SELECT COUNT(*) FROM checkouts")?;
        Ok(n)
    }

    /// One page of checkouts matching `f`. Awaiting ones (ReadyToShip) come soonest-expiring
    /// first with the cursor `(ready_to_ship_at, id)`; any other status newest first with
    /// the cursor `(created_at, id)`.
    pub async fn list_checkouts(
        &self,
        m: &Matching,
        after: Option<(DateTime<Utc>, CheckoutId)>,
        limit: i64,
    ) -> StoreResult<Vec<Checkout>> {
        let f = &m.filter;
        // Every bound is a value (an absent one the far past or future) and the page starts
        // at one row value, the later of `from` and the cursor (the earlier of `to` and the
        // cursor, newest first), so each text is one index range on both backends: SQLite
        // plans `$n IS NULL OR …` without the values and would walk the list from its start.
        // (`$3 IS NOT NULL` and `$4 IS NOT NULL` only name the bound the start stands for.)
        const AWAITING: &str = " WHERE status = 'ReadyToShip' AND ready_to_ship_at IS NOT NULL \
            AND ready_to_ship_at < $4 AND (ready_to_ship_at, id) > ($5, $6) AND $3 IS NOT NULL";
        const AWAITING_PAGE: &str = " ORDER BY ready_to_ship_at, id LIMIT $7";
        const OTHERS: &str = " WHERE ($8 IS NULL OR status = $8) \
            AND created_at >= $3 AND (created_at, id) < ($5, $6) AND $4 IS NOT NULL";
        const OTHERS_PAGE: &str = " ORDER BY created_at DESC, id DESC LIMIT $7";
        const FORMS: Forms = forms!(
            SELECT_COLUMNS,
            [OTHERS, OTHERS_PAGE, 9],
            [AWAITING, AWAITING_PAGE, 8]
        );
        // SQLite: the same rows, aggregated in the same order into one JSON array.
        const AS_JSON: &str = "SELECT coalesce(json_group_array(json_array(";
        const JSON_FORMS: Forms = [
            forms!(@status
                sql!(AS_JSON, COLUMNS, ") ORDER BY created_at DESC, id DESC), '[]') FROM (", SELECT_COLUMNS),
                OTHERS, sql!(OTHERS_PAGE, ")"), 9),
            forms!(@status
                sql!(AS_JSON, COLUMNS, ") ORDER BY ready_to_ship_at, id), '[]') FROM (", SELECT_COLUMNS),
                AWAITING, sql!(AWAITING_PAGE, ")"), 8),
        ];
        let awaiting = f.is_awaiting();
        let from = f.from.unwrap_or(far_past());
        let to = f.to.unwrap_or(far_future());
        // Where the page starts: `(t, "")` is before every row at `t` (ids are never empty),
        // so `> (from, "")` is `>= from` and `< (to, "")` is `< to`.
        let start = if awaiting {
            let bound = (from, String::new());
            match after {
                Some((t, id)) => bound.max((t, id.to_string())),
                None => bound,
            }
        } else {
            let bound = (to, String::new());
            match after {
                Some((t, id)) => bound.min((t, id.to_string())),
                None => bound,
            }
        };
        fetch_matching!(
            json JSON_FORMS,
            self,
            FORMS,
            true,
            m,
            from,
            to,
            start.0,
            start.1.clone(),
            limit
        )
    }

    /// The text of `forms` for `f`, with the search it reads (see `search_hits`). A search
    /// with more candidates than `SEARCH_CANDIDATES` is read from the index's matches as
    /// they come only by a statement that needs no order and covers every company
    /// (counting "svensson" read 20,000 rows of the list's index for 1,001 matches, the
    /// index's matches about 2,000); one company's own index reads at most its rows.
    async fn form(
        &self,
        forms: &Forms,
        m: &Matching,
        ordered: bool,
    ) -> StoreResult<(&'static str, Option<String>)> {
        let f = &m.filter;
        let search = m
            .search
            .get_or_try_init(|| self.search_hits(f.text.as_deref()))
            .await?;
        let (source, search) = match search {
            None => (Source::Table, None),
            Some(Ok(hits)) => (Source::Hits, Some(hits.clone())),
            Some(Err(query)) if !ordered && f.company.is_none() => {
                (Source::Matches, Some(query.clone()))
            }
            Some(Err(_)) => (Source::Table, None),
        };
        let by_status = &forms[usize::from(f.is_awaiting())];
        Ok((
            by_status[usize::from(f.company.is_some())][source as usize],
            search,
        ))
    }

    /// SQLite: the rowids (a JSON array, `Ok`) the search index finds for `text` when
    /// there are at most `SEARCH_CANDIDATES` (then the statement reads only those rows),
    /// else the index's query (`Err`) for `Source::Matches`; `None` for PostgreSQL (its
    /// trigram index serves the LIKE itself) or a text shorter than a trigram. A list
    /// never reads more candidates than that: walking its own index in order finds a page
    /// of matches early.
    async fn search_hits(&self, text: Option<&str>) -> StoreResult<Option<Result<String, String>>> {
        // One row back, the rowids already as the JSON array the list binds: thousands of
        // candidates would otherwise cross from SQLite's worker thread one row at a time.
        const CANDIDATES: &str = "SELECT count(*), coalesce(json_group_array(rowid), '[]') FROM \
             (SELECT rowid FROM checkouts_search WHERE checkouts_search MATCH $1 LIMIT $2)";
        let Db::Sqlite(pool) = &self.db else {
            return Ok(None);
        };
        let Some(text) = text.map(|t| t.trim().to_lowercase()) else {
            return Ok(None);
        };
        if text.chars().count() < 3 {
            return Ok(None);
        }
        // One phrase: the trigram tokenizer makes it a substring match.
        let query = format!("\"{}\"", index_phrase(&text).replace('"', "\"\""));
        let (found, ids): (i64, String) = sqlx::query_as(CANDIDATES)
            .bind(&query)
            .bind(SEARCH_CANDIDATES + 1)
            .fetch_one(pool)
            .await
            .map_err(db_err)?;
        if found > SEARCH_CANDIDATES {
            return Ok(Some(Err(query)));
        }
        Ok(Some(Ok(ids)))
    }

    /// Like `checkout_totals`, but counting at most `bound` + 1 matches of a filtered view:
    /// more than `bound` is answered as just that, so a page's totals cost the same however
    /// many rows match. Unfiltered views are exact from the counts table.
    pub async fn checkout_totals_bounded(
        &self,
        m: &Matching,
        bound: i64,
    ) -> StoreResult<FilterTotals> {
        let f = &m.filter;
        const SUMS: &str = "SELECT currency, COUNT(*), CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM (SELECT currency, amount_minor";
        const AWAITING: &str =
            " WHERE status = 'ReadyToShip' AND ready_to_ship_at >= $3 AND ready_to_ship_at < $4";
        const OTHERS: &str =
            " WHERE ($6 IS NULL OR status = $6) AND created_at >= $3 AND created_at < $4";
        const END: &str = " LIMIT $5) AS m GROUP BY currency ORDER BY currency";
        const FORMS: Forms = forms!(SUMS, [OTHERS, END, 7], [AWAITING, END, 6]);
        if f.text.is_none() && f.from.is_none() && f.to.is_none() {
            return Ok(FilterTotals::Exact(
                self.checkout_counts(f.company, f.status).await?,
            ));
        }
        let rows: Totals = fetch_matching!(
            self,
            FORMS,
            false,
            m,
            f.from.unwrap_or(far_past()),
            f.to.unwrap_or(far_future()),
            bound.saturating_add(1),
        )?;
        let counted: i64 = rows.iter().map(|(_, n, _)| n).sum();
        Ok(if counted > bound {
            FilterTotals::MoreThan(bound)
        } else {
            FilterTotals::Exact(rows)
        })
    }

    /// Count and sum per currency of everything `f` matches (all pages).
    pub async fn checkout_totals(&self, f: &CheckoutFilter) -> StoreResult<Totals> {
        const SUMS: &str = "SELECT currency, COUNT(*), CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM checkouts \
            WHERE ($5 IS NULL OR status = $5)";
        // `$6`: dated by `ready_to_ship_at` (the awaiting list) or by `created_at`.
        const DATED: &str = " AND ($3 IS NULL OR (CASE WHEN $6 THEN ready_to_ship_at ELSE created_at END) >= $3) \
            AND ($4 IS NULL OR (CASE WHEN $6 THEN ready_to_ship_at ELSE created_at END) < $4) \
            GROUP BY currency ORDER BY currency";
        const COMPANY: &str = sql!(SUMS, OF_COMPANY, TEXT_MATCHES, DATED);
        const ALL: &str = sql!(SUMS, OF_ALL, TEXT_MATCHES, DATED);
        if f.text.is_none() && f.from.is_none() && f.to.is_none() {
            return self.checkout_counts(f.company, f.status).await;
        }
        let sql = if f.company.is_some() { COMPANY } else { ALL };
        fetch!(
            self,
            fetch_all,
            sql,
            f.company,
            f.text.as_deref().map(like_pattern),
            f.from,
            f.to,
            f.status,
            f.is_awaiting(),
        )
    }

    /// Count and sum per currency of every company's checkouts awaiting a payment request
    /// (readyToShip), from the counts table: cheap enough for every metrics scrape.
    pub async fn awaiting_totals(&self) -> StoreResult<Totals> {
        self.checkout_counts(None, Some(CheckoutStatus::ReadyToShip))
            .await
    }

    /// Totals of an unfiltered view from the trigger-kept `checkout_counts` (constant cost
    /// however many checkouts there are).
    async fn checkout_counts(
        &self,
        company: Option<CompanyId>,
        status: Option<CheckoutStatus>,
    ) -> StoreResult<Totals> {
        // Two texts so the company case is planned onto the primary key.
        const COUNTS: &str = "SELECT currency, CAST(SUM(n) AS BIGINT), CAST(SUM(sum_minor) AS BIGINT) FROM checkout_counts WHERE ";
        const BY_STATUS: &str = " AND ($2 IS NULL OR status = $2) GROUP BY currency HAVING SUM(n) > 0 ORDER BY currency";
        const COMPANY: &str = sql!(COUNTS, "company_id = $1", BY_STATUS);
        const ALL: &str = sql!(COUNTS, "$1 IS NULL", BY_STATUS);
        let sql = if company.is_some() { COMPANY } else { ALL };
        fetch!(self, fetch_all, sql, company, status)
    }
}
