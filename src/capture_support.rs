//! Small decoding helpers shared by the redactor and the rules.

use base64::Engine;

/// Decode the credentials part of a Basic header, leniently; `None` when not base64 text.
pub fn decode_basic(cred: &str) -> Option<String> {
    let cfg = base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent);
    let t = cred.trim_end_matches('=');
    let bytes = base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, cfg)
        .decode(t)
        .ok()
        .or_else(|| {
            base64::engine::GeneralPurpose::new(&base64::alphabet::URL_SAFE, cfg)
                .decode(t)
                .ok()
        })?;
    String::from_utf8(bytes).ok()
}
