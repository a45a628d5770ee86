-- Migration 7: security hardening. A usable, append-only audit log; sessions with an idle
-- timeout; API keys that expire; a second factor (TOTP with recovery codes).

-- Who acted (the login at the time, or "agent", "system", "cli:<login>") and from which address.
ALTER TABLE audit_log ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN source TEXT NOT NULL DEFAULT '';
UPDATE audit_log SET actor = coalesce((SELECT login FROM users WHERE users.id = audit_log.user_id), '');
CREATE INDEX audit_log_action ON audit_log (action, at);
CREATE INDEX audit_log_user ON audit_log (user_id, at);

-- Append-only: an entry never changes (only the user link goes when a user is deleted), and none
-- younger than 30 days can be deleted; retention removes older ones.
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OF id, at, actor, source, action, subject, detail ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_keep_recent BEFORE DELETE ON audit_log WHEN old.at > unixepoch() - 30 * 86400
BEGIN
    SELECT RAISE(ABORT, 'audit entries younger than 30 days cannot be deleted');
END;

-- Sessions end after [auth] session_idle of no use, or session_ttl after they began.
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at;
CREATE INDEX sessions_user ON sessions (user_id);

-- API keys may expire; revoked_by says who revoked one (the owner or an admin).
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
ALTER TABLE api_keys ADD COLUMN revoked_by INTEGER REFERENCES users(id) ON DELETE SET NULL;

-- TOTP (RFC 6238). `totp_secret` holds the base32 secret while enrolling and after; the factor is
-- on only once `totp_enabled_at` is set (the user proved a code). `totp_last_step` refuses a code
-- used twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at INTEGER;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

-- One-time recovery codes, shown once; only their SHA-256 is kept.
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  BLOB NOT NULL,
    used_at    INTEGER
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- A password was right and the second factor is still to come: the login waits here, briefly.
CREATE TABLE mfa_challenges (
    id          INTEGER PRIMARY KEY,
    token_hash  BLOB NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL,
    failures    INTEGER NOT NULL DEFAULT 0,
    remote_addr TEXT NOT NULL DEFAULT ''
);

-- A session of someone who must use a second factor but has none yet: it may only set one up.
ALTER TABLE sessions ADD COLUMN mfa_setup_required INTEGER NOT NULL DEFAULT 0;
