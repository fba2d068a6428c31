-- Data protection (issue 7): wrapped data keys, the tamper-evident audit log and its signed
-- checkpoints, the instance's signing key, processing restrictions, retention schedules and
-- archival. SQLite. Never edit a migration after it lands.

-- SEC-3: each tenant's data keys (owner = tenant id; the nil UUID for the instance's own
-- secrets, such as the TOTP secrets of users without a tenant), only ever wrapped by a master key
-- that lives outside the database. A rotation of the master key rewrites `wrapped`.
CREATE TABLE data_keys (
    owner_id      BLOB NOT NULL,
    version       INTEGER NOT NULL CHECK (version > 0),
    master_key_id TEXT NOT NULL,
    wrapped       BLOB NOT NULL,
    created_at    TEXT NOT NULL,
    rewrapped_at  TEXT,
    PRIMARY KEY (owner_id, version)
);
CREATE TRIGGER data_keys_no_delete BEFORE DELETE ON data_keys
BEGIN SELECT RAISE(ABORT, 'data keys are never deleted'); END;

-- The TOTP secret, sealed. The clear column of 0002 is emptied when a secret is sealed.
ALTER TABLE users ADD COLUMN totp_secret_sealed BLOB;

-- XC-8: the audit log, one hash chain for the instance. `hash` is HMAC-SHA256 under a key derived
-- from the instance's data key over `prev_hash` and the entry, so only a holder of the master
-- key can extend it. Entries carry identifiers, never personal data.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY NOT NULL,
    at        TEXT NOT NULL,
    tenant_id BLOB,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    purpose   TEXT,
    records   INTEGER NOT NULL DEFAULT 1,
    detail    TEXT NOT NULL DEFAULT '',
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (XC-8)'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (XC-8)'); END;

-- Checkpoints: (seq, hash) signed with the instance's Ed25519 key.
CREATE TABLE audit_checkpoints (
    seq        INTEGER PRIMARY KEY NOT NULL,
    hash       BLOB NOT NULL,
    at         TEXT NOT NULL,
    public_key BLOB NOT NULL,
    signature  BLOB NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only (XC-8)'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only (XC-8)'); END;

-- The instance's signing key (Ed25519): the public half in clear, the secret sealed under the
-- instance's data key.
CREATE TABLE instance_keys (
    id            TEXT PRIMARY KEY NOT NULL,
    public_key    BLOB NOT NULL,
    sealed_secret BLOB NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TRIGGER instance_keys_no_update BEFORE UPDATE ON instance_keys
BEGIN SELECT RAISE(ABORT, 'instance keys are append-only'); END;
CREATE TRIGGER instance_keys_no_delete BEFORE DELETE ON instance_keys
BEGIN SELECT RAISE(ABORT, 'instance keys are append-only'); END;

-- ICRC-DP-c: restriction of processing, per person. The latest row is in force; `restricted = 0`
-- lifts it. While restricted, only `allowed_roles` (comma-separated role codes) may process.
CREATE TABLE person_restrictions (
    id            BLOB PRIMARY KEY NOT NULL,
    tenant_id     BLOB NOT NULL REFERENCES tenants (id),
    person_id     BLOB NOT NULL REFERENCES persons (id),
    restricted    INTEGER NOT NULL CHECK (restricted IN (0, 1)),
    allowed_roles TEXT NOT NULL,
    reason        TEXT NOT NULL,
    decided_by    TEXT NOT NULL,
    decided_at    TEXT NOT NULL
);
CREATE INDEX person_restrictions_person ON person_restrictions (tenant_id, person_id, decided_at);
CREATE TRIGGER person_restrictions_no_update BEFORE UPDATE ON person_restrictions
BEGIN SELECT RAISE(ABORT, 'restrictions are append-only'); END;
CREATE TRIGGER person_restrictions_no_delete BEFORE DELETE ON person_restrictions
BEGIN SELECT RAISE(ABORT, 'restrictions are append-only'); END;

-- ICRC-DP-b: retention schedules per record kind; the latest row per kind is in force.
CREATE TABLE retention_schedules (
    id                 BLOB PRIMARY KEY NOT NULL,
    tenant_id          BLOB NOT NULL REFERENCES tenants (id),
    record_kind        TEXT NOT NULL,
    archive_after_days INTEGER NOT NULL CHECK (archive_after_days >= 0),
    set_by             TEXT NOT NULL,
    set_at             TEXT NOT NULL
);
CREATE INDEX retention_schedules_kind ON retention_schedules (tenant_id, record_kind, set_at);
CREATE TRIGGER retention_schedules_no_update BEFORE UPDATE ON retention_schedules
BEGIN SELECT RAISE(ABORT, 'retention schedules are append-only'); END;
CREATE TRIGGER retention_schedules_no_delete BEFORE DELETE ON retention_schedules
BEGIN SELECT RAISE(ABORT, 'retention schedules are append-only'); END;

-- XC-1: archival replaces deletion. An archived record stays whole; it leaves the working lists.
CREATE TABLE archived_records (
    id          BLOB PRIMARY KEY NOT NULL,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    record_kind TEXT NOT NULL,
    record_id   BLOB NOT NULL,
    schedule_id BLOB REFERENCES retention_schedules (id),
    reason      TEXT NOT NULL,
    archived_by TEXT NOT NULL,
    archived_at TEXT NOT NULL,
    UNIQUE (tenant_id, record_kind, record_id)
);
CREATE TRIGGER archived_records_no_update BEFORE UPDATE ON archived_records
BEGIN SELECT RAISE(ABORT, 'archived records are append-only (XC-1)'); END;
CREATE TRIGGER archived_records_no_delete BEFORE DELETE ON archived_records
BEGIN SELECT RAISE(ABORT, 'archived records are append-only (XC-1)'); END;
