-- One row per submitted "send payment request" form: a double click or a resubmitted
-- form finds the row and shows the first outcome instead of acting again.
CREATE TABLE form_submissions (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    checkout_id TEXT NOT NULL,
    succeeded INTEGER,
    message TEXT,
    created_at TEXT NOT NULL
);
