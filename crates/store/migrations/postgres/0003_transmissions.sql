-- Transmissions between instances (issue 5; XC-4, XC-5, GC3-122-c, GC4-137). Never edit this
-- file after it lands: add a new migration.
-- Every table is evidence and append-only: a key is revoked by a row in key_revocations, a
-- peer's keys change by pinning a new set, and every envelope received, including those
-- refused, leaves one row in transmissions_in.

-- This tenant's own keys. The secret halves stay in this database and never leave it.
CREATE TABLE transmission_keys (
    id                TEXT PRIMARY KEY NOT NULL,
    tenant_id         UUID NOT NULL REFERENCES tenants (id),
    officer           TEXT,
    public_key        TEXT NOT NULL,
    signing_seed      BYTEA NOT NULL,
    encryption_secret BYTEA,
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX transmission_keys_tenant ON transmission_keys (tenant_id);

CREATE TABLE key_revocations (
    key_id     TEXT PRIMARY KEY NOT NULL REFERENCES transmission_keys (id),
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    revoked_at TIMESTAMPTZ NOT NULL,
    reason     TEXT NOT NULL
);

-- Peers' signed key sets, pinned explicitly by an operator; the latest per peer is current.
CREATE TABLE peer_key_sets (
    id        UUID PRIMARY KEY NOT NULL,
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    peer      TEXT NOT NULL,
    key_set   TEXT NOT NULL,
    pinned_by TEXT NOT NULL,
    pinned_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX peer_key_sets_peer ON peer_key_sets (tenant_id, peer);

CREATE TABLE transmissions_out (
    id           UUID PRIMARY KEY NOT NULL,
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    recipient    TEXT NOT NULL,
    channel      TEXT NOT NULL,
    sequence     BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    envelope     TEXT NOT NULL,
    officer      TEXT NOT NULL,
    items        INTEGER NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, recipient, channel, sequence)
);

-- Which persons an outgoing envelope carried, so the next one carries only new persons.
CREATE TABLE transmission_items (
    transmission_id UUID NOT NULL REFERENCES transmissions_out (id),
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    person_id       UUID NOT NULL REFERENCES persons (id),
    PRIMARY KEY (transmission_id, person_id)
);
CREATE INDEX transmission_items_person ON transmission_items (tenant_id, person_id);

-- The receiver's ledger: one row per envelope received, applied, duplicate or rejected.
CREATE TABLE transmissions_in (
    id           UUID PRIMARY KEY NOT NULL,
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    sender       TEXT,
    channel      TEXT,
    sequence     BIGINT,
    content_hash TEXT,
    status       TEXT NOT NULL CHECK (status IN ('applied', 'duplicate', 'rejected')),
    reason_code  TEXT,
    reason       TEXT,
    applied      INTEGER NOT NULL,
    source_id    UUID REFERENCES sources (id),
    received_at  TIMESTAMPTZ NOT NULL
);
-- An envelope is applied at most once per channel and sequence number.
CREATE UNIQUE INDEX transmissions_in_applied ON transmissions_in (tenant_id, sender, channel, sequence)
    WHERE status = 'applied';

CREATE TABLE acknowledgements (
    id            UUID PRIMARY KEY NOT NULL,
    tenant_id     UUID NOT NULL REFERENCES tenants (id),
    direction     TEXT NOT NULL CHECK (direction IN ('issued', 'received')),
    peer          TEXT NOT NULL,
    envelope_hash TEXT NOT NULL,
    status        TEXT NOT NULL,
    receipt       TEXT NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX acknowledgements_hash ON acknowledgements (tenant_id, envelope_hash);


-- Row-level security: a query sees only the rows of the tenant set in app.tenant_id.
ALTER TABLE transmission_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE transmission_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY transmission_keys_tenant ON transmission_keys
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE key_revocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE key_revocations FORCE ROW LEVEL SECURITY;
CREATE POLICY key_revocations_tenant ON key_revocations
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE peer_key_sets ENABLE ROW LEVEL SECURITY;
ALTER TABLE peer_key_sets FORCE ROW LEVEL SECURITY;
CREATE POLICY peer_key_sets_tenant ON peer_key_sets
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE transmissions_out ENABLE ROW LEVEL SECURITY;
ALTER TABLE transmissions_out FORCE ROW LEVEL SECURITY;
CREATE POLICY transmissions_out_tenant ON transmissions_out
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE transmission_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE transmission_items FORCE ROW LEVEL SECURITY;
CREATE POLICY transmission_items_tenant ON transmission_items
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE transmissions_in ENABLE ROW LEVEL SECURITY;
ALTER TABLE transmissions_in FORCE ROW LEVEL SECURITY;
CREATE POLICY transmissions_in_tenant ON transmissions_in
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE acknowledgements ENABLE ROW LEVEL SECURITY;
ALTER TABLE acknowledgements FORCE ROW LEVEL SECURITY;
CREATE POLICY acknowledgements_tenant ON acknowledgements
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Append-only: whereabouts_append_only() is defined by 0001.
CREATE TRIGGER transmission_keys_append_only BEFORE UPDATE OR DELETE ON transmission_keys
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER key_revocations_append_only BEFORE UPDATE OR DELETE ON key_revocations
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER peer_key_sets_append_only BEFORE UPDATE OR DELETE ON peer_key_sets
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER transmissions_out_append_only BEFORE UPDATE OR DELETE ON transmissions_out
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER transmission_items_append_only BEFORE UPDATE OR DELETE ON transmission_items
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER transmissions_in_append_only BEFORE UPDATE OR DELETE ON transmissions_in
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER acknowledgements_append_only BEFORE UPDATE OR DELETE ON acknowledgements
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
