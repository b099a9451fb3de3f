//! The one integration-test binary (one link step instead of one per file).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]
