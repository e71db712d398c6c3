//! `DISC002` well-known-url-construction: well-known url built incorrectly.

use super::*;

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
        explains_statuses: [(EndpointNotFound, 2), (MetadataNotFound, 0)],
        absorbs: ["STAT003", "JWT003"],
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
