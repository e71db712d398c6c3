//! Recognising a provider from what its server sends when the host says nothing (a custom
//! domain, a self-hosted server, the long tail): token formats, cookie names, default paths and
//! pages, error phrasing, response headers and discovery metadata.
//!
//! Every clue has a weight. A *strong* clue is something only that provider sends (Okta's
//! `x-okta-request-id`, Keycloak's `KEYCLOAK_IDENTITY` cookie, an `ory_at_` token); it names the
//! provider alone. A *medium* clue is characteristic but shared with a few others (a Gitea server
//! answers on GitHub's `/login/oauth/` paths); a *weak* one is sent by many servers (AWS's
//! `x-amzn-requestid`, Azure's `x-ms-request-id`). Weaker clues need company: a provider is
//! recognised when its clues, each counted once, reach [`RECOGNISED`]. A clue's evidence names
//! where it was seen and what matched, never a secret: a token appears as its prefix, a cookie
//! as its name.

use crate::model::{Exchange, Kind, Params};
use crate::oauth::jwt;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Names the provider alone.
pub const STRONG: u8 = 3;
/// Characteristic, but a few other servers send it too.
pub const MEDIUM: u8 = 2;
/// Many servers send it: only ever a companion.
pub const WEAK: u8 = 1;
/// The weight at which a provider is recognised.
pub const RECOGNISED: u8 = 3;

/// Bodies are read for marks up to this many bytes.
const MAX_SCAN: usize = 256 * 1024;
/// Tokens larger than this are not decoded.
const MAX_TOKEN: usize = 64 * 1024;

/// One thing an exchange shows that points to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clue {
    pub provider: &'static str,
    pub weight: u8,
    /// What kind of clue this is: the same key counts once however often it is seen.
    pub key: &'static str,
    /// Where in the exchange: `response.headers.x-okta-request-id`, `request.url.path` …
    pub at: String,
    /// What matched (a header name, a cookie name, a token prefix, a phrase), never a secret.
    pub value: String,
}

struct Clues<'e> {
    e: &'e Exchange,
    out: Vec<Clue>,
}

impl Clues<'_> {
    fn add(
        &mut self,
        provider: &'static str,
        weight: u8,
        key: &'static str,
        at: &str,
        value: &str,
    ) {
        self.out.push(Clue {
            provider,
            weight,
            key,
            at: at.to_string(),
            value: value.to_string(),
        });
    }
}

/// Every clue one exchange shows.
pub fn clues(e: &Exchange) -> Vec<Clue> {
    let mut c = Clues { e, out: Vec::new() };
    paths(&mut c);
    request_marks(&mut c);
    cookies(&mut c);
    response_headers(&mut c);
    tokens(&mut c);
    json_shapes(&mut c);
    phrasing(&mut c);
    pages(&mut c);
    discovery(&mut c);
    c.out
}

// ---- paths --------------------------------------------------------------------------------

/// Path patterns: (provider, weight, key, pattern). A pattern is a lower-case substring of the
/// path, `^` anchors it at the start.
const PATHS: &[(&str, u8, &str, &str)] = &[
    // Keycloak (realms) is handled in code: ForgeRock also has `/realms/`.
    ("forgerock", STRONG, "forgerock-path", "/oauth2/realms/"),
    ("forgerock", STRONG, "forgerock-path", "^/am/oauth2/"),
    ("forgerock", STRONG, "forgerock-path", "^/openam/oauth2/"),
    ("forgerock", STRONG, "forgerock-json", "^/am/json/"),
    ("forgerock", STRONG, "forgerock-json", "^/openam/json/"),
    // Experience Cloud sites put their own prefix first: `/customers/services/oauth2/token`.
    ("salesforce", STRONG, "salesforce-path", "/services/oauth2/"),
    ("okta", STRONG, "okta-default-as", "/oauth2/default/v1/"),
    ("okta", MEDIUM, "okta-authn", "^/api/v1/authn"),
    ("okta", STRONG, "okta-idx", "^/idp/idx/"),
    (
        "okta",
        STRONG,
        "okta-session-redirect",
        "^/login/sessioncookieredirect",
    ),
    ("okta", MEDIUM, "okta-org-as", "^/oauth2/v1/"),
    ("auth0", STRONG, "auth0-ul", "^/u/login/"),
    ("auth0", STRONG, "auth0-ul", "^/u/mfa-"),
    ("auth0", STRONG, "auth0-ul", "^/u/consent"),
    ("auth0", STRONG, "auth0-ul", "^/u/reset-password"),
    ("auth0", MEDIUM, "auth0-ul-login", "^/u/login"),
    ("auth0", STRONG, "auth0-classic", "^/usernamepassword/login"),
    ("auth0", STRONG, "auth0-co", "^/co/authenticate"),
    ("auth0", STRONG, "auth0-db", "^/dbconnections/"),
    (
        "auth0",
        MEDIUM,
        "auth0-passwordless",
        "^/passwordless/start",
    ),
    ("auth0", WEAK, "auth0-oauth-token", "^/oauth/token"),
    ("entra", STRONG, "entra-b2c", "/b2c_1_"),
    ("entra", STRONG, "entra-b2c", "/b2c_1a_"),
    ("entra", MEDIUM, "entra-v2", "/oauth2/v2.0/"),
    ("adfs", STRONG, "adfs-path", "^/adfs/oauth2/"),
    ("adfs", STRONG, "adfs-path", "^/adfs/ls"),
    (
        "cognito",
        STRONG,
        "cognito-idpresponse",
        "^/oauth2/idpresponse",
    ),
    (
        "cognito",
        STRONG,
        "cognito-idpresponse",
        "^/saml2/idpresponse",
    ),
    (
        "github",
        MEDIUM,
        "github-oauth-path",
        "^/login/oauth/access_token",
    ),
    (
        "github",
        MEDIUM,
        "github-oauth-path",
        "^/login/oauth/authorize",
    ),
    (
        "github",
        MEDIUM,
        "github-device-path",
        "^/login/device/code",
    ),
    ("zitadel", STRONG, "zitadel-login", "^/ui/login/"),
    ("zitadel", STRONG, "zitadel-login", "^/ui/v2/login"),
    ("zitadel", STRONG, "zitadel-oidc", "^/oidc/v1/end_session"),
    ("zitadel", MEDIUM, "zitadel-oidc", "^/oidc/v1/"),
    ("dex", STRONG, "dex-path", "^/dex/"),
    ("dex", MEDIUM, "dex-local", "^/auth/local/login"),
    ("dex", MEDIUM, "dex-approval", "^/approval"),
    ("hydra", STRONG, "hydra-fallback", "^/oauth2/fallbacks/"),
    ("hydra", MEDIUM, "hydra-logout", "^/oauth2/sessions/logout"),
    (
        "spring",
        STRONG,
        "spring-device",
        "^/oauth2/device_verification",
    ),
    ("spring", MEDIUM, "spring-jwks", "^/oauth2/jwks"),
    (
        "node-oidc-provider",
        STRONG,
        "oidc-provider-end",
        "^/session/end/confirm",
    ),
    (
        "node-oidc-provider",
        MEDIUM,
        "oidc-provider-interaction",
        "^/interaction/",
    ),
    (
        "node-oidc-provider",
        MEDIUM,
        "oidc-provider-introspection",
        "^/token/introspection",
    ),
    (
        "node-oidc-provider",
        MEDIUM,
        "oidc-provider-introspection",
        "^/token/revocation",
    ),
    (
        "duende",
        STRONG,
        "duende-checksession",
        "^/connect/checksession",
    ),
    (
        "duende",
        STRONG,
        "duende-callback",
        "^/connect/authorize/callback",
    ),
    (
        "duende",
        MEDIUM,
        "duende-endsession",
        "^/connect/endsession",
    ),
    ("duende", WEAK, "connect-token", "^/connect/token"),
    (
        "authelia",
        STRONG,
        "authelia-oidc",
        "^/api/oidc/authorization",
    ),
    (
        "authelia",
        STRONG,
        "authelia-oidc",
        "^/api/oidc/introspection",
    ),
    ("authelia", STRONG, "authelia-oidc", "^/api/oidc/revocation"),
    (
        "authelia",
        STRONG,
        "authelia-oidc",
        "^/api/oidc/pushed-authorization-request",
    ),
    (
        "authelia",
        MEDIUM,
        "authelia-oidc-token",
        "^/api/oidc/token",
    ),
    (
        "authelia",
        MEDIUM,
        "authelia-oidc-token",
        "^/api/oidc/userinfo",
    ),
    ("authelia", STRONG, "authelia-api", "^/api/firstfactor"),
    ("authelia", STRONG, "authelia-api", "^/api/secondfactor"),
    (
        "authentik",
        STRONG,
        "authentik-provider",
        "^/application/o/",
    ),
    ("authentik", STRONG, "authentik-flow", "^/if/flow/"),
    (
        "authentik",
        STRONG,
        "authentik-flow",
        "^/api/v3/flows/executor/",
    ),
    ("gluu", STRONG, "gluu-path", "^/oxauth/"),
    ("gluu", STRONG, "gluu-path", "^/jans-auth/"),
    ("wso2", STRONG, "wso2-path", "^/oauth2/oidcdiscovery"),
    ("wso2", STRONG, "wso2-path", "^/commonauth"),
    ("wso2", STRONG, "wso2-path", "^/authenticationendpoint/"),
    ("casdoor", STRONG, "casdoor-path", "^/api/login/oauth/"),
    ("supabase", STRONG, "supabase-path", "^/auth/v1/token"),
    ("supabase", STRONG, "supabase-path", "^/auth/v1/authorize"),
    ("logto", MEDIUM, "logto-experience", "^/api/experience"),
    ("gitlab", MEDIUM, "gitlab-api", "^/api/v4/"),
    ("gitlab", MEDIUM, "gitlab-oauth", "^/oauth/token/info"),
];

fn path_matches(path: &str, pattern: &str) -> bool {
    match pattern.strip_prefix('^') {
        Some(p) => path.starts_with(p),
        None => path.contains(pattern),
    }
}

fn paths(c: &mut Clues<'_>) {
    let e = c.e;
    let path = e.request.path().to_ascii_lowercase();
    for (p, w, key, pattern) in PATHS {
        if path_matches(&path, pattern) {
            c.add(
                p,
                *w,
                key,
                "request.url.path",
                pattern.trim_start_matches('^'),
            );
        }
    }
    // Keycloak: `/realms/{realm}/protocol/openid-connect/…`, `/realms/{realm}/login-actions/…`
    // (ForgeRock's `/oauth2/realms/` is not it).
    if let Some(i) = path.find("/realms/") {
        let rest = &path[i + "/realms/".len()..];
        let after = rest.split_once('/').map(|(_, r)| r).unwrap_or("");
        if !path.contains("/oauth2/realms/") && !path.contains("/json/realms/") {
            for (tail, w) in [
                ("protocol/openid-connect/", STRONG),
                ("login-actions/", STRONG),
                ("broker/", STRONG),
                ("protocol/saml", STRONG),
                (".well-known/openid-configuration", STRONG),
                (".well-known/uma2-configuration", STRONG),
                ("account", MEDIUM),
            ] {
                if after.starts_with(tail) {
                    let shown = format!("/realms/{{realm}}/{tail}");
                    c.add(
                        "keycloak",
                        w,
                        "keycloak-realm-path",
                        "request.url.path",
                        &shown,
                    );
                    break;
                }
            }
        }
    }
    // Okta custom authorization servers: `/oauth2/aus…/v1/…` (ids begin `aus`).
    if let Some(rest) = path.strip_prefix("/oauth2/aus") {
        if rest.split('/').nth(1) == Some("v1") {
            c.add(
                "okta",
                STRONG,
                "okta-custom-as",
                "request.url.path",
                "/oauth2/aus…/v1/",
            );
        }
    }
    // PingFederate `/as/token.oauth2`, PingOne `/{environment}/as/…`.
    if path.starts_with("/as/") && (path.ends_with(".oauth2") || path.ends_with(".openid")) {
        c.add(
            "ping",
            STRONG,
            "ping-as",
            "request.url.path",
            "/as/*.oauth2",
        );
    }
    if let Some((env, rest)) = path.trim_start_matches('/').split_once('/') {
        if is_uuid(env) && rest.starts_with("as/") {
            c.add(
                "ping",
                STRONG,
                "pingone-as",
                "request.url.path",
                "/{environment}/as/",
            );
        }
    }
    // ZITADEL's OAuth endpoints: `/oauth/v2/authorize|token|introspect|revoke|keys`.
    if path.starts_with("/oauth/v2/") && e.kind.is_authorization_server() {
        c.add(
            "zitadel",
            STRONG,
            "zitadel-oauth",
            "request.url.path",
            "/oauth/v2/",
        );
    }
    // Okta management API with its `SSWS` token scheme.
    if path.starts_with("/api/v1/")
        && e.request
            .authorization()
            .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("SSWS"))
    {
        c.add(
            "okta",
            STRONG,
            "okta-ssws",
            "request.headers.authorization",
            "SSWS",
        );
    }
    // A redirect within the same server to the sign-in step of node-oidc-provider.
    if let Some(loc) = e.response.as_ref().and_then(|r| r.location()) {
        if let Some(p) = same_origin_path(e, loc) {
            if p.starts_with("/interaction/") {
                c.add(
                    "node-oidc-provider",
                    MEDIUM,
                    "oidc-provider-interaction",
                    "response.headers.location",
                    "/interaction/",
                );
            }
            if p.starts_with("/u/login") {
                c.add(
                    "auth0",
                    MEDIUM,
                    "auth0-ul-login",
                    "response.headers.location",
                    "/u/login",
                );
            }
        }
    }
}

/// The path of `loc` when it points to the exchange's own server (relative, or the same host).
fn same_origin_path(e: &Exchange, loc: &str) -> Option<String> {
    if loc.starts_with('/') && !loc.starts_with("//") {
        return Some(
            loc.split(['?', '#'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase(),
        );
    }
    let u = url::Url::parse(loc).ok()?;
    let (scheme, host, port) = e.request.origin()?;
    (u.scheme() == scheme && u.host_str() == Some(host) && u.port() == port)
        .then(|| u.path().to_ascii_lowercase())
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

// ---- request marks ------------------------------------------------------------------------

fn request_marks(c: &mut Clues<'_>) {
    let r = &c.e.request;
    // Auth0's SDKs tell Auth0 who they are, and only Auth0.
    if r.headers.contains("auth0-client") {
        c.add(
            "auth0",
            STRONG,
            "auth0-client",
            "request.headers.auth0-client",
            "Auth0-Client",
        );
    }
    if r.query.has("auth0Client") {
        c.add(
            "auth0",
            STRONG,
            "auth0-client",
            "request.url.query.auth0Client",
            "auth0Client",
        );
    }
    if r.param("connection").as_deref() == Some("Username-Password-Authentication") {
        c.add(
            "auth0",
            STRONG,
            "auth0-connection",
            "request.body.connection",
            "Username-Password-Authentication",
        );
    }
    if let Some(t) = r.headers.get("x-amz-target") {
        if t.starts_with("AWSCognitoIdentityProviderService.") {
            c.add(
                "cognito",
                STRONG,
                "cognito-target",
                "request.headers.x-amz-target",
                t,
            );
        }
    }
    if let Some(id) = r.param("client_id") {
        if id.ends_with(".apps.googleusercontent.com") {
            c.add(
                "google",
                STRONG,
                "google-client-id",
                "request.client_id",
                "….apps.googleusercontent.com",
            );
        }
        // Okta client ids: `0oa` and 17 more letters and digits.
        if id.len() == 20 && id.starts_with("0oa") && id.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            c.add("okta", WEAK, "okta-client-id", "request.client_id", "0oa…");
        }
    }
    // A provider's own access token presented to an API: usable only at that provider.
    let presented = r
        .authorization()
        .map(|(_, cred)| cred)
        .or_else(|| r.query.get("access_token"));
    if let Some(t) = presented {
        for (p, prefix) in OWN_TOKEN_PREFIXES {
            if t.starts_with(prefix) {
                c.add(
                    p,
                    MEDIUM,
                    "sent-token-format",
                    "request.headers.authorization",
                    &format!("{prefix}…"),
                );
            }
        }
    }
}

/// Access and refresh token formats only one provider issues.
const OWN_TOKEN_PREFIXES: &[(&str, &str)] = &[
    ("google", "ya29."),
    ("github", "gho_"),
    ("github", "ghu_"),
    ("github", "ghr_"),
    ("github", "ghs_"),
    ("github", "ghp_"),
    ("github", "github_pat_"),
    ("slack", "xoxb-"),
    ("slack", "xoxp-"),
    ("slack", "xoxa-"),
    ("slack", "xoxr-"),
    ("slack", "xoxe.xox"),
    ("slack", "xoxe-"),
    ("hydra", "ory_at_"),
    ("hydra", "ory_rt_"),
    ("hydra", "ory_ac_"),
];

// ---- cookies ------------------------------------------------------------------------------

/// Cookie names: (provider, weight when the server sets it, key, name). `*` at the end matches a
/// prefix. A cookie the browser sends counts one less than one the server sets.
const COOKIES: &[(&str, u8, &str, &str)] = &[
    ("keycloak", STRONG, "keycloak-cookie", "KEYCLOAK_IDENTITY*"),
    ("keycloak", STRONG, "keycloak-cookie", "KEYCLOAK_SESSION*"),
    ("keycloak", STRONG, "keycloak-cookie", "KC_RESTART"),
    (
        "keycloak",
        STRONG,
        "keycloak-cookie",
        "KC_AUTH_SESSION_HASH",
    ),
    ("keycloak", STRONG, "keycloak-cookie", "KC_STATE_CHECKER"),
    (
        "keycloak",
        MEDIUM,
        "keycloak-auth-session",
        "AUTH_SESSION_ID*",
    ),
    ("entra", STRONG, "entra-cookie", "ESTSAUTH*"),
    ("entra", STRONG, "entra-cookie", "esctx*"),
    ("entra", MEDIUM, "entra-gateway", "x-ms-gateway-slice"),
    ("entra", MEDIUM, "entra-gateway", "stsservicecookie"),
    ("auth0", STRONG, "auth0-cookie", "auth0"),
    ("auth0", STRONG, "auth0-cookie", "auth0_compat"),
    ("auth0", MEDIUM, "auth0-did", "did_compat"),
    ("cognito", STRONG, "cognito-cookie", "cognito"),
    ("cognito", STRONG, "cognito-cookie", "cognito-fl"),
    (
        "forgerock",
        STRONG,
        "forgerock-cookie",
        "iPlanetDirectoryPro",
    ),
    ("forgerock", STRONG, "forgerock-cookie", "amlbcookie"),
    ("ping", STRONG, "pingfederate-cookie", "PF.PERSISTENT"),
    ("hydra", STRONG, "hydra-cookie", "ory_hydra_*"),
    (
        "hydra",
        STRONG,
        "hydra-cookie",
        "oauth2_authentication_session*",
    ),
    (
        "hydra",
        STRONG,
        "hydra-cookie",
        "oauth2_authentication_csrf*",
    ),
    ("hydra", STRONG, "hydra-cookie", "oauth2_consent_csrf*"),
    ("zitadel", STRONG, "zitadel-cookie", "zitadel.useragent"),
    (
        "zitadel",
        STRONG,
        "zitadel-cookie",
        "__Secure-zitadel-useragent",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "oidc-provider-cookie",
        "_interaction",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "oidc-provider-cookie",
        "_interaction_resume",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "oidc-provider-cookie",
        "_session.legacy",
    ),
    (
        "node-oidc-provider",
        MEDIUM,
        "oidc-provider-session",
        "_session.sig",
    ),
    ("duende", STRONG, "duende-cookie", "idsrv"),
    ("duende", STRONG, "duende-cookie", "idsrv.session"),
    ("duende", STRONG, "duende-cookie", "idsrv.external"),
    ("authelia", STRONG, "authelia-cookie", "authelia_session"),
    ("authentik", STRONG, "authentik-cookie", "authentik_session"),
    ("authentik", STRONG, "authentik-cookie", "authentik_csrf"),
    ("wso2", STRONG, "wso2-cookie", "commonAuthId"),
    ("wso2", MEDIUM, "wso2-opbs", "opbs"),
    ("fusionauth", STRONG, "fusionauth-cookie", "fusionauth.*"),
    ("casdoor", STRONG, "casdoor-cookie", "casdoor_session_id"),
    ("logto", STRONG, "logto-cookie", "_logto"),
    ("gitlab", STRONG, "gitlab-cookie", "_gitlab_session"),
    ("gitea", STRONG, "gitea-cookie", "i_like_gitea"),
    ("gitea", STRONG, "gitea-cookie", "i_like_gogs"),
    ("salesforce", MEDIUM, "salesforce-cookie", "sid_Client"),
];

fn cookie_name_matches(name: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(p) => name.starts_with(p),
        None => name == pattern,
    }
}

fn cookies(c: &mut Clues<'_>) {
    let e = c.e;
    let mut seen: Vec<(String, bool)> = Vec::new();
    if let Some(r) = &e.response {
        for v in r.headers.get_all("set-cookie") {
            if let Some((name, _)) = v.split_once('=') {
                seen.push((name.trim().to_string(), true));
            }
        }
    }
    for v in e.request.headers.get_all("cookie") {
        for part in v.split(';') {
            if let Some((name, _)) = part.split_once('=') {
                seen.push((name.trim().to_string(), false));
            }
        }
    }
    for (name, set) in &seen {
        for (p, w, key, pattern) in COOKIES {
            if cookie_name_matches(name, pattern) {
                let (w, at) = if *set {
                    (*w, "response.headers.set-cookie")
                } else {
                    (w.saturating_sub(1), "request.headers.cookie")
                };
                if w > 0 {
                    c.add(p, w, key, at, name);
                }
            }
        }
    }
}

// ---- response headers ---------------------------------------------------------------------

/// Response headers: (provider, weight, header name).
const HEADERS: &[(&str, u8, &str)] = &[
    ("github", STRONG, "x-github-request-id"),
    ("github", STRONG, "x-github-enterprise-version"),
    ("okta", STRONG, "x-okta-request-id"),
    ("auth0", STRONG, "x-auth0-requestid"),
    ("cognito", STRONG, "x-amz-cognito-request-id"),
    ("gitlab", STRONG, "x-gitlab-meta"),
    ("entra", STRONG, "x-ms-ests-server"),
    ("facebook", STRONG, "x-fb-trace-id"),
    ("slack", STRONG, "x-slack-req-id"),
    ("forgerock", STRONG, "x-forgerock-transactionid"),
    ("authentik", MEDIUM, "x-authentik-id"),
    // Every Azure service sends it; with another Entra clue it is Entra.
    ("entra", WEAK, "x-ms-request-id"),
    // Every AWS service sends these.
    ("cognito", WEAK, "x-amzn-requestid"),
];

fn response_headers(c: &mut Clues<'_>) {
    let Some(r) = &c.e.response else {
        return;
    };
    for (p, w, h) in HEADERS {
        if r.headers.contains(h) {
            c.add(p, *w, h, &format!("response.headers.{h}"), h);
        }
    }
    if r.headers.contains("x-oauth-scopes") && r.headers.contains("x-accepted-oauth-scopes") {
        c.add(
            "github",
            STRONG,
            "github-scopes",
            "response.headers.x-accepted-oauth-scopes",
            "X-OAuth-Scopes, X-Accepted-OAuth-Scopes",
        );
    }
    for v in r.headers.get_all("server") {
        let l = v.to_ascii_lowercase();
        if l.contains("wso2") {
            c.add("wso2", STRONG, "wso2-server", "response.headers.server", v);
        } else if l == "github.com" {
            c.add(
                "github",
                STRONG,
                "github-server",
                "response.headers.server",
                v,
            );
        } else if l == "esf" || l == "gse" {
            c.add(
                "google",
                MEDIUM,
                "google-server",
                "response.headers.server",
                v,
            );
        }
    }
    for v in r.headers.get_all("www-authenticate") {
        if v.contains("realm=\"Doorkeeper\"") {
            c.add(
                "gitlab",
                MEDIUM,
                "doorkeeper-realm",
                "response.headers.www-authenticate",
                "realm=\"Doorkeeper\"",
            );
        }
        if v.contains("\"Facebook Platform\"") {
            c.add(
                "facebook",
                STRONG,
                "facebook-realm",
                "response.headers.www-authenticate",
                "\"Facebook Platform\"",
            );
        }
    }
}

// ---- tokens -------------------------------------------------------------------------------

fn tokens(c: &mut Clues<'_>) {
    let Some(r) = &c.e.response else {
        return;
    };
    for name in ["access_token", "refresh_token", "id_token", "authed_user"] {
        let Some(t) = field(r.json.as_ref(), &r.form, name) else {
            continue;
        };
        let at = format!("response.body.{name}");
        for (p, prefix) in OWN_TOKEN_PREFIXES {
            if t.starts_with(prefix) {
                c.add(p, STRONG, "token-format", &at, &format!("{prefix}…"));
            }
        }
        if name == "refresh_token" && t.starts_with("1//") {
            c.add("google", MEDIUM, "google-refresh", &at, "1//…");
        }
        // Salesforce: `00D<org id>!<session>`.
        if t.starts_with("00D") && t.get(15..18).is_some_and(|s| s.contains('!')) {
            c.add("salesforce", STRONG, "salesforce-session", &at, "00D…!…");
        }
        // No token is larger than a few kilobytes; a huge one is no provider's.
        if t.len() <= MAX_TOKEN && jwt::looks_like_jwt(t) {
            if let Ok(d) = jwt::decode(t) {
                jwt_claims(c, &d, &at);
            }
        }
    }
    // Salesforce's token response: the identity URL `…/id/00D…/005…` and `instance_url`.
    if let Some(id) = field(r.json.as_ref(), &r.form, "id") {
        if id.contains("/id/00D") {
            c.add(
                "salesforce",
                STRONG,
                "salesforce-identity",
                "response.body.id",
                "/id/00D…/005…",
            );
        }
    }
    if r.json.as_ref().is_some_and(|j| {
        j.get("instance_url").is_some()
            && j.get("signature").is_some()
            && j.get("issued_at").is_some()
    }) {
        c.add(
            "salesforce",
            STRONG,
            "salesforce-token-shape",
            "response.body",
            "instance_url, signature, issued_at",
        );
    }
}

fn field<'a>(json: Option<&'a Value>, form: &'a Params, name: &str) -> Option<&'a str> {
    json.and_then(|j| j.get(name))
        .and_then(Value::as_str)
        .or_else(|| form.get(name))
}

/// What a JWT the server issued says about its issuer.
fn jwt_claims(c: &mut Clues<'_>, d: &jwt::DecodedJwt, at: &str) {
    let iss = d.claim_str("iss").unwrap_or("");
    let iss_l = iss.to_ascii_lowercase();
    if let Some(p) = issuer_host(&iss_l).and_then(|h| super::of_host(&h)) {
        c.add(p, STRONG, "issuer-host", at, "iss of a provider's own host");
    }
    if d.claims.contains_key("tid")
        && (iss_l.contains("sts.windows.net")
            || iss_l.contains("login.microsoftonline.")
            || iss_l.contains("b2clogin.com")
            || iss_l.contains("ciamlogin.com"))
    {
        c.add(
            "entra",
            STRONG,
            "entra-jwt",
            at,
            "iss sts.windows.net / login.microsoftonline, tid",
        );
    } else if d.claims.contains_key("tid")
        && d.header.contains_key("x5t")
        && matches!(d.claim_str("ver"), Some("1.0" | "2.0"))
    {
        c.add("entra", MEDIUM, "entra-jwt-shape", at, "x5t, tid, ver");
    }
    if iss_l.contains("/realms/") && !iss_l.contains("/oauth2/realms/") {
        c.add(
            "keycloak",
            STRONG,
            "keycloak-jwt",
            at,
            "iss …/realms/{realm}",
        );
    } else if d.claims.contains_key("realm_access") || d.claims.contains_key("resource_access") {
        c.add("keycloak", STRONG, "keycloak-jwt", at, "realm_access");
    }
    if iss_l.starts_with("https://cognito-idp.") {
        c.add("cognito", STRONG, "cognito-jwt", at, "iss cognito-idp");
    } else if d.claims.contains_key("token_use")
        && (d.claims.contains_key("cognito:username") || d.claims.contains_key("client_id"))
    {
        c.add("cognito", STRONG, "cognito-jwt", at, "token_use");
    }
    if iss_l == "https://accounts.google.com" || iss_l == "accounts.google.com" {
        c.add(
            "google",
            STRONG,
            "google-jwt",
            at,
            "iss accounts.google.com",
        );
    }
    if d.claims.contains_key("cid") && d.claim_str("jti").is_some_and(|j| j.starts_with("AT.")) {
        c.add("okta", STRONG, "okta-jwt", at, "jti AT.…, cid");
    }
    if iss_l.contains("/oauth2/realms/") {
        c.add(
            "forgerock",
            STRONG,
            "forgerock-jwt",
            at,
            "iss …/oauth2/realms/…",
        );
    }
    if iss_l.ends_with("/oauth2/token") && d.claims.contains_key("azp") {
        c.add("wso2", MEDIUM, "wso2-jwt", at, "iss …/oauth2/token");
    }
}

/// The host of an issuer URL.
fn issuer_host(iss: &str) -> Option<String> {
    url::Url::parse(iss).ok()?.host_str().map(str::to_string)
}

// ---- JSON shapes --------------------------------------------------------------------------

/// Exception names only Cognito's user-pool API answers with.
const COGNITO_EXCEPTIONS: &[&str] = &[
    "NotAuthorizedException",
    "UserNotFoundException",
    "UserNotConfirmedException",
    "PasswordResetRequiredException",
    "CodeMismatchException",
    "ExpiredCodeException",
    "UsernameExistsException",
    "InvalidPasswordException",
    "UserLambdaValidationException",
    "InvalidLambdaResponseException",
    "MFAMethodNotFoundException",
    "SoftwareTokenMFANotFoundException",
    "InvalidUserPoolConfigurationException",
    "UserPoolTaggingException",
    "AliasExistsException",
    "CodeDeliveryFailureException",
];

fn json_shapes(c: &mut Clues<'_>) {
    let Some(r) = &c.e.response else {
        return;
    };
    let path = c.e.request.path().to_ascii_lowercase();
    let github_docs = |u: &str| u.contains("docs.github.com") || u.contains("developer.github.com");
    // GitHub answers the code exchange form-encoded unless asked for JSON.
    if r.json.is_none() && r.form.get("error_uri").is_some_and(github_docs) {
        c.add(
            "github",
            STRONG,
            "github-docs",
            "response.body.error_uri",
            "docs.github.com",
        );
    }
    let Some(j) = r.json.as_ref() else {
        return;
    };
    let s = |k: &str| j.get(k).and_then(Value::as_str);
    if j.get("error_codes").is_some()
        && (j.get("trace_id").is_some() || j.get("correlation_id").is_some())
    {
        c.add(
            "entra",
            STRONG,
            "entra-error-shape",
            "response.body",
            "error_codes, trace_id",
        );
    }
    if let Some(err) = j.get("error").filter(|v| v.is_object()) {
        if err
            .get("innerError")
            .is_some_and(|i| i.get("request-id").is_some())
        {
            c.add(
                "entra",
                STRONG,
                "graph-error-shape",
                "response.body.error.innerError",
                "innerError.request-id",
            );
        }
        if err.get("fbtrace_id").is_some()
            || err.get("type").and_then(Value::as_str) == Some("OAuthException")
        {
            c.add(
                "facebook",
                STRONG,
                "facebook-error-shape",
                "response.body.error",
                "OAuthException",
            );
        }
        if err
            .get("status")
            .and_then(Value::as_str)
            .is_some_and(|s| s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') && s.len() > 3)
            && err.get("code").is_some_and(Value::is_u64)
            && err
                .get("details")
                .is_some_and(|d| d.to_string().contains("type.googleapis.com/"))
        {
            c.add(
                "google",
                STRONG,
                "google-api-error",
                "response.body.error.details",
                "type.googleapis.com",
            );
        }
    }
    if s("errorCode").is_some_and(|c| c.starts_with("E0000")) && j.get("errorSummary").is_some() {
        c.add(
            "okta",
            STRONG,
            "okta-error-shape",
            "response.body.errorCode",
            "errorCode E0000…, errorSummary",
        );
    }
    if j.get("error").is_some()
        && j.get("status_code").is_some()
        && (j.get("error_hint").is_some()
            || j.get("error_debug").is_some()
            || path.starts_with("/oauth2/"))
    {
        c.add(
            "hydra",
            STRONG,
            "hydra-error-shape",
            "response.body",
            "status_code, error_hint",
        );
    }
    if s("documentation_url").is_some_and(github_docs) || s("error_uri").is_some_and(github_docs) {
        c.add(
            "github",
            STRONG,
            "github-docs",
            "response.body.documentation_url",
            "docs.github.com",
        );
    }
    if s("error_uri").is_some_and(|u| u.contains("documentation.openiddict.com")) {
        c.add(
            "openiddict",
            STRONG,
            "openiddict-docs",
            "response.body.error_uri",
            "documentation.openiddict.com",
        );
    }
    if s("error_uri") == Some("https://datatracker.ietf.org/doc/html/rfc6749#section-5.2") {
        c.add(
            "spring",
            MEDIUM,
            "spring-error-uri",
            "response.body.error_uri",
            "https://datatracker.ietf.org/doc/html/rfc6749#section-5.2",
        );
    }
    // Auth0's authentication API: `{"name":"ValidationError","code":…,"description":…}`.
    if j.get("fromSandbox").is_some() {
        c.add(
            "auth0",
            STRONG,
            "auth0-sandbox",
            "response.body.fromSandbox",
            "fromSandbox",
        );
    }
    if s("code") == Some("invalid_user_password")
        || (s("name").is_some()
            && s("code").is_some()
            && s("description").is_some()
            && j.get("statusCode").is_some())
    {
        c.add(
            "auth0",
            MEDIUM,
            "auth0-error-shape",
            "response.body",
            "name, code, description, statusCode",
        );
    }
    if let Some(t) = s("__type") {
        let name = t.rsplit('#').next().unwrap_or(t);
        if COGNITO_EXCEPTIONS.contains(&name) {
            c.add(
                "cognito",
                MEDIUM,
                "cognito-exception",
                "response.body.__type",
                name,
            );
        }
    }
    if s("message") == Some("Unable to verify secret hash for client") {
        c.add(
            "cognito",
            STRONG,
            "cognito-secret-hash",
            "response.body.message",
            "Unable to verify secret hash for client",
        );
    }
    // FusionAuth adds its own reason to the standard error.
    if j.get("error_reason").is_some() && j.get("error").is_some() {
        c.add(
            "fusionauth",
            STRONG,
            "fusionauth-error-reason",
            "response.body.error_reason",
            "error_reason",
        );
    }
    if j.get("fieldErrors").is_some() && j.get("generalErrors").is_some() {
        c.add(
            "fusionauth",
            STRONG,
            "fusionauth-api-errors",
            "response.body",
            "fieldErrors, generalErrors",
        );
    }
    let desc = s("error_description").unwrap_or("");
    if desc.starts_with("OAuth 2.0 Parameter: ") {
        c.add(
            "spring",
            STRONG,
            "spring-phrasing",
            "response.body.error_description",
            "OAuth 2.0 Parameter: …",
        );
    }
    if desc.contains("Errors.") && s("error").is_some() && path.starts_with("/oauth/v2/") {
        c.add(
            "zitadel",
            STRONG,
            "zitadel-errors",
            "response.body.error_description",
            "Errors.…",
        );
    }
    // Slack Web API: `/api/<family>.<method>` answering `{"ok":false,"error":…}`.
    if j.get("ok").and_then(Value::as_bool) == Some(false)
        && s("error").is_some()
        && path
            .strip_prefix("/api/")
            .is_some_and(|m| m.contains('.') && !m.contains('/'))
    {
        c.add(
            "slack",
            STRONG,
            "slack-web-api",
            "response.body.ok",
            "ok: false",
        );
    }
}

// ---- error phrasing -----------------------------------------------------------------------

/// `error_description` texts a server writes in its own words: (provider, weight, text). Equal
/// to the whole description, ignoring case and a final period.
const PHRASES: &[(&str, u8, &str)] = &[
    // node-oidc-provider (lib/helpers/errors.js and its actions).
    ("node-oidc-provider", STRONG, "grant request is invalid"),
    ("node-oidc-provider", MEDIUM, "client authentication failed"),
    ("node-oidc-provider", MEDIUM, "invalid token provided"),
    ("node-oidc-provider", MEDIUM, "client is invalid"),
    (
        "node-oidc-provider",
        STRONG,
        "authorization request is still pending as the end-user hasn't yet completed the user interaction steps",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "you are polling too quickly and should back off at a reasonable rate",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "resource indicator is missing, or unknown",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "unsupported grant_type requested",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "unsupported response_type requested",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "unsupported response_mode requested",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "redirect_uri did not match any of the client's registered redirect_uris",
    ),
    ("node-oidc-provider", STRONG, "end-user aborted interaction"),
    (
        "node-oidc-provider",
        MEDIUM,
        "end-user authentication is required",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "authorization server policy requires pkce to be used for this request",
    ),
    (
        "node-oidc-provider",
        MEDIUM,
        "requested scope is not allowed",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "not supported value of code_challenge_method",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "no client authentication mechanism provided",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "requested grant type is not allowed for this client",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "only application/x-www-form-urlencoded content-type bodies are supported on post /token",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "client_id and client_secret in the authorization header are not properly encoded",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "client authentication must only be provided using one mechanism",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "code_challenge_method must be provided",
    ),
    (
        "node-oidc-provider",
        MEDIUM,
        "invalid authorization header value format",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "openid scope must be requested for this request",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "post_logout_redirect_uri not registered",
    ),
    (
        "node-oidc-provider",
        STRONG,
        "requested response_type is not allowed for this client",
    ),
    // Keycloak (services/…/OAuthErrorException and its endpoints).
    (
        "keycloak",
        STRONG,
        "invalid client or invalid client credentials",
    ),
    ("keycloak", STRONG, "code not valid"),
    (
        "keycloak",
        STRONG,
        "client not allowed for direct access grants",
    ),
    ("keycloak", STRONG, "account is not fully set up"),
    ("keycloak", STRONG, "client secret not provided in request"),
    ("keycloak", STRONG, "invalid parameter: redirect_uri"),
    ("keycloak", MEDIUM, "session not active"),
    ("keycloak", MEDIUM, "token is not active"),
    ("keycloak", MEDIUM, "invalid user credentials"),
    ("keycloak", MEDIUM, "stale token"),
    ("keycloak", MEDIUM, "incorrect redirect_uri"),
    ("keycloak", WEAK, "invalid refresh token"),
    // Dex.
    ("dex", MEDIUM, "invalid or expired code parameter"),
    // Cognito's hosted UI and token endpoint.
    ("cognito", STRONG, "unable to verify secret hash for client"),
];

/// Parts of `error_description` texts in a provider's own words: (provider, weight, lower-case
/// text the description contains).
const PHRASE_PARTS: &[(&str, u8, &str)] = &[
    ("auth0", STRONG, "service not enabled within domain"),
    // Authelia says how the client authenticated and what its registration allows.
    (
        "authelia",
        STRONG,
        "the request was determined to be using 'token_endpoint_auth_method' method",
    ),
    (
        "auth0",
        STRONG,
        "you need to create a \"client-grant\" associated to this api",
    ),
    ("auth0", STRONG, "failed to verify code verifier"),
    ("auth0", STRONG, "callback url mismatch"),
    ("auth0", MEDIUM, "wrong email or password"),
    ("okta", STRONG, "policy evaluation failed for this request"),
    (
        "okta",
        STRONG,
        "user is not assigned to the client application",
    ),
    (
        "okta",
        STRONG,
        "client secret supplied for a confidential client is invalid",
    ),
    (
        "okta",
        STRONG,
        "pkce code challenge is required when the token endpoint authentication method is 'none'",
    ),
    (
        "okta",
        STRONG,
        "one or more scopes are not configured for the authorization server resource",
    ),
    (
        "okta",
        STRONG,
        "must be a login redirect uri in the client app settings",
    ),
    ("okta", STRONG, "client_assertion jwt kid is invalid"),
    (
        "okta",
        MEDIUM,
        "the authorization code is invalid or has expired",
    ),
    ("okta", MEDIUM, "the refresh token is invalid or expired"),
    (
        "cognito",
        STRONG,
        "user_password_auth flow not enabled for this client",
    ),
    (
        "keycloak",
        STRONG,
        "maximum allowed refresh token reuse exceeded",
    ),
    ("keycloak", STRONG, "session doesn't have required client"),
    ("keycloak", STRONG, "pkce code verifier not specified"),
    (
        "keycloak",
        STRONG,
        "client not enabled to retrieve service account",
    ),
    (
        "keycloak",
        STRONG,
        "public client not allowed to retrieve service account",
    ),
    (
        "keycloak",
        MEDIUM,
        "missing parameter: code_challenge_method",
    ),
    // fosite's words: Ory Hydra, and the few other servers built on fosite.
    (
        "hydra",
        MEDIUM,
        "the pkce code challenge did not match the code verifier",
    ),
    ("hydra", MEDIUM, "pre-registered redirect urls"),
    (
        "dex",
        STRONG,
        "expecting parameter code_verifier in pkce flow",
    ),
    ("dex", STRONG, "no pkce flow started"),
    (
        "dex",
        STRONG,
        "redirect_uri did not match uri from initial request",
    ),
    (
        "dex",
        STRONG,
        "refresh token is invalid or has already been claimed",
    ),
    ("salesforce", STRONG, "user hasn't approved this consumer"),
    ("salesforce", STRONG, "ip restricted or invalid login hours"),
    ("salesforce", STRONG, "expired access/refresh token"),
    ("github", STRONG, "the code passed is incorrect or expired"),
    (
        "github",
        STRONG,
        "the client_id and/or client_secret passed are incorrect",
    ),
    (
        "github",
        STRONG,
        "the redirect_uri must match the registered callback url for this application",
    ),
];

/// The `error_description`s of an exchange: JSON or form body, redirect, `WWW-Authenticate`.
fn descriptions(e: &Exchange) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let Some(r) = &e.response else {
        return out;
    };
    if let Some(d) = field(r.json.as_ref(), &r.form, "error_description") {
        out.push(("response.body.error_description", d.to_string()));
    }
    if let Some(loc) = r.location() {
        if let Some((_, q)) = loc.split_once(['?', '#']) {
            let p = Params::parse(q.split('#').next().unwrap_or(q));
            if let Some(d) = p.get("error_description") {
                out.push(("response.headers.location", d.to_string()));
            }
            if p.has("error_hint") {
                out.push(("response.headers.location", "\u{0}error_hint".to_string()));
            }
        }
    }
    for v in r.headers.get_all("www-authenticate") {
        if let Some(i) = v.find("error_description=\"") {
            let rest = &v[i + "error_description=\"".len()..];
            if let Some(end) = rest.find('"') {
                out.push(("response.headers.www-authenticate", rest[..end].to_string()));
            }
        }
    }
    out
}

/// Error codes a provider coined, in words no other server uses (generic names such as
/// `token_expired` or `invalid_code` are left out).
const COINED_CODES: &[&str] = &[
    "bad_verification_code",
    "incorrect_client_credentials",
    "incorrect_device_code",
    "unverified_user_email",
    "application_suspended",
    "device_flow_disabled",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "team_access_not_granted",
    "oauth_authorization_url_mismatch",
    "bad_redirect_uri",
    "bad_client_secret",
    "org_login_required",
    "not_allowed_token_type",
    "org_internal",
    "disallowed_useragent",
    "admin_policy_enforced",
    "deleted_client",
    "access_not_configured",
    "access_token_scope_insufficient",
    "access_token_type_unsupported",
    "authorization_requestdenied",
    "invalid_app_access",
    "inactive_org",
];

/// The coined error codes of the knowledge base that one provider alone documents
/// (`bad_verification_code` at GitHub): lower-case code → that provider.
fn own_codes() -> &'static HashMap<String, &'static str> {
    static CODES: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    CODES.get_or_init(|| {
        let mut by_code: HashMap<String, Option<&'static str>> = HashMap::new();
        for s in super::signatures::all() {
            let code = s.code.to_ascii_lowercase();
            if !COINED_CODES.contains(&code.as_str()) {
                continue;
            }
            by_code
                .entry(code)
                .and_modify(|p| {
                    if *p != Some(s.provider) {
                        *p = None;
                    }
                })
                .or_insert(Some(s.provider));
        }
        by_code
            .into_iter()
            .filter_map(|(c, p)| p.map(|p| (c, p)))
            .collect()
    })
}

fn phrasing(c: &mut Clues<'_>) {
    if let Some(x) = c.e.server_error() {
        if let Some(p) = own_codes().get(&x.code.to_ascii_lowercase()) {
            c.add(p, MEDIUM, "own-error-code", x.at, &x.code);
        }
    }
    for (at, d) in descriptions(c.e) {
        if d == "\u{0}error_hint" {
            c.add("hydra", MEDIUM, "hydra-error-hint", at, "error_hint");
            continue;
        }
        // AD FS: `MSIS9612: The authorization code received in 'code' parameter is invalid.`
        if d.starts_with("MSIS")
            && d[4..].bytes().take_while(u8::is_ascii_digit).count() == 4
            && d[8..].starts_with(':')
        {
            c.add("adfs", STRONG, "adfs-msis", at, &d[..8]);
        }
        let norm = d.trim().trim_end_matches('.').to_ascii_lowercase();
        // node-oidc-provider names the parameter in quotes: `missing required parameter
        // 'grant_type'`, `'grant_type' parameter must not be provided twice`.
        let quoted = |s: &str| {
            s.len() > 2
                && s.starts_with('\'')
                && s.ends_with('\'')
                && s[1..s.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
        };
        if norm
            .strip_prefix("missing required parameter ")
            .is_some_and(quoted)
            || norm
                .strip_suffix(" parameter must not be provided twice")
                .is_some_and(quoted)
        {
            c.add("node-oidc-provider", STRONG, "phrasing", at, d.trim());
        }
        for (p, w, phrase) in PHRASES {
            if norm == *phrase {
                c.add(p, *w, "phrasing", at, d.trim());
            }
        }
        for (p, w, part) in PHRASE_PARTS {
            if norm.contains(part) {
                c.add(p, *w, "phrasing", at, part);
            }
        }
        // Auth0: `Grant type 'password' not allowed for the client.`
        if norm.starts_with("grant type '") && norm.ends_with("' not allowed for the client") {
            c.add("auth0", STRONG, "phrasing", at, d.trim());
        }
        // ZITADEL answers with its message keys: `Errors.User.Code.Invalid`.
        if let Some(i) = d.find("Errors.") {
            if d[i + 7..].starts_with(|ch: char| ch.is_ascii_uppercase()) {
                c.add("zitadel", MEDIUM, "zitadel-errors", at, "Errors.…");
            }
        }
    }
}

// ---- default pages ------------------------------------------------------------------------

/// Marks of a provider's own HTML pages: (provider, weight, key, lower-case text).
const PAGES: &[(&str, u8, &str, &str)] = &[
    ("keycloak", STRONG, "keycloak-page", "id=\"kc-form-login\""),
    ("keycloak", STRONG, "keycloak-page", "id=\"kc-page-title\""),
    (
        "keycloak",
        STRONG,
        "keycloak-page",
        "id=\"kc-error-message\"",
    ),
    ("keycloak", STRONG, "keycloak-page", "/login/keycloak/"),
    ("keycloak", STRONG, "keycloak-page", "/login/keycloak.v2/"),
    ("entra", STRONG, "entra-page", "aadcdn.msauth.net"),
    ("entra", STRONG, "entra-page", "aadcdn.msftauth.net"),
    ("entra", STRONG, "entra-page", "\"serrorcode\""),
    ("okta", STRONG, "okta-page", "static.oktacdn.com"),
    ("okta", MEDIUM, "okta-cdn", "oktacdn.com"),
    ("okta", STRONG, "okta-page", "id=\"okta-sign-in\""),
    ("auth0", STRONG, "auth0-page", "cdn.auth0.com/ulp/"),
    ("auth0", MEDIUM, "auth0-cdn", "cdn.auth0.com"),
    ("auth0", MEDIUM, "auth0-lock", "auth0-lock"),
    (
        "node-oidc-provider",
        STRONG,
        "oidc-provider-page",
        "<title>oops! something went wrong</title>",
    ),
    (
        "node-oidc-provider",
        MEDIUM,
        "oidc-provider-page-device",
        "<title>device login confirmation</title>",
    ),
    ("dex", STRONG, "dex-page", "class=\"dex-container\""),
    ("dex", STRONG, "dex-page", "class=\"dex-btn"),
    ("zitadel", STRONG, "zitadel-page", "/ui/login/resources/"),
    ("authentik", STRONG, "authentik-page", "<ak-flow-executor"),
    (
        "authelia",
        STRONG,
        "authelia-page",
        "<title>login - authelia</title>",
    ),
    ("fusionauth", MEDIUM, "fusionauth-page", "fusionauth"),
    ("gluu", STRONG, "gluu-page", "/oxauth/ext/resources/"),
    ("wso2", MEDIUM, "wso2-page", "/authenticationendpoint/"),
    ("casdoor", MEDIUM, "casdoor-page", "cdn.casbin.org"),
];

fn pages(c: &mut Clues<'_>) {
    let Some(r) = &c.e.response else {
        return;
    };
    let Some(body) = r.body.as_deref() else {
        return;
    };
    if r.json.is_some() || !(r.is_html() || body.trim_start().starts_with('<')) {
        // Entra's messages appear in JSON and text too.
        entra_message(c, body, r.json.is_some());
        return;
    }
    let lower = head(body).to_ascii_lowercase();
    for (p, w, key, mark) in PAGES {
        if lower.contains(mark) {
            c.add(p, *w, key, "response.body", mark);
        }
    }
    // node-oidc-provider's sign-in page posts to its `/interaction/{uid}` route.
    if lower.contains("<title>sign-in</title>") && lower.contains("action=\"/interaction/") {
        c.add(
            "node-oidc-provider",
            STRONG,
            "oidc-provider-page",
            "response.body",
            "<title>Sign-in</title>, /interaction/",
        );
    }
    entra_message(c, body, false);
}

/// The start of a body: a provider's marks are near the top, and a huge body is a data dump.
fn head(body: &str) -> &str {
    let mut end = body.len().min(MAX_SCAN);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    &body[..end]
}

fn entra_message(c: &mut Clues<'_>, body: &str, json: bool) {
    let body = head(body);
    if has_aadsts(body) && (!json || body.contains("\"error\"")) {
        c.add("entra", STRONG, "aadsts", "response.body", "AADSTS…:");
    }
}

/// An Entra error message: `AADSTS<digits>:` (the code, then a colon, as Entra writes it).
pub fn has_aadsts(body: &str) -> bool {
    body.match_indices("AADSTS").any(|(i, _)| {
        let digits = body[i + 6..].bytes().take_while(u8::is_ascii_digit).count();
        digits >= 5 && body[i + 6 + digits..].starts_with(':')
    })
}

// ---- discovery metadata -------------------------------------------------------------------

fn discovery(c: &mut Clues<'_>) {
    let e = c.e;
    let path = e.request.path();
    if e.kind != Kind::Discovery && !path.contains("/.well-known/") {
        return;
    }
    let Some(j) = e.response.as_ref().and_then(|r| r.json.as_ref()) else {
        return;
    };
    if j.get("issuer").is_none() {
        return;
    }
    let s = |k: &str| j.get(k).and_then(Value::as_str).unwrap_or("");
    let iss = s("issuer").to_ascii_lowercase();
    // A document served by a proxy or a custom path that names a provider's own issuer.
    if let Some(p) = issuer_host(&iss).and_then(|h| super::of_host(&h)) {
        c.add(p, STRONG, "issuer-host", "response.body.issuer", &iss);
    }
    for (p, key) in [
        ("entra", "tenant_region_scope"),
        ("entra", "cloud_instance_name"),
        ("entra", "msgraph_host"),
        ("auth0", "mfa_challenge_endpoint"),
    ] {
        if j.get(key).is_some() {
            c.add(
                p,
                STRONG,
                "vendor-metadata",
                &format!("response.body.{key}"),
                key,
            );
        }
    }
    if iss.contains("/realms/") && !iss.contains("/oauth2/realms/") {
        c.add(
            "keycloak",
            STRONG,
            "keycloak-issuer",
            "response.body.issuer",
            "…/realms/{realm}",
        );
    }
    if iss.contains("/oauth2/realms/") {
        c.add(
            "forgerock",
            STRONG,
            "forgerock-issuer",
            "response.body.issuer",
            "…/oauth2/realms/…",
        );
    }
    if iss.ends_with("/oauth2/token") {
        c.add(
            "wso2",
            STRONG,
            "wso2-issuer",
            "response.body.issuer",
            "…/oauth2/token",
        );
    }
    let ends = |k: &str, tail: &str| s(k).split(['?', '#']).next().unwrap_or("").ends_with(tail);
    if ends("check_session_iframe", "/connect/checksession") {
        c.add(
            "duende",
            STRONG,
            "duende-metadata",
            "response.body.check_session_iframe",
            "/connect/checksession",
        );
    }
    if ends("check_session_iframe", "/login-status-iframe.html") {
        c.add(
            "keycloak",
            STRONG,
            "keycloak-metadata",
            "response.body.check_session_iframe",
            "/login-status-iframe.html",
        );
    }
    if ends("jwks_uri", "/oauth2/jwks") && ends("end_session_endpoint", "/connect/logout") {
        c.add(
            "spring",
            STRONG,
            "spring-metadata",
            "response.body.jwks_uri",
            "/oauth2/jwks, /connect/logout",
        );
    }
    if ends("userinfo_endpoint", "/me")
        && ends("end_session_endpoint", "/session/end")
        && ends("authorization_endpoint", "/auth")
    {
        c.add(
            "node-oidc-provider",
            STRONG,
            "oidc-provider-metadata",
            "response.body",
            "authorization_endpoint …/auth, userinfo_endpoint …/me, end_session_endpoint …/session/end",
        );
    }
    if ends("token_endpoint", "/api/oidc/token") {
        c.add(
            "authelia",
            STRONG,
            "authelia-metadata",
            "response.body.token_endpoint",
            "/api/oidc/token",
        );
    }
    if iss.contains("/application/o/") {
        c.add(
            "authentik",
            STRONG,
            "authentik-issuer",
            "response.body.issuer",
            "…/application/o/{slug}/",
        );
    }
    if ends("token_endpoint", "/oauth/v2/token") && ends("userinfo_endpoint", "/oidc/v1/userinfo") {
        c.add(
            "zitadel",
            STRONG,
            "zitadel-metadata",
            "response.body.token_endpoint",
            "/oauth/v2/token, /oidc/v1/userinfo",
        );
    }
    if ends("token_endpoint", "/oauth2/default/v1/token")
        || s("token_endpoint").contains("/oauth2/aus")
        || (ends("token_endpoint", "/oauth2/v1/token")
            && ends("registration_endpoint", "/oauth2/v1/clients"))
    {
        c.add(
            "okta",
            STRONG,
            "okta-metadata",
            "response.body.token_endpoint",
            "/oauth2/…/v1/token",
        );
    }
    if ends("token_endpoint", "/api/login/oauth/access_token") {
        c.add(
            "casdoor",
            STRONG,
            "casdoor-metadata",
            "response.body.token_endpoint",
            "/api/login/oauth/access_token",
        );
    }
    if s("token_endpoint").contains("/oxauth/") || s("token_endpoint").contains("/jans-auth/") {
        c.add(
            "gluu",
            STRONG,
            "gluu-metadata",
            "response.body.token_endpoint",
            "/oxauth/",
        );
    }
}
