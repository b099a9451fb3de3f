//! `/metrics`: the counters as they stand plus what is read at scrape time — the pool
//! and, from the trigger-kept counts table (constant cost), the checkouts awaiting a
//! payment request.

use crate::metrics::Scrape;
use crate::state::AppState;

/// The exposition, with the gauges read now. A database that does not answer leaves the
/// awaiting gauges out rather than failing the scrape: the rest is still worth having.
pub async fn render(state: &AppState) -> String {
    let pool = state.store.pool_stats();
    let awaiting = match tokio::time::timeout(
        state.settings.http.ready_timeout(),
        state.store.awaiting_totals(),
    )
    .await
    {
        Ok(Ok(rows)) => rows
            .into_iter()
            // Both currencies have two decimals (`Money` keeps öre and cents).
            .map(|(currency, n, minor)| (currency.code(), n, minor as f64 / 100.0))
            .collect(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "metrics: could not read the awaiting totals");
            Vec::new()
        }
        Err(_) => {
            tracing::warn!("metrics: the awaiting totals took too long");
            Vec::new()
        }
    };
    state.metrics.render(&Scrape {
        pool_in_use: i64::from(pool.in_use),
        pool_idle: i64::from(pool.idle),
        awaiting,
    })
}
