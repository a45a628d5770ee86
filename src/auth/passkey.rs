//! WebAuthn passkeys as a second factor, through webauthn-rs (kanidm's; RustCrypto underneath,
//! no OpenSSL). This module owns the relying party, made once from `server.public_url`, and the
//! ceremonies half done: the state webauthn-rs hands out at "start" and wants back at "finish".
//!
//! That state stays in memory, for five minutes at most: webauthn-rs serialises it only behind a
//! feature it names "danger", and a ceremony is seconds long, so a restart in between costs the
//! person one more try. Registrations are keyed by the user (one at a time each), logins by the
//! row of their `mfa_challenges` login, whose token the browser holds.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use webauthn_rs::prelude::{
    AuthenticationResult, CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid, Webauthn, WebauthnBuilder,
};

/// How long a started ceremony waits for the browser's answer.
pub const CEREMONY_TTL: Duration = Duration::from_secs(300);

/// A passkey's id as the database keeps it (base64url of the credential id).
pub fn credential_id(passkey: &Passkey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(passkey.cred_id())
}

/// The same, for the credential an authentication used.
pub fn used_credential_id(result: &AuthenticationResult) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(result.cred_id())
}

/// A registration under way: the name the person gave and webauthn-rs's state.
struct Registration {
    started: Instant,
    name: String,
    state: PasskeyRegistration,
}

struct Login {
    started: Instant,
    state: PasskeyAuthentication,
}

/// Why a ceremony could not go on; the sentence is for the person.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error("{0}")]
    Unavailable(String),
    #[error("Start again: no passkey ceremony is waiting (or it took longer than five minutes).")]
    NotStarted,
    #[error("The passkey's answer could not be verified ({0}).")]
    Refused(String),
}

pub struct Passkeys {
    /// The relying party, or why there is none (a public URL with an address, not a name).
    webauthn: Result<Webauthn, String>,
    registrations: Mutex<HashMap<i64, Registration>>,
    logins: Mutex<HashMap<i64, Login>>,
}

impl Passkeys {
    /// The relying party for a server people reach at `public_url`: its host name is the RP id
    /// and the URL's origin the only one accepted. WebAuthn needs a name: with an IP address
    /// there are no passkeys (and the reason says so).
    pub fn new(public_url: &str) -> Passkeys {
        Passkeys {
            webauthn: relying_party(public_url),
            registrations: Mutex::new(HashMap::new()),
            logins: Mutex::new(HashMap::new()),
        }
    }

    fn webauthn(&self) -> Result<&Webauthn, PasskeyError> {
        self.webauthn.as_ref().map_err(|why| PasskeyError::Unavailable(why.clone()))
    }

    /// Starts adding a passkey named `name` for the user; answers the options for
    /// `navigator.credentials.create`. `existing` are the user's passkeys (not to be added twice).
    pub fn start_registration(
        &self,
        user_id: i64,
        login: &str,
        display_name: &str,
        name: String,
        existing: &[Passkey],
    ) -> Result<CreationChallengeResponse, PasskeyError> {
        let exclude = existing.iter().map(|p| p.cred_id().clone()).collect::<Vec<_>>();
        let (options, state) = self
            .webauthn()?
            .start_passkey_registration(user_handle(user_id), login, display_name, Some(exclude))
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let mut map = self.registrations.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, r| r.started.elapsed() < CEREMONY_TTL);
        map.insert(user_id, Registration { started: Instant::now(), name, state });
        Ok(options)
    }

    /// Finishes the user's registration with the browser's answer (the ceremony is used up either
    /// way); answers the name and the new passkey.
    pub fn finish_registration(
        &self,
        user_id: i64,
        credential: &RegisterPublicKeyCredential,
    ) -> Result<(String, Passkey), PasskeyError> {
        let webauthn = self.webauthn()?;
        let started = self.registrations.lock().unwrap_or_else(|e| e.into_inner()).remove(&user_id);
        let r = started.filter(|r| r.started.elapsed() < CEREMONY_TTL).ok_or(PasskeyError::NotStarted)?;
        let passkey = webauthn
            .finish_passkey_registration(credential, &r.state)
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        Ok((r.name, passkey))
    }

    /// Starts a login's passkey step for the `mfa_challenges` row `challenge`; answers the
    /// options for `navigator.credentials.get`.
    pub fn start_login(&self, challenge: i64, passkeys: &[Passkey]) -> Result<RequestChallengeResponse, PasskeyError> {
        let (options, state) = self
            .webauthn()?
            .start_passkey_authentication(passkeys)
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let mut map = self.logins.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, l| l.started.elapsed() < CEREMONY_TTL);
        map.insert(challenge, Login { started: Instant::now(), state });
        Ok(options)
    }

    /// Checks the browser's signature for the login `challenge` (the ceremony is used up either way).
    pub fn finish_login(
        &self,
        challenge: i64,
        credential: &PublicKeyCredential,
    ) -> Result<AuthenticationResult, PasskeyError> {
        let webauthn = self.webauthn()?;
        let started = self.logins.lock().unwrap_or_else(|e| e.into_inner()).remove(&challenge);
        let l = started.filter(|l| l.started.elapsed() < CEREMONY_TTL).ok_or(PasskeyError::NotStarted)?;
        webauthn.finish_passkey_authentication(credential, &l.state).map_err(|e| PasskeyError::Refused(e.to_string()))
    }
}

fn relying_party(public_url: &str) -> Result<Webauthn, String> {
    let unavailable = |why: &str| {
        format!(
            "Passkeys are not available on this server: {why}. They need server.public_url to name the server \
             (https://rmm.example.com), and the web UI reached at that address."
        )
    };
    let url = Url::parse(public_url).map_err(|e| unavailable(&format!("its public URL does not parse ({e})")))?;
    let Some(host) = url.domain() else {
        return Err(unavailable(&format!("its public URL {public_url} has an address, not a name")));
    };
    WebauthnBuilder::new(host, &url)
        .and_then(|b| b.rp_name("Steward").build())
        .map_err(|e| unavailable(&format!("webauthn-rs refused {public_url} ({e})")))
}

/// The WebAuthn user handle: fixed per user, so an authenticator keeps one passkey per account
/// here, and free of anything personal.
fn user_handle(user_id: i64) -> Uuid {
    // "Steward\0" then the user id.
    Uuid::from_u64_pair(0x5374_6577_6172_6400, user_id as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_public_url_makes_a_relying_party_and_an_address_says_why_not() {
        assert!(Passkeys::new("https://rmm.example.com").webauthn.is_ok());
        assert!(Passkeys::new("https://localhost:8443").webauthn.is_ok());
        let why = Passkeys::new("https://192.168.1.5:8443").webauthn.unwrap_err();
        assert!(why.contains("an address, not a name") && why.contains("server.public_url"), "{why}");
    }

    #[test]
    fn finishing_what_was_never_started_is_refused() {
        let p = Passkeys::new("https://rmm.example.com");
        let options = p.start_registration(7, "ann", "Ann", "Laptop".into(), &[]).unwrap();
        let json = serde_json::to_value(&options).unwrap();
        assert_eq!(json["publicKey"]["rp"]["id"], "rmm.example.com");
        assert_eq!(json["publicKey"]["authenticatorSelection"]["userVerification"], "required");
        let forged: RegisterPublicKeyCredential = serde_json::from_value(serde_json::json!({
            "id": "AAAA", "rawId": "AAAA", "type": "public-key",
            "response": { "attestationObject": "AAAA", "clientDataJSON": "AAAA" },
            "extensions": {}
        }))
        .unwrap();
        assert!(matches!(p.finish_registration(8, &forged), Err(PasskeyError::NotStarted)), "another user's");
        assert!(matches!(p.finish_registration(7, &forged), Err(PasskeyError::Refused(_))), "a forged answer");
        assert!(matches!(p.finish_registration(7, &forged), Err(PasskeyError::NotStarted)), "used up");
    }
}
