//! Use cases. The API handlers, the admin pages and the CLI all call these functions;
//! access rules are enforced here, not in the faces.

pub mod admin;
pub mod audit;
pub mod checkouts;
pub mod company_names;
pub mod payment_request;
pub mod sso;

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: String,
    pub remote_addr: String,
}

impl RequestMeta {
    /// For work that is not an HTTP request (CLI, demo seeding, background tasks).
    pub fn internal(what: &str) -> Self {
        Self {
            request_id: format!("{what}-{}", uuid::Uuid::new_v4().simple()),
            remote_addr: "local".into(),
        }
    }
}
