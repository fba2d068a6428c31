-- The protection unit, continued (issue 6, ICRC-VIS-e): on a delegate's laptop, the letters
-- written there (allegation steps, confidential representations, the authority's replies) that
-- the unit has acknowledged holding, from the signed receipt it writes when it imports a visit
-- bundle (`visit import`, kept on the laptop by `visit receipt`). A letter about the allegation
-- of an older visit travels with every later report until it is here; a letter never
-- acknowledged keeps travelling, so a lost bundle loses nothing. Append-only. Never edit this
-- file after it lands: add a new migration.

CREATE TABLE field_letters_received (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    -- The protection unit's tenant slug, as `visit export --to` names it.
    recipient       TEXT NOT NULL,
    -- The step's, representation's or reply's id (made on the laptop).
    letter_id       UUID NOT NULL,
    -- The receipt that said so: the envelope's hash and when the unit applied it.
    envelope_hash   TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, recipient, letter_id)
);

-- Row-level security: a query sees only the rows of the tenant set in app.tenant_id.
ALTER TABLE field_letters_received ENABLE ROW LEVEL SECURITY;
ALTER TABLE field_letters_received FORCE ROW LEVEL SECURITY;
CREATE POLICY field_letters_received_tenant ON field_letters_received
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Append-only: whereabouts_append_only() is defined by 0001.
CREATE TRIGGER field_letters_received_append_only BEFORE UPDATE OR DELETE ON field_letters_received
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

-- Issue 6: `persons_due` (0020) was back-filled without statistics; until autovacuum analysed
-- it, a page of the follow-ups due read and sorted the whole range instead of walking its
-- index in order. Later large batches analyse it themselves (store::protection::batch).
ANALYZE persons_due;
