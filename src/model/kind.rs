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
    /// The user's credentials (a password, a one-time code) sent to the identity provider's own
    /// sign-in page or API, before any authorization response: Entra's login form, Auth0's
    /// Universal Login, Okta's authentication API, Keycloak's login form, …
    SignIn,
    /// Dynamic client registration (RFC 7591) and the management of a registered client
    /// (RFC 7592).
    Registration,
    /// OAuth protected resource metadata (RFC 9728): the document in which a resource names
    /// the authorization servers it trusts.
    ResourceMetadata,
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
            Kind::SignIn => "sign_in",
            Kind::Registration => "registration",
            Kind::ResourceMetadata => "resource_metadata",
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
                Kind::Authorize
                    | Kind::Userinfo
                    | Kind::Discovery
                    | Kind::Jwks
                    | Kind::SignIn
                    | Kind::Registration
            )
    }
}

/// What the capture says about its endpoints before any exchange is classified: the endpoint
/// URLs announced by discovery documents, the clients' registration URIs (RFC 7592) issued by
/// registrations, and the origins that serve sign-in pages (those that received an
/// authorization or a SAML authentication request).
#[derive(Debug, Default, Clone)]
pub struct Endpoints {
    map: HashMap<String, Kind>,
    /// `scheme://host[:port]` of the origins that received an authorization or SAML request.
    sign_in_origins: Vec<String>,
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
                ("registration_endpoint", Kind::Registration),
            ] {
                if let Some(u) = doc.get(field).and_then(|v| v.as_str()) {
                    map.insert(normalise(u), kind);
                }
            }
        }
        // A registration's answer names where the client is managed from now on (RFC 7592 §3).
        for e in exchanges {
            let Some(doc) = e.response.as_ref().and_then(|r| r.json.as_ref()) else {
                continue;
            };
            if is_registration_answer(doc) {
                if let Some(u) = doc.get("registration_client_uri").and_then(|v| v.as_str()) {
                    map.insert(normalise(u), Kind::Registration);
                }
            }
        }
        let mut sign_in_origins: Vec<String> = exchanges
            .iter()
            .filter(|e| {
                let q = &e.request.query;
                (q.has("response_type") && (q.has("client_id") || q.has("request_uri")))
                    || q.has("SAMLRequest")
                    || e.request.form.has("SAMLRequest")
            })
            .filter_map(|e| origin_of(&e.request))
            .collect();
        sign_in_origins.sort_unstable();
        sign_in_origins.dedup();
        Endpoints {
            map,
            sign_in_origins,
        }
    }

    pub fn lookup(&self, req: &Request) -> Option<Kind> {
        self.map.get(&normalise(&req.endpoint())).copied()
    }

    /// Whether the request goes to an origin that received an authorization or SAML request.
    fn serves_sign_in(&self, req: &Request) -> bool {
        origin_of(req).is_some_and(|o| self.sign_in_origins.binary_search(&o).is_ok())
    }
}

/// `scheme://host[:port]` of a request, lower case.
fn origin_of(req: &Request) -> Option<String> {
    let u = req.parsed.as_ref()?;
    Some(u.origin().ascii_serialization().to_ascii_lowercase())
}

/// The answer of a successful registration (RFC 7591 §3.2.1): a `client_id` with what only a
/// registration issues.
pub fn is_registration_answer(doc: &serde_json::Value) -> bool {
    doc.get("client_id").is_some_and(|v| v.is_string())
        && [
            "client_id_issued_at",
            "registration_access_token",
            "registration_client_uri",
            "client_secret_expires_at",
        ]
        .iter()
        .any(|k| doc.get(k).is_some())
}

/// Client metadata sent to a registration endpoint (RFC 7591 §2): redirect URIs as a list, a
/// software statement, or a client name with the grant, response types or authentication
/// method it asks for.
pub fn is_client_metadata(doc: &serde_json::Value) -> bool {
    let has = |k: &str| doc.get(k).is_some();
    doc.get("redirect_uris").is_some_and(|v| v.is_array())
        || has("software_statement")
        || (has("client_name")
            && (has("grant_types") || has("response_types") || has("token_endpoint_auth_method")))
}

/// An OAuth protected resource metadata document (RFC 9728 §2): the resource's identifier and,
/// usually, the authorization servers it trusts.
pub fn is_resource_metadata_doc(doc: &serde_json::Value) -> bool {
    doc.get("resource").is_some_and(|v| v.is_string())
        && doc.get("issuer").is_none()
        && [
            "authorization_servers",
            "bearer_methods_supported",
            "scopes_supported",
            "jwks_uri",
        ]
        .iter()
        .any(|k| doc.get(k).is_some())
}

/// Request fields in which a user sends a secret to a sign-in page or API: a password, a
/// one-time code. Compared without regard to case.
const USER_SECRET_FIELDS: &[&str] = &[
    "password", "passwd", "pwd", "passcode", "otp", "totp", "otc",
];

/// Whether a request carries a user's password or one-time code: a form field, a JSON member, or
/// the nested forms of Okta's identity engine (`credentials.passcode`) and Amazon Cognito's
/// `InitiateAuth` (`AuthParameters.PASSWORD`).
pub fn carries_user_secret(req: &Request) -> bool {
    let named = |k: &str| USER_SECRET_FIELDS.iter().any(|f| k.eq_ignore_ascii_case(f));
    if req.form.iter().any(|(k, v)| named(k) && !v.is_empty()) {
        return true;
    }
    let Some(serde_json::Value::Object(o)) = &req.json else {
        return false;
    };
    let filled = |v: &serde_json::Value| v.as_str().is_some_and(|s| !s.is_empty());
    o.iter().any(|(k, v)| named(k) && filled(v))
        || ["credentials", "AuthParameters", "ChallengeResponses"]
            .iter()
            .filter_map(|k| o.get(*k).and_then(|v| v.as_object()))
            .any(|inner| inner.iter().any(|(k, v)| named(k) && filled(v)))
}

/// A request to a sign-in API whatever the origin: Okta's authentication API (`/api/v1/authn`)
/// and identity engine (`/idp/idx/`), Auth0's credential endpoints (`/usernamepassword/login`,
/// `/co/authenticate`, `/u/login`), Keycloak's login action, Amazon Cognito's `InitiateAuth`.
fn is_sign_in_api(req: &Request, path: &str) -> bool {
    path.contains("/api/v1/authn")
        || path.contains("/idp/idx/")
        || path.ends_with("/usernamepassword/login")
        || path.ends_with("/co/authenticate")
        || path.starts_with("/u/login")
        || path.contains("/login-actions/authenticate")
        || req.headers.get("x-amz-target").is_some_and(|t| {
            t.starts_with("AWSCognitoIdentityProviderService.")
                && (t.ends_with(".InitiateAuth") || t.ends_with(".RespondToAuthChallenge"))
        })
}

/// A request (or the page it was sent from) that carries an authorization request's
/// parameters (a client and where to send the user back) or a SAML authentication request.
fn carries_authorization_context(req: &Request) -> bool {
    let oauth = |p: &dyn Fn(&str) -> bool| {
        (p("client_id") || p("client")) && (p("redirect_uri") || p("response_type"))
    };
    if oauth(&|k: &str| req.param(k).is_some()) {
        return true;
    }
    req.headers
        .get("referer")
        .and_then(|r| url::Url::parse(r).ok())
        .is_some_and(|u| {
            let q = super::Params::parse(u.query().unwrap_or(""));
            oauth(&|k: &str| q.has(k)) || q.has("SAMLRequest")
        })
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
    if path.contains("/.well-known/oauth-protected-resource")
        || resp_json.is_some_and(is_resource_metadata_doc)
    {
        return Kind::ResourceMetadata;
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
    // The user's password or one-time code sent to the identity provider's sign-in page or API:
    // no authorization request carries one (a password grant has its grant_type).
    if req.method == "POST"
        && carries_user_secret(req)
        && (is_sign_in_api(req, &path)
            || endpoints.serves_sign_in(req)
            || carries_authorization_context(req))
    {
        return Kind::SignIn;
    }
    // A later step of the same sign-in (an MFA answer, "stay signed in?") that the sign-in
    // page answers with its error code: the page says the sign-in was refused.
    if req.method == "POST"
        && endpoints.serves_sign_in(req)
        && resp.is_some_and(|r| {
            r.body
                .as_deref()
                .is_some_and(|b| super::sign_in::page_error_code(b).is_some())
        })
    {
        return Kind::SignIn;
    }
    // Client metadata sent for registration (RFC 7591 §3.1), or a registration's answer.
    if matches!(req.method.as_str(), "POST" | "PUT")
        && (req.json.as_ref().is_some_and(is_client_metadata)
            || resp_json.is_some_and(is_registration_answer))
    {
        return Kind::Registration;
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
    // A protected resource that refused a call carrying no token: its `Bearer` (or `DPoP`)
    // challenge says it wanted one (RFC 6750 §3, RFC 9449 §7.1).
    if resp.is_some_and(|r| matches!(r.status, 401 | 403) && r.challenges_for_a_token()) {
        return Kind::Resource;
    }
    Kind::Other
}

#[cfg(test)]
mod tests {
    //! Classification from realistic requests and responses, including the ones a URL alone
    //! would get wrong.

    use super::*;
    use crate::model::{Headers, Provenance};
    use std::sync::Arc;

    const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
    const JSON: (&str, &str) = ("Content-Type", "application/json");

    fn headers(h: &[(&str, &str)]) -> Headers {
        Headers::new(
            h.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// One exchange; a response body that starts with `{` is JSON.
    fn exchange(
        method: &str,
        url: &str,
        req_headers: &[(&str, &str)],
        body: Option<&str>,
        status: u16,
        resp_body: &str,
    ) -> Exchange {
        let resp_headers: &[(&str, &str)] = if resp_body.trim_start().starts_with('{') {
            &[JSON]
        } else {
            &[("Content-Type", "text/html")]
        };
        Exchange {
            ordinal: 0,
            index: 0,
            source: Provenance {
                file: Arc::from("test.json"),
                entry: 0,
                line: None,
            },
            started_at: None,
            duration_ms: None,
            request: Request::new(method, url, headers(req_headers), body.map(str::to_string)),
            response: Some(Response::new(
                status,
                headers(resp_headers),
                Some(resp_body.to_string()),
            )),
            kind: Kind::Other,
            sanitized: false,
            provider: None,
            verified: Vec::new(),
        }
    }

    /// The kind of one exchange seen on its own (no discovery document, no redirect URIs).
    fn alone(e: Exchange) -> Kind {
        classify(&e.request, e.response.as_ref(), &Endpoints::default(), &[])
    }

    /// The kinds of a capture, classified together.
    fn together(mut ex: Vec<Exchange>) -> Vec<Kind> {
        for (i, e) in ex.iter_mut().enumerate() {
            e.index = i;
        }
        classify_all(&mut ex);
        ex.iter().map(|e| e.kind).collect()
    }

    const TOKENS: &str =
        r#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600}"#;
    const DISCOVERY: &str = r#"{"issuer":"https://idp.example.com","authorization_endpoint":"https://idp.example.com/connect/authorize","token_endpoint":"https://idp.example.com/connect/t","userinfo_endpoint":"https://idp.example.com/connect/whoami","jwks_uri":"https://idp.example.com/connect/keys","introspection_endpoint":"https://idp.example.com/connect/check","revocation_endpoint":"https://idp.example.com/connect/end","device_authorization_endpoint":"https://idp.example.com/connect/tv","pushed_authorization_request_endpoint":"https://idp.example.com/connect/push","response_types_supported":["code"]}"#;

    #[test]
    fn token_requests() {
        // Entra, by the grant.
        assert_eq!(
            alone(exchange(
                "POST",
                "https://login.microsoftonline.com/4b2e9c71-3f0d-4a8e-9d55-6c1e2f7a8b90/oauth2/v2.0/token",
                &[FORM],
                Some(
                    "grant_type=authorization_code&code=0.AXwA&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&client_id=web&code_verifier=v"
                ),
                400,
                r#"{"error":"invalid_grant"}"#,
            )),
            Kind::Token
        );
        // A device-code poll, by its device_code, whatever the path.
        assert_eq!(
            alone(exchange(
                "POST",
                "https://oauth2.googleapis.com/token",
                &[FORM],
                Some(
                    "client_id=tv&device_code=AH-1Ng2&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"
                ),
                428,
                r#"{"error":"authorization_pending"}"#,
            )),
            Kind::Token
        );
        // GitHub: no grant_type, but a POST that got tokens back.
        assert_eq!(
            alone(exchange(
                "POST",
                "https://github.com/login/oauth/access_token",
                &[FORM, ("Accept", "application/json")],
                Some("client_id=Iv1.8a61f9b3a7aba766&client_secret=s&code=e72e16c7e42f292c6912"),
                200,
                TOKENS,
            )),
            Kind::Token
        );
        // The code-exchange shape without grant_type or tokens back.
        assert_eq!(
            alone(exchange(
                "POST",
                "https://auth.example.com/exchange",
                &[FORM],
                Some("code=abc&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&client_id=web"),
                400,
                r#"{"message":"bad code"}"#,
            )),
            Kind::Token
        );
        // GitHub answering in a form body without `Accept: application/json`: not classified,
        // but still read as a token request.
        let github = exchange(
            "POST",
            "https://github.com/login/oauth/access_token",
            &[FORM],
            Some("client_id=Iv1.8a61f9b3a7aba766&client_secret=s&code=e72e16c7e42f292c6912"),
            200,
            "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo&token_type=bearer",
        );
        assert_eq!(alone(github.clone()), Kind::Other);
        assert!(github.is_token_request());
    }

    #[test]
    fn authorization_requests_and_pushed_requests() {
        let google = "https://accounts.google.com/o/oauth2/v2/auth?client_id=123.apps.googleusercontent.com&response_type=code&scope=openid%20email&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=xyz";
        assert_eq!(
            alone(exchange("GET", google, &[], None, 302, "")),
            Kind::Authorize
        );
        // A PAR-style request: client_id and request_uri only.
        assert_eq!(
            alone(exchange(
                "GET",
                "https://idp.example.com/authorize?client_id=web&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Abwc4JK",
                &[],
                None,
                302,
                "",
            )),
            Kind::Authorize
        );
        // Without response_type: client_id, redirect_uri and scope on a GET will do.
        assert_eq!(
            alone(exchange(
                "GET",
                "https://idp.example.com/authorize?client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=openid",
                &[],
                None,
                400,
                "<html>missing response_type</html>",
            )),
            Kind::Authorize
        );
        // response_type alone is not enough: a page that happens to carry one.
        assert_eq!(
            alone(exchange(
                "GET",
                "https://docs.example.com/oauth/grants?response_type=code",
                &[],
                None,
                200,
                "<html>docs</html>",
            )),
            Kind::Other
        );
        // The pushed request: by its path, or by the request_uri it got back.
        let par_body = "response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code_challenge=abc&code_challenge_method=S256";
        // OpenID Connect allows the authorization request as a form POST.
        assert_eq!(
            alone(exchange(
                "POST",
                "https://idp.example.com/oauth2/authorize",
                &[FORM],
                Some(par_body),
                302,
                "",
            )),
            Kind::Authorize
        );
        assert_eq!(
            alone(exchange(
                "POST",
                "https://idp.example.com/oauth2/par",
                &[FORM],
                Some(par_body),
                400,
                r#"{"error":"invalid_request"}"#,
            )),
            Kind::Par
        );
        assert_eq!(
            alone(exchange(
                "POST",
                "https://login.example.org/realms/acme/protocol/openid-connect/ext/par/request",
                &[FORM],
                Some(par_body),
                201,
                r#"{"request_uri":"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c","expires_in":60}"#,
            )),
            Kind::Par
        );
    }

    #[test]
    fn authorization_responses_at_the_client() {
        // Code and state in the query.
        assert_eq!(
            alone(exchange(
                "GET",
                "https://app.example.com/auth/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj",
                &[],
                None,
                302,
                "",
            )),
            Kind::Callback
        );
        // An implicit response in the fragment.
        assert_eq!(
            alone(exchange(
                "GET",
                "https://spa.example.com/#access_token=2YotnFZFEjr1zCsicMWpAA&token_type=Bearer&expires_in=3600",
                &[],
                None,
                200,
                "<html></html>",
            )),
            Kind::Callback
        );
        // form_post: code and state in the POST body.
        assert_eq!(
            alone(exchange(
                "POST",
                "https://app.example.com/signin-oidc",
                &[FORM],
                Some("code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj"),
                302,
                "",
            )),
            Kind::Callback
        );
        // An error response.
        assert_eq!(
            alone(exchange(
                "GET",
                "https://app.example.com/cb?error=access_denied&state=af0ifjsldkj",
                &[],
                None,
                200,
                "<html></html>",
            )),
            Kind::Callback
        );
        // A `code` without state is a callback only at a redirect URI the capture knows.
        let authorize = exchange(
            "GET",
            "https://idp.example.com/authorize?response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb",
            &[],
            None,
            302,
            "",
        );
        let at_cb = exchange(
            "GET",
            "https://app.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA",
            &[],
            None,
            200,
            "<html></html>",
        );
        let elsewhere = exchange(
            "GET",
            "https://shop.example.com/redeem?code=GIFT-2026",
            &[],
            None,
            200,
            "<html></html>",
        );
        assert_eq!(
            together(vec![authorize, at_cb, elsewhere.clone()]),
            [Kind::Authorize, Kind::Callback, Kind::Other]
        );
        assert_eq!(alone(elsewhere), Kind::Other);
    }

    #[test]
    fn resources_and_userinfo() {
        let bearer = ("Authorization", "Bearer 2YotnFZFEjr1zCsicMWpAA");
        assert_eq!(
            alone(exchange(
                "GET",
                "https://idp.example.com/oauth2/userinfo",
                &[bearer],
                None,
                200,
                r#"{"sub":"248289761001"}"#,
            )),
            Kind::Userinfo
        );
        // A `/me` under an OpenID path is UserInfo; Microsoft Graph's `/me` is an API.
        assert_eq!(
            alone(exchange(
                "GET",
                "https://auth.example.com/oidc/me",
                &[bearer],
                None,
                200,
                r#"{"sub":"248289761001"}"#,
            )),
            Kind::Userinfo
        );
        assert_eq!(
            alone(exchange(
                "GET",
                "https://graph.microsoft.com/v1.0/me",
                &[bearer],
                None,
                200,
                r#"{"displayName":"Dana"}"#,
            )),
            Kind::Resource
        );
        // Not a token endpoint because `token` is in the path.
        assert_eq!(
            alone(exchange(
                "GET",
                "https://api.example.com/v1/tokens/list",
                &[bearer],
                None,
                200,
                r#"{"tokens":[]}"#,
            )),
            Kind::Resource
        );
        // DPoP and a token in the query are presented tokens too.
        assert_eq!(
            alone(exchange(
                "POST",
                "https://api.example.com/v1/orders",
                &[
                    ("Authorization", "DPoP eyJhbGciOiJFUzI1NiJ9.e30.c2ln"),
                    JSON
                ],
                Some(r#"{"sku":"A-1"}"#),
                201,
                r#"{"id":"ord_1"}"#,
            )),
            Kind::Resource
        );
        assert_eq!(
            alone(exchange(
                "GET",
                "https://graph.facebook.com/v19.0/me/accounts?access_token=EAAGm0PX4ZCps",
                &[],
                None,
                200,
                r#"{"data":[]}"#,
            )),
            Kind::Resource
        );
        // Basic credentials are not a presented token: a page behind a gateway is not a resource.
        assert_eq!(
            alone(exchange(
                "GET",
                "https://intranet.example.com/reports",
                &[("Authorization", "Basic dXNlcjpwYXNz")],
                None,
                200,
                "<html></html>",
            )),
            Kind::Other
        );
    }

    #[test]
    fn metadata_and_key_sets() {
        assert_eq!(
            alone(exchange(
                "GET",
                "https://login.example.org/realms/acme/.well-known/openid-configuration",
                &[],
                None,
                404,
                "<html>Not found</html>",
            )),
            Kind::Discovery,
            "the well-known path, whatever the answer"
        );
        assert_eq!(
            alone(exchange(
                "GET",
                "https://as.example.com/.well-known/oauth-authorization-server/tenants/acme",
                &[],
                None,
                200,
                r#"{"issuer":"https://as.example.com/tenants/acme","token_endpoint":"https://as.example.com/tenants/acme/token"}"#,
            )),
            Kind::Discovery
        );
        // A metadata document at an unusual URL.
        assert_eq!(
            alone(exchange(
                "GET",
                "https://idp.example.com/config",
                &[],
                None,
                200,
                DISCOVERY
            )),
            Kind::Discovery
        );
        // Google's key set at `/certs`, Auth0's at `/.well-known/jwks.json`, and one served
        // under the well-known prefix: key sets by their shape.
        let keys = r#"{"keys":[{"kty":"RSA","kid":"a1","n":"0vx7","e":"AQAB"}]}"#;
        for url in [
            "https://www.googleapis.com/oauth2/v3/certs",
            "https://acme.eu.auth0.com/.well-known/jwks.json",
            "https://idp.example.com/.well-known/openid-configuration/jwks",
            "https://idp.example.com/keys",
        ] {
            assert_eq!(
                alone(exchange("GET", url, &[], None, 200, keys)),
                Kind::Jwks,
                "{url}"
            );
        }
        // `/certs` that is not a key set is not one.
        assert_eq!(
            alone(exchange(
                "GET",
                "https://intranet.example.com/hr/certs",
                &[],
                None,
                200,
                "<html>certificates of employment</html>",
            )),
            Kind::Other
        );
    }

    #[test]
    fn device_introspection_revocation_and_preflight() {
        let client = ("Authorization", "Basic cnM6c2VjcmV0");
        assert_eq!(
            alone(exchange(
                "POST",
                "https://oauth2.googleapis.com/device/code",
                &[FORM],
                Some("client_id=tv&scope=email%20profile"),
                200,
                r#"{"device_code":"AH-1Ng2","user_code":"GQVQ-JKEC","verification_url":"https://www.google.com/device","expires_in":1800,"interval":5}"#,
            )),
            Kind::DeviceAuthorization
        );
        // By the answer, on a path that does not say `device`.
        assert_eq!(
            alone(exchange(
                "POST",
                "https://idp.example.com/oauth2/tv",
                &[FORM],
                Some("client_id=tv&scope=openid"),
                200,
                r#"{"device_code":"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS","user_code":"WDJB-MJHT","verification_uri":"https://idp.example.com/device","expires_in":1800}"#,
            )),
            Kind::DeviceAuthorization
        );
        assert_eq!(
            alone(exchange(
                "POST",
                "https://idp.example.com/oauth2/introspect",
                &[FORM, client],
                Some("token=mF_9.B5f-4.1JqM&token_type_hint=access_token"),
                200,
                r#"{"active":false}"#,
            )),
            Kind::Introspection
        );
        // By the answer: `active` comes only from introspection.
        assert_eq!(
            alone(exchange(
                "POST",
                "https://idp.example.com/api/v1/check_token",
                &[FORM, client],
                Some("token=mF_9.B5f-4.1JqM"),
                200,
                r#"{"active":true,"scope":"orders.read"}"#,
            )),
            Kind::Introspection
        );
        for url in [
            "https://idp.example.com/oauth2/revoke",
            "https://idp.example.com/oauth/revocation",
        ] {
            assert_eq!(
                alone(exchange(
                    "POST",
                    url,
                    &[FORM, client],
                    Some("token=45ghiukldjahdnhzdauz&token_type_hint=refresh_token"),
                    200,
                    "",
                )),
                Kind::Revocation,
                "{url}"
            );
        }
        // A `token` field elsewhere is neither.
        assert_eq!(
            alone(exchange(
                "POST",
                "https://app.example.com/api/push/register",
                &[FORM],
                Some("token=fcm-device-token-1234"),
                200,
                r#"{"ok":true}"#,
            )),
            Kind::Other
        );
        assert_eq!(
            alone(exchange(
                "OPTIONS",
                "https://idp.example.com/oauth2/token",
                &[("Access-Control-Request-Method", "POST")],
                None,
                204,
                "",
            )),
            Kind::Preflight
        );
    }

    #[test]
    fn endpoints_announced_by_discovery_win() {
        let bearer = ("Authorization", "Bearer 2YotnFZFEjr1zCsicMWpAA");
        let kinds = together(vec![
            exchange(
                "GET",
                "https://idp.example.com/.well-known/openid-configuration",
                &[],
                None,
                200,
                DISCOVERY,
            ),
            // Endpoint URLs no heuristic would recognise, some spelled differently from the
            // metadata (case, trailing slash, a query).
            exchange(
                "POST",
                "https://IDP.example.com/connect/t/",
                &[FORM],
                Some("client_id=web&client_secret=s"),
                401,
                r#"{"error":"invalid_client"}"#,
            ),
            exchange(
                "GET",
                "https://idp.example.com/connect/whoami?schema=openid",
                &[bearer],
                None,
                200,
                r#"{"sub":"1"}"#,
            ),
            exchange(
                "GET",
                "https://idp.example.com/connect/keys",
                &[],
                None,
                200,
                r#"{"keys":[]}"#,
            ),
            exchange(
                "POST",
                "https://idp.example.com/connect/check",
                &[FORM],
                Some("token=x"),
                401,
                r#"{"error":"invalid_client"}"#,
            ),
            exchange(
                "POST",
                "https://idp.example.com/connect/end",
                &[FORM],
                Some("token=x"),
                200,
                "",
            ),
            exchange(
                "POST",
                "https://idp.example.com/connect/tv",
                &[FORM],
                Some("client_id=tv"),
                400,
                r#"{"error":"invalid_client"}"#,
            ),
            exchange(
                "POST",
                "https://idp.example.com/connect/push",
                &[FORM],
                Some("client_id=web"),
                401,
                r#"{"error":"invalid_client"}"#,
            ),
            exchange(
                "GET",
                "https://idp.example.com/connect/authorize?client_id=web",
                &[],
                None,
                400,
                "<html>error</html>",
            ),
        ]);
        assert_eq!(
            kinds,
            [
                Kind::Discovery,
                Kind::Token,
                Kind::Userinfo,
                Kind::Jwks,
                Kind::Introspection,
                Kind::Revocation,
                Kind::DeviceAuthorization,
                Kind::Par,
                Kind::Authorize,
            ]
        );
        // A document that only looks like metadata (no issuer) announces nothing.
        let kinds = together(vec![
            exchange(
                "GET",
                "https://idp.example.com/not-metadata",
                &[],
                None,
                200,
                r#"{"token_endpoint":"https://idp.example.com/connect/t"}"#,
            ),
            exchange(
                "POST",
                "https://idp.example.com/connect/t",
                &[FORM],
                Some("client_id=web"),
                401,
                r#"{"error":"invalid_client"}"#,
            ),
        ]);
        assert_eq!(kinds, [Kind::Other, Kind::Other]);
    }

    #[test]
    fn sign_in_steps_at_the_identity_provider() {
        let authorize = exchange(
            "GET",
            "https://login.example.com/authorize?response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s",
            &[],
            None,
            200,
            "<html><form method=post><input type=password name=password></form></html>",
        );
        // The password POSTed to the origin that showed the authorization request's page.
        let form_post = exchange(
            "POST",
            "https://login.example.com/interaction/Yx3k",
            &[FORM],
            Some("login=carol&password=hunter2"),
            200,
            "<html>Invalid login or password.</html>",
        );
        // The same POST to another origin, with nothing tying it to a sign-in.
        let elsewhere = exchange(
            "POST",
            "https://shop.example.com/account/settings",
            &[FORM],
            Some("password=hunter2&newsletter=1"),
            200,
            "<html>saved</html>",
        );
        assert_eq!(
            together(vec![authorize, form_post, elsewhere]),
            [Kind::Authorize, Kind::SignIn, Kind::Other]
        );
        // Entra's password POST after a SAML request: `passwd` on the page's origin.
        assert_eq!(
            together(vec![
                exchange(
                    "GET",
                    "https://login.microsoftonline.com/4b2e9c71-3f0d-4a8e-9d55-6c1e2f7a8b90/saml2?SAMLRequest=nVLLbtsw",
                    &[],
                    None,
                    200,
                    "<html>Sign in</html>",
                ),
                exchange(
                    "POST",
                    "https://login.microsoftonline.com/4b2e9c71-3f0d-4a8e-9d55-6c1e2f7a8b90/login",
                    &[FORM],
                    Some("login=a%40b.example&loginfmt=a%40b.example&passwd=x&type=11"),
                    200,
                    "<html>Sign in</html>",
                ),
            ]),
            [Kind::Other, Kind::SignIn]
        );
        // Sign-in APIs, whatever the origin: Okta's authentication API, Auth0's classic login
        // (which carries the authorization request's parameters).
        assert_eq!(
            alone(exchange(
                "POST",
                "https://acme.okta.com/api/v1/authn",
                &[JSON],
                Some(r#"{"username":"carol@acme.example","password":"x"}"#),
                401,
                r#"{"errorCode":"E0000004","errorSummary":"Authentication failed"}"#,
            )),
            Kind::SignIn
        );
        assert_eq!(
            alone(exchange(
                "POST",
                "https://auth.acme.example/usernamepassword/login",
                &[JSON],
                Some(
                    r#"{"client_id":"abc","redirect_uri":"https://app.example.com/cb","response_type":"code","connection":"Username-Password-Authentication","username":"carol","password":"x"}"#
                ),
                400,
                r#"{"name":"ValidationError","code":"invalid_user_password","description":"Wrong email or password.","statusCode":400}"#,
            )),
            Kind::SignIn
        );
        // The password grant is a token request, and a blank password field is no sign-in.
        assert_eq!(
            alone(exchange(
                "POST",
                "https://acme.okta.com/oauth2/default/v1/token",
                &[FORM],
                Some("grant_type=password&username=carol&password=x&client_id=c"),
                400,
                r#"{"error":"invalid_grant"}"#,
            )),
            Kind::Token
        );
        assert_eq!(
            alone(exchange(
                "POST",
                "https://acme.okta.com/api/v1/authn",
                &[JSON],
                Some(r#"{"username":"carol","password":""}"#),
                400,
                "{}",
            )),
            Kind::Other
        );
    }

    #[test]
    fn registration_and_protected_resource_metadata() {
        let metadata = r#"{"issuer":"https://as.example.com","authorization_endpoint":"https://as.example.com/authorize","token_endpoint":"https://as.example.com/token","registration_endpoint":"https://as.example.com/clients/new"}"#;
        let kinds = together(vec![
            exchange(
                "GET",
                "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
                &[],
                None,
                200,
                r#"{"resource":"https://mcp.example.com/mcp","authorization_servers":["https://as.example.com"]}"#,
            ),
            exchange(
                "GET",
                "https://as.example.com/.well-known/oauth-authorization-server",
                &[],
                None,
                200,
                metadata,
            ),
            // The registration endpoint the metadata names, whatever its path.
            exchange(
                "POST",
                "https://as.example.com/clients/new",
                &[JSON],
                Some(r#"{"client_name":"x"}"#),
                401,
                r#"{"error":"invalid_token"}"#,
            ),
            // Client metadata sent elsewhere, answered with a registration.
            exchange(
                "POST",
                "https://other.example.com/oidc/register",
                &[JSON],
                Some(r#"{"redirect_uris":["https://app.example.com/cb"],"client_name":"x"}"#),
                201,
                r#"{"client_id":"s6BhdRkqt3","client_id_issued_at":2893256800,"registration_access_token":"this.is.an.access.token","registration_client_uri":"https://other.example.com/oidc/register/s6BhdRkqt3"}"#,
            ),
            // Managing that client later (RFC 7592) at the URI the registration gave.
            exchange(
                "GET",
                "https://other.example.com/oidc/register/s6BhdRkqt3",
                &[("Authorization", "Bearer this.is.an.access.token")],
                None,
                200,
                r#"{"client_id":"s6BhdRkqt3"}"#,
            ),
        ]);
        assert_eq!(
            kinds,
            [
                Kind::ResourceMetadata,
                Kind::Discovery,
                Kind::Registration,
                Kind::Registration,
                Kind::Registration,
            ]
        );
        // A protected resource metadata document at another path, by its shape; an OAuth
        // server's metadata (it has an issuer) is not one.
        assert_eq!(
            alone(exchange(
                "GET",
                "https://api.example.com/meta",
                &[],
                None,
                200,
                r#"{"resource":"https://api.example.com","authorization_servers":["https://as.example.com"],"bearer_methods_supported":["header"]}"#,
            )),
            Kind::ResourceMetadata
        );
    }
}
