-- The protection unit, continued (issue 6): an allegation names the private interviews it comes
-- from, so that the interview's consent governs what reaches the authorities (ICRC-VIS-c).
-- PostgreSQL. Never edit a migration after it lands.

CREATE TABLE allegation_interviews (
    allegation_id          UUID NOT NULL REFERENCES allegations (id),
    interview_id           UUID NOT NULL REFERENCES interviews (id),
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    linked_by              TEXT NOT NULL,
    linked_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (allegation_id, interview_id)
);

CREATE INDEX allegation_interviews_interview ON allegation_interviews (tenant_id, interview_id);

ALTER TABLE allegation_interviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE allegation_interviews FORCE ROW LEVEL SECURITY;
CREATE POLICY allegation_interviews_tenant ON allegation_interviews
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER allegation_interviews_append_only BEFORE UPDATE OR DELETE ON allegation_interviews
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
