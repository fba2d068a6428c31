-- Transmissions, continued (issue 5): enquiries and their answers (GC3-122-g, GC4-137-a: the
-- bureau replies to all enquiries; the agency forwards them) and lists of persons a bureau
-- sends (GC3-46-a, GC4-127, GC3-20-a, GC3-119-d), carried in envelopes like cards. Never edit
-- this file after it lands: add a new migration. Every table is append-only.

-- An enquiry the agency asked of a bureau ('asked'), or one a bureau received ('received').
CREATE TABLE enquiries (
    id                 BLOB PRIMARY KEY NOT NULL,
    tenant_id          BLOB NOT NULL REFERENCES tenants (id),
    direction          TEXT NOT NULL CHECK (direction IN ('asked', 'received')),
    -- The bureau asked, or the agency that asked.
    peer               TEXT NOT NULL,
    -- The asker's reference, the same at both ends.
    reference          TEXT NOT NULL,
    -- The person asked about, as this tenant holds them (NULL: not held, or a tracing enquiry).
    person_id          BLOB REFERENCES persons (id),
    -- The answering bureau's own reference for the person, as carried.
    subject_reference  TEXT,
    -- At the agency, the family's tracing request the enquiry serves; never carried.
    tracing_request_id BLOB REFERENCES tracing_requests (id),
    -- The sought person's particulars as carried (name, birth): never the enquirer's.
    sought             TEXT,
    question           TEXT NOT NULL,
    asked_by           TEXT NOT NULL,
    asked_at           TEXT NOT NULL,
    -- §10 #47: no number in the conventions; the asker's target (design SLA).
    due_at             TEXT NOT NULL,
    -- At the bureau, the envelope that carried it (XC-3).
    source_id          BLOB REFERENCES sources (id),
    recorded_at        TEXT NOT NULL,
    UNIQUE (tenant_id, direction, peer, reference)
);

-- An answer a bureau gave ('given') or the agency received ('received').
CREATE TABLE enquiry_answers (
    id           BLOB PRIMARY KEY NOT NULL,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    enquiry_id   BLOB NOT NULL REFERENCES enquiries (id),
    direction    TEXT NOT NULL CHECK (direction IN ('given', 'received')),
    reference    TEXT NOT NULL,
    answer       TEXT NOT NULL,
    -- JSON array of the answering bureau's person references.
    persons      TEXT NOT NULL,
    answered_by  TEXT NOT NULL,
    answered_at  TEXT NOT NULL,
    source_id    BLOB REFERENCES sources (id),
    recorded_at  TEXT NOT NULL,
    UNIQUE (tenant_id, enquiry_id, direction, reference)
);
CREATE INDEX enquiry_answers_enquiry ON enquiry_answers (tenant_id, enquiry_id);

-- A named list of persons a bureau drew up ('drawn', peer '') or received ('received', peer
-- the sender).
CREATE TABLE person_lists (
    id          BLOB PRIMARY KEY NOT NULL,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    direction   TEXT NOT NULL CHECK (direction IN ('drawn', 'received')),
    peer        TEXT NOT NULL,
    reference   TEXT NOT NULL,
    title       TEXT NOT NULL,
    -- The rule the list meets, e.g. GC3-46-a (transferred persons), or NULL.
    rule        TEXT,
    drawn_by    TEXT NOT NULL,
    drawn_at    TEXT NOT NULL,
    source_id   BLOB REFERENCES sources (id),
    recorded_at TEXT NOT NULL,
    UNIQUE (tenant_id, direction, peer, reference)
);
CREATE TABLE person_list_rows (
    list_id   BLOB NOT NULL REFERENCES person_lists (id),
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    position  INTEGER NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    PRIMARY KEY (list_id, position)
);
CREATE INDEX person_list_rows_person ON person_list_rows (tenant_id, person_id);

-- Which enquiries, answers and lists each outgoing envelope carried.
CREATE TABLE transmission_messages (
    transmission_id BLOB NOT NULL REFERENCES transmissions_out (id),
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    item_kind       TEXT NOT NULL CHECK (item_kind IN ('enquiry', 'answer', 'list')),
    item_id         BLOB NOT NULL,
    PRIMARY KEY (transmission_id, item_kind, item_id)
);
CREATE INDEX transmission_messages_item ON transmission_messages (tenant_id, item_kind, item_id);

CREATE TRIGGER enquiries_no_update BEFORE UPDATE ON enquiries
BEGIN SELECT RAISE(ABORT, 'enquiries are append-only (XC-8)'); END;
CREATE TRIGGER enquiries_no_delete BEFORE DELETE ON enquiries
BEGIN SELECT RAISE(ABORT, 'enquiries are append-only (XC-8)'); END;
CREATE TRIGGER enquiry_answers_no_update BEFORE UPDATE ON enquiry_answers
BEGIN SELECT RAISE(ABORT, 'enquiry answers are append-only (XC-8)'); END;
CREATE TRIGGER enquiry_answers_no_delete BEFORE DELETE ON enquiry_answers
BEGIN SELECT RAISE(ABORT, 'enquiry answers are append-only (XC-8)'); END;
CREATE TRIGGER person_lists_no_update BEFORE UPDATE ON person_lists
BEGIN SELECT RAISE(ABORT, 'lists are append-only (XC-8)'); END;
CREATE TRIGGER person_lists_no_delete BEFORE DELETE ON person_lists
BEGIN SELECT RAISE(ABORT, 'lists are append-only (XC-8)'); END;
CREATE TRIGGER person_list_rows_no_update BEFORE UPDATE ON person_list_rows
BEGIN SELECT RAISE(ABORT, 'lists are append-only (XC-8)'); END;
CREATE TRIGGER person_list_rows_no_delete BEFORE DELETE ON person_list_rows
BEGIN SELECT RAISE(ABORT, 'lists are append-only (XC-8)'); END;
CREATE TRIGGER transmission_messages_no_update BEFORE UPDATE ON transmission_messages
BEGIN SELECT RAISE(ABORT, 'transmissions are append-only (XC-5)'); END;
CREATE TRIGGER transmission_messages_no_delete BEFORE DELETE ON transmission_messages
BEGIN SELECT RAISE(ABORT, 'transmissions are append-only (XC-5)'); END;
