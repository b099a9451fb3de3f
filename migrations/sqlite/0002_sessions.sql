-- Server-side admin sessions: the cookie holds a random key, the database only its
-- SHA-256, so logout and "disable user" take effect at once on every instance.
CREATE TABLE sessions (
    key_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
