-- Whereabouts registry, PostgreSQL. Never edit a migration after it lands: add a new one.
-- Append-only tables (persons, sources, assertions, events, notifications) refuse UPDATE and
-- DELETE by trigger (XC-1, XC-3). Tenancy is enforced by the Rust layer (every query filters
-- on tenant_id from a TenantScope) and, as defence in depth, by row-level security keyed on
-- the transaction setting app.tenant_id.

CREATE TABLE conflicts (
    id          UUID PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    started_on  DATE
);

CREATE TABLE parties (
    id          UUID PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    iso_country TEXT NOT NULL
);

CREATE TABLE party_roles (
    conflict_id  UUID NOT NULL REFERENCES conflicts (id),
    party_id     UUID NOT NULL REFERENCES parties (id),
    role         TEXT NOT NULL,
    on_behalf_of UUID REFERENCES parties (id),
    -- A protecting power may act for several parties: one row each.
    UNIQUE (conflict_id, party_id, role, on_behalf_of)
);

CREATE TABLE tenants (
    id         UUID PRIMARY KEY NOT NULL,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    party_id   UUID REFERENCES parties (id),
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id            UUID PRIMARY KEY NOT NULL,
    tenant_id     UUID REFERENCES tenants (id),
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY NOT NULL,
    user_id    UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE sources (
    id           UUID PRIMARY KEY NOT NULL,
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    kind         TEXT NOT NULL,
    reference    TEXT NOT NULL,
    collected_by TEXT NOT NULL,
    collected_at TIMESTAMPTZ NOT NULL,
    language     TEXT,
    script       TEXT,
    confidence   INTEGER NOT NULL CHECK (confidence BETWEEN 0 AND 100),
    recorded_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE places (
    id                  UUID PRIMARY KEY NOT NULL,
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    controlling_party   UUID NOT NULL REFERENCES parties (id),
    kind                TEXT NOT NULL,
    name                TEXT NOT NULL,
    parent_id           UUID REFERENCES places (id),
    postal_address      TEXT,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX places_tenant ON places (tenant_id);

CREATE TABLE persons (
    id            UUID PRIMARY KEY NOT NULL,
    tenant_id     UUID NOT NULL REFERENCES tenants (id),
    reference     TEXT NOT NULL,
    category      TEXT NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL,
    source_id     UUID NOT NULL REFERENCES sources (id),
    UNIQUE (tenant_id, reference)
);

CREATE TABLE assertions (
    id            UUID PRIMARY KEY NOT NULL,
    tenant_id     UUID NOT NULL REFERENCES tenants (id),
    person_id     UUID NOT NULL REFERENCES persons (id),
    field         TEXT NOT NULL,
    value         TEXT,
    absence       TEXT,
    source_id     UUID NOT NULL REFERENCES sources (id),
    locator       TEXT NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    supersedes_id UUID REFERENCES assertions (id),
    CHECK ((value IS NULL) <> (absence IS NULL))
);
CREATE INDEX assertions_person ON assertions (tenant_id, person_id);

CREATE TABLE events (
    id          UUID PRIMARY KEY NOT NULL,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    person_id   UUID NOT NULL REFERENCES persons (id),
    kind        TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    place_id    UUID REFERENCES places (id),
    place_to_id UUID REFERENCES places (id),
    source_id   UUID NOT NULL REFERENCES sources (id),
    locator     TEXT NOT NULL,
    note        TEXT
);
CREATE INDEX events_person ON events (tenant_id, person_id);

CREATE TABLE notifications (
    id               UUID PRIMARY KEY NOT NULL,
    tenant_id        UUID NOT NULL REFERENCES tenants (id),
    person_id        UUID NOT NULL REFERENCES persons (id),
    rule             TEXT NOT NULL,
    trigger_event_id UUID REFERENCES events (id),
    channel          TEXT NOT NULL,
    kind             TEXT NOT NULL,
    sent_at          TIMESTAMPTZ NOT NULL,
    source_id        UUID NOT NULL REFERENCES sources (id),
    reference        TEXT NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX notifications_person ON notifications (tenant_id, person_id);


-- Row-level security: a query sees only the rows of the tenant set in app.tenant_id.
ALTER TABLE sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE sources FORCE ROW LEVEL SECURITY;
CREATE POLICY sources_tenant ON sources
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE places ENABLE ROW LEVEL SECURITY;
ALTER TABLE places FORCE ROW LEVEL SECURITY;
CREATE POLICY places_tenant ON places
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE persons ENABLE ROW LEVEL SECURITY;
ALTER TABLE persons FORCE ROW LEVEL SECURITY;
CREATE POLICY persons_tenant ON persons
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE assertions ENABLE ROW LEVEL SECURITY;
ALTER TABLE assertions FORCE ROW LEVEL SECURITY;
CREATE POLICY assertions_tenant ON assertions
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
CREATE POLICY events_tenant ON events
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY notifications_tenant ON notifications
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE FUNCTION whereabouts_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% are append-only (XC-1, XC-3): % refused', TG_TABLE_NAME, TG_OP;
END;
$$;
CREATE TRIGGER persons_append_only BEFORE UPDATE OR DELETE ON persons
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER sources_append_only BEFORE UPDATE OR DELETE ON sources
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER assertions_append_only BEFORE UPDATE OR DELETE ON assertions
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER notifications_append_only BEFORE UPDATE OR DELETE ON notifications
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
