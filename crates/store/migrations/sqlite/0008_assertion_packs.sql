-- A compact form for the assertions a person is registered with (issue 2: import throughput).
-- Never edit this file after it lands: add a new migration.
--
-- An import writes one row per person here instead of about ten rows in `assertions`: the
-- tenant, the person, the source and the time are stored once, and `body` holds each
-- assertion's id, field, value (the same JSON as `assertions.value`) or absence reason, and
-- locator, in the binary form of `crates/store/src/pack.rs`. The store reads both tables as
-- one: a packed assertion is the same `Assertion` with the same provenance (XC-3). Later
-- assertions, corrections among them, go to `assertions` and may supersede a packed one.
CREATE TABLE assertion_packs (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    person_id   BLOB NOT NULL REFERENCES persons (id),
    source_id   BLOB NOT NULL REFERENCES sources (id),
    recorded_at TEXT NOT NULL,
    body        BLOB NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
) WITHOUT ROWID;

CREATE TRIGGER assertion_packs_no_update BEFORE UPDATE ON assertion_packs
BEGIN SELECT RAISE(ABORT, 'assertions are append-only (XC-3)'); END;
CREATE TRIGGER assertion_packs_no_delete BEFORE DELETE ON assertion_packs
BEGIN SELECT RAISE(ABORT, 'assertions are append-only (XC-3)'); END;
