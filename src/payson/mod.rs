//! Payson Checkout 2.0 REST client (payson-api.md): Basic auth, camelCase JSON, the
//! checkout kept as raw JSON so a GET → change → PUT round trip loses nothing.

mod client;
mod error;
mod model;

pub use client::{CallObserver, PaysonClient, PaysonClientConfig, PaysonCredentials};
pub use error::{PaysonError, PaysonFieldError};
pub use model::{PaysonAccount, PaysonCheckout, PaysonCheckoutPage, parse_time};
