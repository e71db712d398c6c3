//! `PROV004` provider-authorize-error-page: authorization error page carries a provider code.

use super::*;

declare_rule! {
    /// ## What it does
    /// Reads an authorization-endpoint error page — shown instead of a redirect back to the
    /// client — for the provider's code and matches it against the knowledge base: Entra's
    /// "Sorry, but we're having trouble signing you in" with `AADSTS50011`, Google's "400.
    /// That's an error." with `Error 400: redirect_uri_mismatch` or `Error: invalid_client`,
    /// Spotify's `INVALID_CLIENT: Invalid redirect URI`, node-oidc-provider's "oops! something
    /// went wrong".
    ///
    /// ## Why it fails
    /// When the client_id is unknown or the redirect_uri is not registered the provider must not
    /// redirect, so the browser shows a page and the application never hears about it. The page
    /// carries the provider's code, which names the cause exactly.
    ///
    /// ## Example
    /// `GET https://login.microsoftonline.com/common/oauth2/v2.0/authorize?…&redirect_uri=https://app.example/cb`
    /// → `400` HTML "AADSTS50011: The redirect URI '…' specified in the request does not match
    /// the redirect URIs configured for the application".
    ///
    /// ## Fix
    /// Apply the entry's fix: usually register the exact redirect URI, or use the right
    /// client_id for the tenant or project.
    ///
    /// ## References
    /// RFC 6749 §3.1.2.4, §4.1.2.1; the provider's documentation linked in each finding
    pub struct Prov004 {
        code: "PROV004",
        name: "provider-authorize-error-page",
        title: "authorization error page carries a provider code",
        category: RedirectUri,
        severity: Error,
        kind: Diag,
        fix: "follow the provider's documented fix for the code on the page (`oauth-doctor explain CODE`)",
        references: ["RFC 6749 §4.1.2.1"],
        absorbs: ["STAT013"],
    }
}

impl Rule for Prov004 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            if e.kind != Kind::Authorize {
                continue;
            }
            let Some(r) = &e.response else { continue };
            if r.is_redirect() || !(r.status == 200 || (400..500).contains(&r.status)) {
                continue;
            }
            let Some(p) = provider_of(cx, e.index) else {
                continue;
            };
            let x = matcher::extract(p, e);
            if !x.page {
                continue;
            }
            let ms = matcher::best(p, &x);
            let Some(m) = ms.first() else { continue };
            // A 200 page is an error page only when its visible text shows the code (a sign-in
            // page's scripts may mention codes it handles).
            if r.status == 200
                && !matcher::visible_text(r.body.as_deref().unwrap_or("")).contains(m.code.as_str())
            {
                continue;
            }
            let seen = format!(
                "the authorization request got a {} error page instead of a redirect, showing",
                r.status
            );
            report_matches(cx, e, p, &ms, &x, &seen);
        }
    }
}
