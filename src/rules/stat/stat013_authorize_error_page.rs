//! `STAT013` authorize-error-page: authorization endpoint showed an error page instead of redirecting.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an authorization request answered with an error page (200/400 HTML, no redirect
    /// back to the client) and reads the page for what it blames.
    ///
    /// ## Why it fails
    /// When the `client_id` is unknown or the `redirect_uri` is not registered, the
    /// authorization server must not redirect (it cannot trust the URI), so it shows an error
    /// page: "Invalid parameter: redirect_uri", "redirect_uri_mismatch", "invalid_client".
    ///
    /// ## Example
    /// `GET /realms/acme/protocol/openid-connect/auth?…&redirect_uri=http://localhost:3000/cb`
    /// → `400` HTML "We are sorry… Invalid parameter: redirect_uri".
    ///
    /// ## Fix
    /// Register the exact redirect URI (or send the registered one byte for byte) and check the
    /// client_id belongs to this realm / tenant.
    ///
    /// ## References
    /// RFC 6749 §3.1.2.4, §4.1.2.1
    pub struct Stat013 {
        code: "STAT013",
        name: "authorize-error-page",
        title: "authorization endpoint showed an error page instead of redirecting",
        category: RedirectUri,
        severity: Error,
        kind: Diag,
        fix: "register the exact redirect_uri (or send the registered one byte for byte) and check the client_id exists in this tenant or realm",
        references: ["RFC 6749 §3.1.2.4", "RFC 6749 §4.1.2.1"],
        explains_statuses: [(AuthorizeRejected, 0)],
    }
}

impl Rule for Stat013 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            if e.kind != Kind::Authorize
                || r.is_redirect()
                || r.status < 200
                || !(r.status == 200 || (400..500).contains(&r.status))
            {
                continue;
            }
            let body = r.body.as_deref().unwrap_or("");
            if r.status == 200 && !r.is_html() {
                continue;
            }
            let text = page_text(body);
            let low = text.to_ascii_lowercase();
            let error_page = r.status >= 400
                || [
                    "error",
                    "sorry",
                    "invalid",
                    "mismatch",
                    "not registered",
                    "doesn't",
                    "does not",
                ]
                .iter()
                .any(|w| low.contains(w));
            if !error_page {
                continue; // a login page
            }
            let (cat, blame) = if ["redirect", "reply url", "callback"]
                .iter()
                .any(|w| low.contains(w))
            {
                (Category::RedirectUri, "the redirect URI")
            } else if ["client", "application", "app "]
                .iter()
                .any(|w| low.contains(w))
            {
                (Category::Credentials, "the client_id")
            } else if low.contains("scope") {
                (Category::ScopeConsent, "the scope")
            } else {
                (Category::Parameters, "a request parameter")
            };
            let snippet: String = text.chars().take(160).collect();
            let message = format!(
                "the authorization request got a {} error page instead of a redirect; the page blames {blame}: \"{snippet}\"",
                r.status
            );
            cx.report(e.index, message)
                .category(cat)
                .strength(Strength::Heuristic)
                .text(e.index, "response.status", status_text(e))
                .text(
                    e.index,
                    "request.query.redirect_uri",
                    e.request.query.get("redirect_uri").unwrap_or("(none)"),
                )
                .emit();
        }
    }
}
