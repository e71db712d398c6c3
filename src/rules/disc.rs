//! DISC: discovery metadata (RFC 8414, OpenID Connect Discovery), well-known URL construction,
//! key-set retrieval and RFC 9728 protected-resource hints (RULES.md §1.9). The rules read the
//! discovery documents and key sets the capture holds; they never fetch anything.

use super::common::{str_list, trim_slash};
use super::jwt::{failure_text, host_of, is_failure};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Severity, Strength};
use crate::model::{Exchange, Kind};
use crate::oauth::www_auth;
use serde_json::{Map, Value};

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Disc001, &Disc002, &Disc003, &Disc004, &Disc005, &Disc006, &Disc007, &Disc008, &Disc009,
];

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
    // `/.well-known/openid-configuration/jwks`) is not a discovery document.
    ex.iter().filter(|e| {
        (e.kind == Kind::Discovery
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

fn is_loopback(h: &str) -> bool {
    let h = h.trim_start_matches('[').trim_end_matches(']');
    h == "localhost" || h.ends_with(".localhost") || h.starts_with("127.") || h == "::1"
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

/// Whether `inner` started while `outer` was waiting for its response.
fn contains_in_time(outer: &Exchange, inner: &Exchange) -> bool {
    let (Some(o), Some(i), Some(ms)) = (outer.started_at, inner.started_at, outer.duration_ms)
    else {
        return false;
    };
    let start = o.as_millisecond();
    let t = i.as_millisecond();
    t >= start && (t as f64) <= start as f64 + ms
}

/// Whether a failed exchange's error text says `host` could not be reached.
fn names_unreachable(e: &Exchange, host: &str) -> bool {
    if host.is_empty() {
        return false;
    }
    let t = failure_text(e);
    t.contains(host)
        && [
            "enotfound",
            "getaddrinfo",
            "econnrefused",
            "etimedout",
            "ehostunreach",
            "connection refused",
            "timed out",
            "timeout",
            "could not resolve",
            "name or service not known",
            "no such host",
            "unreachable",
            "failed to connect",
            "connect",
        ]
        .iter()
        .any(|w| t.contains(w))
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

// ------------------------------------------------------------------------------------------
// DISC001
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Derives the issuer a client used to build each discovery URL (OpenID form: the path
    /// before `/.well-known/openid-configuration`; RFC 8414 form: the path after
    /// `/.well-known/oauth-authorization-server`) and compares it with the document's `issuer`:
    /// scheme, host, port, letter case and path must be identical. A trailing `/` is not
    /// compared — the well-known construction removes it, so the URL cannot show it. Entra's
    /// multi-tenant documents (`/common`, `/organizations`, issuer with a `{tenantid}`
    /// placeholder) are reported too, with the tenant-specific way out: standard clients reject
    /// them. When a later exchange fails naming the issuer, the finding explains it.
    ///
    /// ## Why it fails
    /// OpenID Connect Discovery §4.3 and RFC 8414 §3.3 require the client to reject metadata
    /// whose `issuer` differs from the issuer it was configured with (mix-up defence); tokens
    /// then also fail issuer checks. Typical causes: a server behind a proxy that does not know
    /// its public URL, the wrong realm or tenant configured, `http` vs `https`.
    ///
    /// ## Example
    /// `GET https://login.example.org/realms/Acme/.well-known/openid-configuration` → `issuer:
    /// https://login.example.org/realms/acme` (realm name case).
    ///
    /// ## Fix
    /// Configure the client with the exact `issuer` string the server publishes; fix the
    /// server's public URL (hostname, forwarded headers) when it publishes an internal one.
    ///
    /// ## References
    /// RFC 8414 §3, §3.3; OIDC Discovery §4, §4.3
    pub struct Disc001 {
        code: "DISC001",
        name: "metadata-issuer-mismatch",
        title: "metadata issuer differs from the configured issuer",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "configure the exact `issuer` the server publishes, or fix the server's public URL settings",
        references: ["RFC 8414 §3.3", "OIDC Discovery §4.3"],
    }
}

/// How a configured issuer and the published one differ.
fn issuer_difference(configured: &str, published: &str) -> Option<String> {
    if trim_slash(configured) == trim_slash(published) {
        return None;
    }
    if trim_slash(configured).eq_ignore_ascii_case(trim_slash(published)) {
        return Some("only letter case differs".to_string());
    }
    let (Ok(c), Ok(p)) = (url::Url::parse(configured), url::Url::parse(published)) else {
        return Some("they are different strings".to_string());
    };
    let mut parts = Vec::new();
    if c.scheme() != p.scheme() {
        parts.push(format!("scheme `{}` vs `{}`", c.scheme(), p.scheme()));
    }
    if c.host_str() != p.host_str() {
        parts.push(format!(
            "host `{}` vs `{}`",
            c.host_str().unwrap_or(""),
            p.host_str().unwrap_or("")
        ));
    }
    if c.port_or_known_default() != p.port_or_known_default() {
        parts.push("port".to_string());
    }
    if trim_slash(c.path()) != trim_slash(p.path()) {
        parts.push(format!(
            "path `{}` vs `{}`",
            trim_slash(c.path()),
            trim_slash(p.path())
        ));
    }
    if parts.is_empty() {
        parts.push("they are different strings".to_string());
    }
    Some(parts.join(", "))
}

impl Rule for Disc001 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in discovery_exchanges(cx.exchanges) {
            let Some(r) = &e.response else { continue };
            if !r.is_success() {
                continue;
            }
            let Some(published) = r
                .json
                .as_ref()
                .and_then(|j| j.get("issuer"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            let Some(wk) = WellKnown::parse(&e.request.url) else {
                continue;
            };
            let configured = wk.issuer();
            let Some(mut diff) = issuer_difference(&configured, published) else {
                continue;
            };
            if published.contains("{tenantid}") {
                diff = "the document is Entra's multi-tenant template (`{tenantid}` placeholder), which a standard client cannot match: configure the tenant-specific issuer, or validate `iss` against the token's `tid`".to_string();
            }
            let anchor = later_failure(cx, e.index, &["issuer", "iss "]).unwrap_or(e.index);
            cx.report(
                anchor,
                format!(
                    "the discovery URL `{}` was built from the issuer `{configured}` but the document says `issuer: {published}`: {diff}",
                    e.request.endpoint()
                ),
            )
            .strength(Strength::Recomputed)
            .client_rejects()
            .text(e.index, "request.url", e.request.endpoint())
            .text(e.index, "response.body.issuer", published)
            .emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DISC002
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a 404 on a well-known metadata URL and says how the URL should have been built for
    /// an issuer with a path: RFC 8414 *inserts* `/.well-known/oauth-authorization-server`
    /// between host and path, OpenID Connect Discovery *appends*
    /// `/.well-known/openid-configuration` to the path. When the capture also holds a
    /// successful discovery fetch on the same host, it names the URL that worked.
    ///
    /// ## Why it fails
    /// The two specifications build the URL differently for issuers with a path (tenants,
    /// realms, custom authorization servers); a library that knows only one form, an issuer
    /// with a trailing `/` glued to the suffix (`//.well-known`), or a hand-built URL ends in
    /// a 404.
    ///
    /// ## Example
    /// Issuer `https://login.example.org/realms/acme`: `GET
    /// https://login.example.org/realms/acme/.well-known/oauth-authorization-server` → `404`;
    /// the RFC 8414 URL is `https://login.example.org/.well-known/oauth-authorization-server/realms/acme`
    /// and the OpenID one `https://login.example.org/realms/acme/.well-known/openid-configuration`.
    ///
    /// ## Fix
    /// Use the form that matches the server (OpenID providers always serve the appended
    /// `openid-configuration` form); store the issuer, not a metadata URL, in configuration.
    ///
    /// ## References
    /// RFC 8414 §3, §3.1; OIDC Discovery §4, §4.1
    pub struct Disc002 {
        code: "DISC002",
        name: "well-known-url-construction",
        title: "well-known url built incorrectly",
        category: EndpointUrl,
        severity: Error,
        kind: Diag,
        fix: "build the well-known URL in the form the server supports from the exact issuer (OIDC appends, RFC 8414 inserts)",
        references: ["RFC 8414 §3", "RFC 8414 §3.1", "OIDC Discovery §4.1"],
    }
}

impl Rule for Disc002 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in discovery_exchanges(cx.exchanges) {
            if e.status() != Some(404) {
                continue;
            }
            let url = e.request.endpoint();
            let Some(wk) = WellKnown::parse(&url) else {
                continue;
            };
            let path = if !wk.after.is_empty() {
                wk.after.clone()
            } else {
                wk.before.clone()
            };
            let (oidc, oauth) = (
                WellKnown::oidc_url(&wk.origin, &path),
                WellKnown::oauth_url(&wk.origin, &path),
            );
            let mut problems = Vec::new();
            if url.contains("//.well-known") {
                problems.push("the issuer's trailing `/` was kept before the suffix".to_string());
            }
            if !wk.oidc && !wk.before.is_empty() {
                problems.push(format!(
                    "RFC 8414 inserts the suffix before the issuer's path (`{oauth}`); OpenID providers serve `{oidc}`"
                ));
            } else if wk.oidc && !wk.after.is_empty() {
                problems.push(format!(
                    "OpenID Connect Discovery appends the suffix after the issuer's path: `{oidc}`"
                ));
            } else if !path.is_empty() {
                problems.push(format!(
                    "for an issuer with the path `{path}` the other form is `{}`",
                    if wk.oidc { &oauth } else { &oidc }
                ));
            } else {
                problems.push(format!(
                    "the issuer has no path here: check the tenant / realm segment; the other form is `{}`",
                    if wk.oidc { &oauth } else { &oidc }
                ));
            }
            // A discovery document that was found on the same host.
            let host = e.request.host().map(str::to_string);
            let found = discovery_exchanges(cx.exchanges).find(|o| {
                o.index != e.index
                    && o.request.host().map(str::to_string) == host
                    && o.response.as_ref().is_some_and(|r| {
                        r.is_success() && r.json.as_ref().is_some_and(|j| j.get("issuer").is_some())
                    })
            });
            let strength = if found.is_some() {
                Strength::Recomputed
            } else {
                Strength::Direct
            };
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "`GET {url}` got 404: {}{}",
                        problems.join("; "),
                        found
                            .map(|o| format!(
                                "; the document was found at `{}` (exchange {})",
                                o.request.endpoint(),
                                o.number()
                            ))
                            .unwrap_or_default()
                    ),
                )
                .strength(strength)
                .confirmed()
                .text(e.index, "request.url", url.clone())
                .text(e.index, "response.status", "404");
            if let Some(o) = found {
                rep = rep.text(o.index, "request.url", o.request.endpoint());
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DISC003
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a discovery fetch whose answer is not a usable metadata document: a redirect
    /// (often to a login page), a 401/403, an HTML page, or a body that is not JSON. 404 is
    /// DISC002's, 5xx is STAT006's. A JSON document served with a non-JSON content type is a
    /// warning.
    ///
    /// ## Why it fails
    /// Metadata must be public JSON (OpenID Connect Discovery §4.2, RFC 8414 §3.2). A redirect
    /// or an HTML page means the URL is wrong (an application route instead of the identity
    /// provider), or a proxy / SSO gateway intercepts the call.
    ///
    /// ## Example
    /// `GET https://app.example.com/.well-known/openid-configuration` → `302 Location:
    /// https://app.example.com/login`.
    ///
    /// ## Fix
    /// Use the identity provider's issuer URL; exempt the well-known path from login gateways;
    /// serve the document as `application/json`.
    ///
    /// ## References
    /// OIDC Discovery §4.2; RFC 8414 §3.2
    pub struct Disc003 {
        code: "DISC003",
        name: "discovery-not-json",
        title: "discovery response not usable json",
        category: EndpointUrl,
        severity: Error,
        kind: Diag,
        fix: "fetch metadata from the identity provider's issuer URL and exempt it from login gateways; it must be public JSON",
        references: ["OIDC Discovery §4.2", "RFC 8414 §3.2"],
    }
}

impl Rule for Disc003 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in discovery_exchanges(cx.exchanges) {
            let Some(r) = &e.response else { continue };
            let status = r.status;
            if status == 0 || status == 404 || status >= 500 {
                continue;
            }
            let media = r.headers.media_type().unwrap_or_default();
            let json_ct = media.contains("json");
            let (why, severity) = if r.is_redirect() {
                (
                    format!(
                        "a {status} redirect to `{}`{}",
                        r.location().unwrap_or("(no Location)"),
                        if r.location().is_some_and(|l| {
                            let l = l.to_ascii_lowercase();
                            ["login", "signin", "sso", "auth"]
                                .iter()
                                .any(|w| l.contains(w))
                        }) {
                            " (a login page: the call is intercepted)"
                        } else {
                            ""
                        }
                    ),
                    Severity::Error,
                )
            } else if status == 401 || status == 403 {
                (
                    format!("{status}: metadata must be public"),
                    Severity::Error,
                )
            } else if status >= 400 {
                (format!("status {status}"), Severity::Error)
            } else if r.is_html() {
                ("an HTML page instead of JSON".to_string(), Severity::Error)
            } else if r.body.is_none() {
                continue; // the capture has no body: nothing to judge
            } else if r.json.as_ref().is_none_or(|j| !j.is_object()) {
                (
                    format!(
                        "a body that is not a JSON object (content type `{}`)",
                        if media.is_empty() { "none" } else { &media }
                    ),
                    Severity::Error,
                )
            } else if !json_ct {
                (
                    format!(
                        "JSON served as `{}`; strict clients require `application/json`",
                        if media.is_empty() {
                            "no content type"
                        } else {
                            &media
                        }
                    ),
                    Severity::Warning,
                )
            } else {
                continue;
            };
            cx.report(
                e.index,
                format!(
                    "the discovery request `GET {}` got {why}",
                    e.request.endpoint()
                ),
            )
            .severity(severity)
            .strength(Strength::Direct)
            .client_rejects()
            .confirmed()
            .text(e.index, "response.status", status.to_string())
            .text(
                e.index,
                "response.headers.content-type",
                r.headers.get("content-type").unwrap_or("(none)"),
            )
            .emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DISC004
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Lints each discovery document for the members the specifications require: `issuer`,
    /// `response_types_supported`, `token_endpoint` (unless the server supports only the
    /// implicit flow), `authorization_endpoint` (when a response type needs it), and for OpenID
    /// providers `jwks_uri`, `subject_types_supported` and
    /// `id_token_signing_alg_values_supported`; and checks that `issuer` is an `https` URL
    /// without query or fragment.
    ///
    /// ## Why it fails
    /// Client libraries configure themselves from these members and refuse (or crash on)
    /// documents without them; an `http` issuer or one with a query cannot be compared
    /// safely.
    ///
    /// ## Example
    /// `{"issuer":"https://idp.example.com","authorization_endpoint":"…","token_endpoint":"…"}`
    /// — no `jwks_uri`, `response_types_supported`, `subject_types_supported`.
    ///
    /// ## Fix
    /// Complete the server's metadata, or configure the client statically with the endpoints
    /// and keys it needs.
    ///
    /// ## References
    /// RFC 8414 §2; OIDC Discovery §3
    pub struct Disc004 {
        code: "DISC004",
        name: "metadata-required-fields",
        title: "required metadata fields missing",
        category: Other,
        severity: Warning,
        kind: Lint,
        fix: "complete the server's metadata or configure the client statically",
        references: ["RFC 8414 §2", "OIDC Discovery §3"],
    }
}

impl Rule for Disc004 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in discovery_exchanges(cx.exchanges) {
            let Some(r) = &e.response else { continue };
            if !r.is_success() {
                continue;
            }
            let Some(doc) = r.json.as_ref().and_then(Value::as_object) else {
                continue;
            };
            let oidc = e.request.path().contains(OIDC_WK)
                || doc.contains_key("id_token_signing_alg_values_supported")
                || doc.contains_key("userinfo_endpoint");
            let rts = str_list(doc, "response_types_supported").unwrap_or_default();
            let implicit_only =
                !rts.is_empty() && rts.iter().all(|t| !t.split(' ').any(|p| p == "code"));
            let mut missing: Vec<&str> = Vec::new();
            for (f, needed) in [
                ("issuer", true),
                ("response_types_supported", true),
                ("token_endpoint", !implicit_only),
                ("authorization_endpoint", oidc || !rts.is_empty()),
                ("jwks_uri", oidc),
                ("subject_types_supported", oidc),
                ("id_token_signing_alg_values_supported", oidc),
            ] {
                if needed && doc.get(f).is_none_or(Value::is_null) {
                    missing.push(f);
                }
            }
            let mut problems: Vec<String> = Vec::new();
            if !missing.is_empty() {
                problems.push(format!(
                    "it lacks {}",
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if let Some(iss) = doc.get("issuer").and_then(Value::as_str) {
                match url::Url::parse(iss) {
                    Ok(u) => {
                        if u.scheme() != "https" && !u.host_str().is_some_and(is_loopback) {
                            problems.push(format!("`issuer` `{iss}` is not https"));
                        }
                        if u.query().is_some() || u.fragment().is_some() {
                            problems.push(format!("`issuer` `{iss}` has a query or fragment"));
                        }
                    }
                    Err(_) => problems.push(format!("`issuer` `{iss}` is not a URL")),
                }
            }
            if problems.is_empty() {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "the {} metadata at `{}`: {}",
                    if oidc {
                        "OpenID provider"
                    } else {
                        "authorization server"
                    },
                    e.request.endpoint(),
                    problems.join("; ")
                ),
            )
            .strength(Strength::Direct)
            .text(
                e.index,
                "response.body",
                format!("missing: {}", missing.join(", ")),
            )
            .emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DISC005
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks the endpoint URLs of each discovery document (`*_endpoint`, `jwks_uri`) against
    /// the host the document was fetched from: an internal host (`localhost`, a container or
    /// single-label name, a private IP, `*.svc.cluster.local`, `*.internal`) other than the
    /// fetch host, or plain `http` on a non-loopback host. When a later call to such an
    /// endpoint failed, the finding explains that failure.
    ///
    /// ## Why it fails
    /// The server builds its metadata from the URL it *thinks* it has: behind a reverse proxy or
    /// in a container without its public URL configured it advertises `http://keycloak:8080/…`
    /// or an internal load balancer, which the client cannot reach (connection errors, 404) or
    /// reaches without TLS.
    ///
    /// ## Example
    /// Fetched from `https://login.example.org/realms/acme/.well-known/openid-configuration`:
    /// `token_endpoint: http://keycloak:8080/realms/acme/protocol/openid-connect/token`.
    ///
    /// ## Fix
    /// Set the server's public (frontend) URL and make it honour `X-Forwarded-*` / `Forwarded`
    /// headers from the proxy.
    ///
    /// ## References
    /// RFC 8414 §2; OIDC Discovery §3; RFC 7239
    pub struct Disc005 {
        code: "DISC005",
        name: "metadata-internal-endpoints",
        title: "endpoints advertise internal or insecure urls",
        category: EndpointUrl,
        severity: Error,
        kind: Diag,
        fix: "set the server's public URL and forwarded-header handling so metadata advertises reachable https endpoints",
        references: ["RFC 8414 §2", "OIDC Discovery §3", "RFC 7239"],
    }
}

impl Rule for Disc005 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in discovery_exchanges(cx.exchanges) {
            let Some(doc) = e
                .response
                .as_ref()
                .filter(|r| r.is_success())
                .and_then(|r| r.json.as_ref())
                .and_then(Value::as_object)
            else {
                continue;
            };
            let Some(fetch_host) = e.request.host().map(str::to_ascii_lowercase) else {
                continue;
            };
            let fetched_https = e.request.url.starts_with("https://");
            let mut bad: Vec<(String, String, &'static str)> = Vec::new();
            for (field, v) in doc {
                if !(field.ends_with("_endpoint") || field == "jwks_uri") {
                    continue;
                }
                let Some(u) = v.as_str() else { continue };
                let Ok(parsed) = url::Url::parse(u) else {
                    continue;
                };
                let Some(host) = parsed.host_str().map(str::to_ascii_lowercase) else {
                    continue;
                };
                let why = if is_internal(&host)
                    && host != fetch_host
                    && !(is_loopback(&host) && is_loopback(&fetch_host))
                {
                    "an internal host"
                } else if parsed.scheme() == "http"
                    && !is_loopback(&host)
                    && (fetched_https || host != fetch_host)
                {
                    "plain http"
                } else {
                    continue;
                };
                bad.push((field.clone(), u.to_string(), why));
            }
            if bad.is_empty() {
                continue;
            }
            bad.sort();
            // The failure this explains: a later exchange whose error names the unreachable host
            // (ENOTFOUND, ETIMEDOUT, connection refused), else a failed call to the endpoint. A
            // call that succeeded shows the client can reach it.
            let mut anchor = e.index;
            let mut used_ok = Vec::new();
            for (_, u, _) in &bad {
                let host = host_of(u).unwrap_or_default();
                for o in cx.exchanges.iter().skip(e.index + 1) {
                    if is_failure(o) && anchor == e.index && names_unreachable(o, &host) {
                        anchor = o.index;
                    }
                    if !trim_slash(&o.request.endpoint()).eq_ignore_ascii_case(trim_slash(u)) {
                        continue;
                    }
                    if is_failure(o)
                        || o.response
                            .as_ref()
                            .is_some_and(|r| r.transport_error.is_some())
                    {
                        if anchor == e.index {
                            anchor = o.index;
                        }
                    } else if o.response.is_some() {
                        used_ok.push(u.clone());
                    }
                }
            }
            bad.retain(|(_, u, why)| *why == "plain http" || !used_ok.contains(u));
            if bad.is_empty() {
                continue;
            }
            // Most useful first: the endpoints every client calls.
            let weight = |f: &str| match f {
                "token_endpoint" => 0,
                "jwks_uri" => 1,
                "authorization_endpoint" => 2,
                "userinfo_endpoint" => 3,
                _ => 4,
            };
            bad.sort_by_key(|(f, _, _)| weight(f));
            // One clause per advertised origin.
            let mut by_origin: Vec<(String, &'static str, Vec<&str>)> = Vec::new();
            for (f, u, why) in &bad {
                let o = url::Url::parse(u)
                    .map(|x| x.origin().ascii_serialization())
                    .unwrap_or_else(|_| u.clone());
                match by_origin
                    .iter_mut()
                    .find(|(bo, bw, _)| *bo == o && bw == why)
                {
                    Some((_, _, fs)) => fs.push(f),
                    None => by_origin.push((o, why, vec![f])),
                }
            }
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the metadata fetched from `{fetch_host}` advertises {}{}",
                        by_origin
                            .iter()
                            .map(|(o, why, fs)| format!(
                                "`{o}` ({why}) for {}",
                                fs.iter()
                                    .map(|f| format!("`{f}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                            .collect::<Vec<_>>()
                            .join("; "),
                        if anchor != e.index {
                            format!("; exchange {} failed reaching it", anchor + 1)
                        } else {
                            String::new()
                        }
                    ),
                )
                .strength(Strength::Direct);
            for (f, u, _) in bad.iter().take(4) {
                rep = rep.text(e.index, format!("response.body.{f}"), u.clone());
            }
            if anchor != e.index {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DISC006
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a fetch of a key set (`jwks_uri` from the metadata, or a JWKS-shaped URL) that did
    /// not return usable keys: a non-2xx status, a body that is not JSON, no `keys` array, or
    /// an empty one. When a later token validation failed with a key or signature error, the
    /// finding explains that failure.
    ///
    /// ## Why it fails
    /// Without the issuer's public keys no signature can be verified: every token is
    /// rejected. Causes: a wrong `jwks_uri` (hand-built, another tenant), a proxy answering
    /// with HTML, a server with no active signing key (all keys disabled or not yet
    /// generated).
    ///
    /// ## Example
    /// `GET https://idp.example.com/oauth2/jwks` → `200 {"keys":[]}`.
    ///
    /// ## Fix
    /// Use the `jwks_uri` of the issuer's metadata and make sure the issuer has at least one
    /// active signing key published.
    ///
    /// ## References
    /// RFC 7517 §5; OIDC Discovery §3; RFC 8414 §2
    pub struct Disc006 {
        code: "DISC006",
        name: "jwks-unusable",
        title: "jwks unreachable, empty or malformed",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "use the `jwks_uri` from the issuer's metadata and publish at least one active signing key",
        references: ["RFC 7517 §5", "OIDC Discovery §3", "RFC 8414 §2"],
    }
}

impl Rule for Disc006 {
    fn check(&self, cx: &mut Context<'_>) {
        let jwks_uris: Vec<String> = cx
            .index
            .metadata
            .iter()
            .filter_map(|(_, d)| d.get("jwks_uri").and_then(Value::as_str))
            .map(|s| trim_slash(s).to_ascii_lowercase())
            .collect();
        for e in cx.exchanges {
            let ep = trim_slash(&e.request.endpoint()).to_ascii_lowercase();
            let path = e.request.path().to_ascii_lowercase();
            if !(e.kind == Kind::Jwks
                || jwks_uris.contains(&ep)
                || path.ends_with("/jwks")
                || path.ends_with("/jwks.json"))
                || e.request.method != "GET"
            {
                continue;
            }
            let Some(r) = &e.response else { continue };
            if r.status == 0 {
                continue;
            }
            let why = if !r.is_success() {
                format!("status {}", r.status)
            } else if r.body.is_none() {
                continue;
            } else if r.is_html() {
                "an HTML page".to_string()
            } else {
                match r.json.as_ref() {
                    None => "a body that is not JSON".to_string(),
                    Some(j) => match j.get("keys") {
                        None => "JSON without a `keys` array".to_string(),
                        Some(Value::Array(a)) if a.is_empty() => {
                            "an empty `keys` array".to_string()
                        }
                        Some(Value::Array(_)) => continue,
                        Some(_) => "`keys` that is not an array".to_string(),
                    },
                }
            };
            let anchor = if is_failure(e) {
                e.index
            } else {
                later_failure(
                    cx,
                    e.index,
                    &["signature", "kid", "signing key", "no matching key", "jwk"],
                )
                .unwrap_or(e.index)
            };
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the key set request `GET {}` got {why}: no key to verify signatures",
                        e.request.endpoint()
                    ),
                )
                .strength(Strength::Direct)
                .text(e.index, "response.status", r.status.to_string());
            if anchor != e.index || is_failure(e) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DISC007
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Compares what the client uses with what the matching discovery document advertises:
    /// `grant_type` with `grant_types_supported`, `response_type` with
    /// `response_types_supported`, `response_mode` with `response_modes_supported` (default
    /// `query`, `fragment`), the client authentication method with
    /// `token_endpoint_auth_methods_supported` (default `client_secret_basic`),
    /// `code_challenge_method` with `code_challenge_methods_supported`, and the DPoP proof
    /// `alg` with `dpop_signing_alg_values_supported`. The document is matched by endpoint URL.
    ///
    /// ## Why it fails
    /// A capability the server does not list is likely disabled or unsupported; metadata can be
    /// incomplete, so this is advice. Deviation from the catalogue: when
    /// `grant_types_supported` is absent, RFC 8414's default (`authorization_code`,
    /// `implicit`) is *not* applied — most servers omit the member while supporting refresh
    /// and client credentials, and the warning would be noise.
    ///
    /// ## Example
    /// `token_endpoint_auth_methods_supported: ["private_key_jwt"]` while the client sends
    /// `Authorization: Basic …`.
    ///
    /// ## Fix
    /// Align the client with the advertised capabilities, or confirm with the provider that
    /// the capability is enabled for the client.
    ///
    /// ## References
    /// RFC 8414 §2; OIDC Discovery §3; RFC 9449 §5.1; RFC 7636 §4.3
    pub struct Disc007 {
        code: "DISC007",
        name: "capability-not-advertised",
        title: "capability used that metadata does not list",
        category: Other,
        severity: Warning,
        kind: Lint,
        fix: "use a capability the server advertises, or confirm with the provider that it is enabled",
        references: ["RFC 8414 §2", "OIDC Discovery §3", "RFC 9449 §5.1"],
    }
}

/// The client authentication method a token-endpoint request uses.
fn auth_method(e: &Exchange) -> Option<&'static str> {
    let r = &e.request;
    if let Some((scheme, _)) = r.authorization() {
        if scheme.eq_ignore_ascii_case("basic") {
            return Some("client_secret_basic");
        }
    }
    if let Some(a) = r.form.get("client_assertion") {
        let alg = crate::oauth::jwt::decode(a)
            .ok()
            .and_then(|d| d.alg().map(str::to_string))
            .unwrap_or_default();
        return Some(if alg.starts_with("HS") {
            "client_secret_jwt"
        } else {
            "private_key_jwt"
        });
    }
    if r.form.get("client_secret").is_some() {
        return Some("client_secret_post");
    }
    if r.form.get("client_id").is_some() {
        return Some("none");
    }
    None
}

impl Rule for Disc007 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            let mut uses: Vec<(String, &'static str, Vec<String>, Category, String)> = Vec::new();
            match e.kind {
                Kind::Token => {
                    let Some(md) = super::jwt::metadata_for(cx, "token_endpoint", e) else {
                        continue;
                    };
                    if let (Some(g), Some(list)) = (
                        e.request.form.get("grant_type"),
                        str_list(md, "grant_types_supported"),
                    ) {
                        if !list.contains(&g) {
                            uses.push((
                                format!("`grant_type={g}`"),
                                "grant_types_supported",
                                list.iter().map(|s| s.to_string()).collect(),
                                Category::GrantType,
                                "request.body.grant_type".into(),
                            ));
                        }
                    }
                    if let Some(m) = auth_method(e) {
                        let list = str_list(md, "token_endpoint_auth_methods_supported")
                            .unwrap_or_else(|| vec!["client_secret_basic"]);
                        // A public client sending only client_id is not an authentication method
                        // a server must list when it supports public clients through PKCE.
                        let public_default = m == "none"
                            && md.get("token_endpoint_auth_methods_supported").is_none();
                        if !(list.contains(&m) || public_default) {
                            uses.push((
                                format!("client authentication `{m}`"),
                                "token_endpoint_auth_methods_supported",
                                list.iter().map(|s| s.to_string()).collect(),
                                Category::Credentials,
                                "request".into(),
                            ));
                        }
                    }
                }
                Kind::Authorize => {
                    let Some(md) = super::jwt::metadata_for(cx, "authorization_endpoint", e) else {
                        continue;
                    };
                    if let (Some(rt), Some(list)) = (
                        e.request.query.get("response_type"),
                        str_list(md, "response_types_supported"),
                    ) {
                        let norm = |s: &str| {
                            let mut v: Vec<&str> = s.split(' ').filter(|p| !p.is_empty()).collect();
                            v.sort_unstable();
                            v.join(" ")
                        };
                        if !list.iter().any(|l| norm(l) == norm(rt)) {
                            uses.push((
                                format!("`response_type={rt}`"),
                                "response_types_supported",
                                list.iter().map(|s| s.to_string()).collect(),
                                Category::GrantType,
                                "request.query.response_type".into(),
                            ));
                        }
                    }
                    if let Some(rm) = e.request.query.get("response_mode") {
                        let list = str_list(md, "response_modes_supported")
                            .unwrap_or_else(|| vec!["query", "fragment"]);
                        if !list.contains(&rm) {
                            uses.push((
                                format!("`response_mode={rm}`"),
                                "response_modes_supported",
                                list.iter().map(|s| s.to_string()).collect(),
                                Category::Parameters,
                                "request.query.response_mode".into(),
                            ));
                        }
                    }
                    if let (Some(m), Some(list)) = (
                        e.request.query.get("code_challenge_method"),
                        str_list(md, "code_challenge_methods_supported"),
                    ) {
                        if !list.contains(&m) {
                            uses.push((
                                format!("`code_challenge_method={m}`"),
                                "code_challenge_methods_supported",
                                list.iter().map(|s| s.to_string()).collect(),
                                Category::Pkce,
                                "request.query.code_challenge_method".into(),
                            ));
                        }
                    }
                }
                _ => {}
            }
            // DPoP proof algorithms at the authorization server.
            if matches!(e.kind, Kind::Token | Kind::Par) {
                if let Some(md) = super::jwt::metadata_for(
                    cx,
                    if e.kind == Kind::Token {
                        "token_endpoint"
                    } else {
                        "pushed_authorization_request_endpoint"
                    },
                    e,
                ) {
                    if let Some(list) = str_list(md, "dpop_signing_alg_values_supported") {
                        for p in e.request.headers.get_all("dpop") {
                            if let Some(alg) = crate::oauth::jwt::decode(p)
                                .ok()
                                .and_then(|d| d.alg().map(str::to_string))
                            {
                                if !list.contains(&alg.as_str()) {
                                    uses.push((
                                        format!("DPoP proof `alg: {alg}`"),
                                        "dpop_signing_alg_values_supported",
                                        list.iter().map(|s| s.to_string()).collect(),
                                        Category::SignatureKey,
                                        "request.headers.dpop".into(),
                                    ));
                                }
                            }
                        }
                    }
                }
            }
            for (what, field, list, category, at) in uses {
                cx.report(
                    e.index,
                    format!(
                        "`{}` uses {what}, which the metadata's `{field}` does not list ({})",
                        e.request.endpoint(),
                        if list.is_empty() {
                            "empty".to_string()
                        } else {
                            list.iter()
                                .map(|s| format!("`{s}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    ),
                )
                .category(category)
                .strength(Strength::Direct)
                .text(e.index, at, what.trim_matches('`').to_string())
                .text(e.index, format!("metadata.{field}"), list.join(", "))
                .emit();
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// DISC008
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a 404 on an introspection, revocation, device-authorization or PAR request whose
    /// URL is not the one the issuer's metadata advertises for that endpoint — either the
    /// metadata names another URL, or it names none (the feature is not enabled).
    ///
    /// ## Why it fails
    /// The URL was guessed from another endpoint's shape (`/oauth2/introspect` next to
    /// `/oauth2/token`) or copied from another provider's documentation; servers that do not
    /// offer the feature do not advertise it. When a resource server's failure is caused by
    /// the 404 (it introspects while handling the call and says so), the finding explains that
    /// failure and is an error rather than the catalogue's warning.
    ///
    /// ## Example
    /// `POST https://idp.example.com/oauth2/revoke` → `404`, while the metadata has no
    /// `revocation_endpoint`.
    ///
    /// ## Fix
    /// Use the endpoints the metadata advertises; when it advertises none, the feature is not
    /// enabled for this server or tenant.
    ///
    /// ## References
    /// RFC 8414 §2; RFC 7662 §2; RFC 7009 §2; RFC 8628 §4; RFC 9126 §5
    pub struct Disc008 {
        code: "DISC008",
        name: "endpoint-not-advertised",
        title: "client calls an endpoint the authorization server does not advertise",
        category: EndpointUrl,
        severity: Warning,
        kind: Diag,
        fix: "use the endpoints the metadata advertises; when none is advertised the feature is not enabled",
        references: ["RFC 8414 §2", "RFC 7662 §2", "RFC 7009 §2", "RFC 8628 §4", "RFC 9126 §5"],
    }
}

impl Rule for Disc008 {
    fn check(&self, cx: &mut Context<'_>) {
        if cx.index.metadata.is_empty() {
            return;
        }
        for e in cx.exchanges {
            if e.status() != Some(404) {
                continue;
            }
            let path = e.request.path().to_ascii_lowercase();
            let (field, what) = match e.kind {
                Kind::Introspection => ("introspection_endpoint", "introspection"),
                Kind::Revocation => ("revocation_endpoint", "revocation"),
                Kind::DeviceAuthorization => {
                    ("device_authorization_endpoint", "device authorization")
                }
                Kind::Par => (
                    "pushed_authorization_request_endpoint",
                    "pushed authorization",
                ),
                _ if path.contains("introspect") => ("introspection_endpoint", "introspection"),
                _ if path.contains("revoke") || path.contains("revocation") => {
                    ("revocation_endpoint", "revocation")
                }
                _ if path.contains("device") => {
                    ("device_authorization_endpoint", "device authorization")
                }
                _ if path.ends_with("/par") => (
                    "pushed_authorization_request_endpoint",
                    "pushed authorization",
                ),
                _ => continue,
            };
            let host = e.request.host().map(str::to_ascii_lowercase);
            // The metadata of this server: same host as the request, else the only one.
            let docs: Vec<(usize, &Map<String, Value>)> = cx
                .index
                .metadata
                .iter()
                .filter_map(|(i, d)| d.as_object().map(|o| (*i, o)))
                .collect();
            let md = docs
                .iter()
                .find(|(_, d)| {
                    d.get("issuer").and_then(Value::as_str).and_then(host_of) == host
                        || d.get("token_endpoint")
                            .and_then(Value::as_str)
                            .and_then(host_of)
                            == host
                })
                .or_else(|| (docs.len() == 1).then(|| &docs[0]));
            let Some((md_ex, md)) = md else { continue };
            let advertised = md.get(field).and_then(Value::as_str);
            let ep = e.request.endpoint();
            if advertised.is_some_and(|a| trim_slash(a).eq_ignore_ascii_case(trim_slash(&ep))) {
                continue;
            }
            let message = match advertised {
                Some(a) => format!(
                    "`{} {ep}` got 404; the metadata advertises the {what} endpoint at `{a}`",
                    e.request.method
                ),
                None => format!(
                    "`{} {ep}` got 404 and the metadata advertises no `{field}`: the server does not offer {what} (or not for this tenant)",
                    e.request.method
                ),
            };
            // A resource request that failed because of this call (the API introspects while
            // handling it) is the outcome it explains.
            let keyword = what.split(' ').next().unwrap_or(what);
            let keyword = &keyword[..keyword.len().min(9)];
            let caller = cx.exchanges[..e.index].iter().rev().find(|r| {
                matches!(r.kind, Kind::Resource | Kind::Userinfo)
                    && is_failure(r)
                    && (failure_text(r).contains(keyword) || contains_in_time(r, e))
            });
            let anchor = caller.map(|r| r.index).unwrap_or(e.index);
            let mut rep = cx
                .report(
                    anchor,
                    match caller {
                        Some(r) => format!(
                            "{message}; the API call `{} {}` failed because of it",
                            r.request.method,
                            r.request.endpoint()
                        ),
                        None => message,
                    },
                )
                .strength(if advertised.is_some() {
                    Strength::Recomputed
                } else {
                    Strength::Direct
                })
                .confirmed()
                .text(e.index, "request.url", ep.clone())
                .text(
                    *md_ex,
                    format!("response.body.{field}"),
                    advertised.unwrap_or("(absent)"),
                );
            if caller.is_some() {
                // It broke the user's call: an error, not the catalogue's warning.
                rep = rep.severity(Severity::Error);
            }
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// DISC009
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Reports a resource server 401 whose `WWW-Authenticate` challenge carries
    /// `resource_metadata=` (RFC 9728): the resource server names its protected-resource
    /// metadata, which lists the authorization servers it trusts and the scopes it needs. When
    /// the capture holds that document and the presented token's `iss` is not among its
    /// `authorization_servers`, it says so.
    ///
    /// ## Why it fails
    /// The client obtained its token from an authorization server (or with scopes) the resource
    /// does not accept; the challenge tells it where to look instead. MCP servers and other
    /// RFC 9728 resources rely on this for discovery.
    ///
    /// ## Example
    /// `401 WWW-Authenticate: Bearer resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"`.
    ///
    /// ## Fix
    /// Fetch the protected-resource metadata, obtain a token from one of its
    /// `authorization_servers` with the scopes in `scopes_supported`, and retry.
    ///
    /// ## References
    /// RFC 9728 §2, §5.1
    pub struct Disc009 {
        code: "DISC009",
        name: "resource-metadata-hint",
        title: "resource server points to its metadata",
        category: AudienceIssuer,
        severity: Info,
        kind: Diag,
        fix: "fetch the protected-resource metadata and obtain a token from one of its `authorization_servers` with the scopes it lists",
        references: ["RFC 9728 §2", "RFC 9728 §5.1"],
    }
}

impl Rule for Disc009 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            let Some(r) = &e.response else { continue };
            if r.status != 401 {
                continue;
            }
            let Some(rm) = r
                .headers
                .get_all("www-authenticate")
                .map(www_auth::parse)
                .find_map(|c| c.get("resource_metadata").map(str::to_string))
            else {
                continue;
            };
            // The protected-resource metadata document, when captured.
            let prm = cx.exchanges.iter().find_map(|o| {
                (trim_slash(&o.request.endpoint()) == trim_slash(&rm))
                    .then(|| {
                        o.response
                            .as_ref()?
                            .json
                            .as_ref()?
                            .as_object()
                            .map(|d| (o.index, d))
                    })
                    .flatten()
            });
            let mut extra = String::new();
            let mut strength = Strength::Direct;
            let mut severity = Severity::Info;
            if let Some((_, d)) = prm {
                let servers = str_list(d, "authorization_servers").unwrap_or_default();
                let token = e.request.presented_token();
                let iss = token
                    .as_deref()
                    .and_then(|t| crate::oauth::jwt::decode(t).ok())
                    .and_then(|d| d.claim_str("iss").map(str::to_string));
                if let Some(iss) = iss {
                    if !servers.is_empty()
                        && !servers.iter().any(|s| trim_slash(s) == trim_slash(&iss))
                    {
                        extra = format!(
                            "; the token's issuer `{iss}` is not among its `authorization_servers` ({})",
                            servers
                                .iter()
                                .map(|s| format!("`{s}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                        strength = Strength::Recomputed;
                        severity = Severity::Error;
                    }
                } else if !servers.is_empty() {
                    extra = format!(
                        "; it trusts {}",
                        servers
                            .iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            }
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "`{}` answered 401 and points to its protected-resource metadata `{rm}`{extra}",
                        e.request.endpoint()
                    ),
                )
                .severity(severity)
                .strength(strength)
                .confirmed()
                .text(e.index, "response.headers.www-authenticate.resource_metadata", rm.clone());
            if let Some((i, _)) = prm {
                rep = rep.text(i, "request.url", rm.clone());
            }
            rep.emit();
        }
    }
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
