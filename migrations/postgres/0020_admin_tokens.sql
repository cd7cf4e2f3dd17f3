-- Admin tokens (issue #32): the credentials of the admin API, each under a name the operator
-- chose. Only the SHA-256 of the token is kept, as for the other secrets; a revoked token keeps
-- its row (and its name), so that the list tells what was revoked and when.
CREATE TABLE admin_tokens (
    name         TEXT COLLATE "C" PRIMARY KEY,
    token_hash   BYTEA NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
