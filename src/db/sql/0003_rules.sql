-- Migration 3: the rule engine. Rules, their evaluation state, alerts and maintenance windows.

-- Clients get a time zone of their own, for maintenance windows and (later) business hours.
ALTER TABLE clients ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';

-- A rule: a condition (see rules::condition, stored as JSON) applied at a scope. Among enabled or
-- disabled rules of the same `kind_key` that match a device, the most specific scope wins.
CREATE TABLE rules (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL CHECK (length(trim(name)) > 0),
    enabled          INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    scope            TEXT NOT NULL CHECK (scope IN ('global', 'client', 'site', 'device', 'tag')),
    scope_id         INTEGER,               -- the client, site or device
    scope_tag        TEXT COLLATE NOCASE,   -- the tag
    kind_key         TEXT NOT NULL,         -- what overrides what, e.g. "threshold:disk_used_pct"
    condition_json   TEXT NOT NULL,
    hold_secs        INTEGER NOT NULL DEFAULT 0 CHECK (hold_secs >= 0),
    clear_hold_secs  INTEGER NOT NULL DEFAULT 0 CHECK (clear_hold_secs >= 0),
    renotify_secs    INTEGER NOT NULL DEFAULT 0 CHECK (renotify_secs >= 0),  -- 0: never
    builtin          TEXT UNIQUE,           -- the shipped default this row started as
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CHECK ((scope = 'global') = (scope_id IS NULL AND scope_tag IS NULL)),
    CHECK ((scope = 'tag') = (scope_tag IS NOT NULL))
);

-- Where each (rule, device, subject) stands between check-ins: holds running, alert firing.
-- A row exists only while something is pending, firing or remembered (SMART counters), so the
-- common case, a healthy device, costs no row and no write.
CREATE TABLE rule_state (
    rule_id     INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    device_id   INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    state_json  TEXT NOT NULL,
    due_at      INTEGER,                    -- a hold that a timer (not a check-in) must finish
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (device_id, rule_id, subject)
) WITHOUT ROWID;
CREATE INDEX rule_state_due ON rule_state (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX rule_state_rule ON rule_state (rule_id);

CREATE TABLE alerts (
    id                INTEGER PRIMARY KEY,
    rule_id           INTEGER REFERENCES rules(id) ON DELETE SET NULL,
    rule_name         TEXT NOT NULL,
    device_id         INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    client_id         INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    subject           TEXT NOT NULL DEFAULT '',
    severity          TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
    state             TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
    summary           TEXT NOT NULL,
    value             REAL,
    threshold         REAL,
    flapping          INTEGER NOT NULL DEFAULT 0 CHECK (flapping IN (0, 1)),
    opened_at         INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    acknowledged_at   INTEGER,
    acknowledged_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    resolved_at       INTEGER,
    resolution        TEXT NOT NULL DEFAULT '',
    last_notified_at  INTEGER,
    ticket_id         INTEGER
);
-- One open alert per (rule, device, subject): a property of the schema, not only of the code.
CREATE UNIQUE INDEX alerts_one_open ON alerts (rule_id, device_id, subject) WHERE state != 'resolved';
CREATE INDEX alerts_state ON alerts (state, opened_at);
CREATE INDEX alerts_device ON alerts (device_id, opened_at);
CREATE INDEX alerts_client ON alerts (client_id, opened_at);

-- Everything that happened to an alert, for its history.
CREATE TABLE alert_events (
    id        INTEGER PRIMARY KEY,
    alert_id  INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL,      -- opened, severity, acknowledged, unacknowledged, resolved, reopened, notified
    detail    TEXT NOT NULL DEFAULT '',
    user_id   INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, at);

-- Maintenance windows: while one covers a device, nothing new fires and nothing is sent.
CREATE TABLE maintenance_windows (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(trim(name)) > 0),
    scope         TEXT NOT NULL CHECK (scope IN ('global', 'client', 'site', 'device', 'tag')),
    scope_id      INTEGER,
    scope_tag     TEXT COLLATE NOCASE,
    schedule_json TEXT NOT NULL,   -- see rules::maintenance::Schedule
    timezone      TEXT NOT NULL DEFAULT 'UTC',
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CHECK ((scope = 'global') = (scope_id IS NULL AND scope_tag IS NULL)),
    CHECK ((scope = 'tag') = (scope_tag IS NOT NULL))
);

-- Small facts about this installation, e.g. that the default rules were put in once.
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
