//! Provider knowledge: which identity provider an exchange talks to (from hosts, including
//! tenant, realm and custom-domain patterns, then paths, header signatures and response shapes),
//! reported with the provider ids of docs/json-output.md; and the error-signature knowledge base
//! ([`signatures`], compiled from `signatures.json`) with its [`matcher`]. Detection recognises
//! only real signatures: a self-hosted server on `127.0.0.1` with `/token` and `/auth` paths is
//! no provider. Owns no diagnosis; the PROV rules decide what a match means.

pub mod matcher;
pub mod signatures;

use crate::model::{Exchange, Kind};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The provider ids the knowledge base may use (docs/json-output.md); detection may also report others
/// in lower case (e.g. `hhru`).
pub const PROVIDER_IDS: &[&str] = &[
    "entra",
    "google",
    "github",
    "okta",
    "auth0",
    "keycloak",
    "cognito",
    "salesforce",
    "slack",
    "facebook",
    "spotify",
    "discord",
    "gitlab",
    "hydra",
    "twitter",
    "linkedin",
    "dropbox",
    "zoom",
    "atlassian",
    "ping",
    "forgerock",
    "zitadel",
    "dex",
    "spring",
    "node-oidc-provider",
];

/// A provider id as a static string: listed ids are returned as they are; other ids (from a
/// configuration's host hints) are leaked once, a handful per run.
pub fn intern(id: &str) -> &'static str {
    let lower = id.to_ascii_lowercase();
    PROVIDER_IDS
        .iter()
        .find(|k| **k == lower)
        .copied()
        .unwrap_or_else(|| Box::leak(lower.into_boxed_str()))
}

/// A provider's name as people write it.
pub fn display_name(id: &str) -> &str {
    match id {
        "entra" => "Microsoft Entra ID",
        "google" => "Google",
        "github" => "GitHub",
        "okta" => "Okta",
        "auth0" => "Auth0",
        "keycloak" => "Keycloak",
        "cognito" => "Amazon Cognito",
        "salesforce" => "Salesforce",
        "slack" => "Slack",
        "facebook" => "Facebook",
        "spotify" => "Spotify",
        "discord" => "Discord",
        "gitlab" => "GitLab",
        "hydra" => "Ory Hydra",
        "twitter" => "X (Twitter)",
        "linkedin" => "LinkedIn",
        "dropbox" => "Dropbox",
        "zoom" => "Zoom",
        "atlassian" => "Atlassian",
        "ping" => "Ping Identity",
        "forgerock" => "ForgeRock",
        "zitadel" => "ZITADEL",
        "dex" => "Dex",
        "spring" => "Spring Authorization Server",
        "node-oidc-provider" => "node-oidc-provider",
        "hhru" => "hh.ru",
        other => other,
    }
}

/// Host suffix → provider id (a suffix matches the host itself and its subdomains).
const HOSTS: &[(&str, &str)] = &[
    ("login.microsoftonline.com", "entra"),
    ("login.microsoftonline.us", "entra"),
    ("login.microsoftonline.de", "entra"),
    ("login.partner.microsoftonline.cn", "entra"),
    ("login.chinacloudapi.cn", "entra"),
    ("login.microsoft.com", "entra"),
    ("login.windows.net", "entra"),
    ("login.live.com", "entra"),
    ("sts.windows.net", "entra"),
    ("b2clogin.com", "entra"),
    ("ciamlogin.com", "entra"),
    ("graph.microsoft.com", "entra"),
    ("graph.microsoft.us", "entra"),
    ("graph.windows.net", "entra"),
    ("microsoftgraph.chinacloudapi.cn", "entra"),
    ("accounts.google.com", "google"),
    ("googleapis.com", "google"),
    ("github.com", "github"),
    ("ghe.com", "github"),
    ("okta.com", "okta"),
    ("oktapreview.com", "okta"),
    ("okta-emea.com", "okta"),
    ("okta-gov.com", "okta"),
    ("auth0.com", "auth0"),
    ("amazoncognito.com", "cognito"),
    ("salesforce.com", "salesforce"),
    ("force.com", "salesforce"),
    ("my.site.com", "salesforce"),
    ("slack.com", "slack"),
    ("facebook.com", "facebook"),
    ("instagram.com", "facebook"),
    ("spotify.com", "spotify"),
    ("discord.com", "discord"),
    ("discordapp.com", "discord"),
    ("gitlab.com", "gitlab"),
    ("oryapis.com", "hydra"),
    ("twitter.com", "twitter"),
    ("x.com", "twitter"),
    ("linkedin.com", "linkedin"),
    ("dropboxapi.com", "dropbox"),
    ("dropbox.com", "dropbox"),
    ("zoom.us", "zoom"),
    ("zoom.com", "zoom"),
    ("atlassian.com", "atlassian"),
    ("atlassian.net", "atlassian"),
    ("pingone.com", "ping"),
    ("pingone.eu", "ping"),
    ("pingone.asia", "ping"),
    ("pingone.ca", "ping"),
    ("pingone.com.au", "ping"),
    ("pingidentity.com", "ping"),
    ("forgeblocks.com", "forgerock"),
    ("forgerock.io", "forgerock"),
    ("zitadel.cloud", "zitadel"),
    ("zitadel.ch", "zitadel"),
    ("hh.ru", "hhru"),
];

/// Response headers only one provider sends.
const HEADERS: &[(&str, &str)] = &[
    ("x-github-request-id", "github"),
    ("x-okta-request-id", "okta"),
    ("x-auth0-requestid", "auth0"),
    ("x-amz-cognito-request-id", "cognito"),
    ("x-gitlab-meta", "gitlab"),
    ("x-ms-ests-server", "entra"),
    ("x-fb-trace-id", "facebook"),
    ("x-slack-req-id", "slack"),
];

fn host_matches(host: &str, suffix: &str) -> bool {
    host == suffix
        || host
            .strip_suffix(suffix)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// Detect the provider of one exchange from its own evidence.
pub fn detect(e: &Exchange) -> Option<&'static str> {
    by_host(e)
        .or_else(|| by_path(e))
        .or_else(|| by_headers(e))
        .or_else(|| by_shape(e))
}

fn by_host(e: &Exchange) -> Option<&'static str> {
    let host = e.request.host().unwrap_or("").to_ascii_lowercase();
    if host.starts_with("cognito-idp.") && host.ends_with(".amazonaws.com") {
        return Some("cognito");
    }
    HOSTS
        .iter()
        .find(|(h, _)| host_matches(&host, h))
        .map(|(_, p)| *p)
}

fn by_path(e: &Exchange) -> Option<&'static str> {
    let path = e.request.path().to_ascii_lowercase();
    if path.contains("/realms/")
        && (path.contains("/protocol/openid-connect/")
            || path.contains("/.well-known/")
            || path.contains("/login-actions/"))
        && !path.contains("/oauth2/realms/")
    {
        return Some("keycloak");
    }
    if path.contains("/oauth2/realms/")
        || path.contains("/am/oauth2/")
        || path.contains("/openam/oauth2/")
    {
        return Some("forgerock");
    }
    if path.starts_with("/as/") && (path.ends_with(".oauth2") || path.ends_with(".openid")) {
        return Some("ping");
    }
    if path.starts_with("/services/oauth2/") {
        return Some("salesforce");
    }
    if path == "/login/oauth/access_token"
        || path == "/login/oauth/authorize"
        || path == "/login/device/code"
    {
        return Some("github");
    }
    if path.starts_with("/oauth/v2/") && e.kind.is_authorization_server() {
        return Some("zitadel");
    }
    if path.starts_with("/dex/") {
        return Some("dex");
    }
    if path.contains("/oauth2/default/") || path.contains("/oauth2/aus") {
        return Some("okta");
    }
    if path.starts_with("/api/v1/")
        && e.request
            .authorization()
            .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("SSWS"))
    {
        return Some("okta");
    }
    None
}

fn by_headers(e: &Exchange) -> Option<&'static str> {
    let r = e.response.as_ref()?;
    if let Some((_, p)) = HEADERS.iter().find(|(h, _)| r.headers.contains(h)) {
        return Some(p);
    }
    for v in r.headers.get_all("www-authenticate") {
        if v.contains("realm=\"Doorkeeper\"") {
            return Some("gitlab");
        }
        if v.contains("\"Facebook Platform\"") {
            return Some("facebook");
        }
    }
    None
}

fn by_shape(e: &Exchange) -> Option<&'static str> {
    let r = e.response.as_ref()?;
    let path = e.request.path().to_ascii_lowercase();
    let body = r.body.as_deref().unwrap_or("");
    if let Some(j) = &r.json {
        if let Some(p) = json_shape(j, &path) {
            return Some(p);
        }
    } else if r.is_html() || body.trim_start().starts_with('<') {
        // node-oidc-provider's default error page.
        if body.contains("<title>oops! something went wrong</title>")
            && body.contains("<strong>error</strong>:")
        {
            return Some("node-oidc-provider");
        }
    }
    if has_aadsts(body) && (r.json.is_none() || body.contains("\"error\"")) {
        return Some("entra");
    }
    if e.kind == Kind::Discovery {
        let iss = r
            .json
            .as_ref()
            .and_then(|j| j.get("issuer"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if iss.contains("/realms/") && !iss.contains("/oauth2/realms/") {
            return Some("keycloak");
        }
    }
    None
}

fn json_shape(j: &Value, path: &str) -> Option<&'static str> {
    let s = |k: &str| j.get(k).and_then(Value::as_str);
    if j.get("error_codes").is_some()
        && (j.get("trace_id").is_some() || j.get("correlation_id").is_some())
    {
        return Some("entra");
    }
    if s("errorCode").is_some_and(|c| c.starts_with("E0000")) && j.get("errorSummary").is_some() {
        return Some("okta");
    }
    if let Some(err) = j.get("error").filter(|v| v.is_object()) {
        if err.get("fbtrace_id").is_some()
            || err.get("type").and_then(Value::as_str) == Some("OAuthException")
        {
            return Some("facebook");
        }
    }
    if j.get("error").is_some()
        && j.get("status_code").is_some()
        && (j.get("error_hint").is_some()
            || j.get("error_debug").is_some()
            || path.starts_with("/oauth2/"))
    {
        return Some("hydra");
    }
    if s("documentation_url")
        .is_some_and(|u| u.contains("docs.github.com") || u.contains("developer.github.com"))
        || s("error_uri")
            .is_some_and(|u| u.contains("docs.github.com") || u.contains("developer.github.com"))
    {
        return Some("github");
    }
    let desc = s("error_description").unwrap_or("");
    if desc.starts_with("OAuth 2.0 Parameter: ") {
        return Some("spring");
    }
    if desc.contains("Errors.") && s("error").is_some() && path.starts_with("/oauth/v2/") {
        return Some("zitadel");
    }
    // Slack Web API: `/api/<family>.<method>` answering `{"ok":false,"error":…}`.
    if j.get("ok").and_then(Value::as_bool) == Some(false)
        && s("error").is_some()
        && path
            .strip_prefix("/api/")
            .is_some_and(|m| m.contains('.') && !m.contains('/'))
    {
        return Some("slack");
    }
    None
}

/// An Entra error message: `AADSTS<digits>:` (the code, then a colon, as Entra writes it).
fn has_aadsts(body: &str) -> bool {
    body.match_indices("AADSTS").any(|(i, _)| {
        let digits = body[i + 6..].bytes().take_while(u8::is_ascii_digit).count();
        digits >= 5 && body[i + 6 + digits..].starts_with(':')
    })
}

/// Detect per exchange, then let exchanges of the same host inherit a provider found on any
/// exchange of that host (a discovery document or an error shape names it once).
pub fn detect_all(exchanges: &mut [Exchange]) {
    let mut by_host: std::collections::HashMap<String, &'static str> =
        std::collections::HashMap::new();
    for e in exchanges.iter_mut() {
        e.provider = detect(e);
        if let (Some(p), Some(h)) = (e.provider, e.request.host()) {
            by_host.entry(h.to_ascii_lowercase()).or_insert(p);
        }
    }
    for e in exchanges.iter_mut() {
        if e.provider.is_none() {
            if let Some(h) = e.request.host() {
                e.provider = by_host.get(&h.to_ascii_lowercase()).copied();
            }
        }
    }
}

/// Provider error codes that stand for a standard OAuth error (`bad_verification_code` at
/// GitHub is `invalid_grant`), read from the provider knowledge base `signatures.json`:
/// (provider, lower-case code) → standard code. The rules use it to recognise their server signal.
pub fn provider_aliases() -> &'static HashMap<(String, String), String> {
    static ALIASES: OnceLock<HashMap<(String, String), String>> = OnceLock::new();
    ALIASES.get_or_init(|| {
        let mut m = HashMap::new();
        let doc: Value = serde_json::from_str(include_str!("signatures.json")).unwrap_or_default();
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
            if e.get("contains").is_some_and(|v| !v.is_null())
                || crate::oauth::errors::standard(c).is_some()
            {
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
pub fn standard_code(e: &Exchange) -> Option<String> {
    let x = e.server_error()?;
    if crate::oauth::errors::standard(&x.code).is_some() {
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
