-- The portal (issue #34): people at a customer who sign in with an email and a password.
-- `password_hash` is an Argon2id PHC string (none until the user sets one through a link);
-- `setup_hash` is the SHA-256 of the one-time link's secret, which only the operator was shown.
CREATE TABLE portal_users (
    id                  TEXT PRIMARY KEY,
    customer_id         TEXT NOT NULL REFERENCES customers (id),
    email               TEXT NOT NULL UNIQUE,
    name                TEXT,
    language            TEXT,
    password_hash       TEXT,
    created_at          INTEGER NOT NULL,
    disabled_at         INTEGER,
    setup_hash          BLOB UNIQUE,
    setup_expires_at    INTEGER
) STRICT;
CREATE INDEX portal_users_by_customer ON portal_users (customer_id);
-- A signed-in browser: only the SHA-256 of the cookie's secret is kept. Disabling a user or
-- setting its password deletes its sessions.
CREATE TABLE portal_sessions (
    session_hash    BLOB PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES portal_users (id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX portal_sessions_by_user ON portal_sessions (user_id);
-- Failed logins per email (known or not, so that the answer tells nothing): the failures of
-- the window that began at `window_start`, and until when the email is refused.
CREATE TABLE portal_login_failures (
    email           TEXT PRIMARY KEY,
    window_start    INTEGER NOT NULL,
    failures        INTEGER NOT NULL,
    locked_until    INTEGER
) STRICT;
