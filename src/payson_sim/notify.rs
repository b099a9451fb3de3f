//! Notifications: a POST to `notificationUri` with `checkout={id}` appended, retried with
//! backoff until the merchant answers 200 (Payson keeps trying for a day; we are bounded).

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use uuid::Uuid;

use super::Inner;

pub struct Pending {
    pub url: String,
    pub checkout: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationAttempt {
    pub url: String,
    pub checkout: Uuid,
    pub attempt: u32,
    pub status: Option<u16>,
    pub error: Option<String>,
}

pub(crate) fn schedule(inner: &Arc<Inner>, pending: Vec<Pending>) {
    for p in pending {
        let inner = inner.clone();
        tokio::spawn(async move { deliver(inner, p).await });
    }
}

/// The merchant's own query string is kept; `checkout=` is appended to it.
pub fn notification_url(base: &str, id: Uuid) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}checkout={id}")
}

async fn deliver(inner: Arc<Inner>, p: Pending) {
    let url = notification_url(&p.url, p.checkout);
    let attempts = inner.cfg.notify_max_attempts.max(1);
    for attempt in 1..=attempts {
        let result = inner
            .http
            .post(&url)
            .header("content-length", "0")
            .send()
            .await;
        let (status, error) = match &result {
            Ok(r) => (Some(r.status().as_u16()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        inner.with(|s| {
            s.notifications.push(NotificationAttempt {
                url: url.clone(),
                checkout: p.checkout,
                attempt,
                status,
                error,
            })
        });
        if status == Some(200) {
            return;
        }
        if attempt < attempts {
            tokio::time::sleep(backoff(inner.cfg.notify_base_delay, attempt)).await;
        }
    }
}

/// Doubling delays, capped so a long run of attempts stays within Payson's 24 hours.
fn backoff(base: Duration, attempt: u32) -> Duration {
    base.checked_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
        .unwrap_or(MAX_DELAY)
        .min(MAX_DELAY)
}

const MAX_DELAY: Duration = Duration::from_secs(3600);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let b = Duration::from_millis(500);
        assert_eq!(backoff(b, 1), b);
        assert_eq!(backoff(b, 3), b * 4);
        assert_eq!(backoff(b, 60), MAX_DELAY);
    }

    #[test]
    fn appends_checkout_to_any_query() {
        let id = Uuid::nil();
        assert_eq!(
            notification_url("https://s/n.php", id),
            format!("https://s/n.php?checkout={id}")
        );
        assert_eq!(
            notification_url("https://s/n.php?ref=co2", id),
            format!("https://s/n.php?ref=co2&checkout={id}")
        );
    }
}
