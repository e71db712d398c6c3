//! PKCE: RFC 7636 challenge and verifier correctness and presence (RULES.md §1.7). The S256
//! transform is recomputed from the token request's `code_verifier` and compared with the
//! `code_challenge` of the authorization request the code came from (query, PAR or request
//! object). Verifiers are secrets: findings describe them (length, character classes) and
//! attach them only as fingerprinted evidence.

use super::common::{
    Link, Lookup, ReportExt, alias_signal, err_of, is_code_redemption, is_token_request,
    metadata_announcing, signal_is,
};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Severity, Strength};
use crate::model::{Exchange, Kind};
use crate::oauth::basic::basic_credentials;
use crate::oauth::pkce::{is_unreserved, s256, verifier_is_valid};
use base64::Engine;
use serde_json::Value;
use sha2::Digest;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Pkce001, &Pkce002, &Pkce003, &Pkce004, &Pkce005, &Pkce006, &Pkce007, &Pkce008, &Pkce009,
    &Pkce010,
];

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
fn az_error(lk: &Lookup<'_>, az: &Exchange) -> Option<(usize, String, String)> {
    if let Some(a) = lk.azr_of(az) {
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

fn mentions_pkce(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "code_challenge",
        "code challenge",
        "pkce",
        "code_verifier",
        "code verifier",
    ]
    .iter()
    .any(|w| t.contains(w))
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

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// For every failed authorization-code redemption, recomputes
    /// BASE64URL-NOPAD(SHA-256(ASCII(`code_verifier`))) (or takes the verifier itself for
    /// `plain`) and compares it with the `code_challenge` of the authorization request the code
    /// came from. On a mismatch it looks for the usual cause: the challenge is the hex digest,
    /// keeps `=` padding, uses the `+/` alphabet, is the verifier hashed twice, equals the
    /// verifier, or matches the challenge of *another* authorization request in the capture
    /// (parallel logins or tabs sharing one verifier slot). Without `code_challenge_method` the
    /// server defaults to `plain`; a verifier whose S256 matches is PKCE006, not this rule.
    ///
    /// ## Why it fails
    /// The server stores the challenge with the code and recomputes it from the verifier
    /// (RFC 7636 §4.6); any difference is `invalid_grant`. The verifier was regenerated, read from
    /// another session, or transformed wrongly (§4.2).
    ///
    /// ## Example
    /// Authorization request `code_challenge=JR4BGDjD…EtA&code_challenge_method=S256`; token
    /// request `code_verifier=nroj7HdY…` whose S256 is `Yk2x…` → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Persist the verifier with the transaction (keyed by `state`), and compute the challenge
    /// as base64url without padding of the raw SHA-256 digest of the verifier.
    ///
    /// ## References
    /// RFC 7636 §4.2, §4.6
    pub struct Pkce001 {
        code: "PKCE001",
        name: "verifier-does-not-match-challenge",
        title: "code_verifier does not match code_challenge",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "persist the verifier with the transaction (keyed by `state`) and send the one whose S256 is the challenge; compute S256 as base64url without padding of the SHA-256 digest",
        references: ["RFC 7636 §4.2", "RFC 7636 §4.6"],
    }
}

impl Rule for Pkce001 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for e in ex.iter().filter(|e| is_code_redemption(e) && e.failed()) {
            let Some(v) = e.request.param("code_verifier").filter(|v| !v.is_empty()) else {
                continue;
            };
            let Some((az, link, _)) = lk.authorize_of(e) else {
                continue;
            };
            let Some(ch) = lk.az_param(az, "code_challenge").filter(|c| !c.is_empty()) else {
                continue;
            };
            let method = lk.az_param(az, "code_challenge_method");
            let computed = s256(&v);
            let matches = match method.as_deref() {
                Some("S256") => computed == ch,
                Some("plain") => v == ch,
                None => v == ch || computed == ch,
                Some(_) => continue,
            };
            if matches {
                continue;
            }
            let other = lk
                .az_with_challenge(&computed, az.index)
                .or_else(|| lk.az_with_challenge(&v, az.index));
            let cause = match other {
                Some(o) => format!(
                    "it matches the challenge of another authorization request (exchange #{}): parallel logins or tabs share one stored verifier",
                    o.number()
                ),
                None => mismatch_cause(&v, &ch).unwrap_or_else(|| {
                    "the verifier was regenerated or read from another session".to_string()
                }),
            };
            let what = if method.as_deref() == Some("plain") {
                "the verifier".to_string()
            } else {
                format!("the S256 of the verifier is `{computed}`")
            };
            cx.report(
                e.index,
                format!(
                    "{what}, but the authorization request (exchange #{}) sent `code_challenge` `{ch}`; {cause} (verifier: {})",
                    az.number(),
                    shape(&v)
                ),
            )
.confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
            .strength(if link == Link::Code { Strength::Recomputed } else { Strength::Direct })
            .secret(e.index, "request.body.code_verifier", v)
            .text(az.index, "request.query.code_challenge", ch)
            .text(e.index, "s256(request.body.code_verifier)", computed)
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a failed authorization-code redemption without `code_verifier` (or with an empty
    /// one) whose authorization request sent a `code_challenge`.
    ///
    /// ## Why it fails
    /// A code issued for a challenge can only be redeemed with the matching verifier (RFC 7636
    /// §4.5, §4.6): `invalid_grant` (some servers `invalid_request`). The client library was not
    /// told to send the verifier, or lost it between the callback and the token call.
    ///
    /// ## Example
    /// `GET /authorize?…&code_challenge=j8uf…&code_challenge_method=S256`; `POST /token
    /// grant_type=authorization_code&code=…&redirect_uri=…` (no `code_verifier`) →
    /// `400 invalid_grant`.
    ///
    /// ## Fix
    /// Send the `code_verifier` of the transaction with the token request.
    ///
    /// ## References
    /// RFC 7636 §4.5, §4.6
    pub struct Pkce002 {
        code: "PKCE002",
        name: "verifier-missing",
        title: "challenge sent, verifier missing",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "send the transaction's `code_verifier` with the token request",
        references: ["RFC 7636 §4.5", "RFC 7636 §4.6"],
    }
}

impl Rule for Pkce002 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for e in ex.iter().filter(|e| is_code_redemption(e) && e.failed()) {
            if e.request
                .param("code_verifier")
                .is_some_and(|v| !v.is_empty())
            {
                continue;
            }
            let Some((az, link, _)) = lk.authorize_of(e) else {
                continue;
            };
            let Some(ch) = lk.az_param(az, "code_challenge").filter(|c| !c.is_empty()) else {
                continue;
            };
            let sent = match e.request.param("code_verifier") {
                Some(_) => "an empty `code_verifier`",
                None => "no `code_verifier`",
            };
            cx.report(
                e.index,
                format!(
                    "the authorization request (exchange #{}) sent a `code_challenge` but the token request carries {sent}",
                    az.number()
                ),
            )
.confirmed_if(alias_signal(&ex[e.index], &["invalid_grant", "invalid_request"]))
            .strength(if link == Link::Code { Strength::Direct } else { Strength::Heuristic })
            .text(az.index, "request.query.code_challenge", ch)
            .text(e.index, "request.body.code_verifier", "(absent)")
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a failed authorization-code redemption that sends a `code_verifier` although the
    /// authorization request the code came from (linked by the code; its query, PAR body and
    /// request object checked) sent no `code_challenge`.
    ///
    /// ## Why it fails
    /// Strict servers reject a verifier for a code issued without a challenge: accepting it would
    /// let an attacker downgrade PKCE (RFC 7636 §4.6; RFC 9700 §2.1.1, §4.8). The library
    /// computes a verifier but its configuration does not send the challenge.
    ///
    /// ## Example
    /// `GET /authorize?response_type=code&client_id=…` (no challenge); `POST /token …&code_verifier=…`
    /// → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Send `code_challenge` and `code_challenge_method=S256` in the authorization request.
    ///
    /// ## References
    /// RFC 7636 §4.6; RFC 9700 §2.1.1, §4.8
    pub struct Pkce003 {
        code: "PKCE003",
        name: "verifier-without-challenge",
        title: "verifier sent without prior challenge",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "send `code_challenge` with `code_challenge_method=S256` in the authorization request",
        references: ["RFC 7636 §4.6", "RFC 9700 §2.1.1", "RFC 9700 §4.8"],
    }
}

impl Rule for Pkce003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for e in ex.iter().filter(|e| is_code_redemption(e) && e.failed()) {
            let Some(v) = e.request.param("code_verifier").filter(|v| !v.is_empty()) else {
                continue;
            };
            let Some((az, Link::Code, _)) = lk.authorize_of(e) else {
                continue;
            };
            if lk.az_param(az, "code_challenge").is_some() {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "the token request sends a `code_verifier` but the authorization request (exchange #{}) carried no `code_challenge`",
                    az.number()
                ),
            )
.confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
            .strength(Strength::Direct)
            .secret(e.index, "request.body.code_verifier", v)
            .text(az.index, "request.query.code_challenge", "(absent)")
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks the syntax of every `code_verifier` sent to the token endpoint: 43 to 128
    /// characters from `[A-Za-z0-9-._~]`. Names the length and the disallowed characters, never
    /// the value.
    ///
    /// ## Why it fails
    /// RFC 7636 §4.1 fixes the verifier's length and alphabet; servers reject other values with
    /// `invalid_request` or `invalid_grant`. Typical causes: a 32-character hex string, standard
    /// base64 with `+`, `/` and `=`, a UUID without enough entropy.
    ///
    /// ## Example
    /// `code_verifier=9f86d081884c7d659a2feaa0c55ad015` (32 characters) →
    /// `400 {"error":"invalid_request","error_description":"code_verifier must be a string with a minimum length of 43 characters"}`.
    ///
    /// ## Fix
    /// Generate 32 random bytes and base64url-encode them without padding (43 characters).
    ///
    /// ## References
    /// RFC 7636 §4.1
    pub struct Pkce004 {
        code: "PKCE004",
        name: "verifier-syntax-invalid",
        title: "verifier length or charset invalid",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "generate 32 random bytes and base64url-encode them without padding (43 characters)",
        references: ["RFC 7636 §4.1"],
    }
}

impl Rule for Pkce004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| is_token_request(e)) {
            let Some(v) = e.request.param("code_verifier").filter(|v| !v.is_empty()) else {
                continue;
            };
            if verifier_is_valid(&v) {
                continue;
            }
            let n = v.chars().count();
            let mut problems = Vec::new();
            if n < 43 {
                problems.push(format!("{n} characters, fewer than the 43 required"));
            } else if n > 128 {
                problems.push(format!("{n} characters, more than the 128 allowed"));
            }
            if !is_unreserved(&v) {
                problems.push(format!(
                    "characters outside `[A-Za-z0-9-._~]`: {}",
                    disallowed(&v).join(", ")
                ));
            }
            cx.report(
                e.index,
                format!("the `code_verifier` has {}", problems.join(" and ")),
            )
            .confirmed_if(alias_signal(&ex[e.index], &["invalid_request"]))
            .strength(Strength::Direct)
            .confirmed_if(signal_is(e, &["invalid_grant"]))
            .secret(e.index, "request.body.code_verifier", v)
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks the syntax of every `code_challenge` in an authorization or pushed authorization
    /// request. With `S256` the challenge must be exactly 43 base64url characters (the encoding
    /// of a 32-byte digest): `=`, `+`, `/`, another length, or a 64-character hex digest are
    /// reported. With `plain` (or no method) the challenge is the verifier itself and must have
    /// 43–128 characters from `[A-Za-z0-9-._~]` (RFC 7636 §4.1, §4.2; the catalogue lists only
    /// the S256 case).
    ///
    /// ## Why it fails
    /// Servers validate the challenge format and answer `invalid_request`; those that do not will
    /// never match the verifier at the token endpoint.
    ///
    /// ## Example
    /// `code_challenge=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08&code_challenge_method=S256`
    /// (hex) → `error=invalid_request`.
    ///
    /// ## Fix
    /// base64url-encode the raw 32-byte SHA-256 digest of the verifier, without padding.
    ///
    /// ## References
    /// RFC 7636 §4.2, §4.3, §4.1
    pub struct Pkce005 {
        code: "PKCE005",
        name: "challenge-format-invalid",
        title: "challenge format invalid",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "base64url-encode the raw 32-byte SHA-256 digest of the verifier without padding (43 characters)",
        references: ["RFC 7636 §4.2", "RFC 7636 §4.3", "RFC 7636 §4.1"],
    }
}

impl Rule for Pkce005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for az in authorization_requests(ex) {
            let Some(ch) = lk.az_param(az, "code_challenge").filter(|c| !c.is_empty()) else {
                continue;
            };
            let method = lk.az_param(az, "code_challenge_method");
            let n = ch.chars().count();
            let problem = match method.as_deref() {
                Some("S256") => {
                    if n == 64 && ch.bytes().all(|c| c.is_ascii_hexdigit()) {
                        Some("is a 64-character hex digest; S256 needs base64url of the raw digest (43 characters)".to_string())
                    } else if ch.contains(['=', '+', '/']) {
                        Some(format!(
                            "contains {}: standard base64 or padding, not base64url without padding",
                            disallowed(&ch).join(", ")
                        ))
                    } else if n != 43 {
                        Some(format!(
                            "has {n} characters; an S256 challenge has exactly 43"
                        ))
                    } else if !is_unreserved(&ch) {
                        Some(format!("contains {}", disallowed(&ch).join(", ")))
                    } else {
                        None
                    }
                }
                Some("plain") | None => (!verifier_is_valid(&ch)).then(|| {
                    format!(
                        "is sent as `plain` (the verifier itself) but has {}",
                        shape(&ch)
                    ) + if !(43..=128).contains(&n) {
                        ", outside 43–128"
                    } else {
                        ", outside `[A-Za-z0-9-._~]`"
                    }
                }),
                Some(_) => None, // PKCE007
            };
            let Some(problem) = problem else { continue };
            // Anchor on the failure it caused: the authorization error, else a failed
            // redemption of the code (the challenge can never match), else the request itself.
            let err = az_error(&lk, az);
            let anchor = err
                .as_ref()
                .map(|(i, _, _)| *i)
                .or_else(|| lk.redemption_of(az).filter(|t| t.failed()).map(|t| t.index))
                .unwrap_or(az.index);
            let mut rep = cx
                .report(anchor, format!("the `code_challenge` {problem}"))
                .strength(Strength::Direct)
                .text(az.index, "request.query.code_challenge", ch)
                .text(
                    az.index,
                    "request.query.code_challenge_method",
                    method.unwrap_or_else(|| "(absent)".into()),
                );
            if err.is_some_and(|(_, c, d)| {
                c == "invalid_request" || d.to_ascii_lowercase().contains("code_challenge")
            }) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags an authorization request with `code_challenge` but no `code_challenge_method` when
    /// the client computed an S256 challenge: the verifier of the linked token request hashes to
    /// it, or the authorization server's error names `code_challenge_method`.
    ///
    /// ## Why it fails
    /// Without a method the server must assume `plain` (RFC 7636 §4.3) and compares the verifier
    /// with the challenge literally: the S256 value never matches, so the code redemption fails
    /// with `invalid_grant`. Servers that require S256 reject the authorization request instead.
    ///
    /// ## Example
    /// `GET /authorize?…&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM` (no method);
    /// the token request's verifier hashes to that value → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Always send `code_challenge_method=S256` with the challenge.
    ///
    /// ## References
    /// RFC 7636 §4.3
    pub struct Pkce006 {
        code: "PKCE006",
        name: "challenge-method-omitted",
        title: "code_challenge_method omitted (defaults to plain)",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "always send `code_challenge_method=S256` with the challenge",
        references: ["RFC 7636 §4.3"],
    }
}

impl Rule for Pkce006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for az in authorization_requests(ex) {
            let Some(ch) = lk.az_param(az, "code_challenge").filter(|c| !c.is_empty()) else {
                continue;
            };
            if lk.az_param(az, "code_challenge_method").is_some() {
                continue;
            }
            if let Some(tok) = lk.redemption_of(az) {
                let Some(v) = tok.request.param("code_verifier").filter(|v| !v.is_empty()) else {
                    continue;
                };
                if s256(&v) != ch || v == ch {
                    continue;
                }
                cx.report(
                    tok.index,
                    format!(
                        "the authorization request (exchange #{}) sent an S256 `code_challenge` without `code_challenge_method`, so the server compares it as `plain` with the verifier",
                        az.number()
                    ),
                )
.confirmed_if(alias_signal(&ex[tok.index], &["invalid_grant"]))
                .strength(Strength::Recomputed)
                .text(az.index, "request.query.code_challenge_method", "(absent)")
                .text(az.index, "request.query.code_challenge", ch)
                .secret(tok.index, "request.body.code_verifier", v)
                .emit();
                continue;
            }
            if let Some((i, code, desc)) = az_error(&lk, az) {
                if desc.to_ascii_lowercase().contains("code_challenge_method") {
                    cx.report(
                        i,
                        format!(
                            "the authorization request sent `code_challenge` without `code_challenge_method` and was refused (`{code}`)"
                        ),
                    )
.confirmed_if(alias_signal(&ex[i], &["invalid_grant"]))
                    .strength(Strength::Direct)
                    .confirmed()
                    .text(az.index, "request.query.code_challenge_method", "(absent)")
                    .emit();
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a `code_challenge_method` other than the two defined values `S256` and `plain`
    /// (case-sensitive): `s256`, `SHA256`, `sha-256`, `S-256`…
    ///
    /// ## Why it fails
    /// The method is a case-sensitive token (RFC 7636 §4.3); servers answer `invalid_request`
    /// for anything else (§4.4.1).
    ///
    /// ## Example
    /// `code_challenge_method=sha256` → `error=invalid_request&error_description=not supported value of code_challenge_method`.
    ///
    /// ## Fix
    /// Send exactly `S256`.
    ///
    /// ## References
    /// RFC 7636 §4.3, §4.4.1
    pub struct Pkce007 {
        code: "PKCE007",
        name: "challenge-method-unknown",
        title: "code_challenge_method value not recognised",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "send `code_challenge_method=S256` exactly",
        references: ["RFC 7636 §4.3", "RFC 7636 §4.4.1"],
    }
}

impl Rule for Pkce007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for az in authorization_requests(ex) {
            let Some(m) = lk.az_param(az, "code_challenge_method") else {
                continue;
            };
            if m == "S256" || m == "plain" {
                continue;
            }
            let norm = m.to_ascii_lowercase().replace(['-', '_', ' '], "");
            let hint = if norm == "s256" || norm == "sha256" {
                "; the defined value is `S256` (case-sensitive)"
            } else if norm == "plain" {
                "; the defined value is `plain` (case-sensitive)"
            } else {
                "; only `S256` and `plain` are defined"
            };
            let err = az_error(&lk, az);
            let anchor = err.as_ref().map(|(i, _, _)| *i).unwrap_or(az.index);
            let mut rep = cx
                .report(
                    anchor,
                    format!("`code_challenge_method={m}` is not a defined method{hint}"),
                )
                .strength(Strength::Direct)
                .text(az.index, "request.query.code_challenge_method", m);
            if err.is_some_and(|(_, c, d)| {
                c == "invalid_request" || d.to_ascii_lowercase().contains("code_challenge_method")
            }) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags PKCE with the `plain` method: `code_challenge_method=plain`, or a token request whose
    /// verifier equals the challenge. A lint (warning) on flows that work; an error when the
    /// authorization server refused the request because of the method (its error names
    /// `code_challenge_method`, or its metadata does not list `plain`).
    ///
    /// ## Why it fails
    /// With `plain` the challenge is the verifier, so anyone who sees the authorization request
    /// can redeem an intercepted code (RFC 7636 §7.2). RFC 9700 §2.1.1 requires S256 and many
    /// servers reject `plain` outright.
    ///
    /// ## Example
    /// `GET /authorize?…&code_challenge=lEgaI4hI…&code_challenge_method=plain` →
    /// `error=invalid_request&error_description=not supported value of code_challenge_method`.
    ///
    /// ## Fix
    /// Use `S256`.
    ///
    /// ## References
    /// RFC 7636 §4.2, §7.2; RFC 9700 §2.1.1
    pub struct Pkce008 {
        code: "PKCE008",
        name: "plain-challenge-method",
        title: "plain PKCE method",
        category: Pkce,
        severity: Warning,
        kind: Lint,
        fix: "use `code_challenge_method=S256`",
        references: ["RFC 7636 §4.2", "RFC 7636 §7.2", "RFC 9700 §2.1.1"],
    }
}

impl Rule for Pkce008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for az in authorization_requests(ex) {
            let Some(ch) = lk.az_param(az, "code_challenge").filter(|c| !c.is_empty()) else {
                continue;
            };
            let method = lk.az_param(az, "code_challenge_method");
            let tok = lk.redemption_of(az);
            let equal = tok
                .and_then(|t| t.request.param("code_verifier"))
                .is_some_and(|v| v == ch);
            let declared_plain = method.as_deref() == Some("plain");
            if !(declared_plain || (method.is_none() && equal)) {
                continue;
            }
            let err = az_error(&lk, az);
            let md_lacks_plain =
                metadata_announcing(idx, "authorization_endpoint", &az.request.endpoint())
                    .is_some_and(|(_, d)| {
                        d.get("code_challenge_methods_supported")
                            .and_then(Value::as_array)
                            .is_some_and(|a| !a.iter().any(|m| m.as_str() == Some("plain")))
                    });
            let refused = err.as_ref().filter(|(_, _, desc)| {
                desc.to_ascii_lowercase().contains("code_challenge_method") || md_lacks_plain
            });
            let (anchor, msg) = match (&refused, tok) {
                (Some((i, code, _)), _) => (
                    *i,
                    format!("the authorization request uses PKCE method `plain` and the server refused it (`{code}`)"),
                ),
                (None, Some(t)) => (
                    t.index,
                    "the flow uses PKCE method `plain`: the verifier equals the challenge, which gives no protection once the authorization request is seen".to_string(),
                ),
                (None, None) if err.is_none() => (
                    az.index,
                    "the authorization request uses PKCE method `plain`: the challenge is the verifier itself".to_string(),
                ),
                (None, None) => continue, // failed for another reason
            };
            let mut rep = cx.report(anchor, msg).strength(Strength::Direct).text(
                az.index,
                "request.query.code_challenge_method",
                method.unwrap_or_else(|| "(absent)".into()),
            );
            if refused.is_some() {
                rep = rep.severity(Severity::Error).confirmed();
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// True when a token request carries no client authentication (a public client).
fn unauthenticated(e: &Exchange) -> bool {
    basic_credentials(&e.request).is_none()
        && e.request
            .param("client_secret")
            .is_none_or(|s| s.is_empty())
        && e.request.param("client_assertion").is_none()
}

declare_rule! {
    /// ## What it does
    /// Flags an authorization-code request (`response_type` containing `code`) without a
    /// `code_challenge` (query, PAR body and request object checked). A warning in general; an
    /// error when the server refused the request asking for PKCE (its error mentions
    /// `code_challenge` or PKCE) or when the client is public (its token request carries no
    /// client authentication). Not reported when the authorization request failed for another
    /// reason: PKCE is not what broke that flow, and the lint would only add noise to it.
    ///
    /// ## Why it fails
    /// PKCE protects the code against interception and injection; RFC 9700 §2.1.1 requires it
    /// for public clients and recommends it for all, OAuth 2.1 makes it mandatory, and many
    /// servers enforce it (`invalid_request` "code_challenge required").
    ///
    /// ## Example
    /// `GET /authorize?response_type=code&client_id=spa&redirect_uri=…&state=…` →
    /// `error=invalid_request&error_description=PKCE code challenge is required`.
    ///
    /// ## Fix
    /// Add `code_challenge` with `code_challenge_method=S256` to every authorization-code
    /// request, and the verifier to the token request.
    ///
    /// ## References
    /// RFC 9700 §2.1.1; OAuth 2.1 §4.1.1; RFC 7636 §1
    pub struct Pkce009 {
        code: "PKCE009",
        name: "code-flow-without-pkce",
        title: "authorization code flow without PKCE",
        category: Pkce,
        severity: Warning,
        kind: Both,
        fix: "add `code_challenge` with `code_challenge_method=S256` to every authorization-code request",
        references: ["RFC 9700 §2.1.1", "OAuth 2.1 §4.1.1", "RFC 7636 §1"],
    }
}

impl Rule for Pkce009 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for az in authorization_requests(ex) {
            let Some(rt) = lk.az_param(az, "response_type") else {
                continue;
            };
            if !rt.split_whitespace().any(|t| t == "code") {
                continue;
            }
            if lk.az_param(az, "code_challenge").is_some() {
                continue;
            }
            let err = az_error(&lk, az);
            let demanded = err.as_ref().filter(|(_, _, desc)| mentions_pkce(desc));
            if err.is_some() && demanded.is_none() {
                // The request failed for another reason; PKCE is not what broke it.
                continue;
            }
            let tok = lk.redemption_of(az);
            let public = tok.is_some_and(unauthenticated);
            let client = lk.az_param(az, "client_id").unwrap_or_default();
            let (anchor, msg) = match (&demanded, tok) {
                (Some((i, code, _)), _) => (
                    *i,
                    format!(
                        "the authorization request of client `{client}` carries no `code_challenge` and the server refused it (`{code}`)"
                    ),
                ),
                (None, Some(t)) if public => (
                    t.index,
                    format!(
                        "public client `{client}` (no client authentication at the token endpoint) runs the code flow without PKCE"
                    ),
                ),
                _ => (
                    err.as_ref().map(|(i, _, _)| *i).unwrap_or(az.index),
                    format!(
                        "the authorization request of client `{client}` uses the code flow without a `code_challenge`"
                    ),
                ),
            };
            let mut rep = cx
                .report(anchor, msg)
                .strength(Strength::Direct)
                .text(az.index, "request.query.code_challenge", "(absent)")
                .text(az.index, "request.query.response_type", rt);
            if demanded.is_some() {
                rep = rep.severity(Severity::Error).confirmed();
            } else if public {
                rep = rep.severity(Severity::Error);
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a discovery document that announces an `authorization_endpoint` but whose
    /// `code_challenge_methods_supported` is absent or does not list `S256`. Documents without
    /// an authorization endpoint (no code flow) are not reported.
    ///
    /// ## Why it fails
    /// RFC 8414 §2 makes the field optional, and its absence does not prove the server lacks
    /// PKCE; but a client that relies on metadata to decide whether to send PKCE may skip it, and
    /// a server without S256 cannot meet RFC 9700 §2.1.1.
    ///
    /// ## Example
    /// `/.well-known/openid-configuration` without `code_challenge_methods_supported`.
    ///
    /// ## Fix
    /// Confirm S256 support with the provider (or test it) and always send PKCE with S256.
    ///
    /// ## References
    /// RFC 8414 §2 (code_challenge_methods_supported); RFC 9700 §2.1.1
    pub struct Pkce010 {
        code: "PKCE010",
        name: "metadata-without-s256",
        title: "authorization server does not advertise S256",
        category: Pkce,
        severity: Info,
        kind: Lint,
        fix: "confirm S256 support with the provider and always send PKCE with S256; absence of the field does not prove lack of support",
        references: ["RFC 8414 §2", "RFC 9700 §2.1.1"],
    }
}

impl Rule for Pkce010 {
    fn check(&self, cx: &mut Context<'_>) {
        let idx = cx.index;
        for (i, d) in &idx.metadata {
            if d.get("authorization_endpoint").is_none() {
                continue;
            }
            let list = d.get("code_challenge_methods_supported");
            let msg = match list.and_then(Value::as_array) {
                None => {
                    "the discovery document does not announce `code_challenge_methods_supported`"
                        .to_string()
                }
                Some(a) if !a.iter().any(|m| m.as_str() == Some("S256")) => format!(
                    "the discovery document's `code_challenge_methods_supported` ({}) does not list `S256`",
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Some(_) => continue,
            };
            let issuer = d.get("issuer").and_then(Value::as_str).unwrap_or("");
            cx.report(*i, format!("{msg} (issuer `{issuer}`)"))
                .strength(Strength::Direct)
                .text(
                    *i,
                    "response.body.code_challenge_methods_supported",
                    list.map(|v| v.to_string())
                        .unwrap_or_else(|| "(absent)".into()),
                )
                .emit();
        }
    }
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
