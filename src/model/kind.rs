//! Classification of exchanges into OAuth endpoint kinds, from discovery documents found in the
//! capture first, then from method, parameters and response shape — never from a URL substring
//! alone (`/tokens/list` is not a token endpoint). Owns `Kind`; it does not judge success.

use super::{Exchange, Request, Response};
use serde::Serialize;
use std::collections::HashMap;

/// What an exchange is, in OAuth terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Browser request to the authorization endpoint.
    Authorize,
    /// The authorization response arriving at the client's redirect URI.
    Callback,
    Token,
    Par,
    DeviceAuthorization,
    Introspection,
    Revocation,
    Userinfo,
    Discovery,
    Jwks,
    /// A call to a protected resource carrying a token.
    Resource,
    /// A CORS preflight.
    Preflight,
    Other,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Authorize => "authorize",
            Kind::Callback => "callback",
            Kind::Token => "token",
            Kind::Par => "par",
            Kind::DeviceAuthorization => "device_authorization",
            Kind::Introspection => "introspection",
            Kind::Revocation => "revocation",
            Kind::Userinfo => "userinfo",
            Kind::Discovery => "discovery",
            Kind::Jwks => "jwks",
            Kind::Resource => "resource",
            Kind::Preflight => "preflight",
            Kind::Other => "other",
        }
    }

    /// Server-to-server endpoints where a redirect is never a valid answer.
    pub fn is_back_channel(self) -> bool {
        matches!(
            self,
            Kind::Token
                | Kind::Par
                | Kind::DeviceAuthorization
                | Kind::Introspection
                | Kind::Revocation
        )
    }

    /// Endpoints of the authorization server.
    pub fn is_authorization_server(self) -> bool {
        self.is_back_channel()
            || matches!(
                self,
                Kind::Authorize | Kind::Userinfo | Kind::Discovery | Kind::Jwks
            )
    }
}

/// Endpoint URLs announced by discovery documents in the capture.
#[derive(Debug, Default, Clone)]
pub struct Endpoints {
    map: HashMap<String, Kind>,
}

impl Endpoints {
    pub fn from_exchanges(exchanges: &[Exchange]) -> Endpoints {
        let mut map = HashMap::new();
        for e in exchanges {
            let Some(doc) = e.response.as_ref().and_then(|r| r.json.as_ref()) else {
                continue;
            };
            if !is_metadata_doc(doc) {
                continue;
            }
            for (field, kind) in [
                ("authorization_endpoint", Kind::Authorize),
                ("token_endpoint", Kind::Token),
                ("pushed_authorization_request_endpoint", Kind::Par),
                ("device_authorization_endpoint", Kind::DeviceAuthorization),
                ("introspection_endpoint", Kind::Introspection),
                ("revocation_endpoint", Kind::Revocation),
                ("userinfo_endpoint", Kind::Userinfo),
                ("jwks_uri", Kind::Jwks),
            ] {
                if let Some(u) = doc.get(field).and_then(|v| v.as_str()) {
                    map.insert(normalise(u), kind);
                }
            }
        }
        Endpoints { map }
    }

    pub fn lookup(&self, req: &Request) -> Option<Kind> {
        self.map.get(&normalise(&req.endpoint())).copied()
    }
}

fn normalise(u: &str) -> String {
    let u = u.split(['?', '#']).next().unwrap_or("");
    u.trim_end_matches('/').to_ascii_lowercase()
}

/// A JSON document that is OAuth / OpenID metadata.
pub fn is_metadata_doc(doc: &serde_json::Value) -> bool {
    doc.get("issuer").is_some_and(|v| v.is_string())
        && [
            "token_endpoint",
            "authorization_endpoint",
            "jwks_uri",
            "response_types_supported",
        ]
        .iter()
        .any(|k| doc.get(k).is_some())
}

/// Classify every exchange in place.
pub fn classify_all(exchanges: &mut [Exchange]) {
    let endpoints = Endpoints::from_exchanges(exchanges);
    let mut redirect_uris: Vec<String> = exchanges
        .iter()
        .filter_map(|e| e.request.query.get("redirect_uri").map(normalise))
        .collect();
    redirect_uris.sort_unstable();
    redirect_uris.dedup();
    for e in exchanges.iter_mut() {
        e.kind = classify(&e.request, e.response.as_ref(), &endpoints, &redirect_uris);
    }
}

const GRANT_PARAMS: [&str; 2] = ["grant_type", "device_code"];

/// Classify one exchange.
pub fn classify(
    req: &Request,
    resp: Option<&Response>,
    endpoints: &Endpoints,
    redirect_uris: &[String],
) -> Kind {
    if req.method == "OPTIONS" {
        return Kind::Preflight;
    }
    let path = req.path().to_ascii_lowercase();
    let resp_json = resp.and_then(|r| r.json.as_ref());

    let jwks_shaped = resp_json.is_some_and(|j| {
        j.get("keys")
            .and_then(|k| k.as_array())
            .is_some_and(|a| !a.is_empty() && a.iter().all(|x| x.get("kty").is_some()))
    });
    if !jwks_shaped
        && (path.contains("/.well-known/openid-configuration")
            || path.contains("/.well-known/oauth-authorization-server")
            || resp_json.is_some_and(is_metadata_doc))
    {
        return Kind::Discovery;
    }
    let has_grant = GRANT_PARAMS.iter().any(|p| req.param(p).is_some());
    if let Some(kind) = endpoints.lookup(req) {
        // A discovery-listed endpoint; a token endpoint URL called with authorize-style
        // parameters is still what the URL says.
        return kind;
    }
    if resp_json.is_some_and(|j| {
        j.get("keys").is_some_and(|k| {
            k.as_array()
                .is_some_and(|a| a.iter().all(|x| x.get("kty").is_some()))
        })
    }) || path.ends_with("/jwks")
        || path.ends_with("/jwks.json")
        || path.ends_with("/certs")
            && req.method == "GET"
            && resp_json.is_some_and(|j| j.get("keys").is_some())
    {
        return Kind::Jwks;
    }
    if has_grant {
        return Kind::Token;
    }
    let body_params = |names: &[&str]| {
        names
            .iter()
            .all(|n| req.form.has(n) || req.json.as_ref().is_some_and(|j| j.get(*n).is_some()))
    };
    let q = &req.query;
    // Front channel: authorization request.
    if (q.has("response_type") && (q.has("client_id") || q.has("request_uri")))
        || (q.has("client_id") && q.has("request_uri"))
        || (q.has("client_id") && q.has("redirect_uri") && q.has("scope") && req.method == "GET")
    {
        return Kind::Authorize;
    }
    if req.method == "POST" && body_params(&["response_type", "client_id"]) {
        if path.ends_with("/par") || resp_json.is_some_and(|j| j.get("request_uri").is_some()) {
            return Kind::Par;
        }
        return Kind::Authorize;
    }
    // Token endpoint by response shape (a POST that got tokens back) or by the code exchange shape.
    let token_shaped =
        resp_json.is_some_and(|j| j.get("access_token").is_some() && j.get("token_type").is_some());
    if req.method == "POST" && (token_shaped || body_params(&["code", "redirect_uri", "client_id"]))
    {
        return Kind::Token;
    }
    // Authorization response at the redirect URI.
    let fragment = req.parsed.as_ref().and_then(|u| u.fragment()).unwrap_or("");
    let frag = super::Params::parse(fragment);
    let here = normalise(&req.endpoint());
    let at_redirect_uri = redirect_uris.contains(&here);
    let cb_params = |p: &super::Params| {
        (p.has("code") && (p.has("state") || at_redirect_uri))
            || (p.has("error") && (p.has("state") || at_redirect_uri))
            || (p.has("id_token") && p.has("state"))
            || (p.has("access_token") && p.has("token_type"))
    };
    if cb_params(q) || cb_params(&frag) || (req.method == "POST" && cb_params(&req.form)) {
        return Kind::Callback;
    }
    if req.method == "POST" && req.form.has("token") {
        if path.contains("introspect") || resp_json.is_some_and(|j| j.get("active").is_some()) {
            return Kind::Introspection;
        }
        if path.contains("revoke") || path.contains("revocation") {
            return Kind::Revocation;
        }
    }
    if req.method == "POST"
        && (req.form.has("client_id") || req.authorization().is_some())
        && (path.contains("device")
            || resp_json
                .is_some_and(|j| j.get("device_code").is_some() && j.get("user_code").is_some()))
    {
        return Kind::DeviceAuthorization;
    }
    let has_token = req.presented_token().is_some();
    if has_token
        && (path.ends_with("/userinfo")
            || path.ends_with("/me") && path.contains("oidc")
            || path.ends_with("/openid/userinfo"))
    {
        return Kind::Userinfo;
    }
    if has_token {
        return Kind::Resource;
    }
    Kind::Other
}
