//! Provider knowledge: which identity provider an exchange talks to (from hosts, including
//! tenant, realm and custom-domain patterns, then paths, header signatures and response shapes),
//! reported with the provider ids of docs/json-output.md; and the error-signature knowledge base
//! ([`signatures`], compiled from `signatures.json`) with its [`matcher`]. Detection recognises
//! only real signatures: a self-hosted server on `127.0.0.1` with `/token` and `/auth` paths is
//! no provider. Owns no diagnosis; the PROV rules decide what a match means.

pub mod fingerprint;
pub mod matcher;
pub mod signatures;

use crate::model::Exchange;
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
        "adfs" => "AD FS",
        "duende" => "Duende IdentityServer",
        "openiddict" => "OpenIddict",
        "authelia" => "Authelia",
        "authentik" => "authentik",
        "gluu" => "Gluu / Janssen",
        "wso2" => "WSO2 Identity Server",
        "fusionauth" => "FusionAuth",
        "casdoor" => "Casdoor",
        "logto" => "Logto",
        "gitea" => "Gitea",
        "supabase" => "Supabase Auth",
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
    ("logto.app", "logto"),
    ("logto.io", "logto"),
    ("asgardeo.io", "wso2"),
    ("fusionauth.io", "fusionauth"),
    ("supabase.co", "supabase"),
];

fn host_matches(host: &str, suffix: &str) -> bool {
    host == suffix
        || host
            .strip_suffix(suffix)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// How a provider was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// The host is the provider's own (`login.microsoftonline.com`, `*.okta.com`).
    Host,
    /// What the server sent ([`fingerprint`]): a custom domain or a self-hosted server.
    Fingerprint,
    /// The configuration file names the provider of the host.
    Configuration,
}

impl By {
    pub fn as_str(self) -> &'static str {
        match self {
            By::Host => "host",
            By::Fingerprint => "fingerprint",
            By::Configuration => "configuration",
        }
    }
}

/// One thing seen that names the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Zero-based exchange index.
    pub exchange: usize,
    pub at: String,
    pub value: String,
}

/// The identity provider of a capture, and how it was recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognition {
    pub id: &'static str,
    pub name: String,
    pub by: By,
    pub evidence: Vec<Seen>,
}

/// Detect the provider of one exchange from its own evidence: its host, else its fingerprint.
pub fn detect(e: &Exchange) -> Option<&'static str> {
    by_host(e).or_else(|| decide(&fingerprint::clues(e)).map(|(p, _)| p))
}

fn by_host(e: &Exchange) -> Option<&'static str> {
    of_host(e.request.host().unwrap_or(""))
}

/// The provider whose own host this is (`login.microsoftonline.com`, `*.okta.com`).
pub fn of_host(host: &str) -> Option<&'static str> {
    let host = host.to_ascii_lowercase();
    if host.starts_with("cognito-idp.") && host.ends_with(".amazonaws.com") {
        return Some("cognito");
    }
    HOSTS
        .iter()
        .find(|(h, _)| host_matches(&host, h))
        .map(|(_, p)| *p)
}

/// The provider the clues name, with the clues that count (each key once, at its strongest):
/// the one whose weight reaches [`fingerprint::RECOGNISED`] alone; none when two are tied.
fn decide(clues: &[fingerprint::Clue]) -> Option<(&'static str, Vec<&fingerprint::Clue>)> {
    let mut by_provider: Vec<(&'static str, Vec<&fingerprint::Clue>)> = Vec::new();
    for c in clues {
        let slot = match by_provider.iter().position(|(p, _)| *p == c.provider) {
            Some(i) => i,
            None => {
                by_provider.push((c.provider, Vec::new()));
                by_provider.len() - 1
            }
        };
        let list = &mut by_provider[slot].1;
        match list.iter().position(|x| x.key == c.key) {
            Some(i) if list[i].weight < c.weight => list[i] = c,
            Some(_) => {}
            None => list.push(c),
        }
    }
    let score = |l: &[&fingerprint::Clue]| l.iter().map(|c| u32::from(c.weight)).sum::<u32>();
    let mut found: Vec<(&'static str, Vec<&fingerprint::Clue>)> = by_provider
        .into_iter()
        .filter(|(_, l)| score(l) >= u32::from(fingerprint::RECOGNISED))
        .collect();
    // Logto is node-oidc-provider inside: its own marks name it more precisely.
    if found.iter().any(|(p, _)| *p == "logto") {
        found.retain(|(p, _)| *p != "node-oidc-provider");
    }
    found.sort_by_key(|(_, l)| std::cmp::Reverse(score(l)));
    match found.as_slice() {
        [] => None,
        [(_, a), (_, b), ..] if score(a) == score(b) => None,
        _ => {
            let (p, mut l) = found.swap_remove(0);
            l.sort_by_key(|c| std::cmp::Reverse(c.weight));
            Some((p, l))
        }
    }
}

/// `scheme://host:port`: the server an exchange talks to.
fn origin_key(e: &Exchange) -> Option<String> {
    let (scheme, host, port) = e.request.origin()?;
    Some(format!(
        "{scheme}://{}:{}",
        host.to_ascii_lowercase(),
        port.map(|p| p.to_string()).unwrap_or_default()
    ))
}

/// Detect per exchange, then per server: the exchanges of one origin (scheme, host, port) share
/// what any of them shows, so a discovery document, a cookie or an error's phrasing names the
/// server for all of them, and weaker clues seen on different exchanges add up.
pub fn detect_all(exchanges: &mut [Exchange]) {
    let mut hosts: HashMap<String, &'static str> = HashMap::new();
    let mut clues: HashMap<String, Vec<fingerprint::Clue>> = HashMap::new();
    for e in exchanges.iter_mut() {
        let key = origin_key(e);
        if let Some(p) = by_host(e) {
            e.provider = Some(p);
            if let Some(k) = key {
                hosts.entry(k).or_insert(p);
            }
            continue;
        }
        let own = fingerprint::clues(e);
        e.provider = decide(&own).map(|(p, _)| p);
        if let Some(k) = key {
            clues.entry(k).or_default().extend(own);
        }
    }
    let servers: HashMap<&String, &'static str> = clues
        .iter()
        .filter_map(|(k, c)| decide(c).map(|(p, _)| (k, p)))
        .collect();
    for e in exchanges.iter_mut() {
        if e.provider.is_none() {
            if let Some(k) = origin_key(e) {
                e.provider = hosts.get(&k).or_else(|| servers.get(&k)).copied();
            }
        }
    }
}

/// The identity provider of a capture: `preferred` (the provider of the top finding) when an
/// exchange has it, else the provider most exchanges talk to, those with the authorization
/// server counting three times (the first seen on a tie); with how it was recognised and what
/// showed it.
pub fn recognise(exchanges: &[Exchange], preferred: Option<&str>) -> Option<Recognition> {
    // An exchange with the authorization server counts more than an API call or a page: the
    // capture's provider is the one that signs users in and issues tokens.
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for e in exchanges {
        let Some(p) = e.provider else {
            continue;
        };
        let n = if e.kind.is_authorization_server() {
            3
        } else {
            1
        };
        match counts.iter_mut().find(|(q, _)| *q == p) {
            Some((_, c)) => *c += n,
            None => counts.push((p, n)),
        }
    }
    let id = preferred
        .and_then(|p| counts.iter().find(|(q, _)| *q == p))
        .or_else(|| {
            counts
                .iter()
                .enumerate()
                .max_by_key(|(i, (_, n))| (*n, std::cmp::Reverse(*i)))
                .map(|(_, c)| c)
        })?
        .0;
    let name = display_name(id).to_string();
    let mine = || exchanges.iter().filter(move |e| e.provider == Some(id));
    if let Some(e) = mine().find(|e| by_host(e) == Some(id)) {
        return Some(Recognition {
            id,
            name,
            by: By::Host,
            evidence: vec![Seen {
                exchange: e.index,
                at: "request.url.host".into(),
                value: e.request.host().unwrap_or("").to_string(),
            }],
        });
    }
    let mut all: Vec<(usize, fingerprint::Clue)> = Vec::new();
    for e in mine() {
        all.extend(
            fingerprint::clues(e)
                .into_iter()
                .filter(|c| c.provider == id)
                .map(|c| (e.index, c)),
        );
    }
    // Each kind of clue once, the strongest first, where it was first seen.
    let mut evidence: Vec<(u8, Seen)> = Vec::new();
    let mut keys: Vec<&'static str> = Vec::new();
    all.sort_by_key(|(i, c)| (std::cmp::Reverse(c.weight), *i));
    for (i, c) in &all {
        if keys.contains(&c.key) {
            continue;
        }
        keys.push(c.key);
        evidence.push((
            c.weight,
            Seen {
                exchange: *i,
                at: c.at.clone(),
                value: c.value.clone(),
            },
        ));
    }
    let weight: u32 = evidence.iter().map(|(w, _)| u32::from(*w)).sum();
    if weight < u32::from(fingerprint::RECOGNISED) {
        // What the server sent does not name it: the configuration did.
        let e = mine().next()?;
        return Some(Recognition {
            id,
            name,
            by: By::Configuration,
            evidence: vec![Seen {
                exchange: e.index,
                at: "request.url.host".into(),
                value: e.request.host().unwrap_or("").to_string(),
            }],
        });
    }
    evidence.truncate(4);
    Some(Recognition {
        id,
        name,
        by: By::Fingerprint,
        evidence: evidence.into_iter().map(|(_, s)| s).collect(),
    })
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

#[cfg(test)]
mod tests {
    use super::fingerprint::{Clue, MEDIUM, STRONG, WEAK};
    use super::*;

    fn clue(provider: &'static str, weight: u8, key: &'static str) -> Clue {
        Clue {
            provider,
            weight,
            key,
            at: "response.headers.x".into(),
            value: key.into(),
        }
    }

    #[test]
    fn a_strong_clue_names_its_provider_alone() {
        let c = [clue("okta", STRONG, "x-okta-request-id")];
        assert_eq!(decide(&c).map(|(p, _)| p), Some("okta"));
    }

    #[test]
    fn a_weak_or_medium_clue_alone_names_nobody() {
        assert_eq!(decide(&[clue("cognito", WEAK, "x-amzn-requestid")]), None);
        assert_eq!(decide(&[clue("github", MEDIUM, "github-oauth-path")]), None);
    }

    #[test]
    fn the_same_clue_seen_twice_counts_once() {
        let c = [
            clue("github", MEDIUM, "github-oauth-path"),
            clue("github", MEDIUM, "github-oauth-path"),
        ];
        assert_eq!(decide(&c), None);
    }

    #[test]
    fn different_clues_add_up() {
        let c = [
            clue("cognito", WEAK, "x-amzn-requestid"),
            clue("cognito", MEDIUM, "cognito-exception"),
        ];
        let (p, why) = decide(&c).unwrap();
        assert_eq!(p, "cognito");
        assert_eq!(why[0].key, "cognito-exception", "strongest first");
    }

    #[test]
    fn two_providers_tied_name_nobody() {
        let c = [
            clue("gitea", STRONG, "gitea-cookie"),
            clue("github", STRONG, "github-docs"),
        ];
        assert_eq!(decide(&c), None);
        let c = [
            clue("gitea", STRONG, "gitea-cookie"),
            clue("github", STRONG, "github-docs"),
            clue("github", MEDIUM, "github-oauth-path"),
        ];
        assert_eq!(decide(&c).map(|(p, _)| p), Some("github"));
    }

    #[test]
    fn logto_is_named_before_the_node_oidc_provider_inside_it() {
        let c = [
            clue("node-oidc-provider", STRONG, "phrasing"),
            clue("node-oidc-provider", STRONG, "oidc-provider-cookie"),
            clue("logto", STRONG, "logto-cookie"),
        ];
        assert_eq!(decide(&c).map(|(p, _)| p), Some("logto"));
    }

    #[test]
    fn aadsts_needs_the_code_and_its_colon() {
        assert!(fingerprint::has_aadsts(
            "AADSTS7000215: Invalid client secret"
        ));
        assert!(!fingerprint::has_aadsts("see AADSTS7000215 in the docs"));
        assert!(!fingerprint::has_aadsts("AADSTS12: short"));
    }
}
