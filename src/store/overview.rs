//! The worklist's overview: awaiting checkouts (ReadyToShip) added up per company,
//! currency and week of days left, in one GROUP BY over the awaiting rows only.

use chrono::{DateTime, Utc};

use super::{Db, Store, StoreResult, db_err};
use crate::domain::{CompanyId, Currency};

/// How many weeks of days left the overview tells apart; the last bucket holds the rest.
pub const WEEK_BUCKETS: usize = 8;

/// One group of awaiting checkouts: company, currency, bucket (0 = expires within 7 days,
/// 1 = within 14, …, `WEEK_BUCKETS - 1` = later), count and sum of amounts.
pub type OverviewRow = (CompanyId, Currency, i64, i64, i64);

// Bucket k holds rows whose `ready_to_ship_at` is before bound k (`$2`..`$8`), so the
// comparisons are on the indexed column itself and the scan is the worklist index's range
// of ReadyToShip rows. CAST: PostgreSQL would type the CASE as a 4-byte integer.
const SELECT: &str = "SELECT company_id, currency, CAST(CASE \
    WHEN ready_to_ship_at < $2 THEN 0 WHEN ready_to_ship_at < $3 THEN 1 \
    WHEN ready_to_ship_at < $4 THEN 2 WHEN ready_to_ship_at < $5 THEN 3 \
    WHEN ready_to_ship_at < $6 THEN 4 WHEN ready_to_ship_at < $7 THEN 5 \
    WHEN ready_to_ship_at < $8 THEN 6 ELSE 7 END AS BIGINT) AS bucket, \
    COUNT(*), CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM checkouts \
    WHERE status = 'ReadyToShip' AND ready_to_ship_at IS NOT NULL";
const GROUPED: &str =
    " GROUP BY company_id, currency, bucket ORDER BY company_id, currency, bucket";

impl Store {
    /// Awaiting checkouts grouped for the overview, of one company or of all (`None`).
    /// `bounds[k]` is the `ready_to_ship_at` before which a row is in bucket `k` or lower.
    pub async fn awaiting_overview(
        &self,
        company: Option<CompanyId>,
        bounds: [DateTime<Utc>; WEEK_BUCKETS - 1],
    ) -> StoreResult<Vec<OverviewRow>> {
        // Two texts so each is planned onto its own index (as the worklist's are).
        const COMPANY: &str = sql!(SELECT, " AND company_id = $1", GROUPED);
        const ALL: &str = sql!(SELECT, " AND $1 IS NULL", GROUPED);
        let sql = if company.is_some() { COMPANY } else { ALL };
        let [b0, b1, b2, b3, b4, b5, b6] = bounds;
        fetch!(self, fetch_all, sql, company, b0, b1, b2, b3, b4, b5, b6)
    }
}
