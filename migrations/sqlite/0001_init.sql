-- checkout-desk schema (SQLite). Ids are TEXT (dashed GUIDs), timestamps RFC 3339 TEXT in
-- UTC, money INTEGER minor units. Keep in step with ../postgres/0001_init.sql.

CREATE TABLE companies (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    payson_agent_id TEXT NOT NULL,
    payson_api_key_encrypted TEXT NOT NULL,
    payson_base_url TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    company_id TEXT REFERENCES companies(id),
    roles TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE company_api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    company_id TEXT NOT NULL REFERENCES companies(id),
    key_hash TEXT NOT NULL UNIQUE,
    notes TEXT NOT NULL,
    allowed_ips TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);

CREATE TABLE checkouts (
    id TEXT PRIMARY KEY NOT NULL,
    company_id TEXT NOT NULL REFERENCES companies(id),
    status TEXT NOT NULL CHECK (status IN ('None','Created','FormsFilled','ReadyToPay','ProcessingPayment','ReadyToShip','Shipped','PaidToAccount','Canceled','Credited','Expired','Denied')),
    payson_status TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    customer_email TEXT NOT NULL,
    reference TEXT NOT NULL,
    snippet TEXT,
    purchase_id INTEGER,
    history_json TEXT NOT NULL,
    ready_to_ship_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    refreshed_at TEXT NOT NULL
);
-- The worklist: awaiting checkouts soonest-expiring first, per company or across all.
CREATE INDEX checkouts_worklist ON checkouts (status, ready_to_ship_at, id);
CREATE INDEX checkouts_company_worklist ON checkouts (company_id, status, ready_to_ship_at, id);

CREATE TABLE send_claims (
    checkout_id TEXT PRIMARY KEY NOT NULL REFERENCES checkouts(id),
    owner TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('in_flight','done','failed','unknown')),
    claimed_at TEXT NOT NULL,
    lease_until TEXT NOT NULL
);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor_user_id TEXT,
    actor TEXT NOT NULL,
    company_id TEXT,
    checkout_id TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    http_status INTEGER NOT NULL,
    remote_addr TEXT NOT NULL,
    request_id TEXT NOT NULL,
    message TEXT NOT NULL,
    payson_message TEXT,
    note TEXT
);
CREATE INDEX audit_company ON audit_events (company_id, id);
CREATE INDEX audit_checkout ON audit_events (checkout_id, id);
CREATE INDEX audit_at ON audit_events (at);

-- The audit log is append-only, whatever code runs against the database.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
