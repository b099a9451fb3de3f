//! The daily expiry digest: one claim row per company and UTC day (`digest_sends`), who
//! of a company-day's recipients has been mailed (`digest_deliveries`), and each user's
//! own settings (`user_settings`).
//!
//! A company-day is claimed by one conditional statement before any mail goes out: a
//! missing row is inserted as `sending`; a `failed` one, or a `sending` one claimed before
//! the stale limit (its instance died), is taken over; `sent` and `empty` never are. So
//! instances sharing the database never work on one company-day at once.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Db, Store, StoreResult, db_err};
use crate::domain::{
    CompanyId, DigestRecipient, DigestSend, DigestState, User, UserId, UserSettings,
};

/// How a day is stored: `YYYY-MM-DD` (UTC), the same text on both backends.
fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

from_row!(DigestSend {
    state,
    owner,
    claimed_at,
    attempts,
    mails,
    error,
});

from_row!(DigestRecipient, |row| {
    let user = User::from_row(row)?;
    let digest: Option<bool> = row.try_get("digest")?;
    Ok(DigestRecipient {
        user,
        settings: UserSettings {
            digest: digest.unwrap_or(true),
            language: row.try_get("language")?,
        },
    })
});

impl Store {
    /// Companies whose digest for `day` is not final (not `sent`, not `empty`).
    pub async fn digest_pending_companies(&self, day: NaiveDate) -> StoreResult<Vec<CompanyId>> {
        const SQL: &str = "SELECT id FROM companies c WHERE NOT EXISTS (SELECT 1 FROM digest_sends d \
            WHERE d.company_id = c.id AND d.day = $1 AND d.state IN ('sent', 'empty')) ORDER BY id";
        let rows: Vec<(CompanyId,)> = fetch!(self, fetch_all, SQL, day_key(day))?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Claims `company`'s digest for `day` for `owner`; false when another instance holds
    /// it (claimed at or after `stale_before`), it failed too recently (claimed at or
    /// after `retry_before`) or it is already final.
    pub async fn claim_digest(
        &self,
        company: CompanyId,
        day: NaiveDate,
        owner: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
        retry_before: DateTime<Utc>,
    ) -> StoreResult<bool> {
        const SQL: &str = "INSERT INTO digest_sends (company_id, day, state, owner, claimed_at, attempts, mails) \
            VALUES ($1, $2, 'sending', $3, $4, 1, 0) \
            ON CONFLICT (company_id, day) DO UPDATE SET state = 'sending', owner = excluded.owner, \
            claimed_at = excluded.claimed_at, attempts = digest_sends.attempts + 1 \
            WHERE (digest_sends.state = 'failed' AND digest_sends.claimed_at < $6) \
            OR (digest_sends.state = 'sending' AND digest_sends.claimed_at < $5)";
        Ok(execute!(
            self,
            SQL,
            company,
            day_key(day),
            owner,
            now,
            stale_before,
            retry_before
        )? == 1)
    }

    /// Ends `owner`'s claim in `state` (`sent`, `failed` or `empty`); false if `owner` no
    /// longer holds it (it went stale and was taken over).
    pub async fn finish_digest(
        &self,
        company: CompanyId,
        day: NaiveDate,
        owner: &str,
        state: DigestState,
        mails: i64,
        error: Option<&str>,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE digest_sends SET state = $4, mails = mails + $5, error = $6 \
            WHERE company_id = $1 AND day = $2 AND owner = $3 AND state = 'sending'";
        Ok(execute!(self, SQL, company, day_key(day), owner, state, mails, error)? == 1)
    }

    pub async fn digest_send(
        &self,
        company: CompanyId,
        day: NaiveDate,
    ) -> StoreResult<Option<DigestSend>> {
        const SQL: &str = "SELECT state, owner, claimed_at, attempts, mails, error FROM digest_sends \
            WHERE company_id = $1 AND day = $2";
        fetch!(self, fetch_optional, SQL, company, day_key(day))
    }

    /// The users already mailed `company`'s digest for `day`.
    pub async fn digest_delivered(
        &self,
        company: CompanyId,
        day: NaiveDate,
    ) -> StoreResult<Vec<UserId>> {
        const SQL: &str =
            "SELECT user_id FROM digest_deliveries WHERE company_id = $1 AND day = $2";
        let rows: Vec<(UserId,)> = fetch!(self, fetch_all, SQL, company, day_key(day))?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Records that `user` got `company`'s digest for `day` (once; again is a no-op).
    pub async fn record_digest_delivery(
        &self,
        company: CompanyId,
        day: NaiveDate,
        user: UserId,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO digest_deliveries (company_id, day, user_id, sent_at) \
            VALUES ($1, $2, $3, $4) ON CONFLICT (company_id, day, user_id) DO NOTHING";
        execute!(self, SQL, company, day_key(day), user, at).map(|_| ())
    }

    /// `company`'s enabled users with their settings (defaults where none are stored);
    /// which of them get the digest is the policy's decision.
    pub async fn digest_candidates(&self, company: CompanyId) -> StoreResult<Vec<DigestRecipient>> {
        const SQL: &str = sql!(
            "SELECT ",
            super::users::COLUMNS,
            ", s.digest, s.language FROM users LEFT JOIN user_settings s ON s.user_id = users.id \
            WHERE users.company_id = $1 AND users.disabled = $2 ORDER BY email"
        );
        fetch!(self, fetch_all, SQL, company, false)
    }

    /// The user's settings; the defaults when none are stored.
    pub async fn user_settings(&self, user: UserId) -> StoreResult<UserSettings> {
        const SQL: &str = "SELECT digest, language FROM user_settings WHERE user_id = $1";
        let row: Option<(bool, Option<crate::domain::Language>)> =
            fetch!(self, fetch_optional, SQL, user)?;
        Ok(
            row.map_or_else(UserSettings::default, |(digest, language)| UserSettings {
                digest,
                language,
            }),
        )
    }

    pub async fn set_user_settings(
        &self,
        user: UserId,
        settings: UserSettings,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        const SQL: &str = "INSERT INTO user_settings (user_id, digest, language, updated_at) VALUES ($1, $2, $3, $4) \
            ON CONFLICT (user_id) DO UPDATE SET digest = excluded.digest, language = excluded.language, updated_at = excluded.updated_at";
        execute!(self, SQL, user, settings.digest, settings.language, now).map(|_| ())
    }
}
