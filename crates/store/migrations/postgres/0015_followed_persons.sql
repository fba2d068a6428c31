-- The protection unit, continued (issue 6): the person as the unit follows them (ICRC-VIS-d).
-- A person seen again on a later visit, or at another place after a transfer, is registered
-- again; this links the later registration to the person's first one, so that the person keeps
-- one follow-up history across visits and places. PostgreSQL. Never edit a migration after it lands.

CREATE TABLE registration_links (
    registration_id        UUID PRIMARY KEY NOT NULL REFERENCES registrations (id),
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    -- The person's first registration: the id the unit follows the person under.
    person_id              UUID NOT NULL REFERENCES registrations (id),
    linked_by              TEXT NOT NULL,
    linked_at              TIMESTAMPTZ NOT NULL,
    CHECK (registration_id <> person_id)
);

CREATE INDEX registration_links_person ON registration_links (tenant_id, person_id);

ALTER TABLE registration_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE registration_links FORCE ROW LEVEL SECURITY;
CREATE POLICY registration_links_tenant ON registration_links
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER registration_links_append_only BEFORE UPDATE OR DELETE ON registration_links
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
