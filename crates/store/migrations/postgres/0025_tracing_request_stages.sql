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
    request_id UUID PRIMARY KEY NOT NULL REFERENCES tracing_requests (id),
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    created_at TIMESTAMPTZ NOT NULL,
    stage      BIGINT NOT NULL CHECK (stage IN (0, 1, 2)),
    decisions  BIGINT NOT NULL
);
CREATE INDEX tracing_request_stages_page ON tracing_request_stages (tenant_id, created_at DESC, request_id DESC);
CREATE INDEX tracing_request_stages_stage ON tracing_request_stages (tenant_id, stage, created_at DESC, request_id DESC);

ALTER TABLE tracing_request_stages ENABLE ROW LEVEL SECURITY;
ALTER TABLE tracing_request_stages FORCE ROW LEVEL SECURITY;
CREATE POLICY tracing_request_stages_tenant ON tracing_request_stages
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- The stage and the number of decisions of one request, from its own decisions.
CREATE FUNCTION whereabouts_request_stage(tenant UUID, request UUID) RETURNS TABLE (stage BIGINT, decisions BIGINT)
LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT MAX(CASE WHEN p.rejected = 0 AND p.confirmers >= 2 THEN 2
                                     WHEN p.rejected = 0 AND p.confirmers = 1 THEN 1 ELSE 0 END)
                     FROM (SELECT COUNT(DISTINCT CASE WHEN d.decision = 'confirm' THEN d.user_id END) AS confirmers,
                                  MAX(CASE WHEN d.decision = 'reject' THEN 1 ELSE 0 END) AS rejected
                           FROM match_decisions d WHERE d.tenant_id = tenant AND d.request_id = request
                           GROUP BY d.person_id) p), 0)::BIGINT,
           (SELECT COUNT(*) FROM match_decisions d WHERE d.tenant_id = tenant AND d.request_id = request)::BIGINT
$$;

-- Back-fill: the requests held before this migration, with the stage their decisions give
-- them, one tenant at a time, because row-level security applies to the role that migrates too
-- (it is not a superuser): each tenant's rows are read and written under that tenant's setting.
DO $$
DECLARE
    t UUID;
BEGIN
    FOR t IN SELECT id FROM tenants LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        -- The same rule as whereabouts_request_stage, over all the tenant's decisions at once.
        INSERT INTO tracing_request_stages (request_id, tenant_id, created_at, stage, decisions)
        SELECT r.id, r.tenant_id, r.created_at, COALESCE(p.stage, 0), COALESCE(p.decisions, 0)
        FROM tracing_requests r LEFT JOIN (SELECT request_id,
               MAX(CASE WHEN rejected = 0 AND confirmers >= 2 THEN 2 WHEN rejected = 0 AND confirmers = 1 THEN 1 ELSE 0 END)::BIGINT AS stage,
               SUM(n)::BIGINT AS decisions
        FROM (SELECT request_id, COUNT(DISTINCT CASE WHEN decision = 'confirm' THEN user_id END) AS confirmers,
                     MAX(CASE WHEN decision = 'reject' THEN 1 ELSE 0 END) AS rejected, COUNT(*) AS n
              FROM match_decisions WHERE tenant_id = t GROUP BY request_id, person_id) pairs
        GROUP BY request_id) p ON p.request_id = r.id
        WHERE r.tenant_id = t;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END
$$;

-- A new request's row, from the decisions held on it: none in the application; a restore
-- (which copies the tables in name order, match_decisions before tracing_requests, and leaves
-- this table to the triggers: store::backup) may have written them first.
CREATE FUNCTION whereabouts_request_stage_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tracing_request_stages (request_id, tenant_id, created_at, stage, decisions)
    SELECT NEW.id, NEW.tenant_id, NEW.created_at, s.stage, s.decisions
    FROM whereabouts_request_stage(NEW.tenant_id, NEW.id) s
    ON CONFLICT (request_id) DO UPDATE SET created_at = EXCLUDED.created_at,
        stage = EXCLUDED.stage, decisions = EXCLUDED.decisions;
    RETURN NULL;
END;
$$;
CREATE TRIGGER tracing_request_stages_request AFTER INSERT ON tracing_requests
    FOR EACH ROW EXECUTE FUNCTION whereabouts_request_stage_new();

-- A decision recomputes its request's row from the request's own decisions (a handful), in the
-- decision's transaction (a decision restored before its request finds no row: the request's
-- trigger counts it). The row is locked first, in a statement of its own: two reviewers
-- deciding on one request at once are written one after the other, and the second recomputes
-- (a new snapshot per statement under READ COMMITTED) after the first committed, so it counts
-- the first's decision too.
CREATE FUNCTION whereabouts_request_stage_decision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM tracing_request_stages WHERE request_id = NEW.request_id FOR UPDATE;
    UPDATE tracing_request_stages t SET stage = s.stage, decisions = s.decisions
    FROM whereabouts_request_stage(NEW.tenant_id, NEW.request_id) s
    WHERE t.request_id = NEW.request_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER tracing_request_stages_decision AFTER INSERT ON match_decisions
    FOR EACH ROW EXECUTE FUNCTION whereabouts_request_stage_decision();

CREATE TRIGGER tracing_request_stages_no_delete BEFORE DELETE ON tracing_request_stages
    FOR EACH ROW EXECUTE FUNCTION whereabouts_no_delete();

