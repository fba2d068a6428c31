-- Whereabouts registry, SQLite. Never edit a migration after it lands: add a new one.
-- Append-only tables (persons, sources, assertions, events, notifications) refuse UPDATE and
-- DELETE by trigger (XC-1, XC-3). Tenancy is enforced by the Rust layer: every query filters
-- on tenant_id, which comes from a TenantScope.

CREATE TABLE conflicts (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    started_on  TEXT
);

CREATE TABLE parties (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    iso_country TEXT NOT NULL
);

CREATE TABLE party_roles (
    conflict_id  BLOB NOT NULL REFERENCES conflicts (id),
    party_id     BLOB NOT NULL REFERENCES parties (id),
    role         TEXT NOT NULL,
    on_behalf_of BLOB REFERENCES parties (id),
    -- A protecting power may act for several parties: one row each.
    UNIQUE (conflict_id, party_id, role, on_behalf_of)
);

CREATE TABLE tenants (
    id         BLOB PRIMARY KEY NOT NULL,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    party_id   BLOB REFERENCES parties (id),
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id            BLOB PRIMARY KEY NOT NULL,
    tenant_id     BLOB REFERENCES tenants (id),
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE sources (
    id           BLOB PRIMARY KEY NOT NULL,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    kind         TEXT NOT NULL,
    reference    TEXT NOT NULL,
    collected_by TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    language     TEXT,
    script       TEXT,
    confidence   INTEGER NOT NULL CHECK (confidence BETWEEN 0 AND 100),
    recorded_at  TEXT NOT NULL
);

CREATE TABLE places (
    id                  BLOB PRIMARY KEY NOT NULL,
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    controlling_party   BLOB NOT NULL REFERENCES parties (id),
    kind                TEXT NOT NULL,
    name                TEXT NOT NULL,
    parent_id           BLOB REFERENCES places (id),
    postal_address      TEXT,
    created_at          TEXT NOT NULL
);
CREATE INDEX places_tenant ON places (tenant_id);

CREATE TABLE persons (
    id            BLOB PRIMARY KEY NOT NULL,
    tenant_id     BLOB NOT NULL REFERENCES tenants (id),
    reference     TEXT NOT NULL,
    category      TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    source_id     BLOB NOT NULL REFERENCES sources (id),
    UNIQUE (tenant_id, reference)
);

CREATE TABLE assertions (
    tenant_id     BLOB NOT NULL REFERENCES tenants (id),
    person_id     BLOB NOT NULL REFERENCES persons (id),
    id            BLOB NOT NULL,
    field         TEXT NOT NULL,
    value         TEXT,
    absence       TEXT,
    source_id     BLOB NOT NULL REFERENCES sources (id),
    locator       TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    -- Checked by the store (same tenant, person and field); not a foreign key, so that the
    -- table can be clustered by person without a second index on id.
    supersedes_id BLOB,
    CHECK ((value IS NULL) <> (absence IS NULL)),
    PRIMARY KEY (tenant_id, person_id, id)
) WITHOUT ROWID;

CREATE TABLE events (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    person_id   BLOB NOT NULL REFERENCES persons (id),
    id          BLOB NOT NULL,
    kind        TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    place_id    BLOB REFERENCES places (id),
    place_to_id BLOB REFERENCES places (id),
    source_id   BLOB NOT NULL REFERENCES sources (id),
    locator     TEXT NOT NULL,
    note        TEXT,
    PRIMARY KEY (tenant_id, person_id, id)
) WITHOUT ROWID;

CREATE TABLE notifications (
    id               BLOB PRIMARY KEY NOT NULL,
    tenant_id        BLOB NOT NULL REFERENCES tenants (id),
    person_id        BLOB NOT NULL REFERENCES persons (id),
    rule             TEXT NOT NULL,
    -- Checked by the store: an event of the same person and tenant.
    trigger_event_id BLOB,
    channel          TEXT NOT NULL,
    kind             TEXT NOT NULL,
    sent_at          TEXT NOT NULL,
    source_id        BLOB NOT NULL REFERENCES sources (id),
    reference        TEXT NOT NULL,
    recorded_at      TEXT NOT NULL
);
CREATE INDEX notifications_person ON notifications (tenant_id, person_id);

CREATE TRIGGER persons_no_update BEFORE UPDATE ON persons
BEGIN SELECT RAISE(ABORT, 'persons are append-only (XC-1)'); END;
CREATE TRIGGER persons_no_delete BEFORE DELETE ON persons
BEGIN SELECT RAISE(ABORT, 'persons are never deleted (XC-1)'); END;
CREATE TRIGGER sources_no_update BEFORE UPDATE ON sources
BEGIN SELECT RAISE(ABORT, 'sources are append-only (XC-3)'); END;
CREATE TRIGGER sources_no_delete BEFORE DELETE ON sources
BEGIN SELECT RAISE(ABORT, 'sources are append-only (XC-3)'); END;
CREATE TRIGGER assertions_no_update BEFORE UPDATE ON assertions
BEGIN SELECT RAISE(ABORT, 'assertions are append-only (XC-3)'); END;
CREATE TRIGGER assertions_no_delete BEFORE DELETE ON assertions
BEGIN SELECT RAISE(ABORT, 'assertions are append-only (XC-3)'); END;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only (XC-1)'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only (XC-1)'); END;
CREATE TRIGGER notifications_no_update BEFORE UPDATE ON notifications
BEGIN SELECT RAISE(ABORT, 'notifications are append-only (XC-8)'); END;
CREATE TRIGGER notifications_no_delete BEFORE DELETE ON notifications
BEGIN SELECT RAISE(ABORT, 'notifications are append-only (XC-8)'); END;
