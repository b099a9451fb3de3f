-- The daily expiry digest (README "Daily digest"). One row per company and UTC day,
-- claimed (inserted or taken over) before any mail goes out, so instances sharing the
-- database send each company-day once. `sending` older than the stale limit, or
-- `failed`, is taken over by the next run; `sent` and `empty` are final.
CREATE TABLE digest_sends (
    company_id TEXT NOT NULL REFERENCES companies(id),
    day TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('sending','sent','failed','empty')),
    owner TEXT NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL,
    attempts BIGINT NOT NULL,
    mails BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    PRIMARY KEY (company_id, day)
);

-- Who already got a company-day's digest, so a retry after a partial failure mails only
-- the rest.
CREATE TABLE digest_deliveries (
    company_id TEXT NOT NULL,
    day TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    sent_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, day, user_id)
);

-- A user's own preferences; no row means the defaults (digest on, language unset).
CREATE TABLE user_settings (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id),
    digest BOOLEAN NOT NULL,
    language TEXT CHECK (language IN ('en','sv')),
    updated_at TIMESTAMPTZ NOT NULL
);
