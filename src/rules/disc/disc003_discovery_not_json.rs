//! `DISC003` discovery-not-json: discovery response not usable json.

use super::*;

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
        explains_statuses: [(MetadataNotUsable, 0)],
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
