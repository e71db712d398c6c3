//! What live mode verified itself while it recorded an exchange: facts a capture cannot show
//! (the key set a token was checked with is not part of the token's exchange), attached to the
//! exchange for the ordinary rules to judge. Exchanges read from a file carry none: a saved
//! capture loses the signatures of its tokens. Plain data; no I/O.

/// One check live mode made on an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// The signature of a JWT returned in the response body (`field`: `access_token`,
    /// `id_token`), checked with the key set from `keys_from` (a URL or a file).
    TokenSignature {
        field: String,
        keys_from: String,
        outcome: Verification,
    },
}

/// The outcome of verifying one token's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The signature verifies with this key.
    Verified { alg: String, kid: Option<String> },
    /// A key was found (by `kid`, or every key of the right type) but the signature is wrong.
    BadSignature {
        alg: String,
        kid: Option<String>,
        tried: usize,
    },
    /// The token names a `kid` the set does not have.
    KidNotFound { kid: String, available: Vec<String> },
    /// No key in the set fits the algorithm (e.g. an RSA-only set for an ES256 token).
    NoSuitableKey { alg: String },
    /// `alg: none` or an empty signature: nothing to verify.
    Unsigned,
    /// An algorithm this build cannot verify (ES512, a typo, a JWE `alg`).
    UnsupportedAlgorithm(String),
    /// The signature was replaced by a redaction placeholder (`oauth-doctor redact`,
    /// `--save-capture`): nothing is left to verify.
    SignatureRedacted,
    /// Not a compact JWS.
    Malformed(String),
}

impl Verification {
    pub fn is_verified(&self) -> bool {
        matches!(self, Verification::Verified { .. })
    }

    /// One line for people, in lowercase, OAuth values in backticks.
    pub fn describe(&self) -> String {
        match self {
            Verification::Verified { alg, kid } => format!(
                "signature verified ({alg}{})",
                kid.as_deref()
                    .map(|k| format!(", kid `{k}`"))
                    .unwrap_or_default()
            ),
            Verification::BadSignature { alg, kid, tried } => match kid {
                Some(k) => format!(
                    "signature does not verify: key `{k}` is in the key set but the {alg} signature is wrong (token altered, or checked against another issuer's keys)"
                ),
                None => format!(
                    "signature does not verify with any of the {tried} {alg}-capable keys of the key set"
                ),
            },
            Verification::KidNotFound { kid, available } => format!(
                "signing key `{kid}` is not in the key set (it has {})",
                if available.is_empty() {
                    "no kids".to_string()
                } else {
                    available
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            Verification::NoSuitableKey { alg } => {
                format!("the key set has no key that can verify `{alg}`")
            }
            Verification::Unsigned => {
                "the token is unsigned (`alg: none` or no signature): anyone can forge it".into()
            }
            Verification::UnsupportedAlgorithm(a) => {
                format!("cannot verify: algorithm `{a}` is not supported")
            }
            Verification::SignatureRedacted => {
                "the signature was replaced when the capture was redacted or saved: not verifiable"
                    .into()
            }
            Verification::Malformed(why) => format!("not a signed JWT: {why}"),
        }
    }
}
