//! Small decoding helpers shared by capture reading, the redactor, live mode and the rules: the
//! one lenient base64 decoder for data found in captures. Pure functions, no I/O.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Real-world base64 (HAR bodies, Basic credentials): padding present, absent or wrong, and
/// non-zero trailing bits (RFC 4648 §3.5 lets a decoder reject them; exporters write them).
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Decode base64 leniently: the standard alphabet, else the URL-safe one (RFC 4648 §4, §5),
/// with or without `=` padding. Whitespace is not skipped: a caller that accepts line breaks
/// (a HAR body) removes them first.
pub fn base64_lenient(s: &str) -> Option<Vec<u8>> {
    let t = s.trim_end_matches('=');
    LENIENT_STANDARD
        .decode(t)
        .ok()
        .or_else(|| LENIENT_URL_SAFE.decode(t).ok())
}

/// A body stored as base64 (HAR `encoding: "base64"`, a dump's `body_base64`): line breaks and
/// other whitespace inside it are skipped, then [`base64_lenient`].
pub fn base64_body(s: &str) -> Option<Vec<u8>> {
    let cleaned: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    base64_lenient(&cleaned)
}

/// Decode the credentials part of a Basic header, leniently; `None` when not base64 of text.
pub fn decode_basic(cred: &str) -> Option<String> {
    String::from_utf8(base64_lenient(cred)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_lenient() {
        assert_eq!(base64_lenient("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(base64_lenient("aGk").as_deref(), Some(&b"hi"[..]));
        assert_eq!(base64_lenient("aGk==").as_deref(), Some(&b"hi"[..]));
        // URL-safe alphabet, trailing bits set (`aGl` is `hi` with a non-zero last bit).
        assert_eq!(base64_lenient("-_8").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(base64_lenient("aGl").as_deref(), Some(&b"hi"[..]));
        // Whitespace is the caller's to remove.
        assert_eq!(base64_lenient("a G k ="), None);
        assert_eq!(base64_body("a G\r\nk =").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_basic("aWQ6c2VjcmV0").as_deref(), Some("id:secret"));
        assert_eq!(decode_basic("not*base64"), None);
    }
}
