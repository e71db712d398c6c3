//! `DEV005` device-request-denied: user denied the device request.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a device-code poll answered `access_denied`: the user (or a policy) refused the
    /// request at the verification page.
    ///
    /// ## Why it fails
    /// Nothing is broken: the user declined. The client must stop polling and say so instead of
    /// reporting an error or retrying.
    ///
    /// ## Example
    /// `POST /token` (device code) → `400 {"error":"access_denied"}`.
    ///
    /// ## Fix
    /// Stop polling and tell the user the request was declined; offer to start again.
    ///
    /// ## References
    /// RFC 8628 §3.5
    pub struct Dev005 {
        code: "DEV005",
        name: "device-request-denied",
        title: "user denied the device request",
        category: ScopeConsent,
        severity: Info,
        kind: Diag,
        fix: "stop polling and tell the user the request was declined",
        references: ["RFC 8628 §3.5"],
        explains_errors: [("access_denied", 1)],
    }
}

impl Rule for Dev005 {
    fn check(&self, cx: &mut Context<'_>) {
        for p in pollings(cx.exchanges) {
            let Some(e) = p
                .polls
                .iter()
                .find(|e| poll_error(e).as_deref() == Some("access_denied"))
            else {
                continue;
            };
            let message = "the device-code poll got `access_denied`: the user or a policy declined the request at the verification page";
            cx.report(e.index, message)
                .strength(Strength::Direct)
                .confirmed()
                .text(e.index, "response.body.error", "access_denied")
                .emit();
        }
    }
}
