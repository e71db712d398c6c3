//! JWT: token format, signature and claims of the JWTs a capture carries — access tokens presented
//! to resource servers, ID tokens received by clients, client assertions, DPoP proofs — checked
//! against the capture's own discovery document, key sets and clock. Tokens are
//! decoded by hand (`oauth::jwt`), never verified here: a signature counts as checked only when
//! live mode checked it against the key set and attached the outcome to the exchange
//! ([`crate::model::Verified`]). The rules never print a token, only its fingerprint and its
//! decoded header and claims.

mod jwt001_unsigned_jwt;
mod jwt002_unknown_signing_key;
mod jwt003_issuer_mismatch;
mod jwt004_audience_mismatch;
mod jwt005_id_token_as_access_token;
mod jwt006_access_token_not_at_jwt;
mod jwt007_algorithm_not_permitted;
mod jwt008_malformed_jwt;
mod jwt009_opaque_token_parsed_as_jwt;
mod jwt010_id_token_audience;
mod jwt011_id_token_nonce;
mod jwt012_id_token_expired;
mod jwt013_at_hash_mismatch;
mod jwt014_auth_time_max_age;
mod jwt015_jwks_hygiene;
mod jwt016_issuer_not_configured;
mod jwt017_audience_not_configured;
mod jwt018_algorithm_not_configured;

pub use jwt001_unsigned_jwt::Jwt001;
pub use jwt002_unknown_signing_key::Jwt002;
pub use jwt003_issuer_mismatch::Jwt003;
pub use jwt004_audience_mismatch::Jwt004;
pub use jwt005_id_token_as_access_token::Jwt005;
pub use jwt006_access_token_not_at_jwt::Jwt006;
pub use jwt007_algorithm_not_permitted::Jwt007;
pub use jwt008_malformed_jwt::Jwt008;
pub use jwt009_opaque_token_parsed_as_jwt::Jwt009;
pub use jwt010_id_token_audience::Jwt010;
pub use jwt011_id_token_nonce::Jwt011;
pub use jwt012_id_token_expired::Jwt012;
pub use jwt013_at_hash_mismatch::Jwt013;
pub use jwt014_auth_time_max_age::Jwt014;
pub use jwt015_jwks_hygiene::Jwt015;
pub use jwt016_issuer_not_configured::Jwt016;
pub use jwt017_audience_not_configured::Jwt017;
pub use jwt018_algorithm_not_configured::Jwt018;

use super::shared::{date_header, str_list, trim_slash};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Severity, Strength};
use crate::model::{Exchange, Kind, Verification, Verified};
use crate::oauth::jwt::{self as jose, DecodedJwt};
use serde_json::{Map, Value};

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Jwt001, &Jwt002, &Jwt003, &Jwt004, &Jwt005, &Jwt006, &Jwt007, &Jwt008, &Jwt009, &Jwt010,
    &Jwt011, &Jwt012, &Jwt013, &Jwt014, &Jwt015, &Jwt016, &Jwt017, &Jwt018,
];

/// This family's place when findings tie on everything else (PROV first, BCP last).
const TIE_BREAK: u8 = 9;

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
    if let Some(err) = e.server_error() {
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
    if e.server_error()
        .is_some_and(|er| codes.iter().any(|c| er.code.eq_ignore_ascii_case(c)))
    {
        return true;
    }
    let t = failure_text(e);
    words.iter().any(|w| t.contains(w))
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

/// The discovery document that announces the exchange's endpoint as `field`.
pub(super) fn metadata_naming<'a>(
    cx: &Context<'a>,
    field: &str,
    e: &Exchange,
) -> Option<&'a Map<String, Value>> {
    let idx: &'a crate::model::flow::Index = cx.index;
    idx.metadata_announcing(field, &e.request.endpoint())
        .and_then(|(_, d)| d.as_object())
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

const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

/// Private members present in a JWK.
pub(super) fn private_members(k: &Value) -> Vec<&'static str> {
    PRIVATE_MEMBERS
        .iter()
        .copied()
        .filter(|m| k.get(*m).is_some())
        .collect()
}

// Signatures live mode verified (JWT001 / JWT002)
// ------------------------------------------------------------------------------------------

/// Report each token signature live mode checked whose outcome `wanted` selects, on exchanges
/// where the rule has not already reported from the capture (`reported`): the token and, when
/// the header names one, its `kid` are the evidence; the outcome says what was wrong.
fn report_verified(
    cx: &mut Context<'_>,
    reported: &std::collections::HashSet<usize>,
    wanted: impl Fn(&Verification) -> bool,
) {
    let exchanges = cx.exchanges;
    for e in exchanges.iter().filter(|e| !reported.contains(&e.index)) {
        for v in &e.verified {
            let Verified::TokenSignature {
                field,
                keys_from,
                outcome,
            } = v;
            if !wanted(outcome) {
                continue;
            }
            let kid = match outcome {
                Verification::KidNotFound { kid, .. } => Some(kid.as_str()),
                Verification::BadSignature { kid, .. } => kid.as_deref(),
                _ => None,
            };
            let token = e
                .response
                .as_ref()
                .and_then(|r| r.field(field))
                .unwrap_or("");
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the `{field}` returned by the token endpoint, checked with the keys from {keys_from}: {}",
                        outcome.describe()
                    ),
                )
                .strength(Strength::Recomputed)
                .secret(e.index, format!("response.body.{field}"), token);
            if let Some(k) = kid {
                rep = rep.text(e.index, format!("{field}.header.kid"), k);
            }
            rep.emit();
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

    /// The findings of a capture whose first exchange carries what live mode verified.
    fn run_verified(exchanges: Value, verified: Vec<Verified>) -> Vec<crate::diagnosis::Finding> {
        let doc = json!({ "exchanges": exchanges }).to_string();
        let mut loaded = crate::capture::load_bytes(std::sync::Arc::from("live"), doc.as_bytes())
            .expect("test capture");
        loaded.exchanges[0].verified = verified;
        crate::analyze(
            loaded.exchanges,
            &crate::rules::Options::default(),
            &crate::RuleFilter::default(),
        )
        .findings
    }

    fn signature(outcome: Verification) -> Vec<Verified> {
        vec![Verified::TokenSignature {
            field: "access_token".into(),
            keys_from: "https://idp.example/jwks".into(),
            outcome,
        }]
    }

    #[test]
    fn a_signature_live_mode_could_not_verify_is_jwt002() {
        let at = jwt(
            json!({"alg":"RS256","kid":"k-new"}),
            json!({"iss":"https://idp.example","sub":"svc","exp":1_900_000_000}),
        );
        let capture = json!([token_exchange(
            json!({"access_token":at,"token_type":"Bearer"})
        )]);
        // The capture alone holds no key set: nothing to say about the kid.
        assert!(finding(&run(capture.clone()), "JWT002").is_none());
        let f = run_verified(
            capture.clone(),
            signature(Verification::KidNotFound {
                kid: "k-new".into(),
                available: vec!["k-old".into()],
            }),
        );
        let x = finding(&f, "JWT002").expect("JWT002");
        assert_eq!(
            x.message,
            "the `access_token` returned by the token endpoint, checked with the keys from https://idp.example/jwks: signing key `k-new` is not in the key set (it has `k-old`)"
        );
        assert_eq!(x.strength, Strength::Recomputed);
        assert_eq!(x.anchor, Some(0));
        let at_kid: Vec<(&str, String)> = x
            .evidence
            .iter()
            .map(|e| (e.at.as_str(), format!("{:?}", e.value)))
            .collect();
        assert_eq!(
            at_kid,
            [
                (
                    "response.body.access_token",
                    format!("{:?}", crate::diagnosis::Value::Secret(at.clone()))
                ),
                (
                    "access_token.header.kid",
                    format!("{:?}", crate::diagnosis::Value::Text("k-new".into()))
                ),
            ]
        );
        // A verified signature is not a finding; an unsigned one is JWT001's, not JWT002's.
        let ok = run_verified(
            capture.clone(),
            signature(Verification::Verified {
                alg: "RS256".into(),
                kid: Some("k-new".into()),
            }),
        );
        assert!(finding(&ok, "JWT002").is_none() && finding(&ok, "JWT001").is_none());
        let none = run_verified(capture, signature(Verification::Unsigned));
        assert!(finding(&none, "JWT002").is_none());
        let x = finding(&none, "JWT001").expect("JWT001");
        assert!(
            x.message.ends_with(
                "the token is unsigned (`alg: none` or no signature): anyone can forge it"
            ),
            "{}",
            x.message
        );
    }

    #[test]
    fn an_unsigned_token_is_reported_once_when_live_mode_checked_it_too() {
        let unsigned = format!(
            "{}.{}.",
            b64(&json!({"alg":"none"})),
            b64(&json!({"iss":"https://idp.example","sub":"svc"}))
        );
        let capture = json!([token_exchange(
            json!({"access_token":unsigned,"token_type":"Bearer"})
        )]);
        let from_capture = run(capture.clone());
        let x = finding(&from_capture, "JWT001").expect("JWT001");
        assert_eq!(x.anchor, Some(0));
        let f = run_verified(capture, signature(Verification::Unsigned));
        assert_eq!(of(&f, "JWT001").len(), 1, "{}", summary(&f));
        assert_eq!(finding(&f, "JWT001").unwrap().message, x.message);
    }

    #[test]
    fn spans_read_like_a_person_wrote_them() {
        assert_eq!(span(45), "45 s");
        assert_eq!(span(-300), "5 min");
        assert_eq!(span(7200), "2 h");
    }
}
