//! DPOP: RFC 9449 proofs of possession — proof syntax, `htu`/`htm`/`iat`/`jti`/`ath`, server
//! nonces, and the binding between a proof key and the tokens it protects.
//! Thumbprints (RFC 7638) and `ath` are recomputed from the captured values; nothing is verified
//! cryptographically and no proof or token is printed in clear.

mod dpop001_as_requires_dpop_nonce;
mod dpop002_rs_requires_dpop_nonce;
mod dpop003_stale_dpop_nonce;
mod dpop004_dpop_htu_mismatch;
mod dpop005_dpop_htm_mismatch;
mod dpop006_dpop_iat_window;
mod dpop007_dpop_jti_replay;
mod dpop008_dpop_proof_header;
mod dpop009_dpop_ath_mismatch;
mod dpop010_dpop_token_as_bearer;
mod dpop011_dpop_key_binding_mismatch;
mod dpop012_dpop_not_bound;
mod dpop013_dpop_jkt_mismatch;

pub use dpop001_as_requires_dpop_nonce::Dpop001;
pub use dpop002_rs_requires_dpop_nonce::Dpop002;
pub use dpop003_stale_dpop_nonce::Dpop003;
pub use dpop004_dpop_htu_mismatch::Dpop004;
pub use dpop005_dpop_htm_mismatch::Dpop005;
pub use dpop006_dpop_iat_window::Dpop006;
pub use dpop007_dpop_jti_replay::Dpop007;
pub use dpop008_dpop_proof_header::Dpop008;
pub use dpop009_dpop_ath_mismatch::Dpop009;
pub use dpop010_dpop_token_as_bearer::Dpop010;
pub use dpop011_dpop_key_binding_mismatch::Dpop011;
pub use dpop012_dpop_not_bound::Dpop012;
pub use dpop013_dpop_jkt_mismatch::Dpop013;

use super::jwt::{failure_text, is_failure, span};
use super::shared::date_header;
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Severity, Strength};
use crate::model::{Exchange, Kind};
use crate::oauth::jwt::{self as jose, DecodedJwt};
use base64::Engine;
use serde_json::Value;
use sha2::Digest;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Dpop001, &Dpop002, &Dpop003, &Dpop004, &Dpop005, &Dpop006, &Dpop007, &Dpop008, &Dpop009,
    &Dpop010, &Dpop011, &Dpop012, &Dpop013,
];

/// This family's place when findings tie on everything else (PROV first, BCP last).
const TIE_BREAK: u8 = 7;

// Helpers
// ------------------------------------------------------------------------------------------

fn b64_sha256(s: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(s))
}

/// RFC 7638 SHA-256 thumbprint of a public JWK (required members only, sorted, no spaces).
pub(super) fn thumbprint(jwk: &Value) -> Option<String> {
    let kty = jwk.get("kty")?.as_str()?;
    let members: &[&str] = match kty {
        "RSA" => &["e", "kty", "n"],
        "EC" => &["crv", "kty", "x", "y"],
        "OKP" => &["crv", "kty", "x"],
        "oct" => &["k", "kty"],
        _ => return None,
    };
    let mut parts = Vec::new();
    for m in members {
        let v = jwk.get(*m)?.as_str()?;
        parts.push(format!(
            "{}:{}",
            Value::String((*m).to_string()),
            Value::String(v.to_string())
        ));
    }
    Some(b64_sha256(format!("{{{}}}", parts.join(",")).as_bytes()))
}

/// One DPoP proof as sent.
struct Proof {
    exchange: usize,
    raw: String,
    jwt: Option<DecodedJwt>,
}

impl Proof {
    fn claim(&self, name: &str) -> Option<&Value> {
        self.jwt.as_ref()?.claims.get(name)
    }
    fn claim_str(&self, name: &str) -> Option<&str> {
        self.claim(name).and_then(Value::as_str)
    }
    fn jwk(&self) -> Option<&Value> {
        self.jwt.as_ref()?.header.get("jwk")
    }
    fn thumbprint(&self) -> Option<String> {
        self.jwk().and_then(thumbprint)
    }
}

/// The first DPoP proof of an exchange.
fn proof_of(e: &Exchange) -> Option<Proof> {
    let raw = e.request.headers.get("dpop")?.trim().to_string();
    let jwt = jose::decode(&raw).ok();
    Some(Proof {
        exchange: e.index,
        raw,
        jwt,
    })
}

fn proofs(ex: &[Exchange]) -> Vec<Proof> {
    ex.iter().filter_map(proof_of).collect()
}

fn dpop_nonce(e: &Exchange) -> Option<&str> {
    e.response
        .as_ref()?
        .headers
        .get("dpop-nonce")
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn error_is(e: &Exchange, code: &str) -> bool {
    e.server_error()
        .is_some_and(|er| er.code.eq_ignore_ascii_case(code))
}

/// Whether a proof-related finding on this exchange should be reported: the exchange failed,
/// or its outcome is not in the capture.
fn relevant(e: &Exchange) -> bool {
    e.response.is_none() || is_failure(e)
}

fn confirm_proof(e: &Exchange, words: &[&str]) -> bool {
    if !is_failure(e) {
        return false;
    }
    if error_is(e, "invalid_dpop_proof") {
        return true;
    }
    let t = failure_text(e);
    words.iter().any(|w| t.contains(w))
}

/// The access token a resource request presents with the `DPoP` scheme.
fn dpop_token(e: &Exchange) -> Option<&str> {
    let (scheme, cred) = e.request.authorization()?;
    (scheme.eq_ignore_ascii_case("dpop") && !cred.is_empty()).then_some(cred)
}

/// The token-endpoint exchange whose successful response carried `field` = `value`.
fn issuing_exchange<'a>(cx: &Context<'a>, field: &str, value: &str) -> Option<&'a Exchange> {
    let ex: &'a [Exchange] = cx.exchanges;
    let e = ex.get(cx.index.issued_by(value)?)?;
    (e.kind == Kind::Token
        && e.response
            .as_ref()
            .is_some_and(|r| r.is_success() && r.field(field) == Some(value)))
    .then_some(e)
}

/// Shared logic of DPOP001 (authorization server) and DPOP002 (resource server).
fn nonce_challenges(cx: &mut Context<'_>, at_as: bool) {
    let ex = cx.exchanges;
    for e in ex {
        let as_kind = matches!(e.kind, Kind::Token | Kind::Par);
        let rs_kind = matches!(e.kind, Kind::Resource | Kind::Userinfo);
        if (at_as && !as_kind) || (!at_as && !rs_kind) || !error_is(e, "use_dpop_nonce") {
            continue;
        }
        let nonce = dpop_nonce(e);
        let ep = e.request.endpoint();
        // Challenges in a row on this endpoint, ending with this one.
        let mut run = 1;
        for p in ex[..e.index].iter().rev() {
            if p.request.endpoint() != ep {
                continue;
            }
            if error_is(p, "use_dpop_nonce") {
                run += 1;
            } else {
                break;
            }
        }
        let next = ex[e.index + 1..]
            .iter()
            .find(|n| n.request.endpoint() == ep && n.request.method == e.request.method);
        if next.is_some_and(|n| error_is(n, "use_dpop_nonce")) {
            // Judged at the last challenge of the run.
            let n = next.unwrap_or(e);
            if dpop_nonce(n).is_none() || dpop_nonce(n) == nonce {
                continue;
            }
            // A new nonce: this challenge is judged on its own retry.
        }
        let next_nonce = next
            .and_then(proof_of)
            .and_then(|p| p.claim_str("nonce").map(str::to_string));
        let server = if at_as {
            "authorization server"
        } else {
            "resource server"
        };
        let nonce_text = nonce
            .map(|n| format!("`DPoP-Nonce: {n}`"))
            .unwrap_or_else(|| "no `DPoP-Nonce` header".to_string());
        let (anchor, message, severity, strength) = if run >= 3 {
            (
                e.index,
                format!(
                    "the {server} answered `use_dpop_nonce` {run} times in a row on `{ep}`: the client retries without the nonce it is given (retry loop)"
                ),
                Severity::Error,
                Strength::Recomputed,
            )
        } else {
            match next {
                None => (
                    e.index,
                    format!(
                        "the {server} asked for a DPoP nonce ({nonce_text}) on `{ep}` and the client did not retry"
                    ),
                    Severity::Error,
                    Strength::Direct,
                ),
                Some(n) => match (&next_nonce, nonce) {
                    (Some(got), Some(want)) if got == want => {
                        if is_failure(n) && !error_is(n, "use_dpop_nonce") {
                            // The retry carried the nonce and failed for another reason.
                            (
                                e.index,
                                format!(
                                    "the {server} asked for a DPoP nonce on `{ep}`; the retry (exchange {}) carried it",
                                    n.number()
                                ),
                                Severity::Info,
                                Strength::Direct,
                            )
                        } else {
                            (
                                e.index,
                                format!(
                                    "the {server} asked for a DPoP nonce on `{ep}` and the client retried with it (exchange {}): the expected handshake",
                                    n.number()
                                ),
                                Severity::Info,
                                Strength::Direct,
                            )
                        }
                    }
                    (None, _) => (
                        n.index,
                        format!(
                            "the {server} asked for a DPoP nonce ({nonce_text}) on `{ep}` but the retry's proof (exchange {}) has no `nonce`",
                            n.number()
                        ),
                        Severity::Error,
                        Strength::Recomputed,
                    ),
                    (Some(got), want) => (
                        n.index,
                        format!(
                            "the {server} asked for the DPoP nonce {} on `{ep}` but the retry's proof (exchange {}) carries `nonce: {got}`",
                            want.map(|w| format!("`{w}`"))
                                .unwrap_or_else(|| "(no header)".to_string()),
                            n.number()
                        ),
                        Severity::Error,
                        Strength::Recomputed,
                    ),
                },
            }
        };
        let mut rep = cx
            .report(anchor, message)
            .severity(severity)
            .strength(strength)
            .text(e.index, "response.body.error", "use_dpop_nonce")
            .text(
                e.index,
                "response.headers.dpop-nonce",
                nonce.unwrap_or("(absent)"),
            );
        if severity == Severity::Error {
            rep = rep.confirmed();
        }
        rep.emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7638_thumbprint_example() {
        // RFC 7638 §3.1
        let jwk: Value = serde_json::json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            thumbprint(&jwk).as_deref(),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        );
    }

    #[test]
    fn thumbprint_needs_the_required_members() {
        assert_eq!(
            thumbprint(&serde_json::json!({"kty": "EC", "crv": "P-256"})),
            None
        );
        assert_eq!(thumbprint(&serde_json::json!({"kty": "weird"})), None);
    }
}

#[cfg(test)]
mod flow_tests {
    use super::*;
    use crate::rules::testkit::{b64, finding, run};
    use serde_json::json;

    fn proof(claims: Value) -> String {
        let jwk = json!({"kty":"EC","crv":"P-256","x":"WKn-ZIGevcwGIyyrzFoZNBdaq9_TsqzGl96oc0CWuis","y":"y77t-RvAHRKTsSGdIYUfweuOvwrvDD-Q3Hv5J0fSKbE"});
        format!(
            "{}.{}.c2ln",
            b64(&json!({"typ":"dpop+jwt","alg":"ES256","jwk":jwk})),
            b64(&claims)
        )
    }

    #[test]
    fn htu_with_the_query_is_dpop004() {
        let p = proof(
            json!({"jti":"j1","htm":"GET","htu":"https://api.example/v1/orders?status=open","iat":1_795_950_000}),
        );
        let f = run(json!([{
            "started_at": "2026-11-29T10:00:00Z",
            "request": { "method": "GET", "url": "https://api.example/v1/orders?status=open",
                "headers": [["Authorization", "DPoP tok"], ["DPoP", p]] },
            "response": { "status": 401, "headers": [["WWW-Authenticate", "DPoP error=\"invalid_dpop_proof\""]] }
        }]));
        let x = finding(&f, "DPOP004").expect("DPOP004");
        assert!(x.message.contains("query"), "{}", x.message);
        assert_eq!(x.strength, Strength::Recomputed);
    }

    #[test]
    fn ath_is_recomputed() {
        let p = proof(
            json!({"jti":"j1","htm":"GET","htu":"https://api.example/v1/orders","iat":1_795_950_000,"ath":"wrong"}),
        );
        let f = run(json!([{
            "started_at": "2026-11-29T10:00:00Z",
            "request": { "method": "GET", "url": "https://api.example/v1/orders",
                "headers": [["Authorization", "DPoP tok"], ["DPoP", p]] },
            "response": { "status": 401, "headers": [["WWW-Authenticate", "DPoP error=\"invalid_dpop_proof\""]] }
        }]));
        assert!(finding(&f, "DPOP009").is_some());
    }
}
