-- A compact form for the assertions a person is registered with (issue 2: import throughput).
-- Never edit this file after it lands: add a new migration.
--
-- An import writes one row per person here instead of about ten rows in `assertions`: the
-- tenant, the person, the source and the time are stored once, and `body` holds each
-- assertion's id, field, value (the same JSON as `assertions.value`) or absence reason, and
-- locator, in the binary form of `crates/store/src/pack.rs`. The store reads both tables as
-- one: a packed assertion is the same `Assertion` with the same provenance (XC-3). Later
-- assertions, corrections among them, go to `assertions` and may supersede a packed one.
CREATE TABLE assertion_packs (
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    person_id   UUID NOT NULL REFERENCES persons (id),
    source_id   UUID NOT NULL REFERENCES sources (id),
    recorded_at TIMESTAMPTZ NOT NULL,
    body        BYTEA NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
);

ALTER TABLE assertion_packs ENABLE ROW LEVEL SECURITY;
ALTER TABLE assertion_packs FORCE ROW LEVEL SECURITY;
CREATE POLICY assertion_packs_tenant ON assertion_packs
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Append-only: whereabouts_append_only() is defined by 0001.
CREATE TRIGGER assertion_packs_append_only BEFORE UPDATE OR DELETE ON assertion_packs
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

-- A correction may supersede a packed assertion, which has no row in `assertions`: the store
-- checks `supersedes_id` instead (same tenant, person and field; `Store::add_assertion`), as it
-- always has on SQLite.
ALTER TABLE assertions DROP CONSTRAINT assertions_supersedes_id_fkey;
