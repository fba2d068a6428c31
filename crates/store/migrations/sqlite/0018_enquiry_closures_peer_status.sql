-- Transmissions, continued (issue 5). Never edit this file after it lands: add a new migration.

-- A caseworker closes an enquiry (answered by other means, or withdrawn) with a reason
-- (GC3-122-g, GC4-137-a; §10 #47). Append-only: the first closure of an enquiry stands.
CREATE TABLE enquiry_closures (
    id          BLOB PRIMARY KEY NOT NULL,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    enquiry_id  BLOB NOT NULL REFERENCES enquiries (id),
    outcome     TEXT NOT NULL CHECK (outcome IN ('answered', 'withdrawn')),
    reason      TEXT NOT NULL,
    closed_by   TEXT NOT NULL,
    closed_at   TEXT NOT NULL,
    UNIQUE (tenant_id, enquiry_id)
);
CREATE TRIGGER enquiry_closures_no_update BEFORE UPDATE ON enquiry_closures
BEGIN SELECT RAISE(ABORT, 'enquiry closures are append-only (XC-8)'); END;
CREATE TRIGGER enquiry_closures_no_delete BEFORE DELETE ON enquiry_closures
BEGIN SELECT RAISE(ABORT, 'enquiry closures are append-only (XC-8)'); END;

-- The latest exchanges with each peer (the last push and pull that reached it, the last
-- failure), kept across restarts for the /peers page and the pull schedule. A status, not a
-- record: each row is overwritten.
CREATE TABLE peer_exchange_status (
    tenant_id     BLOB NOT NULL REFERENCES tenants (id),
    peer          TEXT NOT NULL,
    last_push     TEXT,
    last_pull     TEXT,
    last_error_at TEXT,
    last_error    TEXT,
    PRIMARY KEY (tenant_id, peer)
);

-- The agency's forwarding round (GC3-123-a, GC4-140-a) remembers the persons it looked at for
-- a recipient and found no national of its origin (or of no known nationality), so the next
-- round does not read them again. A correction recorded after `considered_at` makes the person
-- a candidate again. A cache of the round's reading, not a decision: overwritten.
CREATE TABLE forwarding_considered (
    tenant_id     BLOB NOT NULL REFERENCES tenants (id),
    recipient     TEXT NOT NULL,
    person_id     BLOB NOT NULL REFERENCES persons (id),
    considered_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, recipient, person_id)
) WITHOUT ROWID;
