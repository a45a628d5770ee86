-- Migration 9: WebAuthn passkeys as a second factor, besides (or instead of) TOTP. Several per
-- person, each with a name the person chose.

-- `credential_id` is the authenticator's id for the key (base64url), unique across everyone so
-- one key never belongs to two accounts. `passkey` is webauthn-rs's `Passkey` as JSON: the public
-- key and the signature counter, updated after each use.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    credential_id TEXT NOT NULL UNIQUE,
    passkey       TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX passkeys_user ON passkeys (user_id);
