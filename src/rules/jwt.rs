//! JWT: token format, signature and claims of the JWTs a capture carries — access tokens presented
//! to resource servers, ID tokens received by clients, client assertions, DPoP proofs — checked
//! against the capture's own discovery document, key sets and clock (RULES.md §1.6). Tokens are
//! decoded by hand (`oauth::jwt`), never verified; the rules never print a token, only its
//! fingerprint and its decoded header and claims.

use super::common::{date_header, str_list, trim_slash};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Severity, Strength};
use crate::model::{Exchange, Kind};
use crate::oauth::errors::error_code;
use crate::oauth::jwt::{self as jose, DecodedJwt};
use serde_json::{Map, Value};

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Jwt001, &Jwt002, &Jwt003, &Jwt004, &Jwt005, &Jwt006, &Jwt007, &Jwt008, &Jwt009, &Jwt010,
    &Jwt011, &Jwt012, &Jwt013, &Jwt014, &Jwt015,
];

// ------------------------------------------------------------------------------------------
// Where tokens are in a capture
// ------------------------------------------------------------------------------------------

/// What a token value is used as where it was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Access,
    Id,
    Refresh,
    ClientAssertion,
    GrantAssertion,
    Subject,
    Actor,
    Proof,
    RequestObject,
    Introspected,
}

impl Role {
    pub(super) fn name(self) -> &'static str {
        match self {
            Role::Access => "access token",
            Role::Id => "ID token",
            Role::Refresh => "refresh token",
            Role::ClientAssertion => "client assertion",
            Role::GrantAssertion => "JWT bearer assertion",
            Role::Subject => "subject token",
            Role::Actor => "actor token",
            Role::Proof => "DPoP proof",
            Role::RequestObject => "request object",
            Role::Introspected => "introspected token",
        }
    }
}

/// One place a token value occurs.
#[derive(Debug, Clone)]
pub(super) struct Seen<'a> {
    pub exchange: usize,
    /// Evidence location, e.g. `request.headers.authorization`.
    pub at: String,
    pub role: Role,
    pub value: &'a str,
    /// Sent by a client to a server (as opposed to received in a response).
    pub presented: bool,
}

/// Every token-like value of the capture, in exchange order.
pub(super) fn seen_tokens<'a>(ex: &'a [Exchange]) -> Vec<Seen<'a>> {
    let mut out = Vec::new();
    let mut push = |exchange: usize, at: &str, role: Role, value: &'a str, presented: bool| {
        let v = value.trim();
        if !v.is_empty() {
            out.push(Seen {
                exchange,
                at: at.to_string(),
                role,
                value: v,
                presented,
            });
        }
    };
    for e in ex {
        let r = &e.request;
        if matches!(e.kind, Kind::Resource | Kind::Userinfo) {
            if let Some((scheme, cred)) = r.authorization() {
                if (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("dpop"))
                    && !cred.is_empty()
                {
                    push(
                        e.index,
                        "request.headers.authorization",
                        Role::Access,
                        cred,
                        true,
                    );
                }
            } else if let Some(t) = r.query.get("access_token") {
                push(e.index, "request.query.access_token", Role::Access, t, true);
            }
        }
        for (name, role) in [
            ("client_assertion", Role::ClientAssertion),
            ("assertion", Role::GrantAssertion),
            ("subject_token", Role::Subject),
            ("actor_token", Role::Actor),
        ] {
            if let Some(v) = r.form.get(name) {
                push(e.index, &format!("request.body.{name}"), role, v, true);
            }
        }
        if e.kind == Kind::Introspection {
            if let Some(v) = r.form.get("token") {
                push(e.index, "request.body.token", Role::Introspected, v, true);
            }
        }
        if e.kind == Kind::Token {
            if let Some(v) = r.form.get("refresh_token") {
                push(
                    e.index,
                    "request.body.refresh_token",
                    Role::Refresh,
                    v,
                    true,
                );
            }
        }
        if matches!(e.kind, Kind::Authorize | Kind::Par) {
            // `param("request")`, borrowed: a request object is a string.
            let request = r
                .form
                .get("request")
                .or_else(|| {
                    r.json
                        .as_ref()
                        .and_then(|j| j.get("request"))
                        .and_then(Value::as_str)
                })
                .or_else(|| r.query.get("request"));
            if let Some(v) = request {
                push(
                    e.index,
                    "request.query.request",
                    Role::RequestObject,
                    v,
                    true,
                );
            }
        }
        for v in r.headers.get_all("dpop") {
            push(e.index, "request.headers.dpop", Role::Proof, v, true);
        }
        if let Some(resp) = &e.response {
            if e.kind == Kind::Token && resp.is_success() {
                for (f, role) in [
                    ("access_token", Role::Access),
                    ("id_token", Role::Id),
                    ("refresh_token", Role::Refresh),
                ] {
                    if let Some(v) = resp.field(f) {
                        push(e.index, &format!("response.body.{f}"), role, v, false);
                    }
                }
            }
        }
    }
    // Front-channel tokens (implicit / hybrid responses).
    // Kept separate so that `push`'s borrow ends first.
    out
}

/// Front-channel ID tokens and access tokens in authorization responses: (exchange, at, role, value).
fn front_channel_tokens<'a>(cx: &Context<'a>) -> Vec<Seen<'a>> {
    let mut out = Vec::new();
    for a in &cx.index.authz_responses {
        for (f, role) in [("id_token", Role::Id), ("access_token", Role::Access)] {
            if let Some(v) = a.params.get(f).filter(|v| !v.is_empty()) {
                out.push(Seen {
                    exchange: a.exchange,
                    at: a.at(f),
                    role,
                    value: v,
                    presented: false,
                });
            }
        }
    }
    out
}

/// All occurrences of one token value.
pub(super) struct Group<'a> {
    pub value: &'a str,
    pub occ: Vec<Seen<'a>>,
    jwt: std::sync::OnceLock<Option<DecodedJwt>>,
}

impl Group<'_> {
    /// The token decoded as a JWT, once for all rules.
    pub(super) fn decoded(&self) -> Option<&DecodedJwt> {
        self.jwt.get_or_init(|| decoded(self.value)).as_ref()
    }
    /// The role the token was issued or created as (an ID token stays an ID token when it is
    /// presented to an API as a bearer token).
    pub(super) fn role(&self) -> Role {
        if self.occ.iter().any(|s| s.role == Role::Id) {
            return Role::Id;
        }
        self.occ[0].role
    }
    pub(super) fn presentations(&self) -> impl Iterator<Item = &Seen<'_>> {
        self.occ.iter().filter(|s| s.presented)
    }
    pub(super) fn first(&self) -> &Seen<'_> {
        &self.occ[0]
    }
}

/// Token occurrences grouped by value, in order of first appearance.
pub(super) fn token_groups<'a>(cx: &Context<'a>) -> std::sync::Arc<Vec<Group<'a>>> {
    cx.memo
        .token_groups
        .get_or_init(|| std::sync::Arc::new(build_token_groups(cx)))
        .clone()
}

fn build_token_groups<'a>(cx: &Context<'a>) -> Vec<Group<'a>> {
    let mut all = seen_tokens(cx.exchanges);
    all.extend(front_channel_tokens(cx));
    all.sort_by_key(|s| s.exchange);
    let mut groups: Vec<Group<'a>> = Vec::new();
    let mut by_value: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for s in all {
        match by_value.get(&s.value) {
            Some(&i) => groups[i].occ.push(s),
            None => {
                by_value.insert(s.value, groups.len());
                groups.push(Group {
                    value: s.value,
                    occ: vec![s],
                    jwt: std::sync::OnceLock::new(),
                });
            }
        }
    }
    groups
}

/// What became of the token where it was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// The exchange that used it failed.
    Failed,
    /// Every use in the capture succeeded: the token was accepted.
    Accepted,
    /// No use of it is in the capture.
    Unknown,
}

/// The client's callback request that delivered the code a token request redeems.
pub(super) fn callback_of<'a>(cx: &Context<'a>, token_ex: &Exchange) -> Option<&'a Exchange> {
    let code = token_ex.request.form.get("code")?;
    cx.index
        .authz_responses_with_code(code)
        .filter(|a| !a.via_location)
        .filter_map(|a| cx.exchanges.get(a.exchange))
        .find(|e| e.kind == Kind::Callback)
}

/// The callback request that consumed an authorization response read from a `Location` header.
fn callback_of_authz(cx: &Context<'_>, exchange: usize) -> Option<usize> {
    let a = cx
        .index
        .authz_responses
        .iter()
        .find(|a| a.exchange == exchange && a.via_location)?;
    let state = a.params.get("state");
    let code = a.params.get("code");
    cx.index
        .authz_responses
        .iter()
        .find(|b| {
            !b.via_location
                && b.exchange > exchange
                && ((state.is_some() && b.params.get("state") == state)
                    || (code.is_some() && b.params.get("code") == code))
        })
        .map(|b| b.exchange)
}

/// Where a finding about this token belongs: the first failing exchange that used it (an API
/// call, or the callback whose handling consumed the token response), else its first use, else
/// where it was seen first.
pub(super) fn anchor_of(cx: &Context<'_>, g: &Group) -> (usize, Outcome) {
    let ex = cx.exchanges;
    let mut uses: Vec<usize> = g.presentations().map(|s| s.exchange).collect();
    for s in g.occ.iter().filter(|s| !s.presented) {
        if let Some(e) = ex.get(s.exchange) {
            if e.kind == Kind::Token {
                if let Some(cb) = callback_of(cx, e) {
                    uses.push(cb.index);
                }
            } else if let Some(cb) = callback_of_authz(cx, s.exchange) {
                uses.push(cb);
            } else if e.kind == Kind::Callback {
                uses.push(e.index);
            }
        }
    }
    uses.sort_unstable();
    uses.dedup();
    if let Some(&i) = uses.iter().find(|&&i| ex.get(i).is_some_and(is_failure)) {
        return (i, Outcome::Failed);
    }
    if let Some(&i) = uses.first() {
        // Responses absent from the capture say nothing about acceptance.
        if uses
            .iter()
            .any(|&i| ex.get(i).is_some_and(|e| e.response.is_some()))
        {
            return (i, Outcome::Accepted);
        }
        return (i, Outcome::Unknown);
    }
    (g.first().exchange, Outcome::Unknown)
}

/// An exchange that failed (a callback answered with an error page counts).
pub(super) fn is_failure(e: &Exchange) -> bool {
    e.failed()
}

/// Lower-cased text in which a server or client explains a failure: error code and description,
/// `WWW-Authenticate`, and the start of the body.
pub(super) fn failure_text(e: &Exchange) -> String {
    let mut s = String::new();
    if let Some(err) = error_code(e) {
        s.push_str(&err.code);
        s.push(' ');
        if let Some(d) = err.description {
            s.push_str(&d);
            s.push(' ');
        }
    }
    if let Some(r) = &e.response {
        for h in r.headers.get_all("www-authenticate") {
            s.push_str(h);
            s.push(' ');
        }
        if let Some(b) = &r.body {
            let mut end = b.len().min(8192);
            while !b.is_char_boundary(end) {
                end -= 1;
            }
            s.push_str(&b[..end]);
        }
    }
    s.to_ascii_lowercase()
}

/// True when the exchange's error code is one of `codes` or its text mentions one of `words`.
pub(super) fn server_says(e: &Exchange, codes: &[&str], words: &[&str]) -> bool {
    if error_code(e).is_some_and(|er| codes.iter().any(|c| er.code.eq_ignore_ascii_case(c))) {
        return true;
    }
    let t = failure_text(e);
    words.iter().any(|w| t.contains(w))
}

/// The HTTP error code the anchor carries, if any (for messages).
fn answered(e: &Exchange) -> String {
    match (error_code(e), e.status()) {
        (Some(er), Some(s)) => format!("{s} `{}`", er.code),
        (None, Some(s)) => s.to_string(),
        (Some(er), None) => format!("`{}`", er.code),
        (None, None) => "no response".to_string(),
    }
}

fn decoded(v: &str) -> Option<DecodedJwt> {
    if !jose::looks_like_jwt(v.trim().trim_matches('"')) {
        return None;
    }
    jose::decode(v).ok()
}

fn is_asymmetric(alg: &str) -> bool {
    ["RS", "PS", "ES"].iter().any(|p| alg.starts_with(p)) || alg == "EdDSA" || alg == "Ed25519"
}

/// The discovery document whose endpoint `field` is the URL of exchange `e`.
pub(super) fn metadata_for<'a>(
    cx: &Context<'a>,
    field: &str,
    e: &Exchange,
) -> Option<&'a Map<String, Value>> {
    let ep = e.request.endpoint();
    cx.index
        .metadata
        .iter()
        .filter_map(|(_, d)| d.as_object())
        .find(|d| {
            d.get(field)
                .and_then(Value::as_str)
                .is_some_and(|u| trim_slash(u).eq_ignore_ascii_case(trim_slash(&ep)))
        })
}

/// A key set captured from a JWKS endpoint.
pub(super) struct KeySet<'a> {
    pub exchange: usize,
    pub url: String,
    pub keys: &'a [Value],
}

impl KeySet<'_> {
    fn kids(&self) -> Vec<&str> {
        self.keys
            .iter()
            .filter_map(|k| k.get("kid").and_then(Value::as_str))
            .collect()
    }
}

/// Every successfully fetched key set, in capture order.
pub(super) fn key_sets<'a>(cx: &Context<'a>) -> Vec<KeySet<'a>> {
    // Classified as JWKS, or a JWK Set body under another URL (IdentityServer serves its keys
    // under `/.well-known/openid-configuration/jwks`).
    cx.exchanges
        .iter()
        .filter_map(|e| {
            let r = e.response.as_ref()?;
            if !r.is_success() {
                return None;
            }
            let j = r.json.as_ref()?;
            let keys = j.get("keys")?.as_array()?;
            let jwk_set = j.get("issuer").is_none()
                && !keys.is_empty()
                && keys.iter().all(|k| k.get("kty").is_some());
            if e.kind != Kind::Jwks && !jwk_set {
                return None;
            }
            Some(KeySet {
                exchange: e.index,
                url: e.request.endpoint(),
                keys: keys.as_slice(),
            })
        })
        .collect()
}

/// The latest key set of the issuer `iss`: the one at the `jwks_uri` of the issuer's discovery
/// document, else the latest one on the issuer's host.
pub(super) fn key_set_for<'s, 'a>(
    cx: &Context<'a>,
    sets: &'s [KeySet<'a>],
    iss: &str,
) -> Option<&'s KeySet<'a>> {
    let by_md = cx
        .index
        .metadata
        .iter()
        .filter_map(|(_, d)| d.as_object())
        .filter(|d| {
            d.get("issuer")
                .and_then(Value::as_str)
                .is_some_and(|i| trim_slash(i) == trim_slash(iss))
        })
        .filter_map(|d| d.get("jwks_uri").and_then(Value::as_str))
        .collect::<Vec<_>>();
    let mut found: Option<&'s KeySet<'a>> = None;
    for s in sets {
        let matches_md = by_md
            .iter()
            .any(|u| trim_slash(u).eq_ignore_ascii_case(trim_slash(&s.url)));
        let same_host =
            by_md.is_empty() && host_of(&s.url).is_some() && host_of(&s.url) == host_of(iss);
        if matches_md || same_host {
            found = Some(s);
        }
    }
    found
}

pub(super) fn host_of(u: &str) -> Option<String> {
    url::Url::parse(u)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.to_ascii_lowercase()))
}

/// The client id a token response was meant for: the authorization request's `client_id`, else
/// the token request's client identity.
fn client_of_token_exchange(cx: &Context<'_>, t: &Exchange) -> Option<String> {
    if t.request.form.get("code").is_some() {
        if let Some(az) = cx.index.authorize_for_token(cx.exchanges, t) {
            if let Some(c) = az.request.param("client_id") {
                return Some(c);
            }
        }
    }
    crate::model::flow::token_client_id(t)
}

/// The authorization request that a code-redeeming token request belongs to, only when linked by
/// the code itself (not by guessing from the client id).
fn authorize_of_code<'a>(cx: &Context<'a>, t: &Exchange) -> Option<&'a Exchange> {
    let code = t.request.form.get("code")?;
    cx.index.authz_response_for_code(code)?;
    cx.index.authorize_for_token(cx.exchanges, t)
}

/// ID tokens received from the token endpoint: (token exchange, id_token value, decoded).
fn received_id_tokens<'a>(cx: &Context<'a>) -> Vec<(&'a Exchange, String, DecodedJwt)> {
    let mut out = Vec::new();
    for e in cx.exchanges {
        if e.kind != Kind::Token {
            continue;
        }
        let Some(r) = &e.response else { continue };
        if !r.is_success() {
            continue;
        }
        let Some(v) = r.field("id_token") else {
            continue;
        };
        // An ID token re-sent unchanged on refresh is not a new login.
        if cx.index.issued_by(v).is_some_and(|i| i != e.index) {
            continue;
        }
        if let Some(d) = decoded(v) {
            out.push((e, v.to_string(), d));
        }
    }
    out
}

/// Where a finding about a token response's ID token belongs and whether the client failed.
fn id_token_anchor(cx: &Context<'_>, t: &Exchange) -> (usize, Outcome) {
    match callback_of(cx, t) {
        Some(cb) if is_failure(cb) => (cb.index, Outcome::Failed),
        Some(cb) if cb.response.is_some() => (t.index, Outcome::Accepted),
        _ => (t.index, Outcome::Unknown),
    }
}

fn claims_text(d: &DecodedJwt, names: &[&str]) -> String {
    let mut m = Map::new();
    for n in names {
        if let Some(v) = d.claims.get(*n) {
            m.insert((*n).to_string(), v.clone());
        }
    }
    Value::Object(m).to_string()
}

fn header_text(d: &DecodedJwt) -> String {
    let mut m = d.header.clone();
    // A header `jwk` may carry private members; show only its shape.
    if let Some(Value::Object(k)) = m.get_mut("jwk") {
        k.retain(|name, _| matches!(name.as_str(), "kty" | "crv" | "kid" | "alg" | "use"));
    }
    Value::Object(m).to_string()
}

// ------------------------------------------------------------------------------------------
// JWT001
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags any JWT in the capture — access token, ID token, client assertion, JWT bearer
    /// assertion, DPoP proof, request object — whose header says `alg: none` or whose signature
    /// segment is empty.
    ///
    /// ## Why it fails
    /// An unsigned JWT proves nothing: anyone can write one. Resource servers and clients that
    /// pin their algorithms reject it (`401 invalid_token`, `invalid_client` for assertions); the
    /// ones that accept it can be fooled by a forged token. Usually the issuer's signing is
    /// switched off (a test setting) or a library was asked to "decode" rather than sign.
    ///
    /// ## Example
    /// `Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.` → `401 WWW-Authenticate:
    /// Bearer error="invalid_token", error_description="Signed JWT rejected: Another algorithm expected"`.
    ///
    /// ## Fix
    /// Sign every token with an allow-listed asymmetric algorithm (RS256, ES256, PS256, EdDSA);
    /// configure validators with an explicit algorithm list that never contains `none`.
    ///
    /// ## References
    /// RFC 7518 §3.6; RFC 8725 §2.1, §3.1; RFC 9068 §4
    pub struct Jwt001 {
        code: "JWT001",
        name: "unsigned-jwt",
        title: "unsigned jwt (alg none)",
        category: SignatureKey,
        severity: Error,
        kind: Both,
        fix: "sign tokens with an allow-listed algorithm and never accept `alg: none`",
        references: ["RFC 7518 §3.6", "RFC 8725 §2.1", "RFC 8725 §3.1", "RFC 9068 §4"],
    }
}

impl Rule for Jwt001 {
    fn check(&self, cx: &mut Context<'_>) {
        for g in token_groups(cx).iter() {
            let Some(d) = g.decoded() else { continue };
            let alg = d.alg().unwrap_or("");
            let none = alg.eq_ignore_ascii_case("none");
            if !none && d.signature_len > 0 {
                continue;
            }
            let (anchor, _) = anchor_of(cx, g);
            let Some(a) = cx.exchanges.get(anchor) else {
                continue;
            };
            let what = if none {
                "`alg: none`".to_string()
            } else {
                format!("`alg: {alg}` but an empty signature segment (signature stripped)")
            };
            let first = g.first();
            let message = format!(
                "the {} {} is unsigned: {what}{}",
                g.role().name(),
                if first.presented {
                    format!(
                        "sent to `{}`",
                        cx.exchanges[first.exchange].request.endpoint()
                    )
                } else {
                    format!(
                        "issued by `{}`",
                        cx.exchanges[first.exchange].request.endpoint()
                    )
                },
                if is_failure(a) && a.index != first.exchange {
                    format!("; exchange {} failed with {}", a.number(), answered(a))
                } else {
                    String::new()
                }
            );
            let confirmed = is_failure(a)
                && server_says(
                    a,
                    &["invalid_token", "invalid_client"],
                    &["alg", "unsigned", "signature", "none"],
                );
            let mut rep = cx
                .report(anchor, message)
                .strength(Strength::Direct)
                .text(first.exchange, "jwt.header", header_text(d))
                .secret(first.exchange, first.at.clone(), g.value);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT002
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Compares the `kid` in the header of every asymmetrically signed access token and ID token
    /// with the key ids of the latest key set (JWKS) captured for the token's issuer — the one at
    /// the `jwks_uri` of the issuer's discovery document, else the latest key set on the issuer's
    /// host.
    ///
    /// ## Why it fails
    /// A validator looks the signing key up by `kid`. When the issuer rotated its keys after the
    /// validator cached the key set, the new `kid` is unknown and every new token is rejected
    /// until the cache expires. It also happens when the validator reads the key set of another
    /// issuer (another tenant, staging instead of production). "Latest" is the last key set of
    /// the whole capture: a validator that refetches on the unknown `kid` and then accepts the
    /// token is healthy, and the rule stays quiet.
    ///
    /// ## Example
    /// The API fetched `https://idp.example.com/oauth2/jwks` at start-up (only `kid: idp-2026-08`);
    /// three hours later it receives a token with `kid: idp-2026-11` and answers `401
    /// invalid_token` "Unable to find a signing key that matches 'idp-2026-11'".
    ///
    /// ## Fix
    /// Refetch the key set when a token names an unknown `kid` (rate-limited), and check that the
    /// `jwks_uri` belongs to the token's issuer. In live mode, a `kid` that is found but whose
    /// signature fails means the token was altered or validated against another issuer's keys.
    ///
    /// ## References
    /// RFC 7515 §4.1.4; RFC 7517 §4.5, §5; OIDC Core §10.1.1
    pub struct Jwt002 {
        code: "JWT002",
        name: "unknown-signing-key",
        title: "signing key not found (kid not in jwks)",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "refetch the JWKS on an unknown `kid` (rate-limited) and make sure the `jwks_uri` is the token issuer's",
        references: ["RFC 7515 §4.1.4", "RFC 7517 §4.5", "RFC 7517 §5", "OIDC Core §10.1.1"],
    }
}

impl Rule for Jwt002 {
    fn check(&self, cx: &mut Context<'_>) {
        let sets = key_sets(cx);
        if sets.is_empty() {
            return;
        }
        // Thousands of tokens come from a handful of issuers.
        let mut set_of: std::collections::HashMap<String, Option<usize>> =
            std::collections::HashMap::new();
        for g in token_groups(cx).iter() {
            if !matches!(g.role(), Role::Access | Role::Id) {
                continue;
            }
            let Some(d) = g.decoded() else { continue };
            let (Some(kid), Some(alg), Some(iss)) = (d.kid(), d.alg(), d.claim_str("iss")) else {
                continue;
            };
            if !is_asymmetric(alg) {
                continue;
            }
            let found = *set_of.entry(iss.to_string()).or_insert_with(|| {
                key_set_for(cx, &sets, iss)
                    .and_then(|s| sets.iter().position(|x| x.exchange == s.exchange))
            });
            let Some(set) = found.map(|i| &sets[i]) else {
                continue;
            };
            let kids = set.kids();
            if kids.is_empty() || kids.contains(&kid) {
                continue;
            }
            let (anchor, outcome) = anchor_of(cx, g);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let earlier: Vec<usize> = sets
                .iter()
                .filter(|s| s.exchange != set.exchange && s.kids().contains(&kid))
                .map(|s| s.exchange + 1)
                .collect();
            let first = g.first();
            let message = format!(
                "the {} names `kid: {kid}` but the latest key set of `{iss}` (exchange {}, `{}`) holds only {}{}",
                g.role().name(),
                set.exchange + 1,
                set.url,
                kids.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if !earlier.is_empty() {
                    " (the key was in an earlier key set: removed too early)".to_string()
                } else if set.exchange < first.exchange {
                    "; the key set was fetched before the issuer rotated keys and was not refetched"
                        .to_string()
                } else {
                    String::new()
                }
            );
            let confirmed = is_failure(a)
                && server_says(
                    a,
                    &["invalid_token"],
                    &["kid", "signing key", "no matching key", "key not found"],
                );
            let mut rep = cx
                .report(anchor, message)
                .strength(Strength::Recomputed)
                .text(first.exchange, "jwt.header.kid", kid)
                .text(set.exchange, "response.body.keys[].kid", kids.join(", "))
                .secret(first.exchange, first.at.clone(), g.value);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT003
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Compares the `iss` claim of access tokens presented to resource servers and of ID tokens
    /// received by clients with the `issuer` of the capture's discovery documents, string for
    /// string, and names the difference: trailing slash, scheme, letter case, port, an internal
    /// host name instead of the public one, or the v1 and v2 issuer forms of the same Entra
    /// tenant.
    ///
    /// ## Why it fails
    /// Validators compare `iss` with the configured issuer exactly. Authorization servers stamp
    /// the issuer from the URL they were called on (Keycloak behind a proxy without its
    /// hostname set), or by token version (Entra v1 tokens carry `https://sts.windows.net/{tid}/`
    /// even when the API reads the v2.0 metadata).
    ///
    /// ## Example
    /// Metadata `issuer: https://login.example.org/realms/acme`; token
    /// `iss: https://keycloak.auth.svc.cluster.local:8443/realms/acme` → `401 invalid_token`
    /// "The iss claim is not valid".
    ///
    /// ## Fix
    /// Configure the validator with the exact issuer the authorization server puts in its
    /// tokens, obtain tokens through the public URL, or fix the server's public URL (hostname,
    /// forwarded headers); for Entra set `accessTokenAcceptedVersion` to match the metadata.
    ///
    /// ## References
    /// RFC 7519 §4.1.1; RFC 9068 §4; OIDC Core §3.1.3.7
    pub struct Jwt003 {
        code: "JWT003",
        name: "issuer-mismatch",
        title: "issuer mismatch",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "configure the validator with the exact issuer the authorization server puts in its tokens, or fix the server's public URL",
        references: ["RFC 7519 §4.1.1", "RFC 9068 §4", "OIDC Core §3.1.3.7"],
    }
}

/// How two issuer strings differ, when they are variants of one another.
/// An Entra multi-tenant issuer template (`…/{tenantid}/v2.0`) resolved for a token's `tid`.
fn with_tenant<'s>(issuer: &'s str, tid: &str) -> std::borrow::Cow<'s, str> {
    if issuer.contains("{tenantid}") {
        issuer.replace("{tenantid}", tid).into()
    } else {
        issuer.into()
    }
}

fn issuer_diff(expected: &str, got: &str) -> Option<&'static str> {
    if expected == got {
        return None;
    }
    if trim_slash(expected) == trim_slash(got) {
        return Some("only a trailing `/` differs");
    }
    if expected.eq_ignore_ascii_case(got) {
        return Some("only letter case differs");
    }
    let (Ok(e), Ok(g)) = (url::Url::parse(expected), url::Url::parse(got)) else {
        return Some("different issuer");
    };
    let guid = |s: &str| -> Option<String> {
        s.split('/')
            .find(|seg| seg.len() == 36 && seg.chars().filter(|c| *c == '-').count() == 4)
            .map(str::to_ascii_lowercase)
    };
    if let (Some(a), Some(b)) = (guid(expected), guid(got)) {
        if a == b
            && (g.host_str() == Some("sts.windows.net") || e.host_str() == Some("sts.windows.net"))
        {
            return Some("the v1 and v2 issuer forms of the same Entra tenant");
        }
    }
    if e.scheme() != g.scheme() && e.host_str() == g.host_str() && e.path() == g.path() {
        return Some("only the scheme differs");
    }
    if e.host_str() == g.host_str() && e.port_or_known_default() != g.port_or_known_default() {
        return Some("only the port differs");
    }
    if e.host_str() != g.host_str() && trim_slash(e.path()) == trim_slash(g.path()) {
        return Some("same path on another host (internal vs public host name)");
    }
    Some("different issuer")
}

impl Rule for Jwt003 {
    fn check(&self, cx: &mut Context<'_>) {
        let issuers: Vec<(usize, String)> = cx
            .index
            .metadata
            .iter()
            .filter_map(|(i, d)| {
                d.get("issuer")
                    .and_then(Value::as_str)
                    .map(|s| (*i, s.to_string()))
            })
            .collect();
        if issuers.is_empty() {
            return;
        }
        // Thousands of tokens come from a handful of issuers: compare each pair once.
        let diffs: std::cell::RefCell<
            std::collections::HashMap<(String, String), Option<&'static str>>,
        > = Default::default();
        let diff_of = |a: &str, b: &str| -> Option<&'static str> {
            *diffs
                .borrow_mut()
                .entry((a.to_string(), b.to_string()))
                .or_insert_with(|| issuer_diff(a, b))
        };
        for g in token_groups(cx).iter() {
            let role = g.role();
            if !matches!(role, Role::Access | Role::Id) {
                continue;
            }
            let Some(d) = g.decoded() else { continue };
            let Some(iss) = d.claim_str("iss") else {
                continue;
            };
            let tid = d.claim_str("tid").unwrap_or("");
            let resolve = |s: &str| with_tenant(s, tid).into_owned();
            if issuers.iter().any(|(_, i)| with_tenant(i, tid) == iss) {
                continue;
            }
            // The issuer the validator expects: the metadata of the endpoint that issued the
            // token, else the closest metadata issuer.
            let issuing = g
                .occ
                .iter()
                .find(|s| !s.presented && cx.exchanges[s.exchange].kind == Kind::Token)
                .map(|s| &cx.exchanges[s.exchange]);
            let by_endpoint = issuing
                .and_then(|t| metadata_for(cx, "token_endpoint", t))
                .and_then(|d| d.get("issuer").and_then(Value::as_str))
                .map(|s| s.to_string());
            let expected = match by_endpoint {
                Some(e) => Some(resolve(&e)),
                None => issuers
                    .iter()
                    .map(|(_, i)| resolve(i))
                    .filter(|i| diff_of(i, iss) != Some("different issuer"))
                    .min_by_key(|i| i.len())
                    .or_else(|| (issuers.len() == 1).then(|| resolve(&issuers[0].1))),
            };
            let Some(expected) = expected else { continue };
            let Some(diff) = diff_of(&expected, iss) else {
                continue;
            };
            let (anchor, outcome) = anchor_of(cx, g);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            // A completely different issuer may just be another authorization server of the
            // capture; it counts only when the failing side names the issuer.
            if diff == "different issuer"
                && !(is_failure(a) && server_says(a, &[], &["iss", "issuer"]))
            {
                continue;
            }
            let md_ex = issuers
                .iter()
                .find(|(_, i)| resolve(i) == expected)
                .map(|(i, _)| *i)
                .unwrap_or(anchor);
            let first = g.first();
            let confirmed = is_failure(a) && server_says(a, &["invalid_token"], &["iss", "issuer"]);
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the {} has `iss: {iss}` but the discovery document says `issuer: {expected}`: {diff}",
                        role.name()
                    ),
                )
                .strength(if diff == "different issuer" {
                    Strength::Direct
                } else {
                    Strength::Recomputed
                })
                .text(first.exchange, "jwt.claims.iss", iss)
                .text(md_ex, "response.body.issuer", expected.clone())
                .secret(first.exchange, first.at.clone(), g.value);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT004 / JWT005 helpers
// ------------------------------------------------------------------------------------------

/// Why a token presented as an access token is in fact an ID token, if it is one.
fn id_token_evidence(cx: &Context<'_>, g: &Group, d: &DecodedJwt) -> Option<(String, Strength)> {
    if let Some(s) = g.occ.iter().find(|s| s.role == Role::Id) {
        return Some((
            format!(
                "it is the `id_token` of the token response in exchange {}",
                s.exchange + 1
            ),
            Strength::Recomputed,
        ));
    }
    if d.typ().is_some_and(|t| {
        t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
    }) {
        return None;
    }
    for c in ["at_hash", "c_hash"] {
        if d.claims.contains_key(c) {
            return Some((
                format!("it carries `{c}`, a claim only ID tokens have"),
                Strength::Direct,
            ));
        }
    }
    if d.claim_str("typ")
        .is_some_and(|t| t.eq_ignore_ascii_case("id"))
    {
        return Some(("its `typ` claim is `ID`".to_string(), Strength::Direct));
    }
    let _ = cx;
    let aud = d.audiences();
    let azp = d.claim_str("azp");
    let no_scope = !d.claims.contains_key("scope") && !d.claims.contains_key("scp");
    if d.claims.contains_key("nonce")
        && no_scope
        && aud.len() == 1
        && azp.is_none_or(|a| a == aud[0])
    {
        return Some((
            format!(
                "it has a `nonce`, no scope and `aud: {}` (a client id)",
                aud[0]
            ),
            Strength::Heuristic,
        ));
    }
    None
}

// ------------------------------------------------------------------------------------------
// JWT004
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// For an access token a resource server rejected, compares the token's `aud` with the
    /// resource server: an `aud` URL on another host, the client's own id, Keycloak's default
    /// `account` audience, or no `aud` at all while the server complains about the audience.
    ///
    /// ## Why it fails
    /// A resource server accepts only tokens minted for it (RFC 9068 §4). A token requested
    /// without `resource` / `audience` (or with the one of another API, copied configuration)
    /// is valid, but for somebody else.
    ///
    /// ## Example
    /// A token requested with `resource=https://orders.example.com` (`aud:
    /// https://orders.example.com`) sent to `https://inventory.example.com/v2/stock` → `401
    /// invalid_token` "The audience 'https://orders.example.com' is invalid".
    ///
    /// ## Fix
    /// Request the token for the API you call (`resource` RFC 8707, `audience`, or the API's
    /// scope prefix), or configure the expected audience of the resource server; in Keycloak add
    /// an audience mapper to the client scope.
    ///
    /// ## References
    /// RFC 7519 §4.1.3; RFC 9068 §4; RFC 8707 §2
    pub struct Jwt004 {
        code: "JWT004",
        name: "audience-mismatch",
        title: "access token audience mismatch",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "request the token for the API you call (`resource`, `audience` or the API's scope) or configure the resource server's expected audience",
        references: ["RFC 7519 §4.1.3", "RFC 9068 §4", "RFC 8707 §2"],
    }
}

impl Rule for Jwt004 {
    fn check(&self, cx: &mut Context<'_>) {
        for g in token_groups(cx).iter() {
            let Some(d) = g.decoded() else { continue };
            if id_token_evidence(cx, g, d).is_some() {
                continue; // JWT005
            }
            for p in g.presentations() {
                let e = &cx.exchanges[p.exchange];
                if p.role != Role::Access || !is_failure(e) {
                    continue;
                }
                if !matches!(e.status(), Some(401 | 403)) {
                    continue;
                }
                let mentions = server_says(
                    e,
                    &[],
                    &["audience", "aud ", "aud'", "aud\"", "aud claim", "\"aud\""],
                );
                let rs_host = e.request.host().map(str::to_ascii_lowercase);
                let aud = d.audiences();
                let url_auds: Vec<(&str, Option<String>)> = aud
                    .iter()
                    .filter(|a| a.starts_with("http://") || a.starts_with("https://"))
                    .map(|a| (*a, host_of(a)))
                    .collect();
                let matches_rs = url_auds.iter().any(|(_, h)| h.is_some() && *h == rs_host)
                    || rs_host
                        .as_deref()
                        .is_some_and(|h| aud.iter().any(|a| a.eq_ignore_ascii_case(h)));
                if matches_rs {
                    continue;
                }
                let client = d
                    .claim_str("client_id")
                    .or_else(|| d.claim_str("azp"))
                    .or_else(|| d.claim_str("appid"));
                let origin = e
                    .request
                    .parsed
                    .as_ref()
                    .map(|u| u.origin().ascii_serialization())
                    .unwrap_or_default();
                let auds = if aud.is_empty() {
                    "no `aud` claim".to_string()
                } else {
                    format!(
                        "`aud: {}`",
                        aud.iter()
                            .map(|a| a.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                // What the token's audience shows; the server naming the audience makes it a
                // direct observation, otherwise an API identifier need not be its URL.
                let why = if e.kind == Kind::Userinfo {
                    if !mentions {
                        continue;
                    }
                    "the UserInfo endpoint says the audience is wrong".to_string()
                } else if !url_auds.is_empty() && url_auds.len() == aud.len() {
                    format!("none of its audiences is the API at `{origin}`")
                } else if client.is_some_and(|c| aud.contains(&c)) {
                    "its audience is the client itself, not an API".to_string()
                } else if aud == ["account"] {
                    "`account` is Keycloak's default audience (no audience mapper for the API)"
                        .to_string()
                } else if mentions {
                    format!("the server rejects the audience and none of them names `{origin}`")
                } else {
                    continue;
                };
                let strength = if mentions {
                    Strength::Direct
                } else {
                    Strength::Heuristic
                };
                let confirmed = mentions || server_says(e, &["invalid_token"], &[]);
                let mut rep = cx
                    .report(
                        e.index,
                        format!(
                            "the access token sent to `{}` has {auds}: {why}",
                            e.request.endpoint()
                        ),
                    )
                    .strength(strength)
                    .text(e.index, "jwt.claims.aud", claims_text(d, &["aud"]))
                    .text(e.index, "request.url", e.request.endpoint())
                    .secret(e.index, p.at.clone(), g.value);
                if confirmed {
                    rep = rep.confirmed();
                }
                rep.emit();
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT005
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags an ID token sent to an API or the UserInfo endpoint as a bearer token: the value is
    /// byte for byte the `id_token` of a token response in the capture, or it carries claims only
    /// ID tokens have (`at_hash`, `c_hash`, Keycloak's `typ: ID`, a `nonce` with the client as
    /// audience and no scope).
    ///
    /// ## Why it fails
    /// An ID token tells the *client* who logged in; its audience is the client id. APIs accept
    /// access tokens only (RFC 9068 §5 warns about exactly this confusion), so they answer `401
    /// invalid_token`, usually "audience invalid".
    ///
    /// ## Example
    /// The token response has `access_token` and `id_token`; the app calls `GET /v1/orders` with
    /// `Authorization: Bearer <id_token>` → `401 invalid_token` "jwt audience invalid".
    ///
    /// ## Fix
    /// Send the `access_token` to APIs; keep the ID token in the client.
    ///
    /// ## References
    /// RFC 9068 §5; RFC 8725 §3.11; OIDC Core §2
    pub struct Jwt005 {
        code: "JWT005",
        name: "id-token-as-access-token",
        title: "id token sent as access token",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "send the `access_token` to APIs; ID tokens are for the client only",
        references: ["RFC 9068 §5", "RFC 8725 §3.11", "OIDC Core §2"],
    }
}

impl Rule for Jwt005 {
    fn check(&self, cx: &mut Context<'_>) {
        for g in token_groups(cx).iter() {
            let Some(d) = g.decoded() else { continue };
            let Some((why, strength)) = id_token_evidence(cx, g, d) else {
                continue;
            };
            for p in g.presentations() {
                let e = &cx.exchanges[p.exchange];
                if p.role != Role::Access {
                    continue;
                }
                let confirmed = is_failure(e) && server_says(e, &["invalid_token"], &["audience"]);
                let mut rep = cx
                    .report(
                        e.index,
                        format!(
                            "the bearer token sent to `{}` is an ID token: {why}",
                            e.request.endpoint()
                        ),
                    )
                    .strength(strength)
                    .text(
                        e.index,
                        "jwt.claims",
                        claims_text(d, &["aud", "azp", "nonce", "at_hash", "typ"]),
                    )
                    .secret(e.index, p.at.clone(), g.value);
                if confirmed {
                    rep = rep.confirmed();
                }
                rep.emit();
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT006
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a JWT access token whose header `typ` is absent or `JWT` when the resource server
    /// rejected it and its answer names the token type (`typ`, `at+jwt`, RFC 9068).
    ///
    /// ## Why it fails
    /// RFC 9068 access tokens carry `typ: at+jwt` so that an ID token or another JWT cannot be
    /// passed off as an access token. Resource servers that enforce explicit typing reject
    /// tokens from authorization servers that still issue `typ: JWT`. Without a word about the
    /// type in the server's answer the rule stays quiet: most servers accept `typ: JWT`. The
    /// catalogue's severity is a warning ("may break at strict servers"); when the server's
    /// answer shows the check failed this call, the finding is reported as an error.
    ///
    /// ## Example
    /// Header `{"alg":"RS256","typ":"JWT"}` → `401 invalid_token` "unexpected typ JWT header
    /// value, expected at+jwt (RFC 9068)".
    ///
    /// ## Fix
    /// Enable the RFC 9068 token format at the authorization server, or relax the resource
    /// server's `typ` check deliberately (for that issuer only).
    ///
    /// ## References
    /// RFC 9068 §2.1, §4; RFC 8725 §3.11
    pub struct Jwt006 {
        code: "JWT006",
        name: "access-token-not-at-jwt",
        title: "jwt access token lacks at+jwt type",
        category: SignatureKey,
        severity: Warning,
        kind: Diag,
        fix: "enable RFC 9068 `at+jwt` access tokens at the authorization server or relax the resource server's `typ` check deliberately",
        references: ["RFC 9068 §2.1", "RFC 9068 §4", "RFC 8725 §3.11"],
    }
}

impl Rule for Jwt006 {
    fn check(&self, cx: &mut Context<'_>) {
        for g in token_groups(cx).iter() {
            let Some(d) = g.decoded() else { continue };
            if id_token_evidence(cx, g, d).is_some() {
                continue;
            }
            let typ = d.typ();
            if typ.is_some_and(|t| {
                t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
            }) {
                continue;
            }
            for p in g.presentations() {
                let e = &cx.exchanges[p.exchange];
                if p.role != Role::Access || !is_failure(e) {
                    continue;
                }
                if !server_says(e, &[], &["typ", "at+jwt", "9068", "token type"]) {
                    continue;
                }
                cx.report(
                    e.index,
                    format!(
                        "the access token sent to `{}` has {} and the server enforces RFC 9068 `typ: at+jwt`",
                        e.request.endpoint(),
                        typ.map(|t| format!("`typ: {t}`")).unwrap_or_else(|| "no `typ`".to_string())
                    ),
                )
                // The server's answer shows the type check broke this call: an error, not the
                // catalogue's "may break at strict servers" warning.
                .severity(Severity::Error)
                .strength(Strength::Direct)
                .confirmed()
                .text(e.index, "jwt.header", header_text(d))
                .secret(e.index, p.at.clone(), g.value)
                .emit();
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT007
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks the signing algorithm of ID tokens against the issuer's
    /// `id_token_signing_alg_values_supported`, and flags HMAC-signed (`HS*`) access tokens from
    /// an issuer that publishes only asymmetric keys and algorithms.
    ///
    /// ## Why it fails
    /// Validators pin the algorithms they accept per issuer (the registered
    /// `id_token_signed_response_alg`, RS256 by default). A token signed with another algorithm
    /// is rejected; an `HS*` token checked against an RSA public key is the classic algorithm
    /// confusion attack, so a careful validator refuses it outright.
    ///
    /// ## Example
    /// Metadata lists `RS256` only; the ID token's header says `ES256` → the client fails with
    /// "unexpected JWT alg received, expected RS256, got: ES256".
    ///
    /// ## Fix
    /// Pin the accepted algorithms per issuer and make the authorization server sign with one of
    /// them (client registration `id_token_signed_response_alg`, the API's token signing
    /// settings); never derive the algorithm from the token alone.
    ///
    /// ## References
    /// RFC 8725 §2.1, §3.1; OIDC Core §3.1.3.7; OIDC Discovery §3
    pub struct Jwt007 {
        code: "JWT007",
        name: "algorithm-not-permitted",
        title: "algorithm not permitted",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "sign with an algorithm the issuer advertises and the validator pins; never derive the algorithm from the token",
        references: ["RFC 8725 §2.1", "RFC 8725 §3.1", "OIDC Core §3.1.3.7"],
    }
}

impl Rule for Jwt007 {
    fn check(&self, cx: &mut Context<'_>) {
        // ID tokens against the issuer's advertised algorithms.
        for (t, v, d) in received_id_tokens(cx) {
            let Some(alg) = d.alg() else { continue };
            if alg.eq_ignore_ascii_case("none") {
                continue; // JWT001
            }
            let Some(md) = metadata_for(cx, "token_endpoint", t) else {
                continue;
            };
            let Some(list) = str_list(md, "id_token_signing_alg_values_supported") else {
                continue;
            };
            if list.is_empty() || list.contains(&alg) {
                continue;
            }
            let (anchor, outcome) = id_token_anchor(cx, t);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let confirmed = is_failure(a) && server_says(a, &[], &["alg"]);
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the ID token from `{}` is signed with `{alg}` but the issuer advertises only {}",
                        t.request.endpoint(),
                        list.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .strength(Strength::Direct)
                .text(t.index, "jwt.header.alg", alg)
                .text(anchor, "metadata.id_token_signing_alg_values_supported", list.join(", "))
                .secret(t.index, "response.body.id_token", v);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
        // HMAC access tokens from an issuer that publishes only asymmetric material.
        let sets = key_sets(cx);
        for g in token_groups(cx).iter() {
            if g.role() != Role::Access {
                continue;
            }
            let Some(d) = g.decoded() else { continue };
            let (Some(alg), Some(iss)) = (d.alg(), d.claim_str("iss")) else {
                continue;
            };
            if !alg.starts_with("HS") {
                continue;
            }
            let set = key_set_for(cx, &sets, iss);
            let only_asym_keys = set.as_ref().is_some_and(|s| {
                !s.keys.is_empty()
                    && s.keys.iter().all(|k| {
                        k.get("kty")
                            .and_then(Value::as_str)
                            .is_some_and(|t| t != "oct")
                    })
            });
            let md = cx
                .index
                .metadata
                .iter()
                .filter_map(|(_, d)| d.as_object())
                .find(|m| {
                    m.get("issuer")
                        .and_then(Value::as_str)
                        .is_some_and(|i| trim_slash(i) == trim_slash(iss))
                });
            let md_algs: Vec<&str> = md
                .map(|m| {
                    [
                        "id_token_signing_alg_values_supported",
                        "token_endpoint_auth_signing_alg_values_supported",
                    ]
                    .iter()
                    .filter_map(|f| str_list(m, f))
                    .flatten()
                    .collect()
                })
                .unwrap_or_default();
            let only_asym_algs = !md_algs.is_empty() && md_algs.iter().all(|a| is_asymmetric(a));
            if !(only_asym_keys || only_asym_algs) {
                continue;
            }
            let (anchor, outcome) = anchor_of(cx, g);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let first = g.first();
            let confirmed = is_failure(a)
                && server_says(
                    a,
                    &["invalid_token"],
                    &["alg", "signature", "no matching key"],
                );
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the access token is signed with `{alg}` (a shared secret) but `{iss}` publishes only asymmetric {}",
                        if only_asym_keys { "keys" } else { "algorithms" }
                    ),
                )
                .strength(Strength::Direct)
                .text(first.exchange, "jwt.header.alg", alg)
                .secret(first.exchange, first.at.clone(), g.value);
            if let Some(s) = &set {
                let ktys: Vec<&str> = s
                    .keys
                    .iter()
                    .filter_map(|k| k.get("kty").and_then(Value::as_str))
                    .collect();
                rep = rep.text(s.exchange, "response.body.keys[].kty", ktys.join(", "));
            }
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT008
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a value sent or received as a JWT that is not a well-formed compact serialization:
    /// wrapped in quotes, containing whitespace, with a number of dot-separated parts other than
    /// 3 (JWS) or 5 (JWE), encoded with standard base64 (`+`, `/`, `=` padding) instead of
    /// base64url, or with a header or claims segment that is not JSON. When the value is the
    /// beginning of a token issued earlier in the capture, it says where it was cut.
    ///
    /// ## Why it fails
    /// Every JWT library parses the compact form strictly. Tokens get truncated by storage
    /// (`VARCHAR(255)`), cookies (4 KB) and header limits; hand-rolled encoders use the wrong
    /// base64 alphabet; config loaders keep quotes. The category follows the token: a malformed
    /// client assertion is a `credentials` problem, any other token a `parameters` one.
    ///
    /// ## Example
    /// A 900-character access token stored in a 255-character column and sent as
    /// `Authorization: Bearer eyJ…` (two segments) → `401 invalid_token` "jwt malformed".
    ///
    /// ## Fix
    /// Transport and store the compact serialization verbatim (no quotes, no line breaks, no
    /// length limit), and encode JWT segments with base64url without padding.
    ///
    /// ## References
    /// RFC 7519 §7.2; RFC 7515 §2, §5.2, §7.1
    pub struct Jwt008 {
        code: "JWT008",
        name: "malformed-jwt",
        title: "malformed jwt",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send the compact serialization verbatim (base64url without padding, no quotes, not truncated)",
        references: ["RFC 7519 §7.2", "RFC 7515 §2", "RFC 7515 §7.1"],
    }
}

/// Tokens issued by token responses in the capture: (exchange, value).
fn issued_tokens(cx: &Context<'_>) -> Vec<(usize, String)> {
    cx.exchanges
        .iter()
        .filter_map(|e| e.response.as_ref().map(|r| (e.index, r)))
        .flat_map(|(i, r)| {
            ["access_token", "id_token", "refresh_token"]
                .iter()
                .filter_map(move |f| r.field(f).map(|v| (i, v.to_string())))
        })
        .collect()
}

/// Why a JWT-looking value is malformed, and whether the proof is byte-exact.
fn malformation(issued: &[(usize, String)], v: &str) -> Option<(String, Strength)> {
    let t = v.trim();
    if (t.starts_with('"') && t.ends_with('"') && t.len() > 1)
        || (t.starts_with('\'') && t.ends_with('\'') && t.len() > 1)
    {
        return Some(("it is wrapped in quotes".to_string(), Strength::Direct));
    }
    if !t.starts_with("eyJ") {
        return None;
    }
    if t.contains(char::is_whitespace) {
        return Some((
            "it contains whitespace or a line break".to_string(),
            Strength::Direct,
        ));
    }
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() == 5 {
        return None; // a JWE
    }
    // A prefix of a token issued in the capture: truncated (even when the cut falls in the
    // signature and the rest still parses).
    if let Some((i, full)) = issued
        .iter()
        .find(|(_, full)| full.len() > t.len() && full.starts_with(t))
    {
        return Some((
            format!(
                "it is the first {} of the {} characters of the token issued in exchange {} (truncated)",
                t.len(),
                full.len(),
                i + 1
            ),
            Strength::Recomputed,
        ));
    }
    if parts.len() != 3 {
        let n = t.len();
        let hint = if [
            255, 256, 512, 1000, 1024, 2000, 2048, 4000, 4096, 8000, 8192,
        ]
        .contains(&n)
        {
            format!("; its length {n} is a typical storage limit (truncated)")
        } else {
            String::new()
        };
        return Some((
            format!(
                "it has {} dot-separated parts, a JWS has 3{hint}",
                parts.len()
            ),
            Strength::Direct,
        ));
    }
    let std_chars: Vec<char> = ['+', '/', '=']
        .into_iter()
        .filter(|c| parts.iter().any(|p| p.contains(*c)))
        .collect();
    if !std_chars.is_empty() {
        return Some((
            format!(
                "its segments contain {}: standard base64 instead of base64url without padding",
                std_chars
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Strength::Direct,
        ));
    }
    match jose::decode(t) {
        Ok(_) => None,
        Err(e) => Some((format!("it {e}"), Strength::Direct)),
    }
}

impl Rule for Jwt008 {
    fn check(&self, cx: &mut Context<'_>) {
        let issued = issued_tokens(cx);
        for g in token_groups(cx).iter() {
            let role = g.role();
            if matches!(role, Role::Refresh | Role::Introspected) {
                continue;
            }
            let Some((why, strength)) = malformation(&issued, g.value) else {
                continue;
            };
            let (anchor, outcome) = anchor_of(cx, g);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let first = g.first();
            let confirmed = is_failure(a)
                && server_says(
                    a,
                    &[
                        "invalid_token",
                        "invalid_client",
                        "invalid_request",
                        "invalid_dpop_proof",
                    ],
                    &["malformed", "jwt", "base64", "segment", "decode", "parse"],
                );
            let category = if role == Role::ClientAssertion {
                Category::Credentials
            } else {
                Category::Parameters
            };
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the {} {} `{}` is not a well-formed JWT: {why}",
                        role.name(),
                        if first.presented {
                            "sent to"
                        } else {
                            "received from"
                        },
                        cx.exchanges[first.exchange].request.endpoint()
                    ),
                )
                .category(category)
                .strength(strength)
                .text(
                    first.exchange,
                    "token.length",
                    g.value.trim().len().to_string(),
                )
                .secret(first.exchange, first.at.clone(), g.value);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT009
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags an opaque access token (no dots) or an encrypted one (a five-part JWE) that a
    /// resource server rejected while saying it could not parse a JWT ("jwt malformed", "must
    /// have three segments").
    ///
    /// ## Why it fails
    /// Access tokens are opaque to clients (RFC 6749 §1.4) and not every authorization server
    /// issues JWTs: reference tokens must be introspected (RFC 7662), and an encrypted token is
    /// meant for its issuer — Auth0, for example, issues an encrypted token for its own UserInfo
    /// endpoint when the authorization request names no API `audience`. The rule fires only on
    /// a rejected call whose answer says a JWT could not be parsed, so it is reported as an
    /// error there (the catalogue's warning covers the general risk). An encrypted token is
    /// filed under `audience_issuer` (it was minted for another audience), an opaque one under
    /// `other` (the resource server must introspect).
    ///
    /// ## Example
    /// IdentityServer returns a 64-hex-character reference token; the API, configured for JWTs,
    /// answers `401 invalid_token` "a JWT must have three segments separated by dots".
    ///
    /// ## Fix
    /// Ask for a token meant for the API (its `audience` / `resource`) or configure the
    /// resource server to introspect opaque tokens; never parse access tokens in clients.
    ///
    /// ## References
    /// RFC 6749 §1.4; RFC 7516 §9; RFC 7662 §2
    pub struct Jwt009 {
        code: "JWT009",
        name: "opaque-token-parsed-as-jwt",
        title: "opaque or encrypted token parsed as jwt",
        category: Other,
        severity: Warning,
        kind: Diag,
        fix: "request a token meant for the API (`audience` / `resource`) or introspect opaque tokens; never parse access tokens in clients",
        references: ["RFC 6749 §1.4", "RFC 7516 §9", "RFC 7662 §2"],
    }
}

impl Rule for Jwt009 {
    fn check(&self, cx: &mut Context<'_>) {
        for g in token_groups(cx).iter() {
            let v = g.value.trim();
            let parts = v.split('.').count();
            // A well-formed credential (RFC 6750 b64token); a quoted or split value is a
            // malformed header (PARAM013 / JWT008), not an opaque token.
            let b64token = !v.is_empty()
                && v.trim_end_matches('=').bytes().all(|c| {
                    c.is_ascii_alphanumeric()
                        || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
                });
            let jwe = parts == 5 && b64token;
            let opaque = parts == 1 && !v.starts_with("eyJ") && b64token;
            if !(jwe || opaque) {
                continue;
            }
            for p in g.presentations() {
                let e = &cx.exchanges[p.exchange];
                if p.role != Role::Access
                    || !is_failure(e)
                    || !matches!(e.status(), Some(400 | 401))
                {
                    continue;
                }
                if !server_says(
                    e,
                    &[],
                    &[
                        "jwt",
                        "malformed",
                        "segment",
                        "decode",
                        "parse",
                        "dots",
                        "jws",
                        "compact",
                    ],
                ) {
                    continue;
                }
                let issuing = g
                    .occ
                    .iter()
                    .find(|s| !s.presented)
                    .map(|s| &cx.exchanges[s.exchange]);
                let asked_audience = issuing.is_some_and(|t| {
                    t.request.param("audience").is_some() || t.request.param("resource").is_some()
                });
                let (what, category) = if jwe {
                    (
                        format!(
                            "an encrypted five-part JWE{}: a token meant for its issuer, not for this API",
                            if issuing.is_some() && !asked_audience {
                                " issued without an API `audience`"
                            } else {
                                ""
                            }
                        ),
                        Category::AudienceIssuer,
                    )
                } else {
                    (
                        format!(
                            "an opaque reference token ({} characters, no dots) that must be introspected",
                            v.len()
                        ),
                        Category::Other,
                    )
                };
                cx.report(
                    e.index,
                    format!(
                        "`{}` tried to parse the access token as a JWT, but it is {what}",
                        e.request.endpoint()
                    ),
                )
                .category(category)
                // The server's answer shows this broke the call: an error, not a warning.
                .severity(Severity::Error)
                .strength(Strength::Direct)
                .confirmed()
                .text(e.index, "token.parts", parts.to_string())
                .secret(e.index, p.at.clone(), g.value)
                .emit();
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT010
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks the `aud` and `azp` of every ID token a client received against the `client_id` of
    /// the authorization request (else the token request's client): `aud` must contain it, and
    /// `azp`, when present, must equal it. An `aud` with several values and no `azp` is reported
    /// as information (OIDC Core errata set 2 dropped the `azp` requirement, older certified
    /// validators still reject it).
    ///
    /// ## Why it fails
    /// A client must reject an ID token not issued for it (OIDC Core §3.1.3.7 steps 3–5): the
    /// response may belong to another client's flow (mix-up), the client may be configured with
    /// the wrong client id, or the authorization server overrides the audience.
    ///
    /// ## Example
    /// Authorization request `client_id=acme-web`; ID token `aud: https://app.example.com` → the
    /// client fails with "aud mismatch, expected acme-web".
    ///
    /// ## Fix
    /// Make sure the token came from this client's own flow and the client is configured with
    /// the client id the authorization server uses as audience.
    ///
    /// ## References
    /// OIDC Core §2, §3.1.3.7
    pub struct Jwt010 {
        code: "JWT010",
        name: "id-token-audience",
        title: "id token audience or azp does not match client",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "check that the token came from this client's flow and that the client is configured with the client id the server uses as audience",
        references: ["OIDC Core §2", "OIDC Core §3.1.3.7"],
    }
}

impl Rule for Jwt010 {
    fn check(&self, cx: &mut Context<'_>) {
        for (t, v, d) in received_id_tokens(cx) {
            let Some(client) = client_of_token_exchange(cx, t) else {
                continue;
            };
            let aud = d.audiences();
            let azp = d.claim_str("azp");
            let (why, severity) = if !aud.contains(&client.as_str()) {
                (
                    format!(
                        "`aud` ({}) does not contain the client id `{client}`",
                        if aud.is_empty() {
                            "absent".to_string()
                        } else {
                            aud.iter()
                                .map(|a| format!("`{a}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    ),
                    Severity::Error,
                )
            } else if let Some(azp) = azp.filter(|a| *a != client) {
                (
                    format!("`azp: {azp}` is not the client id `{client}`"),
                    Severity::Error,
                )
            } else if aud.len() > 1 && azp.is_none() {
                (
                    format!(
                        "`aud` has {} values and there is no `azp`; validators older than OIDC Core errata set 2 reject it",
                        aud.len()
                    ),
                    Severity::Info,
                )
            } else {
                continue;
            };
            let (anchor, outcome) = id_token_anchor(cx, t);
            if outcome == Outcome::Accepted && severity == Severity::Error {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let confirmed = is_failure(a) && server_says(a, &[], &["aud", "azp", "audience"]);
            let mut rep = cx
                .report(
                    anchor,
                    format!("the ID token from `{}`: {why}", t.request.endpoint()),
                )
                .severity(severity)
                .strength(Strength::Recomputed)
                .text(t.index, "jwt.claims", claims_text(&d, &["aud", "azp"]))
                .text(t.index, "client_id", client.clone())
                .secret(t.index, "response.body.id_token", v);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT011
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// When the authorization request sent a `nonce`, checks that the ID token of the matching
    /// token response (linked by the code) carries the same `nonce`; when it carries another
    /// authorization request's nonce, says which.
    ///
    /// ## Why it fails
    /// The nonce binds the ID token to the browser session that started the login (replay
    /// protection). A missing nonce means the authorization server ignored it; another
    /// request's nonce means the client looked up the wrong transaction: parallel logins in
    /// several tabs, a session cookie lost on the callback, or a reused tab.
    ///
    /// ## Example
    /// Authorization request `nonce=Zq…`; ID token without `nonce` → the client fails with
    /// "nonce mismatch, expected Zq…, got: undefined".
    ///
    /// ## Fix
    /// Store the nonce per transaction (keyed by `state`), allow one transaction per tab, and
    /// keep the transaction cookie available on the callback; if the server drops the nonce,
    /// report it to the operator.
    ///
    /// ## References
    /// OIDC Core §3.1.2.1, §3.1.3.7, §15.5.2
    pub struct Jwt011 {
        code: "JWT011",
        name: "id-token-nonce",
        title: "id token nonce mismatch or missing",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "persist the nonce per transaction (keyed by `state`) and keep one transaction per tab",
        references: ["OIDC Core §3.1.2.1", "OIDC Core §3.1.3.7", "OIDC Core §15.5.2"],
    }
}

impl Rule for Jwt011 {
    fn check(&self, cx: &mut Context<'_>) {
        for (t, v, d) in received_id_tokens(cx) {
            let Some(az) = authorize_of_code(cx, t) else {
                continue;
            };
            let Some(sent) = az.request.param("nonce").filter(|n| !n.is_empty()) else {
                continue;
            };
            let got = d.claim_str("nonce");
            if got == Some(sent.as_str()) {
                continue;
            }
            let why = match got {
                None => "the ID token has no `nonce`".to_string(),
                Some(n) => {
                    let other = cx.exchanges.iter().find(|e| {
                        e.kind == Kind::Authorize
                            && e.index != az.index
                            && e.request.param("nonce").as_deref() == Some(n)
                    });
                    match other {
                        Some(o) => format!(
                            "the ID token carries the nonce of the authorization request in exchange {} (another transaction: parallel logins or lost session)",
                            o.number()
                        ),
                        None => "the ID token carries another `nonce`".to_string(),
                    }
                }
            };
            let (anchor, outcome) = id_token_anchor(cx, t);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let confirmed = is_failure(a) && server_says(a, &[], &["nonce"]);
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the authorization request (exchange {}) sent `nonce={sent}` but {why}",
                        az.number()
                    ),
                )
                .strength(Strength::Recomputed)
                .text(az.index, "request.query.nonce", sent.clone())
                .text(t.index, "jwt.claims.nonce", got.unwrap_or("(absent)"))
                .secret(t.index, "response.body.id_token", v);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT012
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Compares the `exp` and `iat` of each ID token in a token response with the server's
    /// `Date` on that response (never the machine's clock): expired on arrival (beyond the
    /// leeway) is an error; issued more than 10 minutes before the response is reported as a
    /// suspicion.
    ///
    /// ## Why it fails
    /// A client validates a freshly received ID token immediately (OIDC Core §3.1.3.7 steps 9
    /// and 10). An ID token that is already expired when the token response arrives was minted
    /// by a node whose clock is behind (or is a cached token re-sent as fresh); the client
    /// rejects the login. Filed under `clock_skew`: a token minted for this very response cannot
    /// have expired unless the issuer's clock (or cache) is wrong. An ID token re-sent unchanged
    /// on refresh is not judged as a new login.
    ///
    /// ## Example
    /// Token response `Date: 10:05:00`; ID token `iat` 09:00:00, `exp` 10:00:00 → "JWT expired".
    ///
    /// ## Fix
    /// Synchronise the issuer's clock (NTP); allow a small leeway (≤ 60 s) in the client; do not
    /// validate cached ID tokens as fresh logins.
    ///
    /// ## References
    /// OIDC Core §3.1.3.7; RFC 7519 §4.1.4, §4.1.6
    pub struct Jwt012 {
        code: "JWT012",
        name: "id-token-expired",
        title: "id token expired or iat too old",
        category: ClockSkew,
        severity: Error,
        kind: Diag,
        fix: "synchronise the issuer's clock and allow a small leeway; do not validate cached ID tokens as fresh logins",
        references: ["OIDC Core §3.1.3.7", "RFC 7519 §4.1.4", "RFC 7519 §4.1.6"],
    }
}

/// A duration in seconds for humans.
pub(super) fn span(secs: i64) -> String {
    let s = secs.unsigned_abs();
    if s < 120 {
        format!("{s} s")
    } else if s < 7200 {
        format!("{} min", s / 60)
    } else if s < 172_800 {
        format!("{} h", s / 3600)
    } else {
        format!("{} days", s / 86_400)
    }
}

impl Rule for Jwt012 {
    fn check(&self, cx: &mut Context<'_>) {
        let leeway = cx.options.leeway;
        for (t, v, d) in received_id_tokens(cx) {
            let Some(now) = cx.judged_at_secs(t) else {
                continue;
            };
            let exp = d.claim_time("exp");
            let iat = d.claim_time("iat");
            let (why, strength) = match (exp, iat) {
                (Some(exp), _) if exp < now.saturating_sub(leeway) => (
                    format!(
                        "it expired {} before the token response (`exp` {exp}, server time {now}{})",
                        span(now.saturating_sub(exp)),
                        iat.map(|i| format!(", `iat` {} earlier", span(now.saturating_sub(i))))
                            .unwrap_or_default()
                    ),
                    Strength::Recomputed,
                ),
                (_, Some(iat)) if now.saturating_sub(iat) > leeway.saturating_add(600) => (
                    format!(
                        "it was issued {} before the token response (`iat` {iat}, server time {now})",
                        span(now.saturating_sub(iat))
                    ),
                    Strength::Heuristic,
                ),
                _ => continue,
            };
            let (anchor, outcome) = id_token_anchor(cx, t);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let confirmed = is_failure(a)
                && server_says(a, &[], &["expired", "exp", "iat", "too old", "clock"]);
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the ID token from `{}` is stale: {why}",
                        t.request.endpoint()
                    ),
                )
                .strength(strength)
                .text(t.index, "jwt.claims", claims_text(&d, &["iat", "exp"]))
                .text(
                    t.index,
                    "response.headers.date",
                    date_header(t).unwrap_or("(capture time)"),
                )
                .secret(t.index, "response.body.id_token", v);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT013
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Recomputes `at_hash` (and `c_hash` for front-channel ID tokens) — base64url of the left
    /// half of the hash of the access token (code), the hash chosen by the ID token's `alg` — and
    /// compares it with the claim.
    ///
    /// ## Why it fails
    /// `at_hash` binds the access token to the ID token of the same response (OIDC Core
    /// §3.1.3.8, §3.2.2.9). A mismatch means the access token was replaced or altered in transit
    /// (a token-translating gateway, a proxy), or tokens from two responses were mixed. The
    /// catalogue leaves the hash for EdDSA open ("implementations vary"): SHA-512 (the OpenID
    /// Foundation's reading for Ed25519) and SHA-256 are both accepted.
    ///
    /// ## Example
    /// `id_token.at_hash: 77QmUPtjPfzWtF2AnpK9RQ`, left half of SHA-256 of the returned access
    /// token `hYb…` → the client fails with "at_hash mismatch".
    ///
    /// ## Fix
    /// Keep the access token and ID token of one response together and unaltered; find the
    /// component that rewrites the token response.
    ///
    /// ## References
    /// OIDC Core §3.1.3.6, §3.1.3.8, §3.2.2.9, §3.3.2.11
    pub struct Jwt013 {
        code: "JWT013",
        name: "at-hash-mismatch",
        title: "at_hash mismatch",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "keep the access token and ID token of one response together and unaltered; find what rewrites the token response",
        references: ["OIDC Core §3.1.3.6", "OIDC Core §3.1.3.8", "OIDC Core §3.2.2.9"],
    }
}

/// Whether `claim` is the left-half hash of `value` for `alg` (EdDSA: SHA-512, or SHA-256 as
/// some implementations do).
fn half_hash_matches(alg: &str, value: &str, claim: &str) -> Option<bool> {
    let primary = jose::left_half_hash(alg, value)?;
    if primary == claim {
        return Some(true);
    }
    if alg == "EdDSA" {
        if let Some(alt) = jose::left_half_hash("RS256", value) {
            return Some(alt == claim);
        }
    }
    Some(false)
}

impl Rule for Jwt013 {
    fn check(&self, cx: &mut Context<'_>) {
        let mut by_half: std::collections::HashMap<
            String,
            std::collections::HashMap<String, Vec<usize>>,
        > = Default::default();
        for (t, v, d) in received_id_tokens(cx) {
            let (Some(alg), Some(claim)) = (d.alg(), d.claim_str("at_hash")) else {
                continue;
            };
            let Some(at) = t.response.as_ref().and_then(|r| r.field("access_token")) else {
                continue;
            };
            if half_hash_matches(alg, at, claim) != Some(false) {
                continue;
            }
            let (anchor, outcome) = id_token_anchor(cx, t);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            // Which response's access token the claim does hash: every access token is hashed
            // once per algorithm, however many ID tokens mismatch.
            let hashes = by_half.entry(alg.to_string()).or_insert_with(|| {
                let mut m: std::collections::HashMap<String, Vec<usize>> = Default::default();
                for e in cx.exchanges {
                    let Some(x) = e.response.as_ref().and_then(|r| r.field("access_token")) else {
                        continue;
                    };
                    let alt = (alg == "EdDSA").then(|| jose::left_half_hash("RS256", x));
                    for h in [jose::left_half_hash(alg, x)]
                        .into_iter()
                        .chain(alt)
                        .flatten()
                    {
                        m.entry(h).or_default().push(e.index);
                    }
                }
                m
            });
            let other = hashes
                .get(claim)
                .and_then(|v| v.iter().copied().find(|&i| i != t.index));
            let confirmed = is_failure(a) && server_says(a, &[], &["at_hash"]);
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the ID token's `at_hash` does not match the access token of the same response (exchange {}){}",
                        t.number(),
                        match other {
                            Some(o) => format!("; it matches the access token of exchange {}: tokens of two responses were mixed", o + 1),
                            None => ": the access token was replaced or altered".to_string(),
                        }
                    ),
                )
                .strength(Strength::Recomputed)
                .text(t.index, "jwt.claims.at_hash", claim)
                .text(t.index, "recomputed.at_hash", jose::left_half_hash(alg, at).unwrap_or_default())
                .secret(t.index, "response.body.access_token", at.to_string())
                .secret(t.index, "response.body.id_token", v);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
        // Front channel: hybrid / implicit responses.
        for a in cx.index.authz_responses.clone() {
            let Some(idt) = a.params.get("id_token") else {
                continue;
            };
            let Some(d) = decoded(idt) else { continue };
            let Some(alg) = d.alg() else { continue };
            for (claim_name, field) in [("at_hash", "access_token"), ("c_hash", "code")] {
                let (Some(claim), Some(value)) = (d.claim_str(claim_name), a.params.get(field))
                else {
                    continue;
                };
                if half_hash_matches(alg, value, claim) != Some(false) {
                    continue;
                }
                let anchor = callback_of_authz(cx, a.exchange).unwrap_or(a.exchange);
                cx.report(
                    anchor,
                    format!(
                        "the front-channel ID token's `{claim_name}` does not match the `{field}` of the same authorization response"
                    ),
                )
                .strength(Strength::Recomputed)
                .text(a.exchange, format!("jwt.claims.{claim_name}"), claim)
                .secret(a.exchange, format!("authorization_response.{field}"), value.to_string())
                .emit();
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT014
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// When the authorization request carried `max_age=N`, checks that the ID token of the
    /// matching token response has `auth_time`, and that the server's `Date` on the token
    /// response minus `auth_time` is at most N plus the leeway.
    ///
    /// ## Why it fails
    /// `max_age` asks for a recent authentication (payments, admin actions). If the server
    /// reuses an older session, the client must reject the login (OIDC Core §3.1.3.7 step 13);
    /// if `auth_time` is missing the client cannot check and rejects too (the server must send
    /// it whenever `max_age` is used). A stale session is filed under `account_state` (the user
    /// must sign in again); a missing `auth_time` under `other` (a server defect).
    ///
    /// ## Example
    /// `max_age=300`; `auth_time` two hours before the token response → "too much time has
    /// elapsed since the last End-User authentication".
    ///
    /// ## Fix
    /// Re-prompt the user (`prompt=login`) when the session is too old; the authorization server
    /// must include `auth_time` whenever `max_age` is requested.
    ///
    /// ## References
    /// OIDC Core §2, §3.1.2.1, §3.1.3.7
    pub struct Jwt014 {
        code: "JWT014",
        name: "auth-time-max-age",
        title: "auth_time missing or too old for max_age",
        category: AccountState,
        severity: Error,
        kind: Diag,
        fix: "re-authenticate the user (`prompt=login`) when `auth_time` is older than `max_age`; the server must send `auth_time` when `max_age` is used",
        references: ["OIDC Core §2", "OIDC Core §3.1.2.1", "OIDC Core §3.1.3.7"],
    }
}

impl Rule for Jwt014 {
    fn check(&self, cx: &mut Context<'_>) {
        let leeway = cx.options.leeway;
        for (t, v, d) in received_id_tokens(cx) {
            let Some(az) = authorize_of_code(cx, t) else {
                continue;
            };
            let Some(max_age) = az
                .request
                .param("max_age")
                .and_then(|m| m.trim().parse::<i64>().ok())
            else {
                continue;
            };
            let (why, category) = match d.claim_time("auth_time") {
                None => (
                    "the ID token has no `auth_time` (the server must send it when `max_age` is used)".to_string(),
                    Category::Other,
                ),
                Some(at) => {
                    let Some(now) = cx.judged_at_secs(t) else { continue };
                    if now.saturating_sub(at) <= max_age.saturating_add(leeway) {
                        continue;
                    }
                    (
                        format!(
                            "the user authenticated {} before the token response (`auth_time` {at}), more than `max_age` {max_age} s: the server reused an old session",
                            span(now.saturating_sub(at))
                        ),
                        Category::AccountState,
                    )
                }
            };
            let (anchor, outcome) = id_token_anchor(cx, t);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let confirmed =
                is_failure(a) && server_says(a, &[], &["auth_time", "max_age", "authentication"]);
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the authorization request (exchange {}) asked for `max_age={max_age}` but {why}",
                        az.number()
                    ),
                )
                .category(category)
                .strength(Strength::Recomputed)
                .text(az.index, "request.query.max_age", max_age.to_string())
                .text(t.index, "jwt.claims", claims_text(&d, &["auth_time", "iat"]))
                .secret(t.index, "response.body.id_token", v);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// JWT015
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Lints every captured key set and the `jwk` of DPoP proof and client-assertion headers:
    /// private key members (`d`, `p`, `q`, `dp`, `dq`, `qi`) or a symmetric secret (`k`) are an
    /// error; several signing keys without `kid`, two different keys of the same type sharing a
    /// `kid`, and a token naming a key whose `use` is `enc` are warnings.
    ///
    /// ## Why it fails
    /// Published private material lets anyone mint valid tokens. Keys without distinct `kid`s
    /// make validators try keys in turn or pick the wrong one (intermittent failures after a
    /// rotation); an encryption key must not verify signatures.
    ///
    /// ## Example
    /// `{"keys":[{"kty":"RSA","kid":"idp-2026-11","n":"…","e":"AQAB","d":"…","p":"…"}]}` at the
    /// `jwks_uri`.
    ///
    /// ## Fix
    /// Give every key a unique `kid`; separate signing and encryption keys; if private material
    /// was published, remove it and rotate the key now.
    ///
    /// ## References
    /// RFC 7517 §4.2, §4.5, §5; RFC 7518 §6.2.2, §6.3.2; OIDC Core §10.1.1
    pub struct Jwt015 {
        code: "JWT015",
        name: "jwks-hygiene",
        title: "jwks hygiene problems",
        category: SignatureKey,
        severity: Warning,
        kind: Lint,
        fix: "give every key a unique `kid`, separate `sig` and `enc` keys, and if private material was published remove it and rotate the key now",
        references: ["RFC 7517 §4.2", "RFC 7517 §4.5", "RFC 7517 §5", "OIDC Core §10.1.1"],
    }
}

const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

/// Private members present in a JWK.
pub(super) fn private_members(k: &Value) -> Vec<&'static str> {
    PRIVATE_MEMBERS
        .iter()
        .copied()
        .filter(|m| k.get(*m).is_some())
        .collect()
}

fn key_material(k: &Value) -> String {
    ["kty", "crv", "n", "e", "x", "y", "k"]
        .iter()
        .map(|m| k.get(*m).and_then(Value::as_str).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("|")
}

impl Rule for Jwt015 {
    fn check(&self, cx: &mut Context<'_>) {
        let groups = token_groups(cx);
        for set in key_sets(cx) {
            let name = |k: &Value, i: usize| {
                k.get("kid")
                    .and_then(Value::as_str)
                    .map(|s| format!("`{s}`"))
                    .unwrap_or_else(|| format!("#{i}"))
            };
            // Private material.
            for (i, k) in set.keys.iter().enumerate() {
                let private = private_members(k);
                if private.is_empty() {
                    continue;
                }
                cx.report(
                    set.exchange,
                    format!(
                        "the key set at `{}` publishes private key material: key {} has {}; anyone can sign tokens with it",
                        set.url,
                        name(k, i),
                        private.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .severity(Severity::Error)
                .strength(Strength::Direct)
                .text(set.exchange, format!("response.body.keys[{i}]"), format!("private members: {}", private.join(", ")))
                .emit();
            }
            // Signing keys without kid.
            let signing: Vec<&Value> = set
                .keys
                .iter()
                .filter(|k| k.get("use").and_then(Value::as_str) != Some("enc"))
                .collect();
            let without_kid = signing.iter().filter(|k| k.get("kid").is_none()).count();
            if signing.len() >= 2 && without_kid > 0 {
                cx.report(
                    set.exchange,
                    format!(
                        "the key set at `{}` has {} signing keys and {without_kid} of them have no `kid`: validators cannot pick the key",
                        set.url,
                        signing.len()
                    ),
                )
                .strength(Strength::Direct)
                .text(set.exchange, "response.body.keys", format!("{} keys, {without_kid} without kid", set.keys.len()))
                .emit();
            }
            // Duplicate kid with different material.
            let mut reported: Vec<&str> = Vec::new();
            for (i, a) in set.keys.iter().enumerate() {
                let Some(kid) = a.get("kid").and_then(Value::as_str) else {
                    continue;
                };
                if reported.contains(&kid) {
                    continue;
                }
                let dup = set.keys.iter().skip(i + 1).any(|b| {
                    b.get("kid").and_then(Value::as_str) == Some(kid)
                        && b.get("kty") == a.get("kty")
                        && key_material(a) != key_material(b)
                });
                if dup {
                    reported.push(kid);
                    cx.report(
                        set.exchange,
                        format!(
                            "the key set at `{}` has different keys sharing `kid: {kid}`: validators that cache by `kid` use the wrong key",
                            set.url
                        ),
                    )
                    .strength(Strength::Direct)
                    .text(set.exchange, "response.body.keys[].kid", kid)
                    .emit();
                }
            }
            // A token names an encryption key.
            for k in set
                .keys
                .iter()
                .filter(|k| k.get("use").and_then(Value::as_str) == Some("enc"))
            {
                let Some(kid) = k.get("kid").and_then(Value::as_str) else {
                    continue;
                };
                let Some(g) = groups.iter().find(|g| {
                    g.decoded()
                        .is_some_and(|d| d.kid() == Some(kid) && d.alg().is_some_and(is_asymmetric))
                }) else {
                    continue;
                };
                let first = g.first();
                cx.report(
                    set.exchange,
                    format!(
                        "a signed {} names `kid: {kid}`, which the key set at `{}` marks `use: enc`",
                        g.role().name(),
                        set.url
                    ),
                )
                .strength(Strength::Direct)
                .text(set.exchange, "response.body.keys[].use", "enc")
                .secret(first.exchange, first.at.clone(), g.value)
                .emit();
            }
        }
        // Header `jwk` of proofs and assertions.
        for g in groups.iter() {
            if !matches!(
                g.role(),
                Role::Proof | Role::ClientAssertion | Role::GrantAssertion
            ) {
                continue;
            }
            let Some(d) = g.decoded() else { continue };
            let Some(jwk) = d.header.get("jwk") else {
                continue;
            };
            let private = private_members(jwk);
            if private.is_empty() {
                continue;
            }
            let first = g.first();
            cx.report(
                first.exchange,
                format!(
                    "the {} header's `jwk` carries private key members {}: the private key was sent over the wire",
                    g.role().name(),
                    private.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                ),
            )
            .severity(Severity::Error)
            .strength(Strength::Direct)
            .text(first.exchange, "jwt.header.jwk", format!("private members: {}", private.join(", ")))
            .secret(first.exchange, first.at.clone(), g.value)
            .emit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    fn token_exchange(body: Value) -> Value {
        json!({
            "started_at": "2026-11-29T10:00:00Z",
            "request": { "method": "POST", "url": "https://idp.example/oauth2/token",
                "headers": [["Content-Type", "application/x-www-form-urlencoded"]],
                "body": "grant_type=client_credentials&client_id=svc&client_secret=s3cr3t" },
            "response": { "status": 200,
                "headers": [["Content-Type", "application/json"], ["Date", "Sun, 29 Nov 2026 10:00:00 GMT"]],
                "body": body.to_string() }
        })
    }

    fn api_call(token: &str, status: u16, www: &str) -> Value {
        json!({
            "started_at": "2026-11-29T10:00:05Z",
            "request": { "method": "GET", "url": "https://api.example/v1/orders",
                "headers": [["Authorization", format!("Bearer {token}")]] },
            "response": { "status": status,
                "headers": [["WWW-Authenticate", www], ["Date", "Sun, 29 Nov 2026 10:00:05 GMT"]] }
        })
    }

    #[test]
    fn id_token_sent_to_an_api_is_jwt005() {
        let idt = jwt(
            json!({"alg":"RS256","typ":"JWT"}),
            json!({"iss":"https://idp.example","aud":"svc","nonce":"n1","exp":1_900_000_000}),
        );
        let f = run(json!([
            token_exchange(
                json!({"access_token":"opaque-at","token_type":"Bearer","id_token":idt})
            ),
            api_call(
                &idt,
                401,
                r#"Bearer error="invalid_token", error_description="jwt audience invalid""#
            ),
        ]));
        let x = finding(&f, "JWT005").expect("JWT005");
        assert_eq!(x.category, Category::AudienceIssuer);
        assert_eq!(x.strength, Strength::Recomputed);
        assert!(!x.message.contains(&idt), "the token must not be printed");
        assert!(finding(&f, "JWT004").is_none() || f[0].rule == "JWT005");
    }

    #[test]
    fn truncated_access_token_is_jwt008_with_the_cut() {
        let at = jwt(
            json!({"alg":"RS256","typ":"at+jwt","kid":"k1"}),
            json!({"iss":"https://idp.example","aud":"https://api.example","sub":"svc","scope":"orders.read orders.write inventory.read","exp":1_900_000_000,"jti":"abcdefghijklmnopqrstuvwxyz"}),
        );
        let cut = &at[..at.find('.').unwrap() + 20];
        let f = run(json!([
            token_exchange(json!({"access_token":at,"token_type":"Bearer","expires_in":3600})),
            api_call(
                cut,
                401,
                r#"Bearer error="invalid_token", error_description="jwt malformed""#
            ),
        ]));
        let x = finding(&f, "JWT008").expect("JWT008");
        assert_eq!(x.rank, 1);
        assert_eq!(x.category, Category::Parameters);
        assert!(x.message.contains("truncated"), "{}", x.message);
    }

    #[test]
    fn alg_none_is_reported_and_a_signed_token_is_not() {
        let unsigned = format!(
            "{}.{}.",
            b64(&json!({"alg":"none"})),
            b64(&json!({"iss":"https://idp.example","aud":"https://api.example"}))
        );
        let f = run(json!([api_call(
            &unsigned,
            401,
            r#"Bearer error="invalid_token", error_description="unsigned token""#
        )]));
        assert_eq!(f[0].rule, "JWT001");
        let signed = jwt(
            json!({"alg":"RS256"}),
            json!({"iss":"https://idp.example","aud":"https://api.example"}),
        );
        let f = run(json!([api_call(&signed, 200, "")]));
        assert!(finding(&f, "JWT001").is_none());
    }

    #[test]
    fn issuer_variants_are_named() {
        assert_eq!(
            issuer_diff(
                "https://idp.example/realms/a",
                "https://idp.example/realms/a/"
            ),
            Some("only a trailing `/` differs")
        );
        assert_eq!(
            issuer_diff(
                "https://login.example.org/realms/acme",
                "https://keycloak.svc.cluster.local:8443/realms/acme"
            ),
            Some("same path on another host (internal vs public host name)")
        );
        assert_eq!(
            issuer_diff(
                "https://login.microsoftonline.com/4b2e9c71-3f0d-4a8e-9d55-6c1e2f7a8b90/v2.0",
                "https://sts.windows.net/4b2e9c71-3f0d-4a8e-9d55-6c1e2f7a8b90/"
            ),
            Some("the v1 and v2 issuer forms of the same Entra tenant")
        );
        assert_eq!(issuer_diff("https://a.example", "https://a.example"), None);
    }

    #[test]
    fn published_private_key_material_is_an_error_lint() {
        let f = run(json!([{
            "started_at": "2026-11-29T10:00:00Z",
            "request": { "method": "GET", "url": "https://idp.example/oauth2/jwks" },
            "response": { "status": 200, "headers": [["Content-Type", "application/json"]],
                "body": json!({"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"eA","y":"eQ","d":"c2VjcmV0"}]}).to_string() }
        }]));
        let x = finding(&f, "JWT015").expect("JWT015");
        assert!(x.message.contains("`d`"));
        assert!(
            !x.message.contains("c2VjcmV0"),
            "private values are never printed"
        );
    }

    #[test]
    fn spans_read_like_a_person_wrote_them() {
        assert_eq!(span(45), "45 s");
        assert_eq!(span(-300), "5 min");
        assert_eq!(span(7200), "2 h");
    }
}
