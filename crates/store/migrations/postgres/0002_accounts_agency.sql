-- Accounts (TOTP, staged and idle-expiring sessions, login throttling, API tokens) and the
-- agency's tracing requests and match decisions. PostgreSQL. Never edit a migration after it
-- lands.

-- TOTP second factor (RFC 6238). The secret is set at enrolment and confirmed by a first valid
-- code; the last accepted time step refuses a replayed code.
ALTER TABLE users ADD COLUMN totp_secret BYTEA;
ALTER TABLE users ADD COLUMN totp_confirmed_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- A session is 'password' (first factor only: may enrol or enter a code, nothing else) or 'full'.
-- Rows written before this migration default to 'password', so they must pass the second factor.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMPTZ;
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, by key ('user:<username>' or 'ip:<address>'), for throttling and lockout.
CREATE TABLE login_failures (
    key       TEXT NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, failed_at);

-- Machine clients: a bearer token scoped to one tenant and one role; only its SHA-256 is kept.
-- Looked up by hash before any tenant is known, like sessions: no row-level security.
CREATE TABLE api_tokens (
    id          UUID PRIMARY KEY NOT NULL,
    token_hash  BYTEA NOT NULL UNIQUE,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    role        TEXT NOT NULL,
    label       TEXT NOT NULL,
    created_by  UUID REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id);

-- ICRC-RFL-b: a family's tracing request, taken in by the agency.
CREATE TABLE tracing_requests (
    id                 UUID PRIMARY KEY NOT NULL,
    tenant_id          UUID NOT NULL REFERENCES tenants (id),
    reference          TEXT NOT NULL,
    enquirer_name      TEXT NOT NULL,
    enquirer_contact   TEXT NOT NULL,
    relationship       TEXT NOT NULL,
    -- The sought person's name as written, encoded as an assertion value (typed parts, script).
    sought_name        TEXT NOT NULL,
    sought_birth       TEXT,
    sought_birth_place TEXT,
    sought_father_name TEXT,
    circumstances      TEXT NOT NULL,
    consent_tracing    BOOLEAN NOT NULL,
    consent_share      BOOLEAN NOT NULL,
    language           TEXT,
    created_by         TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, reference)
);

-- MATCH-1: each reviewer's decision on a proposed (request, person) pair, with the score and the
-- explanation they saw (MATCH-7). Append-only; one decision per user and pair.
CREATE TABLE match_decisions (
    id          UUID PRIMARY KEY NOT NULL,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    request_id  UUID NOT NULL REFERENCES tracing_requests (id),
    person_id   UUID NOT NULL REFERENCES persons (id),
    decision    TEXT NOT NULL CHECK (decision IN ('confirm', 'reject')),
    user_id     UUID NOT NULL REFERENCES users (id),
    decided_at  TIMESTAMPTZ NOT NULL,
    score       INTEGER NOT NULL,
    algorithm   TEXT NOT NULL,
    explanation TEXT NOT NULL,
    UNIQUE (request_id, person_id, user_id)
);
CREATE INDEX match_decisions_request ON match_decisions (tenant_id, request_id);

ALTER TABLE tracing_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE tracing_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY tracing_requests_tenant ON tracing_requests
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE match_decisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE match_decisions FORCE ROW LEVEL SECURITY;
CREATE POLICY match_decisions_tenant ON match_decisions
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE FUNCTION whereabouts_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% are never deleted: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;
CREATE TRIGGER tracing_requests_no_delete BEFORE DELETE ON tracing_requests
    FOR EACH ROW EXECUTE FUNCTION whereabouts_no_delete();
CREATE TRIGGER match_decisions_append_only BEFORE UPDATE OR DELETE ON match_decisions
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
