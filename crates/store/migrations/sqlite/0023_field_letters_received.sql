-- The protection unit, continued (issue 6, ICRC-VIS-e): on a delegate's laptop, the letters
-- written there (allegation steps, confidential representations, the authority's replies) that
-- the unit has acknowledged holding, from the signed receipt it writes when it imports a visit
-- bundle (`visit import`, kept on the laptop by `visit receipt`). A letter about the allegation
-- of an older visit travels with every later report until it is here; a letter never
-- acknowledged keeps travelling, so a lost bundle loses nothing. Append-only. Never edit this
-- file after it lands: add a new migration.

CREATE TABLE field_letters_received (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    -- The protection unit's tenant slug, as `visit export --to` names it.
    recipient       TEXT NOT NULL,
    -- The step's, representation's or reply's id (made on the laptop).
    letter_id       BLOB NOT NULL,
    -- The receipt that said so: the envelope's hash and when the unit applied it.
    envelope_hash   TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, recipient, letter_id)
);

CREATE TRIGGER field_letters_received_no_update BEFORE UPDATE ON field_letters_received
BEGIN SELECT RAISE(ABORT, 'receipts are append-only (XC-5)'); END;
CREATE TRIGGER field_letters_received_no_delete BEFORE DELETE ON field_letters_received
BEGIN SELECT RAISE(ABORT, 'receipts are append-only (XC-5)'); END;
