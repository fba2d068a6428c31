-- The protection unit, continued (issue 6): the follow-ups due (ICRC-VIS-d, GC3-126-c) kept per
-- person. Each person the unit follows (a registration no link points from) has a row here while
-- their latest follow-up over all their registrations names a next visit due and none of their
-- registrations was seen after that follow-up was recorded: the date, when the follow-up was
-- recorded, and where the person was last seen. The store writes it in the same transaction as
-- every write that changes it (a follow-up, a person seen, a link; imports of visit reports go
-- through the same writes), so the list of a day is a range of the index below and its total a
-- count of that range, not a check of every candidate. Unlike the records it is derived from, it
-- changes (rows are replaced), so it has no append-only trigger. SQLite. Never edit a migration
-- after it lands.

CREATE TABLE persons_due (
    -- The person's first registration: the id the unit follows the person under.
    person_id              BLOB NOT NULL REFERENCES registrations (id),
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    -- The next visit due, set by the person's latest follow-up, and when that was recorded.
    due                    TEXT NOT NULL,
    set_at                 TEXT NOT NULL,
    -- The person's last sighting: the greatest (seen at, registration) of their registrations.
    last_registration      BLOB NOT NULL REFERENCES registrations (id),
    last_visit             BLOB NOT NULL REFERENCES visits (id),
    last_place             BLOB NOT NULL REFERENCES places (id),
    last_seen_at           TEXT NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
);

CREATE INDEX persons_due_by_day ON persons_due (tenant_id, due, person_id);

-- Back-fill: the rule over every person (store::protection::followed::due_state_sql). SQLite
-- holds instants as RFC 3339 text, whose text order is not time order: they are compared as
-- integer nanoseconds since 1970 (store::protection::followed::sqlite_instant).
INSERT INTO persons_due (person_id, tenant_id, due, set_at, last_registration, last_visit, last_place, last_seen_at)
SELECT x.person, x.tenant, f.next_visit_due, f.recorded_at, g.id, g.visit_id, g.place_id, g.seen_at FROM (
    SELECT p.person AS person, p.tenant AS tenant, (SELECT s.id FROM (
        SELECT f2.id AS id, f2.registration_id AS reg, (unixepoch(substr(f2.recorded_at, 1, 19) || (CASE WHEN substr(f2.recorded_at, -1) = 'Z' THEN '' WHEN length(f2.recorded_at) > 19 AND substr(f2.recorded_at, -6, 1) IN ('+', '-') THEN substr(f2.recorded_at, -6) ELSE '' END)) * 1000000000 + CAST(substr((CASE WHEN substr(f2.recorded_at, 20, 1) = '.' THEN substr(f2.recorded_at, 21, length(f2.recorded_at) - 20 - (CASE WHEN substr(f2.recorded_at, -1) = 'Z' THEN 1 WHEN length(f2.recorded_at) > 19 AND substr(f2.recorded_at, -6, 1) IN ('+', '-') THEN 6 ELSE 0 END)) ELSE '' END) || '000000000', 1, 9) AS INTEGER)) AS at FROM follow_ups f2
        WHERE f2.tenant_id = p.tenant AND f2.registration_id = p.person
        UNION ALL SELECT f2.id, f2.registration_id, (unixepoch(substr(f2.recorded_at, 1, 19) || (CASE WHEN substr(f2.recorded_at, -1) = 'Z' THEN '' WHEN length(f2.recorded_at) > 19 AND substr(f2.recorded_at, -6, 1) IN ('+', '-') THEN substr(f2.recorded_at, -6) ELSE '' END)) * 1000000000 + CAST(substr((CASE WHEN substr(f2.recorded_at, 20, 1) = '.' THEN substr(f2.recorded_at, 21, length(f2.recorded_at) - 20 - (CASE WHEN substr(f2.recorded_at, -1) = 'Z' THEN 1 WHEN length(f2.recorded_at) > 19 AND substr(f2.recorded_at, -6, 1) IN ('+', '-') THEN 6 ELSE 0 END)) ELSE '' END) || '000000000', 1, 9) AS INTEGER)) FROM registration_links l2
        CROSS JOIN follow_ups f2 WHERE l2.tenant_id = p.tenant AND l2.person_id = p.person
        AND f2.tenant_id = p.tenant AND f2.registration_id = l2.registration_id) s
        ORDER BY s.at DESC, s.reg DESC, s.id DESC LIMIT 1) AS latest,
    (SELECT s.id FROM (
        SELECT g2.id AS id, (unixepoch(substr(g2.seen_at, 1, 19) || (CASE WHEN substr(g2.seen_at, -1) = 'Z' THEN '' WHEN length(g2.seen_at) > 19 AND substr(g2.seen_at, -6, 1) IN ('+', '-') THEN substr(g2.seen_at, -6) ELSE '' END)) * 1000000000 + CAST(substr((CASE WHEN substr(g2.seen_at, 20, 1) = '.' THEN substr(g2.seen_at, 21, length(g2.seen_at) - 20 - (CASE WHEN substr(g2.seen_at, -1) = 'Z' THEN 1 WHEN length(g2.seen_at) > 19 AND substr(g2.seen_at, -6, 1) IN ('+', '-') THEN 6 ELSE 0 END)) ELSE '' END) || '000000000', 1, 9) AS INTEGER)) AS at FROM registrations g2
        WHERE g2.tenant_id = p.tenant AND g2.id = p.person
        UNION ALL SELECT g2.id, (unixepoch(substr(g2.seen_at, 1, 19) || (CASE WHEN substr(g2.seen_at, -1) = 'Z' THEN '' WHEN length(g2.seen_at) > 19 AND substr(g2.seen_at, -6, 1) IN ('+', '-') THEN substr(g2.seen_at, -6) ELSE '' END)) * 1000000000 + CAST(substr((CASE WHEN substr(g2.seen_at, 20, 1) = '.' THEN substr(g2.seen_at, 21, length(g2.seen_at) - 20 - (CASE WHEN substr(g2.seen_at, -1) = 'Z' THEN 1 WHEN length(g2.seen_at) > 19 AND substr(g2.seen_at, -6, 1) IN ('+', '-') THEN 6 ELSE 0 END)) ELSE '' END) || '000000000', 1, 9) AS INTEGER)) FROM registration_links l2
        CROSS JOIN registrations g2 WHERE l2.tenant_id = p.tenant AND l2.person_id = p.person
        AND g2.tenant_id = p.tenant AND g2.id = l2.registration_id) s
        ORDER BY s.at DESC, s.id DESC LIMIT 1) AS last
    FROM (SELECT r.tenant_id AS tenant, r.id AS person FROM registrations r WHERE NOT EXISTS (SELECT 1 FROM registration_links l WHERE l.registration_id = r.id)) p) x
JOIN follow_ups f ON f.id = x.latest
JOIN registrations g ON g.id = x.last
WHERE f.tenant_id = x.tenant AND g.tenant_id = x.tenant
AND f.next_visit_due IS NOT NULL AND (unixepoch(substr(g.seen_at, 1, 19) || (CASE WHEN substr(g.seen_at, -1) = 'Z' THEN '' WHEN length(g.seen_at) > 19 AND substr(g.seen_at, -6, 1) IN ('+', '-') THEN substr(g.seen_at, -6) ELSE '' END)) * 1000000000 + CAST(substr((CASE WHEN substr(g.seen_at, 20, 1) = '.' THEN substr(g.seen_at, 21, length(g.seen_at) - 20 - (CASE WHEN substr(g.seen_at, -1) = 'Z' THEN 1 WHEN length(g.seen_at) > 19 AND substr(g.seen_at, -6, 1) IN ('+', '-') THEN 6 ELSE 0 END)) ELSE '' END) || '000000000', 1, 9) AS INTEGER)) <= (unixepoch(substr(f.recorded_at, 1, 19) || (CASE WHEN substr(f.recorded_at, -1) = 'Z' THEN '' WHEN length(f.recorded_at) > 19 AND substr(f.recorded_at, -6, 1) IN ('+', '-') THEN substr(f.recorded_at, -6) ELSE '' END)) * 1000000000 + CAST(substr((CASE WHEN substr(f.recorded_at, 20, 1) = '.' THEN substr(f.recorded_at, 21, length(f.recorded_at) - 20 - (CASE WHEN substr(f.recorded_at, -1) = 'Z' THEN 1 WHEN length(f.recorded_at) > 19 AND substr(f.recorded_at, -6, 1) IN ('+', '-') THEN 6 ELSE 0 END)) ELSE '' END) || '000000000', 1, 9) AS INTEGER));
