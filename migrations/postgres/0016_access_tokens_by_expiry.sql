-- Access tokens keyed by their expiry, then their hash: a token carries its expiry in its first
-- characters (src/auth/secret.rs), so the server finds it by both, and a new token is written at
-- the end of the key. Keyed by hash alone, each token landed at a random place in the table and
-- rewrote a page there, several kilobytes of write-ahead log per token (docs/performance.md,
-- step 32). The expired tokens' purge now reads the key's start, so the index by expiry goes.
-- Tokens issued before carry no expiry and cannot be found by the new key: they are dropped, and
-- their clients ask for a new token on their next 401, as they do when one expires.
DROP TABLE access_tokens;
CREATE TABLE access_tokens (
    expires_at   BIGINT NOT NULL,
    token_hash   BYTEA NOT NULL,
    customer_id  TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    client_id    TEXT COLLATE "C" NOT NULL REFERENCES clients (client_id),
    issued_at    BIGINT NOT NULL,
    PRIMARY KEY (expires_at, token_hash)
);
