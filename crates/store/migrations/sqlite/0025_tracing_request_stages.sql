-- The caseworker's worklist, continued (issue 5; MATCH-1): each tracing request's stage kept
-- in a row of its own, written in the transaction of the request and of every decision on it
-- (triggers), so that a page of the worklist reads an index instead of aggregating every
-- decision of the tenant. Never edit this file after it lands: add a new migration.
--
-- `stage`: 0 to review (no pair has a confirmation that stands), 1 awaiting a second
-- confirmation (a pair with one confirming user and no rejection), 2 found (a pair with two
-- confirming users and no rejection): the furthest of the request's pairs. `decisions`: every
-- decision on its pairs. `created_at` is the request's, for the worklist's order.
CREATE TABLE tracing_request_stages (
    request_id BLOB PRIMARY KEY NOT NULL REFERENCES tracing_requests (id),
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    created_at TEXT NOT NULL,
    stage      INTEGER NOT NULL CHECK (stage IN (0, 1, 2)),
    decisions  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tracing_request_stages_page ON tracing_request_stages (tenant_id, created_at DESC, request_id DESC);
CREATE INDEX tracing_request_stages_stage ON tracing_request_stages (tenant_id, stage, created_at DESC, request_id DESC);

-- The requests held before this migration, with the stage their decisions give them (the rule
-- of the decision's trigger below, over all decisions at once).
INSERT INTO tracing_request_stages (request_id, tenant_id, created_at, stage, decisions)
SELECT r.id, r.tenant_id, r.created_at, COALESCE(p.stage, 0), COALESCE(p.decisions, 0)
FROM tracing_requests r LEFT JOIN
    (SELECT tenant_id, request_id,
            MAX(CASE WHEN rejected = 0 AND confirmers >= 2 THEN 2 WHEN rejected = 0 AND confirmers = 1 THEN 1 ELSE 0 END) AS stage,
            SUM(n) AS decisions
     FROM (SELECT tenant_id, request_id, COUNT(DISTINCT CASE WHEN decision = 'confirm' THEN user_id END) AS confirmers,
                  MAX(CASE WHEN decision = 'reject' THEN 1 ELSE 0 END) AS rejected, COUNT(*) AS n
           FROM match_decisions GROUP BY tenant_id, request_id, person_id)
     GROUP BY tenant_id, request_id) p ON p.request_id = r.id AND p.tenant_id = r.tenant_id;

CREATE TRIGGER tracing_request_stages_request AFTER INSERT ON tracing_requests
BEGIN
    INSERT INTO tracing_request_stages (request_id, tenant_id, created_at, stage, decisions)
    VALUES (NEW.id, NEW.tenant_id, NEW.created_at, 0, 0);
END;

-- A decision recomputes its request's row from the request's own decisions (a handful), in the
-- decision's transaction (SQLite has one writer at a time).
CREATE TRIGGER tracing_request_stages_decision AFTER INSERT ON match_decisions
BEGIN
    UPDATE tracing_request_stages SET
        stage = COALESCE((SELECT MAX(CASE WHEN p.rejected = 0 AND p.confirmers >= 2 THEN 2
                                          WHEN p.rejected = 0 AND p.confirmers = 1 THEN 1 ELSE 0 END)
                          FROM (SELECT COUNT(DISTINCT CASE WHEN d.decision = 'confirm' THEN d.user_id END) AS confirmers,
                                       MAX(CASE WHEN d.decision = 'reject' THEN 1 ELSE 0 END) AS rejected
                                FROM match_decisions d WHERE d.tenant_id = NEW.tenant_id AND d.request_id = NEW.request_id
                                GROUP BY d.person_id) p), 0),
        decisions = (SELECT COUNT(*) FROM match_decisions d WHERE d.tenant_id = NEW.tenant_id AND d.request_id = NEW.request_id)
    WHERE request_id = NEW.request_id;
END;

-- Written by the triggers only: the row of a request is never deleted (requests are not).
CREATE TRIGGER tracing_request_stages_no_delete BEFORE DELETE ON tracing_request_stages
BEGIN SELECT RAISE(ABORT, 'tracing_request_stages are never deleted'); END;
