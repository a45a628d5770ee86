-- Migration 4: notifications. Channels, the outbox that delivers through them, and the in-app inbox.

CREATE TABLE channels (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(trim(name)) > 0),
    kind          TEXT NOT NULL CHECK (kind IN ('email', 'webhook', 'slack', 'teams', 'in_app')),
    target        TEXT NOT NULL DEFAULT '',   -- URL, or comma-separated e-mail addresses
    min_severity  TEXT NOT NULL DEFAULT 'warning' CHECK (min_severity IN ('warning', 'critical')),
    client_id     INTEGER REFERENCES clients(id) ON DELETE CASCADE,  -- NULL: every client
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Notifications accepted for delivery. Written in the same transaction as the alert change that
-- caused them, so none is lost to a crash; delivered (with retries) by the notifier.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    channel_id       INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    alert_id         INTEGER REFERENCES alerts(id) ON DELETE SET NULL,
    event            TEXT NOT NULL,    -- opened, severity, renotify, resolved, test
    message_json     TEXT NOT NULL,    -- notify::Message
    created_at       INTEGER NOT NULL,
    next_attempt_at  INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    delivered_at     INTEGER,
    failed_at        INTEGER,          -- gave up (after the retry period)
    last_error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_alert ON outbox (alert_id);
-- A channel's recent deliveries, newest first.
CREATE INDEX outbox_channel ON outbox (channel_id, id);

-- The in-app channel's notices, shown under the bell in the UI.
CREATE TABLE app_notifications (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    channel_id  INTEGER REFERENCES channels(id) ON DELETE SET NULL,
    alert_id    INTEGER REFERENCES alerts(id) ON DELETE SET NULL,
    client_id   INTEGER REFERENCES clients(id) ON DELETE CASCADE,
    event       TEXT NOT NULL DEFAULT '',   -- opened, severity, renotify, resolved, test
    severity    TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    link        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX app_notifications_at ON app_notifications (at);
-- A client contact's notices, newest first.
CREATE INDEX app_notifications_client ON app_notifications (client_id, id);

-- How far each person has read the in-app notices.
CREATE TABLE app_notification_reads (
    user_id      INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    last_read_id INTEGER NOT NULL
);
