-- The protection unit, continued (issue 6): the follow-ups due (ICRC-VIS-d, GC3-126-c) kept per
-- person. Each person the unit follows (a registration no link points from) has a row here while
-- their latest follow-up over all their registrations names a next visit due and none of their
-- registrations was seen after that follow-up was recorded: the date, when the follow-up was
-- recorded, and where the person was last seen. The store writes it in the same transaction as
-- every write that changes it (a follow-up, a person seen, a link; imports of visit reports go
-- through the same writes), so the list of a day is a range of the index below and its total a
-- count of that range, not a check of every candidate. Unlike the records it is derived from, it
-- changes (rows are replaced), so it has no append-only trigger. PostgreSQL. Never edit a migration
-- after it lands.

CREATE TABLE persons_due (
    -- The person's first registration: the id the unit follows the person under.
    person_id              UUID NOT NULL REFERENCES registrations (id),
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    -- The next visit due, set by the person's latest follow-up, and when that was recorded.
    due                    DATE NOT NULL,
    set_at                 TIMESTAMPTZ NOT NULL,
    -- The person's last sighting: the greatest (seen at, registration) of their registrations.
    last_registration      UUID NOT NULL REFERENCES registrations (id),
    last_visit             UUID NOT NULL REFERENCES visits (id),
    last_place             UUID NOT NULL REFERENCES places (id),
    last_seen_at           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
);

CREATE INDEX persons_due_by_day ON persons_due (tenant_id, due, person_id);

ALTER TABLE persons_due ENABLE ROW LEVEL SECURITY;
ALTER TABLE persons_due FORCE ROW LEVEL SECURITY;
CREATE POLICY persons_due_tenant ON persons_due
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Back-fill: the rule over every person (store::protection::followed::due_state_sql), one
-- tenant at a time, because row-level security applies to the role that migrates too (it is
-- not a superuser): each tenant's rows are read and written under that tenant's setting.
DO $$
DECLARE
    t UUID;
BEGIN
    FOR t IN SELECT id FROM tenants LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        INSERT INTO persons_due (person_id, tenant_id, due, set_at, last_registration, last_visit, last_place, last_seen_at)
        SELECT x.person, x.tenant, f.next_visit_due, f.recorded_at, g.id, g.visit_id, g.place_id, g.seen_at FROM (
            SELECT p.person AS person, p.tenant AS tenant, (SELECT s.id FROM (
                SELECT f2.id AS id, f2.registration_id AS reg, f2.recorded_at AS at FROM follow_ups f2
                WHERE f2.tenant_id = p.tenant AND f2.registration_id = p.person
                UNION ALL SELECT f2.id, f2.registration_id, f2.recorded_at FROM registration_links l2
                CROSS JOIN follow_ups f2 WHERE l2.tenant_id = p.tenant AND l2.person_id = p.person
                AND f2.tenant_id = p.tenant AND f2.registration_id = l2.registration_id) s
                ORDER BY s.at DESC, s.reg DESC, s.id DESC LIMIT 1) AS latest,
            (SELECT s.id FROM (
                SELECT g2.id AS id, g2.seen_at AS at FROM registrations g2
                WHERE g2.tenant_id = p.tenant AND g2.id = p.person
                UNION ALL SELECT g2.id, g2.seen_at FROM registration_links l2
                CROSS JOIN registrations g2 WHERE l2.tenant_id = p.tenant AND l2.person_id = p.person
                AND g2.tenant_id = p.tenant AND g2.id = l2.registration_id) s
                ORDER BY s.at DESC, s.id DESC LIMIT 1) AS last
            FROM (SELECT r.tenant_id AS tenant, r.id AS person FROM registrations r WHERE r.tenant_id = t AND NOT EXISTS (SELECT 1 FROM registration_links l WHERE l.registration_id = r.id)) p OFFSET 0) x
        JOIN follow_ups f ON f.id = x.latest
        JOIN registrations g ON g.id = x.last
        WHERE f.tenant_id = x.tenant AND g.tenant_id = x.tenant
        AND f.next_visit_due IS NOT NULL AND g.seen_at <= f.recorded_at;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END
$$;
