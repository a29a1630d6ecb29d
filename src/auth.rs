//! Password hashing (argon2id) and random secrets.

use crate::domain::Password;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use rand::Rng;
use rand::distr::Alphanumeric;
use std::sync::OnceLock;

/// Hashes with argon2id and the library's recommended parameters.
pub fn hash_password(password: &Password) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))
}

/// Checks a typed password against a stored hash. A missing account is checked against a
/// dummy hash, so an unknown e-mail costs the same time as a wrong password.
pub fn verify_password(typed: &str, stored_hash: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        Password::parse("not-a-real-password").ok().and_then(|p| hash_password(&p).ok()).unwrap_or_default()
    });
    let (hash, real) = match stored_hash {
        Some(hash) => (hash, true),
        None => (dummy.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    Argon2::default().verify_password(typed.as_bytes(), &parsed).is_ok() && real
}

/// A random token of `len` letters and digits (about 5.95 bits each) from the OS-seeded RNG.
pub fn random_token(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// Compares secrets without leaking where they differ through timing.
pub fn secrets_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_per_salt() {
        let password = Password::parse("correct horse battery").unwrap_or_else(|e| panic!("{e}"));
        let first = hash_password(&password).unwrap_or_else(|e| panic!("{e}"));
        let second = hash_password(&password).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(first, second);
        assert!(first.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&first)));
        assert!(!verify_password("correct horse batter", Some(&first)));
        assert!(!verify_password("not-a-real-password", None));
    }

    #[test]
    fn long_passwords_are_not_truncated() {
        let long = "a".repeat(100);
        let hash =
            hash_password(&Password::parse(&long).unwrap_or_else(|e| panic!("{e}"))).unwrap_or_else(|e| panic!("{e}"));
        assert!(!verify_password(&"a".repeat(99), Some(&hash)));
        assert!(!verify_password(&format!("{long}b"), Some(&hash)));
    }

    #[test]
    fn tokens_are_random_and_compared_in_full() {
        let a = random_token(43);
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token(43));
        assert!(secrets_match(&a, &a.clone()));
        assert!(!secrets_match(&a, &a[..42]));
    }
}
