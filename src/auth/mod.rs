//! Who is calling: API tokens, company API keys, passwords.

pub mod api;
pub mod password;

pub use api::{ApiCredentials, authenticate_api};
