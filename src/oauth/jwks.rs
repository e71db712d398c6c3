//! JSON Web Key Sets (RFC 7517) and JWS signature verification (RFC 7515) against them. Pure
//! functions over strings: fetching a key set is `live`'s job, deciding what a failed
//! verification means is the caller's. Never panics on hostile input: `alg: none`, unknown
//! algorithms (ES512 has no backend here), malformed keys and tokens are reported as values.

use crate::model::Verification;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use std::str::FromStr;

/// One usable key of a set.
#[derive(Clone)]
pub struct Key {
    pub kid: Option<String>,
    /// `RSA`, `EC`, `OKP`, `oct`.
    pub kty: String,
    /// The key's own `alg`, when it declares one.
    pub alg: Option<String>,
    /// `crv` of EC and OKP keys.
    pub crv: Option<String>,
    decoding: DecodingKey,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("kty", &self.kty)
            .field("alg", &self.alg)
            .field("crv", &self.crv)
            .finish_non_exhaustive()
    }
}

/// A parsed key set: the keys that can verify signatures, and why the others cannot.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    pub keys: Vec<Key>,
    /// One line per key that was skipped (unsupported curve, malformed members).
    pub skipped: Vec<String>,
}

impl KeySet {
    /// Every `kid` of the set, in order (keys without one are left out).
    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().filter_map(|k| k.kid.as_deref()).collect()
    }

    /// A set with one symmetric key (HS256/384/512 with a shared secret).
    pub fn from_hmac_secret(secret: &[u8]) -> Option<KeySet> {
        let decoding = DecodingKey::from_secret(secret).ok()?;
        Some(KeySet {
            keys: vec![Key {
                kid: None,
                kty: "oct".into(),
                alg: None,
                crv: None,
                decoding,
            }],
            skipped: Vec::new(),
        })
    }
}

/// Why a document is not a key set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error("is not JSON: {0}")]
    NotJson(String),
    #[error("has no `keys` array (a JWKS is {{\"keys\": [...]}})")]
    NoKeys,
    #[error("has an empty `keys` array")]
    Empty,
}

/// Parse a JWKS document. A single JWK (an object with `kty`) is accepted as a set of one.
pub fn parse(text: &str) -> Result<KeySet, JwksError> {
    let doc: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| JwksError::NotJson(e.to_string()))?;
    let items: Vec<Value> = match &doc {
        Value::Object(o) if o.contains_key("keys") => match o.get("keys") {
            Some(Value::Array(a)) => a.clone(),
            _ => return Err(JwksError::NoKeys),
        },
        Value::Object(o) if o.contains_key("kty") => vec![doc.clone()],
        _ => return Err(JwksError::NoKeys),
    };
    if items.is_empty() {
        return Err(JwksError::Empty);
    }
    let mut set = KeySet::default();
    for (i, item) in items.iter().enumerate() {
        let kid = item.get("kid").and_then(Value::as_str).map(str::to_string);
        let kty = item
            .get("kty")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let name = kid
            .as_deref()
            .map(|k| format!("key `{k}`"))
            .unwrap_or_else(|| format!("key #{}", i + 1));
        let jwk: Jwk = match serde_json::from_value(item.clone()) {
            Ok(j) => j,
            Err(e) => {
                set.skipped
                    .push(format!("{name} ({kty}) cannot be used: {e}"));
                continue;
            }
        };
        let crv = match &jwk.algorithm {
            AlgorithmParameters::EllipticCurve(p) => Some(curve_name(&p.curve)),
            AlgorithmParameters::OctetKeyPair(p) => Some(curve_name(&p.curve)),
            _ => None,
        };
        if crv.as_deref() == Some("P-521") {
            set.skipped.push(format!(
                "{name} uses P-521 (ES512), which this build cannot verify"
            ));
            continue;
        }
        match DecodingKey::from_jwk(&jwk) {
            Ok(decoding) => set.keys.push(Key {
                kid,
                kty,
                alg: item.get("alg").and_then(Value::as_str).map(str::to_string),
                crv,
                decoding,
            }),
            Err(e) => set
                .skipped
                .push(format!("{name} ({kty}) cannot be used: {e}")),
        }
    }
    Ok(set)
}

fn curve_name(c: &EllipticCurve) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{c:?}"))
}

fn key_fits(key: &Key, alg: Algorithm) -> bool {
    use Algorithm::*;
    if let Some(a) = &key.alg {
        if Algorithm::from_str(a).ok() != Some(alg) {
            return false;
        }
    }
    match alg {
        HS256 | HS384 | HS512 => key.kty == "oct",
        RS256 | RS384 | RS512 | PS256 | PS384 | PS512 => key.kty == "RSA",
        ES256 => key.kty == "EC" && key.crv.as_deref() == Some("P-256"),
        ES384 => key.kty == "EC" && key.crv.as_deref() == Some("P-384"),
        EdDSA => key.kty == "OKP",
        _ => false,
    }
}

/// Verify a compact JWS against a key set.
pub fn verify(token: &str, keys: &KeySet) -> Verification {
    let token = token.trim().trim_matches('"');
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Verification::Malformed(format!(
            "{} dot-separated parts, a JWS has 3",
            parts.len()
        ));
    }
    let decoded = match super::jwt::decode(token) {
        Ok(d) => d,
        Err(e) => return Verification::Malformed(format!("it {e}")),
    };
    let alg_name = decoded.alg().unwrap_or("").to_string();
    if alg_name.is_empty() || alg_name.eq_ignore_ascii_case("none") || parts[2].is_empty() {
        return Verification::Unsigned;
    }
    let Ok(alg) = Algorithm::from_str(&alg_name) else {
        return Verification::UnsupportedAlgorithm(alg_name);
    };
    let message = format!("{}.{}", parts[0], parts[1]);
    let kid = decoded.kid().map(str::to_string);
    let candidates: Vec<&Key> = match &kid {
        Some(k) => {
            let by_kid: Vec<&Key> = keys
                .keys
                .iter()
                .filter(|key| key.kid.as_deref() == Some(k))
                .collect();
            if by_kid.is_empty() {
                // A symmetric key has no kid to match; anything else is a missing key.
                if alg.family() == jsonwebtoken::AlgorithmFamily::Hmac
                    && keys
                        .keys
                        .iter()
                        .any(|key| key.kid.is_none() && key.kty == "oct")
                {
                    keys.keys
                        .iter()
                        .filter(|key| key.kid.is_none() && key_fits(key, alg))
                        .collect()
                } else {
                    return Verification::KidNotFound {
                        kid: k.clone(),
                        available: keys.kids().into_iter().map(str::to_string).collect(),
                    };
                }
            } else {
                by_kid
            }
        }
        None => keys.keys.iter().filter(|key| key_fits(key, alg)).collect(),
    };
    if candidates.is_empty() {
        return Verification::NoSuitableKey { alg: alg_name };
    }
    for key in &candidates {
        if let Ok(true) =
            jsonwebtoken::crypto::verify(parts[2], message.as_bytes(), &key.decoding, alg)
        {
            return Verification::Verified {
                alg: alg_name,
                kid: key.kid.clone().or(kid),
            };
        }
    }
    if kid.is_some() && candidates.iter().all(|k| !key_fits(k, alg)) {
        return Verification::NoSuitableKey { alg: alg_name };
    }
    Verification::BadSignature {
        alg: alg_name,
        kid,
        tried: candidates.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};

    fn hs_token(secret: &[u8], kid: Option<&str>) -> String {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = kid.map(str::to_string);
        encode(
            &h,
            &serde_json::json!({"sub": "x"}),
            &EncodingKey::from_secret(secret).unwrap(),
        )
        .unwrap()
    }

    fn oct_jwks(secret: &[u8], kid: &str) -> String {
        use base64::Engine;
        let k = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
        format!(r#"{{"keys":[{{"kty":"oct","kid":"{kid}","k":"{k}"}}]}}"#)
    }

    #[test]
    fn verifies_and_rejects_by_kid() {
        let set = parse(&oct_jwks(b"0123456789abcdef0123456789abcdef", "k1")).unwrap();
        let good = hs_token(b"0123456789abcdef0123456789abcdef", Some("k1"));
        assert!(verify(&good, &set).is_verified());
        let bad = hs_token(b"another-secret-another-secret-xx", Some("k1"));
        assert!(matches!(
            verify(&bad, &set),
            Verification::BadSignature { .. }
        ));
        let missing = hs_token(b"0123456789abcdef0123456789abcdef", Some("k9"));
        match verify(&missing, &set) {
            Verification::KidNotFound { kid, available } => {
                assert_eq!(kid, "k9");
                assert_eq!(available, vec!["k1".to_string()]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn none_and_unknown_algorithms_do_not_crash() {
        let set = KeySet::default();
        // {"alg":"none"}.{"sub":"x"}.
        assert_eq!(
            verify("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", &set),
            Verification::Unsigned
        );
        // {"alg":"ES512"}.{"sub":"x"}.sig
        assert_eq!(
            verify("eyJhbGciOiJFUzUxMiJ9.eyJzdWIiOiJ4In0.c2ln", &set),
            Verification::UnsupportedAlgorithm("ES512".into())
        );
        assert!(matches!(verify("abc", &set), Verification::Malformed(_)));
    }

    #[test]
    fn rejects_documents_that_are_not_key_sets() {
        assert!(matches!(parse("<html>"), Err(JwksError::NotJson(_))));
        assert_eq!(parse("{}").unwrap_err(), JwksError::NoKeys);
        assert_eq!(parse(r#"{"keys":[]}"#).unwrap_err(), JwksError::Empty);
        let s =
            parse(r#"{"keys":[{"kty":"EC","crv":"P-521","x":"AA","y":"AA","kid":"e"}]}"#).unwrap();
        assert!(s.keys.is_empty());
        assert_eq!(s.skipped.len(), 1, "{:?}", s.skipped);
    }
}
