//! What the pictures put side by side: the parameters that must agree across the requests of
//! an authorization-code flow (RFC 6749 §4.1, RFC 7636 §4.6, OpenID Connect Core §3.1.3.7),
//! the JWTs of the capture decoded (header and claims, never the signature; times relative to
//! the capture's own clock), and the provider's metadata document. Read from the model only;
//! nothing here is a finding, and printers render every value through the redactor.

use super::Report;
use super::flow::top_finding;
use crate::diagnosis::Value as EvidenceValue;
use crate::model::{Exchange, Kind};
use crate::oauth::{jwt, pkce};
use crate::redact::{Redactor, is_redacted};
use jiff::Timestamp;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// A value as a side of a comparison shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// A value that is not a secret (scrubbed all the same).
    Text(String),
    /// A secret: only its fingerprint is shown.
    Secret(String),
    /// The capture holds a placeholder instead of the value (`oauth-doctor redact`, or
    /// another tool's): the value is unknown.
    Redacted(String),
    /// The request did not carry it.
    NotSent,
    /// The exchange that would carry it is not in the capture.
    OutOfCapture,
}

impl Shown {
    pub fn render(&self, red: &Redactor) -> String {
        match self {
            Shown::Text(t) => red.scrub(t),
            Shown::Secret(s) => red.value(&EvidenceValue::Secret(s.clone())),
            Shown::Redacted(p) => format!(
                "redacted in the capture ({})",
                red.scrub(&short_placeholder(p))
            ),
            Shown::NotSent => "not sent".into(),
            Shown::OutOfCapture => "not in the capture".into(),
        }
    }

    pub fn is_value(&self) -> bool {
        matches!(self, Shown::Text(_) | Shown::Secret(_))
    }
}

/// Whether the two sides of a row agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreement {
    Same,
    Differs,
    /// One side carries it, the other does not.
    Missing,
    /// A side is redacted or out of the capture: cannot tell.
    Unknown,
    /// Neither side carries it, or the later side need not repeat it.
    NotCompared,
}

impl Agreement {
    pub fn as_str(self) -> &'static str {
        match self {
            Agreement::Same => "same",
            Agreement::Differs => "differs",
            Agreement::Missing => "missing",
            Agreement::Unknown => "unknown",
            Agreement::NotCompared => "not compared",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Agreement::Same => "=",
            Agreement::Differs | Agreement::Missing => "≠",
            Agreement::Unknown | Agreement::NotCompared => "?",
        }
    }
}

/// One side of a row: which exchange, where in it, what value.
#[derive(Debug, Clone)]
pub struct Side {
    pub exchange: Option<usize>,
    pub at: String,
    pub value: Shown,
    /// A word on how the value was obtained (`granted`, `recomputed from code_verifier`),
    /// followed by `note_value` when there is one.
    pub note: Option<String>,
    pub note_value: Option<Shown>,
}

impl Side {
    fn new(exchange: Option<usize>, at: impl Into<String>, value: Shown) -> Side {
        Side {
            exchange,
            at: at.into(),
            value,
            note: None,
            note_value: None,
        }
    }

    fn out_of_capture(what: &str) -> Side {
        Side::new(None, what, Shown::OutOfCapture)
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    /// `client_id`, `redirect_uri`, `scope`, `PKCE`, `state`, `nonce`, `code`.
    pub name: &'static str,
    pub left: Side,
    pub right: Side,
    pub agreement: Agreement,
    /// The top cause's evidence names this parameter.
    pub concerned: bool,
}

/// The parameters of one authorization-code redemption next to those of the authorization
/// request and response it redeems.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub token: usize,
    pub authorize: Option<usize>,
    pub response: Option<usize>,
    pub rows: Vec<Row>,
}

/// The exchange a value was read from, as `(index, where)`.
fn param_side(e: &Exchange, name: &str, secret: bool) -> Side {
    let r = &e.request;
    let in_body = r.form.has(name) || r.json.as_ref().is_some_and(|j| j.get(name).is_some());
    // Where a parameter that was not sent belongs: the body of a POST, else the query.
    let absent_from_body = !r.query.has(name) && r.method == "POST" && r.body.is_some();
    let at = if in_body || absent_from_body {
        format!("request.body.{name}")
    } else {
        format!("request.query.{name}")
    };
    match r.param(name) {
        Some(v) => Side::new(Some(e.index), at, shown(&v, secret)),
        None => Side::new(Some(e.index), at, Shown::NotSent),
    }
}

fn shown(v: &str, secret: bool) -> Shown {
    if is_redacted(v) {
        Shown::Redacted(v.to_string())
    } else if secret {
        Shown::Secret(v.to_string())
    } else {
        Shown::Text(v.to_string())
    }
}

/// A placeholder without the padding and characters a shaped one carries after its digest:
/// `REDACTED-43c-25850e2e`.
fn short_placeholder(p: &str) -> String {
    match p.find("c-") {
        Some(i) if p.len() >= i + 10 => p[..i + 10].to_string(),
        _ => p.to_string(),
    }
}

/// The raw value a side holds, for comparing.
fn raw(s: &Shown) -> Option<&str> {
    match s {
        Shown::Text(t) | Shown::Secret(t) | Shown::Redacted(t) => Some(t),
        _ => None,
    }
}

fn agree(l: &Side, r: &Side) -> Agreement {
    match (raw(&l.value), raw(&r.value)) {
        (Some(a), Some(b)) if a == b => Agreement::Same,
        // A placeholder stands for an unknown value: equal placeholders prove equal values,
        // different ones prove nothing.
        (Some(a), Some(b)) if is_redacted(a) || is_redacted(b) => Agreement::Unknown,
        (Some(_), Some(_)) => Agreement::Differs,
        _ if l.value == Shown::OutOfCapture || r.value == Shown::OutOfCapture => Agreement::Unknown,
        (Some(_), None) | (None, Some(_)) => Agreement::Missing,
        (None, None) => Agreement::NotCompared,
    }
}

/// The code redemption to compare: the failing one when the top cause is on a code
/// redemption, else the last one of the failing flow, else the last one of the capture.
fn pick_token(r: &Report<'_>) -> Option<usize> {
    let is_code = |e: &Exchange| {
        e.kind == Kind::Token
            && e.request.param("grant_type").as_deref() == Some("authorization_code")
    };
    let focus = top_finding(r).and_then(|f| f.anchor);
    if let Some(f) = focus {
        if r.exchanges.get(f).is_some_and(is_code) {
            return Some(f);
        }
        let flow = r.index.flow_of.get(f).and_then(|id| r.index.flows.get(*id));
        if let Some(i) = flow.and_then(|fl| {
            fl.exchanges
                .iter()
                .rev()
                .find(|&&i| r.exchanges.get(i).is_some_and(is_code))
        }) {
            return Some(*i);
        }
    }
    r.exchanges
        .iter()
        .rev()
        .find(|e| is_code(e))
        .map(|e| e.index)
}

/// The parameters of the code redemption [`pick_token`] chooses, side by side with the
/// authorization request and response; `None` when the capture redeems no code.
pub fn comparison(r: &Report<'_>) -> Option<Comparison> {
    let t = pick_token(r)?;
    let token = &r.exchanges[t];
    let authorize = r.index.authorize_for_token(r.exchanges, token);
    let code = token.request.param("code");
    let response = code
        .as_deref()
        .and_then(|c| r.index.authz_response_for_code(c));
    let mut rows = Vec::new();
    let az = |name: &str, secret: bool| match authorize {
        Some(a) => param_side(a, name, secret),
        None => Side::out_of_capture("authorization request"),
    };

    // client_id: the authorization request's, and the one the token request authenticates as.
    let left = az("client_id", false);
    let right = match token
        .request
        .basic_credentials()
        .and_then(|b| b.decoded_id())
    {
        Some(id) => Side::new(
            Some(t),
            "request.headers.authorization (Basic user)",
            shown(&id, false),
        ),
        None => param_side(token, "client_id", false),
    };
    rows.push(row("client_id", left, right));

    let left = az("redirect_uri", false);
    let right = param_side(token, "redirect_uri", false);
    rows.push(row("redirect_uri", left, right));

    // scope: a code redemption need not repeat it (RFC 6749 §4.1.3); the granted scope is
    // shown instead.
    let left = az("scope", false);
    let mut right = param_side(token, "scope", false);
    if right.value == Shown::NotSent {
        if let Some(granted) = token.response.as_ref().and_then(|resp| resp.field("scope")) {
            right = Side::new(
                Some(t),
                "response.body.scope",
                Shown::Text(granted.to_string()),
            );
            right.note = Some("granted".into());
        }
    }
    let mut scope = row("scope", left, right);
    if let (Some(a), Some(b)) = (raw(&scope.left.value), raw(&scope.right.value)) {
        let set = |s: &str| {
            s.split_whitespace()
                .map(str::to_string)
                .collect::<HashSet<_>>()
        };
        if set(a) == set(b) {
            scope.agreement = Agreement::Same;
        }
    }
    if scope.right.value == Shown::NotSent {
        scope.agreement = Agreement::NotCompared;
    }
    rows.push(scope);

    rows.push(pkce_row(authorize, token));

    // state: sent with the authorization request, returned with the authorization response.
    let left = az("state", false);
    let right = match (response, authorize) {
        (Some(resp), _) => match resp.params.get("state") {
            Some(v) => Side::new(Some(resp.exchange), resp.at("state"), shown(v, false)),
            None => Side::new(Some(resp.exchange), resp.at("state"), Shown::NotSent),
        },
        (None, _) => Side::out_of_capture("authorization response"),
    };
    rows.push(row("state", left, right));

    // nonce: sent with the authorization request, echoed in the ID token.
    let left = az("nonce", false);
    let id_token = token
        .response
        .as_ref()
        .and_then(|resp| resp.field("id_token"))
        .map(|v| (t, "response.body.id_token".to_string(), v.to_string()))
        .or_else(|| {
            response.and_then(|resp| {
                resp.params
                    .get("id_token")
                    .map(|v| (resp.exchange, resp.at("id_token"), v.to_string()))
            })
        });
    let right = match &id_token {
        Some((i, at, v)) => match jwt::decode(v) {
            Ok(d) => match d.claim_str("nonce") {
                Some(n) => Side::new(Some(*i), format!("{at} claim nonce"), shown(n, false)),
                None => Side::new(Some(*i), format!("{at} claim nonce"), Shown::NotSent),
            },
            Err(_) => Side::new(Some(*i), at.clone(), Shown::Redacted(v.clone())),
        },
        None => {
            let mut s = Side::new(Some(t), "ID token", Shown::NotSent);
            s.note = Some("no ID token in the capture".into());
            s
        }
    };
    let mut nonce = row("nonce", left, right);
    if nonce.left.value == Shown::NotSent || id_token.is_none() {
        nonce.agreement = Agreement::NotCompared;
    }
    rows.push(nonce);

    // code: issued with the authorization response, redeemed by the token request.
    let left = match response {
        Some(resp) => match resp.params.get("code") {
            Some(c) => Side::new(Some(resp.exchange), resp.at("code"), shown(c, true)),
            None => Side::new(Some(resp.exchange), resp.at("code"), Shown::NotSent),
        },
        None => Side::out_of_capture("authorization response"),
    };
    let right = param_side(token, "code", true);
    rows.push(row("code", left, right));

    if let Some(top) = top_finding(r) {
        for row in &mut rows {
            row.concerned = concerns(top.category) == Some(row.name)
                || top
                    .evidence
                    .iter()
                    .any(|ev| names(row.name).iter().any(|n| mentions(&ev.at, n)));
        }
    }
    Some(Comparison {
        token: t,
        authorize: authorize.map(|a| a.index),
        response: response.map(|a| a.exchange),
        rows,
    })
}

/// The row a root-cause category is about.
fn concerns(c: crate::diagnosis::Category) -> Option<&'static str> {
    use crate::diagnosis::Category::*;
    match c {
        RedirectUri => Some("redirect_uri"),
        Pkce => Some("PKCE"),
        ScopeConsent => Some("scope"),
        Credentials => Some("client_id"),
        _ => None,
    }
}

/// The parameter names a row is about.
fn names(row: &str) -> &'static [&'static str] {
    match row {
        "client_id" => &["client_id"],
        "redirect_uri" => &["redirect_uri"],
        "scope" => &["scope"],
        "PKCE" => &["code_challenge", "code_verifier", "code_challenge_method"],
        "state" => &["state"],
        "nonce" => &["nonce"],
        "code" => &["code"],
        _ => &[],
    }
}

/// Whether an evidence location names parameter `name` as a whole word.
fn mentions(at: &str, name: &str) -> bool {
    at.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| w == name)
}

fn row(name: &'static str, left: Side, right: Side) -> Row {
    let agreement = agree(&left, &right);
    Row {
        name,
        left,
        right,
        agreement,
        concerned: false,
    }
}

/// PKCE: the challenge sent with the authorization request against the S256 of the verifier
/// the token request sends (RFC 7636 §4.6), recomputed here.
fn pkce_row(authorize: Option<&Exchange>, token: &Exchange) -> Row {
    let t = token.index;
    let mut left = match authorize {
        Some(a) => param_side(a, "code_challenge", false),
        None => Side::out_of_capture("authorization request"),
    };
    let method = authorize
        .and_then(|a| a.request.param("code_challenge_method"))
        .unwrap_or_else(|| "plain".to_string());
    if left.value.is_value() {
        left.note = Some(format!("code_challenge_method {method}"));
    }
    let verifier = token.request.param("code_verifier");
    let vat = param_side(token, "code_verifier", true).at;
    let right = match verifier.as_deref() {
        None => Side::new(Some(t), vat, Shown::NotSent),
        Some(v) if is_redacted(v) => Side::new(Some(t), vat, Shown::Redacted(v.to_string())),
        Some(v) if method.eq_ignore_ascii_case("plain") => {
            Side::new(Some(t), vat, Shown::Secret(v.to_string()))
        }
        Some(v) => {
            let mut s = Side::new(Some(t), format!("s256({vat})"), Shown::Text(pkce::s256(v)));
            s.note = Some("recomputed from code_verifier".into());
            s.note_value = Some(Shown::Secret(v.to_string()));
            s
        }
    };
    row("PKCE", left, right)
}

impl Row {
    /// The note of a side, its value rendered by the redactor.
    pub fn note(side: &Side, red: &Redactor) -> Option<String> {
        let n = side.note.as_ref()?;
        Some(match &side.note_value {
            Some(v) => format!("{} {}", red.scrub(n), v.render(red)),
            None => red.scrub(n),
        })
    }
}

// ---- decoded JWTs ---------------------------------------------------------------------------

/// A NumericDate claim shown in human form.
#[derive(Debug, Clone)]
pub struct TimeClaim {
    pub name: String,
    /// `2026-11-29 10:05:00 UTC`.
    pub absolute: String,
    /// `5 min after #4`, `expired 3 h before #4`, relative to the capture's clock at the
    /// exchange that carried the token; `None` when that exchange has no time.
    pub relative: Option<String>,
}

/// One JWT of the capture, decoded.
#[derive(Debug, Clone)]
pub struct DecodedToken {
    pub exchange: usize,
    /// `response.body.id_token`, `request.headers.authorization`.
    pub at: String,
    /// The token as captured (printers show its fingerprint only).
    pub token: String,
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    pub signature_len: usize,
    pub times: Vec<TimeClaim>,
}

/// At most this many tokens are decoded in a report.
pub const MAX_TOKENS: usize = 12;

/// Where tokens travel: (location prefix, parameter names).
const TOKEN_PARAMS: &[&str] = &[
    "id_token",
    "access_token",
    "refresh_token",
    "client_assertion",
    "assertion",
    "subject_token",
    "actor_token",
    "id_token_hint",
    "logout_token",
    "request",
    "token",
];

/// The JWTs the capture carries, each once, those of `first` (the failing flow) before the
/// others; at most [`MAX_TOKENS`]. The second value counts the JWTs left out.
pub fn tokens(r: &Report<'_>, first: &[usize]) -> (Vec<DecodedToken>, usize) {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut out = Vec::new();
    let mut more = 0;
    let first_set: HashSet<usize> = first.iter().copied().collect();
    let order = first
        .iter()
        .copied()
        .chain((0..r.exchanges.len()).filter(|i| !first_set.contains(i)));
    for i in order {
        let Some(e) = r.exchanges.get(i) else {
            continue;
        };
        for (at, v) in token_values(e) {
            if !jwt::looks_like_jwt(v) || !seen.insert(v) {
                continue;
            }
            let Ok(d) = jwt::decode(v) else { continue };
            if out.len() >= MAX_TOKENS {
                more += 1;
                continue;
            }
            let times = times(&d.claims, e);
            out.push(DecodedToken {
                exchange: i,
                at,
                token: v.to_string(),
                header: d.header,
                claims: d.claims,
                signature_len: d.signature_len,
                times,
            });
        }
    }
    (out, more)
}

fn token_values(e: &Exchange) -> Vec<(String, &str)> {
    let mut v = Vec::new();
    let r = &e.request;
    if let Some(t) = r.presented_token() {
        if let Some((_, cred)) = r.authorization() {
            if cred == t {
                v.push(("request.headers.authorization".to_string(), cred));
            }
        }
    }
    for name in TOKEN_PARAMS {
        if let Some(x) = r.form.get(name) {
            v.push((format!("request.body.{name}"), x));
        }
        if let Some(x) = r.query.get(name) {
            v.push((format!("request.query.{name}"), x));
        }
    }
    if let Some(resp) = &e.response {
        for name in ["id_token", "access_token", "refresh_token", "issued_token"] {
            if let Some(x) = resp.field(name) {
                v.push((format!("response.body.{name}"), x));
            }
        }
    }
    v
}

/// The NumericDate claims, in human form relative to the exchange's time.
fn times(claims: &Map<String, Value>, e: &Exchange) -> Vec<TimeClaim> {
    let clock = e.judged_at();
    let mut out = Vec::new();
    for name in ["iat", "nbf", "auth_time", "exp"] {
        let Some(secs) = claims.get(name).and_then(|v| match v {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }) else {
            continue;
        };
        let Ok(t) = Timestamp::from_second(secs) else {
            continue;
        };
        let relative = clock.map(|c| relative(name, t, c, e.index + 1));
        out.push(TimeClaim {
            name: name.to_string(),
            absolute: t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
            relative,
        });
    }
    out
}

fn relative(name: &str, t: Timestamp, clock: Timestamp, n: usize) -> String {
    let d = t.as_second() - clock.as_second();
    let span = span(d.unsigned_abs());
    match (name, d) {
        (_, 0) => format!("at the time of #{n}"),
        ("exp", d) if d < 0 => format!("expired {span} before #{n}"),
        ("exp", _) => format!("expires {span} after #{n}"),
        (_, d) if d < 0 => format!("{span} before #{n}"),
        _ => format!("{span} after #{n} (in the future)"),
    }
}

/// `42 s`, `5 min`, `1 h 5 min`, `3 d 2 h`.
pub fn span(secs: u64) -> String {
    const MIN: u64 = 60;
    const H: u64 = 60 * MIN;
    const D: u64 = 24 * H;
    let two = |a: u64, ua: &str, b: u64, ub: &str| {
        if b == 0 {
            format!("{a} {ua}")
        } else {
            format!("{a} {ua} {b} {ub}")
        }
    };
    if secs < MIN {
        format!("{secs} s")
    } else if secs < H {
        two(secs / MIN, "min", secs % MIN, "s")
    } else if secs < D {
        two(secs / H, "h", (secs % H) / MIN, "min")
    } else {
        two(secs / D, "d", (secs % D) / H, "h")
    }
}

/// The first discovery document of the capture as indented JSON, the exchange it came from,
/// and how many other distinct documents there are.
pub fn metadata(r: &Report<'_>) -> Option<(usize, String, usize)> {
    let mut docs = r.index.distinct_metadata();
    let (i, doc) = docs.next()?;
    let text = serde_json::to_string_pretty(&**doc).unwrap_or_default();
    Some((*i, text, docs.count()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_like_a_person_writes_them() {
        assert_eq!(span(42), "42 s");
        assert_eq!(span(300), "5 min");
        assert_eq!(span(303), "5 min 3 s");
        assert_eq!(span(3900), "1 h 5 min");
        assert_eq!(span(3 * 86400 + 7200), "3 d 2 h");
    }

    #[test]
    fn relative_times_name_the_exchange_of_the_clock() {
        let c = Timestamp::from_second(1_795_946_400).unwrap();
        let t = |d: i64| Timestamp::from_second(1_795_946_400 + d).unwrap();
        assert_eq!(relative("exp", t(-10_800), c, 4), "expired 3 h before #4");
        assert_eq!(relative("exp", t(300), c, 4), "expires 5 min after #4");
        assert_eq!(relative("iat", t(-5), c, 4), "5 s before #4");
        assert_eq!(
            relative("nbf", t(120), c, 2),
            "2 min after #2 (in the future)"
        );
    }

    #[test]
    fn agreement_treats_placeholders_as_unknown() {
        let s = |v: &str| Side::new(Some(0), "x", Shown::Text(v.to_string()));
        assert_eq!(agree(&s("a"), &s("a")), Agreement::Same);
        assert_eq!(agree(&s("a"), &s("b")), Agreement::Differs);
        let p = crate::redact::placeholder("secret-value");
        assert_eq!(agree(&s(&p), &s("b")), Agreement::Unknown);
        assert_eq!(agree(&s(&p), &s(&p)), Agreement::Same);
        let none = Side::new(Some(0), "x", Shown::NotSent);
        assert_eq!(agree(&s("a"), &none), Agreement::Missing);
        assert_eq!(agree(&none, &none), Agreement::NotCompared);
        let out = Side::out_of_capture("authorization request");
        assert_eq!(agree(&out, &s("a")), Agreement::Unknown);
    }

    #[test]
    fn evidence_locations_name_parameters_as_whole_words() {
        assert!(mentions(
            "s256(request.body.code_verifier)",
            "code_verifier"
        ));
        assert!(!mentions("request.body.code_verifier", "code"));
        assert!(mentions("request.body.code", "code"));
    }
}
