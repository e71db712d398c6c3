//! PKCE: RFC 7636 challenge and verifier correctness and presence. The S256
//! transform is recomputed from the token request's `code_verifier` and compared with the
//! `code_challenge` of the authorization request the code came from (query, PAR or request
//! object). Verifiers are secrets: findings describe them (length, character classes) and
//! attach them only as fingerprinted evidence.

mod pkce001_verifier_does_not_match_challenge;
mod pkce002_verifier_missing;
mod pkce003_verifier_without_challenge;
mod pkce004_verifier_syntax_invalid;
mod pkce005_challenge_format_invalid;
mod pkce006_challenge_method_omitted;
mod pkce007_challenge_method_unknown;
mod pkce008_plain_challenge_method;
mod pkce009_code_flow_without_pkce;
mod pkce010_metadata_without_s256;

pub use pkce001_verifier_does_not_match_challenge::Pkce001;
pub use pkce002_verifier_missing::Pkce002;
pub use pkce003_verifier_without_challenge::Pkce003;
pub use pkce004_verifier_syntax_invalid::Pkce004;
pub use pkce005_challenge_format_invalid::Pkce005;
pub use pkce006_challenge_method_omitted::Pkce006;
pub use pkce007_challenge_method_unknown::Pkce007;
pub use pkce008_plain_challenge_method::Pkce008;
pub use pkce009_code_flow_without_pkce::Pkce009;
pub use pkce010_metadata_without_s256::Pkce010;

use super::shared::{ReportExt, alias_signal, err_of, signal_is};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Severity, Strength};
use crate::model::flow::Link;
use crate::model::{Exchange, Kind};
use crate::oauth::pkce::{is_unreserved, s256, verifier_is_valid};
use base64::Engine;
use serde_json::Value;
use sha2::Digest;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Pkce001, &Pkce002, &Pkce003, &Pkce004, &Pkce005, &Pkce006, &Pkce007, &Pkce008, &Pkce009,
    &Pkce010,
];

/// This family's place when findings tie on everything else (PROV first, BCP last).
const TIE_BREAK: u8 = 4;

/// The authorization requests of a capture (PAR requests stand for the authorization request
/// that uses them only when that request is not captured).
fn authorization_requests(ex: &[Exchange]) -> impl Iterator<Item = &Exchange> {
    ex.iter().filter(move |e| {
        e.kind == Kind::Authorize
            || (e.kind == Kind::Par
                && !e
                    .response
                    .as_ref()
                    .and_then(|r| r.field("request_uri"))
                    .is_some_and(|u| {
                        ex.iter().any(|a| {
                            a.kind == Kind::Authorize
                                && a.request.query.get("request_uri") == Some(u)
                        })
                    }))
    })
}

/// The error an authorization request ended in: (exchange carrying it, code, description).
fn az_error(
    ex: &[Exchange],
    idx: &crate::model::flow::Index,
    az: &Exchange,
) -> Option<(usize, String, String)> {
    if let Some(a) = idx.azr_of(ex, az) {
        if let Some(c) = a.params.get("error") {
            return Some((
                a.exchange,
                c.to_string(),
                a.params.get("error_description").unwrap_or("").to_string(),
            ));
        }
    }
    if az.failed() {
        let x = err_of(az);
        return Some((
            az.index,
            x.as_ref().map(|x| x.code.clone()).unwrap_or_default(),
            x.and_then(|x| x.description).unwrap_or_else(|| {
                az.response
                    .as_ref()
                    .and_then(|r| r.body.clone())
                    .unwrap_or_default()
                    .chars()
                    .take(2000)
                    .collect()
            }),
        ));
    }
    None
}

/// Length and character classes of a value, for describing secrets without showing them.
fn shape(v: &str) -> String {
    let mut classes = Vec::new();
    if v.bytes().any(|c| c.is_ascii_lowercase()) {
        classes.push("lower-case letters".to_string());
    }
    if v.bytes().any(|c| c.is_ascii_uppercase()) {
        classes.push("upper-case letters".to_string());
    }
    if v.bytes().any(|c| c.is_ascii_digit()) {
        classes.push("digits".to_string());
    }
    let mut others: Vec<char> = v.chars().filter(|c| !c.is_ascii_alphanumeric()).collect();
    others.sort_unstable();
    others.dedup();
    for c in others {
        classes.push(match c {
            ' ' => "spaces".to_string(),
            '\n' | '\r' => "line breaks".to_string(),
            '\t' => "tabs".to_string(),
            c => format!("`{c}`"),
        });
    }
    format!("{} characters: {}", v.chars().count(), classes.join(", "))
}

/// Characters outside RFC 7636's unreserved set, described.
fn disallowed(v: &str) -> Vec<String> {
    let mut bad: Vec<char> = v
        .chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
        .collect();
    bad.sort_unstable();
    bad.dedup();
    bad.into_iter()
        .map(|c| match c {
            ' ' => "space".to_string(),
            '\n' | '\r' => "line break".to_string(),
            '\t' => "tab".to_string(),
            c => format!("`{c}`"),
        })
        .collect()
}

/// Why a verifier does not produce a challenge, when a common mistake explains it.
fn mismatch_cause(verifier: &str, challenge: &str) -> Option<String> {
    let digest = sha2::Sha256::digest(verifier.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let std_pad = base64::engine::general_purpose::STANDARD.encode(digest);
    let s = s256(verifier);
    if verifier == challenge {
        return Some("the verifier equals the challenge: the client sent the plain value while declaring `S256`".into());
    }
    if challenge.eq_ignore_ascii_case(&hex) {
        return Some("the challenge is the hex SHA-256 of the verifier; S256 needs base64url of the raw 32-byte digest".into());
    }
    if challenge == format!("{s}=") {
        return Some(
            "the challenge keeps the `=` padding; S256 is base64url without padding".into(),
        );
    }
    if challenge == std_pad || challenge == std_pad.trim_end_matches('=') {
        return Some("the challenge uses the standard base64 alphabet (`+`, `/`); S256 is base64url (`-`, `_`) without padding".into());
    }
    if challenge == s256(&s) {
        return Some("the challenge is the verifier hashed twice".into());
    }
    if verifier.trim() != verifier && challenge == s256(verifier.trim()) {
        return Some("the verifier carries whitespace the challenge was computed without".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::diagnosis::Category;

    const V: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CH: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn flow(c: &mut Cap, az_extra: &str, tok_extra: &str, status: u16, rbody: &str) {
        c.authorize(
            &format!("response_type=code&client_id=spa&redirect_uri={CB_ENC}&state=st1{az_extra}"),
            &format!("{CB}?code=c1&state=st1"),
        );
        c.token(&format!("grant_type=authorization_code&code=c1&redirect_uri={CB_ENC}&client_id=spa{tok_extra}"), status, rbody);
    }

    #[test]
    fn pkce001_wrong_verifier_and_causes() {
        let mut c = Cap::new();
        flow(
            &mut c,
            &format!("&code_challenge={CH}&code_challenge_method=S256"),
            "&code_verifier=nroj7HdYp5SIG9vJbB6dq7__3BobYE2z6J0ZmQLccYMQ2xCE0e3bvNZNUKKPhpSo",
            400,
            r#"{"error":"invalid_grant"}"#,
        );
        let f = c.run();
        assert_eq!(of(&f, "PKCE001").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::Pkce);
        assert!(
            !of(&f, "PKCE001")[0].message.contains("nroj7"),
            "verifier leaked"
        );

        let mut c = Cap::new();
        flow(
            &mut c,
            &format!("&code_challenge={CH}&code_challenge_method=S256"),
            &format!("&code_verifier={V}"),
            200,
            OK_TOKENS,
        );
        let f = c.run();
        for r in [
            "PKCE001", "PKCE002", "PKCE003", "PKCE004", "PKCE005", "PKCE006", "PKCE007", "PKCE008",
            "PKCE009",
        ] {
            assert!(of(&f, r).is_empty(), "{r} on a healthy flow");
        }
        let hex: String = sha2::Sha256::digest(V.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(mismatch_cause(V, &hex).unwrap().contains("hex"));
        let p = format!("{CH}=");
        assert!(mismatch_cause(V, &p).unwrap().contains("padding"));
    }

    #[test]
    fn pkce002_003_004() {
        let mut c = Cap::new();
        flow(
            &mut c,
            &format!("&code_challenge={CH}&code_challenge_method=S256"),
            "",
            400,
            r#"{"error":"invalid_grant"}"#,
        );
        let f = c.run();
        assert_eq!(of(&f, "PKCE002").len(), 1);
        assert_eq!(top(&f).unwrap().rule, "PKCE002");

        let mut c = Cap::new();
        flow(
            &mut c,
            "",
            &format!("&code_verifier={V}"),
            400,
            r#"{"error":"invalid_grant"}"#,
        );
        assert_eq!(of(&c.run(), "PKCE003").len(), 1);

        let mut c = Cap::new();
        flow(
            &mut c,
            "&code_challenge=8M-Dd8_JobOzprh3jh01kAMrp-HHgb_lPrkpQSx6XI0&code_challenge_method=S256",
            "&code_verifier=25e355e9ff968a3e3716d05de674a41f",
            400,
            r#"{"error":"invalid_request","error_description":"code_verifier must be a string with a minimum length of 43 characters"}"#,
        );
        let f = c.run();
        assert_eq!(of(&f, "PKCE004").len(), 1);
        assert_eq!(top(&f).unwrap().rule, "PKCE004");
    }

    #[test]
    fn pkce005_006_007_008() {
        let mut c = Cap::new();
        c.authorize("response_type=code&client_id=spa&state=s&code_challenge=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08&code_challenge_method=S256",
            &format!("{CB}?error=invalid_request&state=s"));
        assert_eq!(of(&c.run(), "PKCE005").len(), 1);

        let mut c = Cap::new();
        flow(
            &mut c,
            &format!("&code_challenge={CH}"),
            &format!("&code_verifier={V}"),
            400,
            r#"{"error":"invalid_grant"}"#,
        );
        let f = c.run();
        assert_eq!(of(&f, "PKCE006").len(), 1);
        assert!(of(&f, "PKCE001").is_empty());

        let mut c = Cap::new();
        c.authorize(&format!("response_type=code&client_id=spa&state=s&code_challenge={CH}&code_challenge_method=sha256"),
            &format!("{CB}?error=invalid_request&error_description=not+supported+value+of+code_challenge_method&state=s"));
        let f = c.run();
        assert_eq!(of(&f, "PKCE007").len(), 1);
        assert!(of(&f, "PKCE007")[0].message.contains("`S256`"));

        let mut c = Cap::new();
        c.authorize(&format!("response_type=code&client_id=spa&state=s&code_challenge={V}&code_challenge_method=plain"),
            &format!("{CB}?error=invalid_request&error_description=not+supported+value+of+code_challenge_method&state=s"));
        let f = c.run();
        let g = of(&f, "PKCE008");
        assert_eq!(g.len(), 1);
        assert!(!g[0].latent);
        assert_eq!(top(&f).unwrap().category, Category::Pkce);
    }

    #[test]
    fn pkce009_010() {
        let mut c = Cap::new();
        flow(&mut c, "", "", 200, OK_TOKENS);
        let f = c.run();
        let g = of(&f, "PKCE009");
        assert_eq!(g.len(), 1);
        assert!(g[0].latent);

        let mut c = Cap::new();
        c.get(DISCOVERY, 200, vec![("Content-Type", "application/json")],
            r#"{"issuer":"https://idp.example.com","authorization_endpoint":"https://idp.example.com/authorize","token_endpoint":"https://idp.example.com/token"}"#);
        assert_eq!(of(&c.run(), "PKCE010").len(), 1);
    }
}
