//! The domain's values in words: statuses, payment methods, roles, audit events as
//! sentences, expiry and dates in a company's time zone. Each match names a catalogue
//! message, so a new status or action does not compile until it has its words.

use chrono::{DateTime, Datelike, Utc};

use super::Tr;
use crate::domain::policy::Actor;
use crate::domain::{
    AuditAction, AuditOutcome, CheckoutStatus, Expiry, NewAuditEvent, PaymentMethod, Role, TimeZone,
};

impl Tr {
    /// What the status means for the checkout at hand: a sent invoice and a captured card
    /// payment read differently.
    pub fn status_label(&self, status: CheckoutStatus, method: PaymentMethod) -> &'static str {
        match (status, method) {
            (CheckoutStatus::Shipped, PaymentMethod::Invoice) => self.status_shipped_invoice(),
            (CheckoutStatus::Shipped, PaymentMethod::Card | PaymentMethod::Bank) => {
                self.status_shipped_capture()
            }
            (s, _) => self.status_name(s),
        }
    }

    /// The status alone, as the status filter offers it.
    /// A status kept by its BokaMera name (in a flash, which outlives the request), in words.
    pub fn stored_status<'a>(&self, name: &'a str) -> &'a str {
        CheckoutStatus::parse(name).map_or(name, |s| self.status_name(s))
    }

    pub fn status_name(&self, status: CheckoutStatus) -> &'static str {
        match status {
            CheckoutStatus::None => self.status_none(),
            CheckoutStatus::Created => self.status_created(),
            CheckoutStatus::FormsFilled => self.status_forms_filled(),
            CheckoutStatus::ReadyToPay => self.status_ready_to_pay(),
            CheckoutStatus::ProcessingPayment => self.status_processing_payment(),
            CheckoutStatus::ReadyToShip => self.status_ready_to_ship(),
            CheckoutStatus::Shipped => self.status_shipped(),
            CheckoutStatus::PaidToAccount => self.status_paid_to_account(),
            CheckoutStatus::Canceled => self.status_canceled(),
            CheckoutStatus::Credited => self.status_credited(),
            CheckoutStatus::Expired => self.status_expired(),
            CheckoutStatus::Denied => self.status_denied(),
        }
    }

    pub fn method_label(&self, method: PaymentMethod) -> &'static str {
        match method {
            PaymentMethod::Card => self.method_card(),
            PaymentMethod::Invoice => self.method_invoice(),
            PaymentMethod::Bank => self.method_bank(),
            PaymentMethod::Unknown => self.method_unknown(),
        }
    }

    pub fn role_label(&self, role: Role) -> &'static str {
        match role {
            Role::SuperAdmin => self.role_superadmin(),
            Role::AdminWrite => self.role_admin_write(),
            Role::AdminRead => self.role_admin_read(),
            Role::Auditor => self.role_auditor(),
        }
    }

    pub fn outcome_label(&self, outcome: AuditOutcome) -> &'static str {
        match outcome {
            AuditOutcome::Success => self.outcome_success(),
            AuditOutcome::Rejected => self.outcome_rejected(),
            AuditOutcome::Failed => self.outcome_failed(),
            AuditOutcome::Unknown => self.outcome_unknown(),
        }
    }

    pub fn action_label(&self, action: AuditAction) -> &'static str {
        match action {
            AuditAction::SendPaymentRequest => self.action_send_payment_request(),
            AuditAction::GetCheckout => self.action_get_checkout(),
            AuditAction::RefreshCheckout => self.action_refresh_checkout(),
            AuditAction::Login => self.action_login(),
            AuditAction::Logout => self.action_logout(),
            AuditAction::TokenIssued => self.action_token_issued(),
            AuditAction::TokenRevoked => self.action_token_revoked(),
            AuditAction::CompanyChanged => self.action_company_changed(),
            AuditAction::UserChanged => self.action_user_changed(),
            AuditAction::PaysonNotification => self.action_payson_notification(),
            AuditAction::ExpiryDigest => self.action_expiry_digest(),
            AuditAction::BulkSend => self.action_bulk_send(),
        }
    }

    /// Who the audit log names, in words: an e-mail address stays as it is.
    pub fn actor_words(&self, actor: &str) -> String {
        let named = [
            (Actor::Operator.name(), self.who_operator()),
            (Actor::Reconciliation.name(), self.who_reconciliation()),
            (Actor::Digest.name(), self.who_digest()),
            (ANONYMOUS, self.who_anonymous()),
        ];
        named
            .iter()
            .find(|(n, _)| *n == actor)
            .map_or_else(|| actor.to_owned(), |(_, w)| (*w).to_owned())
    }

    /// One audit event as a sentence: who did what to which checkout, and how it ended.
    pub fn audit_sentence(&self, e: &NewAuditEvent) -> String {
        let who = self.actor_words(&e.actor);
        let id = e.checkout_id.map_or_else(
            || self.some_checkout().to_owned(),
            |c| short_id(&c.to_string()),
        );
        let done = e.outcome == AuditOutcome::Success;
        let by_reconciliation = e.actor == Actor::Reconciliation.name();
        match e.action {
            AuditAction::SendPaymentRequest => match e.outcome {
                AuditOutcome::Success if by_reconciliation => self.said_reconciled_sent(&id),
                AuditOutcome::Success => self.said_sent(&who, &id),
                _ if by_reconciliation => self.said_reconciled_not_sent(&id),
                AuditOutcome::Failed => self.said_send_refused_by_payson(&who, &id),
                AuditOutcome::Rejected => self.said_send_refused(&who, &id),
                AuditOutcome::Unknown => self.said_send_unknown(&who, &id),
            },
            AuditAction::GetCheckout if done => self.said_read(&who, &id),
            AuditAction::GetCheckout => self.said_read_refused(&who, &id),
            AuditAction::RefreshCheckout if done => self.said_refreshed(&who, &id),
            AuditAction::RefreshCheckout => self.said_refresh_refused(&who, &id),
            AuditAction::Login if done => self.said_signed_in(&who),
            AuditAction::Login if e.actor == ANONYMOUS => {
                self.said_sign_in_refused_unknown().to_owned()
            }
            AuditAction::Login => self.said_sign_in_refused(&who),
            AuditAction::Logout => self.said_signed_out(&who),
            AuditAction::TokenIssued if done => self.said_token_issued(&who),
            AuditAction::TokenIssued => self.said_token_issue_refused(&who),
            AuditAction::TokenRevoked if done => self.said_token_revoked(&who),
            AuditAction::TokenRevoked => self.said_token_revoke_refused(&who),
            AuditAction::CompanyChanged if done => self.said_company_changed(&who),
            AuditAction::CompanyChanged => self.said_company_change_refused(&who),
            AuditAction::UserChanged if done => self.said_user_changed(&who),
            AuditAction::UserChanged => self.said_user_change_refused(&who),
            AuditAction::PaysonNotification if done => self.said_notified(&id),
            AuditAction::PaysonNotification => self.said_notification_failed(&id),
            AuditAction::ExpiryDigest if done => self.said_digest_sent().to_owned(),
            AuditAction::ExpiryDigest => self.said_digest_failed().to_owned(),
            AuditAction::BulkSend if done => self.said_bulk_send_started(&who),
            AuditAction::BulkSend => self.said_bulk_send_refused(&who),
        }
    }

    /// When a checkout expires: "expires today at 14:30", "expires in 12 days".
    pub fn expiry(&self, e: Expiry) -> String {
        let clock = |at: DateTime<chrono_tz::Tz>| at.format("%H:%M").to_string();
        match (e.days, e.at) {
            (0, Some(at)) => self.expires_today_at(&clock(at)),
            (0, None) => self.expires_today().to_owned(),
            (1, Some(at)) => self.expires_tomorrow_at(&clock(at)),
            (1, None) => self.expires_tomorrow().to_owned(),
            (n, Some(at)) => self.expires_in_days_at(n, &clock(at)),
            (n, None) => self.expires_in_days(n),
        }
    }

    fn month(&self, m: u32) -> &'static str {
        match m {
            1 => self.month_1(),
            2 => self.month_2(),
            3 => self.month_3(),
            4 => self.month_4(),
            5 => self.month_5(),
            6 => self.month_6(),
            7 => self.month_7(),
            8 => self.month_8(),
            9 => self.month_9(),
            10 => self.month_10(),
            11 => self.month_11(),
            _ => self.month_12(),
        }
    }

    /// "3 Dec 2026, 14:30" / "3 dec. 2026 14:30" on the zone's wall clock.
    pub fn date_time(&self, at: DateTime<Utc>, zone: TimeZone) -> String {
        let l = zone.local(at);
        let time = l.format("%H:%M").to_string();
        self.date_time_of(l.day(), self.month(l.month()), l.year(), &time)
    }

    /// "3 Dec 2026" / "3 dec. 2026" on the zone's calendar.
    pub fn date(&self, at: DateTime<Utc>, zone: TimeZone) -> String {
        let l = zone.local(at);
        self.date_only(l.day(), self.month(l.month()), l.year())
    }
}

/// The audit log's actor for an event nobody signed in caused (`service::audit::event`).
const ANONYMOUS: &str = "anonymous";

/// The first block of a checkout id: enough to tell rows apart and to search by.
pub fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}
