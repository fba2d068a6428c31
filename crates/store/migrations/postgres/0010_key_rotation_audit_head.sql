-- Issue 7, second part: the signed audit head, and data-key rotation (re-sealing). PostgreSQL.
-- Never edit a migration after it lands.

-- XC-8: the head of the audit chain (its last entry's sequence number and hash), signed with the
-- instance's Ed25519 key and rewritten in the same transaction as every entry. Entries cut from
-- the end of the log then no longer match the signed head. It only moves forward.
CREATE TABLE audit_head (
    id         INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq        BIGINT NOT NULL,
    hash       BYTEA NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    public_key BYTEA NOT NULL,
    signature  BYTEA NOT NULL
);
CREATE FUNCTION whereabouts_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit head is never deleted (XC-8)';
    END IF;
    IF NEW.seq <= OLD.seq THEN
        RAISE EXCEPTION 'the audit head only moves forward (XC-8)';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION whereabouts_audit_head_forward();

-- SEC-3: a data key version is retired (its wrapped key erased) once no sealed value uses it.
ALTER TABLE data_keys ADD COLUMN retired_at TIMESTAMPTZ;

-- SEC-3: a data-key rotation re-seals protected fields in place. The append-only rule still
-- holds for every other column of these tables, and for deletion.
DROP TRIGGER transmission_keys_append_only ON transmission_keys;
CREATE TRIGGER transmission_keys_no_delete BEFORE DELETE ON transmission_keys
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER transmission_keys_no_update
    BEFORE UPDATE OF id, tenant_id, officer, public_key, created_at ON transmission_keys
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

DROP TRIGGER follow_ups_append_only ON follow_ups;
CREATE TRIGGER follow_ups_no_delete BEFORE DELETE ON follow_ups
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER follow_ups_no_update
    BEFORE UPDATE OF id, tenant_id, registration_id, recorded_at, family_contact_wanted, next_visit_due, reprisals_reported, recorded_by ON follow_ups
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

DROP TRIGGER allegations_append_only ON allegations;
CREATE TRIGGER allegations_no_delete BEFORE DELETE ON allegations
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER allegations_no_update
    BEFORE UPDATE OF id, tenant_id, reference, category, acts, occurred, place_id, victims, perpetrators, sources, consent, created_by, created_at ON allegations
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
