//! The Payson notification log: its page and the section on a checkout's page.

use crate::domain::NotificationResult;

messages! {
    NOTIFICATIONS;
    payson_notifications { en: "Payson notifications", sv: "Aviseringar från Payson" }
    /// The navigation's link.
    notifications { en: "Notifications", sv: "Aviseringar" }
    notifications_explained {
        en: "Every notification Payson sent: what the re-read of Payson found and what became of it. Failed ones are retried.",
        sv: "Varje avisering som Payson skickat: vad omläsningen hos Payson visade och vad som blev av den. Misslyckade försöks igen.",
    }
    source_address { en: "Source address", sv: "Avsändaradress" }
    found_at_payson { en: "Found at Payson", sv: "Hittat hos Payson" }
    time_taken_ms { en: "Time taken (ms)", sv: "Tidsåtgång (ms)" }
    older_notifications { en: "Older notifications", sv: "Äldre aviseringar" }
    /// A row answered from a re-read another notification started.
    shared_read { en: "answered from a shared re-read", sv: "besvarad från en delad omläsning" }
    retried_times(n: i64) {
        en: "retried {n} time" | "retried {n} times",
        sv: "omförsökt {n} gång" | "omförsökt {n} gånger",
    }
    result_processed { en: "Processed", sv: "Behandlad" }
    result_unknown_checkout { en: "Unknown checkout", sv: "Okänt köp" }
    result_failed { en: "Failed", sv: "Misslyckades" }
    result_invalid { en: "No checkout id", sv: "Inget köp-id" }
}

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
