//! checkout-desk: send Payson Checkout 2.0 payment requests through a BokaMera-compatible
//! API and an admin desk. Both faces call the same service layer.

pub mod domain;
pub mod store;
