//! DPOP: RFC 9449 proofs of possession — proof syntax, `htu`/`htm`/`iat`/`jti`/`ath`, server
//! nonces, and the binding between a proof key and the tokens it protects (RULES.md §1.12).
//! Thumbprints (RFC 7638) and `ath` are recomputed from the captured values; nothing is verified
//! cryptographically and no proof or token is printed in clear.

use super::common::date_header;
use super::jwt::{failure_text, is_failure, span};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Severity, Strength};
use crate::model::{Exchange, Kind};
use crate::oauth::errors::error_code;
use crate::oauth::jwt::{self as jose, DecodedJwt};
use base64::Engine;
use serde_json::Value;
use sha2::Digest;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Dpop001, &Dpop002, &Dpop003, &Dpop004, &Dpop005, &Dpop006, &Dpop007, &Dpop008, &Dpop009,
    &Dpop010, &Dpop011, &Dpop012, &Dpop013,
];

// ------------------------------------------------------------------------------------------
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

fn origin(e: &Exchange) -> String {
    e.request
        .parsed
        .as_ref()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
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
    error_code(e).is_some_and(|er| er.code.eq_ignore_ascii_case(code))
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

// ------------------------------------------------------------------------------------------
// DPOP001 / DPOP002: nonce challenges
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Reports a token (or PAR) request answered `400 use_dpop_nonce` with a `DPoP-Nonce`
    /// header, and follows the client's retry: a retry whose proof carries the nonce is the
    /// expected handshake (information, attached to the challenge it explains); no retry, a retry without the
    /// nonce, or three or more nonce challenges in a row (a retry loop) is an error.
    ///
    /// ## Why it fails
    /// An authorization server may require a server-provided nonce in DPoP proofs (RFC 9449
    /// §8). The first request without it is expected to fail once; clients that treat the 400
    /// as final, or retry with a proof lacking the nonce, never get a token.
    ///
    /// ## Example
    /// `POST /token` → `400 {"error":"use_dpop_nonce"}` `DPoP-Nonce: eyJ7S…`; the client stops.
    ///
    /// ## Fix
    /// On `use_dpop_nonce`, retry once with a new proof whose `nonce` claim is the
    /// `DPoP-Nonce` value, and keep using the latest nonce the server sends.
    ///
    /// ## References
    /// RFC 9449 §8, §8.2
    pub struct Dpop001 {
        code: "DPOP001",
        name: "as-requires-dpop-nonce",
        title: "authorization server requires a dpop nonce",
        category: Parameters,
        severity: Info,
        kind: Diag,
        fix: "retry once with a new proof whose `nonce` is the `DPoP-Nonce` value and keep using the latest nonce",
        references: ["RFC 9449 §8", "RFC 9449 §8.2"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a resource-server `401` with `WWW-Authenticate: DPoP error="use_dpop_nonce"` and
    /// a `DPoP-Nonce` header, and follows the client's retry the same way as DPOP001: a retry
    /// with the resource server's nonce is the expected handshake (information), no retry or a
    /// retry without it is an error.
    ///
    /// ## Why it fails
    /// Resource servers may require their own nonce (RFC 9449 §9), independent of the
    /// authorization server's; a client that reuses the AS nonce or ignores the challenge keeps
    /// failing.
    ///
    /// ## Example
    /// `GET /v1/orders` → `401 WWW-Authenticate: DPoP error="use_dpop_nonce"`, `DPoP-Nonce:
    /// rs-n-41`; the client gives up.
    ///
    /// ## Fix
    /// Retry with a new proof carrying the resource server's nonce; track nonces per server.
    ///
    /// ## References
    /// RFC 9449 §9, §7.1
    pub struct Dpop002 {
        code: "DPOP002",
        name: "rs-requires-dpop-nonce",
        title: "resource server requires a dpop nonce",
        category: Parameters,
        severity: Info,
        kind: Diag,
        fix: "retry with a new proof whose `nonce` is the resource server's `DPoP-Nonce` value",
        references: ["RFC 9449 §9", "RFC 9449 §7.1"],
    }
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

impl Rule for Dpop001 {
    fn check(&self, cx: &mut Context<'_>) {
        nonce_challenges(cx, true);
    }
}

impl Rule for Dpop002 {
    fn check(&self, cx: &mut Context<'_>) {
        nonce_challenges(cx, false);
    }
}

// ------------------------------------------------------------------------------------------
// DPOP003
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// For every proof with a `nonce` claim, finds the latest `DPoP-Nonce` the same origin
    /// (scheme, host, port) sent before the request, and flags a proof whose nonce differs:
    /// a nonce from the other server (authorization server nonce used at the resource server or
    /// the reverse), an older nonce the server has since rotated, or one the server never sent.
    ///
    /// ## Why it fails
    /// Nonces are per server and may change on any response (RFC 9449 §8.2, §9); a client
    /// that keeps one global nonce, or ignores the `DPoP-Nonce` of successful responses, sends
    /// stale nonces and gets `use_dpop_nonce` or `invalid_dpop_proof` again.
    ///
    /// ## Example
    /// The token endpoint sent `DPoP-Nonce: as-n-1`; the API call's proof carries `nonce:
    /// as-n-1` while the API's own nonce is `rs-n-7`.
    ///
    /// ## Fix
    /// Store nonces per server origin and update them from every `DPoP-Nonce` response header.
    ///
    /// ## References
    /// RFC 9449 §8.2, §9
    pub struct Dpop003 {
        code: "DPOP003",
        name: "stale-dpop-nonce",
        title: "wrong or stale dpop nonce",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "track DPoP nonces per server origin and update them from every `DPoP-Nonce` response header",
        references: ["RFC 9449 §8.2", "RFC 9449 §9"],
    }
}

impl Rule for Dpop003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let nonces: Vec<(&Exchange, &str)> = ex
            .iter()
            .filter_map(|x| dpop_nonce(x).map(|n| (x, n)))
            .collect();
        for p in proofs(ex) {
            let Some(sent) = p.claim_str("nonce") else {
                continue;
            };
            let e = &ex[p.exchange];
            if !relevant(e) {
                continue;
            }
            let o = origin(e);
            let earlier: Vec<(&Exchange, &str)> = nonces
                .iter()
                .take_while(|(x, _)| x.index < e.index)
                .copied()
                .collect();
            let latest_here = earlier.iter().rev().find(|(x, _)| origin(x) == o);
            if latest_here.is_some_and(|(_, n)| *n == sent) {
                continue;
            }
            let from_other = earlier
                .iter()
                .rev()
                .find(|(x, n)| *n == sent && origin(x) != o);
            let older_here = earlier.iter().find(|(x, n)| *n == sent && origin(x) == o);
            let why = if let Some((x, _)) = from_other {
                format!(
                    "it is the nonce `{}` sent in exchange {} (another server)",
                    origin(x),
                    x.number()
                )
            } else if let Some((x, _)) = older_here {
                format!(
                    "it is an older nonce from exchange {}; the server has rotated it since",
                    x.number()
                )
            } else if latest_here.is_some() {
                "the server never sent it".to_string()
            } else {
                continue; // no nonce from this origin in the capture: nothing to compare with
            };
            let latest = latest_here.map(|(_, n)| n.to_string());
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the DPoP proof sent to `{}` carries `nonce: {sent}` but {}: {why}",
                        e.request.endpoint(),
                        latest
                            .as_deref()
                            .map(|l| format!("`{o}` last sent `DPoP-Nonce: {l}`"))
                            .unwrap_or_else(|| format!("`{o}` never sent a nonce"))
                    ),
                )
                .strength(Strength::Recomputed)
                .text(e.index, "dpop.claims.nonce", sent)
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if let Some((x, n)) = latest_here {
                rep = rep.text(x.index, "response.headers.dpop-nonce", n.to_string());
            }
            if error_is(e, "use_dpop_nonce") || confirm_proof(e, &["nonce"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DPOP004
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Compares each proof's `htu` with the URL of the request that carried it, without query
    /// and fragment, after RFC 3986 normalisation (scheme and host case, default port), and
    /// names the difference: a query or fragment inside `htu`, `http` vs `https`, host, port,
    /// path or trailing slash. When `htu` matches but the server still complains about it, the
    /// server reconstructs another URL (a TLS-terminating proxy or a path-rewriting gateway).
    ///
    /// ## Why it fails
    /// The server checks that the proof was made for this very URL (RFC 9449 §4.3 step 9).
    /// Clients put the full URL with its query in `htu`, reuse a proof made for another
    /// endpoint, or sign the internal URL; servers behind proxies compare with the URL they
    /// see, not the public one. RFC 9449 §4.3 says the comparison ignores query and fragment
    /// without saying whether that applies to a query written *into* `htu`; §4.2 defines `htu`
    /// without them and most servers reject it, so a query in `htu` is reported.
    ///
    /// ## Example
    /// `GET https://api.example.com/v1/orders?status=open` with a proof whose `htu` is
    /// `https://api.example.com/v1/orders?status=open` → `401 invalid_dpop_proof`.
    ///
    /// ## Fix
    /// Set `htu` to the externally visible `scheme://host/path` of the request, without query
    /// or fragment; servers behind proxies must rebuild the public URL from forwarded headers.
    ///
    /// ## References
    /// RFC 9449 §4.2, §4.3; RFC 3986 §6
    pub struct Dpop004 {
        code: "DPOP004",
        name: "dpop-htu-mismatch",
        title: "htu does not match request uri",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "set `htu` to the externally visible `scheme://host/path` of the request without query or fragment",
        references: ["RFC 9449 §4.2", "RFC 9449 §4.3", "RFC 3986 §6"],
    }
}

/// How `htu` differs from the request URL; `None` when they match after normalisation.
fn htu_difference(htu: &str, req: &Exchange) -> Option<String> {
    let r = req.request.parsed.as_ref()?;
    let Ok(h) = url::Url::parse(htu) else {
        return Some(format!("`htu` `{htu}` is not an absolute URL"));
    };
    let mut parts = Vec::new();
    if h.query().is_some() {
        parts.push(format!(
            "it includes the query `?{}`",
            h.query().unwrap_or("")
        ));
    }
    if h.fragment().is_some() {
        parts.push("it includes a fragment".to_string());
    }
    if h.scheme() != r.scheme() {
        parts.push(format!("scheme `{}` vs `{}`", h.scheme(), r.scheme()));
    }
    if h.host_str() != r.host_str() {
        parts.push(format!(
            "host `{}` vs `{}`",
            h.host_str().unwrap_or(""),
            r.host_str().unwrap_or("")
        ));
    }
    if h.port_or_known_default() != r.port_or_known_default() {
        parts.push("port".to_string());
    }
    if h.path() != r.path() {
        if h.path().trim_end_matches('/') == r.path().trim_end_matches('/') {
            parts.push("only a trailing `/` differs in the path".to_string());
        } else if h.path().eq_ignore_ascii_case(r.path()) {
            parts.push("the path differs in letter case".to_string());
        } else {
            parts.push(format!("path `{}` vs `{}`", h.path(), r.path()));
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

impl Rule for Dpop004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for p in proofs(ex) {
            let Some(htu) = p.claim_str("htu") else {
                continue;
            };
            let e = &ex[p.exchange];
            if !relevant(e) {
                continue;
            }
            let endpoint = e.request.endpoint();
            let (message, strength) = match htu_difference(htu, e) {
                Some(diff) => (
                    format!(
                        "the DPoP proof's `htu` `{htu}` does not match the request URL `{endpoint}`: {diff}"
                    ),
                    Strength::Recomputed,
                ),
                None => {
                    // Matches, but the server says it does not: it sees another URL.
                    if !(is_failure(e) && failure_text(e).contains("htu")) {
                        continue;
                    }
                    (
                        format!(
                            "the DPoP proof's `htu` `{htu}` matches the request URL, yet the server rejects `htu`: it compares with the URL it sees behind a proxy or gateway (internal scheme, host or path)"
                        ),
                        Strength::Heuristic,
                    )
                }
            };
            let mut rep = cx
                .report(e.index, message)
                .strength(strength)
                .text(e.index, "dpop.claims.htu", htu)
                .text(e.index, "request.url", endpoint.clone())
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if confirm_proof(e, &["htu"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DPOP005
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Compares each proof's `htm` with the method of the request that carried it
    /// (case-sensitive, as HTTP methods are).
    ///
    /// ## Why it fails
    /// The server checks that the proof was made for this method (RFC 9449 §4.3 step 8). A
    /// proof cached from another call (`GET` proof reused for a `POST`), or a lower-case
    /// method, is rejected.
    ///
    /// ## Example
    /// `POST /token` with a proof whose `htm` is `GET` → `400 invalid_dpop_proof`.
    ///
    /// ## Fix
    /// Sign a fresh proof for every request with the exact method.
    ///
    /// ## References
    /// RFC 9449 §4.2, §4.3; RFC 9110 §9.1
    pub struct Dpop005 {
        code: "DPOP005",
        name: "dpop-htm-mismatch",
        title: "htm does not match method",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "sign a fresh proof per request with the exact HTTP method",
        references: ["RFC 9449 §4.2", "RFC 9449 §4.3", "RFC 9110 §9.1"],
    }
}

impl Rule for Dpop005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for p in proofs(ex) {
            let Some(htm) = p.claim_str("htm") else {
                continue;
            };
            let e = &ex[p.exchange];
            if htm == e.request.method || !relevant(e) {
                continue;
            }
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the DPoP proof's `htm` is `{htm}` but the request is a `{}`{}",
                        e.request.method,
                        if htm.eq_ignore_ascii_case(&e.request.method) {
                            " (methods are case-sensitive)"
                        } else {
                            ""
                        }
                    ),
                )
                .strength(Strength::Recomputed)
                .text(e.index, "dpop.claims.htm", htm)
                .text(e.index, "request.method", e.request.method.clone())
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if confirm_proof(e, &["htm", "method"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DPOP006
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Compares each proof's `iat` with the server's `Date` on the response to that request
    /// (the capture's time when there is none) and flags a difference larger than the leeway
    /// (`--leeway`, 60 s by default), or a proof without `iat`.
    ///
    /// ## Why it fails
    /// Servers accept proofs only within a short window around their own clock (RFC 9449 §4.3
    /// step 11, §11.1) to limit replay. A client clock that is off, or proofs created ahead of
    /// time and sent later, are rejected. The window is server-defined; the rule uses the
    /// leeway (`--leeway`) as its estimate.
    ///
    /// ## Example
    /// Server `Date: 10:00:00`, proof `iat` 09:54:30 → `401 invalid_dpop_proof` "iat too old".
    ///
    /// ## Fix
    /// Create each proof just before sending it; synchronise the client clock (NTP), or use
    /// the server's nonce so freshness does not depend on the client clock.
    ///
    /// ## References
    /// RFC 9449 §4.2, §4.3, §11.1
    pub struct Dpop006 {
        code: "DPOP006",
        name: "dpop-iat-window",
        title: "proof iat outside acceptance window",
        category: ClockSkew,
        severity: Error,
        kind: Diag,
        fix: "create proofs just before sending them and synchronise the client clock",
        references: ["RFC 9449 §4.2", "RFC 9449 §4.3", "RFC 9449 §11.1"],
    }
}

impl Rule for Dpop006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let leeway = cx.options.leeway;
        for p in proofs(ex) {
            let e = &ex[p.exchange];
            if p.jwt.is_none() || !relevant(e) {
                continue;
            }
            let Some(now) = cx.judged_at_secs(e) else {
                continue;
            };
            let iat = p.jwt.as_ref().and_then(|d| d.claim_time("iat"));
            let message = match iat {
                None => format!(
                    "the DPoP proof sent to `{}` has no `iat`",
                    e.request.endpoint()
                ),
                Some(iat) if iat.saturating_sub(now).saturating_abs() > leeway => format!(
                    "the DPoP proof sent to `{}` was issued {} {} the server's time (`iat` {iat}, server time {now}, leeway {leeway} s)",
                    e.request.endpoint(),
                    span(iat.saturating_sub(now)),
                    if iat > now { "after" } else { "before" }
                ),
                Some(_) => continue,
            };
            let mut rep = cx
                .report(e.index, message)
                .strength(if iat.is_some() {
                    Strength::Recomputed
                } else {
                    Strength::Direct
                })
                .text(
                    e.index,
                    "dpop.claims.iat",
                    iat.map(|i| i.to_string())
                        .unwrap_or_else(|| "(absent)".into()),
                )
                .text(
                    e.index,
                    "response.headers.date",
                    date_header(e).unwrap_or("(capture time)"),
                )
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if iat.is_none() {
                rep = rep.category(Category::Parameters);
            }
            if confirm_proof(e, &["iat", "clock", "too old", "future", "expired"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DPOP007
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a proof without `jti`, and a proof whose `jti` (or whole value) was already sent
    /// in an earlier request of the capture — typically a retry that re-sends the same proof.
    ///
    /// ## Why it fails
    /// Servers remember proof identifiers within the acceptance window and reject a second use
    /// (RFC 9449 §11.1): each HTTP request, including every retry, needs a new proof.
    ///
    /// ## Example
    /// `POST /token` → `503`; the client retries with the same `DPoP` header → `400
    /// invalid_dpop_proof` "DPoP proof replay detected".
    ///
    /// ## Fix
    /// Create a new proof with a fresh random `jti` for every request, retries included.
    ///
    /// ## References
    /// RFC 9449 §4.2, §4.3, §11.1
    pub struct Dpop007 {
        code: "DPOP007",
        name: "dpop-jti-replay",
        title: "proof jti missing or replayed",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "create a new proof with a fresh random `jti` for every request, retries included",
        references: ["RFC 9449 §4.2", "RFC 9449 §11.1"],
    }
}

impl Rule for Dpop007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let all = proofs(ex);
        // First proof of each value and of each jti.
        let mut first_raw: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::new();
        let mut first_jti: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::new();
        for (i, p) in all.iter().enumerate() {
            first_raw.entry(p.raw.as_str()).or_insert(i);
            if let Some(j) = p.claim_str("jti") {
                first_jti.entry(j).or_insert(i);
            }
        }
        for (i, p) in all.iter().enumerate() {
            let e = &ex[p.exchange];
            if p.jwt.is_none() || !relevant(e) {
                continue;
            }
            let jti = p.claim_str("jti");
            let message = match jti {
                None => format!(
                    "the DPoP proof sent to `{}` has no `jti`",
                    e.request.endpoint()
                ),
                Some(j) => {
                    let earliest = [first_raw.get(p.raw.as_str()), first_jti.get(j)]
                        .into_iter()
                        .flatten()
                        .copied()
                        .filter(|&k| k < i)
                        .min();
                    let Some(prev) = earliest.and_then(|k| all.get(k)) else {
                        continue;
                    };
                    format!(
                        "the DPoP proof sent to `{}` reuses {} of the proof sent in exchange {}",
                        e.request.endpoint(),
                        if prev.raw == p.raw {
                            "the whole value".to_string()
                        } else {
                            format!("`jti: {j}`")
                        },
                        prev.exchange + 1
                    )
                }
            };
            let mut rep = cx
                .report(e.index, message)
                .strength(if jti.is_some() {
                    Strength::Recomputed
                } else {
                    Strength::Direct
                })
                .text(e.index, "dpop.claims.jti", jti.unwrap_or("(absent)"))
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if confirm_proof(e, &["jti", "replay", "reuse", "already"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DPOP008
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks the DPoP header itself: exactly one `DPoP` header when one is needed (present
    /// whenever `Authorization: DPoP` is used), a decodable JWT, `typ: dpop+jwt`, an asymmetric
    /// `alg` (not `none`, not `HS*`), and a public `jwk` in the header (present, no private
    /// members).
    ///
    /// ## Why it fails
    /// Servers validate the proof's form before anything else (RFC 9449 §4.3 steps 1–7);
    /// generic JWT libraries produce `typ: JWT`, omit the `jwk`, or serialise the whole key pair
    /// into it.
    ///
    /// ## Example
    /// Proof header `{"typ":"JWT","alg":"ES256","jwk":{…}}` → `400 invalid_dpop_proof` "typ".
    ///
    /// ## Fix
    /// Send exactly one `DPoP` header with `typ: dpop+jwt`, an asymmetric algorithm, and the
    /// public key only in `jwk`.
    ///
    /// ## References
    /// RFC 9449 §4.2, §4.3, §7.1
    pub struct Dpop008 {
        code: "DPOP008",
        name: "dpop-proof-header",
        title: "proof header invalid",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "send exactly one `DPoP` header with `typ: dpop+jwt`, an asymmetric `alg` and only the public key in `jwk`",
        references: ["RFC 9449 §4.2", "RFC 9449 §4.3", "RFC 9449 §7.1"],
    }
}

impl Rule for Dpop008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            let count = e.request.headers.count("dpop");
            let uses_dpop_scheme = dpop_token(e).is_some();
            if count == 0 && !uses_dpop_scheme {
                continue;
            }
            if !relevant(e) {
                continue;
            }
            let mut problems: Vec<(String, Category)> = Vec::new();
            if count == 0 {
                problems.push((
                    "`Authorization: DPoP` is used but there is no `DPoP` proof header".into(),
                    Category::Parameters,
                ));
            } else if count > 1 {
                problems.push((
                    format!("{count} `DPoP` headers; exactly one is allowed"),
                    Category::Parameters,
                ));
            }
            let p = proof_of(e);
            if let Some(p) = &p {
                match &p.jwt {
                    None => problems.push((
                        "the `DPoP` header is not a decodable JWT".into(),
                        Category::Parameters,
                    )),
                    Some(d) => {
                        match d.typ() {
                            Some(t)
                                if t.eq_ignore_ascii_case("dpop+jwt")
                                    || t.eq_ignore_ascii_case("application/dpop+jwt") => {}
                            t => problems.push((
                                format!(
                                    "`typ` is {} instead of `dpop+jwt`",
                                    t.map(|t| format!("`{t}`"))
                                        .unwrap_or_else(|| "absent".into())
                                ),
                                Category::SignatureKey,
                            )),
                        }
                        match d.alg() {
                            None => problems.push(("`alg` is absent".into(), Category::SignatureKey)),
                            Some(a) if a.eq_ignore_ascii_case("none") => {
                                problems.push(("`alg` is `none` (unsigned)".into(), Category::SignatureKey))
                            }
                            Some(a) if a.starts_with("HS") => problems.push((
                                format!("`alg` is `{a}`, a symmetric algorithm (a proof needs an asymmetric key)"),
                                Category::SignatureKey,
                            )),
                            _ => {}
                        }
                        match d.header.get("jwk") {
                            None => problems
                                .push(("the header has no `jwk`".into(), Category::SignatureKey)),
                            Some(k) if !k.is_object() => problems.push((
                                "`jwk` is not a JSON object".into(),
                                Category::SignatureKey,
                            )),
                            Some(k) => {
                                let private = super::jwt::private_members(k);
                                if !private.is_empty() {
                                    problems.push((
                                        format!(
                                            "`jwk` carries private members {} (the private key was sent; replace the key)",
                                            private.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                                        ),
                                        Category::SignatureKey,
                                    ));
                                }
                            }
                        }
                    }
                }
            }
            if problems.is_empty() {
                continue;
            }
            let category = problems[0].1;
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the DPoP proof of `{} {}` is invalid: {}",
                        e.request.method,
                        e.request.endpoint(),
                        problems
                            .iter()
                            .map(|(s, _)| s.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                )
                .category(category)
                .strength(Strength::Direct)
                .text(
                    e.index,
                    "request.headers.dpop",
                    format!("{count} header(s)"),
                );
            if let Some(p) = &p {
                if let Some(d) = &p.jwt {
                    let mut h = d.header.clone();
                    if let Some(Value::Object(k)) = h.get_mut("jwk") {
                        k.retain(|n, _| matches!(n.as_str(), "kty" | "crv" | "kid" | "alg"));
                    }
                    rep = rep.text(e.index, "dpop.header", Value::Object(h).to_string());
                }
                rep = rep.secret(e.index, "request.headers.dpop", p.raw.clone());
            }
            if confirm_proof(e, &["typ", "jwk", "alg", "dpop"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DPOP009
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// For resource requests with `Authorization: DPoP <token>`, recomputes
    /// `base64url(SHA-256(token))` and compares it with the proof's `ath`; flags a missing
    /// `ath`, and says when `ath` is the hash of another token of the capture (an older token
    /// after a refresh).
    ///
    /// ## Why it fails
    /// At a resource server the proof must be bound to the access token it accompanies (RFC
    /// 9449 §4.2, §7.1); a missing or wrong `ath` is rejected with `invalid_dpop_proof`.
    ///
    /// ## Example
    /// A proof created before the token was refreshed still carries the old token's `ath` → `401
    /// WWW-Authenticate: DPoP error="invalid_dpop_proof"`.
    ///
    /// ## Fix
    /// Include `ath` computed over the exact access-token string sent in the same request.
    ///
    /// ## References
    /// RFC 9449 §4.2, §4.3, §7.1
    pub struct Dpop009 {
        code: "DPOP009",
        name: "dpop-ath-mismatch",
        title: "ath missing or wrong at the resource server",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "include `ath` = base64url(SHA-256(access token)) of the exact token sent",
        references: ["RFC 9449 §4.2", "RFC 9449 §7.1"],
    }
}

impl Rule for Dpop009 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            let Some(token) = dpop_token(e) else { continue };
            let Some(p) = proof_of(e) else { continue };
            if p.jwt.is_none() || !relevant(e) {
                continue;
            }
            let want = b64_sha256(token.as_bytes());
            let ath = p.claim_str("ath");
            let message = match ath {
                None => format!(
                    "the DPoP proof sent to `{}` with a DPoP-bound token has no `ath`",
                    e.request.endpoint()
                ),
                Some(a) if a == want => continue,
                Some(a) => {
                    let other = ex.iter().find_map(|x| {
                        let r = x.response.as_ref()?;
                        let t = r.field("access_token")?;
                        (t != token && b64_sha256(t.as_bytes()) == a).then_some(x.index)
                    });
                    // Common slips: hashing the whole header value, or hex instead of base64url.
                    let header = e.request.headers.get("authorization").unwrap_or("").trim();
                    let whole = [
                        header.to_string(),
                        format!("DPoP {token}"),
                        format!("Bearer {token}"),
                    ]
                    .iter()
                    .any(|v| b64_sha256(v.as_bytes()) == a);
                    let hex: String = sha2::Sha256::digest(token.as_bytes())
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect();
                    let std_b64 = base64::engine::general_purpose::STANDARD
                        .encode(sha2::Sha256::digest(token.as_bytes()));
                    match other {
                        Some(i) => format!(
                            "the DPoP proof's `ath` is the hash of the access token issued in exchange {}, not of the token sent to `{}`",
                            i + 1,
                            e.request.endpoint()
                        ),
                        None if whole => format!(
                            "the DPoP proof's `ath` was computed over the whole `Authorization` value (scheme included), not over the access token sent to `{}`",
                            e.request.endpoint()
                        ),
                        None if a.eq_ignore_ascii_case(&hex)
                            || a == std_b64
                            || a == std_b64.trim_end_matches('=') =>
                        {
                            format!(
                                "the DPoP proof's `ath` is the SHA-256 of the token in the wrong encoding ({}), base64url without padding is required",
                                if a.eq_ignore_ascii_case(&hex) {
                                    "hex"
                                } else {
                                    "standard base64"
                                }
                            )
                        }
                        None => format!(
                            "the DPoP proof's `ath` is not the SHA-256 of the access token sent to `{}`",
                            e.request.endpoint()
                        ),
                    }
                }
            };
            let mut rep = cx
                .report(e.index, message)
                .strength(if ath.is_some() {
                    Strength::Recomputed
                } else {
                    Strength::Direct
                })
                .text(e.index, "dpop.claims.ath", ath.unwrap_or("(absent)"))
                .text(e.index, "recomputed.ath", want)
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if confirm_proof(e, &["ath"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DPOP010
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a resource request that presents a DPoP-bound access token with the `Bearer`
    /// scheme: the token response that issued it said `token_type: DPoP`, or the token is a JWT
    /// with `cnf.jkt`.
    ///
    /// ## Why it fails
    /// A DPoP-bound token is only valid with `Authorization: DPoP <token>` and a proof (RFC 9449
    /// §7.1); resource servers reject it as a bearer token (§7.2), usually with
    /// `invalid_token`.
    ///
    /// ## Example
    /// Token response `"token_type":"DPoP"`; API call `Authorization: Bearer <token>` without a
    /// `DPoP` header → `401 WWW-Authenticate: DPoP error="invalid_token"`.
    ///
    /// ## Fix
    /// Send `Authorization: DPoP <token>` plus a fresh `DPoP` proof with `ath`; use the
    /// `token_type` the token response returns.
    ///
    /// ## References
    /// RFC 9449 §7.1, §7.2
    pub struct Dpop010 {
        code: "DPOP010",
        name: "dpop-token-as-bearer",
        title: "dpop-bound token sent with bearer scheme",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send `Authorization: DPoP <token>` with a fresh `DPoP` proof",
        references: ["RFC 9449 §7.1", "RFC 9449 §7.2"],
    }
}

impl Rule for Dpop010 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if !matches!(e.kind, Kind::Resource | Kind::Userinfo) || !relevant(e) {
                continue;
            }
            let Some((scheme, token)) = e.request.authorization() else {
                continue;
            };
            if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
                continue;
            }
            let issued = issuing_exchange(cx, "access_token", token).filter(|t| {
                t.response
                    .as_ref()
                    .and_then(|r| r.field("token_type"))
                    .is_some_and(|tt| tt.eq_ignore_ascii_case("dpop"))
            });
            let jkt = jose::decode(token).ok().and_then(|d| {
                d.claims
                    .get("cnf")
                    .and_then(|c| c.get("jkt"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
            let (why, strength) = match (issued, &jkt) {
                (Some(t), _) => (
                    format!("exchange {} issued it with `token_type: DPoP`", t.number()),
                    Strength::Recomputed,
                ),
                (None, Some(j)) => (
                    format!("it is bound to a key (`cnf.jkt: {j}`)"),
                    Strength::Direct,
                ),
                (None, None) => continue,
            };
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the access token sent to `{}` with `Authorization: Bearer` is DPoP-bound: {why}{}",
                        e.request.endpoint(),
                        if e.request.headers.contains("dpop") { "" } else { "; no `DPoP` proof was sent" }
                    ),
                )
                .strength(strength)
                .secret(e.index, "request.headers.authorization", token.to_string());
            if let Some(t) = issued {
                rep = rep.text(t.index, "response.body.token_type", "DPoP");
            }
            if is_failure(e) && (error_is(e, "invalid_token") || failure_text(e).contains("dpop")) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DPOP011
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Recomputes the RFC 7638 thumbprint of the proof's `jwk` and compares it with the key
    /// the token is bound to: `cnf.jkt` of a JWT access token or of an introspection response,
    /// the proof key of the token request that issued an opaque DPoP token, and — for a public
    /// client's refresh — the proof key of the request that obtained the refresh token.
    ///
    /// ## Why it fails
    /// A DPoP-bound token is usable only with the key it was bound to (RFC 9449 §6.1, §7.1). A
    /// client that regenerates its key pair (not persisted across restarts, one key per tab or
    /// worker) can no longer use its tokens, or refresh them.
    ///
    /// ## Example
    /// The token was issued for a proof with thumbprint `Nz…`; after an app restart the API call's
    /// proof has thumbprint `qL…` → `401 invalid_token`.
    ///
    /// ## Fix
    /// Persist the DPoP key pair for the lifetime of the tokens and the refresh token, and use
    /// the same key for every request with them.
    ///
    /// ## References
    /// RFC 9449 §5, §6.1, §7.1; RFC 7638 §3
    pub struct Dpop011 {
        code: "DPOP011",
        name: "dpop-key-binding-mismatch",
        title: "proof key differs from token binding",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "persist the DPoP key pair for the tokens' lifetime and prove possession with that same key",
        references: ["RFC 9449 §6.1", "RFC 9449 §7.1", "RFC 7638 §3"],
    }
}

/// The thumbprint of the first proof sent to exchange `i`, if any.
fn proof_thumbprint(e: &Exchange) -> Option<String> {
    proof_of(e)?.thumbprint()
}

impl Rule for Dpop011 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if !relevant(e) {
                continue;
            }
            let Some(p) = proof_of(e) else { continue };
            let Some(tp) = p.thumbprint() else { continue };
            // (expected thumbprint, where it comes from, evidence exchange, strength)
            let mut expected: Option<(String, String, usize, Strength)> = None;
            if let Some(token) = dpop_token(e) {
                if let Some(jkt) = jose::decode(token).ok().and_then(|d| {
                    d.claims
                        .get("cnf")
                        .and_then(|c| c.get("jkt"))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                }) {
                    expected = Some((
                        jkt,
                        "the token's `cnf.jkt`".into(),
                        e.index,
                        Strength::Recomputed,
                    ));
                } else if let Some(jkt) = ex.iter().find_map(|x| {
                    (x.kind == Kind::Introspection && x.request.form.get("token") == Some(token))
                        .then(|| {
                            x.response
                                .as_ref()?
                                .json
                                .as_ref()?
                                .get("cnf")?
                                .get("jkt")?
                                .as_str()
                                .map(|s| (s.to_string(), x.index))
                        })
                        .flatten()
                }) {
                    expected = Some((
                        jkt.0,
                        format!(
                            "`cnf.jkt` of the introspection response in exchange {}",
                            jkt.1 + 1
                        ),
                        jkt.1,
                        Strength::Recomputed,
                    ));
                } else if let Some(t) = issuing_exchange(cx, "access_token", token) {
                    if let Some(k) = proof_thumbprint(t) {
                        expected = Some((
                            k,
                            format!(
                                "the key of the proof that obtained the token in exchange {}",
                                t.number()
                            ),
                            t.index,
                            Strength::Recomputed,
                        ));
                    }
                }
            } else if e.kind == Kind::Token
                && e.request.form.get("grant_type") == Some("refresh_token")
            {
                let public = e.request.authorization().is_none()
                    && e.request.form.get("client_secret").is_none()
                    && e.request.form.get("client_assertion").is_none();
                if let (true, Some(rt)) = (public, e.request.form.get("refresh_token")) {
                    if let Some(t) = issuing_exchange(cx, "refresh_token", rt) {
                        if let Some(k) = proof_thumbprint(t) {
                            expected = Some((
                                k,
                                format!(
                                    "the key of the proof that obtained the refresh token in exchange {}",
                                    t.number()
                                ),
                                t.index,
                                Strength::Recomputed,
                            ));
                        }
                    }
                }
            }
            let Some((want, source, at, strength)) = expected else {
                continue;
            };
            if want == tp {
                continue;
            }
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the DPoP proof sent to `{}` is signed with a key whose thumbprint is `{tp}`, but the token is bound to `{want}` ({source}): the key pair was regenerated or not persisted",
                        e.request.endpoint()
                    ),
                )
                .strength(strength)
                .text(e.index, "dpop.header.jwk#thumbprint", tp.clone())
                .text(at, "binding.jkt", want.clone())
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if is_failure(e)
                && (error_is(e, "invalid_token")
                    || error_is(e, "invalid_dpop_proof")
                    || error_is(e, "invalid_grant")
                    || failure_text(e).contains("jkt")
                    || failure_text(e).contains("thumbprint"))
            {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DPOP012
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a token request that carried a DPoP proof but whose successful response says
    /// `token_type: Bearer`: the authorization server did not bind the token. When that token
    /// later fails at a resource server, the finding explains that failure.
    ///
    /// ## Why it fails
    /// A server that does not support or has not enabled DPoP for the client ignores the proof
    /// (RFC 9449 §5, §5.1). A client that assumes binding then sends `Authorization: DPoP` with
    /// a bearer token, or the resource server expects a bound token and gets none. When a
    /// later call with that token fails, the finding explains it and is an error (the
    /// catalogue's warning covers the unbound token alone); the root cause is then the client
    /// ignoring the returned `token_type`, hence the `parameters` category.
    ///
    /// ## Example
    /// `POST /token` with a `DPoP` header → `200 {"token_type":"Bearer",…}`.
    ///
    /// ## Fix
    /// Use the `token_type` the response returns; enable DPoP for the client (or the whole
    /// server) when sender-constrained tokens are required.
    ///
    /// ## References
    /// RFC 9449 §5, §5.1
    pub struct Dpop012 {
        code: "DPOP012",
        name: "dpop-not-bound",
        title: "authorization server issued bearer although dpop was sent",
        category: Parameters,
        severity: Warning,
        kind: Diag,
        fix: "use the `token_type` actually returned; enable DPoP for the client when bound tokens are required",
        references: ["RFC 9449 §5", "RFC 9449 §5.1"],
    }
}

impl Rule for Dpop012 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if e.kind != Kind::Token || !e.request.headers.contains("dpop") {
                continue;
            }
            let Some(r) = &e.response else { continue };
            if !r.is_success() {
                continue;
            }
            let Some(tt) = r.field("token_type") else {
                continue;
            };
            if !tt.eq_ignore_ascii_case("bearer") {
                continue;
            }
            let at = r.field("access_token");
            let later = at.and_then(|t| {
                ex[e.index + 1..].iter().find(|x| {
                    x.request.authorization().is_some_and(|(_, c)| c == t) && is_failure(x)
                })
            });
            let anchor = later.map(|x| x.index).unwrap_or(e.index);
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the token request to `{}` sent a DPoP proof but the server returned `token_type: {tt}`: the token is not bound{}",
                        e.request.endpoint(),
                        later
                            .map(|x| format!(
                                "; exchange {} then presented it {}",
                                x.number(),
                                x.request.authorization().map(|(s, _)| format!("with the `{s}` scheme")).unwrap_or_default()
                            ))
                            .unwrap_or_default()
                    ),
                )
                .strength(Strength::Direct)
                .text(e.index, "response.body.token_type", tt);
            if let Some(t) = at {
                rep = rep.secret(e.index, "response.body.access_token", t.to_string());
            }
            if let Some(x) = later {
                // The unbound token broke a later call: an error, confirmed when the resource
                // server names the binding.
                rep = rep.severity(Severity::Error);
                let t = failure_text(x);
                if error_is(x, "invalid_token") || t.contains("dpop") || t.contains("bound") {
                    rep = rep.confirmed();
                }
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DPOP013
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// When the authorization request (or its pushed request) carried `dpop_jkt`, recomputes
    /// the thumbprint of the proof key of the token request that redeems the code, and flags a
    /// difference.
    ///
    /// ## Why it fails
    /// `dpop_jkt` binds the authorization code to a DPoP key (RFC 9449 §10); the server refuses
    /// to redeem the code with another key (`invalid_grant`). Clients that create the key
    /// after the redirect, or per page load, do not match.
    ///
    /// ## Example
    /// Authorization request `dpop_jkt=Nz…`; token request proof key thumbprint `qL…` → `400
    /// invalid_grant`.
    ///
    /// ## Fix
    /// Create the DPoP key before the authorization request, persist it across the redirect,
    /// and use it for the code redemption.
    ///
    /// ## References
    /// RFC 9449 §10, §10.1; RFC 7638 §3
    pub struct Dpop013 {
        code: "DPOP013",
        name: "dpop-jkt-mismatch",
        title: "dpop_jkt does not match proof key",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "create the DPoP key before the authorization request, keep it across the redirect and redeem the code with it",
        references: ["RFC 9449 §10", "RFC 9449 §10.1", "RFC 7638 §3"],
    }
}

impl Rule for Dpop013 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if e.kind != Kind::Token || e.request.form.get("code").is_none() || !relevant(e) {
                continue;
            }
            let Some(az) = cx.index.authorize_for_token(ex, e) else {
                continue;
            };
            let mut source = (az.index, "request.query.dpop_jkt");
            let mut jkt = az.request.query.get("dpop_jkt").map(str::to_string);
            if jkt.is_none() {
                if let Some(ru) = az.request.query.get("request_uri") {
                    if let Some(par) = ex.iter().find(|x| {
                        x.kind == Kind::Par
                            && x.response.as_ref().and_then(|r| r.field("request_uri")) == Some(ru)
                    }) {
                        jkt = par.request.form.get("dpop_jkt").map(str::to_string);
                        source = (par.index, "request.body.dpop_jkt");
                    }
                }
            }
            let Some(jkt) = jkt else { continue };
            let p = proof_of(e);
            let tp = p.as_ref().and_then(Proof::thumbprint);
            if tp.as_deref() == Some(jkt.as_str()) {
                continue;
            }
            let message = match &tp {
                Some(tp) => format!(
                    "the authorization request (exchange {}) bound the code to `dpop_jkt: {jkt}` but the token request's proof key has the thumbprint `{tp}`",
                    source.0 + 1
                ),
                None if p.is_none() => format!(
                    "the authorization request (exchange {}) bound the code to `dpop_jkt: {jkt}` but the token request sent no DPoP proof",
                    source.0 + 1
                ),
                None => continue,
            };
            let mut rep = cx
                .report(e.index, message)
                .strength(Strength::Recomputed)
                .text(source.0, source.1, jkt.clone());
            if let Some(tp) = &tp {
                rep = rep.text(e.index, "dpop.header.jwk#thumbprint", tp.clone());
            }
            if let Some(p) = &p {
                rep = rep.secret(e.index, "request.headers.dpop", p.raw.clone());
            }
            rep.emit();
        }
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
