//! Bulk send jobs (`bulk_jobs`) and their rows (`bulk_job_rows`).
//!
//! A row is taken by one conditional update: `queued`, or `sending` with its lease run out
//! (the instance working on it died). So of several instances sharing the database one
//! works on a row at a time; the send itself is idempotent on top of that.

use chrono::{DateTime, Utc};

use super::types::Guid;
use super::{Db, Store, StoreResult, db_err};
use crate::domain::{BulkJob, BulkJobId, BulkRow, BulkRowState, Currency, Money, UserId};

const JOB_COLUMNS: &str = "id, form_key, user_id, request_id, remote_addr, created_at";
const ROW_COLUMNS: &str =
    "job_id, position, checkout_id, state, customer, amount_minor, currency, outcome, lease_until";

from_row!(BulkJob {
    id,
    form_key as Guid,
    user_id,
    request_id,
    remote_addr,
    created_at,
});

from_row!(BulkRow, |row| {
    let minor: Option<i64> = row.try_get("amount_minor")?;
    let currency: Option<Currency> = row.try_get("currency")?;
    Ok(BulkRow {
        job_id: row.try_get("job_id")?,
        position: row.try_get("position")?,
        checkout_id: row.try_get("checkout_id")?,
        state: row.try_get("state")?,
        customer: row.try_get("customer")?,
        amount: minor.zip(currency).map(|(m, c)| Money::from_minor(m, c)),
        outcome: row.try_get("outcome")?,
        lease_until: row.try_get("lease_until")?,
    })
});

impl Store {
    /// Stores `job` with its `rows` in one transaction; false, storing nothing, when a job
    /// with the same form key exists (the form was submitted before).
    pub async fn bulk_job_create(&self, job: &BulkJob, rows: &[BulkRow]) -> StoreResult<bool> {
        const JOB: &str = sql!(
            "INSERT INTO bulk_jobs (",
            JOB_COLUMNS,
            ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (form_key) DO NOTHING"
        );
        const ROW: &str = sql!(
            "INSERT INTO bulk_job_rows (",
            ROW_COLUMNS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        );
        let _turn = self.write_turn().await;
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            let inserted = sqlx::query(JOB)
                .bind(job.id)
                .bind(Guid(job.form_key))
                .bind(job.user_id)
                .bind(job.request_id.clone())
                .bind(job.remote_addr.clone())
                .bind(job.created_at)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected()
                == 1;
            if !inserted {
                tx.rollback().await.map_err(db_err)?;
                return Ok(false);
            }
            for r in rows {
                sqlx::query(ROW)
                    .bind(job.id)
                    .bind(r.position)
                    .bind(r.checkout_id)
                    .bind(r.state)
                    .bind(r.customer.clone())
                    .bind(r.amount.map(Money::minor))
                    .bind(r.amount.map(Money::currency))
                    .bind(r.outcome.clone())
                    .bind(r.lease_until)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)?;
            Ok(true)
        })
    }

    pub async fn bulk_job(&self, id: BulkJobId) -> StoreResult<Option<BulkJob>> {
        const SQL: &str = sql!("SELECT ", JOB_COLUMNS, " FROM bulk_jobs WHERE id = $1");
        fetch!(self, fetch_optional, SQL, id)
    }

    /// The job a form with this key made, if it was `user`'s.
    pub async fn bulk_job_by_form(
        &self,
        form_key: uuid::Uuid,
        user: UserId,
    ) -> StoreResult<Option<BulkJob>> {
        const SQL: &str = sql!(
            "SELECT ",
            JOB_COLUMNS,
            " FROM bulk_jobs WHERE form_key = $1 AND user_id = $2"
        );
        fetch!(self, fetch_optional, SQL, Guid(form_key), user)
    }

    /// A job's rows in the order they were selected.
    pub async fn bulk_job_rows(&self, id: BulkJobId) -> StoreResult<Vec<BulkRow>> {
        const SQL: &str = sql!(
            "SELECT ",
            ROW_COLUMNS,
            " FROM bulk_job_rows WHERE job_id = $1 ORDER BY position"
        );
        fetch!(self, fetch_all, SQL, id)
    }

    /// Takes up to `limit` rows (of any job, oldest jobs first) for `owner` until
    /// `lease_until`. Each row is taken by its own conditional update, so a row another
    /// instance took meanwhile is simply not returned.
    pub async fn bulk_take_rows(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<BulkRow>> {
        const CANDIDATES: &str = sql!(
            "SELECT r.job_id, r.position FROM bulk_job_rows r JOIN bulk_jobs j ON j.id = r.job_id WHERE ",
            "(r.state = 'queued' OR (r.state = 'sending' AND r.lease_until < $1)) ",
            "ORDER BY j.created_at, r.job_id, r.position LIMIT $2"
        );
        // Taken and read in one statement: the row as this worker now holds it.
        const TAKE: &str = sql!(
            "UPDATE bulk_job_rows SET state = 'sending', owner = $3, lease_until = $4 \
            WHERE job_id = $1 AND position = $2 AND \
            (state = 'queued' OR (state = 'sending' AND lease_until < $5)) RETURNING ",
            ROW_COLUMNS
        );
        let candidates: Vec<(BulkJobId, i64)> = fetch!(self, fetch_all, CANDIDATES, now, limit)?;
        let mut taken = Vec::new();
        for (job, position) in candidates {
            let row: Option<BulkRow> = fetch!(
                self,
                fetch_optional,
                TAKE,
                job,
                position,
                owner,
                lease_until,
                now
            )?;
            taken.extend(row);
        }
        Ok(taken)
    }

    /// Ends `owner`'s work on a row in `state` with `outcome`; false when `owner` no
    /// longer holds it (its lease ran out and another instance took it over).
    pub async fn bulk_row_finish(
        &self,
        job: BulkJobId,
        position: i64,
        owner: &str,
        state: BulkRowState,
        outcome: &str,
    ) -> StoreResult<bool> {
        const SQL: &str = "UPDATE bulk_job_rows SET state = $4, outcome = $5, owner = NULL, lease_until = NULL \
            WHERE job_id = $1 AND position = $2 AND owner = $3 AND state = 'sending'";
        Ok(execute!(self, SQL, job, position, owner, state, outcome)? == 1)
    }

    /// Puts `owner`'s row back in the queue (it could not be decided now).
    pub async fn bulk_row_release(
        &self,
        job: BulkJobId,
        position: i64,
        owner: &str,
    ) -> StoreResult<()> {
        const SQL: &str = "UPDATE bulk_job_rows SET state = 'queued', owner = NULL, lease_until = NULL \
            WHERE job_id = $1 AND position = $2 AND owner = $3 AND state = 'sending'";
        execute!(self, SQL, job, position, owner).map(|_| ())
    }
}
