-- The protection unit (issue 6): places as the visiting body knows them, visits, conditions,
-- refusals of access, persons seen and their follow-up, allegations, evidence and its chain of
-- custody. PostgreSQL. Never edit a migration after it lands.
-- Every table carries tenant_id; all are append-only (allegation and visit rows are never
-- deleted either). Protected fields (health, family contact, messages, narratives) are plain
-- text until the vault lands; see docs/protection.md.

-- The visiting body's profile of a place of the protection tenant (§9.3): authority, location, capacity. Set once.
CREATE TABLE place_profiles (
    place_id               UUID PRIMARY KEY NOT NULL REFERENCES places (id),
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    authority              TEXT NOT NULL,
    location               TEXT,
    capacity               INTEGER,
    recorded_by            TEXT NOT NULL,
    recorded_at            TIMESTAMPTZ NOT NULL
);

-- GC3-23-a, GC4-83-a: the history of what the detaining party notified about a place.
CREATE TABLE place_notices (
    id                     UUID PRIMARY KEY NOT NULL,
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    place_id               UUID NOT NULL REFERENCES places (id),
    kind                   TEXT NOT NULL,
    notified_at            TIMESTAMPTZ NOT NULL,
    notified_by            TEXT NOT NULL,
    note                   TEXT,
    recorded_by            TEXT NOT NULL,
    recorded_at            TIMESTAMPTZ NOT NULL
);

-- §9.7 Visit: planning, team (JSON list), dates. Places in visit_places.
CREATE TABLE visits (
    id                     UUID PRIMARY KEY NOT NULL,
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    reference              TEXT NOT NULL,
    body                   TEXT NOT NULL,
    planned_start          DATE,
    started_at             TIMESTAMPTZ,
    ended_at               TIMESTAMPTZ,
    team                   TEXT NOT NULL,
    next_visit_planned     DATE,
    created_by             TEXT NOT NULL,
    created_at             TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, reference)
);

-- GC3-126-c: the places a visit went to.
CREATE TABLE visit_places (
    visit_id               UUID NOT NULL REFERENCES visits (id),
    place_id               UUID NOT NULL REFERENCES places (id),
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    PRIMARY KEY (visit_id, place_id)
);

-- ICRC-VIS-a: each of the five conditions, granted, partly granted or refused, with the authority's reason. The latest row per condition stands.
CREATE TABLE visit_conditions (
    id                     UUID PRIMARY KEY NOT NULL,
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    visit_id               UUID NOT NULL REFERENCES visits (id),
    condition_code         TEXT NOT NULL,
    outcome                TEXT NOT NULL CHECK (outcome IN ('granted', 'partly-granted', 'refused')),
    reason                 TEXT,
    recorded_by            TEXT NOT NULL,
    recorded_at            TIMESTAMPTZ NOT NULL
);

-- GC3-126-c: refusals and restrictions of access, a time series per place.
CREATE TABLE access_refusals (
    id                     UUID PRIMARY KEY NOT NULL,
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    visit_id               UUID REFERENCES visits (id),
    place_id               UUID NOT NULL REFERENCES places (id),
    refused_at             TIMESTAMPTZ NOT NULL,
    scope                  TEXT NOT NULL,
    ground                 TEXT NOT NULL,
    grounds_text           TEXT,
    expected_end           TIMESTAMPTZ,
    actual_end             TIMESTAMPTZ,
    recorded_by            TEXT NOT NULL,
    recorded_at            TIMESTAMPTZ NOT NULL
);

-- ICRC-VIS-a: persons seen during a visit. The id is made on the delegate's laptop, so a second import of the same registration adds nothing.
CREATE TABLE registrations (
    id                     UUID PRIMARY KEY NOT NULL,
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    visit_id               UUID NOT NULL REFERENCES visits (id),
    place_id               UUID NOT NULL REFERENCES places (id),
    seen_at                TIMESTAMPTZ NOT NULL,
    name                   TEXT NOT NULL,
    birth_date             TEXT,
    sex                    TEXT,
    nationality            TEXT,
    service_number         TEXT,
    father_name            TEXT,
    held_since             TEXT,
    registered_by          TEXT NOT NULL,
    recorded_at            TIMESTAMPTZ NOT NULL
);

-- ICRC-VIS-d: the individual follow-up of a person seen; the latest stands. health, family_contact and messages are protected fields.
CREATE TABLE follow_ups (
    id                     UUID PRIMARY KEY NOT NULL,
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    registration_id        UUID NOT NULL REFERENCES registrations (id),
    recorded_at            TIMESTAMPTZ NOT NULL,
    health                 TEXT,
    family_contact_wanted  BOOLEAN NOT NULL,
    family_contact         TEXT,
    messages               TEXT NOT NULL,
    next_visit_due         DATE,
    reprisals_reported     BOOLEAN,
    recorded_by            TEXT NOT NULL
);

-- ICRC-VIS-f: allegations (acts, victims, perpetrators, sources as JSON lists of vocabulary codes). narrative is a protected field.
CREATE TABLE allegations (
    id                     UUID PRIMARY KEY NOT NULL,
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    reference              TEXT NOT NULL,
    category               TEXT NOT NULL,
    acts                   TEXT NOT NULL,
    occurred               TEXT,
    place_id               UUID REFERENCES places (id),
    victims                TEXT NOT NULL,
    perpetrators           TEXT NOT NULL,
    sources                TEXT NOT NULL,
    consent                TEXT NOT NULL,
    narrative              TEXT NOT NULL,
    created_by             TEXT NOT NULL,
    created_at             TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, reference)
);

-- ICRC-VIS-e: confidential representations, the authority's replies, closure.
CREATE TABLE allegation_steps (
    id                     UUID PRIMARY KEY NOT NULL,
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    allegation_id          UUID NOT NULL REFERENCES allegations (id),
    at                     TIMESTAMPTZ NOT NULL,
    by_name                TEXT NOT NULL,
    kind                   TEXT NOT NULL,
    addressee              TEXT,
    form                   TEXT,
    text                   TEXT
);

-- §9.7 Evidence: a saved file (SHA-256, size, stored_as under the evidence directory) or a link that could not be saved.
CREATE TABLE evidence_items (
    id                     UUID PRIMARY KEY NOT NULL,
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    kind                   TEXT NOT NULL,
    role                   TEXT NOT NULL CHECK (role IN ('evidentiary', 'working')),
    derived_from           UUID REFERENCES evidence_items (id),
    title                  TEXT NOT NULL,
    source_url             TEXT,
    captured_at            TIMESTAMPTZ NOT NULL,
    sha256                 TEXT,
    size                   BIGINT,
    media_type             TEXT,
    unavailable            TEXT,
    stored_as              TEXT,
    created_by             TEXT NOT NULL,
    created_at             TIMESTAMPTZ NOT NULL
);

-- Evidence linked to persons seen, places and allegations.
CREATE TABLE evidence_links (
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    evidence_id            UUID NOT NULL REFERENCES evidence_items (id),
    target_kind            TEXT NOT NULL CHECK (target_kind IN ('registration', 'place', 'allegation')),
    target_id              UUID NOT NULL,
    PRIMARY KEY (evidence_id, target_kind, target_id)
);

-- The chain of custody: one hash-chained entry per action (domain::protection::evidence).
CREATE TABLE custody_entries (
    id                     UUID PRIMARY KEY NOT NULL,
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    evidence_id            UUID NOT NULL REFERENCES evidence_items (id),
    sequence               INTEGER NOT NULL,
    at                     TIMESTAMPTZ NOT NULL,
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

ALTER TABLE place_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE place_profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY place_profiles_tenant ON place_profiles
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER place_profiles_append_only BEFORE UPDATE OR DELETE ON place_profiles
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE place_notices ENABLE ROW LEVEL SECURITY;
ALTER TABLE place_notices FORCE ROW LEVEL SECURITY;
CREATE POLICY place_notices_tenant ON place_notices
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER place_notices_append_only BEFORE UPDATE OR DELETE ON place_notices
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE visits ENABLE ROW LEVEL SECURITY;
ALTER TABLE visits FORCE ROW LEVEL SECURITY;
CREATE POLICY visits_tenant ON visits
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER visits_append_only BEFORE UPDATE OR DELETE ON visits
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE visit_places ENABLE ROW LEVEL SECURITY;
ALTER TABLE visit_places FORCE ROW LEVEL SECURITY;
CREATE POLICY visit_places_tenant ON visit_places
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER visit_places_append_only BEFORE UPDATE OR DELETE ON visit_places
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE visit_conditions ENABLE ROW LEVEL SECURITY;
ALTER TABLE visit_conditions FORCE ROW LEVEL SECURITY;
CREATE POLICY visit_conditions_tenant ON visit_conditions
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER visit_conditions_append_only BEFORE UPDATE OR DELETE ON visit_conditions
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE access_refusals ENABLE ROW LEVEL SECURITY;
ALTER TABLE access_refusals FORCE ROW LEVEL SECURITY;
CREATE POLICY access_refusals_tenant ON access_refusals
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER access_refusals_append_only BEFORE UPDATE OR DELETE ON access_refusals
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE registrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE registrations FORCE ROW LEVEL SECURITY;
CREATE POLICY registrations_tenant ON registrations
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER registrations_append_only BEFORE UPDATE OR DELETE ON registrations
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE follow_ups ENABLE ROW LEVEL SECURITY;
ALTER TABLE follow_ups FORCE ROW LEVEL SECURITY;
CREATE POLICY follow_ups_tenant ON follow_ups
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER follow_ups_append_only BEFORE UPDATE OR DELETE ON follow_ups
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE allegations ENABLE ROW LEVEL SECURITY;
ALTER TABLE allegations FORCE ROW LEVEL SECURITY;
CREATE POLICY allegations_tenant ON allegations
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER allegations_append_only BEFORE UPDATE OR DELETE ON allegations
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE allegation_steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE allegation_steps FORCE ROW LEVEL SECURITY;
CREATE POLICY allegation_steps_tenant ON allegation_steps
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER allegation_steps_append_only BEFORE UPDATE OR DELETE ON allegation_steps
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE evidence_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE evidence_items FORCE ROW LEVEL SECURITY;
CREATE POLICY evidence_items_tenant ON evidence_items
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER evidence_items_append_only BEFORE UPDATE OR DELETE ON evidence_items
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE evidence_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE evidence_links FORCE ROW LEVEL SECURITY;
CREATE POLICY evidence_links_tenant ON evidence_links
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER evidence_links_append_only BEFORE UPDATE OR DELETE ON evidence_links
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();

ALTER TABLE custody_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE custody_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY custody_entries_tenant ON custody_entries
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE TRIGGER custody_entries_append_only BEFORE UPDATE OR DELETE ON custody_entries
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
