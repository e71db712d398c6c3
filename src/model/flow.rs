//! Flow correlation: links authorize → authorization response → token → refresh → resource
//! by `state`, `code`, `client_id`, refresh-token and access-token values. Owns the cross-exchange
//! index rules query; it judges nothing.

use super::{Exchange, Kind, Params};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// An authorization response seen in the capture: a `Location` header pointing at the client
/// (or the callback request itself), carrying `code`/`error`/`state`/tokens.
#[derive(Debug, Clone)]
pub struct AuthzResponse {
    /// The exchange whose response `Location` (or whose request URL) carried it.
    pub exchange: usize,
    /// True when read from a `Location` header, false when from the callback request.
    pub via_location: bool,
    /// Query and fragment parameters together (fragment wins).
    pub params: Params,
    /// The URL as captured.
    pub url: String,
    /// The client endpoint it was sent to (scheme://host/path).
    pub endpoint: String,
}

impl AuthzResponse {
    /// Where parameter `name` of this response was read, as evidence locates it:
    /// `response.headers.location.NAME` or `request.url.NAME`.
    pub fn at(&self, name: &str) -> String {
        if self.via_location {
            format!("response.headers.location.{name}")
        } else {
            format!("request.url.{name}")
        }
    }
}

/// A group of correlated exchanges.
#[derive(Debug, Clone)]
pub struct Flow {
    pub id: usize,
    pub exchanges: Vec<usize>,
}

/// The cross-exchange index of a capture.
#[derive(Debug, Default)]
pub struct Index {
    pub authz_responses: Vec<AuthzResponse>,
    pub flows: Vec<Flow>,
    /// Flow id of each exchange.
    pub flow_of: Vec<usize>,
    /// Discovery documents: (exchange, document). A document fetched again unchanged is
    /// shared, not copied.
    pub metadata: Vec<(usize, Arc<Value>)>,
    /// Key sets: (exchange, document), shared the same way.
    pub jwks: Vec<(usize, Arc<Value>)>,
    /// token value → token-endpoint exchange that issued it.
    issued: HashMap<String, usize>,
    /// code → positions in `authz_responses` that carry it, in capture order.
    by_code: HashMap<String, Vec<usize>>,
    /// Positions in `metadata` of each distinct document's first fetch (clients fetch the same
    /// document again and again).
    metadata_first: Vec<usize>,
    /// Lookups the rules share, each built on first use, once per capture (see [`Lookups`]).
    lookups: Lookups,
    /// The value ledger, built on first use.
    ledger: OnceLock<super::ledger::Ledger>,
    /// The failing OAuth exchanges that need a cause ([`Index::failures`]), in capture order.
    failures: Vec<usize>,
    /// Failed exchanges that are the symptom of another failure (a callback that answered 502
    /// because its back end's token request failed), in capture order, each with that failure.
    symptoms: Vec<(usize, usize)>,
}

/// Value → positions maps over one capture, keyed by a hash of the value ([`key`]); every
/// lookup compares the values themselves, so two values with one hash never meet. Each map is
/// built on first use and shared by the rules on every thread.
#[derive(Debug, Default)]
struct Lookups {
    /// code → positions in `authz_responses` that carry it.
    azr_by_code: OnceLock<HashMap<u64, Vec<usize>>>,
    /// state → positions in `authz_responses` that carry it.
    azr_by_state: OnceLock<HashMap<u64, Vec<usize>>>,
    /// exchange → the first position in `authz_responses` read from it.
    azr_at: OnceLock<HashMap<usize, usize>>,
    /// PAR `request_uri` issued → PAR exchanges.
    par_by_uri: OnceLock<HashMap<u64, Vec<usize>>>,
    /// `request_uri` used → authorization requests.
    az_by_uri: OnceLock<HashMap<u64, Vec<usize>>>,
    /// state → authorization (and PAR) requests.
    az_by_state: OnceLock<HashMap<u64, Vec<usize>>>,
    /// client_id → authorization requests.
    az_by_client: OnceLock<HashMap<u64, Vec<usize>>>,
    /// The authorization requests, in capture order.
    az_list: OnceLock<Vec<usize>>,
    /// code_challenge → authorization (and PAR) requests.
    az_by_challenge: OnceLock<HashMap<u64, Vec<usize>>>,
    /// code → code redemptions.
    redemptions: OnceLock<HashMap<u64, Vec<usize>>>,
    /// refresh token → refresh requests.
    refreshes: OnceLock<HashMap<u64, Vec<usize>>>,
    /// token value → successful token requests that issued it.
    issued: OnceLock<HashMap<u64, Vec<usize>>>,
}

/// The hash a value is filed under in [`Lookups`].
fn key(v: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(v, &mut h);
    std::hash::Hasher::finish(&h)
}

/// File `i` under `v` (skipped when empty).
fn file(m: &mut HashMap<u64, Vec<usize>>, v: &str, i: usize) {
    if !v.is_empty() {
        m.entry(key(v)).or_default().push(i);
    }
}

/// The positions filed under `v` (some may hold another value with the same hash: callers
/// compare).
fn filed<'m>(m: &'m HashMap<u64, Vec<usize>>, v: &str) -> &'m [usize] {
    m.get(&key(v)).map(Vec::as_slice).unwrap_or(&[])
}

/// How a token request was linked to its authorization request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// By the code: authorization response carrying it → `state` → authorization request.
    Code,
    /// Only by client: the latest earlier authorization request of the same client.
    Client,
}

/// What another refresh request with the same refresh token tells about a failed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshConflict {
    /// An earlier refresh with this token succeeded and rotated it.
    Rotated,
    /// A refresh with this token ran at the same time, succeeded and rotated it.
    Race,
}

/// `doc` as an `Arc` for `docs`: the one already there when an equal document was fetched
/// before, else a new one, whose position is added to `firsts` (the positions of each
/// distinct document's first fetch).
fn shared(docs: &[(usize, Arc<Value>)], firsts: &mut Vec<usize>, doc: &Value) -> Arc<Value> {
    if let Some(&i) = firsts.iter().rev().find(|&&i| *docs[i].1 == *doc) {
        return docs[i].1.clone();
    }
    firsts.push(docs.len());
    Arc::new(doc.clone())
}

impl Index {
    pub fn build(ex: &[Exchange]) -> Index {
        let mut idx = Index {
            flow_of: (0..ex.len()).collect(),
            ..Index::default()
        };
        let redirect_uris: Vec<String> = ex
            .iter()
            .filter(|e| matches!(e.kind, Kind::Authorize | Kind::Par))
            .filter_map(|e| e.request.param("redirect_uri"))
            .map(|u| strip_uri(&u))
            .collect();
        let mut jwks_first = Vec::new();
        for e in ex {
            if let Some(r) = &e.response {
                if let Some(doc) = &r.json {
                    if e.kind == Kind::Discovery && super::kind::is_metadata_doc(doc) {
                        let doc = shared(&idx.metadata, &mut idx.metadata_first, doc);
                        idx.metadata.push((e.index, doc));
                    }
                    if e.kind == Kind::Jwks {
                        let doc = shared(&idx.jwks, &mut jwks_first, doc);
                        idx.jwks.push((e.index, doc));
                    }
                }
                if let Some(loc) = r.location() {
                    if let Some(a) = authz_response_from(loc, e, true, &redirect_uris) {
                        idx.authz_responses.push(a);
                    }
                }
                if e.kind == Kind::Token && r.is_success() {
                    for f in ["access_token", "refresh_token", "id_token"] {
                        if let Some(v) = r.field(f) {
                            idx.issued.entry(v.to_string()).or_insert(e.index);
                        }
                    }
                }
            }
            if e.kind == Kind::Callback {
                if let Some(a) = authz_response_from(&e.request.url, e, false, &redirect_uris) {
                    idx.authz_responses.push(a);
                }
            }
        }
        for (i, a) in idx.authz_responses.iter().enumerate() {
            if let Some(code) = a.params.get("code") {
                idx.by_code.entry(code.to_string()).or_default().push(i);
            }
        }
        idx.correlate(ex);
        (idx.failures, idx.symptoms) = failures(ex, &redirect_uris, &idx.flow_of);
        idx
    }

    /// An index of `ex` whose flows are the given ones (exchange → flow id), for tests that
    /// need a flow layout correlation would not produce.
    #[cfg(test)]
    pub fn with_flows(ex: &[Exchange], flow_of: &[usize]) -> Index {
        let mut idx = Index::build(ex);
        idx.flow_of = flow_of.to_vec();
        idx
    }

    /// The exchanges whose failure needs a cause, in capture order: an OAuth exchange (an
    /// authorization-server endpoint, a callback, a call that presented a token, a token request
    /// at an unlisted URL) that failed ([`Exchange::failed`]) and was not followed by a
    /// successful retry of the same request (same method, endpoint, kind and grant).
    pub fn failures(&self) -> &[usize] {
        &self.failures
    }

    /// Whether exchange `i` failed as the symptom of another failure (a callback answering 502
    /// because its back end's token request failed): its findings explain that failure.
    pub fn is_symptom(&self, i: usize) -> bool {
        self.symptom_of(i).is_some()
    }

    /// The failure exchange `i` is the symptom of, if it is one.
    pub fn symptom_of(&self, i: usize) -> Option<usize> {
        self.symptoms
            .binary_search_by_key(&i, |&(s, _)| s)
            .ok()
            .map(|p| self.symptoms[p].1)
    }

    /// Whether exchange `i` is one of the [`failures`](Self::failures).
    pub fn is_failure(&self, i: usize) -> bool {
        self.failures.binary_search(&i).is_ok()
    }

    /// Each distinct discovery document once, at its first fetch, in capture order: a search
    /// for the first document with some property finds the same one as over every fetch.
    pub fn distinct_metadata(&self) -> impl Iterator<Item = &(usize, Arc<Value>)> {
        self.metadata_first.iter().map(|&i| &self.metadata[i])
    }

    /// The authorization responses that carry `code` (in a `Location` header or a callback
    /// URL), in capture order.
    pub fn authz_responses_with_code<'a>(
        &'a self,
        code: &str,
    ) -> impl Iterator<Item = &'a AuthzResponse> + 'a {
        self.by_code
            .get(code)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|&i| &self.authz_responses[i])
    }

    fn correlate(&mut self, ex: &[Exchange]) {
        let mut uf = UnionFind::new(ex.len());
        let mut by_key: HashMap<(&'static str, String), usize> = HashMap::new();
        let mut link = |uf: &mut UnionFind, key: &'static str, val: Option<String>, i: usize| {
            if let Some(v) = val.filter(|v| !v.is_empty()) {
                match by_key.get(&(key, v.clone())) {
                    Some(&j) => uf.union(i, j),
                    None => {
                        by_key.insert((key, v), i);
                    }
                }
            }
        };
        for a in &self.authz_responses {
            link(
                &mut uf,
                "state",
                a.params.get("state").map(str::to_string),
                a.exchange,
            );
            link(
                &mut uf,
                "code",
                a.params.get("code").map(str::to_string),
                a.exchange,
            );
        }
        for e in ex {
            let r = &e.request;
            match e.kind {
                Kind::Authorize | Kind::Par => {
                    link(&mut uf, "state", r.param("state"), e.index);
                }
                Kind::Token => {
                    link(&mut uf, "code", r.param("code"), e.index);
                    link(&mut uf, "token", r.param("refresh_token"), e.index);
                    link(&mut uf, "device_code", r.param("device_code"), e.index);
                }
                Kind::Resource | Kind::Userinfo => {
                    link(&mut uf, "token", r.presented_token(), e.index);
                }
                Kind::Introspection | Kind::Revocation => {
                    link(&mut uf, "token", r.param("token"), e.index);
                }
                _ => {}
            }
            if let Some(resp) = &e.response {
                if e.kind == Kind::Token || e.kind == Kind::DeviceAuthorization {
                    for f in ["access_token", "refresh_token", "id_token"] {
                        link(&mut uf, "token", resp.field(f).map(str::to_string), e.index);
                    }
                    link(
                        &mut uf,
                        "device_code",
                        resp.field("device_code").map(str::to_string),
                        e.index,
                    );
                }
            }
        }
        // The browser hops between an authorization request and its response (login, consent)
        // belong to the flow of the authorization request that preceded them on the same host.
        let mut flows: HashMap<usize, Vec<usize>> = HashMap::new();
        for i in 0..ex.len() {
            flows.entry(uf.find(i)).or_default().push(i);
        }
        let mut roots: Vec<_> = flows.into_iter().collect();
        roots.sort_by_key(|(_, v)| v[0]);
        self.flows = roots
            .into_iter()
            .enumerate()
            .map(|(id, (_, exchanges))| Flow { id, exchanges })
            .collect();
        for f in &self.flows {
            for &i in &f.exchanges {
                self.flow_of[i] = f.id;
            }
        }
    }

    /// The authorization response that delivered `code`.
    pub fn authz_response_for_code(&self, code: &str) -> Option<&AuthzResponse> {
        self.authz_responses_with_code(code).next()
    }

    /// The authorization request a token request redeems a code of: by code → state, else by
    /// client_id, the latest earlier authorize request of that client.
    pub fn authorize_for_token<'a>(
        &self,
        ex: &'a [Exchange],
        token: &Exchange,
    ) -> Option<&'a Exchange> {
        let code = token.request.param("code");
        if let Some(code) = code.as_deref() {
            if let Some(a) = self.authz_response_for_code(code) {
                if let Some(state) = a.params.get("state") {
                    let upto = a.exchange.min(ex.len().saturating_sub(1));
                    if let Some(az) = ex[..=upto].iter().rev().find(|e| {
                        e.kind == Kind::Authorize
                            && e.request.param("state").as_deref() == Some(state)
                    }) {
                        return Some(az);
                    }
                }
                if let Some(az) = ex[..=a.exchange.min(ex.len() - 1)]
                    .iter()
                    .rev()
                    .find(|e| e.kind == Kind::Authorize)
                {
                    return Some(az);
                }
            }
        }
        let client = token_client_id(token);
        ex[..token.index].iter().rev().find(|e| {
            e.kind == Kind::Authorize
                && (client.is_none() || e.request.param("client_id") == client)
        })
    }

    /// The token-endpoint exchange that issued a token value.
    pub fn issued_by(&self, token: &str) -> Option<usize> {
        self.issued.get(token).copied()
    }

    /// The value ledger of the capture: where each code and token was issued and sent.
    pub fn ledger(&self, ex: &[Exchange]) -> &super::ledger::Ledger {
        self.ledger.get_or_init(|| {
            super::ledger::Ledger::build(ex, |i| {
                let e = &ex[i];
                if e.kind == Kind::Authorize {
                    return e.request.param("client_id");
                }
                let state = e
                    .response
                    .as_ref()
                    .and_then(|r| r.location())
                    .map(super::signal::location_params)
                    .and_then(|p| p.get("state").map(str::to_string))?;
                self.az_with_state(ex, &state)
                    .into_iter()
                    .rev()
                    .find(|&a| a <= i)
                    .and_then(|a| self.az_param(ex, &ex[a], "client_id"))
            })
        })
    }

    /// The first discovery document that announces `field` = `url` (query, fragment, trailing
    /// slash and the case of scheme and host ignored), with the exchange that fetched it.
    pub fn metadata_announcing(&self, field: &str, url: &str) -> Option<&(usize, Arc<Value>)> {
        self.distinct_metadata().find(|(_, d)| {
            d.get(field)
                .and_then(Value::as_str)
                .is_some_and(|u| same_endpoint(u, url))
        })
    }

    /// The metadata of the server an exchange talks to: the first document naming an endpoint
    /// (or issuer, or mTLS alias) on the exchange's host, else the capture's first document.
    pub fn metadata_for(&self, e: &Exchange) -> Option<&Value> {
        let host_of = |u: &str| {
            url::Url::parse(u)
                .ok()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        };
        if let Some(h) = e.request.host().map(str::to_ascii_lowercase) {
            for (_, doc) in &self.metadata {
                let Some(obj) = doc.as_object() else { continue };
                let named = obj
                    .iter()
                    .filter(|(k, _)| k.ends_with("_endpoint") || *k == "issuer")
                    .filter_map(|(_, v)| v.as_str());
                let aliases = obj
                    .get("mtls_endpoint_aliases")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|a| a.values().filter_map(Value::as_str));
                if named
                    .chain(aliases)
                    .any(|u| host_of(u).as_deref() == Some(h.as_str()))
                {
                    return Some(doc);
                }
            }
        }
        self.metadata_doc()
    }

    /// The first discovery document in the capture, if any.
    pub fn metadata_doc(&self) -> Option<&Value> {
        self.metadata.first().map(|(_, d)| &**d)
    }

    // -----------------------------------------------------------------------------------------
    // Lookups the rules share (built on first use, once per capture)
    // -----------------------------------------------------------------------------------------

    /// The authorization response that delivered `code` (the first one).
    pub fn azr_for_code(&self, code: &str) -> Option<&AuthzResponse> {
        let m = self.lookups.azr_by_code.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, a) in self.authz_responses.iter().enumerate() {
                if let Some(c) = a.params.get("code") {
                    file(&mut m, c, i);
                }
            }
            m
        });
        filed(m, code)
            .iter()
            .map(|&i| &self.authz_responses[i])
            .find(|a| a.params.get("code") == Some(code))
    }

    /// The authorization response answering an authorization request: in its own
    /// `Location`, or a later one with the same `state`.
    pub fn azr_of<'a>(&'a self, ex: &'a [Exchange], az: &Exchange) -> Option<&'a AuthzResponse> {
        let at = self.lookups.azr_at.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, a) in self.authz_responses.iter().enumerate() {
                m.entry(a.exchange).or_insert(i);
            }
            m
        });
        if let Some(&i) = at.get(&az.index) {
            return Some(&self.authz_responses[i]);
        }
        let state = self.az_param(ex, az, "state")?;
        let by_state = self.lookups.azr_by_state.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, a) in self.authz_responses.iter().enumerate() {
                if let Some(s) = a.params.get("state") {
                    file(&mut m, s, i);
                }
            }
            m
        });
        filed(by_state, &state)
            .iter()
            .map(|&i| &self.authz_responses[i])
            .find(|a| a.exchange >= az.index && a.params.get("state") == Some(state.as_str()))
    }

    /// The PAR exchange whose `request_uri` an authorization request uses.
    pub fn par_of<'a>(&self, ex: &'a [Exchange], az: &Exchange) -> Option<&'a Exchange> {
        let uri = az.request.query.get("request_uri")?;
        let m = self.lookups.par_by_uri.get_or_init(|| {
            let mut m = HashMap::new();
            for p in ex.iter().filter(|p| p.kind == Kind::Par) {
                if let Some(u) = p.response.as_ref().and_then(|r| r.field("request_uri")) {
                    file(&mut m, u, p.index);
                }
            }
            m
        });
        filed(m, uri)
            .iter()
            .map(|&i| &ex[i])
            .find(|p| p.response.as_ref().and_then(|r| r.field("request_uri")) == Some(uri))
    }

    /// A parameter of an authorization request wherever it travelled: the query, the pushed
    /// request (PAR) or the request object (`request=` JWT, read without verification).
    pub fn az_param(&self, ex: &[Exchange], az: &Exchange, name: &str) -> Option<String> {
        if az.kind == Kind::Par {
            return az.request.param(name);
        }
        if let Some(v) = az.request.query.get(name) {
            return Some(v.to_string());
        }
        if let Some(p) = self.par_of(ex, az) {
            if let Some(v) = p.request.param(name) {
                return Some(v);
            }
        }
        let ro = az.request.query.get("request")?;
        let d = crate::oauth::jwt::decode(ro).ok()?;
        match d.claims.get(name)? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    /// A PAR exchange stands for the authorization request that used its `request_uri`.
    fn authorize_request<'a>(&self, ex: &'a [Exchange], e: &'a Exchange) -> &'a Exchange {
        if e.kind != Kind::Par {
            return e;
        }
        let m = self.lookups.az_by_uri.get_or_init(|| {
            let mut m = HashMap::new();
            for a in ex.iter().filter(|a| a.kind == Kind::Authorize) {
                if let Some(u) = a.request.query.get("request_uri") {
                    file(&mut m, u, a.index);
                }
            }
            m
        });
        e.response
            .as_ref()
            .and_then(|r| r.field("request_uri"))
            .and_then(|u| {
                filed(m, u)
                    .iter()
                    .map(|&i| &ex[i])
                    .find(|a| a.request.query.get("request_uri") == Some(u))
            })
            .unwrap_or(e)
    }

    fn az_list(&self, ex: &[Exchange]) -> &[usize] {
        self.lookups.az_list.get_or_init(|| {
            ex.iter()
                .filter(|e| e.kind == Kind::Authorize)
                .map(|e| e.index)
                .collect()
        })
    }

    /// The authorization requests (and PAR requests) carrying `state`, in capture order.
    fn az_with_state(&self, ex: &[Exchange], state: &str) -> Vec<usize> {
        let m = self.lookups.az_by_state.get_or_init(|| {
            let mut m = HashMap::new();
            for e in ex
                .iter()
                .filter(|e| matches!(e.kind, Kind::Authorize | Kind::Par))
            {
                if let Some(s) = self.az_param(ex, e, "state") {
                    file(&mut m, &s, e.index);
                }
            }
            m
        });
        filed(m, state)
            .iter()
            .copied()
            .filter(|&i| self.az_param(ex, &ex[i], "state").as_deref() == Some(state))
            .collect()
    }

    /// The authorization request a code redemption belongs to, and how sure the link is:
    /// by code → authorization response → `state`, else the latest earlier authorization
    /// request of the same client.
    pub fn authorize_of<'a>(
        &'a self,
        ex: &'a [Exchange],
        tok: &Exchange,
    ) -> Option<(&'a Exchange, Link, Option<&'a AuthzResponse>)> {
        if let Some(code) = tok.request.param("code") {
            if let Some(a) = self.azr_for_code(&code) {
                if let Some(state) = a.params.get("state") {
                    let hit = self
                        .az_with_state(ex, state)
                        .into_iter()
                        .rev()
                        .find(|&i| i <= a.exchange);
                    if let Some(i) = hit {
                        return Some((self.authorize_request(ex, &ex[i]), Link::Code, Some(a)));
                    }
                }
                let list = self.az_list(ex);
                let n = list.partition_point(|&i| i <= a.exchange);
                if n > 0 {
                    return Some((&ex[list[n - 1]], Link::Code, Some(a)));
                }
            }
        }
        let by_client;
        let candidates: &[usize] = match token_client_id(tok) {
            Some(c) => {
                let m = self.lookups.az_by_client.get_or_init(|| {
                    let mut m = HashMap::new();
                    for &i in self.az_list(ex) {
                        if let Some(c) = ex[i].request.param("client_id") {
                            file(&mut m, &c, i);
                        }
                    }
                    m
                });
                by_client = filed(m, &c)
                    .iter()
                    .copied()
                    .filter(|&i| ex[i].request.param("client_id").as_deref() == Some(c.as_str()))
                    .collect::<Vec<_>>();
                &by_client
            }
            None => self.az_list(ex),
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
                self.azr_of(ex, az)
                    .and_then(|a| a.params.get("code"))
                    .is_none_or(|c| code.as_deref().is_none_or(|t| t == c))
            })
            .map(|az| (az, Link::Client, None))
    }

    /// Another authorization request (not `except`) whose `code_challenge` is `ch`.
    pub fn az_with_challenge<'a>(
        &self,
        ex: &'a [Exchange],
        ch: &str,
        except: usize,
    ) -> Option<&'a Exchange> {
        let m = self.lookups.az_by_challenge.get_or_init(|| {
            let mut m = HashMap::new();
            for e in ex
                .iter()
                .filter(|e| matches!(e.kind, Kind::Authorize | Kind::Par))
            {
                if let Some(c) = self.az_param(ex, e, "code_challenge") {
                    file(&mut m, &c, e.index);
                }
            }
            m
        });
        filed(m, ch)
            .iter()
            .find(|&&i| {
                i != except && self.az_param(ex, &ex[i], "code_challenge").as_deref() == Some(ch)
            })
            .map(|&i| &ex[i])
    }

    /// The code redemptions that sent `code`, in capture order.
    pub fn redemptions_of<'a>(
        &'a self,
        ex: &'a [Exchange],
        code: &str,
    ) -> impl Iterator<Item = &'a Exchange> + 'a {
        let m = self.lookups.redemptions.get_or_init(|| {
            let mut m = HashMap::new();
            for e in ex.iter().filter(|e| e.is_code_redemption()) {
                if let Some(c) = e.request.param("code") {
                    file(&mut m, &c, e.index);
                }
            }
            m
        });
        let wanted = code.to_string();
        filed(m, code)
            .iter()
            .map(|&i| &ex[i])
            .filter(move |e| e.request.param("code").as_deref() == Some(wanted.as_str()))
    }

    /// The token request that redeemed the code an authorization request produced.
    pub fn redemption_of<'a>(&'a self, ex: &'a [Exchange], az: &Exchange) -> Option<&'a Exchange> {
        let code = self.azr_of(ex, az)?.params.get("code")?;
        self.redemptions_of(ex, code).next()
    }

    /// The earlier code redemption that consumed the same code, for a failed redemption.
    pub fn earlier_redemption<'a>(
        &'a self,
        ex: &'a [Exchange],
        j: &Exchange,
    ) -> Option<&'a Exchange> {
        let code = j.request.param("code").filter(|c| !c.is_empty())?;
        self.redemptions_of(ex, &code).find(|i| {
            i.index < j.index
                && i.sent_ms().zip(j.sent_ms()).is_none_or(|(a, b)| a <= b)
                && match &i.response {
                    None => true,
                    Some(r) => i.succeeded() || r.status == 0 || r.status >= 500,
                }
        })
    }

    /// For a refresh request, the other refresh request that consumed (rotated) the same
    /// token.
    pub fn refresh_conflict(
        &self,
        ex: &[Exchange],
        j: &Exchange,
    ) -> Option<(usize, RefreshConflict)> {
        let t = j.sent_refresh()?;
        let (sj, dj) = (j.sent_ms()?, j.done_ms()?);
        let m = self.lookups.refreshes.get_or_init(|| {
            let mut m = HashMap::new();
            for e in ex.iter().filter(|e| e.is_refresh()) {
                if let Some(t) = e.request.param("refresh_token") {
                    file(&mut m, &t, e.index);
                }
            }
            m
        });
        let mut found = None;
        for i in filed(m, &t).iter().map(|&i| &ex[i]) {
            if i.index == j.index
                || !i.succeeded()
                || i.request.param("refresh_token").as_deref() != Some(t.as_str())
            {
                continue;
            }
            let rotated = i.issued_refresh().is_some_and(|n| n != t);
            if !rotated {
                continue;
            }
            let (Some(si), Some(di)) = (i.sent_ms(), i.done_ms()) else {
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
    pub fn issuer<'a>(&self, ex: &'a [Exchange], value: &str) -> Option<&'a Exchange> {
        const FIELDS: [&str; 3] = ["access_token", "refresh_token", "id_token"];
        let m = self.lookups.issued.get_or_init(|| {
            let mut m = HashMap::new();
            for e in ex.iter().filter(|e| e.is_token_request() && e.succeeded()) {
                let Some(r) = e.response.as_ref() else {
                    continue;
                };
                for f in FIELDS {
                    if let Some(v) = r.field(f) {
                        file(&mut m, v, e.index);
                    }
                }
            }
            m
        });
        filed(m, value).iter().map(|&i| &ex[i]).find(|e| {
            e.response
                .as_ref()
                .is_some_and(|r| FIELDS.iter().any(|f| r.field(f) == Some(value)))
        })
    }
}

/// The client identity of a token request: Basic user, form client_id, or assertion subject.
pub fn token_client_id(e: &Exchange) -> Option<String> {
    if let Some(id) = e.request.basic_credentials().and_then(|b| b.decoded_id()) {
        return Some(id);
    }
    e.request.param("client_id")
}

/// See [`Index::failures`].
fn failures(
    ex: &[Exchange],
    redirect_uris: &[String],
    flow_of: &[usize],
) -> (Vec<usize>, Vec<(usize, usize)>) {
    let key = |e: &Exchange| {
        let grant = if e.kind == Kind::Token {
            e.grant_type().unwrap_or_default()
        } else {
            String::new()
        };
        (
            e.request.method.clone(),
            e.request.endpoint().to_ascii_lowercase(),
            e.kind,
            grant,
        )
    };
    // The first exchange that received an access token, and the first sign-in step (an
    // authorization or token request): a call to a protected resource without a token, made
    // before any token and followed by a sign-in, is the app asking whether anyone is signed
    // in, not a failure.
    let first_token = ex
        .iter()
        .find(|e| {
            e.response
                .as_ref()
                .is_some_and(|r| r.is_success() && r.field("access_token").is_some())
        })
        .map(|e| e.index);
    let last_sign_in = ex
        .iter()
        .rev()
        .find(|e| matches!(e.kind, Kind::Authorize | Kind::Par | Kind::Token))
        .map(|e| e.index);
    // The protected resource metadata documents fetched (RFC 9728 §3), in capture order.
    let metadata_fetched: Vec<(usize, String)> = ex
        .iter()
        .filter(|e| e.kind == Kind::ResourceMetadata)
        .map(|e| (e.index, strip_uri(&e.request.url)))
        .collect();
    let probe = |e: &Exchange| {
        let untokened = e.kind == Kind::Resource
            && e.request.authorization().is_none()
            && e.request.presented_token().is_none()
            && first_token.is_none_or(|t| e.index < t);
        // RFC 9728 §5.1: a resource that answers an unauthenticated call with a `Bearer`
        // challenge naming its metadata starts the client's discovery; the client following the
        // hint shows it was read as such.
        let hint_followed = || {
            e.response.as_ref().is_some_and(|r| {
                r.headers
                    .get_all("www-authenticate")
                    .map(crate::oauth::www_auth::parse)
                    .filter_map(|c| c.get("resource_metadata").map(strip_uri))
                    .any(|rm| {
                        metadata_fetched
                            .iter()
                            .any(|(i, u)| *i > e.index && same_endpoint(u, &rm))
                    })
            })
        };
        untokened && (last_sign_in.is_some_and(|s| s > e.index) || hint_followed())
    };
    // Walking backwards, remember which requests succeeded later on, and which device codes
    // were polled again (`authorization_pending` and `slow_down` before another poll are the
    // device flow working, RFC 8628 §3.5).
    let mut succeeded_later = std::collections::HashSet::new();
    let mut found_later: std::collections::HashSet<(Kind, String)> =
        std::collections::HashSet::new();
    let mut polled_later: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut out = Vec::new();
    for e in ex.iter().rev() {
        let device_code = e
            .is_token_request()
            .then(|| e.request.param("device_code"))
            .flatten();
        let polled_again = device_code
            .as_ref()
            .is_some_and(|d| polled_later.contains(d));
        if let Some(d) = device_code {
            polled_later.insert(d);
        }
        // A sign-in step that moved on (a redirect that is not back to the sign-in page) worked.
        let signed_in = e.kind == Kind::SignIn
            && e.response.as_ref().is_some_and(|r| r.is_redirect())
            && !e.failed();
        // Metadata the server has at this URL (even if the browser then withheld it).
        let found = matches!(e.kind, Kind::Discovery | Kind::ResourceMetadata)
            && (e.succeeded()
                || e.blocked_by_browser() && e.response.as_ref().is_some_and(|r| r.is_success()));
        if found {
            if let Some(h) = e.request.host() {
                found_later.insert((e.kind, h.to_ascii_lowercase()));
            }
        }
        if e.succeeded() || signed_in {
            succeeded_later.insert(key(e));
            continue;
        }
        // Metadata is looked for at several well-known URLs in turn (RFC 8414 §3.1 inserts the
        // suffix, OpenID Connect Discovery §4 appends it; RFC 9728 §3.1 with and without the
        // resource's path): a miss before the document was found at the same host is the search
        // working, not a failure.
        if matches!(e.kind, Kind::Discovery | Kind::ResourceMetadata)
            && !found
            && e.request
                .host()
                .is_some_and(|h| found_later.contains(&(e.kind, h.to_ascii_lowercase())))
        {
            continue;
        }
        if probe(e) {
            continue;
        }
        if polled_again
            && e.server_error()
                .is_some_and(|x| matches!(x.code.as_str(), "authorization_pending" | "slow_down"))
        {
            continue;
        }
        let at_redirect_uri = || redirect_uris.contains(&strip_uri(&e.request.url));
        if (is_oauth(e) || at_redirect_uri()) && e.failed() && !succeeded_later.contains(&key(e)) {
            out.push(e.index);
        }
    }
    out.reverse();
    // A failure of the client's own side (its callback answering 502 or 400) that waited on,
    // or came with, a failing back-channel call of the same flow (its back end's token request)
    // is that call's symptom, not a failure of its own.
    let back_channel = |e: &Exchange| {
        e.kind.is_back_channel() || matches!(e.kind, Kind::Userinfo | Kind::Resource)
    };
    let client_side = |e: &Exchange| {
        e.kind == Kind::Callback || redirect_uris.contains(&strip_uri(&e.request.url))
    };
    let inner: Vec<usize> = out
        .iter()
        .copied()
        .filter(|&i| back_channel(&ex[i]))
        .collect();
    let mut kept = Vec::new();
    let mut symptoms = Vec::new();
    for o in out {
        let e = &ex[o];
        let cause = (!back_channel(e))
            .then(|| {
                inner.iter().copied().find(|&i| {
                    let b = &ex[i];
                    i != o
                        && (e.contains_in_time(b)
                            || client_side(e)
                                && flow_of.get(i) == flow_of.get(o)
                                && e.sent_ms()
                                    .zip(b.sent_ms())
                                    .is_some_and(|(c, t)| (-1_000..=30_000).contains(&(t - c))))
                })
            })
            .flatten();
        match cause {
            Some(i) => symptoms.push((o, i)),
            None => kept.push(o),
        }
    }
    (kept, symptoms)
}

/// An exchange of the OAuth protocol: an authorization-server endpoint, the callback, a call
/// that presents a token, or, among the rest, a request answered like a token endpoint, with a
/// standard OAuth error, with a recognised provider's error, or with a `Bearer` / `DPoP`
/// challenge (RFC 6750 §3, RFC 9449 §7.1).
fn is_oauth(e: &Exchange) -> bool {
    match e.kind {
        Kind::Preflight => false,
        Kind::Other => {
            let challenged = e
                .response
                .as_ref()
                .is_some_and(|r| r.status == 401 && r.challenges_for_a_token());
            // A POST to a `…/token` path whose body is not in the capture: the parameters
            // that would classify it are unknown, the path is all there is.
            let unread_token_post = e.request.method == "POST"
                && e.request.body_elsewhere.is_some()
                && e.request.path().trim_end_matches('/').ends_with("/token");
            e.is_token_request()
                || challenged
                || unread_token_post
                || e.server_error().is_some_and(|x| {
                    crate::oauth::errors::standard(&x.code).is_some() || e.provider.is_some()
                })
        }
        _ => true,
    }
}

/// Two URLs name the same endpoint: equal but for query, fragment, trailing slashes and case.
pub fn same_endpoint(a: &str, b: &str) -> bool {
    fn n(u: &str) -> &str {
        u.split(['?', '#'])
            .next()
            .unwrap_or("")
            .trim_end_matches('/')
    }
    n(a).eq_ignore_ascii_case(n(b))
}

/// A URL without its query and fragment.
pub fn strip_uri(u: &str) -> String {
    u.split(['?', '#']).next().unwrap_or("").to_string()
}

fn authz_response_from(
    url: &str,
    e: &Exchange,
    via_location: bool,
    redirect_uris: &[String],
) -> Option<AuthzResponse> {
    let base = match url::Url::parse(url) {
        Ok(u) => u,
        Err(_) => e.request.parsed.as_ref()?.join(url).ok()?,
    };
    let mut params = Params::parse(base.query().unwrap_or(""));
    if let Some(frag) = base.fragment() {
        params.0.extend(Params::parse(frag).0);
    }
    if !via_location && e.request.method == "POST" {
        params.0.extend(e.request.form.0.iter().cloned());
    }
    let endpoint = strip_uri(base.as_str());
    let known = redirect_uris.contains(&endpoint);
    let carries = (params.has("code")
        || params.has("error")
        || params.has("id_token")
        || params.has("access_token"))
        && (params.has("state") || known);
    // An authorization server's own interaction hops carry none of these.
    if !carries {
        return None;
    }
    Some(AuthzResponse {
        exchange: e.index,
        via_location,
        params,
        url: url.to_string(),
        endpoint,
    })
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi] = lo;
        }
    }
}

#[cfg(test)]
mod tests {
    //! The correlation index over small captures built exchange by exchange: which
    //! authorization request a code came from, which request used a pushed request, which
    //! requests redeemed a code or a refresh token, who issued a token, which metadata
    //! describes a server, and how exchanges group into flows.

    use super::*;
    use crate::model::kind::classify_all;
    use crate::model::{Headers, Provenance, Request, Response};

    /// 2026-11-29T10:00:00Z in milliseconds.
    const T0: i64 = 1_795_946_400_000;
    const CB: &str = "https://app.example.com/cb";
    const CB_ENC: &str = "https%3A%2F%2Fapp.example.com%2Fcb";
    const TOKEN: &str = "https://idp.example.com/oauth2/token";
    const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
    const METADATA: &str = r#"{"issuer":"https://idp.example.com","authorization_endpoint":"https://idp.example.com/oauth2/authorize","token_endpoint":"https://idp.example.com/oauth2/token","jwks_uri":"https://idp.example.com/oauth2/jwks","pushed_authorization_request_endpoint":"https://idp.example.com/oauth2/par","response_types_supported":["code"]}"#;

    /// A capture under construction: every exchange starts at `at` (ms after [`T0`]) and
    /// lasts 100 ms.
    struct Capture {
        ex: Vec<Exchange>,
    }

    impl Capture {
        fn new() -> Capture {
            Capture { ex: Vec::new() }
        }

        /// Add an exchange; a response body that starts with `{` is JSON. Returns its index.
        #[allow(clippy::too_many_arguments)]
        fn add(
            &mut self,
            at: i64,
            method: &str,
            url: &str,
            req_headers: &[(&str, &str)],
            body: Option<&str>,
            status: u16,
            resp_headers: &[(&str, &str)],
            resp_body: &str,
        ) -> usize {
            let h = |h: &[(&str, &str)]| {
                Headers::new(
                    h.iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                )
            };
            let mut rh = resp_headers.to_vec();
            if resp_body.starts_with('{') {
                rh.push(("Content-Type", "application/json"));
            }
            let index = self.ex.len();
            self.ex.push(Exchange {
                ordinal: 0,
                index,
                source: Provenance {
                    file: Arc::from("test.json"),
                    entry: index,
                    line: None,
                },
                started_at: jiff::Timestamp::from_millisecond(T0 + at).ok(),
                duration_ms: Some(100.0),
                request: Request::new(method, url, h(req_headers), body.map(str::to_string)),
                response: Some(Response::new(status, h(&rh), Some(resp_body.to_string()))),
                kind: Kind::Other,
                sanitized: false,
                provider: None,
                verified: Vec::new(),
            });
            index
        }

        fn get(&mut self, at: i64, url: &str, status: u16, location: &str, body: &str) -> usize {
            let loc: &[(&str, &str)] = if location.is_empty() {
                &[]
            } else {
                &[("Location", location)]
            };
            self.add(at, "GET", url, &[], None, status, loc, body)
        }

        /// A form POST to the token endpoint.
        fn token(&mut self, at: i64, body: &str, status: u16, resp_body: &str) -> usize {
            self.add(
                at,
                "POST",
                TOKEN,
                &[FORM],
                Some(body),
                status,
                &[],
                resp_body,
            )
        }

        /// An authorization request of client `web` with `state` (and the `extra` parameters),
        /// answered `status` with `location`.
        fn authorize(
            &mut self,
            at: i64,
            state: &str,
            extra: &str,
            status: u16,
            location: &str,
        ) -> usize {
            let url = format!(
                "https://idp.example.com/oauth2/authorize?response_type=code&client_id=web&redirect_uri={CB_ENC}&state={state}{extra}"
            );
            self.get(
                at,
                &url,
                status,
                location,
                if status == 200 {
                    "<html>sign in</html>"
                } else {
                    ""
                },
            )
        }

        /// Classify and index the capture.
        fn index(mut self) -> (Vec<Exchange>, Index) {
            classify_all(&mut self.ex);
            let idx = Index::build(&self.ex);
            (self.ex, idx)
        }
    }

    fn tokens(access: &str, refresh: Option<&str>) -> String {
        match refresh {
            Some(r) => format!(
                r#"{{"access_token":"{access}","token_type":"Bearer","expires_in":3600,"refresh_token":"{r}"}}"#
            ),
            None => {
                format!(r#"{{"access_token":"{access}","token_type":"Bearer","expires_in":3600}}"#)
            }
        }
    }

    const INVALID_GRANT: &str = r#"{"error":"invalid_grant"}"#;

    /// Two logins of client `web`, the first one's tokens used, refreshed and refreshed again
    /// with the rotated token; a third login through a sign-in page; a login of `cli` whose
    /// response is not captured; a refresh race.
    fn logins() -> (Vec<Exchange>, Index) {
        let mut c = Capture::new();
        let redeem = |code: &str, client: &str| {
            format!(
                "grant_type=authorization_code&code={code}&redirect_uri={CB_ENC}&client_id={client}&code_verifier=v"
            )
        };
        let refresh =
            |rt: &str| format!("grant_type=refresh_token&refresh_token={rt}&client_id=web");
        c.get(
            0,
            "https://idp.example.com/.well-known/openid-configuration",
            200,
            "",
            METADATA,
        ); // 0
        c.authorize(
            500,
            "S1",
            "&code_challenge=CH1&code_challenge_method=S256",
            302,
            &format!("{CB}?code=C1&state=S1"),
        ); // 1
        c.get(700, &format!("{CB}?code=C1&state=S1"), 302, "/", ""); // 2
        let first = r#"{"access_token":"AT1","token_type":"Bearer","refresh_token":"RT1","id_token":"ID1"}"#;
        c.token(900, &redeem("C1", "web"), 200, first); // 3
        c.add(
            1_100,
            "GET",
            "https://api.example.com/v1/orders",
            &[("Authorization", "Bearer AT1")],
            None,
            200,
            &[],
            r#"{"orders":[]}"#,
        ); // 4
        c.token(3_600_000, &refresh("RT1"), 200, &tokens("AT2", Some("RT2"))); // 5
        c.token(3_660_000, &refresh("RT1"), 400, INVALID_GRANT); // 6
        c.authorize(
            3_700_000,
            "S2",
            "&code_challenge=CH2&code_challenge_method=S256",
            302,
            &format!("{CB}?code=C2&state=S2"),
        ); // 7
        c.token(3_700_500, &redeem("C2", "web"), 200, &tokens("AT3", None)); // 8
        c.token(3_700_700, &redeem("C2", "web"), 400, INVALID_GRANT); // 9
        c.authorize(3_800_000, "S3", "", 200, ""); // 10
        c.add(
            3_810_000,
            "POST",
            "https://idp.example.com/login",
            &[FORM],
            Some("username=dana&password=pw"),
            302,
            &[("Location", &format!("{CB}?code=C3&state=S3"))],
            "",
        ); // 11
        c.token(3_810_500, &redeem("C3", "web"), 200, &tokens("AT4", None)); // 12
        let cli = "https://idp.example.com/oauth2/authorize?response_type=code&client_id=cli&redirect_uri=http%3A%2F%2F127.0.0.1%3A8400%2Fcb&state=S4";
        c.get(3_900_000, cli, 200, "", "<html>sign in</html>"); // 13
        c.token(3_960_000, &redeem("C9", "cli"), 400, INVALID_GRANT); // 14
        c.token(7_200_000, &refresh("RT2"), 200, &tokens("AT5", Some("RT3"))); // 15
        c.token(7_200_050, &refresh("RT2"), 400, INVALID_GRANT); // 16
        c.index()
    }

    #[test]
    fn the_authorization_request_of_a_code_is_found_through_its_response_and_state() {
        let (ex, idx) = logins();
        // The code was seen twice: in the authorization response's Location and at the callback.
        let seen: Vec<(usize, String)> = idx
            .authz_responses_with_code("C1")
            .map(|a| (a.exchange, a.at("code")))
            .collect();
        assert_eq!(
            seen,
            [
                (1, "response.headers.location.code".to_string()),
                (2, "request.url.code".to_string()),
            ]
        );
        let (az, link, azr) = idx.authorize_of(&ex, &ex[3]).unwrap();
        assert_eq!(
            (az.index, link, azr.map(|a| a.exchange)),
            (1, Link::Code, Some(1))
        );
        assert_eq!(
            idx.authorize_for_token(&ex, &ex[3]).map(|e| e.index),
            Some(1)
        );
        // The second login's code belongs to the second authorization request, not the latest
        // earlier one of the client.
        assert_eq!(
            idx.authorize_of(&ex, &ex[8]).map(|(az, ..)| az.index),
            Some(7)
        );
        // A login through a sign-in page: the code arrives in the response to the login form,
        // tied to the authorization request by its state.
        let (az, link, azr) = idx.authorize_of(&ex, &ex[12]).unwrap();
        assert_eq!(
            (az.index, link, azr.map(|a| a.exchange)),
            (10, Link::Code, Some(11))
        );
        assert_eq!(idx.azr_of(&ex, &ex[10]).map(|a| a.exchange), Some(11));
        assert_eq!(idx.azr_of(&ex, &ex[1]).map(|a| a.exchange), Some(1));
        // A code the capture never saw delivered: only the client ties it to a request.
        let (az, link, azr) = idx.authorize_of(&ex, &ex[14]).unwrap();
        assert_eq!((az.index, link, azr.is_none()), (13, Link::Client, true));
        assert!(idx.azr_of(&ex, &ex[13]).is_none());
    }

    #[test]
    fn redemptions_of_a_code() {
        let (ex, idx) = logins();
        let of = |code| {
            idx.redemptions_of(&ex, code)
                .map(|e| e.index)
                .collect::<Vec<_>>()
        };
        assert_eq!(of("C1"), [3]);
        assert_eq!(of("C2"), [8, 9]);
        assert!(of("C-never-sent").is_empty());
        assert_eq!(idx.redemption_of(&ex, &ex[1]).map(|e| e.index), Some(3));
        assert_eq!(idx.redemption_of(&ex, &ex[7]).map(|e| e.index), Some(8));
        // The retry's code was consumed by the first redemption; the first has none before it.
        assert_eq!(
            idx.earlier_redemption(&ex, &ex[9]).map(|e| e.index),
            Some(8)
        );
        assert!(idx.earlier_redemption(&ex, &ex[8]).is_none());
    }

    #[test]
    fn refresh_conflicts_tell_rotation_from_a_race() {
        let (ex, idx) = logins();
        // RT1 was rotated by exchange 5 a minute before exchange 6 sent it again.
        assert_eq!(
            idx.refresh_conflict(&ex, &ex[6]),
            Some((5, RefreshConflict::Rotated))
        );
        // RT2 was sent twice 50 ms apart: the one that lost ran while the other rotated it.
        assert_eq!(
            idx.refresh_conflict(&ex, &ex[16]),
            Some((15, RefreshConflict::Race))
        );
        // The refreshes that won conflict with nothing before them.
        assert_eq!(idx.refresh_conflict(&ex, &ex[5]), None);
        assert_eq!(idx.refresh_conflict(&ex, &ex[15]), None);
    }

    #[test]
    fn a_refresh_that_did_not_rotate_is_no_conflict() {
        let mut c = Capture::new();
        let body = "grant_type=refresh_token&refresh_token=RT1&client_id=web";
        c.token(0, body, 200, &tokens("AT1", None)); // no new refresh token
        c.token(60_000, body, 200, &tokens("AT2", Some("RT1"))); // the same one back
        c.token(120_000, body, 400, INVALID_GRANT);
        let (ex, idx) = c.index();
        assert_eq!(idx.refresh_conflict(&ex, &ex[2]), None);
    }

    #[test]
    fn the_issuer_of_a_token_value() {
        let (ex, idx) = logins();
        for (value, by) in [
            ("AT1", 3),
            ("RT1", 3),
            ("ID1", 3),
            ("AT2", 5),
            ("RT2", 5),
            ("AT3", 8),
        ] {
            assert_eq!(idx.issuer(&ex, value).map(|e| e.index), Some(by), "{value}");
            assert_eq!(idx.issued_by(value), Some(by), "{value}");
        }
        assert!(idx.issuer(&ex, "AT-from-elsewhere").is_none());
        assert!(idx.issued_by("AT-from-elsewhere").is_none());
        // A prefix of a token is not the token.
        assert!(idx.issuer(&ex, "AT").is_none());
    }

    #[test]
    fn a_pushed_request_stands_behind_the_authorization_request_that_uses_it() {
        let pushed = format!(
            "response_type=code&client_id=web&redirect_uri={CB_ENC}&state=SP&code_challenge=CHP&code_challenge_method=S256"
        );
        let redeem = format!(
            "grant_type=authorization_code&code=CP&redirect_uri={CB_ENC}&client_id=web&code_verifier=v"
        );
        let mut c = Capture::new();
        c.add(
            0,
            "POST",
            "https://idp.example.com/oauth2/par",
            &[FORM],
            Some(&pushed),
            201,
            &[],
            r#"{"request_uri":"urn:ietf:params:oauth:request_uri:RU1","expires_in":60}"#,
        ); // 0
        c.get(
            300,
            "https://idp.example.com/oauth2/authorize?client_id=web&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3ARU1",
            302,
            &format!("{CB}?code=CP&state=SP"),
            "",
        ); // 1
        c.token(600, &redeem, 200, &tokens("ATP", None)); // 2
        let (ex, idx) = c.index();
        assert_eq!((ex[0].kind, ex[1].kind), (Kind::Par, Kind::Authorize));
        assert_eq!(idx.par_of(&ex, &ex[1]).map(|e| e.index), Some(0));
        // The authorization request's parameters travelled in the pushed request.
        assert_eq!(idx.az_param(&ex, &ex[1], "state").as_deref(), Some("SP"));
        assert_eq!(
            idx.az_param(&ex, &ex[1], "code_challenge").as_deref(),
            Some("CHP")
        );
        assert_eq!(idx.az_param(&ex, &ex[1], "nonce"), None);
        // The code's state leads to the pushed request, which stands for the authorization
        // request that used its request_uri.
        let (az, link, _) = idx.authorize_of(&ex, &ex[2]).unwrap();
        assert_eq!((az.index, link), (1, Link::Code));
        assert_eq!(
            idx.az_with_challenge(&ex, "CHP", 1).map(|e| e.index),
            Some(0)
        );
        assert_eq!(
            idx.az_with_challenge(&ex, "CHP", 0).map(|e| e.index),
            Some(1)
        );
        assert!(idx.az_with_challenge(&ex, "CH-other", 1).is_none());
        // An authorization request with a request_uri nobody pushed.
        let mut c = Capture::new();
        let stale = "https://idp.example.com/oauth2/authorize?client_id=web&request_uri=urn%3Aexample%3Astale";
        let refused = format!("{CB}?error=invalid_request_uri");
        c.get(0, stale, 302, &refused, "");
        let (ex, idx) = c.index();
        assert!(idx.par_of(&ex, &ex[0]).is_none());
    }

    #[test]
    fn metadata_announcing_an_endpoint_and_metadata_for_a_server() {
        let partner = r#"{"issuer":"https://login.partner.example.net","authorization_endpoint":"https://login.partner.example.net/authorize","token_endpoint":"https://tokens.partner.example.net/token","response_types_supported":["code"]}"#;
        let mut c = Capture::new();
        c.get(
            0,
            "https://idp.example.com/.well-known/openid-configuration",
            200,
            "",
            METADATA,
        ); // 0
        c.get(
            100,
            "https://login.partner.example.net/.well-known/openid-configuration",
            200,
            "",
            partner,
        ); // 1
        c.get(
            200,
            "https://idp.example.com/.well-known/openid-configuration",
            200,
            "",
            METADATA,
        ); // 2, again
        c.token(
            300,
            "grant_type=client_credentials&client_id=svc",
            401,
            r#"{"error":"invalid_client"}"#,
        ); // 3
        c.add(
            400,
            "POST",
            "https://tokens.partner.example.net/token",
            &[FORM],
            Some("grant_type=client_credentials&client_id=svc"),
            401,
            &[],
            r#"{"error":"invalid_client"}"#,
        ); // 4
        c.add(
            500,
            "GET",
            "https://api.example.com/v1/orders",
            &[("Authorization", "Bearer x")],
            None,
            401,
            &[],
            "",
        ); // 5
        let (ex, idx) = c.index();
        // Fetched three times, two documents: the repeat shares the first fetch's document.
        assert_eq!(idx.metadata.len(), 3);
        assert!(Arc::ptr_eq(&idx.metadata[0].1, &idx.metadata[2].1));
        let distinct: Vec<usize> = idx.distinct_metadata().map(|(i, _)| *i).collect();
        assert_eq!(distinct, [0, 1]);
        // Announced URLs compare without query, fragment, trailing slash or case.
        let found = idx.metadata_announcing(
            "token_endpoint",
            "HTTPS://IDP.EXAMPLE.COM/oauth2/token/?p=1",
        );
        assert_eq!(found.map(|(i, _)| *i), Some(0));
        let found =
            idx.metadata_announcing("token_endpoint", "https://tokens.partner.example.net/token");
        assert_eq!(found.map(|(i, _)| *i), Some(1));
        assert!(
            idx.metadata_announcing("token_endpoint", "https://idp.example.com/oauth2/tokens")
                .is_none()
        );
        assert!(
            idx.metadata_announcing("userinfo_endpoint", "https://idp.example.com/oauth2/token")
                .is_none()
        );
        // The metadata of the server an exchange talks to: by the hosts a document names; a
        // host no document names gets the capture's first document.
        let issuer_for = |i: usize| idx.metadata_for(&ex[i]).and_then(|d| d["issuer"].as_str());
        assert_eq!(issuer_for(3), Some("https://idp.example.com"));
        assert_eq!(issuer_for(4), Some("https://login.partner.example.net"));
        assert_eq!(issuer_for(5), Some("https://idp.example.com"));
        // A capture without metadata has none for anyone.
        let mut c = Capture::new();
        c.token(
            0,
            "grant_type=client_credentials&client_id=svc",
            401,
            r#"{"error":"invalid_client"}"#,
        );
        let (ex, idx) = c.index();
        assert!(idx.metadata_for(&ex[0]).is_none());
    }

    #[test]
    fn flows_group_what_belongs_together() {
        let (_, idx) = logins();
        let groups: Vec<Vec<usize>> = idx.flows.iter().map(|f| f.exchanges.clone()).collect();
        assert_eq!(
            groups,
            [
                vec![0],                        // metadata
                vec![1, 2, 3, 4, 5, 6, 15, 16], // login 1, its API call and refreshes
                vec![7, 8, 9],                  // login 2 and the replayed code
                vec![10, 11, 12],               // login 3 through the sign-in page
                vec![13],                       // the authorization request of `cli`
                vec![14],                       // a code nobody saw delivered
            ]
        );
        for f in &idx.flows {
            for &i in &f.exchanges {
                assert_eq!(idx.flow_of[i], f.id);
            }
        }
        let ids: Vec<usize> = idx.flows.iter().map(|f| f.id).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn endpoints_compare_without_query_fragment_slash_or_case() {
        assert!(same_endpoint(
            "https://IDP.example.com/oauth2/token/",
            "https://idp.example.com/oauth2/token?x=1#f"
        ));
        assert!(!same_endpoint(
            "https://idp.example.com/oauth2/token",
            "https://idp.example.com/oauth2/tokens"
        ));
        assert_eq!(
            strip_uri("https://app.example.com/cb?code=1#x"),
            "https://app.example.com/cb"
        );
    }
}
