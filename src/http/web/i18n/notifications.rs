//! The Payson notification log's words for a notification's result (the other words
//! are in `catalogue/notifications.toml`).

use crate::domain::NotificationResult;

impl super::Tr {
    /// A notification's result as the log shows it.
    pub fn notification_result(&self, r: NotificationResult) -> &'static str {
        match r {
            NotificationResult::Processed => self.result_processed(),
            NotificationResult::UnknownCheckout => self.result_unknown_checkout(),
            NotificationResult::Failed => self.result_failed(),
            NotificationResult::Invalid => self.result_invalid(),
        }
    }
}
