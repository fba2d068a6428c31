-- The protection unit, continued (issue 6): private interviews as their own record, and the end
-- of a refusal of access recorded after the refusal. SQLite. Never edit a migration after it lands.

-- GC3-126-b, ICRC-VIS-c: a private interview. interviewees and interviewers are JSON lists;
-- notes is a protected field, sealed with the tenant's data key (SEC-3).
CREATE TABLE interviews (
    id                     BLOB PRIMARY KEY NOT NULL,
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    visit_id               BLOB NOT NULL REFERENCES visits (id),
    place_id               BLOB NOT NULL REFERENCES places (id),
    held_at                TEXT NOT NULL,
    interviewees           TEXT NOT NULL,
    interviewers           TEXT NOT NULL,
    interpreter            TEXT,
    language               TEXT,
    without_witnesses      INTEGER NOT NULL CHECK (without_witnesses IN (0, 1)),
    present                TEXT,
    consent_authorities    TEXT NOT NULL CHECK (consent_authorities IN ('named', 'anonymous', 'no')),
    consent_family         INTEGER NOT NULL CHECK (consent_family IN (0, 1)),
    consent_medical        INTEGER NOT NULL CHECK (consent_medical IN (0, 1)),
    notes                  TEXT,
    recorded_by            TEXT NOT NULL,
    recorded_at            TEXT NOT NULL
);

-- GC3-126-c: access granted again after a refusal; one end per refusal.
CREATE TABLE refusal_ends (
    refusal_id             BLOB PRIMARY KEY NOT NULL REFERENCES access_refusals (id),
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    ended_at               TEXT NOT NULL,
    note                   TEXT,
    recorded_by            TEXT NOT NULL,
    recorded_at            TEXT NOT NULL
);

CREATE INDEX interviews_visit ON interviews (tenant_id, visit_id, held_at);

-- Only the sealed notes may be rewritten, by a data-key rotation (store::rotation re-seals them).
CREATE TRIGGER interviews_no_update
BEFORE UPDATE OF id, tenant_id, visit_id, place_id, held_at, interviewees, interviewers, interpreter, language, without_witnesses, present, consent_authorities, consent_family, consent_medical, recorded_by, recorded_at ON interviews
BEGIN SELECT RAISE(ABORT, 'interviews are append-only; only the sealed notes are re-sealed (issue 6)'); END;
CREATE TRIGGER interviews_no_delete BEFORE DELETE ON interviews
BEGIN SELECT RAISE(ABORT, 'interviews are append-only (issue 6)'); END;

CREATE TRIGGER refusal_ends_no_update BEFORE UPDATE ON refusal_ends
BEGIN SELECT RAISE(ABORT, 'refusal ends are append-only (issue 6)'); END;
CREATE TRIGGER refusal_ends_no_delete BEFORE DELETE ON refusal_ends
BEGIN SELECT RAISE(ABORT, 'refusal ends are append-only (issue 6)'); END;
