-- Transmissions, continued (issue 5): a withdrawal that reaches a bureau before the enquiry
-- it withdraws (bundles read out of order, a lost bundle sent again) is held here, in the
-- envelope's transaction, and applied when the enquiry arrives (GC3-122-g, GC4-137-a; §10
-- #47). Never edit this file after it lands: add a new migration.

-- One row per enquiry withdrawn early (the sender's slug and the enquiry's reference as the
-- sender gave it). It is never updated nor deleted: it waits while no enquiry received from
-- `peer` under `reference` exists, and the enquiry's arrival writes the closure (which cites
-- `source_id`, the envelope that carried the withdrawal: XC-3) in the same transaction.
CREATE TABLE parked_withdrawals (
    id          UUID PRIMARY KEY NOT NULL,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    peer        TEXT NOT NULL,
    reference   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    closed_by   TEXT NOT NULL,
    closed_at   TIMESTAMPTZ NOT NULL,
    source_id   UUID NOT NULL REFERENCES sources (id),
    received_at TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, peer, reference)
);

-- Row-level security: a query sees only the rows of the tenant set in app.tenant_id.
ALTER TABLE parked_withdrawals ENABLE ROW LEVEL SECURITY;
ALTER TABLE parked_withdrawals FORCE ROW LEVEL SECURITY;
CREATE POLICY parked_withdrawals_tenant ON parked_withdrawals
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Append-only: whereabouts_append_only() is defined by 0001.
CREATE TRIGGER parked_withdrawals_append_only BEFORE UPDATE OR DELETE ON parked_withdrawals
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
