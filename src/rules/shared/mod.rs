//! Helpers the rule families share: reading captured text (URLs, HTML pages, metadata lists),
//! recognising what an exchange carries (token requests, server error signals), the capture
//! clock, and the lazily indexed correlation lookups ([`Lookup`]) that link token requests to
//! their authorization requests, responses and earlier redemptions. They only read the capture;
//! they judge nothing.

use crate::model::flow::{AuthzResponse, Index};
use crate::model::signal::ServerError;
use crate::model::{Exchange, Kind};
use crate::oauth::errors::standard;
use crate::oauth::jwt;
use serde_json::{Map, Value};
use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A URL (or issuer) without its trailing slashes.
pub(super) fn trim_slash(s: &str) -> &str {
    s.trim_end_matches('/')
}

/// A string list member of a JSON object (metadata, claims); `None` when it is not an array.
pub(super) fn str_list<'a>(d: &'a Map<String, Value>, field: &str) -> Option<Vec<&'a str>> {
    d.get(field)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
}

/// Visible text of an HTML page (tags removed, whitespace collapsed), bounded.
pub(super) fn page_text(body: &str) -> String {
    let mut out = String::with_capacity(body.len().min(4096));
    let mut in_tag = false;
    for c in body.chars().take(200_000) {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A `%XX` escape anywhere in the text.
pub(super) fn has_percent_escape(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// Levenshtein distance between two strings, by characters (short strings only).
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The server's `Date` header as it was sent: evidence of the server's clock.
pub(super) fn date_header(e: &Exchange) -> Option<&str> {
    e.response.as_ref().and_then(|r| r.headers.get("date"))
}

/// A 2xx answer that carries an `access_token`: the exchange issued tokens.
pub(super) fn issued_access_token(e: &Exchange) -> bool {
    e.response
        .as_ref()
        .is_some_and(|r| r.is_success() && r.field("access_token").is_some())
}

// ---------------------------------------------------------------------------------------------
// Token requests, server signals, the capture clock and the correlation lookups
// ---------------------------------------------------------------------------------------------
/// Milliseconds since the epoch at which the client sent the request (capture clock).
pub(super) fn sent_ms(e: &Exchange) -> Option<i64> {
    e.started_at.map(|t| t.as_millisecond())
}

/// Milliseconds since the epoch at which the response was complete (capture clock).
pub(super) fn done_ms(e: &Exchange) -> Option<i64> {
    sent_ms(e).map(|s| s.saturating_add(e.duration_ms.unwrap_or(0.0).max(0.0) as i64))
}

/// A duration for people: `45 s`, `12 min 26 s`, `3 h 5 min`, `4 d 2 h`.
pub(super) fn human(secs: i64) -> String {
    let s = secs.unsigned_abs();
    if s < 120 {
        format!("{s} s")
    } else if s < 7200 {
        if s % 60 == 0 {
            format!("{} min", s / 60)
        } else {
            format!("{} min {} s", s / 60, s % 60)
        }
    } else if s < 172_800 {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    } else {
        format!("{} d {} h", s / 86_400, (s % 86_400) / 3600)
    }
}

/// Small conveniences on the report builder.
pub(super) trait ReportExt: Sized {
    /// Mark the finding as confirmed by the server when `c` holds.
    fn confirmed_if(self, c: bool) -> Self;
}

impl ReportExt for super::Report<'_, '_> {
    fn confirmed_if(self, c: bool) -> Self {
        if c { self.confirmed() } else { self }
    }
}

/// Provider error codes that stand for a standard OAuth error (`bad_verification_code` at
/// GitHub is `invalid_grant`), read from the provider knowledge base `signatures.json`:
/// (provider, lower-case code) → standard code. RULES.md §2.10 asks for this normalisation
/// before ranking; the rules use it to recognise their server signal.
pub(super) fn provider_aliases() -> &'static HashMap<(String, String), String> {
    static ALIASES: OnceLock<HashMap<(String, String), String>> = OnceLock::new();
    ALIASES.get_or_init(|| {
        let mut m = HashMap::new();
        let doc: Value = serde_json::from_str(include_str!("../../providers/signatures.json"))
            .unwrap_or_default();
        for e in doc
            .get("entries")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(p), Some(c), Some(err)) = (
                e.get("provider").and_then(Value::as_str),
                e.get("code").and_then(Value::as_str),
                e.get("error").and_then(Value::as_str),
            ) else {
                continue;
            };
            if e.get("contains").is_some_and(|v| !v.is_null()) || standard(c).is_some() {
                continue;
            }
            m.entry((p.to_string(), c.to_ascii_lowercase()))
                .or_insert_with(|| err.to_string());
        }
        m
    })
}

/// The standard OAuth error code of an exchange's error: itself when standard, else what the
/// provider's own code stands for.
pub(super) fn standard_code(e: &Exchange) -> Option<String> {
    let x = err_of(e)?;
    if standard(&x.code).is_some() {
        return Some(x.code);
    }
    let code = x.code.to_ascii_lowercase();
    if let Some(p) = e.provider {
        return provider_aliases().get(&(p.to_string(), code)).cloned();
    }
    // No provider recognised: a code every provider that uses it maps the same way.
    let mut found: Option<&String> = None;
    for ((_, c), std) in provider_aliases() {
        if *c == code {
            if found.is_some_and(|f| f != std) {
                return None;
            }
            found = Some(std);
        }
    }
    found.cloned()
}

/// The server's error (normalised to the standard code) is one of the catalogue's
/// "corroborating server signal" values for the rule. RULES.md §3.2 gives such a rule full
/// server signal (C_signal 1.0) even when §2.10 does not list it under that code, or when the
/// provider spells the code its own way; a finding marks it with `confirmed()`.
pub(super) fn signal_is(e: &Exchange, codes: &[&str]) -> bool {
    standard_code(e).is_some_and(|c| codes.contains(&c.as_str()))
}

/// Like [`signal_is`], but only for provider-specific codes (a standard code is already
/// weighed by the ranking's own index, RULES.md §2.10).
pub(super) fn alias_signal(e: &Exchange, codes: &[&str]) -> bool {
    err_of(e).is_some_and(|x| standard(&x.code).is_none()) && signal_is(e, codes)
}

/// The server error of an exchange, if any.
pub(super) fn err_of(e: &Exchange) -> Option<ServerError> {
    e.server_error()
}

/// True when the exchange got a 2xx answer without an error in it.
pub(super) fn succeeded(e: &Exchange) -> bool {
    e.response.as_ref().is_some_and(|r| r.is_success()) && !e.failed()
}

/// A token-endpoint request: classified so, or an unclassified POST that carries a grant
/// parameter and got a token-endpoint-shaped answer (GitHub answers form-encoded bodies).
pub(super) fn is_token_request(e: &Exchange) -> bool {
    match e.kind {
        Kind::Token => true,
        Kind::Other => {
            let r = &e.request;
            r.method == "POST"
                && ["grant_type", "code", "refresh_token", "device_code"]
                    .iter()
                    .any(|p| r.form.has(p) || r.json.as_ref().is_some_and(|j| j.get(*p).is_some()))
                && e.response.as_ref().is_some_and(|resp| {
                    resp.field("access_token").is_some()
                        || resp.field("error").is_some()
                        || err_of(e).is_some()
                })
        }
        _ => false,
    }
}

/// The `grant_type` a token request sends.
pub(super) fn grant_of(e: &Exchange) -> Option<String> {
    e.request.param("grant_type")
}

/// An authorization-code redemption (`grant_type=authorization_code`, or a `code` without any
/// grant_type, as GitHub accepts).
pub(super) fn is_code_redemption(e: &Exchange) -> bool {
    is_token_request(e)
        && match grant_of(e).as_deref() {
            Some(g) => g == "authorization_code",
            None => e.request.param("code").is_some(),
        }
}

/// A refresh-token grant request.
pub(super) fn is_refresh(e: &Exchange) -> bool {
    is_token_request(e) && grant_of(e).as_deref() == Some("refresh_token")
}

/// How a token request was linked to its authorization request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Link {
    /// By the code: authorization response carrying it → `state` → authorization request.
    Code,
    /// Only by client: the latest earlier authorization request of the same client.
    Client,
}

/// Lazily built indexes over one capture, so that rules stay linear on captures with many
/// thousands of exchanges. Each map is built on first use.
pub(super) struct Lookup<'a> {
    pub ex: &'a [Exchange],
    pub idx: &'a Index,
    azr_by_code: OnceCell<HashMap<&'a str, usize>>,
    azr_by_state: OnceCell<HashMap<&'a str, Vec<usize>>>,
    azr_at: OnceCell<HashMap<usize, usize>>,
    par_by_uri: OnceCell<HashMap<&'a str, usize>>,
    az_by_uri: OnceCell<HashMap<&'a str, usize>>,
    az_by_state: OnceCell<HashMap<String, Vec<usize>>>,
    az_by_client: OnceCell<HashMap<String, Vec<usize>>>,
    az_list: OnceCell<Vec<usize>>,
    az_by_challenge: OnceCell<HashMap<String, Vec<usize>>>,
    redemptions: OnceCell<HashMap<String, Vec<usize>>>,
    refreshes: OnceCell<HashMap<String, Vec<usize>>>,
    issued: OnceCell<HashMap<&'a str, usize>>,
}

impl<'a> Lookup<'a> {
    pub fn new(ex: &'a [Exchange], idx: &'a Index) -> Lookup<'a> {
        Lookup {
            ex,
            idx,
            azr_by_code: OnceCell::new(),
            azr_by_state: OnceCell::new(),
            azr_at: OnceCell::new(),
            par_by_uri: OnceCell::new(),
            az_by_uri: OnceCell::new(),
            az_by_state: OnceCell::new(),
            az_by_client: OnceCell::new(),
            az_list: OnceCell::new(),
            az_by_challenge: OnceCell::new(),
            redemptions: OnceCell::new(),
            refreshes: OnceCell::new(),
            issued: OnceCell::new(),
        }
    }

    /// The authorization response that delivered `code` (the first one).
    pub fn azr_for_code(&self, code: &str) -> Option<&'a AuthzResponse> {
        let m = self.azr_by_code.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, a) in self.idx.authz_responses.iter().enumerate() {
                if let Some(c) = a.params.get("code") {
                    m.entry(c).or_insert(i);
                }
            }
            m
        });
        m.get(code).map(|&i| &self.idx.authz_responses[i])
    }

    /// The authorization response answering an authorization request: in its own
    /// `Location`, or a later one with the same `state`.
    pub fn azr_of(&self, az: &Exchange) -> Option<&'a AuthzResponse> {
        let at = self.azr_at.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, a) in self.idx.authz_responses.iter().enumerate() {
                m.entry(a.exchange).or_insert(i);
            }
            m
        });
        if let Some(&i) = at.get(&az.index) {
            return Some(&self.idx.authz_responses[i]);
        }
        let state = self.az_param(az, "state")?;
        let by_state = self.azr_by_state.get_or_init(|| {
            let mut m: HashMap<&str, Vec<usize>> = HashMap::new();
            for (i, a) in self.idx.authz_responses.iter().enumerate() {
                if let Some(s) = a.params.get("state") {
                    m.entry(s).or_default().push(i);
                }
            }
            m
        });
        by_state
            .get(state.as_str())?
            .iter()
            .map(|&i| &self.idx.authz_responses[i])
            .find(|a| a.exchange >= az.index)
    }

    /// The PAR exchange whose `request_uri` an authorization request uses.
    pub fn par_of(&self, az: &Exchange) -> Option<&'a Exchange> {
        let uri = az.request.query.get("request_uri")?;
        let m = self.par_by_uri.get_or_init(|| {
            let mut m = HashMap::new();
            for p in self.ex.iter().filter(|p| p.kind == Kind::Par) {
                if let Some(u) = p.response.as_ref().and_then(|r| r.field("request_uri")) {
                    m.entry(u).or_insert(p.index);
                }
            }
            m
        });
        m.get(uri).map(|&i| &self.ex[i])
    }

    /// A parameter of an authorization request wherever it travelled: the query, the pushed
    /// request (PAR) or the request object (`request=` JWT, read without verification).
    pub fn az_param(&self, az: &Exchange, name: &str) -> Option<String> {
        if az.kind == Kind::Par {
            return az.request.param(name);
        }
        if let Some(v) = az.request.query.get(name) {
            return Some(v.to_string());
        }
        if let Some(p) = self.par_of(az) {
            if let Some(v) = p.request.param(name) {
                return Some(v);
            }
        }
        let ro = az.request.query.get("request")?;
        let d = jwt::decode(ro).ok()?;
        match d.claims.get(name)? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    /// A PAR exchange stands for the authorization request that used its `request_uri`.
    fn authorize_request(&self, e: &'a Exchange) -> &'a Exchange {
        if e.kind != Kind::Par {
            return e;
        }
        let m = self.az_by_uri.get_or_init(|| {
            let mut m = HashMap::new();
            for a in self.ex.iter().filter(|a| a.kind == Kind::Authorize) {
                if let Some(u) = a.request.query.get("request_uri") {
                    m.entry(u).or_insert(a.index);
                }
            }
            m
        });
        e.response
            .as_ref()
            .and_then(|r| r.field("request_uri"))
            .and_then(|u| m.get(u))
            .map(|&i| &self.ex[i])
            .unwrap_or(e)
    }

    fn az_list(&self) -> &Vec<usize> {
        self.az_list.get_or_init(|| {
            self.ex
                .iter()
                .filter(|e| e.kind == Kind::Authorize)
                .map(|e| e.index)
                .collect()
        })
    }

    /// The authorization requests (and PAR requests) carrying a state, by state.
    fn az_by_state(&self) -> &HashMap<String, Vec<usize>> {
        self.az_by_state.get_or_init(|| {
            let mut m: HashMap<String, Vec<usize>> = HashMap::new();
            for e in self
                .ex
                .iter()
                .filter(|e| matches!(e.kind, Kind::Authorize | Kind::Par))
            {
                if let Some(s) = self.az_param(e, "state") {
                    m.entry(s).or_default().push(e.index);
                }
            }
            m
        })
    }

    /// The authorization request a code redemption belongs to, and how sure the link is:
    /// by code → authorization response → `state`, else the latest earlier authorization
    /// request of the same client.
    pub fn authorize_of(
        &self,
        tok: &Exchange,
    ) -> Option<(&'a Exchange, Link, Option<&'a AuthzResponse>)> {
        let ex = self.ex;
        if let Some(code) = tok.request.param("code") {
            if let Some(a) = self.azr_for_code(&code) {
                if let Some(state) = a.params.get("state") {
                    let hit = self
                        .az_by_state()
                        .get(state)
                        .and_then(|l| l.iter().rev().find(|&&i| i <= a.exchange));
                    if let Some(&i) = hit {
                        return Some((self.authorize_request(&ex[i]), Link::Code, Some(a)));
                    }
                }
                let list = self.az_list();
                let n = list.partition_point(|&i| i <= a.exchange);
                if n > 0 {
                    return Some((&ex[list[n - 1]], Link::Code, Some(a)));
                }
            }
        }
        let candidates: &[usize] = match crate::model::flow::token_client_id(tok) {
            Some(c) => {
                let m = self.az_by_client.get_or_init(|| {
                    let mut m: HashMap<String, Vec<usize>> = HashMap::new();
                    for &i in self.az_list() {
                        if let Some(c) = ex[i].request.param("client_id") {
                            m.entry(c).or_default().push(i);
                        }
                    }
                    m
                });
                m.get(&c).map(Vec::as_slice).unwrap_or(&[])
            }
            None => self.az_list(),
        };
        // The latest earlier one whose own authorization response (when captured) did not
        // deliver a different code: that one belongs to another transaction.
        let code = tok.request.param("code");
        let n = candidates.partition_point(|&i| i < tok.index);
        candidates[..n]
            .iter()
            .rev()
            .take(64)
            .map(|&i| &ex[i])
            .find(|az| {
                self.azr_of(az)
                    .and_then(|a| a.params.get("code"))
                    .is_none_or(|c| code.as_deref().is_none_or(|t| t == c))
            })
            .map(|az| (az, Link::Client, None))
    }

    /// Another authorization request (not `except`) whose `code_challenge` is `ch`.
    pub fn az_with_challenge(&self, ch: &str, except: usize) -> Option<&'a Exchange> {
        let m = self.az_by_challenge.get_or_init(|| {
            let mut m: HashMap<String, Vec<usize>> = HashMap::new();
            for e in self
                .ex
                .iter()
                .filter(|e| matches!(e.kind, Kind::Authorize | Kind::Par))
            {
                if let Some(c) = self.az_param(e, "code_challenge") {
                    m.entry(c).or_default().push(e.index);
                }
            }
            m
        });
        m.get(ch)?
            .iter()
            .find(|&&i| i != except)
            .map(|&i| &self.ex[i])
    }

    /// Code redemptions by code, in capture order.
    fn redemptions(&self) -> &HashMap<String, Vec<usize>> {
        self.redemptions.get_or_init(|| {
            let mut m: HashMap<String, Vec<usize>> = HashMap::new();
            for e in self.ex.iter().filter(|e| is_code_redemption(e)) {
                if let Some(c) = e.request.param("code").filter(|c| !c.is_empty()) {
                    m.entry(c).or_default().push(e.index);
                }
            }
            m
        })
    }

    /// The code redemptions that sent `code`, in capture order.
    pub fn redemptions_of(&self, code: &str) -> impl Iterator<Item = &'a Exchange> + '_ {
        self.redemptions()
            .get(code)
            .into_iter()
            .flatten()
            .map(|&i| &self.ex[i])
    }

    /// The token request that redeemed the code an authorization request produced.
    pub fn redemption_of(&self, az: &Exchange) -> Option<&'a Exchange> {
        let code = self.azr_of(az)?.params.get("code")?;
        self.redemptions_of(code).next()
    }

    /// The earlier code redemption that consumed the same code, for a failed redemption.
    pub fn earlier_redemption(&self, j: &Exchange) -> Option<&'a Exchange> {
        let code = j.request.param("code").filter(|c| !c.is_empty())?;
        self.redemptions_of(&code).find(|i| {
            i.index < j.index
                && sent_ms(i).zip(sent_ms(j)).is_none_or(|(a, b)| a <= b)
                && match &i.response {
                    None => true,
                    Some(r) => succeeded(i) || r.status == 0 || r.status >= 500,
                }
        })
    }

    /// For a refresh request, the other refresh request that consumed (rotated) the same
    /// token.
    pub fn refresh_conflict(&self, j: &Exchange) -> Option<(usize, RefreshConflict)> {
        let t = sent_refresh(j)?;
        let (sj, dj) = (sent_ms(j)?, done_ms(j)?);
        let m = self.refreshes.get_or_init(|| {
            let mut m: HashMap<String, Vec<usize>> = HashMap::new();
            for e in self.ex.iter().filter(|e| is_refresh(e)) {
                if let Some(t) = e.request.param("refresh_token") {
                    m.entry(t).or_default().push(e.index);
                }
            }
            m
        });
        let mut found = None;
        for i in m.get(&t)?.iter().map(|&i| &self.ex[i]) {
            if i.index == j.index || !succeeded(i) {
                continue;
            }
            let rotated = issued_refresh(i).is_some_and(|n| n != t);
            if !rotated {
                continue;
            }
            let (Some(si), Some(di)) = (sent_ms(i), done_ms(i)) else {
                continue;
            };
            let overlap = sj <= di + 1000 && si <= dj + 1000;
            if overlap {
                return Some((i.index, RefreshConflict::Race));
            }
            if sj > di && found.is_none() {
                found = Some((i.index, RefreshConflict::Rotated));
            }
        }
        found
    }

    /// The token-endpoint exchange whose successful response issued `value` (any token type).
    pub fn issuer(&self, value: &str) -> Option<&'a Exchange> {
        let m = self.issued.get_or_init(|| {
            let mut m = HashMap::new();
            for e in self
                .ex
                .iter()
                .filter(|e| is_token_request(e) && succeeded(e))
            {
                let Some(r) = e.response.as_ref() else {
                    continue;
                };
                for f in ["access_token", "refresh_token", "id_token"] {
                    if let Some(v) = r.field(f).filter(|v| !v.is_empty()) {
                        m.entry(v).or_insert(e.index);
                    }
                }
            }
            m
        });
        m.get(value).map(|&i| &self.ex[i])
    }
}

/// The client identity a token request authenticates as: Basic user (form-decoded), client
/// assertion `sub`, else the body `client_id`. Returns (identity, where it was read).
pub(super) fn token_identity(e: &Exchange) -> Option<(String, &'static str)> {
    if let Some(b) = e.request.basic_credentials() {
        if let Some(id) = b.decoded_id() {
            return Some((id, "request.headers.authorization (Basic user)"));
        }
    }
    if let Some(sub) = e
        .request
        .param("client_assertion")
        .and_then(|a| jwt::decode(&a).ok())
        .and_then(|d| d.claim_str("sub").map(str::to_string))
    {
        return Some((sub, "request.body.client_assertion (sub)"));
    }
    e.request
        .param("client_id")
        .map(|c| (c, "request.body.client_id"))
}

/// Literal placeholders a program sends when the variable holding a token was never set.
pub(super) fn is_placeholder(v: &str) -> bool {
    let t = v.trim().to_ascii_lowercase();
    t.is_empty()
        || matches!(
            t.as_str(),
            "undefined"
                | "null"
                | "none"
                | "nil"
                | "nan"
                | "[object object]"
                | "false"
                | "\"\""
                | "''"
                | "{}"
        )
}

/// The refresh token a request sends, unless it is a placeholder ([`is_placeholder`]).
pub(super) fn sent_refresh(e: &Exchange) -> Option<String> {
    e.request
        .param("refresh_token")
        .filter(|v| !is_placeholder(v))
}

/// The refresh token a token-endpoint response issued, if any.
pub(super) fn issued_refresh(e: &Exchange) -> Option<&str> {
    e.response
        .as_ref()
        .filter(|r| r.is_success())
        .and_then(|r| r.field("refresh_token"))
        .filter(|v| !v.is_empty())
}

/// What another refresh request with the same refresh token tells about a failed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RefreshConflict {
    /// An earlier refresh with this token succeeded and rotated it (GRANT008).
    Rotated,
    /// A refresh with this token ran at the same time, succeeded and rotated it (GRANT009).
    Race,
}

/// The first discovery document that announces `field` = `url` (trailing slash and case of
/// scheme/host ignored), with the exchange that fetched it.
pub(super) fn metadata_announcing<'a>(
    idx: &'a Index,
    field: &str,
    url: &str,
) -> Option<&'a (usize, std::sync::Arc<Value>)> {
    idx.distinct_metadata().find(|(_, d)| {
        d.get(field)
            .and_then(Value::as_str)
            .is_some_and(|u| same_endpoint(u, url))
    })
}

pub(super) fn same_endpoint(a: &str, b: &str) -> bool {
    fn n(u: &str) -> &str {
        u.split(['?', '#'])
            .next()
            .unwrap_or("")
            .trim_end_matches('/')
    }
    n(a).eq_ignore_ascii_case(n(b))
}
