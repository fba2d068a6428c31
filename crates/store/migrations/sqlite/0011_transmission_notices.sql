-- Transmissions, continued (issue 5): which events and which corrected assertions each
-- outgoing envelope carried, so that every notifiable change (GC3-122-e, GC4-136-b, GC3-120,
-- GC4-129-a) and every correction travels once per recipient and channel. Persons are in
-- transmission_items (0003). Never edit this file after it lands: add a new migration.
CREATE TABLE transmission_notices (
    transmission_id BLOB NOT NULL REFERENCES transmissions_out (id),
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    -- 'event' (an events row) or 'assertion' (an assertions row sent as a correction).
    item_kind       TEXT NOT NULL CHECK (item_kind IN ('event', 'assertion')),
    item_id         BLOB NOT NULL,
    person_id       BLOB NOT NULL REFERENCES persons (id),
    PRIMARY KEY (transmission_id, item_kind, item_id)
);
CREATE INDEX transmission_notices_item ON transmission_notices (tenant_id, item_kind, item_id);

CREATE TRIGGER transmission_notices_no_update BEFORE UPDATE ON transmission_notices
BEGIN SELECT RAISE(ABORT, 'transmissions are append-only (XC-5)'); END;
CREATE TRIGGER transmission_notices_no_delete BEFORE DELETE ON transmission_notices
BEGIN SELECT RAISE(ABORT, 'transmissions are append-only (XC-5)'); END;
