//! The private key a client signs its assertions with (`private_key_jwt`, RFC 7523 §2.2;
//! OIDC Core §9): a PEM file (PKCS#8, or PKCS#1 for RSA) or a private JWK (RFC 7517; RSA, EC
//! P-256/P-384 and Ed25519 members per RFC 7518 §6 and RFC 8037 §2). A JWK's members become a
//! key of the RustCrypto crates, which encode it as the DER jsonwebtoken signs with. No I/O.

use super::LiveError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::Value;

/// A private key for `private_key_jwt` (or a signed `client_secret_jwt` secret).
#[derive(Clone)]
pub struct SigningKey {
    pub(super) key: jsonwebtoken::EncodingKey,
    /// The default algorithm for this key type (RS256, ES256, ES384, EdDSA).
    pub alg: jsonwebtoken::Algorithm,
    /// The key id from the JWK, if any.
    pub kid: Option<String>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Load a private key: PEM (PKCS#8 or PKCS#1 RSA, PKCS#8 EC P-256/P-384 or Ed25519) or a
    /// private JWK (RSA, EC, OKP), as a file's bytes.
    pub fn load(file: &str, bytes: &[u8]) -> Result<SigningKey, LiveError> {
        let err = |msg: String| LiveError::Key {
            file: file.to_string(),
            msg,
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|_| err("not text: expected a PEM file or a JWK (JSON)".into()))?;
        let t = text.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('{') {
            let v: Value =
                serde_json::from_str(t).map_err(|e| err(format!("not a JSON JWK: {e}")))?;
            let jwk = match v.get("keys").and_then(Value::as_array) {
                Some(keys) if keys.len() == 1 => keys[0].clone(),
                Some(_) => return Err(err("a JWK set with several keys: give one key".into())),
                None => v,
            };
            return jwk_signing_key(&jwk).map_err(err);
        }
        if !t.starts_with("-----BEGIN") {
            return Err(err(
                "expected a PEM file (-----BEGIN ...) or a JWK (JSON)".into()
            ));
        }
        if t.contains("ENCRYPTED") {
            return Err(err(
                "the key is encrypted; decrypt it first (openssl pkcs8 -in key.pem -nocrypt)"
                    .into(),
            ));
        }
        if let Ok(key) = EncodingKey::from_rsa_pem(t.as_bytes()) {
            return Ok(SigningKey {
                key,
                alg: Algorithm::RS256,
                kid: None,
            });
        }
        if let Ok(key) = EncodingKey::from_ec_pem(t.as_bytes()) {
            for alg in [Algorithm::ES256, Algorithm::ES384] {
                if jsonwebtoken::crypto::sign(b"probe", &key, alg).is_ok() {
                    return Ok(SigningKey {
                        key,
                        alg,
                        kid: None,
                    });
                }
            }
            return Err(err(
                "an EC key on a curve this build cannot sign with (P-256 and P-384 only)".into(),
            ));
        }
        if let Ok(key) = EncodingKey::from_ed_pem(t.as_bytes()) {
            return Ok(SigningKey {
                key,
                alg: Algorithm::EdDSA,
                kid: None,
            });
        }
        Err(err(
            "not a private key this tool can use (RSA, EC P-256/P-384 or Ed25519, PKCS#8 PEM; convert with `openssl pkcs8 -topk8 -nocrypt`)".into(),
        ))
    }
}

/// A base64url member of a JWK (RFC 7515 §2: no padding; a padded one is accepted).
fn b64u(v: &Value, name: &str) -> Result<Vec<u8>, String> {
    let s = v
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the JWK has no `{name}` member (is it the private key?)"))?;
    URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| format!("the JWK member `{name}` is not base64url"))
}

/// An RSA private JWK (RFC 7518 §6.3.2) as PKCS#1 DER. `n`, `e` and `d` are required; the
/// primes `p` and `q` are used when present, else recovered from them (the CRT members are
/// recomputed either way).
fn rsa_der(jwk: &Value) -> Result<Vec<u8>, String> {
    use rsa::BoxedUint;
    use rsa::pkcs1::EncodeRsaPrivateKey;
    let n = b64u(jwk, "n")?;
    let bits = u32::try_from(n.len() * 8).map_err(|_| "the JWK's `n` is too large".to_string())?;
    let uint = |bytes: &[u8], bits: u32, name: &str| {
        BoxedUint::from_be_slice(bytes, bits)
            .map_err(|_| format!("the JWK member `{name}` is longer than the modulus"))
    };
    let e = b64u(jwk, "e")?;
    let e = uint(&e, (e.len().max(1) * 8) as u32, "e")?;
    let d = uint(&b64u(jwk, "d")?, bits, "d")?;
    let primes = match (jwk.get("p"), jwk.get("q")) {
        (None, None) => Vec::new(),
        _ => vec![
            uint(&b64u(jwk, "p")?, bits, "p")?,
            uint(&b64u(jwk, "q")?, bits, "q")?,
        ],
    };
    let key = rsa::PrivateKey::from_components(uint(&n, bits, "n")?, e, d, primes)
        .map_err(|e| format!("the JWK is not a consistent RSA private key: {e}"))?;
    let der = key
        .to_pkcs1_der()
        .map_err(|e| format!("the RSA key cannot be encoded: {e}"))?;
    Ok(der.as_bytes().to_vec())
}

/// An EC private key's `d` (RFC 7518 §6.2.2.1) as PKCS#8 DER, on the JWK's curve.
fn ec_der(jwk: &Value) -> Result<(Vec<u8>, Algorithm), String> {
    use p256::pkcs8::EncodePrivateKey;
    let d = b64u(jwk, "d")?;
    let bad = |e: &dyn std::fmt::Display| format!("the JWK's `d` is not a private key: {e}");
    let (der, public, alg) = match jwk.get("crv").and_then(Value::as_str).unwrap_or("") {
        "P-256" => {
            let k = p256::SecretKey::from_slice(&d).map_err(|e| bad(&e))?;
            let public = k.public_key().to_sec1_bytes().to_vec();
            (k.to_pkcs8_der(), public, Algorithm::ES256)
        }
        "P-384" => {
            let k = p384::SecretKey::from_slice(&d).map_err(|e| bad(&e))?;
            let public = k.public_key().to_sec1_bytes().to_vec();
            (k.to_pkcs8_der(), public, Algorithm::ES384)
        }
        other => {
            return Err(format!(
                "EC curve `{other}` is not supported (P-256, P-384)"
            ));
        }
    };
    // An uncompressed SEC1 point: 0x04, x, y (SEC 1 §2.3.3).
    let (x, y) = public[1..].split_at((public.len() - 1) / 2);
    for (name, value) in [("x", x), ("y", y)] {
        if jwk.get(name).is_some() && b64u(jwk, name)? != value {
            return Err(
                "the JWK's `x` and `y` do not belong to its `d` (two keys mixed up)".into(),
            );
        }
    }
    let der = der.map_err(|e| format!("the EC key cannot be encoded: {e}"))?;
    Ok((der.as_bytes().to_vec(), alg))
}

/// An Ed25519 private key's `d` (RFC 8037 §2) as PKCS#8 DER.
fn ed25519_der(jwk: &Value) -> Result<Vec<u8>, String> {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    if jwk.get("crv").and_then(Value::as_str) != Some("Ed25519") {
        return Err("only Ed25519 OKP keys are supported".into());
    }
    let d: [u8; 32] = b64u(jwk, "d")?
        .try_into()
        .map_err(|_| "the JWK's `d` is not a 32-byte Ed25519 private key".to_string())?;
    let key = ed25519_dalek::SigningKey::from_bytes(&d);
    if jwk.get("x").is_some() && b64u(jwk, "x")? != key.verifying_key().as_bytes() {
        return Err("the JWK's `x` does not belong to its `d` (two keys mixed up)".into());
    }
    let der = key
        .to_pkcs8_der()
        .map_err(|e| format!("the Ed25519 key cannot be encoded: {e}"))?;
    Ok(der.as_bytes().to_vec())
}

/// A private JWK as a jsonwebtoken key, with the JWK's `kid` and `alg` (else the key type's
/// usual algorithm).
fn jwk_signing_key(jwk: &Value) -> Result<SigningKey, String> {
    let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_string);
    let declared = jwk.get("alg").and_then(Value::as_str);
    let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or("");
    let (key, default_alg) = match kty {
        "RSA" => (EncodingKey::from_rsa_der(&rsa_der(jwk)?), Algorithm::RS256),
        "EC" => {
            let (der, alg) = ec_der(jwk)?;
            (EncodingKey::from_ec_der(&der), alg)
        }
        "OKP" => (
            EncodingKey::from_ed_der(&ed25519_der(jwk)?),
            Algorithm::EdDSA,
        ),
        "" => return Err("the JWK has no `kty`".into()),
        other => return Err(format!("JWK key type `{other}` cannot sign assertions")),
    };
    let alg = match declared {
        Some(a) => a
            .parse::<Algorithm>()
            .map_err(|_| format!("the JWK's `alg` `{a}` is not supported"))?,
        None => default_alg,
    };
    jsonwebtoken::crypto::sign(b"probe", &key, alg)
        .map_err(|e| format!("the JWK is not a usable {kty} private key: {e}"))?;
    Ok(SigningKey { key, alg, kid })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Sign with the key loaded from `jwk` and verify with its public members.
    fn signs_and_verifies(jwk: &Value) -> Algorithm {
        let k = jwk_signing_key(jwk).unwrap_or_else(|e| panic!("{e}: {jwk}"));
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(k.alg),
            &json!({"sub": "x"}),
            &k.key,
        )
        .unwrap();
        let public: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).unwrap();
        let dk = jsonwebtoken::DecodingKey::from_jwk(&public).unwrap();
        let mut v = jsonwebtoken::Validation::new(k.alg);
        v.required_spec_claims.clear();
        v.validate_exp = false;
        jsonwebtoken::decode::<Value>(&token, &dk, &v).unwrap_or_else(|e| panic!("{e}: {jwk}"));
        k.alg
    }

    #[test]
    fn private_jwk_and_pem_keys_sign() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for f in [
            "tests/live/keys/pkjwt-client.pem",
            "tests/live/keys/pkjwt-client.jwk.json",
        ] {
            let bytes = std::fs::read(root.join(f)).unwrap();
            let k = SigningKey::load(f, &bytes).unwrap();
            assert_eq!(k.alg, Algorithm::RS256, "{f}");
        }
        let rsa: Value = serde_json::from_slice(
            &std::fs::read(root.join("tests/live/keys/pkjwt-client.jwk.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(signs_and_verifies(&rsa), Algorithm::RS256);
        // Without the primes and CRT members (RFC 7518 §6.3.2: only `d` is required).
        let mut bare = rsa.clone();
        for m in ["p", "q", "dp", "dq", "qi"] {
            bare.as_object_mut().unwrap().remove(m);
        }
        assert_eq!(signs_and_verifies(&bare), Algorithm::RS256);
        // An EC P-256 key (`x` and `y` computed from `d`) and the Ed25519 key of RFC 8037 A.1.
        let ec = json!({"kty":"EC","crv":"P-256",
            "x":"MvudwZbwiA8OZOtZfufKhZo3HkSU0Xl3nIuzA1tevWE",
            "y":"w3QrMknw4c0XBbSSKgX6CN61ia_PshoFvpn-99aRZk8",
            "d":"jpsQnnGQmL-YBIffH1136cLyMkUasaWwyMwWgCZGJLM"});
        assert_eq!(signs_and_verifies(&ec), Algorithm::ES256);
        let ed = json!({"kty":"OKP","crv":"Ed25519",
            "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
            "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
        assert_eq!(signs_and_verifies(&ed), Algorithm::EdDSA);
    }

    #[test]
    fn unusable_jwks_say_why() {
        let e = jwk_signing_key(&json!({"kty":"EC","crv":"P-521","d":"AA"})).unwrap_err();
        assert!(e.contains("P-521"), "{e}");
        let e = jwk_signing_key(&json!({"kty":"RSA","n":"AQAB","e":"AQAB"})).unwrap_err();
        assert!(e.contains("no `d` member"), "{e}");
        let e = jwk_signing_key(&json!({"kty":"OKP","crv":"Ed25519","d":"AAAA"})).unwrap_err();
        assert!(e.contains("32-byte"), "{e}");
        let wrong = json!({"kty":"RSA","n":"wQ","e":"AQAB","d":"AQ","p":"Aw","q":"Bw"});
        assert!(jwk_signing_key(&wrong).is_err());
        // Public members of another key: the server would reject every assertion.
        let mismatched = json!({"kty":"EC","crv":"P-256",
            "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
            "d":"jpsQnnGQmL-YBIffH1136cLyMkUasaWwyMwWgCZGJLM"});
        let e = jwk_signing_key(&mismatched).unwrap_err();
        assert!(e.contains("do not belong"), "{e}");
    }
}
