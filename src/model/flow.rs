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
    /// The failing OAuth exchanges that need a cause ([`Index::failures`]), in capture order.
    failures: Vec<usize>,
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
        idx.failures = failures(ex, &redirect_uris);
        idx
    }

    /// The exchanges whose failure needs a cause, in capture order: an OAuth exchange (an
    /// authorization-server endpoint, a callback, a call that presented a token, a token request
    /// at an unlisted URL) that failed ([`Exchange::failed`]) and was not followed by a
    /// successful retry of the same request (same method, endpoint, kind and grant).
    pub fn failures(&self) -> &[usize] {
        &self.failures
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
fn failures(ex: &[Exchange], redirect_uris: &[String]) -> Vec<usize> {
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
    // Walking backwards, remember which requests succeeded later on.
    let mut succeeded_later = std::collections::HashSet::new();
    let mut out = Vec::new();
    for e in ex.iter().rev() {
        if e.succeeded() {
            succeeded_later.insert(key(e));
            continue;
        }
        let at_redirect_uri = || redirect_uris.contains(&strip_uri(&e.request.url));
        if (is_oauth(e) || at_redirect_uri()) && e.failed() && !succeeded_later.contains(&key(e)) {
            out.push(e.index);
        }
    }
    out.reverse();
    out
}

/// An exchange of the OAuth protocol: an authorization-server endpoint, the callback, a call
/// that presents a token, or, among the rest, a request answered like a token endpoint, with a
/// standard OAuth error, with a recognised provider's error, or with a `Bearer` / `DPoP`
/// challenge (RFC 6750 §3, RFC 9449 §7.1).
fn is_oauth(e: &Exchange) -> bool {
    match e.kind {
        Kind::Preflight => false,
        Kind::Other => {
            let challenged = e.response.as_ref().is_some_and(|r| {
                r.status == 401
                    && r.headers.get_all("www-authenticate").any(|h| {
                        let h = h.trim_start().to_ascii_lowercase();
                        h.starts_with("bearer") || h.starts_with("dpop")
                    })
            });
            e.is_token_request()
                || challenged
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
