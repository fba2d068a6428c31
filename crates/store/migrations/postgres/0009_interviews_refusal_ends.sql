-- The protection unit, continued (issue 6): private interviews as their own record, and the end
-- of a refusal of access recorded after the refusal. PostgreSQL. Never edit a migration after it
-- lands.

-- GC3-126-b, ICRC-VIS-c: a private interview. interviewees and interviewers are JSON lists;
-- notes is a protected field, sealed with the tenant's data key (SEC-3).
CREATE TABLE interviews (
    id                     UUID PRIMARY KEY NOT NULL,
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    visit_id               UUID NOT NULL REFERENCES visits (id),
    place_id               UUID NOT NULL REFERENCES places (id),
    held_at                TIMESTAMPTZ NOT NULL,
    interviewees           TEXT NOT NULL,
    interviewers           TEXT NOT NULL,
    interpreter            TEXT,
    language               TEXT,
    without_witnesses      BOOLEAN NOT NULL,
    present                TEXT,
    consent_authorities    TEXT NOT NULL CHECK (consent_authorities IN ('named', 'anonymous', 'no')),
    consent_family         BOOLEAN NOT NULL,
    consent_medical        BOOLEAN NOT NULL,
    notes                  TEXT,
    recorded_by            TEXT NOT NULL,
    recorded_at            TIMESTAMPTZ NOT NULL
);

-- GC3-126-c: access granted again after a refusal; one end per refusal.
CREATE TABLE refusal_ends (
    refusal_id             UUID PRIMARY KEY NOT NULL REFERENCES access_refusals (id),
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    ended_at               TIMESTAMPTZ NOT NULL,
    note                   TEXT,
    recorded_by            TEXT NOT NULL,
    recorded_at            TIMESTAMPTZ NOT NULL
);

CREATE INDEX interviews_visit ON interviews (tenant_id, visit_id, held_at);

ALTER TABLE interviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE interviews FORCE ROW LEVEL SECURITY;
CREATE POLICY interviews_tenant ON interviews
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER interviews_no_delete BEFORE DELETE ON interviews
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
-- Only the sealed notes may be rewritten, by a data-key rotation (store::rotation re-seals them).
CREATE TRIGGER interviews_no_update
    BEFORE UPDATE OF id, tenant_id, visit_id, place_id, held_at, interviewees, interviewers, interpreter, language, without_witnesses, present, consent_authorities, consent_family, consent_medical, recorded_by, recorded_at ON interviews
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE refusal_ends ENABLE ROW LEVEL SECURITY;
ALTER TABLE refusal_ends FORCE ROW LEVEL SECURITY;
CREATE POLICY refusal_ends_tenant ON refusal_ends
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER refusal_ends_append_only BEFORE UPDATE OR DELETE ON refusal_ends
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
