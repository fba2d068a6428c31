-- Transmissions, continued (issue 5): a withdrawal travels to the bureau (GC3-122-g,
-- GC4-137-a; §10 #47). Never edit this file after it lands: add a new migration.

-- At a bureau, a closure can arrive in an envelope: the source that carried it (XC-3). NULL
-- for a closure written here by a caseworker.
ALTER TABLE enquiry_closures ADD COLUMN source_id BLOB REFERENCES sources (id);

-- Which envelope carried a withdrawal to the bureau asked (the agency's side), so that it
-- travels once per recipient.
CREATE TABLE transmission_closures (
    transmission_id BLOB NOT NULL REFERENCES transmissions_out (id),
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    closure_id      BLOB NOT NULL REFERENCES enquiry_closures (id),
    PRIMARY KEY (transmission_id, closure_id)
);
CREATE INDEX transmission_closures_closure ON transmission_closures (tenant_id, closure_id);

CREATE TRIGGER transmission_closures_no_update BEFORE UPDATE ON transmission_closures
BEGIN SELECT RAISE(ABORT, 'transmissions are append-only (XC-5)'); END;
CREATE TRIGGER transmission_closures_no_delete BEFORE DELETE ON transmission_closures
BEGIN SELECT RAISE(ABORT, 'transmissions are append-only (XC-5)'); END;
