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
    /// One computation at a time per scope, so a burst of pages after a change computes
    /// it once, and a company's page never waits behind every company's overview.
    computing: Mutex<HashMap<Option<CompanyId>, Arc<tokio::sync::Mutex<()>>>>,
}

impl OverviewCache {
    /// The cached overview of `scope`, if it may be shown: computed with these `counts`,
    /// and younger than `FRESH` — or of any age while another page is computing the next
    /// one (`busy`): nothing it counts has changed, only its week buckets may have moved
    /// with the clock, and waiting for a whole computation (over a second for every
    /// company at a million checkouts) would stall every page behind it.
    fn fresh(
        &self,
        scope: Option<CompanyId>,
        counts: &Counts,
        now: DateTime<Utc>,
        busy: bool,
    ) -> Option<Arc<Overview>> {
        let entries = self.entries.lock().ok()?;
        let e = entries.get(&scope)?;
        let age = now - e.computed_at;
        (e.counts == *counts && (busy || (age >= Duration::zero() && age < FRESH)))
            .then(|| e.overview.clone())
    }

    fn turn(&self, scope: Option<CompanyId>) -> Arc<tokio::sync::Mutex<()>> {
        let mut turns = self
            .computing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        turns.entry(scope).or_default().clone()
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
    if let Some(o) = cache.fresh(company, &counts, state.clock.now(), false) {
        return Ok(o);
    }
    let turn = cache.turn(company);
    let (_one, counts) = match turn.try_lock() {
        Ok(one) => (one, counts),
        Err(_) => {
            if let Some(o) = cache.fresh(company, &counts, state.clock.now(), true) {
                return Ok(o);
            }
            let one = turn.lock().await;
            // Another page computed it while this one waited, perhaps with newer counts.
            (one, awaiting_counts(state, company).await?)
        }
    };
    let now = state.clock.now();
    if let Some(o) = cache.fresh(company, &counts, now, false) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_old_overview_is_shown_only_while_another_is_computed_and_never_after_a_change() {
        let cache = OverviewCache::default();
        let t0 = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let counts: Counts = vec![(Currency::Sek, 3, 300)];
        let o = Arc::new(Overview::default());
        cache.keep(
            None,
            Entry {
                computed_at: t0,
                counts: counts.clone(),
                overview: o.clone(),
            },
        );
        let young = t0 + Duration::seconds(1);
        let old = t0 + Duration::seconds(30);
        assert!(cache.fresh(None, &counts, young, false).is_some());
        assert!(cache.fresh(None, &counts, old, false).is_none());
        let shown = cache.fresh(None, &counts, old, true).unwrap();
        assert!(Arc::ptr_eq(&shown, &o));
        let changed: Counts = vec![(Currency::Sek, 4, 400)];
        assert!(cache.fresh(None, &changed, young, false).is_none());
        assert!(cache.fresh(None, &changed, old, true).is_none());
        // Another scope has nothing cached.
        assert!(
            cache
                .fresh(Some(CompanyId::new_random()), &counts, young, true)
                .is_none()
        );
    }
}
