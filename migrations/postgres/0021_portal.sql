-- The portal (issue #34): people at a customer who sign in with an email and a password.
-- `password_hash` is an Argon2id PHC string (none until the user sets one through a link);
-- `setup_hash` is the SHA-256 of the one-time link's secret, which only the operator was shown.
CREATE TABLE portal_users (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    customer_id         TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    email               TEXT COLLATE "C" NOT NULL UNIQUE,
    name                TEXT COLLATE "C",
    language            TEXT COLLATE "C",
    password_hash       TEXT COLLATE "C",
    created_at          BIGINT NOT NULL,
    disabled_at         BIGINT,
    setup_hash          BYTEA UNIQUE,
    setup_expires_at    BIGINT
);
CREATE INDEX portal_users_by_customer ON portal_users (customer_id);
-- A signed-in browser: only the SHA-256 of the cookie's secret is kept. Disabling a user or
-- setting its password deletes its sessions.
CREATE TABLE portal_sessions (
    session_hash    BYTEA PRIMARY KEY,
    user_id         TEXT COLLATE "C" NOT NULL REFERENCES portal_users (id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL
);
CREATE INDEX portal_sessions_by_user ON portal_sessions (user_id);
-- Failed logins per email (known or not, so that the answer tells nothing): the failures of
-- the window that began at `window_start`, and until when the email is refused.
CREATE TABLE portal_login_failures (
    email           TEXT COLLATE "C" PRIMARY KEY,
    window_start    BIGINT NOT NULL,
    failures        BIGINT NOT NULL,
    locked_until    BIGINT
);
