-- Transmissions, continued (issue 5): where each peer is reached and which power of origin it
-- stands for, the bureaus' detriment flags (GC4-137-b) and the agency's forwarding decisions
-- (GC3-123-a, GC4-140-a). Never edit this file after it lands: add a new migration.
-- Every table is append-only; the latest row of a peer is its current setting.

CREATE TABLE transmission_peers (
    id        BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    peer      TEXT NOT NULL,
    -- Where the sender loop pushes envelopes (`http://host:port`), or NULL: files only.
    url       TEXT,
    -- The party (ISO code, XA–XZ for fictional ones) whose nationals' information the agency
    -- forwards to this peer, or NULL.
    origin    TEXT,
    -- The channel cards go out on to this peer (XC-5): agency or protecting-power.
    channel   TEXT NOT NULL CHECK (channel IN ('agency', 'protecting-power')),
    set_by    TEXT NOT NULL,
    set_at    TEXT NOT NULL
);
CREATE INDEX transmission_peers_peer ON transmission_peers (tenant_id, peer);

-- GC4-137-b: transmission to the power of origin would be detrimental. Kept by the bureau that
-- judged it, and by the agency that received the card carrying it.
CREATE TABLE detriment_flags (
    id          BLOB PRIMARY KEY NOT NULL,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    person_id   BLOB NOT NULL REFERENCES persons (id),
    reason      TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX detriment_flags_person ON detriment_flags (tenant_id, person_id);

-- Every forwarding decision: per person and recipient, forwarded (in which envelope) or
-- withheld, the fields forwarded and those withheld with the reason for each.
CREATE TABLE forwarding_decisions (
    id              BLOB PRIMARY KEY NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    person_id       BLOB NOT NULL REFERENCES persons (id),
    recipient       TEXT NOT NULL,
    decision        TEXT NOT NULL CHECK (decision IN ('forwarded', 'withheld')),
    forwarded       TEXT NOT NULL,
    withheld        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    transmission_id BLOB REFERENCES transmissions_out (id),
    decided_by      TEXT NOT NULL,
    decided_at      TEXT NOT NULL
);
CREATE INDEX forwarding_decisions_person ON forwarding_decisions (tenant_id, person_id);

CREATE TRIGGER transmission_peers_no_update BEFORE UPDATE ON transmission_peers
BEGIN SELECT RAISE(ABORT, 'peer settings are append-only (XC-8)'); END;
CREATE TRIGGER transmission_peers_no_delete BEFORE DELETE ON transmission_peers
BEGIN SELECT RAISE(ABORT, 'peer settings are append-only (XC-8)'); END;
CREATE TRIGGER detriment_flags_no_update BEFORE UPDATE ON detriment_flags
BEGIN SELECT RAISE(ABORT, 'detriment flags are append-only (GC4-137-b)'); END;
CREATE TRIGGER detriment_flags_no_delete BEFORE DELETE ON detriment_flags
BEGIN SELECT RAISE(ABORT, 'detriment flags are append-only (GC4-137-b)'); END;
CREATE TRIGGER forwarding_decisions_no_update BEFORE UPDATE ON forwarding_decisions
BEGIN SELECT RAISE(ABORT, 'forwarding decisions are append-only (XC-8)'); END;
CREATE TRIGGER forwarding_decisions_no_delete BEFORE DELETE ON forwarding_decisions
BEGIN SELECT RAISE(ABORT, 'forwarding decisions are append-only (XC-8)'); END;
