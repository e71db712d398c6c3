//! HTTP Basic client authentication (RFC 7617, RFC 6749 §2.3.1): decoding the header and
//! checking the form-urlencoding step most clients skip.

use crate::model::Request;
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

/// Decode `Authorization: Basic …` from a request.
pub fn basic_credentials(req: &Request) -> Option<BasicCredentials> {
    let (scheme, cred) = req.authorization()?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = cred.to_string();
    let strict = base64::engine::general_purpose::STANDARD
        .decode(cred.as_bytes())
        .ok();
    let decoded_bytes = strict
        .clone()
        .or_else(|| crate::capture_support::base64_lenient(cred));
    Some(BasicCredentials {
        raw,
        decoded: decoded_bytes.and_then(|b| String::from_utf8(b).ok()),
        strict_base64: strict.is_some(),
    })
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
    use crate::model::Headers;

    fn req(h: &str) -> Request {
        Request::new(
            "POST",
            "https://idp.example/token",
            Headers::new(vec![("Authorization".into(), h.into())]),
            None,
        )
    }

    #[test]
    fn decodes_and_form_decodes_the_id() {
        let b = basic_credentials(&req("Basic bXklM0FhcHA6czNjcg==")).unwrap();
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
        let b = basic_credentials(&req("Basic not*base64")).unwrap();
        assert!(b.decoded.is_none());
        assert!(basic_credentials(&req("Bearer abc")).is_none());
    }
}
