-- The agency's same-person proposals (issue 5, item 3): two records of one human being, notified
-- by two bureaus, or by one bureau under two references, or registered at the agency, are
-- proposed as the same person by the matching engine; a caseworker confirms or rejects. Nothing
-- is ever merged (MATCH-1): both records stay as they are, and a confirmed link only shows them
-- side by side. Never edit this file after it lands: add a new migration.

-- Persons of an agency not compared yet. A trigger writes the marker in the transaction that
-- registers the person (an ingest's import, a registration), so a crash between the ingest and
-- the comparison loses nothing: the next pass reads the marker. A pass deletes the markers of
-- the persons it compared in the transaction that writes their proposals. Consumed, so not
-- append-only.
CREATE TABLE link_pending (
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    person_id UUID NOT NULL REFERENCES persons (id),
    PRIMARY KEY (tenant_id, person_id)
);

CREATE FUNCTION whereabouts_link_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM tenants WHERE id = NEW.tenant_id AND kind = 'agency') THEN
        INSERT INTO link_pending (tenant_id, person_id) VALUES (NEW.tenant_id, NEW.id)
            ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER link_pending_person AFTER INSERT ON persons
    FOR EACH ROW EXECUTE FUNCTION whereabouts_link_pending();

-- One row per pair ever proposed (person_a < person_b by id), with what the engine said when it
-- proposed it (MATCH-7): the probability in thousandths, the algorithm version and the
-- explanation per feature (JSON). A pair is proposed once: a rejected pair keeps its row, and the
-- row's rejection is what keeps it from being proposed again (MATCH-1).
CREATE TABLE link_proposals (
    id          UUID PRIMARY KEY NOT NULL,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    person_a    UUID NOT NULL REFERENCES persons (id),
    person_b    UUID NOT NULL REFERENCES persons (id),
    score       INTEGER NOT NULL CHECK (score BETWEEN 0 AND 1000),
    algorithm   TEXT NOT NULL,
    explanation TEXT NOT NULL,
    proposed_at TIMESTAMPTZ NOT NULL,
    CHECK (person_a < person_b),
    UNIQUE (tenant_id, person_a, person_b)
);
CREATE INDEX link_proposals_b ON link_proposals (tenant_id, person_b);
CREATE INDEX link_proposals_score ON link_proposals (tenant_id, score);

-- A caseworker's decision on a proposed pair: one per decider and pair (a username, or
-- `token:<label>` for an API token issued for a caseworker's or reviewer's role; usernames hold no
-- colon), append-only, with the score, algorithm and explanation shown and the note (MATCH-1,
-- MATCH-7).
CREATE TABLE link_decisions (
    id          UUID PRIMARY KEY NOT NULL,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    proposal_id UUID NOT NULL REFERENCES link_proposals (id),
    decision    TEXT NOT NULL CHECK (decision IN ('confirm', 'reject')),
    -- The signed-in caseworker, or none for a caseworker's API token (then `decided_by` names it).
    user_id     UUID REFERENCES users (id),
    decided_by  TEXT NOT NULL,
    decided_at  TIMESTAMPTZ NOT NULL,
    note        TEXT NOT NULL,
    score       INTEGER NOT NULL,
    algorithm   TEXT NOT NULL,
    explanation TEXT NOT NULL,
    UNIQUE (proposal_id, decided_by)
);
CREATE INDEX link_decisions_tenant ON link_decisions (tenant_id, proposal_id);

CREATE TRIGGER link_proposals_append_only BEFORE UPDATE OR DELETE ON link_proposals
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER link_decisions_append_only BEFORE UPDATE OR DELETE ON link_decisions
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

-- Row-level security: a query sees only the rows of the tenant set in app.tenant_id. The trigger
-- writes with the setting of the transaction that registers the person.
ALTER TABLE link_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE link_pending FORCE ROW LEVEL SECURITY;
CREATE POLICY link_pending_tenant ON link_pending
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE link_proposals ENABLE ROW LEVEL SECURITY;
ALTER TABLE link_proposals FORCE ROW LEVEL SECURITY;
CREATE POLICY link_proposals_tenant ON link_proposals
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE link_decisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE link_decisions FORCE ROW LEVEL SECURITY;
CREATE POLICY link_decisions_tenant ON link_decisions
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- The agency's persons held before this migration are compared once, by the first pass (one
-- tenant at a time, under row-level security).
DO $$
DECLARE
    agency UUID;
BEGIN
    FOR agency IN SELECT id FROM tenants WHERE kind = 'agency' LOOP
        PERFORM set_config('app.tenant_id', agency::text, true);
        INSERT INTO link_pending (tenant_id, person_id)
            SELECT tenant_id, id FROM persons WHERE tenant_id = agency
            ON CONFLICT DO NOTHING;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END;
$$;
