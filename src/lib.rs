//! checkout-desk: send Payson Checkout 2.0 payment requests through a BokaMera-compatible
//! API and an admin desk. Both faces call the same service layer.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod payson;
pub mod payson_sim;
pub mod service;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
