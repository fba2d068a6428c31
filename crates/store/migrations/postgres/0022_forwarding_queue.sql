-- Transmissions, continued (issue 5): the agency's forwarding round to a power of origin
-- (GC3-123-a, GC4-140-a) reads only the persons that changed since its last round, not the
-- whole tenant. Never edit this file after it lands: add a new migration.
--
-- A person can become one to forward to a peer when they are registered, or when an assertion
-- about their nationality is recorded (the round forwards the nationals of the peer's origin
-- that have no decision for the peer yet). Triggers write a change row for each of those
-- writes, in the writing transaction itself: the row commits with the write or not at all, so
-- no timestamp (taken at insert, not at commit) decides what a round has seen.

-- Changes not yet handed to the recipients: one row per person registered and per nationality
-- asserted. A round moves those it sees (all of its tenant's) to `forwarding_pending`, one row
-- per recipient that reads from the queue, and deletes them, in one statement; rounds of a
-- tenant take a transaction-level advisory lock first, so they move rows one at a time.
CREATE TABLE forwarding_changes (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    person_id UUID NOT NULL REFERENCES persons (id)
);
CREATE INDEX forwarding_changes_tenant ON forwarding_changes (tenant_id, id);

CREATE FUNCTION whereabouts_forwarding_person() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO forwarding_changes (tenant_id, person_id) VALUES (NEW.tenant_id, NEW.id);
    RETURN NULL;
END;
$$;
CREATE FUNCTION whereabouts_forwarding_assertion() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO forwarding_changes (tenant_id, person_id) VALUES (NEW.tenant_id, NEW.person_id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER forwarding_changes_person AFTER INSERT ON persons
    FOR EACH ROW EXECUTE FUNCTION whereabouts_forwarding_person();
CREATE TRIGGER forwarding_changes_nationality AFTER INSERT ON assertions
    FOR EACH ROW WHEN (NEW.field = 'nationality') EXECUTE FUNCTION whereabouts_forwarding_assertion();

-- The recipients whose rounds read from the queue. A recipient's first round reads the whole
-- tenant (as rounds did before this migration), in the transaction that adds its row here;
-- from then on every change reaches it through `forwarding_pending`.
CREATE TABLE forwarding_recipients (
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    recipient TEXT NOT NULL,
    since     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, recipient)
);

-- The persons a recipient's next round reads. The round deletes the rows it read (up to the
-- greatest id it read) when it records its decisions; a row written after the round read
-- stays for the next one (rows are added only under the advisory lock, so in id order).
CREATE TABLE forwarding_pending (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    recipient TEXT NOT NULL,
    person_id UUID NOT NULL REFERENCES persons (id)
);
CREATE INDEX forwarding_pending_recipient ON forwarding_pending (tenant_id, recipient, id);

-- Row-level security: a query sees only the rows of the tenant set in app.tenant_id. The
-- triggers write with the setting of the transaction that writes the person or assertion.
ALTER TABLE forwarding_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE forwarding_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY forwarding_changes_tenant ON forwarding_changes
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE forwarding_recipients ENABLE ROW LEVEL SECURITY;
ALTER TABLE forwarding_recipients FORCE ROW LEVEL SECURITY;
CREATE POLICY forwarding_recipients_tenant ON forwarding_recipients
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
ALTER TABLE forwarding_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE forwarding_pending FORCE ROW LEVEL SECURITY;
CREATE POLICY forwarding_pending_tenant ON forwarding_pending
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
