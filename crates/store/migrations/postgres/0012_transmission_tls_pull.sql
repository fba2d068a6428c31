-- Transmissions, continued (issue 5): HTTPS between instances with the peer's certificate
-- pinned, pull (a peer fetching what waits for it), detriment flags set after a person's first
-- card (GC4-137-b), and an index for the corrections scan. Never edit this file after it
-- lands: add a new migration.

-- `sha256:<hex>` of the DER of the peer's TLS certificate, the only certificate an https://
-- connection to it accepts; NULL for http:// or files only.
ALTER TABLE transmission_peers ADD COLUMN tls_pin TEXT;
-- Each round, fetch what the peer holds for this tenant from its outbox at `url`.
ALTER TABLE transmission_peers ADD COLUMN pull BOOLEAN NOT NULL DEFAULT FALSE;
-- Seal envelopes for the peer and keep them in this instance's outbox for it to fetch; never
-- push them.
ALTER TABLE transmission_peers ADD COLUMN outbox BOOLEAN NOT NULL DEFAULT FALSE;

-- Which detriment flags each outgoing envelope carried (a flag set after the first card travels
-- once per recipient and channel, with a correction card).
CREATE TABLE transmission_flags (
    transmission_id UUID NOT NULL REFERENCES transmissions_out (id),
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    flag_id         UUID NOT NULL REFERENCES detriment_flags (id),
    person_id       UUID NOT NULL REFERENCES persons (id),
    PRIMARY KEY (transmission_id, flag_id)
);
CREATE INDEX transmission_flags_flag ON transmission_flags (tenant_id, flag_id);

ALTER TABLE transmission_flags ENABLE ROW LEVEL SECURITY;
ALTER TABLE transmission_flags FORCE ROW LEVEL SECURITY;
CREATE POLICY transmission_flags_tenant ON transmission_flags
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE TRIGGER transmission_flags_append_only BEFORE UPDATE OR DELETE ON transmission_flags
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

-- The corrections scan reads only the assertions recorded since the last envelope to a peer
-- (less a margin), not the tenant's whole table.
CREATE INDEX assertions_recorded ON assertions (tenant_id, recorded_at);
