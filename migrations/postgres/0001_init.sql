-- checkout-desk schema (PostgreSQL). Ids are TEXT (dashed GUIDs) as in SQLite so one SQL
-- text serves both; timestamps TIMESTAMPTZ; money BIGINT minor units.
-- Keep in step with ../sqlite/0001_init.sql.

CREATE TABLE companies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    payson_agent_id TEXT NOT NULL,
    payson_api_key_encrypted TEXT NOT NULL,
    payson_base_url TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    company_id TEXT REFERENCES companies(id),
    roles TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE TABLE company_api_keys (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    key_hash TEXT NOT NULL UNIQUE,
    notes TEXT NOT NULL,
    allowed_ips TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);

CREATE TABLE checkouts (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    status TEXT NOT NULL CHECK (status IN ('None','Created','FormsFilled','ReadyToPay','ProcessingPayment','ReadyToShip','Shipped','PaidToAccount','Canceled','Credited','Expired','Denied')),
    payson_status TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    customer_email TEXT NOT NULL,
    reference TEXT NOT NULL,
    snippet TEXT,
    purchase_id BIGINT,
    history_json TEXT NOT NULL,
    ready_to_ship_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    refreshed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX checkouts_worklist ON checkouts (status, ready_to_ship_at, id);
CREATE INDEX checkouts_company_worklist ON checkouts (company_id, status, ready_to_ship_at, id);

CREATE TABLE send_claims (
    checkout_id TEXT PRIMARY KEY REFERENCES checkouts(id),
    owner TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('in_flight','done','failed','unknown')),
    claimed_at TIMESTAMPTZ NOT NULL,
    lease_until TIMESTAMPTZ NOT NULL
);

CREATE TABLE audit_events (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor_user_id TEXT,
    actor TEXT NOT NULL,
    company_id TEXT,
    checkout_id TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    http_status BIGINT NOT NULL,
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
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
