-- Transmissions, continued (issue 5). Never edit this file after it lands: add a new migration.

-- A caseworker closes an enquiry (answered by other means, or withdrawn) with a reason
-- (GC3-122-g, GC4-137-a; §10 #47). Append-only: the first closure of an enquiry stands.
CREATE TABLE enquiry_closures (
    id          UUID PRIMARY KEY NOT NULL,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    enquiry_id  UUID NOT NULL REFERENCES enquiries (id),
    outcome     TEXT NOT NULL CHECK (outcome IN ('answered', 'withdrawn')),
    reason      TEXT NOT NULL,
    closed_by   TEXT NOT NULL,
    closed_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, enquiry_id)
);

-- The latest exchanges with each peer (the last push and pull that reached it, the last
-- failure), kept across restarts for the /peers page and the pull schedule. A status, not a
-- record: each row is overwritten.
CREATE TABLE peer_exchange_status (
    tenant_id     UUID NOT NULL REFERENCES tenants (id),
    peer          TEXT NOT NULL,
    last_push     TIMESTAMPTZ,
    last_pull     TIMESTAMPTZ,
    last_error_at TIMESTAMPTZ,
    last_error    TEXT,
    PRIMARY KEY (tenant_id, peer)
);

-- The agency's forwarding round (GC3-123-a, GC4-140-a) remembers the persons it looked at for
-- a recipient and found no national of its origin (or of no known nationality), so the next
-- round does not read them again. A correction recorded after `considered_at` makes the person
-- a candidate again. A cache of the round's reading, not a decision: overwritten.
CREATE TABLE forwarding_considered (
    tenant_id     UUID NOT NULL REFERENCES tenants (id),
    recipient     TEXT NOT NULL,
    person_id     UUID NOT NULL REFERENCES persons (id),
    considered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, recipient, person_id)
);

-- Row-level security: a query sees only the rows of the tenant set in app.tenant_id.
ALTER TABLE enquiry_closures ENABLE ROW LEVEL SECURITY;
ALTER TABLE enquiry_closures FORCE ROW LEVEL SECURITY;
CREATE POLICY enquiry_closures_tenant ON enquiry_closures
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE peer_exchange_status ENABLE ROW LEVEL SECURITY;
ALTER TABLE peer_exchange_status FORCE ROW LEVEL SECURITY;
CREATE POLICY peer_exchange_status_tenant ON peer_exchange_status
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE forwarding_considered ENABLE ROW LEVEL SECURITY;
ALTER TABLE forwarding_considered FORCE ROW LEVEL SECURITY;
CREATE POLICY forwarding_considered_tenant ON forwarding_considered
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Append-only: whereabouts_append_only() is defined by 0001.
CREATE TRIGGER enquiry_closures_append_only BEFORE UPDATE OR DELETE ON enquiry_closures
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
