-- The protection unit, continued (issue 6): an allegation names the private interviews it comes
-- from, so that the interview's consent governs what reaches the authorities (ICRC-VIS-c).
-- SQLite. Never edit a migration after it lands.

CREATE TABLE allegation_interviews (
    allegation_id          BLOB NOT NULL REFERENCES allegations (id),
    interview_id           BLOB NOT NULL REFERENCES interviews (id),
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    linked_by              TEXT NOT NULL,
    linked_at              TEXT NOT NULL,
    PRIMARY KEY (allegation_id, interview_id)
);

CREATE INDEX allegation_interviews_interview ON allegation_interviews (tenant_id, interview_id);

CREATE TRIGGER allegation_interviews_no_update BEFORE UPDATE ON allegation_interviews
BEGIN SELECT RAISE(ABORT, 'allegation interviews are append-only (issue 6)'); END;
CREATE TRIGGER allegation_interviews_no_delete BEFORE DELETE ON allegation_interviews
BEGIN SELECT RAISE(ABORT, 'allegation interviews are append-only (issue 6)'); END;
