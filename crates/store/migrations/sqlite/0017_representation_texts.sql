-- The protection unit, continued (issue 6): confidential representations with their text, and
-- the authority's replies with their outcome (ICRC-VIS-e, OpenEvSys interventions). SQLite.
-- Never edit a migration after it lands.

-- A representation as written and handed to the responsible authority. text is a protected
-- field, sealed with the tenant's data key as representations.text:<id> (SEC-3).
CREATE TABLE representations (
    id                     BLOB PRIMARY KEY NOT NULL,
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    allegation_id          BLOB NOT NULL REFERENCES allegations (id),
    form                   TEXT NOT NULL CHECK (form IN ('named', 'anonymous', 'aggregated')),
    addressee              TEXT NOT NULL,
    sent_on                TEXT NOT NULL,
    text                   TEXT NOT NULL,
    recorded_by            TEXT NOT NULL,
    recorded_at            TEXT NOT NULL
);

-- The authority's reply to one representation. text is sealed as representation_replies.text:<id>;
-- it may be absent only when no reply came.
CREATE TABLE representation_replies (
    id                     BLOB PRIMARY KEY NOT NULL,
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    representation_id      BLOB NOT NULL REFERENCES representations (id),
    received_on            TEXT NOT NULL,
    outcome                TEXT NOT NULL CHECK (outcome IN ('acknowledged', 'measures-announced', 'denied', 'no-reply')),
    text                   TEXT,
    recorded_by            TEXT NOT NULL,
    recorded_at            TEXT NOT NULL,
    CHECK (text IS NOT NULL OR outcome = 'no-reply')
);

CREATE INDEX representations_allegation ON representations (tenant_id, allegation_id, sent_on);
CREATE INDEX representation_replies_representation ON representation_replies (tenant_id, representation_id, received_on);
-- ICRC-VIS-d: the follow-ups-due list reads only the follow-ups whose next visit is due by a day.
CREATE INDEX follow_ups_due ON follow_ups (tenant_id, next_visit_due);

-- Only the sealed texts may be rewritten, by a data-key rotation (store::rotation re-seals them).
CREATE TRIGGER representations_no_update
BEFORE UPDATE OF id, tenant_id, allegation_id, form, addressee, sent_on, recorded_by, recorded_at ON representations
BEGIN SELECT RAISE(ABORT, 'representations are append-only; only the sealed text is re-sealed (issue 6)'); END;
CREATE TRIGGER representations_no_delete BEFORE DELETE ON representations
BEGIN SELECT RAISE(ABORT, 'representations are append-only (issue 6)'); END;
CREATE TRIGGER representation_replies_no_update
BEFORE UPDATE OF id, tenant_id, representation_id, received_on, outcome, recorded_by, recorded_at ON representation_replies
BEGIN SELECT RAISE(ABORT, 'representation replies are append-only; only the sealed text is re-sealed (issue 6)'); END;
CREATE TRIGGER representation_replies_no_delete BEFORE DELETE ON representation_replies
BEGIN SELECT RAISE(ABORT, 'representation replies are append-only (issue 6)'); END;
