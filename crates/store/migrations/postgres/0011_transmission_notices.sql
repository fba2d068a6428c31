-- Transmissions, continued (issue 5): which events and which corrected assertions each
-- outgoing envelope carried, so that every notifiable change (GC3-122-e, GC4-136-b, GC3-120,
-- GC4-129-a) and every correction travels once per recipient and channel. Persons are in
-- transmission_items (0003). Never edit this file after it lands: add a new migration.
CREATE TABLE transmission_notices (
    transmission_id UUID NOT NULL REFERENCES transmissions_out (id),
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    -- 'event' (an events row) or 'assertion' (an assertions row sent as a correction).
    item_kind       TEXT NOT NULL CHECK (item_kind IN ('event', 'assertion')),
    item_id         UUID NOT NULL,
    person_id       UUID NOT NULL REFERENCES persons (id),
    PRIMARY KEY (transmission_id, item_kind, item_id)
);
CREATE INDEX transmission_notices_item ON transmission_notices (tenant_id, item_kind, item_id);

-- Row-level security: a query sees only the rows of the tenant set in app.tenant_id.
ALTER TABLE transmission_notices ENABLE ROW LEVEL SECURITY;
ALTER TABLE transmission_notices FORCE ROW LEVEL SECURITY;
CREATE POLICY transmission_notices_tenant ON transmission_notices
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Append-only: whereabouts_append_only() is defined by 0001.
CREATE TRIGGER transmission_notices_append_only BEFORE UPDATE OR DELETE ON transmission_notices
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
