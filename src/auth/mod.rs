//! Who is calling: API tokens, company API keys, passwords.

pub mod api;
pub mod oidc;
pub mod password;
pub mod session_store;
pub mod throttle;

pub use api::ApiCredentials;
