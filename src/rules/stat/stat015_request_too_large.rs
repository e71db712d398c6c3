//! `STAT015` request-too-large: request URI or headers too large.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags 413, 414 and 431 answers, and 400s to requests with a very long URL or
    /// `Authorization` header.
    ///
    /// ## Why it fails
    /// A request object passed by value, a huge `state`, a token bloated with group claims or
    /// accumulated cookies exceed the server's or proxy's limits.
    ///
    /// ## Example
    /// `GET /authorize?request=eyJ…(12 KB)` → `414 URI Too Long`.
    ///
    /// ## Fix
    /// Use PAR (`request_uri`), shrink `state`, trim token claims or use reference tokens.
    ///
    /// ## References
    /// RFC 9110 §15.5.15; RFC 6585 §5; RFC 9126 §2.3
    pub struct Stat015 {
        code: "STAT015",
        name: "request-too-large",
        title: "request URI or headers too large",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "use PAR (`request_uri`) for large authorization requests, shrink `state`, trim token claims or cookies",
        references: ["RFC 9110 §15.5.15", "RFC 6585 §5", "RFC 9126 §2.3"],
        explains_statuses: [(TokenBadRequest, 5), (ServerError, 1), (TooLarge, 0)],
    }
}

impl Rule for Stat015 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            let url_len = e.request.url.len();
            let auth_len = e.request.headers.get("authorization").map_or(0, str::len);
            let cookie_len: usize = e.request.headers.get_all("cookie").map(str::len).sum();
            let too_big = matches!(r.status, 413 | 414 | 431 | 494)
                || (r.status == 400 && (url_len > 8000 || auth_len > 8000 || cookie_len > 8000));
            if !too_big {
                continue;
            }
            let url_problem =
                r.status == 414 || (url_len > 8000 && auth_len <= 8000 && cookie_len <= 8000);
            let message = format!(
                "the server answered {} to a request with a {url_len}-byte URL, {auth_len}-byte Authorization header and {cookie_len} bytes of cookies",
                r.status
            );
            cx.report(e.index, message)
                .category(if url_problem {
                    Category::Parameters
                } else {
                    Category::Other
                })
                .text(e.index, "response.status", status_text(e))
                .emit();
        }
    }
}
