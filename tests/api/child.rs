//! Waiting for a server the test (or bench) started as a child process. Included by
//! `benches/resources.rs` too, so it depends on nothing of the test helpers.

use std::time::{Duration, Instant};

/// Polls `url` until it answers 2xx; panics after 30 s.
pub async fn wait_until_up(client: &reqwest::Client, url: &str) {
    let started = Instant::now();
    while !client
        .get(url)
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server at {url} did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
