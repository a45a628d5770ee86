-- Migration 5: tickets, their people and queues, SLA calendars and policies.
-- Times are INTEGER unix seconds (UTC). A ticket's id is its ticket number.

-- The client's own people: who reported a ticket, who hears about it.
CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    -- The portal login of this person, when they have one.
    user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    email       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX contacts_client ON contacts (client_id);
CREATE UNIQUE INDEX contacts_user ON contacts (user_id, client_id) WHERE user_id IS NOT NULL;

-- Teams of technicians that tickets are routed to.
CREATE TABLE queues (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    assignment        TEXT NOT NULL DEFAULT 'manual' CHECK (assignment IN ('round_robin', 'least_loaded', 'manual')),
    escalation_email  TEXT NOT NULL DEFAULT '',
    -- Round-robin: the member who got the last ticket.
    last_assigned_id  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

CREATE TABLE queue_members (
    queue_id  INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (queue_id, user_id)
) WITHOUT ROWID;
CREATE INDEX queue_members_user ON queue_members (user_id);

-- Business calendars: `spec` is a validated `tickets::sla::CalendarSpec` as JSON.
CREATE TABLE sla_calendars (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    spec        TEXT NOT NULL CHECK (json_valid(spec)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- SLA policies: `targets` is a validated `tickets::sla::SlaPolicy` as JSON. Exactly one policy is
-- the default, used for clients without their own.
CREATE TABLE sla_policies (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    calendar_id  INTEGER NOT NULL REFERENCES sla_calendars(id) ON DELETE RESTRICT,
    targets      TEXT NOT NULL CHECK (json_valid(targets)),
    is_default   INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX sla_policies_one_default ON sla_policies (is_default) WHERE is_default = 1;

-- The seeds equal `CalendarSpec::weekdays("UTC", &[("08:00", "17:00")])` and `SlaPolicy::default()`
-- (a unit test in db::tickets holds them to that).
INSERT INTO sla_calendars (id, name, spec, created_at, updated_at) VALUES (1, 'Business hours',
    '{"timezone":"UTC","hours":{"mon":[{"start":"08:00","end":"17:00"}],"tue":[{"start":"08:00","end":"17:00"}],"wed":[{"start":"08:00","end":"17:00"}],"thu":[{"start":"08:00","end":"17:00"}],"fri":[{"start":"08:00","end":"17:00"}],"sat":[],"sun":[]},"holidays":[]}',
    CAST(strftime('%s', 'now') AS INTEGER), CAST(strftime('%s', 'now') AS INTEGER));
INSERT INTO sla_policies (id, name, calendar_id, targets, is_default, created_at, updated_at) VALUES (1, 'Standard', 1,
    '{"p1":{"first_response_minutes":30,"resolution_minutes":240},"p2":{"first_response_minutes":60,"resolution_minutes":480},"p3":{"first_response_minutes":240,"resolution_minutes":1440},"p4":{"first_response_minutes":480,"resolution_minutes":2400},"warning_percent":75}',
    1, CAST(strftime('%s', 'now') AS INTEGER), CAST(strftime('%s', 'now') AS INTEGER));

-- A client's own SLA policy beats the default.
ALTER TABLE clients ADD COLUMN sla_policy_id INTEGER REFERENCES sla_policies(id) ON DELETE SET NULL;

CREATE TABLE tickets (
    id                      INTEGER PRIMARY KEY,   -- the ticket number
    subject                 TEXT NOT NULL CHECK (length(trim(subject)) > 0),
    description             TEXT NOT NULL DEFAULT '',
    client_id               INTEGER NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    site_id                 INTEGER REFERENCES sites(id) ON DELETE SET NULL,
    contact_id              INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    source                  TEXT NOT NULL CHECK (source IN ('alert', 'manual', 'api', 'portal')),
    category                TEXT NOT NULL DEFAULT '',
    priority                TEXT NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    status                  TEXT NOT NULL DEFAULT 'new'
                            CHECK (status IN ('new', 'open', 'pending', 'resolved', 'closed')),
    queue_id                INTEGER REFERENCES queues(id) ON DELETE SET NULL,
    assignee_id             INTEGER REFERENCES users(id) ON DELETE SET NULL,
    alert_id                INTEGER REFERENCES alerts(id) ON DELETE SET NULL,
    created_by              INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    first_response_at       INTEGER,
    resolved_at             INTEGER,
    closed_at               INTEGER,
    -- Optimistic concurrency: every applied change adds one; a write naming an older one is refused.
    version                 INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- SLA figures, recomputed from the ticket's events at each change (tickets::sla::evaluate).
    sla_policy_id           INTEGER REFERENCES sla_policies(id) ON DELETE SET NULL,
    first_response_due      INTEGER,
    resolution_due          INTEGER,
    first_response_met      INTEGER NOT NULL DEFAULT 0 CHECK (first_response_met IN (0, 1)),
    first_response_breached INTEGER NOT NULL DEFAULT 0 CHECK (first_response_breached IN (0, 1)),
    first_response_warned   INTEGER NOT NULL DEFAULT 0 CHECK (first_response_warned IN (0, 1)),
    resolution_met          INTEGER NOT NULL DEFAULT 0 CHECK (resolution_met IN (0, 1)),
    resolution_breached     INTEGER NOT NULL DEFAULT 0 CHECK (resolution_breached IN (0, 1)),
    resolution_warned       INTEGER NOT NULL DEFAULT 0 CHECK (resolution_warned IN (0, 1)),
    first_response_used_s   INTEGER NOT NULL DEFAULT 0,   -- business seconds used
    resolution_used_s       INTEGER NOT NULL DEFAULT 0,
    -- The earliest due time of a clock that is running (the queue's sort key); NULL when none runs.
    sla_due                 INTEGER,
    -- When a warning or breach next happens on its own, for the timer that notifies.
    sla_next_change         INTEGER
);
CREATE INDEX tickets_queue_order ON tickets (coalesce(sla_due, 9223372036854775807), id);
CREATE INDEX tickets_status ON tickets (status, coalesce(sla_due, 9223372036854775807), id);
CREATE INDEX tickets_assignee ON tickets (assignee_id, status);
CREATE INDEX tickets_client ON tickets (client_id, status);
CREATE INDEX tickets_queue ON tickets (queue_id, status);
CREATE INDEX tickets_alert ON tickets (alert_id) WHERE alert_id IS NOT NULL;
CREATE INDEX tickets_next_change ON tickets (sla_next_change) WHERE sla_next_change IS NOT NULL;

-- Devices a ticket is about; the first linked (lowest rowid) is "the" device.
CREATE TABLE ticket_devices (
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    device_id  INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    UNIQUE (ticket_id, device_id)
);
CREATE INDEX ticket_devices_device ON ticket_devices (device_id);

CREATE TABLE ticket_comments (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,   -- NULL: the system
    body        TEXT NOT NULL CHECK (length(trim(body)) > 0),
    public      INTEGER NOT NULL CHECK (public IN (0, 1)),
    created_at  INTEGER NOT NULL
);
CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, id);

-- Every change to a ticket: who, what, when. `kind` is 'created', a field name ('status',
-- 'priority', 'assignee', ...) or 'first_response'; `old_value`/`new_value` as text.
CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,   -- NULL: the system
    kind        TEXT NOT NULL,
    old_value   TEXT,
    new_value   TEXT
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE time_entries (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    minutes     INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
    billable    INTEGER NOT NULL CHECK (billable IN (0, 1)),
    note        TEXT NOT NULL DEFAULT '',
    work_date   TEXT NOT NULL CHECK (work_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    created_at  INTEGER NOT NULL
);
CREATE INDEX time_entries_ticket ON time_entries (ticket_id);
CREATE INDEX time_entries_user_date ON time_entries (user_id, work_date);

-- Whether a rule's alerts open tickets: 'default' follows the installation's setting
-- `alert_tickets` ('always' unless changed), or the rule says 'always' or 'never'.
ALTER TABLE rules ADD COLUMN ticket_policy TEXT NOT NULL DEFAULT 'default'
    CHECK (ticket_policy IN ('default', 'always', 'never'));
INSERT OR IGNORE INTO settings (key, value) VALUES ('alert_tickets', 'always');
