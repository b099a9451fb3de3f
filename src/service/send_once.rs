//! *Send once*: the admin desk's form submissions of a payment request. Each carries an
//! idempotency key; the first submission with a key sends, and a repeat (a double
//! click, a resubmitted form, Back and submit) finds the first one's outcome instead of
//! sending again. Single and bulk send both come through here.

use std::time::Duration;

use uuid::Uuid;

use crate::domain::{CheckoutId, CheckoutStatus, Principal};
use crate::error::{AppError, Missing, Problem};
use crate::state::AppState;

use super::Call;
use super::checkouts::find_visible;
use super::payment_request::{SendCommand, send_payment_request};

/// How a submission ended, as its page shows it (in the reader's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Payson accepted; the checkout's status afterwards.
    Sent(CheckoutStatus),
    /// Nothing was sent, for this reason.
    NotSent(Problem),
    /// Nothing was sent; an older version kept the reason as this English sentence.
    NotSentSaying(String),
    /// A first submission with this key is still running.
    Pending,
}

impl SendOutcome {
    pub fn is_sent(&self) -> bool {
        matches!(self, Self::Sent(_))
    }

    /// Stored as (ok, text): the status name when sent, the reason as JSON when not,
    /// so a later page can render it in either language.
    pub fn to_stored(&self) -> (bool, String) {
        match self {
            Self::Sent(s) => (true, s.name().to_owned()),
            Self::NotSent(why) => (false, serde_json::to_string(why).unwrap_or_default()),
            Self::NotSentSaying(why) => (false, why.clone()),
            Self::Pending => (false, String::new()),
        }
    }

    pub fn from_stored((ok, text): (bool, String)) -> Self {
        if !ok {
            return serde_json::from_str(&text).map_or(Self::NotSentSaying(text), Self::NotSent);
        }
        // Older versions stored a sentence ending in the status name.
        let last = text.rsplit(' ').next().unwrap_or("").trim_end_matches('.');
        Self::Sent(
            CheckoutStatus::parse(&text)
                .or_else(|| CheckoutStatus::parse(last))
                .unwrap_or(CheckoutStatus::Shipped),
        )
    }
}

/// The idempotency key of one checkout in one form: the form's key alone for a single
/// send, the form's key and the checkout for each row of a bulk send (so a resubmitted
/// bulk form neither sends a row twice nor loses one).
pub fn submission_key(form_key: Uuid, checkout: CheckoutId, bulk: bool) -> String {
    if bulk {
        format!("{form_key}:{checkout}")
    } else {
        form_key.to_string()
    }
}

/// Sends the payment request for `id` once per `key`. A checkout the principal may not
/// see is refused before anything is recorded.
pub async fn send_once(
    call: Call<'_, &Principal>,
    key: &str,
    id: CheckoutId,
    note: Option<String>,
) -> Result<SendOutcome, AppError> {
    let principal = call.actor;
    let c = find_visible(call.state, principal, id).await?;
    let first = call
        .state
        .store
        .submission_begin(key, principal.user_id, id, call.state.clock.now())
        .await?;
    if !first {
        return Ok(wait_for_first(call.state, principal, key)
            .await?
            .unwrap_or(SendOutcome::Pending));
    }
    let cmd = SendCommand {
        checkout_id: id,
        company_id: Some(c.company_id),
        note: note.map(|n| n.trim().chars().take(1000).collect::<String>()),
    };
    let outcome = match send_payment_request(call, cmd).await {
        Ok(done) => SendOutcome::Sent(done.status),
        Err(e) => {
            // Shown as a message, not an error page: this is where it is logged.
            e.log_internal(&call.meta.request_id);
            SendOutcome::NotSent(Problem::from(&e))
        }
    };
    let (ok, text) = outcome.to_stored();
    // The outcome stands whether or not it can be kept for a repeat of this form: after
    // Payson shipped, a database error must not turn the answer into "not sent".
    if let Err(e) = call.state.store.submission_finish(key, ok, &text).await {
        tracing::warn!(error = %e, request_id = %call.meta.request_id, "submission outcome not kept");
    }
    Ok(outcome)
}

/// The outcome of the principal's submission `key` for checkout `id`, if it finished.
pub async fn outcome(
    state: &AppState,
    principal: &Principal,
    key: &str,
    id: CheckoutId,
) -> Result<Option<SendOutcome>, AppError> {
    Ok(state
        .store
        .submission(key, principal.user_id)
        .await?
        .filter(|(checkout, _)| *checkout == id)
        .and_then(|(_, stored)| stored)
        .map(SendOutcome::from_stored))
}

/// The outcome of an earlier submission with this key, waiting up to 10 s while the
/// first request is still running; `None` if it has not finished by then.
async fn wait_for_first(
    state: &AppState,
    principal: &Principal,
    key: &str,
) -> Result<Option<SendOutcome>, AppError> {
    for _ in 0..100 {
        match state.store.submission(key, principal.user_id).await? {
            Some((_, Some(stored))) => return Ok(Some(SendOutcome::from_stored(stored))),
            Some((_, None)) => tokio::time::sleep(Duration::from_millis(100)).await,
            None => return Err(AppError::NotFound(Missing::Checkout)),
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Clash, PaysonRefusal};

    #[test]
    fn outcomes_are_stored_as_codes_and_read_back() {
        for o in [
            SendOutcome::Sent(CheckoutStatus::Shipped),
            SendOutcome::NotSent(Problem::Conflict(Clash::AlreadySending)),
            SendOutcome::NotSent(Problem::PaysonRefused(PaysonRefusal::Refused(
                "Merchant account locked".into(),
            ))),
        ] {
            assert_eq!(SendOutcome::from_stored(o.to_stored()), o);
        }
        let (_, text) = SendOutcome::NotSent(Problem::Busy).to_stored();
        assert_eq!(text, r#""Busy""#);
    }

    #[test]
    fn older_sentences_are_still_read() {
        let old = "Payson does not know this checkout".to_owned();
        assert_eq!(
            SendOutcome::from_stored((false, old.clone())),
            SendOutcome::NotSentSaying(old)
        );
        let sent = "Payment request sent. The checkout is now Shipped.".to_owned();
        assert_eq!(
            SendOutcome::from_stored((true, sent)),
            SendOutcome::Sent(CheckoutStatus::Shipped)
        );
    }
}
