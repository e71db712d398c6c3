//! PKCE (RFC 7636): the S256 transform and verifier / challenge syntax checks.

use base64::Engine;
use sha2::Digest;

/// BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) without padding (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// True when every character is an RFC 7636 unreserved character.
pub fn is_unreserved(s: &str) -> bool {
    s.bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~'))
}

/// A verifier has 43–128 unreserved characters (RFC 7636 §4.1).
pub fn verifier_is_valid(v: &str) -> bool {
    (43..=128).contains(&v.len()) && is_unreserved(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(verifier_is_valid(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!verifier_is_valid("short"));
    }
}
