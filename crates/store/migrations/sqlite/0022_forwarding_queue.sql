-- Transmissions, continued (issue 5): the agency's forwarding round to a power of origin
-- (GC3-123-a, GC4-140-a) reads only the persons that changed since its last round, not the
-- whole tenant. Never edit this file after it lands: add a new migration.
--
-- A person can become one to forward to a peer when they are registered, or when an assertion
-- about their nationality is recorded (the round forwards the nationals of the peer's origin
-- that have no decision for the peer yet). Triggers write a change row for each of those
-- writes, in the writing transaction itself: the row commits with the write or not at all, so
-- no timestamp decides what a round has seen.

-- Changes not yet handed to the recipients: one row per person registered and per nationality
-- asserted. A round moves them (all of its tenant's) to `forwarding_pending`, one row per
-- recipient that reads from the queue, and deletes them, in one transaction (SQLite has one
-- writer at a time: `BEGIN IMMEDIATE`).
CREATE TABLE forwarding_changes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    person_id BLOB NOT NULL REFERENCES persons (id)
);
CREATE INDEX forwarding_changes_tenant ON forwarding_changes (tenant_id, id);

CREATE TRIGGER forwarding_changes_person AFTER INSERT ON persons
BEGIN
    INSERT INTO forwarding_changes (tenant_id, person_id) VALUES (NEW.tenant_id, NEW.id);
END;
CREATE TRIGGER forwarding_changes_nationality AFTER INSERT ON assertions
WHEN NEW.field = 'nationality'
BEGIN
    INSERT INTO forwarding_changes (tenant_id, person_id) VALUES (NEW.tenant_id, NEW.person_id);
END;

-- The recipients whose rounds read from the queue. A recipient's first round reads the whole
-- tenant (as rounds did before this migration), in the transaction that adds its row here;
-- from then on every change reaches it through `forwarding_pending`.
CREATE TABLE forwarding_recipients (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    recipient TEXT NOT NULL,
    since     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, recipient)
) WITHOUT ROWID;

-- The persons a recipient's next round reads. The round deletes the rows it read (up to the
-- greatest id it read) when it records its decisions; a row written after the round read
-- stays for the next one.
CREATE TABLE forwarding_pending (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    recipient TEXT NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id)
);
CREATE INDEX forwarding_pending_recipient ON forwarding_pending (tenant_id, recipient, id);
