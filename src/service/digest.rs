//! The daily expiry digest: once a day, each company's write administrators (those who
//! did not turn it off) get one mail listing the company's ReadyToShip checkouts that
//! Payson expires within `digest.window_days`, with count, total and links.
//!
//! Once per company and UTC day across all instances: a company-day is claimed in
//! `digest_sends` before anything is mailed (see `store/digest.rs`), each recipient mailed
//! is recorded at once, and a retry (after `failed`, or a `sending` whose instance died)
//! mails only those not yet recorded. The one window left for a second mail is a crash
//! between the SMTP server accepting a mail and that record being written.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};

use crate::domain::policy::{self, Actor};
use crate::domain::{
    AuditAction, AuditOutcome, CompanyId, DigestState, READY_TO_SHIP_LIFETIME_DAYS, UserId,
    UserSettings,
};
use crate::error::AppError;
use crate::mail::Mail;
use crate::state::AppState;

use super::audit::Entry;
use super::digest_mail::{DigestContent, compose, totals};
use super::{Call, RequestMeta, checkouts, permitted, users};

/// Most checkouts one digest lists (the worklist link shows them all).
const MAX_LISTED: i64 = 500;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DigestRun {
    /// Companies whose digest for the day was not final yet, and were looked at.
    pub companies_checked: usize,
    /// Companies whose digest went out (to every recipient), and the mails sent.
    pub sent: usize,
    pub mails: usize,
    /// Companies with nothing expiring, or nobody to tell: no mail.
    pub skipped_empty: usize,
    /// Companies where a mail could not be sent (retried by the next run).
    pub failed: usize,
    /// Companies another instance was working on.
    pub busy: usize,
}

/// The background run: does nothing (and touches no database) before the configured
/// hour or once this instance has settled every company for the day.
pub async fn run_due(state: &AppState) -> Result<DigestRun, AppError> {
    let settings = &state.settings.digest;
    let now = state.clock.now();
    if !settings.enabled || now.hour() < settings.hour {
        return Ok(DigestRun::default());
    }
    let day = now.date_naive();
    if done_today(state) == Some(day) {
        return Ok(DigestRun::default());
    }
    let meta = RequestMeta::internal("digest");
    run(Call::new(state, Actor::Digest, &meta), now).await
}

/// `checkout-desk digest send`: the day's digest now, whatever the hour (still once per
/// company and day).
pub async fn send_now(call: Call<'_>) -> Result<DigestRun, AppError> {
    if !policy::may_send_digest(call.actor) {
        return Err(AppError::Forbidden);
    }
    run(call, call.state.clock.now()).await
}

fn done_today(state: &AppState) -> Option<NaiveDate> {
    state.digest_done.lock().ok().and_then(|g| *g)
}

async fn run(call: Call<'_>, now: DateTime<Utc>) -> Result<DigestRun, AppError> {
    let day = now.date_naive();
    let mut report = DigestRun::default();
    for company in call.state.store.digest_pending_companies(day).await? {
        report.companies_checked += 1;
        match company_digest(call, company, day, now).await {
            Ok(Outcome::Busy) => report.busy += 1,
            Ok(Outcome::Empty) => report.skipped_empty += 1,
            Ok(Outcome::Sent(n)) => {
                report.sent += 1;
                report.mails += n;
            }
            Ok(Outcome::Failed(n)) => {
                report.failed += 1;
                report.mails += n;
            }
            Err(e) => {
                report.failed += 1;
                tracing::warn!(company = %company, error = %e, "digest not sent; the next run retries");
            }
        }
    }
    // Everything settled: later runs today need not even ask the database.
    if report.failed == 0
        && report.busy == 0
        && let Ok(mut g) = call.state.digest_done.lock()
    {
        *g = Some(day);
    }
    Ok(report)
}

enum Outcome {
    Busy,
    Empty,
    Sent(usize),
    Failed(usize),
}

/// The worklist showing exactly what the digest lists: awaiting checkouts of `company`
/// that reached ReadyToShip from `from` through `to` (days, inclusive).
fn worklist_path(company: CompanyId, from: NaiveDate, to: NaiveDate) -> String {
    format!(
        "/checkouts?status=awaiting&company={company}&from={}&to={}",
        from.format("%Y-%m-%d"),
        to.format("%Y-%m-%d")
    )
}

async fn company_digest(
    call: Call<'_>,
    id: CompanyId,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    let settings = &call.state.settings.digest;
    let owner = uuid::Uuid::new_v4().to_string();
    let stale_before = now - Duration::seconds(settings.stale_after_secs);
    let retry_before = if matches!(call.actor, Actor::Operator) {
        now
    } else {
        now - Duration::seconds(settings.retry_after_secs)
    };
    if !call
        .state
        .store
        .claim_digest(id, day, &owner, now, stale_before, retry_before)
        .await?
    {
        return Ok(Outcome::Busy);
    }
    let result = deliver(call.state, id, day, now).await;
    let (to, mails, error) = match &result {
        Ok(Delivered::Nothing) => (DigestState::Empty, 0, None),
        Ok(Delivered::All { mailed, .. }) => (DigestState::Sent, mailed.len(), None),
        Ok(Delivered::Partly { mailed, failed, .. }) => (
            DigestState::Failed,
            mailed.len(),
            Some(
                failed
                    .iter()
                    .map(|(e, why)| format!("{e}: {why}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ),
        Err(e) => (DigestState::Failed, 0, Some(e.to_string())),
    };
    if !call
        .state
        .store
        .finish_digest(id, day, &owner, to, mails as i64, error.as_deref())
        .await?
    {
        tracing::warn!(company = %id, "digest claim was taken over while sending");
    }
    let entry = Entry::new(AuditAction::ExpiryDigest).company(Some(id));
    let entry = match result? {
        Delivered::Nothing => return Ok(Outcome::Empty),
        Delivered::All { mailed, summary } => entry.success(
            0,
            format!("Daily digest sent to {}: {summary}", mailed.join(", ")),
        ),
        Delivered::Partly {
            mailed,
            failed,
            summary,
        } => entry
            .outcome(
                AuditOutcome::Failed,
                0,
                format!(
                    "Daily digest not sent to {} (the next run retries); sent to {}: {summary}",
                    failed
                        .iter()
                        .map(|(e, _)| e.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    if mailed.is_empty() {
                        "nobody".to_owned()
                    } else {
                        mailed.join(", ")
                    },
                ),
            )
            .note(error),
    };
    call.record(entry).await;
    Ok(if to == DigestState::Sent {
        Outcome::Sent(mails)
    } else {
        Outcome::Failed(mails)
    })
}

enum Delivered {
    /// Nothing expiring, or nobody left to tell.
    Nothing,
    All {
        mailed: Vec<String>,
        summary: String,
    },
    /// (recipient, why) for each mail that failed.
    Partly {
        mailed: Vec<String>,
        failed: Vec<(String, String)>,
        summary: String,
    },
}

async fn deliver(
    state: &AppState,
    id: CompanyId,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Delivered, AppError> {
    let window = state.settings.digest.window_days;
    let lifetime = Duration::days(READY_TO_SHIP_LIFETIME_DAYS);
    // Expiring on or before the end of `day + window` (UTC), and not expired yet.
    let until = (day + Duration::days(window + 1))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(now);
    let (after, before) = (now - lifetime, until - lifetime);
    let checkouts = state
        .store
        .expiring_checkouts(id, after, before, MAX_LISTED)
        .await?;
    if checkouts.is_empty() {
        return Ok(Delivered::Nothing);
    }
    let delivered = state.store.digest_delivered(id, day).await?;
    let recipients: Vec<_> = state
        .store
        .digest_candidates(id)
        .await?
        .into_iter()
        .filter(|r| r.settings.digest && policy::receives_digest(&r.user, id))
        .filter(|r| !delivered.contains(&r.user.id))
        .collect();
    if recipients.is_empty() {
        return Ok(Delivered::Nothing);
    }
    let company = checkouts::company(state, id).await?;
    let worklist = worklist_path(
        id,
        after.date_naive(),
        (before - Duration::days(1)).date_naive(),
    );
    let content = DigestContent {
        company: &company.name,
        window_days: window,
        checkouts: &checkouts,
        base_url: state.settings.public_url.trim_end_matches('/'),
        worklist_path: &worklist,
    };
    let summary = totals(&checkouts)
        .iter()
        .map(|(_, n, sum)| format!("{n} expiring, {}", sum.format_en()))
        .collect::<Vec<_>>()
        .join("; ");
    let (mut mailed, mut failed) = (Vec::new(), Vec::new());
    for r in recipients {
        let (subject, text) = compose(r.settings.language.unwrap_or_default(), &content);
        let mail = Mail {
            to: r.user.email.clone(),
            subject,
            text,
        };
        match state.mailer.send(&mail).await {
            Ok(()) => {
                // Recorded at once: a retry must not mail this person again.
                if let Err(e) = state
                    .store
                    .record_digest_delivery(id, day, r.user.id, state.clock.now())
                    .await
                {
                    tracing::warn!(error = %e, "digest delivery not recorded");
                }
                mailed.push(r.user.email);
            }
            Err(e) => {
                tracing::warn!(to = %r.user.email, error = %e, "digest mail not sent");
                failed.push((r.user.email, e.to_string()));
            }
        }
    }
    Ok(if failed.is_empty() {
        Delivered::All { mailed, summary }
    } else {
        Delivered::Partly {
            mailed,
            failed,
            summary,
        }
    })
}

/// A user's own settings, for the settings page.
pub async fn settings(
    state: &AppState,
    actor: Actor<'_>,
    user: UserId,
) -> Result<UserSettings, AppError> {
    permitted(policy::may_change_settings(actor, user))?;
    Ok(state.store.user_settings(user).await?)
}

/// Saves a user's own settings (the settings page, `user digest --on|--off`); audited as
/// a change to the user.
pub async fn save_settings(
    call: Call<'_>,
    user: UserId,
    new: UserSettings,
) -> Result<UserSettings, AppError> {
    let allowed = permitted(policy::may_change_settings(call.actor, user));
    let work = async {
        let u = users::user(call.state, user).await?;
        call.state
            .store
            .set_user_settings(user, new, call.state.clock.now())
            .await?;
        Ok(u)
    };
    users::user_change(call, allowed, work, |u| {
        format!(
            "Daily digest for {} turned {}; mail language {}",
            u.email,
            if new.digest { "on" } else { "off" },
            new.language.map_or("not set", |l| l.code())
        )
    })
    .await
    .map(|_| new)
}
