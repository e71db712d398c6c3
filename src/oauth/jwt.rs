//! Decoding compact JWTs by hand (base64url + JSON) so that `alg: none`, unknown algorithms and
//! malformed tokens are reported rather than crashing. Signature verification lives with the
//! callers that have keys; this module never verifies.

use base64::Engine;
use serde_json::{Map, Value};

/// A decoded compact JWS (three parts) — header and claims, never the signature.
#[derive(Debug, Clone)]
pub struct DecodedJwt {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    /// Length of the signature segment (0 for unsigned tokens).
    pub signature_len: usize,
}

/// Why a value is not a decodable JWT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("has {0} dot-separated parts, a JWS has 3 and a JWE 5")]
    Parts(usize),
    #[error("is a JWE (encrypted, 5 parts) and cannot be read without the key")]
    Encrypted,
    #[error("the {0} segment is not base64url")]
    Base64(&'static str),
    #[error("the {0} segment is not a JSON object")]
    Json(&'static str),
    #[error("is larger than {0} bytes")]
    TooLarge(usize),
}

/// Tokens larger than this are not decoded (hostile input).
pub const MAX_JWT_LEN: usize = 1 << 20;

impl DecodedJwt {
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }
    pub fn typ(&self) -> Option<&str> {
        self.header.get("typ").and_then(Value::as_str)
    }
    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }
    /// A NumericDate claim (seconds since the epoch), tolerating floats and numeric strings.
    pub fn claim_time(&self, name: &str) -> Option<i64> {
        match self.claims.get(name)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    /// `aud` as a list, whether sent as a string or an array.
    pub fn audiences(&self) -> Vec<&str> {
        match self.claims.get("aud") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

/// Cheap check: three base64url-looking segments, the first starting like a JSON object.
pub fn looks_like_jwt(s: &str) -> bool {
    let s = s.trim();
    s.starts_with("eyJ") && s.split('.').count() >= 3 && s.len() <= MAX_JWT_LEN
}

fn b64(seg: &str) -> Option<Vec<u8>> {
    let seg = seg.trim_end_matches('=');
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(seg)
        .ok()
        .or_else(|| {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(seg)
                .ok()
        })
}

/// Decode a compact JWT's header and claims.
pub fn decode(token: &str) -> Result<DecodedJwt, JwtError> {
    let token = token.trim().trim_matches('"');
    if token.len() > MAX_JWT_LEN {
        return Err(JwtError::TooLarge(MAX_JWT_LEN));
    }
    let parts: Vec<&str> = token.split('.').collect();
    match parts.len() {
        3 => {}
        5 => return Err(JwtError::Encrypted),
        n => return Err(JwtError::Parts(n)),
    }
    let obj = |seg: &str, name: &'static str| -> Result<Map<String, Value>, JwtError> {
        let bytes = b64(seg).ok_or(JwtError::Base64(name))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(JwtError::Json(name)),
        }
    };
    Ok(DecodedJwt {
        header: obj(parts[0], "header")?,
        claims: obj(parts[1], "claims")?,
        signature_len: parts[2].len(),
    })
}

/// base64url(left half of H(value)) with H chosen by the JWS alg — for at_hash / c_hash.
pub fn left_half_hash(alg: &str, value: &str) -> Option<String> {
    use sha2::Digest;
    let digest: Vec<u8> = match alg.get(alg.len().saturating_sub(3)..)? {
        "256" => sha2::Sha256::digest(value.as_bytes()).to_vec(),
        "384" => sha2::Sha384::digest(value.as_bytes()).to_vec(),
        "512" => sha2::Sha512::digest(value.as_bytes()).to_vec(),
        _ if alg == "EdDSA" => sha2::Sha512::digest(value.as_bytes()).to_vec(),
        _ => return None,
    };
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_alg_none_without_crashing() {
        // {"alg":"none"}.{"sub":"x","exp":1}.
        let t = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZXhwIjoxfQ.";
        let d = decode(t).unwrap();
        assert_eq!(d.alg(), Some("none"));
        assert_eq!(d.claim_time("exp"), Some(1));
        assert_eq!(d.signature_len, 0);
    }

    #[test]
    fn reports_malformed_tokens() {
        assert_eq!(decode("abc").unwrap_err(), JwtError::Parts(1));
        assert_eq!(decode("a.b.c.d.e").unwrap_err(), JwtError::Encrypted);
        assert_eq!(decode("!!.e30.x").unwrap_err(), JwtError::Base64("header"));
    }
}
