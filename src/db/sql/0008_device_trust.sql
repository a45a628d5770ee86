-- steward:foreign-keys-off
-- Migration 8: device trust (issue 10). A machine id no longer names one device: a second
-- enrollment that cannot prove it is the same agent becomes a new device flagged as a possible
-- clone, so `devices.machine_id` loses its UNIQUE constraint. SQLite cannot drop a constraint, so
-- the table is rebuilt; the runner turns foreign keys off for this migration only (otherwise
-- `DROP TABLE devices` would cascade into every table that references it) and checks them with
-- `PRAGMA foreign_key_check` before committing.

CREATE TABLE devices_new (
    id               INTEGER PRIMARY KEY,
    client_id        INTEGER NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    site_id          INTEGER REFERENCES sites(id) ON DELETE SET NULL,
    machine_id       TEXT NOT NULL,
    hostname         TEXT NOT NULL,
    os               TEXT NOT NULL DEFAULT '',
    agent_version    TEXT NOT NULL DEFAULT '',
    secret_hash      BLOB NOT NULL,
    enrolled_at      INTEGER NOT NULL,
    last_seen        INTEGER,
    last_seq         INTEGER NOT NULL DEFAULT 0,
    online           INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1)),
    dropped_reports  INTEGER NOT NULL DEFAULT 0,
    notes            TEXT NOT NULL DEFAULT '',
    -- Enrolled with the machine id of this (live) device without proving to be its agent: a
    -- possible clone, until staff merge it into that device or keep both.
    clone_of         INTEGER,
    -- After a merge, the id the merged clone's agent still presents in its credential.
    alias_id         INTEGER UNIQUE,
    -- Staff allowed one re-enrollment without the device secret, until this time.
    reenroll_until   INTEGER,
    -- Revoked by staff: check-ins are refused with the reason.
    revoked_at       INTEGER,
    revoked_reason   TEXT NOT NULL DEFAULT ''
);
INSERT INTO devices_new (id, client_id, site_id, machine_id, hostname, os, agent_version, secret_hash, enrolled_at,
                         last_seen, last_seq, online, dropped_reports, notes)
    SELECT id, client_id, site_id, machine_id, hostname, os, agent_version, secret_hash, enrolled_at,
           last_seen, last_seq, online, dropped_reports, notes FROM devices;
DROP TABLE devices;
ALTER TABLE devices_new RENAME TO devices;
CREATE INDEX devices_client ON devices (client_id);
CREATE INDEX devices_online_seen ON devices (online, last_seen);
CREATE INDEX devices_machine ON devices (machine_id);
CREATE INDEX devices_clone_of ON devices (clone_of) WHERE clone_of IS NOT NULL;
