-- Accounts (TOTP, staged and idle-expiring sessions, login throttling, API tokens) and the
-- agency's tracing requests and match decisions. SQLite. Never edit a migration after it lands.

-- TOTP second factor (RFC 6238). The secret is set at enrolment and confirmed by a first valid
-- code; the last accepted time step refuses a replayed code.
ALTER TABLE users ADD COLUMN totp_secret BLOB;
ALTER TABLE users ADD COLUMN totp_confirmed_at TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

-- A session is 'password' (first factor only: may enrol or enter a code, nothing else) or 'full'.
-- Rows written before this migration default to 'password', so they must pass the second factor.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, by key ('user:<username>' or 'ip:<address>'), for throttling and lockout.
CREATE TABLE login_failures (
    key       TEXT NOT NULL,
    failed_at TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, failed_at);

-- Machine clients: a bearer token scoped to one tenant and one role; only its SHA-256 is kept.
CREATE TABLE api_tokens (
    id          BLOB PRIMARY KEY NOT NULL,
    token_hash  BLOB NOT NULL UNIQUE,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    role        TEXT NOT NULL,
    label       TEXT NOT NULL,
    created_by  BLOB REFERENCES users (id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id);

-- ICRC-RFL-b: a family's tracing request, taken in by the agency.
CREATE TABLE tracing_requests (
    id                BLOB PRIMARY KEY NOT NULL,
    tenant_id         BLOB NOT NULL REFERENCES tenants (id),
    reference         TEXT NOT NULL,
    enquirer_name     TEXT NOT NULL,
    enquirer_contact  TEXT NOT NULL,
    relationship      TEXT NOT NULL,
    -- The sought person's name as written, encoded as an assertion value (typed parts, script).
    sought_name       TEXT NOT NULL,
    sought_birth      TEXT,
    sought_birth_place TEXT,
    sought_father_name TEXT,
    circumstances     TEXT NOT NULL,
    consent_tracing   INTEGER NOT NULL CHECK (consent_tracing IN (0, 1)),
    consent_share     INTEGER NOT NULL CHECK (consent_share IN (0, 1)),
    language          TEXT,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    UNIQUE (tenant_id, reference)
);

-- MATCH-1: each reviewer's decision on a proposed (request, person) pair, with the score and the
-- explanation they saw (MATCH-7). Append-only; one decision per user and pair.
CREATE TABLE match_decisions (
    id          BLOB PRIMARY KEY NOT NULL,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    request_id  BLOB NOT NULL REFERENCES tracing_requests (id),
    person_id   BLOB NOT NULL REFERENCES persons (id),
    decision    TEXT NOT NULL CHECK (decision IN ('confirm', 'reject')),
    user_id     BLOB NOT NULL REFERENCES users (id),
    decided_at  TEXT NOT NULL,
    score       INTEGER NOT NULL,
    algorithm   TEXT NOT NULL,
    explanation TEXT NOT NULL,
    UNIQUE (request_id, person_id, user_id)
);
CREATE INDEX match_decisions_request ON match_decisions (tenant_id, request_id);

CREATE TRIGGER tracing_requests_no_delete BEFORE DELETE ON tracing_requests
BEGIN SELECT RAISE(ABORT, 'tracing requests are never deleted'); END;
CREATE TRIGGER match_decisions_no_update BEFORE UPDATE ON match_decisions
BEGIN SELECT RAISE(ABORT, 'match decisions are append-only (MATCH-7)'); END;
CREATE TRIGGER match_decisions_no_delete BEFORE DELETE ON match_decisions
BEGIN SELECT RAISE(ABORT, 'match decisions are append-only (MATCH-7)'); END;
