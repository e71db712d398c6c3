//! Flow correlation: links authorize → authorization response → token → refresh → resource
//! by `state`, `code`, `client_id`, refresh-token and access-token values. Owns the cross-exchange
//! index rules query; it judges nothing.

use super::{Exchange, Kind, Params};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

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
        idx
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

    /// The first discovery document in the capture, if any.
    pub fn metadata_doc(&self) -> Option<&Value> {
        self.metadata.first().map(|(_, d)| &**d)
    }
}

/// The client identity of a token request: Basic user, form client_id, or assertion subject.
pub fn token_client_id(e: &Exchange) -> Option<String> {
    if let Some(id) = e.request.basic_credentials().and_then(|b| b.decoded_id()) {
        return Some(id);
    }
    e.request.param("client_id")
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
