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
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    person_id BLOB NOT NULL REFERENCES persons (id),
    PRIMARY KEY (tenant_id, person_id)
) WITHOUT ROWID;

CREATE TRIGGER link_pending_person AFTER INSERT ON persons
WHEN (SELECT kind FROM tenants WHERE id = NEW.tenant_id) = 'agency'
BEGIN
    INSERT OR IGNORE INTO link_pending (tenant_id, person_id) VALUES (NEW.tenant_id, NEW.id);
END;

-- The agency's persons held before this migration are compared once, by the first pass.
INSERT OR IGNORE INTO link_pending (tenant_id, person_id)
    SELECT p.tenant_id, p.id FROM persons p JOIN tenants t ON t.id = p.tenant_id WHERE t.kind = 'agency';

-- One row per pair ever proposed (person_a < person_b by id), with what the engine said when it
-- proposed it (MATCH-7): the probability in thousandths, the algorithm version and the
-- explanation per feature (JSON). A pair is proposed once: a rejected pair keeps its row, and the
-- row's rejection is what keeps it from being proposed again (MATCH-1).
CREATE TABLE link_proposals (
    id          BLOB PRIMARY KEY NOT NULL,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    person_a    BLOB NOT NULL REFERENCES persons (id),
    person_b    BLOB NOT NULL REFERENCES persons (id),
    score       INTEGER NOT NULL CHECK (score BETWEEN 0 AND 1000),
    algorithm   TEXT NOT NULL,
    explanation TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
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
    id          BLOB PRIMARY KEY NOT NULL,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    proposal_id BLOB NOT NULL REFERENCES link_proposals (id),
    decision    TEXT NOT NULL CHECK (decision IN ('confirm', 'reject')),
    -- The signed-in caseworker, or none for a caseworker's API token (then `decided_by` names it).
    user_id     BLOB REFERENCES users (id),
    decided_by  TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    note        TEXT NOT NULL,
    score       INTEGER NOT NULL,
    algorithm   TEXT NOT NULL,
    explanation TEXT NOT NULL,
    UNIQUE (proposal_id, decided_by)
);
CREATE INDEX link_decisions_tenant ON link_decisions (tenant_id, proposal_id);

CREATE TRIGGER link_proposals_no_update BEFORE UPDATE ON link_proposals
BEGIN SELECT RAISE(ABORT, 'same-person proposals are append-only (MATCH-7)'); END;
CREATE TRIGGER link_proposals_no_delete BEFORE DELETE ON link_proposals
BEGIN SELECT RAISE(ABORT, 'same-person proposals are append-only (MATCH-7)'); END;
CREATE TRIGGER link_decisions_no_update BEFORE UPDATE ON link_decisions
BEGIN SELECT RAISE(ABORT, 'same-person decisions are append-only (MATCH-7)'); END;
CREATE TRIGGER link_decisions_no_delete BEFORE DELETE ON link_decisions
BEGIN SELECT RAISE(ABORT, 'same-person decisions are append-only (MATCH-7)'); END;
