//! Prometheus metrics (product.md §3 "Health and metrics"): requests by route, method and
//! status with their durations, audit events by action and outcome, Payson calls by
//! endpoint and outcome with their durations, reconciliation and notification counters,
//! and, read at scrape time, the database pool and the checkouts awaiting a payment
//! request. Served at `/metrics` only with `metrics_token`.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

/// What prometheus-client's text encoder writes (OpenMetrics, not the 0.0.4 text format).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Label sets: the struct's field names are the label names.
macro_rules! label_sets {
    ($($name:ident { $($(#[$doc:meta])* $label:ident: $ty:ty),+ })+) => {
        $(
            #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
            pub struct $name {
                $($(#[$doc])* pub $label: $ty,)+
            }
        )+
    };
}

label_sets! {
    RequestLabels {
        /// The route pattern (`/checkouts/{id}`), never the raw path: bounded label values.
        route: String,
        method: String,
        status: u16
    }
    RouteLabels { route: String }
    AuditLabels { action: String, outcome: String }
    PaysonLabels { endpoint: &'static str, outcome: &'static str }
    EndpointLabels { endpoint: &'static str }
    ResultLabels { result: &'static str }
    ItemLabels { item: &'static str }
    StateLabels { state: &'static str }
    CurrencyLabels { currency: &'static str }
}

type Durations<L> = Family<L, Histogram, fn() -> Histogram>;

/// What is read fresh for each scrape rather than counted as it happens.
#[derive(Debug, Clone, Default)]
pub struct Scrape {
    pub pool_in_use: i64,
    pub pool_idle: i64,
    /// Checkouts awaiting a payment request: (currency code, count, amount in major units).
    pub awaiting: Vec<(&'static str, i64, f64)>,
}

/// The counted part of a reconciliation run's report.
#[derive(Debug, Clone, Default)]
pub struct ReconcileRun {
    pub claims_settled: usize,
    pub refreshed: usize,
    pub changed: usize,
    pub payson_failures: usize,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub durations: Durations<RouteLabels>,
    pub audit_events: Family<AuditLabels, Counter>,
    payson_calls: Family<PaysonLabels, Counter>,
    payson_durations: Durations<EndpointLabels>,
    reconcile_runs: Family<ResultLabels, Counter>,
    reconcile_items: Family<ItemLabels, Counter>,
    notifications: Family<ResultLabels, Counter>,
    pool: Family<StateLabels, Gauge>,
    awaiting: Family<CurrencyLabels, Gauge>,
    awaiting_amount: Family<CurrencyLabels, Gauge<f64, AtomicU64>>,
    /// One scrape at a time: the scrape-time gauges are cleared and set, then encoded.
    scraping: std::sync::Mutex<()>,
}

fn duration_histogram() -> Histogram {
    // 1 ms … ~33 s: past the 20 s Payson timeout, so a timed-out call lands in a bucket.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut r = Registry::with_prefix("checkout_desk");
        let m = Self {
            requests: Family::default(),
            durations: Family::new_with_constructor(duration_histogram),
            audit_events: Family::default(),
            payson_calls: Family::default(),
            payson_durations: Family::new_with_constructor(duration_histogram),
            reconcile_runs: Family::default(),
            reconcile_items: Family::default(),
            notifications: Family::default(),
            pool: Family::default(),
            awaiting: Family::default(),
            awaiting_amount: Family::default(),
            scraping: std::sync::Mutex::new(()),
            registry: Registry::default(),
        };
        r.register(
            "build",
            "The running version",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        r.register(
            "http_requests",
            "HTTP requests by route pattern, method and status",
            m.requests.clone(),
        );
        r.register(
            "http_request_duration_seconds",
            "Time to answer, by route pattern",
            m.durations.clone(),
        );
        r.register(
            "audit_events",
            "Audited events by action and outcome",
            m.audit_events.clone(),
        );
        r.register(
            "payson_requests",
            "Calls to Payson by endpoint and outcome",
            m.payson_calls.clone(),
        );
        r.register(
            "payson_request_duration_seconds",
            "Time Payson took to answer (or to time out), by endpoint",
            m.payson_durations.clone(),
        );
        r.register(
            "reconcile_runs",
            "Reconciliation runs by result (ok, failed)",
            m.reconcile_runs.clone(),
        );
        r.register(
            "reconcile_items",
            "What reconciliation runs did: claims_settled, refreshed, changed, payson_failures",
            m.reconcile_items.clone(),
        );
        r.register(
            "notifications_received",
            "Payson notifications received, by result",
            m.notifications.clone(),
        );
        r.register(
            "db_pool_connections",
            "Database pool connections by state (in_use, idle), read at scrape time",
            m.pool.clone(),
        );
        r.register(
            "checkouts_awaiting",
            "Checkouts awaiting a payment request (readyToShip), by currency",
            m.awaiting.clone(),
        );
        r.register(
            "checkouts_awaiting_amount",
            "Sum of the amounts of the checkouts awaiting a payment request, by currency",
            m.awaiting_amount.clone(),
        );
        Self { registry: r, ..m }
    }
}

impl Metrics {
    /// One finished Payson call (`outcome` is `ok` or the error's kind).
    pub fn payson_call(&self, endpoint: &'static str, outcome: &'static str, took: Duration) {
        self.payson_calls
            .get_or_create(&PaysonLabels { endpoint, outcome })
            .inc();
        self.payson_durations
            .get_or_create(&EndpointLabels { endpoint })
            .observe(took.as_secs_f64());
    }

    /// One reconciliation run: what it did, or `None` when it failed part-way.
    pub fn reconciled(&self, done: Option<ReconcileRun>) {
        let result = if done.is_some() { "ok" } else { "failed" };
        self.reconcile_runs
            .get_or_create(&ResultLabels { result })
            .inc();
        let Some(d) = done else {
            return;
        };
        for (item, n) in [
            ("claims_settled", d.claims_settled),
            ("refreshed", d.refreshed),
            ("changed", d.changed),
            ("payson_failures", d.payson_failures),
        ] {
            self.reconcile_items
                .get_or_create(&ItemLabels { item })
                .inc_by(n as u64);
        }
    }

    /// One Payson notification, by the result written to the notification log.
    pub fn notification(&self, result: &'static str) {
        self.notifications
            .get_or_create(&ResultLabels { result })
            .inc();
    }

    /// The exposition (OpenMetrics text, see [`CONTENT_TYPE`]) with `now`'s gauges.
    pub fn render(&self, now: &Scrape) -> String {
        let _one = self
            .scraping
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.pool
            .get_or_create(&StateLabels { state: "in_use" })
            .set(now.pool_in_use);
        self.pool
            .get_or_create(&StateLabels { state: "idle" })
            .set(now.pool_idle);
        // A currency with nothing awaiting any more disappears rather than staying stale.
        self.awaiting.clear();
        self.awaiting_amount.clear();
        for &(currency, n, amount) in &now.awaiting {
            let l = CurrencyLabels { currency };
            self.awaiting.get_or_create(&l).set(n);
            self.awaiting_amount.get_or_create(&l).set(amount);
        }
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_family() {
        let m = Metrics::default();
        m.payson_call("update", "timeout", Duration::from_secs(20));
        m.reconciled(Some(ReconcileRun {
            claims_settled: 1,
            refreshed: 2,
            changed: 1,
            payson_failures: 0,
        }));
        m.notification("processed");
        let text = m.render(&Scrape {
            pool_in_use: 1,
            pool_idle: 3,
            awaiting: vec![("SEK", 2, 1598.0)],
        });
        for line in [
            &format!(
                "checkout_desk_build_info{{version=\"{}\"}} 1",
                env!("CARGO_PKG_VERSION")
            ),
            "checkout_desk_payson_requests_total{endpoint=\"update\",outcome=\"timeout\"} 1",
            // 20 s falls in the last finite bucket (~32.8 s), not in +Inf only.
            "checkout_desk_payson_request_duration_seconds_bucket{le=\"32.768\",endpoint=\"update\"} 1",
            "checkout_desk_reconcile_runs_total{result=\"ok\"} 1",
            "checkout_desk_reconcile_items_total{item=\"refreshed\"} 2",
            "checkout_desk_notifications_received_total{result=\"processed\"} 1",
            "checkout_desk_db_pool_connections{state=\"idle\"} 3",
            "checkout_desk_checkouts_awaiting{currency=\"SEK\"} 2",
            "checkout_desk_checkouts_awaiting_amount{currency=\"SEK\"} 1598.0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "OpenMetrics ends with EOF");
        // A later scrape without SEK awaiting drops the series.
        let text = m.render(&Scrape::default());
        assert!(!text.contains("currency=\"SEK\""), "{text}");
    }
}
