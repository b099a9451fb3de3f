-- Short leases on background work (confirming a send's outcome, refreshing a checkout),
-- so that several instances sharing one database never work on the same item at once.
-- `name` is the work item ("confirm:<checkout>", "refresh:<checkout>").
CREATE TABLE work_leases (
    name TEXT PRIMARY KEY NOT NULL,
    owner TEXT NOT NULL,
    lease_until TIMESTAMPTZ NOT NULL
);
CREATE INDEX send_claims_open ON send_claims (state, lease_until);
-- Reconciliation's "not read for a while" scan.
CREATE INDEX checkouts_refreshed ON checkouts (refreshed_at);
