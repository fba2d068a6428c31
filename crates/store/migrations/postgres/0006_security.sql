-- Data protection (issue 7): wrapped data keys, the tamper-evident audit log and its signed
-- checkpoints, the instance's signing key, processing restrictions, retention schedules and
-- archival. PostgreSQL. Never edit a migration after it lands.

-- SEC-3: each tenant's data keys (owner = tenant id; the nil UUID for the instance's own
-- secrets, such as the TOTP secrets of users without a tenant), only ever wrapped by a master key
-- that lives outside the database. A rotation of the master key rewrites `wrapped`.
-- No row-level security: a wrapped key is useless without the master key, and the rotation
-- rewraps every tenant's keys in one pass.
CREATE TABLE data_keys (
    owner_id      UUID NOT NULL,
    version       INTEGER NOT NULL CHECK (version > 0),
    master_key_id TEXT NOT NULL,
    wrapped       BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    rewrapped_at  TIMESTAMPTZ,
    PRIMARY KEY (owner_id, version)
);
CREATE TRIGGER data_keys_no_delete BEFORE DELETE ON data_keys
    FOR EACH ROW EXECUTE FUNCTION whereabouts_no_delete();

-- The TOTP secret, sealed. The clear column of 0002 is emptied when a secret is sealed.
ALTER TABLE users ADD COLUMN totp_secret_sealed BYTEA;

-- XC-8: the audit log, one hash chain for the instance. `hash` is HMAC-SHA256 under a key derived
-- from the instance's data key over `prev_hash` and the entry, so only a holder of the master
-- key can extend it. Entries carry identifiers, never personal data; no row-level security, so
-- that the chain can be verified as a whole.
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    tenant_id UUID,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    purpose   TEXT,
    records   BIGINT NOT NULL DEFAULT 1,
    detail    TEXT NOT NULL DEFAULT '',
    prev_hash BYTEA NOT NULL,
    hash      BYTEA NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

-- Checkpoints: (seq, hash) signed with the instance's Ed25519 key.
CREATE TABLE audit_checkpoints (
    seq        BIGINT PRIMARY KEY NOT NULL,
    hash       BYTEA NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    public_key BYTEA NOT NULL,
    signature  BYTEA NOT NULL
);
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

-- The instance's signing key (Ed25519): the public half in clear, the secret sealed under the
-- instance's data key.
CREATE TABLE instance_keys (
    id            TEXT PRIMARY KEY NOT NULL,
    public_key    BYTEA NOT NULL,
    sealed_secret BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE TRIGGER instance_keys_append_only BEFORE UPDATE OR DELETE ON instance_keys
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

-- ICRC-DP-c: restriction of processing, per person. The latest row is in force; `restricted =
-- false` lifts it. While restricted, only `allowed_roles` (comma-separated role codes) may process.
CREATE TABLE person_restrictions (
    id            UUID PRIMARY KEY NOT NULL,
    tenant_id     UUID NOT NULL REFERENCES tenants (id),
    person_id     UUID NOT NULL REFERENCES persons (id),
    restricted    BOOLEAN NOT NULL,
    allowed_roles TEXT NOT NULL,
    reason        TEXT NOT NULL,
    decided_by    TEXT NOT NULL,
    decided_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX person_restrictions_person ON person_restrictions (tenant_id, person_id, decided_at);
CREATE TRIGGER person_restrictions_append_only BEFORE UPDATE OR DELETE ON person_restrictions
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

-- ICRC-DP-b: retention schedules per record kind; the latest row per kind is in force.
CREATE TABLE retention_schedules (
    id                 UUID PRIMARY KEY NOT NULL,
    tenant_id          UUID NOT NULL REFERENCES tenants (id),
    record_kind        TEXT NOT NULL,
    archive_after_days INTEGER NOT NULL CHECK (archive_after_days >= 0),
    set_by             TEXT NOT NULL,
    set_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX retention_schedules_kind ON retention_schedules (tenant_id, record_kind, set_at);
CREATE TRIGGER retention_schedules_append_only BEFORE UPDATE OR DELETE ON retention_schedules
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

-- XC-1: archival replaces deletion. An archived record stays whole; it leaves the working lists.
CREATE TABLE archived_records (
    id          UUID PRIMARY KEY NOT NULL,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    record_kind TEXT NOT NULL,
    record_id   UUID NOT NULL,
    schedule_id UUID REFERENCES retention_schedules (id),
    reason      TEXT NOT NULL,
    archived_by TEXT NOT NULL,
    archived_at TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, record_kind, record_id)
);
CREATE TRIGGER archived_records_append_only BEFORE UPDATE OR DELETE ON archived_records
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE person_restrictions ENABLE ROW LEVEL SECURITY;
ALTER TABLE person_restrictions FORCE ROW LEVEL SECURITY;
CREATE POLICY person_restrictions_tenant ON person_restrictions
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE retention_schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE retention_schedules FORCE ROW LEVEL SECURITY;
CREATE POLICY retention_schedules_tenant ON retention_schedules
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE archived_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE archived_records FORCE ROW LEVEL SECURITY;
CREATE POLICY archived_records_tenant ON archived_records
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
