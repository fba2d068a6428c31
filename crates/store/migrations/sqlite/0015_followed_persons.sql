-- The protection unit, continued (issue 6): the person as the unit follows them (ICRC-VIS-d).
-- A person seen again on a later visit, or at another place after a transfer, is registered
-- again; this links the later registration to the person's first one, so that the person keeps
-- one follow-up history across visits and places. SQLite. Never edit a migration after it lands.

CREATE TABLE registration_links (
    registration_id        BLOB PRIMARY KEY NOT NULL REFERENCES registrations (id),
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    -- The person's first registration: the id the unit follows the person under.
    person_id              BLOB NOT NULL REFERENCES registrations (id),
    linked_by              TEXT NOT NULL,
    linked_at              TEXT NOT NULL,
    CHECK (registration_id <> person_id)
);

CREATE INDEX registration_links_person ON registration_links (tenant_id, person_id);

CREATE TRIGGER registration_links_no_update BEFORE UPDATE ON registration_links
BEGIN SELECT RAISE(ABORT, 'registration links are append-only (issue 6)'); END;
CREATE TRIGGER registration_links_no_delete BEFORE DELETE ON registration_links
BEGIN SELECT RAISE(ABORT, 'registration links are append-only (issue 6)'); END;
