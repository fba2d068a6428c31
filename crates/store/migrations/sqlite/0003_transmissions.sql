-- Transmissions between instances (issue 5; XC-4, XC-5, GC3-122-c, GC4-137). Never edit this
-- file after it lands: add a new migration.
-- Every table is evidence and append-only: a key is revoked by a row in key_revocations, a
-- peer's keys change by pinning a new set, and every envelope received, including those
-- refused, leaves one row in transmissions_in.

-- This tenant's own keys. The secret halves stay in this database and never leave it.
CREATE TABLE transmission_keys (
    id                TEXT PRIMARY KEY NOT NULL,
    tenant_id         BLOB NOT NULL REFERENCES tenants (id),
    officer           TEXT,
    public_key        TEXT NOT NULL,
    signing_seed      BLOB NOT NULL,
    encryption_secret BLOB,
    created_at        TEXT NOT NULL
);
CREATE INDEX transmission_keys_tenant ON transmission_keys (tenant_id);

CREATE TABLE key_revocations (
    key_id     TEXT PRIMARY KEY NOT NULL REFERENCES transmission_keys (id),
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    revoked_at TEXT NOT NULL,
    reason     TEXT NOT NULL
);

-- Peers' signed key sets, pinned explicitly by an operator; the latest per peer is current.
CREATE TABLE peer_key_sets (
    id        BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    peer      TEXT NOT NULL,
    key_set   TEXT NOT NULL,
    pinned_by TEXT NOT NULL,
    pinned_at TEXT NOT NULL
);
CREATE INDEX peer_key_sets_peer ON peer_key_sets (tenant_id, peer);

CREATE TABLE transmissions_out (
    id           BLOB PRIMARY KEY NOT NULL,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    recipient    TEXT NOT NULL,
    channel      TEXT NOT NULL,
    sequence     INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    envelope     TEXT NOT NULL,
    officer      TEXT NOT NULL,
    items        INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (tenant_id, recipient, channel, sequence)
);

-- Which persons an outgoing envelope carried, so the next one carries only new persons.
CREATE TABLE transmission_items (
    transmission_id BLOB NOT NULL REFERENCES transmissions_out (id),
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    person_id       BLOB NOT NULL REFERENCES persons (id),
    PRIMARY KEY (transmission_id, person_id)
);
CREATE INDEX transmission_items_person ON transmission_items (tenant_id, person_id);

-- The receiver's ledger: one row per envelope received, applied, duplicate or rejected.
CREATE TABLE transmissions_in (
    id           BLOB PRIMARY KEY NOT NULL,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    sender       TEXT,
    channel      TEXT,
    sequence     INTEGER,
    content_hash TEXT,
    status       TEXT NOT NULL CHECK (status IN ('applied', 'duplicate', 'rejected')),
    reason_code  TEXT,
    reason       TEXT,
    applied      INTEGER NOT NULL,
    source_id    BLOB REFERENCES sources (id),
    received_at  TEXT NOT NULL
);
-- An envelope is applied at most once per channel and sequence number.
CREATE UNIQUE INDEX transmissions_in_applied ON transmissions_in (tenant_id, sender, channel, sequence)
    WHERE status = 'applied';

CREATE TABLE acknowledgements (
    id            BLOB PRIMARY KEY NOT NULL,
    tenant_id     BLOB NOT NULL REFERENCES tenants (id),
    direction     TEXT NOT NULL CHECK (direction IN ('issued', 'received')),
    peer          TEXT NOT NULL,
    envelope_hash TEXT NOT NULL,
    status        TEXT NOT NULL,
    receipt       TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
);
CREATE INDEX acknowledgements_hash ON acknowledgements (tenant_id, envelope_hash);

CREATE TRIGGER transmission_keys_no_update BEFORE UPDATE ON transmission_keys
BEGIN SELECT RAISE(ABORT, 'transmission keys are append-only (XC-4)'); END;
CREATE TRIGGER transmission_keys_no_delete BEFORE DELETE ON transmission_keys
BEGIN SELECT RAISE(ABORT, 'transmission keys are append-only (XC-4)'); END;
CREATE TRIGGER key_revocations_no_update BEFORE UPDATE ON key_revocations
BEGIN SELECT RAISE(ABORT, 'key revocations are append-only (XC-4)'); END;
CREATE TRIGGER key_revocations_no_delete BEFORE DELETE ON key_revocations
BEGIN SELECT RAISE(ABORT, 'key revocations are append-only (XC-4)'); END;
CREATE TRIGGER peer_key_sets_no_update BEFORE UPDATE ON peer_key_sets
BEGIN SELECT RAISE(ABORT, 'pinned key sets are append-only (XC-4)'); END;
CREATE TRIGGER peer_key_sets_no_delete BEFORE DELETE ON peer_key_sets
BEGIN SELECT RAISE(ABORT, 'pinned key sets are append-only (XC-4)'); END;
CREATE TRIGGER transmissions_out_no_update BEFORE UPDATE ON transmissions_out
BEGIN SELECT RAISE(ABORT, 'transmissions are append-only (XC-5)'); END;
CREATE TRIGGER transmissions_out_no_delete BEFORE DELETE ON transmissions_out
BEGIN SELECT RAISE(ABORT, 'transmissions are append-only (XC-5)'); END;
CREATE TRIGGER transmission_items_no_update BEFORE UPDATE ON transmission_items
BEGIN SELECT RAISE(ABORT, 'transmissions are append-only (XC-5)'); END;
CREATE TRIGGER transmission_items_no_delete BEFORE DELETE ON transmission_items
BEGIN SELECT RAISE(ABORT, 'transmissions are append-only (XC-5)'); END;
CREATE TRIGGER transmissions_in_no_update BEFORE UPDATE ON transmissions_in
BEGIN SELECT RAISE(ABORT, 'received transmissions are append-only (XC-5)'); END;
CREATE TRIGGER transmissions_in_no_delete BEFORE DELETE ON transmissions_in
BEGIN SELECT RAISE(ABORT, 'received transmissions are append-only (XC-5)'); END;
CREATE TRIGGER acknowledgements_no_update BEFORE UPDATE ON acknowledgements
BEGIN SELECT RAISE(ABORT, 'acknowledgements are append-only (XC-5)'); END;
CREATE TRIGGER acknowledgements_no_delete BEFORE DELETE ON acknowledgements
BEGIN SELECT RAISE(ABORT, 'acknowledgements are append-only (XC-5)'); END;
