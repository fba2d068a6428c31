-- Transmissions, continued (issue 5): enquiries and their answers (GC3-122-g, GC4-137-a: the
-- bureau replies to all enquiries; the agency forwards them) and lists of persons a bureau
-- sends (GC3-46-a, GC4-127, GC3-20-a, GC3-119-d), carried in envelopes like cards. Never edit
-- this file after it lands: add a new migration. Every table is append-only.

-- An enquiry the agency asked of a bureau ('asked'), or one a bureau received ('received').
CREATE TABLE enquiries (
    id                 UUID PRIMARY KEY NOT NULL,
    tenant_id          UUID NOT NULL REFERENCES tenants (id),
    direction          TEXT NOT NULL CHECK (direction IN ('asked', 'received')),
    -- The bureau asked, or the agency that asked.
    peer               TEXT NOT NULL,
    -- The asker's reference, the same at both ends.
    reference          TEXT NOT NULL,
    -- The person asked about, as this tenant holds them (NULL: not held, or a tracing enquiry).
    person_id          UUID REFERENCES persons (id),
    -- The answering bureau's own reference for the person, as carried.
    subject_reference  TEXT,
    -- At the agency, the family's tracing request the enquiry serves; never carried.
    tracing_request_id UUID REFERENCES tracing_requests (id),
    -- The sought person's particulars as carried (name, birth): never the enquirer's.
    sought             TEXT,
    question           TEXT NOT NULL,
    asked_by           TEXT NOT NULL,
    asked_at           TIMESTAMPTZ NOT NULL,
    -- §10 #47: no number in the conventions; the asker's target (design SLA).
    due_at             TIMESTAMPTZ NOT NULL,
    -- At the bureau, the envelope that carried it (XC-3).
    source_id          UUID REFERENCES sources (id),
    recorded_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, direction, peer, reference)
);

-- An answer a bureau gave ('given') or the agency received ('received').
CREATE TABLE enquiry_answers (
    id           UUID PRIMARY KEY NOT NULL,
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    enquiry_id   UUID NOT NULL REFERENCES enquiries (id),
    direction    TEXT NOT NULL CHECK (direction IN ('given', 'received')),
    reference    TEXT NOT NULL,
    answer       TEXT NOT NULL,
    -- JSON array of the answering bureau's person references.
    persons      TEXT NOT NULL,
    answered_by  TEXT NOT NULL,
    answered_at  TIMESTAMPTZ NOT NULL,
    source_id    UUID REFERENCES sources (id),
    recorded_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, enquiry_id, direction, reference)
);
CREATE INDEX enquiry_answers_enquiry ON enquiry_answers (tenant_id, enquiry_id);

-- A named list of persons a bureau drew up ('drawn', peer '') or received ('received', peer
-- the sender).
CREATE TABLE person_lists (
    id          UUID PRIMARY KEY NOT NULL,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    direction   TEXT NOT NULL CHECK (direction IN ('drawn', 'received')),
    peer        TEXT NOT NULL,
    reference   TEXT NOT NULL,
    title       TEXT NOT NULL,
    -- The rule the list meets, e.g. GC3-46-a (transferred persons), or NULL.
    rule        TEXT,
    drawn_by    TEXT NOT NULL,
    drawn_at    TIMESTAMPTZ NOT NULL,
    source_id   UUID REFERENCES sources (id),
    recorded_at TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, direction, peer, reference)
);
CREATE TABLE person_list_rows (
    list_id   UUID NOT NULL REFERENCES person_lists (id),
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    position  INTEGER NOT NULL,
    person_id UUID NOT NULL REFERENCES persons (id),
    PRIMARY KEY (list_id, position)
);
CREATE INDEX person_list_rows_person ON person_list_rows (tenant_id, person_id);

-- Which enquiries, answers and lists each outgoing envelope carried.
CREATE TABLE transmission_messages (
    transmission_id UUID NOT NULL REFERENCES transmissions_out (id),
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    item_kind       TEXT NOT NULL CHECK (item_kind IN ('enquiry', 'answer', 'list')),
    item_id         UUID NOT NULL,
    PRIMARY KEY (transmission_id, item_kind, item_id)
);
CREATE INDEX transmission_messages_item ON transmission_messages (tenant_id, item_kind, item_id);

-- Row-level security: a query sees only the rows of the tenant set in app.tenant_id.
ALTER TABLE enquiries ENABLE ROW LEVEL SECURITY;
ALTER TABLE enquiries FORCE ROW LEVEL SECURITY;
CREATE POLICY enquiries_tenant ON enquiries
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE enquiry_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE enquiry_answers FORCE ROW LEVEL SECURITY;
CREATE POLICY enquiry_answers_tenant ON enquiry_answers
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE person_lists ENABLE ROW LEVEL SECURITY;
ALTER TABLE person_lists FORCE ROW LEVEL SECURITY;
CREATE POLICY person_lists_tenant ON person_lists
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE person_list_rows ENABLE ROW LEVEL SECURITY;
ALTER TABLE person_list_rows FORCE ROW LEVEL SECURITY;
CREATE POLICY person_list_rows_tenant ON person_list_rows
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE transmission_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE transmission_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY transmission_messages_tenant ON transmission_messages
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Append-only: whereabouts_append_only() is defined by 0001.
CREATE TRIGGER enquiries_append_only BEFORE UPDATE OR DELETE ON enquiries
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER enquiry_answers_append_only BEFORE UPDATE OR DELETE ON enquiry_answers
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER person_lists_append_only BEFORE UPDATE OR DELETE ON person_lists
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER person_list_rows_append_only BEFORE UPDATE OR DELETE ON person_list_rows
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
CREATE TRIGGER transmission_messages_append_only BEFORE UPDATE OR DELETE ON transmission_messages
    FOR EACH ROW EXECUTE FUNCTION whereabouts_append_only();
