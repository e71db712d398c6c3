//! DISC: discovery metadata (RFC 8414, OpenID Connect Discovery), well-known URL construction,
//! key-set retrieval and RFC 9728 protected-resource hints. The rules read the
//! discovery documents and key sets the capture holds; they never fetch anything.

mod disc001_metadata_issuer_mismatch;
mod disc002_well_known_url_construction;
mod disc003_discovery_not_json;
mod disc004_metadata_required_fields;
mod disc005_metadata_internal_endpoints;
mod disc006_jwks_unusable;
mod disc007_capability_not_advertised;
mod disc008_endpoint_not_advertised;
mod disc009_resource_metadata_hint;
mod disc010_resource_metadata_mismatch;

pub use disc001_metadata_issuer_mismatch::Disc001;
pub use disc002_well_known_url_construction::Disc002;
pub use disc003_discovery_not_json::Disc003;
pub use disc004_metadata_required_fields::Disc004;
pub use disc005_metadata_internal_endpoints::Disc005;
pub use disc006_jwks_unusable::Disc006;
pub use disc007_capability_not_advertised::Disc007;
pub use disc008_endpoint_not_advertised::Disc008;
pub use disc009_resource_metadata_hint::Disc009;
pub use disc010_resource_metadata_mismatch::Disc010;

use super::jwt::{failure_text, host_of, is_failure};
use super::shared::{str_list, trim_slash};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Severity, Strength};
use crate::model::{Exchange, Kind, is_loopback_host as is_loopback};
use crate::oauth::www_auth;
use serde_json::{Map, Value};

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Disc001, &Disc002, &Disc003, &Disc004, &Disc005, &Disc006, &Disc007, &Disc008, &Disc009,
    &Disc010,
];

/// This family's place when findings tie on everything else (PROV first, BCP last).
const TIE_BREAK: u8 = 10;

const OIDC_WK: &str = "/.well-known/openid-configuration";

const OAUTH_WK: &str = "/.well-known/oauth-authorization-server";

/// Which well-known form a URL uses, and the path around it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct WellKnown {
    /// `scheme://host[:port]`
    origin: String,
    /// Path before the well-known segment (no trailing slash).
    before: String,
    /// Path after it.
    after: String,
    oidc: bool,
}

impl WellKnown {
    fn parse(u: &str) -> Option<WellKnown> {
        let url = url::Url::parse(u).ok()?;
        let path = url.path();
        let (marker, oidc) = if path.contains(OIDC_WK) {
            (OIDC_WK, true)
        } else if path.contains(OAUTH_WK) {
            (OAUTH_WK, false)
        } else {
            return None;
        };
        let i = path.find(marker)?;
        Some(WellKnown {
            origin: url.origin().ascii_serialization(),
            before: path[..i].trim_end_matches('/').to_string(),
            after: path[i + marker.len()..].trim_end_matches('/').to_string(),
            oidc,
        })
    }

    /// The issuer this URL was built from (OIDC: path before; RFC 8414: path after).
    fn issuer(&self) -> String {
        let path = if !self.after.is_empty() {
            &self.after
        } else {
            &self.before
        };
        format!("{}{}", self.origin, path)
    }

    /// The standard URLs for an issuer with path `p`.
    fn oidc_url(origin: &str, p: &str) -> String {
        format!("{origin}{p}{OIDC_WK}")
    }
    fn oauth_url(origin: &str, p: &str) -> String {
        format!("{origin}{OAUTH_WK}{p}")
    }
}

/// Exchanges that fetch a discovery document (by URL or by content).
fn discovery_exchanges(ex: &[Exchange]) -> impl Iterator<Item = &Exchange> {
    // A key set under the well-known path (IdentityServer's
    // `/.well-known/openid-configuration/jwks`) is not a discovery document, and a CORS
    // preflight to a well-known URL is the browser asking leave to fetch it, not the fetch.
    ex.iter().filter(|e| {
        e.kind != Kind::Preflight
            && (e.kind == Kind::Discovery
                || e.request.path().contains(OIDC_WK)
                || e.request.path().contains(OAUTH_WK))
            && !is_key_set(e)
    })
}

/// A key set, whatever its URL: a JWK Set body, or a JWKS-shaped path.
fn is_key_set(e: &Exchange) -> bool {
    if e.kind == Kind::Jwks {
        return true;
    }
    let path = e.request.path().to_ascii_lowercase();
    if ["/jwks", "/jwks.json", "/keys", "/certs"]
        .iter()
        .any(|s| path.ends_with(s))
    {
        return true;
    }
    e.response
        .as_ref()
        .and_then(|r| r.json.as_ref())
        .is_some_and(|j| j.get("keys").is_some_and(Value::is_array) && j.get("issuer").is_none())
}

/// A host a client outside the server's network cannot reach.
fn is_internal(h: &str) -> bool {
    let h = h
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if is_loopback(&h) {
        return true;
    }
    if let Ok(ip) = h.parse::<std::net::Ipv4Addr>() {
        return ip.is_private() || ip.is_link_local() || ip.is_unspecified();
    }
    if let Ok(ip) = h.parse::<std::net::Ipv6Addr>() {
        return (ip.segments()[0] & 0xfe00) == 0xfc00 || (ip.segments()[0] & 0xffc0) == 0xfe80;
    }
    !h.contains('.')
        || [
            ".local",
            ".internal",
            ".svc",
            ".cluster.local",
            ".lan",
            ".localdomain",
            ".intranet",
        ]
        .iter()
        .any(|s| h.ends_with(s))
}

/// The first exchange after `after` that failed and whose failure text mentions one of `words`.
fn later_failure(cx: &Context<'_>, after: usize, words: &[&str]) -> Option<usize> {
    cx.exchanges
        .iter()
        .skip(after + 1)
        .find(|e| {
            is_failure(e) && {
                let t = failure_text(e);
                words.iter().any(|w| t.contains(w))
            }
        })
        .map(|e| e.index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testkit::{finding, run};
    use serde_json::json;

    #[test]
    fn well_known_urls_give_back_their_issuer() {
        let oidc = WellKnown::parse(
            "https://login.example.org/realms/acme/.well-known/openid-configuration",
        )
        .unwrap();
        assert_eq!(oidc.issuer(), "https://login.example.org/realms/acme");
        let oauth =
            WellKnown::parse("https://as.example/.well-known/oauth-authorization-server/tenant1")
                .unwrap();
        assert_eq!(oauth.issuer(), "https://as.example/tenant1");
        assert!(WellKnown::parse("https://as.example/token").is_none());
    }

    #[test]
    fn internal_hosts() {
        for h in [
            "keycloak",
            "10.12.0.7",
            "192.168.1.4",
            "auth.svc.cluster.local",
            "idp.internal",
            "localhost",
        ] {
            assert!(is_internal(h), "{h}");
        }
        for h in ["login.example.org", "8.8.8.8"] {
            assert!(!is_internal(h), "{h}");
        }
    }

    #[test]
    fn a_404_on_the_appended_oauth_form_names_both_standard_urls() {
        let f = run(json!([{
            "started_at": "2026-11-29T10:00:00Z",
            "request": { "method": "GET", "url": "https://login.example.org/realms/acme/.well-known/oauth-authorization-server" },
            "response": { "status": 404, "headers": [] }
        }]));
        let x = finding(&f, "DISC002").expect("DISC002");
        assert!(x.message.contains(
            "https://login.example.org/.well-known/oauth-authorization-server/realms/acme"
        ));
        assert!(
            x.message
                .contains("https://login.example.org/realms/acme/.well-known/openid-configuration")
        );
    }

    #[test]
    fn a_configured_issuer_is_compared_exactly() {
        let doc = |url: &str, issuer: &str| {
            json!({
                "started_at": "2026-11-29T10:00:00Z",
                "request": { "method": "GET", "url": url },
                "response": { "status": 200, "headers": [["Content-Type", "application/json"]],
                    "body": json!({"issuer": issuer, "token_endpoint": format!("{issuer}/token")}).to_string() }
            })
        };
        let capture = json!([
            doc(
                "https://idp.example/.well-known/openid-configuration",
                "https://idp.example"
            ),
            doc(
                "https://accounts.social.example/.well-known/openid-configuration",
                "https://accounts.social.example"
            ),
        ]);
        // From the URL alone the document is consistent (the URL cannot show a trailing `/`).
        assert!(finding(&run(capture.clone()), "DISC001").is_none());
        let options = crate::rules::Options {
            expected_issuer: Some("https://idp.example/".into()),
            ..Default::default()
        };
        let f = crate::rules::testkit::run_with(capture, &options);
        let found: Vec<&str> = f
            .iter()
            .filter(|x| x.rule == "DISC001")
            .map(|x| x.message.as_str())
            .collect();
        // The other host's document belongs to another issuer.
        assert_eq!(
            found,
            [
                "the metadata's issuer is `https://idp.example`, the configured issuer `https://idp.example/`"
            ]
        );
        let x = finding(&f, "DISC001").unwrap();
        assert_eq!(x.anchor, Some(0));
        assert_eq!(x.evidence[1].at, "configured issuer");
    }

    #[test]
    fn issuer_with_another_port_is_disc001() {
        let f = run(json!([{
            "started_at": "2026-11-29T10:00:00Z",
            "request": { "method": "GET", "url": "https://login.example.org/realms/acme/.well-known/openid-configuration" },
            "response": { "status": 200, "headers": [["Content-Type", "application/json"]],
                "body": json!({"issuer":"https://login.example.org:8443/realms/acme","token_endpoint":"https://login.example.org:8443/realms/acme/token"}).to_string() }
        }]));
        let x = finding(&f, "DISC001").expect("DISC001");
        assert!(x.message.contains("port"), "{}", x.message);
    }
}
