//! Fault injection: per endpoint, for the next N requests.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SimEndpoint {
    Accounts,
    Create,
    Get,
    Update,
    List,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum FaultKind {
    /// Answer normally after a delay.
    Latency { ms: u64 },
    /// Answer with this status and body; nothing is applied.
    Status { code: u16, body: String },
    /// Hold the request far longer than any client waits.
    Timeout,
    /// Close the connection without a (complete) answer.
    Drop,
    /// 200 with a body that is not JSON.
    Malformed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub endpoint: SimEndpoint,
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub count: u32,
    /// Apply the request (e.g. ship) first, then misbehave: "Payson did it, the answer got lost".
    #[serde(default)]
    pub apply_first: bool,
    /// Apply the request this long after it arrived, whatever was answered meanwhile: with
    /// `Status` "applied after answering", with `Timeout` "applied after the client gave
    /// up". Payson's late apply, which re-reading right away cannot see.
    #[serde(default)]
    pub apply_after_ms: Option<u64>,
}

fn one() -> u32 {
    1
}
