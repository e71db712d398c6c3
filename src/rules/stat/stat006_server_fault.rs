//! `STAT006` server-fault: the authorization server or a gateway failed.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags 5xx answers and `server_error` / `temporarily_unavailable` error codes from OAuth
    /// endpoints, noting gateway pages (502/504 HTML) and latency.
    ///
    /// ## Why it fails
    /// The authorization server, or a proxy in front of it, failed. Look for a client-side cause
    /// elsewhere in the capture first (a code redeemed twice behind a proxy that turns the
    /// `invalid_grant` into a 502): it outranks this rule when present.
    ///
    /// ## Example
    /// `POST /oauth/token` → `502 Bad Gateway` with an nginx HTML page after 60 s.
    ///
    /// ## Fix
    /// Retry idempotent calls with backoff, but never blindly retry an authorization-code
    /// redemption; check the server's health and its upstreams.
    ///
    /// ## References
    /// RFC 6749 §4.1.2.1, §5.2; RFC 7009 §2.2.1
    pub struct Stat006 {
        code: "STAT006",
        name: "server-fault",
        title: "the authorization server or a gateway failed",
        category: ServerError,
        severity: Error,
        kind: Diag,
        fix: "retry idempotent calls with backoff (never an authorization-code redemption) and check the server and its gateway",
        references: ["RFC 6749 §4.1.2.1", "RFC 6749 §5.2"],
        explains_errors: [("server_error", 0), ("temporarily_unavailable", 0)],
        explains_statuses: [(TokenServerError, 4), (ServerError, 0)],
    }
}

impl Rule for Stat006 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            let err = e.server_error();
            let code_says = err
                .as_ref()
                .is_some_and(|x| x.code == "server_error" || x.code == "temporarily_unavailable");
            if !(r.status >= 500 || code_says) || matches!(e.kind, Kind::Other | Kind::Preflight) {
                continue;
            }
            let gateway = matches!(r.status, 502 | 504) && r.is_html();
            let mut msg = format!(
                "`{} {}` answered {}",
                e.request.method,
                e.request.endpoint(),
                r.status
            );
            if let Some(x) = &err {
                msg.push_str(&format!(" with `{}`", x.code));
            }
            if gateway {
                msg.push_str(" from a gateway (HTML error page)");
            }
            if let Some(ms) = e.duration_ms.filter(|ms| *ms >= 10_000.0) {
                msg.push_str(&format!(
                    " after {:.0} s, close to a proxy timeout",
                    ms / 1000.0
                ));
            }
            let mut rep = cx
                .report(e.index, msg)
                .text(e.index, "response.status", status_text(e));
            if let Some(x) = err {
                rep = rep.text(e.index, x.at, x.code);
            }
            rep.emit();
        }
    }
}
