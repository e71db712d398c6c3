//! Provider detection: which identity provider an exchange talks to, from hosts (including
//! tenant, realm and custom-domain patterns), paths, response shapes and header signatures.
//! Reports DESIGN.md provider ids. Owns no diagnosis.

use crate::model::{Exchange, Kind};

/// Host suffix → provider id.
const HOSTS: &[(&str, &str)] = &[
    ("login.microsoftonline.com", "entra"),
    ("login.microsoftonline.us", "entra"),
    ("login.microsoft.com", "entra"),
    ("login.windows.net", "entra"),
    ("sts.windows.net", "entra"),
    ("b2clogin.com", "entra"),
    ("ciamlogin.com", "entra"),
    ("graph.microsoft.com", "entra"),
    ("accounts.google.com", "google"),
    ("oauth2.googleapis.com", "google"),
    ("googleapis.com", "google"),
    ("github.com", "github"),
    ("okta.com", "okta"),
    ("oktapreview.com", "okta"),
    ("okta-emea.com", "okta"),
    ("auth0.com", "auth0"),
    ("amazoncognito.com", "cognito"),
    ("salesforce.com", "salesforce"),
    ("force.com", "salesforce"),
    ("slack.com", "slack"),
    ("facebook.com", "facebook"),
    ("instagram.com", "facebook"),
    ("spotify.com", "spotify"),
    ("discord.com", "discord"),
    ("discordapp.com", "discord"),
    ("gitlab.com", "gitlab"),
    ("oryapis.com", "hydra"),
    ("twitter.com", "twitter"),
    ("api.x.com", "twitter"),
    ("linkedin.com", "linkedin"),
    ("dropboxapi.com", "dropbox"),
    ("dropbox.com", "dropbox"),
    ("zoom.us", "zoom"),
    ("atlassian.com", "atlassian"),
    ("pingone.com", "ping"),
    ("pingone.eu", "ping"),
    ("pingone.asia", "ping"),
    ("pingidentity.com", "ping"),
    ("forgeblocks.com", "forgerock"),
    ("zitadel.cloud", "zitadel"),
    ("hh.ru", "hhru"),
];

fn host_matches(host: &str, suffix: &str) -> bool {
    host == suffix || host.ends_with(&format!(".{suffix}"))
}

/// Detect the provider of one exchange from its own evidence.
pub fn detect(e: &Exchange) -> Option<&'static str> {
    let host = e.request.host().unwrap_or("").to_ascii_lowercase();
    if host.starts_with("cognito-idp.") && host.ends_with(".amazonaws.com") {
        return Some("cognito");
    }
    if let Some((_, p)) = HOSTS.iter().find(|(h, _)| host_matches(&host, h)) {
        return Some(p);
    }
    let path = e.request.path().to_ascii_lowercase();
    if path.contains("/realms/")
        && (path.contains("/protocol/openid-connect/") || path.contains("/.well-known/"))
    {
        return Some("keycloak");
    }
    if path.contains("/as/token.oauth2") || path.contains("/as/authorization.oauth2") {
        return Some("ping");
    }
    if path.contains("/am/oauth2/") || path.contains("/openam/oauth2/") {
        return Some("forgerock");
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
    if let Some(r) = &e.response {
        if r.headers
            .get_all("www-authenticate")
            .any(|v| v.contains("Doorkeeper"))
        {
            return Some("gitlab");
        }
        if let Some(j) = &r.json {
            if j.get("error_codes").is_some() && j.get("trace_id").is_some() {
                return Some("entra");
            }
            if j.get("errorCode")
                .and_then(|v| v.as_str())
                .is_some_and(|c| c.starts_with("E0000"))
            {
                return Some("okta");
            }
            if j.get("error").and_then(|v| v.get("fbtrace_id")).is_some() {
                return Some("facebook");
            }
            if j.get("error").is_some()
                && j.get("status_code").is_some()
                && (j.get("error_hint").is_some()
                    || j.get("error_debug").is_some()
                    || path.starts_with("/oauth2/"))
            {
                return Some("hydra");
            }
        }
        if e.kind == Kind::Discovery {
            if let Some(iss) = r
                .json
                .as_ref()
                .and_then(|j| j.get("issuer"))
                .and_then(|v| v.as_str())
            {
                if iss.contains("/realms/") {
                    return Some("keycloak");
                }
            }
        }
    }
    None
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
