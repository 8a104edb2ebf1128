//! Notifications: the webhook signature (HMAC-SHA256 over the exact body, sent as
//! `X-Ward-Signature: sha256=<hex>`), and the retry schedule with exponential back-off.

use hmac::{Hmac, Mac};
use jiff::SignedDuration;
use sha2::Sha256;

/// The header that carries the webhook signature.
pub const SIGNATURE_HEADER: &str = "X-Ward-Signature";
/// Deliveries tried at most this many times; then the notification is marked failed.
pub const MAX_ATTEMPTS: u32 = 6;
/// Delay before the first retry; doubled each time, up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: SignedDuration = SignedDuration::from_secs(30);
pub const MAX_BACKOFF: SignedDuration = SignedDuration::from_secs(30 * 60);

/// `sha256=<hex of HMAC-SHA256(secret, body)>`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    format!("sha256={}", tag.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// Checks a signature header in constant time.
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex) = header.trim().strip_prefix("sha256=") else { return false };
    let Some(tag) = (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect::<Option<Vec<u8>>>() else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.verify_slice(&tag).is_ok()
}

/// How long to wait after the `attempts`-th failed attempt (1-based).
pub fn backoff(attempts: u32) -> SignedDuration {
    let factor = 1i64 << attempts.saturating_sub(1).min(16);
    SignedDuration::from_secs((FIRST_BACKOFF.as_secs() * factor).min(MAX_BACKOFF.as_secs()))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn signatures_verify_and_tampering_fails() {
        // RFC 4231 test case 2.
        let sig = sign(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert!(verify(b"Jefe", b"what do ya want for nothing?", &sig));
        assert!(!verify(b"Jefe", b"what do ya want for nothing!", &sig));
        assert!(!verify(b"other", b"what do ya want for nothing?", &sig));
        assert!(!verify(b"Jefe", b"x", "sha256=zz"));
    }
    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1).as_secs(), 30);
        assert_eq!(backoff(2).as_secs(), 60);
        assert_eq!(backoff(3).as_secs(), 120);
        assert_eq!(backoff(40).as_secs(), 1800);
    }
}
