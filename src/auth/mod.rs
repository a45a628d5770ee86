//! Secrets: password hashing (argon2id), random tokens, and the hashes we keep of tokens.
//!
//! Passwords are hashed with argon2id because people choose them and they can be guessed.
//! Session tokens and API keys are 256 random bits, so a plain SHA-256 is enough to keep them
//! useless if the database leaks, and it lets a key be looked up by its hash in one index probe.

pub mod passkey;
pub mod role;
pub mod throttle;
pub mod totp;

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use sha2::{Digest, Sha256};

/// Shortest password accepted for a person.
pub const MIN_PASSWORD_LEN: usize = 12;

/// The 30,000 most common passwords of leaked sets (zxcvbn's list; see common_passwords.LICENSE).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Prefix of every API key, so a leaked one is easy to recognise (and to grep for).
pub const API_KEY_PREFIX: &str = "stw_";

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

pub fn hash_password(password: &str) -> Result<String, HashError> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| HashError(e.to_string()))
}

/// True when `password` matches the stored PHC string. A malformed hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Spends the same time as a real verification, so a login for an unknown user cannot be told
/// from a wrong password by how long the answer takes.
pub fn verify_against_nothing(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_password("no user has this password").unwrap_or_default());
    let _ = verify_password(password, hash);
}

/// Says what is wrong with a new password, if anything: too short or long, one character
/// repeated, a run like "123456789012", a common password (also with digits or symbols added
/// at the end, or in other case), or the person's own login or e-mail address.
pub fn check_new_password(password: &str, own_names: &[&str]) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!("The password must be at least {MIN_PASSWORD_LEN} characters long."));
    }
    if password.len() > 1024 {
        return Err("The password must be at most 1024 bytes long.".into());
    }
    let lower = password.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    if chars.iter().all(|c| *c == chars[0]) {
        return Err("The password must not be one character repeated.".into());
    }
    // A run up or down the keyboard's digits or the alphabet; 9 is followed by 0 on a keyboard.
    let step = |a: char, b: char| match (a, b) {
        ('9', '0') => 1,
        ('0', '9') => -1,
        _ => b as i64 - a as i64,
    };
    let steps: HashSet<i64> = chars.windows(2).map(|w| step(w[0], w[1])).collect();
    if steps.len() == 1 && steps.iter().all(|d| d.abs() == 1) {
        return Err("The password must not be a run of characters such as 123456789012 or abcdefghijkl.".into());
    }
    let base = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    if common_passwords().contains(lower.as_str()) || (base.chars().count() >= 4 && common_passwords().contains(base)) {
        return Err("This password is one of the most common ones, which attackers try first; choose another.".into());
    }
    for name in own_names {
        let name = name.trim().to_lowercase();
        let local = name.split('@').next().unwrap_or("");
        if (!name.is_empty() && lower.contains(&name)) || (local.chars().count() >= 4 && lower.contains(local)) {
            return Err("The password must not contain your login or e-mail address.".into());
        }
    }
    Ok(())
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON_PASSWORDS.lines().map(str::trim).filter(|l| !l.is_empty()).collect())
}

/// Ten one-time recovery codes for a lost phone: `xxxxx-xxxxx`, 50 bits each, letters and digits
/// without look-alikes.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..10)
        .map(|_| {
            let mut code: String = (0..10).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
            code.insert(5, '-');
            code
        })
        .collect()
}

/// The form a recovery code is stored and compared in: lower case, without spaces or dashes.
pub fn normalize_recovery_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// 32 random bytes, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new API key: `stw_` and 43 random characters.
pub fn new_api_key() -> String {
    format!("{API_KEY_PREFIX}{}", random_token())
}

/// A random password people can type: 20 letters and digits, without look-alikes (0/O, 1/l/I).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(h, hash_password("correct horse battery").unwrap(), "salted");
    }

    #[test]
    fn tokens_and_keys_are_long_and_distinct() {
        let a = new_api_key();
        assert!(a.starts_with("stw_") && a.len() == 4 + 43, "{a}");
        assert_ne!(random_token(), random_token());
        let p = random_password();
        assert_eq!(p.len(), 20);
        assert!(check_new_password(&p, &[]).is_ok());
        assert!(check_new_password("short", &[]).is_err());
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        let refused = |p: &str| check_new_password(p, &["admin", "ann.smith@example.com"]).expect_err(p);
        assert!(refused("elevenchars").contains("at least 12"));
        assert!(refused("aaaaaaaaaaaa").contains("repeated"));
        assert!(refused("123456789012").contains("run"));
        assert!(refused("abcdefghijklmn").contains("run"));
        assert!(refused("qwertyuiop123").contains("common"), "a common one with digits added");
        assert!(refused("Password2024!").contains("common"), "in other case, with a year and a symbol");
        assert!(refused("my-admin-rocks!").contains("login"));
        assert!(refused("ann.smith-is-great").contains("e-mail"));
        for good in ["correct horse battery", "lantern-harbor-42", "Xk3$9vLq!mPz", "long-enough-pass"] {
            assert!(check_new_password(good, &["admin", "tina@example.com"]).is_ok(), "{good}");
        }
    }

    #[test]
    fn recovery_codes_are_distinct_and_read_loosely() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes.iter().collect::<HashSet<_>>().len(), 10);
        assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        assert_eq!(normalize_recovery_code(" ABCDE-fghjk "), "abcdefghjk");
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
