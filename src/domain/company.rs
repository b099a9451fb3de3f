use chrono::{DateTime, Utc};

use super::{CompanyId, TimeZone};

/// One booking supplier with its own Payson merchant account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub payson_agent_id: String,
    /// The Payson API key, encrypted with the configured secret key (see `crypto`).
    /// Never logged, never rendered back.
    pub payson_api_key_encrypted: String,
    /// Payson API base URL, e.g. `https://api.payson.se/2.0/`.
    pub payson_base_url: String,
    pub created_at: DateTime<Utc>,
    /// Where the desk shows this company's times.
    pub time_zone: TimeZone,
}
