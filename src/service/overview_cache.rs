//! The worklist's overview, reused briefly: adding up every awaiting checkout on every
//! awaiting page would cost a superadmin a scan of half a million rows at a million
//! checkouts. A cached overview is shown only while the awaiting counts it was computed
//! with (the trigger-kept `checkout_counts`, read fresh on every page) are unchanged and it
//! is younger than `FRESH` on the application's clock, so a send, a refresh or a new
//! checkout on any instance sharing the database shows at the next page; only a change
//! that keeps every count and sum (a `ready_to_ship_at` re-read) waits up to `FRESH`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::domain::{CheckoutFilter, CheckoutStatus, CompanyId, Currency, FilterTotals, Principal};
use crate::error::AppError;
use crate::state::AppState;

use super::overview::{Overview, overview, scope};

/// How long a cached overview may be shown (its week buckets move with the clock).
const FRESH: Duration = Duration::seconds(2);

type Counts = Vec<(Currency, i64, i64)>;

struct Entry {
    computed_at: DateTime<Utc>,
    counts: Counts,
    overview: Arc<Overview>,
}

/// Per scope (a company, or `None` for every company): the last overview computed.
#[derive(Default)]
pub struct OverviewCache {
    entries: Mutex<HashMap<Option<CompanyId>, Entry>>,
    /// One computation at a time, so a burst of pages after a change computes it once.
    computing: tokio::sync::Mutex<()>,
}

impl OverviewCache {
    fn fresh(
        &self,
        scope: Option<CompanyId>,
        counts: &Counts,
        now: DateTime<Utc>,
    ) -> Option<Arc<Overview>> {
        let entries = self.entries.lock().ok()?;
        let e = entries.get(&scope)?;
        let age = now - e.computed_at;
        (e.counts == *counts && age >= Duration::zero() && age < FRESH).then(|| e.overview.clone())
    }

    fn keep(&self, scope: Option<CompanyId>, entry: Entry) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(scope, entry);
        }
    }
}

/// The overview above the awaiting worklist. `page` and `totals` are the page's filter and
/// totals: when the page is the principal's whole awaiting list, its totals are the counts
/// the cached overview is checked against, so no statement is added for the check.
pub async fn overview_for_page(
    state: &AppState,
    principal: &Principal,
    page: &CheckoutFilter,
    totals: &FilterTotals,
) -> Result<Arc<Overview>, AppError> {
    let company = scope(principal)?;
    let whole_list = page.is_awaiting()
        && page.text.is_none()
        && page.from.is_none()
        && page.to.is_none()
        && (company.is_some() || page.company.is_none());
    let counts = match totals {
        FilterTotals::Exact(counts) if whole_list => counts.clone(),
        _ => awaiting_counts(state, company).await?,
    };
    let cache = &state.overview_cache;
    if let Some(o) = cache.fresh(company, &counts, state.clock.now()) {
        return Ok(o);
    }
    let _one = cache.computing.lock().await;
    // Another page may have computed it while this one waited.
    let counts = awaiting_counts(state, company).await?;
    let now = state.clock.now();
    if let Some(o) = cache.fresh(company, &counts, now) {
        return Ok(o);
    }
    let o = Arc::new(overview(state, principal).await?);
    let entry = Entry {
        computed_at: now,
        counts,
        overview: o.clone(),
    };
    cache.keep(company, entry);
    Ok(o)
}

/// The awaiting counts of a scope, from the counts table (one cheap statement).
async fn awaiting_counts(state: &AppState, company: Option<CompanyId>) -> Result<Counts, AppError> {
    let f = CheckoutFilter {
        company,
        status: Some(CheckoutStatus::ReadyToShip),
        ..CheckoutFilter::default()
    };
    Ok(state.store.checkout_totals(&f).await?)
}
