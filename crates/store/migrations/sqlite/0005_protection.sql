-- The protection unit (issue 6): places as the visiting body knows them, visits, conditions,
-- refusals of access, persons seen and their follow-up, allegations, evidence and its chain of
-- custody. SQLite. Never edit a migration after it lands.
-- Every table carries tenant_id; all are append-only (allegation and visit rows are never
-- deleted either). Protected fields (health, family contact, messages, narratives) are plain
-- text until the vault lands; see docs/protection.md.

-- The visiting body's profile of a place of the protection tenant (§9.3): authority, location, capacity. Set once.
CREATE TABLE place_profiles (
    place_id               BLOB PRIMARY KEY NOT NULL REFERENCES places (id),
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    authority              TEXT NOT NULL,
    location               TEXT,
    capacity               INTEGER,
    recorded_by            TEXT NOT NULL,
    recorded_at            TEXT NOT NULL
);

-- GC3-23-a, GC4-83-a: the history of what the detaining party notified about a place.
CREATE TABLE place_notices (
    id                     BLOB PRIMARY KEY NOT NULL,
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    place_id               BLOB NOT NULL REFERENCES places (id),
    kind                   TEXT NOT NULL,
    notified_at            TEXT NOT NULL,
    notified_by            TEXT NOT NULL,
    note                   TEXT,
    recorded_by            TEXT NOT NULL,
    recorded_at            TEXT NOT NULL
);

-- §9.7 Visit: planning, team (JSON list), dates. Places in visit_places.
CREATE TABLE visits (
    id                     BLOB PRIMARY KEY NOT NULL,
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    reference              TEXT NOT NULL,
    body                   TEXT NOT NULL,
    planned_start          TEXT,
    started_at             TEXT,
    ended_at               TEXT,
    team                   TEXT NOT NULL,
    next_visit_planned     TEXT,
    created_by             TEXT NOT NULL,
    created_at             TEXT NOT NULL,
    UNIQUE (tenant_id, reference)
);

-- GC3-126-c: the places a visit went to.
CREATE TABLE visit_places (
    visit_id               BLOB NOT NULL REFERENCES visits (id),
    place_id               BLOB NOT NULL REFERENCES places (id),
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    PRIMARY KEY (visit_id, place_id)
);

-- ICRC-VIS-a: each of the five conditions, granted, partly granted or refused, with the authority's reason. The latest row per condition stands.
CREATE TABLE visit_conditions (
    id                     BLOB PRIMARY KEY NOT NULL,
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    visit_id               BLOB NOT NULL REFERENCES visits (id),
    condition_code         TEXT NOT NULL,
    outcome                TEXT NOT NULL CHECK (outcome IN ('granted', 'partly-granted', 'refused')),
    reason                 TEXT,
    recorded_by            TEXT NOT NULL,
    recorded_at            TEXT NOT NULL
);

-- GC3-126-c: refusals and restrictions of access, a time series per place.
CREATE TABLE access_refusals (
    id                     BLOB PRIMARY KEY NOT NULL,
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    visit_id               BLOB REFERENCES visits (id),
    place_id               BLOB NOT NULL REFERENCES places (id),
    refused_at             TEXT NOT NULL,
    scope                  TEXT NOT NULL,
    ground                 TEXT NOT NULL,
    grounds_text           TEXT,
    expected_end           TEXT,
    actual_end             TEXT,
    recorded_by            TEXT NOT NULL,
    recorded_at            TEXT NOT NULL
);

-- ICRC-VIS-a: persons seen during a visit. The id is made on the delegate's laptop, so a second import of the same registration adds nothing.
CREATE TABLE registrations (
    id                     BLOB PRIMARY KEY NOT NULL,
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    visit_id               BLOB NOT NULL REFERENCES visits (id),
    place_id               BLOB NOT NULL REFERENCES places (id),
    seen_at                TEXT NOT NULL,
    name                   TEXT NOT NULL,
    birth_date             TEXT,
    sex                    TEXT,
    nationality            TEXT,
    service_number         TEXT,
    father_name            TEXT,
    held_since             TEXT,
    registered_by          TEXT NOT NULL,
    recorded_at            TEXT NOT NULL
);

-- ICRC-VIS-d: the individual follow-up of a person seen; the latest stands. health, family_contact and messages are protected fields.
CREATE TABLE follow_ups (
    id                     BLOB PRIMARY KEY NOT NULL,
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    registration_id        BLOB NOT NULL REFERENCES registrations (id),
    recorded_at            TEXT NOT NULL,
    health                 TEXT,
    family_contact_wanted  INTEGER NOT NULL CHECK (family_contact_wanted IN (0, 1)),
    family_contact         TEXT,
    messages               TEXT NOT NULL,
    next_visit_due         TEXT,
    reprisals_reported     INTEGER CHECK (reprisals_reported IN (0, 1)),
    recorded_by            TEXT NOT NULL
);

-- ICRC-VIS-f: allegations (acts, victims, perpetrators, sources as JSON lists of vocabulary codes). narrative is a protected field.
CREATE TABLE allegations (
    id                     BLOB PRIMARY KEY NOT NULL,
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    reference              TEXT NOT NULL,
    category               TEXT NOT NULL,
    acts                   TEXT NOT NULL,
    occurred               TEXT,
    place_id               BLOB REFERENCES places (id),
    victims                TEXT NOT NULL,
    perpetrators           TEXT NOT NULL,
    sources                TEXT NOT NULL,
    consent                TEXT NOT NULL,
    narrative              TEXT NOT NULL,
    created_by             TEXT NOT NULL,
    created_at             TEXT NOT NULL,
    UNIQUE (tenant_id, reference)
);

-- ICRC-VIS-e: confidential representations, the authority's replies, closure.
CREATE TABLE allegation_steps (
    id                     BLOB PRIMARY KEY NOT NULL,
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    allegation_id          BLOB NOT NULL REFERENCES allegations (id),
    at                     TEXT NOT NULL,
    by_name                TEXT NOT NULL,
    kind                   TEXT NOT NULL,
    addressee              TEXT,
    form                   TEXT,
    text                   TEXT
);

-- §9.7 Evidence: a saved file (SHA-256, size, stored_as under the evidence directory) or a link that could not be saved.
CREATE TABLE evidence_items (
    id                     BLOB PRIMARY KEY NOT NULL,
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    kind                   TEXT NOT NULL,
    role                   TEXT NOT NULL CHECK (role IN ('evidentiary', 'working')),
    derived_from           BLOB REFERENCES evidence_items (id),
    title                  TEXT NOT NULL,
    source_url             TEXT,
    captured_at            TEXT NOT NULL,
    sha256                 TEXT,
    size                   INTEGER,
    media_type             TEXT,
    unavailable            TEXT,
    stored_as              TEXT,
    created_by             TEXT NOT NULL,
    created_at             TEXT NOT NULL
);

-- Evidence linked to persons seen, places and allegations.
CREATE TABLE evidence_links (
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    evidence_id            BLOB NOT NULL REFERENCES evidence_items (id),
    target_kind            TEXT NOT NULL CHECK (target_kind IN ('registration', 'place', 'allegation')),
    target_id              BLOB NOT NULL,
    PRIMARY KEY (evidence_id, target_kind, target_id)
);

-- The chain of custody: one hash-chained entry per action (domain::protection::evidence).
CREATE TABLE custody_entries (
    id                     BLOB PRIMARY KEY NOT NULL,
    tenant_id              BLOB NOT NULL REFERENCES tenants (id),
    evidence_id            BLOB NOT NULL REFERENCES evidence_items (id),
    sequence               INTEGER NOT NULL,
    at                     TEXT NOT NULL,
    by_name                TEXT NOT NULL,
    action                 TEXT NOT NULL,
    note                   TEXT,
    previous               TEXT NOT NULL,
    hash                   TEXT NOT NULL,
    UNIQUE (evidence_id, sequence)
);

CREATE INDEX place_notices_place ON place_notices (tenant_id, place_id, notified_at);
CREATE INDEX visit_conditions_visit ON visit_conditions (tenant_id, visit_id);
CREATE INDEX access_refusals_place ON access_refusals (tenant_id, place_id, refused_at);
CREATE INDEX registrations_visit ON registrations (tenant_id, visit_id);
CREATE INDEX follow_ups_registration ON follow_ups (tenant_id, registration_id, recorded_at);
CREATE INDEX allegation_steps_allegation ON allegation_steps (tenant_id, allegation_id, at);
CREATE INDEX evidence_links_target ON evidence_links (tenant_id, target_kind, target_id);

CREATE TRIGGER place_profiles_no_update BEFORE UPDATE ON place_profiles
BEGIN SELECT RAISE(ABORT, 'place profiles are append-only (issue 6)'); END;
CREATE TRIGGER place_profiles_no_delete BEFORE DELETE ON place_profiles
BEGIN SELECT RAISE(ABORT, 'place profiles are append-only (issue 6)'); END;

CREATE TRIGGER place_notices_no_update BEFORE UPDATE ON place_notices
BEGIN SELECT RAISE(ABORT, 'place notices are append-only (issue 6)'); END;
CREATE TRIGGER place_notices_no_delete BEFORE DELETE ON place_notices
BEGIN SELECT RAISE(ABORT, 'place notices are append-only (issue 6)'); END;

CREATE TRIGGER visits_no_update BEFORE UPDATE ON visits
BEGIN SELECT RAISE(ABORT, 'visits are append-only (issue 6)'); END;
CREATE TRIGGER visits_no_delete BEFORE DELETE ON visits
BEGIN SELECT RAISE(ABORT, 'visits are append-only (issue 6)'); END;

CREATE TRIGGER visit_places_no_update BEFORE UPDATE ON visit_places
BEGIN SELECT RAISE(ABORT, 'visit places are append-only (issue 6)'); END;
CREATE TRIGGER visit_places_no_delete BEFORE DELETE ON visit_places
BEGIN SELECT RAISE(ABORT, 'visit places are append-only (issue 6)'); END;

CREATE TRIGGER visit_conditions_no_update BEFORE UPDATE ON visit_conditions
BEGIN SELECT RAISE(ABORT, 'visit conditions are append-only (issue 6)'); END;
CREATE TRIGGER visit_conditions_no_delete BEFORE DELETE ON visit_conditions
BEGIN SELECT RAISE(ABORT, 'visit conditions are append-only (issue 6)'); END;

CREATE TRIGGER access_refusals_no_update BEFORE UPDATE ON access_refusals
BEGIN SELECT RAISE(ABORT, 'access refusals are append-only (issue 6)'); END;
CREATE TRIGGER access_refusals_no_delete BEFORE DELETE ON access_refusals
BEGIN SELECT RAISE(ABORT, 'access refusals are append-only (issue 6)'); END;

CREATE TRIGGER registrations_no_update BEFORE UPDATE ON registrations
BEGIN SELECT RAISE(ABORT, 'registrations are append-only (issue 6)'); END;
CREATE TRIGGER registrations_no_delete BEFORE DELETE ON registrations
BEGIN SELECT RAISE(ABORT, 'registrations are append-only (issue 6)'); END;

CREATE TRIGGER follow_ups_no_update BEFORE UPDATE ON follow_ups
BEGIN SELECT RAISE(ABORT, 'follow ups are append-only (issue 6)'); END;
CREATE TRIGGER follow_ups_no_delete BEFORE DELETE ON follow_ups
BEGIN SELECT RAISE(ABORT, 'follow ups are append-only (issue 6)'); END;

CREATE TRIGGER allegations_no_update BEFORE UPDATE ON allegations
BEGIN SELECT RAISE(ABORT, 'allegations are append-only (issue 6)'); END;
CREATE TRIGGER allegations_no_delete BEFORE DELETE ON allegations
BEGIN SELECT RAISE(ABORT, 'allegations are append-only (issue 6)'); END;

CREATE TRIGGER allegation_steps_no_update BEFORE UPDATE ON allegation_steps
BEGIN SELECT RAISE(ABORT, 'allegation steps are append-only (issue 6)'); END;
CREATE TRIGGER allegation_steps_no_delete BEFORE DELETE ON allegation_steps
BEGIN SELECT RAISE(ABORT, 'allegation steps are append-only (issue 6)'); END;

CREATE TRIGGER evidence_items_no_update BEFORE UPDATE ON evidence_items
BEGIN SELECT RAISE(ABORT, 'evidence items are append-only (issue 6)'); END;
CREATE TRIGGER evidence_items_no_delete BEFORE DELETE ON evidence_items
BEGIN SELECT RAISE(ABORT, 'evidence items are append-only (issue 6)'); END;

CREATE TRIGGER evidence_links_no_update BEFORE UPDATE ON evidence_links
BEGIN SELECT RAISE(ABORT, 'evidence links are append-only (issue 6)'); END;
CREATE TRIGGER evidence_links_no_delete BEFORE DELETE ON evidence_links
BEGIN SELECT RAISE(ABORT, 'evidence links are append-only (issue 6)'); END;

CREATE TRIGGER custody_entries_no_update BEFORE UPDATE ON custody_entries
BEGIN SELECT RAISE(ABORT, 'custody entries are append-only (issue 6)'); END;
CREATE TRIGGER custody_entries_no_delete BEFORE DELETE ON custody_entries
BEGIN SELECT RAISE(ABORT, 'custody entries are append-only (issue 6)'); END;
