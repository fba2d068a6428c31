-- Transmissions, continued (issue 5): a withdrawal that reaches a bureau before the enquiry
-- it withdraws (bundles read out of order, a lost bundle sent again) is held here, in the
-- envelope's transaction, and applied when the enquiry arrives (GC3-122-g, GC4-137-a; §10
-- #47). Never edit this file after it lands: add a new migration.

-- One row per enquiry withdrawn early (the sender's slug and the enquiry's reference as the
-- sender gave it). It is never updated nor deleted: it waits while no enquiry received from
-- `peer` under `reference` exists, and the enquiry's arrival writes the closure (which cites
-- `source_id`, the envelope that carried the withdrawal: XC-3) in the same transaction.
CREATE TABLE parked_withdrawals (
    id          BLOB PRIMARY KEY NOT NULL,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    peer        TEXT NOT NULL,
    reference   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    closed_by   TEXT NOT NULL,
    closed_at   TEXT NOT NULL,
    source_id   BLOB NOT NULL REFERENCES sources (id),
    received_at TEXT NOT NULL,
    UNIQUE (tenant_id, peer, reference)
);

CREATE TRIGGER parked_withdrawals_no_update BEFORE UPDATE ON parked_withdrawals
BEGIN SELECT RAISE(ABORT, 'transmissions are append-only (XC-5)'); END;
CREATE TRIGGER parked_withdrawals_no_delete BEFORE DELETE ON parked_withdrawals
BEGIN SELECT RAISE(ABORT, 'transmissions are append-only (XC-5)'); END;
