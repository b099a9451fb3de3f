-- Every Payson notification received (product.md §4) and what became of it: what the
-- re-read of Payson found, the result, how long it took, and the internal error (shown to
-- superadmins only). A failed row is retried later under a lease (lease_owner,
-- lease_until) so two instances never retry the same row at once.
-- Keep in step with ../sqlite/0008_notification_log.sql.

CREATE TABLE notification_log (
    id BIGSERIAL PRIMARY KEY,
    received_at TIMESTAMPTZ NOT NULL,
    checkout_id TEXT,
    company_id TEXT,
    remote_addr TEXT NOT NULL,
    request_id TEXT NOT NULL,
    status_found TEXT,
    result TEXT NOT NULL CHECK (result IN ('processed','unknown_checkout','failed','invalid')),
    duration_ms BIGINT NOT NULL,
    error TEXT,
    shared_read BOOLEAN NOT NULL DEFAULT FALSE,
    attempts BIGINT NOT NULL DEFAULT 0,
    retried_at TIMESTAMPTZ,
    lease_owner TEXT,
    lease_until TIMESTAMPTZ
);
CREATE INDEX notification_log_checkout ON notification_log (checkout_id, id);
CREATE INDEX notification_log_company ON notification_log (company_id, id);
CREATE INDEX notification_log_received ON notification_log (received_at);
CREATE INDEX notification_log_result ON notification_log (result, id);
