-- Transmissions, continued (issue 5): where each peer is reached and which power of origin it
-- stands for, the bureaus' detriment flags (GC4-137-b) and the agency's forwarding decisions
-- (GC3-123-a, GC4-140-a). Never edit this file after it lands: add a new migration.
-- Every table is append-only; the latest row of a peer is its current setting.

CREATE TABLE transmission_peers (
    id        UUID PRIMARY KEY NOT NULL,
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    peer      TEXT NOT NULL,
    -- Where the sender loop pushes envelopes (`http://host:port`), or NULL: files only.
    url       TEXT,
    -- The party (ISO code, XA–XZ for fictional ones) whose nationals' information the agency
    -- forwards to this peer, or NULL.
    origin    TEXT,
    -- The channel cards go out on to this peer (XC-5): agency or protecting-power.
    channel   TEXT NOT NULL CHECK (channel IN ('agency', 'protecting-power')),
    set_by    TEXT NOT NULL,
    set_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX transmission_peers_peer ON transmission_peers (tenant_id, peer);

-- GC4-137-b: transmission to the power of origin would be detrimental. Kept by the bureau that
-- judged it, and by the agency that received the card carrying it.
CREATE TABLE detriment_flags (
    id          UUID PRIMARY KEY NOT NULL,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    person_id   UUID NOT NULL REFERENCES persons (id),
    reason      TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX detriment_flags_person ON detriment_flags (tenant_id, person_id);

-- Every forwarding decision: per person and recipient, forwarded (in which envelope) or
-- withheld, the fields forwarded and those withheld with the reason for each.
CREATE TABLE forwarding_decisions (
    id              UUID PRIMARY KEY NOT NULL,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    person_id       UUID NOT NULL REFERENCES persons (id),
    recipient       TEXT NOT NULL,
    decision        TEXT NOT NULL CHECK (decision IN ('forwarded', 'withheld')),
    forwarded       TEXT NOT NULL,
    withheld        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    transmission_id UUID REFERENCES transmissions_out (id),
    decided_by      TEXT NOT NULL,
    decided_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX forwarding_decisions_person ON forwarding_decisions (tenant_id, person_id);

-- Row-level security: a query sees only the rows of the tenant set in app.tenant_id.
ALTER TABLE transmission_peers ENABLE ROW LEVEL SECURITY;
ALTER TABLE transmission_peers FORCE ROW LEVEL SECURITY;
CREATE POLICY transmission_peers_tenant ON transmission_peers
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE detriment_flags ENABLE ROW LEVEL SECURITY;
ALTER TABLE detriment_flags FORCE ROW LEVEL SECURITY;
CREATE POLICY detriment_flags_tenant ON detriment_flags
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE forwarding_decisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE forwarding_decisions FORCE ROW LEVEL SECURITY;
CREATE POLICY forwarding_decisions_tenant ON forwarding_decisions
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Append-only: whereabouts_append_only() is defined by 0001.
CREATE TRIGGER transmission_peers_append_only BEFORE UPDATE OR DELETE ON transmission_peers
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER detriment_flags_append_only BEFORE UPDATE OR DELETE ON detriment_flags
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER forwarding_decisions_append_only BEFORE UPDATE OR DELETE ON forwarding_decisions
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
