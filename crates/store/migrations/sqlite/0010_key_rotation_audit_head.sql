-- Issue 7, second part: the signed audit head, and data-key rotation (re-sealing). SQLite.
-- Never edit a migration after it lands.

-- XC-8: the head of the audit chain (its last entry's sequence number and hash), signed with the
-- instance's Ed25519 key and rewritten in the same transaction as every entry. Entries cut from
-- the end of the log then no longer match the signed head. It only moves forward.
CREATE TABLE audit_head (
    id         INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq        INTEGER NOT NULL,
    hash       BLOB NOT NULL,
    at         TEXT NOT NULL,
    public_key BLOB NOT NULL,
    signature  BLOB NOT NULL
);
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'the audit head is never deleted (XC-8)'); END;
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head WHEN NEW.seq <= OLD.seq
BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward (XC-8)'); END;

-- SEC-3: a data key version is retired (its wrapped key erased) once no sealed value uses it.
ALTER TABLE data_keys ADD COLUMN retired_at TEXT;

-- SEC-3: a data-key rotation re-seals protected fields in place. The append-only rule still
-- holds for every other column of these tables.
DROP TRIGGER transmission_keys_no_update;
CREATE TRIGGER transmission_keys_no_update
BEFORE UPDATE OF id, tenant_id, officer, public_key, created_at ON transmission_keys
BEGIN SELECT RAISE(ABORT, 'transmission keys are append-only; only the sealed secrets are re-sealed'); END;

DROP TRIGGER follow_ups_no_update;
CREATE TRIGGER follow_ups_no_update
BEFORE UPDATE OF id, tenant_id, registration_id, recorded_at, family_contact_wanted, next_visit_due, reprisals_reported, recorded_by ON follow_ups
BEGIN SELECT RAISE(ABORT, 'follow-ups are append-only; only the sealed fields are re-sealed'); END;

DROP TRIGGER allegations_no_update;
CREATE TRIGGER allegations_no_update
BEFORE UPDATE OF id, tenant_id, reference, category, acts, occurred, place_id, victims, perpetrators, sources, consent, created_by, created_at ON allegations
BEGIN SELECT RAISE(ABORT, 'allegations are append-only; only the sealed narrative is re-sealed'); END;
