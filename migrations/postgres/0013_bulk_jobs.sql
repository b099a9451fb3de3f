-- Bulk send as a background job (README "Bulk send"): one job per submitted bulk form
-- (form_key is its idempotency key, so a resubmitted form finds the same job), one row
-- per selected checkout. A worker takes a queued row, or a sending row whose lease ran
-- out (its instance died), with one conditional update; the row's send is the desk's
-- per-row submission, so it reaches Payson at most once whoever picks it up.
CREATE TABLE bulk_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    form_key TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    request_id TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE bulk_job_rows (
    job_id TEXT NOT NULL REFERENCES bulk_jobs(id),
    position BIGINT NOT NULL,
    checkout_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued','sending','sent','failed','skipped')),
    customer TEXT NOT NULL,
    amount_minor BIGINT,
    currency TEXT,
    outcome TEXT,
    owner TEXT,
    lease_until TIMESTAMPTZ,
    PRIMARY KEY (job_id, position)
);
-- The workers' scan for open rows.
CREATE INDEX bulk_job_rows_open ON bulk_job_rows (state, lease_until);
