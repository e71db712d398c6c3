//! HTTP Basic client authentication (RFC 7617, RFC 6749 §2.3.1): decoding the header and
//! checking the form-urlencoding step most clients skip.

use base64::Engine;

/// A decoded `Authorization: Basic` header.
#[derive(Debug, Clone)]
pub struct BasicCredentials {
    /// The credentials part after the scheme, as sent.
    pub raw: String,
    /// Base64-decoded text; `None` when not valid base64 / not UTF-8.
    pub decoded: Option<String>,
    /// Whether the standard alphabet with correct padding was used.
    pub strict_base64: bool,
}

impl BasicCredentials {
    /// The part before the first `:`, form-urldecoded (RFC 6749 §2.3.1).
    pub fn decoded_id(&self) -> Option<String> {
        let d = self.decoded.as_ref()?;
        let (id, _) = d.split_once(':')?;
        Some(form_decode(id))
    }

    /// (raw id, raw secret) as they appear after base64 decoding, before form-decoding.
    pub fn raw_parts(&self) -> Option<(&str, &str)> {
        self.decoded.as_deref()?.split_once(':')
    }
}

impl BasicCredentials {
    /// Decode the credentials of an `Authorization` header with scheme `scheme`; `None` when
    /// the scheme is not Basic. Standard base64 with padding is `strict_base64`; anything the
    /// lenient decoder accepts (missing padding, the URL-safe alphabet) still decodes.
    pub fn parse(scheme: &str, cred: &str) -> Option<BasicCredentials> {
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let strict = base64::engine::general_purpose::STANDARD
            .decode(cred.as_bytes())
            .ok();
        let strict_base64 = strict.is_some();
        let decoded = match strict {
            Some(bytes) => String::from_utf8(bytes).ok(),
            None => {
                crate::capture_support::base64_lenient(cred).and_then(|b| String::from_utf8(b).ok())
            }
        };
        Some(BasicCredentials {
            raw: cred.to_string(),
            decoded,
            strict_base64,
        })
    }
}

/// `application/x-www-form-urlencoded` decoding of one value.
pub fn form_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `application/x-www-form-urlencoded` encoding of one value.
pub fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Percent-decoding once (RFC 3986 §2.1), leniently: `+` stays a `+` (this is not form
/// decoding), an invalid escape stays as it is, invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Characters whose meaning changes between raw and form-urlencoded Basic credentials.
pub fn chars_changed_by_form_encoding(s: &str) -> Vec<char> {
    let mut out: Vec<char> = s
        .chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '*')))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_form_decodes_the_id() {
        let b = BasicCredentials::parse("Basic", "bXklM0FhcHA6czNjcg==").unwrap();
        assert_eq!(b.raw_parts(), Some(("my%3Aapp", "s3cr")));
        assert_eq!(b.decoded_id().as_deref(), Some("my:app"));
        assert!(b.strict_base64);
    }

    #[test]
    fn percent_decoding_keeps_plus_and_bad_escapes() {
        assert_eq!(percent_decode("%22abc%22+x"), "\"abc\"+x");
        assert_eq!(percent_decode("abc%0A"), "abc\n");
        for kept in ["50%", "%4", "%zz"] {
            assert_eq!(percent_decode(kept), kept);
        }
    }

    #[test]
    fn reports_undecodable_values() {
        let b = BasicCredentials::parse("basic", "not*base64").unwrap();
        assert!(b.decoded.is_none());
        assert!(BasicCredentials::parse("Bearer", "abc").is_none());
    }

    #[test]
    fn decodes_leniently_without_padding_or_with_the_url_safe_alphabet() {
        // "id:s3cr3t~~??>>" in the URL-safe alphabet, padding dropped.
        let b = BasicCredentials::parse("Basic", "aWQ6czNjcjN0fn4_Pz4-").unwrap();
        assert!(!b.strict_base64);
        assert_eq!(b.raw_parts(), Some(("id", "s3cr3t~~??>>")));
    }
}
