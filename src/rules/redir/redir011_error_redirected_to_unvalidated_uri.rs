//! `REDIR011` error-redirected-to-unvalidated-uri: authorization server redirects errors to an unvalidated redirect_uri.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an authorization server that redirected the browser to a `redirect_uri` it had
    /// itself declared invalid: the error in the `Location` is about the redirect URI.
    ///
    /// ## Why it fails
    /// When the redirect URI is missing, invalid or not registered the server must not redirect
    /// to it (RFC 6749 §4.1.2.1) but show an error page: redirecting anywhere an attacker
    /// names makes the server an open redirector. The client's failure itself is the redirect
    /// URI (REDIR001); this finding is about the server.
    ///
    /// ## Example
    /// `GET /authorize?redirect_uri=https%3A%2F%2Fevil.example%2F…` →
    /// `302 Location: https://evil.example/?error=invalid_request&error_description=redirect_uri+not+registered`.
    ///
    /// ## Fix
    /// An authorization-server defect: report it to the server's operator; fix the client's
    /// redirect URI meanwhile.
    ///
    /// ## References
    /// RFC 6749 §4.1.2.1, §10.15; RFC 9700 §4.11.2
    pub struct Redir011 {
        code: "REDIR011",
        name: "error-redirected-to-unvalidated-uri",
        title: "authorization server redirects errors to an unvalidated redirect_uri",
        category: RedirectUri,
        severity: Warning,
        kind: Lint,
        fix: "report the open redirect to the authorization server's operator and fix the client's redirect URI",
        references: ["RFC 6749 §4.1.2.1", "RFC 9700 §4.11.2"],
    }
}

impl Rule for Redir011 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.kind == Kind::Authorize) {
            let Some(rej) = redirect_rejection(e) else {
                continue;
            };
            if !rej.via_location {
                continue;
            }
            let (Some(ru), Some(loc)) = (
                e.request.param("redirect_uri"),
                e.response.as_ref().and_then(|r| r.location()),
            ) else {
                continue;
            };
            if strip_uri(loc) != strip_uri(&ru) {
                continue;
            }
            let message = format!(
                "the authorization server declared `redirect_uri` `{ru}` invalid ({}) and still redirected the browser to it",
                rej.what
            );
            cx.report(e.index, message)
                .strength(Strength::Direct)
                .text(e.index, "response.headers.location", strip_uri(loc))
                .emit();
        }
    }
}
