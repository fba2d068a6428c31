-- Transmissions, continued (issue 5): a withdrawal travels to the bureau (GC3-122-g,
-- GC4-137-a; §10 #47). Never edit this file after it lands: add a new migration.

-- At a bureau, a closure can arrive in an envelope: the source that carried it (XC-3). NULL
-- for a closure written here by a caseworker.
ALTER TABLE enquiry_closures ADD COLUMN source_id UUID REFERENCES sources (id);

-- Which envelope carried a withdrawal to the bureau asked (the agency's side), so that it
-- travels once per recipient.
CREATE TABLE transmission_closures (
    transmission_id UUID NOT NULL REFERENCES transmissions_out (id),
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    closure_id      UUID NOT NULL REFERENCES enquiry_closures (id),
    PRIMARY KEY (transmission_id, closure_id)
);
CREATE INDEX transmission_closures_closure ON transmission_closures (tenant_id, closure_id);

-- Row-level security: a query sees only the rows of the tenant set in app.tenant_id.
ALTER TABLE transmission_closures ENABLE ROW LEVEL SECURITY;
ALTER TABLE transmission_closures FORCE ROW LEVEL SECURITY;
CREATE POLICY transmission_closures_tenant ON transmission_closures
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Append-only: whereabouts_append_only() is defined by 0001.
CREATE TRIGGER transmission_closures_append_only BEFORE UPDATE OR DELETE ON transmission_closures
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
