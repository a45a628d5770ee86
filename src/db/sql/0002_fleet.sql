-- Migration 2: the fleet. Enrollment tokens, devices and what they report, metric history.

-- Tokens that let an agent enroll into a client (and optionally a site). Only the hash is stored.
CREATE TABLE enroll_tokens (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    client_id    INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    site_id      INTEGER REFERENCES sites(id) ON DELETE SET NULL,
    created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    max_uses     INTEGER NOT NULL CHECK (max_uses > 0),
    uses         INTEGER NOT NULL DEFAULT 0,
    revoked_at   INTEGER
);

CREATE TABLE devices (
    id               INTEGER PRIMARY KEY,
    client_id        INTEGER NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    site_id          INTEGER REFERENCES sites(id) ON DELETE SET NULL,
    machine_id       TEXT NOT NULL UNIQUE,
    hostname         TEXT NOT NULL,
    os               TEXT NOT NULL DEFAULT '',
    agent_version    TEXT NOT NULL DEFAULT '',
    secret_hash      BLOB NOT NULL,
    enrolled_at      INTEGER NOT NULL,
    last_seen        INTEGER,               -- server time of the last check-in
    last_seq         INTEGER NOT NULL DEFAULT 0,
    online           INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1)),
    dropped_reports  INTEGER NOT NULL DEFAULT 0,
    notes            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX devices_client ON devices (client_id);
CREATE INDEX devices_online_seen ON devices (online, last_seen);

CREATE TABLE device_tags (
    device_id  INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    tag        TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (device_id, tag)
) WITHOUT ROWID;
CREATE INDEX device_tags_tag ON device_tags (tag);

-- Every report stored, by its sequence number: the check-in log (kept as long as raw samples).
-- Its primary key is what makes "stored exactly once" a property of the schema, not only of the code.
CREATE TABLE device_reports (
    device_id     INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    collected_at  INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
CREATE INDEX device_reports_received ON device_reports (received_at);

-- The newest report's numbers, for lists and dashboards without touching history.
CREATE TABLE device_latest (
    device_id      INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,
    collected_at   INTEGER NOT NULL,
    received_at    INTEGER NOT NULL,
    cpu_pct        REAL NOT NULL,
    mem_total      INTEGER NOT NULL,
    mem_used       INTEGER NOT NULL,
    disk_max_pct   REAL,                    -- fullest filesystem, for "fullest disks"
    metrics_json   TEXT NOT NULL            -- protocol::Metrics
);

CREATE TABLE device_inventory (
    device_id       INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
    collected_at    INTEGER NOT NULL,
    inventory_json  TEXT NOT NULL           -- protocol::Inventory without packages
);

CREATE TABLE device_software (
    device_id  INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    PRIMARY KEY (device_id, name)
) WITHOUT ROWID;
CREATE INDEX device_software_name ON device_software (name);

CREATE TABLE device_patches (
    device_id     INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
    collected_at  INTEGER NOT NULL,
    known         INTEGER NOT NULL,
    pending       INTEGER NOT NULL,
    security      INTEGER NOT NULL,
    -- When security updates were first seen pending (kept while some stay pending).
    security_since INTEGER,
    patches_json  TEXT NOT NULL
);

CREATE TABLE device_smart (
    device_id     INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
    collected_at  INTEGER NOT NULL,
    smart_json    TEXT NOT NULL
);

-- Online/offline changes and enrollments: what the rule engine and the UI's live view consume.
CREATE TABLE device_events (
    id         INTEGER PRIMARY KEY,
    device_id  INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('enrolled', 're-enrolled', 'online', 'offline', 'spool-dropped')),
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX device_events_device ON device_events (device_id, at);

-- One time series per (device, metric, subject): ("cpu_pct", ""), ("disk_used_pct", "/var"), ...
CREATE TABLE metric_series (
    id         INTEGER PRIMARY KEY,
    device_id  INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    metric     TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    UNIQUE (device_id, metric, subject)
);

-- Full-resolution samples (kept [retention] raw, default 48 h).
CREATE TABLE samples (
    series_id  INTEGER NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE,
    ts         INTEGER NOT NULL,
    value      REAL NOT NULL,
    PRIMARY KEY (series_id, ts)
) WITHOUT ROWID;

-- Rollups, kept up to date as samples arrive (so late, spooled samples land in the right bucket).
CREATE TABLE rollups_5m (
    series_id  INTEGER NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE,
    bucket     INTEGER NOT NULL,
    min        REAL NOT NULL,
    max        REAL NOT NULL,
    sum        REAL NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;

CREATE TABLE rollups_1h (
    series_id  INTEGER NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE,
    bucket     INTEGER NOT NULL,
    min        REAL NOT NULL,
    max        REAL NOT NULL,
    sum        REAL NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;

-- Index for pruning by time.
CREATE INDEX samples_ts ON samples (ts);
CREATE INDEX rollups_5m_bucket ON rollups_5m (bucket);
CREATE INDEX rollups_1h_bucket ON rollups_1h (bucket);
