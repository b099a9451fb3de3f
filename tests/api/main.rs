//! The one integration-test binary (one link step instead of one per file).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

pub mod helpers;

mod api_keys;
mod bad_input;
mod bad_load;
mod bad_requests;
mod browser;
mod child;
mod cli;
mod concurrency;
mod config_file;
mod convergence;
mod digest;
mod errors;
mod i18n;
mod logs;
mod messages;
mod metrics;
mod notification_log;
mod notifications;
mod oidc;
mod payson_client;
mod payson_faults;
mod payson_sim;
mod perf;
mod proxies;
mod reconcile;
mod resources;
mod routes;
mod send_payment_request;
mod service_rules;
mod servicestack_clients;
mod servicestack_metadata;
mod servicestack_wire;
mod shutdown;
mod store_suite;
mod strict_binding;
mod web_admin;
mod web_audit;
mod web_bulk;
mod web_checkout;
mod web_confirm;
mod web_flow;
mod web_layout;
mod web_signin;
mod web_words;
