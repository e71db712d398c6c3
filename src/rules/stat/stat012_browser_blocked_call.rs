//! `STAT012` browser-blocked-call: browser blocked the call (CORS / status 0).

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags browser requests that never got a usable response (HAR status 0 or an exporter
    /// `_error`, or a status recorded with Chrome's `net::ERR_FAILED`: received, then refused
    /// to the page), especially cross-origin calls with an `Origin` header, and failing CORS
    /// preflights. Top-level page loads are not subject to CORS and are left out.
    ///
    /// ## Why it fails
    /// The browser blocked the call: the server did not answer the preflight or did not send
    /// `Access-Control-Allow-Origin` for the single-page app's origin. The JavaScript sees a
    /// network error and no body.
    ///
    /// ## Example
    /// `POST https://idp.example.com/oauth2/token` with `Origin: https://app.example.com` →
    /// status 0, `_error: net::ERR_FAILED`.
    ///
    /// ## Fix
    /// Enable CORS for the app's origin at the authorization server (public clients) or make the
    /// token call from a backend.
    ///
    /// ## References
    /// WHATWG Fetch (CORS protocol); RFC 6749 §3.2
    pub struct Stat012 {
        code: "STAT012",
        name: "browser-blocked-call",
        title: "browser blocked the call (CORS / status 0)",
        category: Other,
        severity: Error,
        kind: Diag,
        fix: "allow the app's origin in the server's CORS settings, or make the call from a backend",
        references: ["WHATWG Fetch §3.2 (CORS protocol)", "RFC 6749 §3.2"],
        explains_statuses: [(BackChannelForbidden, 1), (NoResponse, 1)],
        absorbs: ["STAT", "EXP", "JWT"],
    }
}

impl Rule for Stat012 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            let preflight_failed = e.kind == Kind::Preflight
                && (r.status >= 400
                    || (r.status != 0 && !r.headers.contains("access-control-allow-origin")));
            let withheld = e.blocked_by_browser();
            if !(r.status == 0 || preflight_failed || withheld) {
                continue;
            }
            if withheld {
                report_withheld(cx, e, r.status);
                continue;
            }
            // A page load is not subject to CORS (WHATWG Fetch, "navigate" mode): its status 0
            // is a hop the exporter did not record (no error) or a connection failure (STAT017).
            if r.status == 0 && e.request.is_navigation() {
                continue;
            }
            // Only OAuth calls: a blocked analytics beacon or image is not the user's problem,
            // nor is a request an extension blocked on purpose.
            if e.kind == Kind::Other
                || r.transport_error
                    .as_deref()
                    .is_some_and(|x| x.contains("BLOCKED_BY_CLIENT"))
            {
                continue;
            }
            // A connection-level failure outside a browser is STAT017's.
            if r.status == 0
                && r.transport_error.is_some()
                && !e.request.headers.contains("origin")
                && e.kind != Kind::Preflight
            {
                continue;
            }
            if r.status == 0
                && e.request.headers.get("origin").is_none()
                && r.transport_error.is_none()
                && e.kind == Kind::Other
            {
                continue;
            }
            let why = r
                .transport_error
                .clone()
                .unwrap_or_else(|| "no response".into());
            cx.report(
                e.index,
                format!(
                    "`{} {}` never got a usable response ({why}){}",
                    e.request.method,
                    e.request.endpoint(),
                    if e.request.headers.contains("origin") {
                        "; it is a cross-origin browser call"
                    } else {
                        ""
                    }
                ),
            )
            .strength(if e.request.headers.contains("origin") {
                Strength::Direct
            } else {
                Strength::Heuristic
            })
            .text(e.index, "response.status", status_text(e))
            .emit();
        }
    }
}

/// A call the server answered but the browser withheld from the page: say so, with the
/// preflight that went before it when the capture has one.
fn report_withheld(cx: &mut Context<'_>, e: &Exchange, status: u16) {
    let origin = e.request.headers.get("origin").unwrap_or("?").to_string();
    let preflight = cx.exchanges[..e.index].iter().rev().find(|p| {
        p.kind == Kind::Preflight
            && crate::model::flow::same_endpoint(&p.request.url, &e.request.url)
    });
    let before = preflight.map_or(String::new(), |p| {
        format!(
            "; its CORS preflight (#{}) got {}{}",
            p.number(),
            p.status()
                .map_or("no answer".to_string(), |s| s.to_string()),
            if p.response
                .as_ref()
                .is_some_and(|r| r.headers.contains("access-control-allow-origin"))
            {
                ""
            } else {
                " without `Access-Control-Allow-Origin`"
            }
        )
    });
    let mut rep = cx
        .report(
            e.index,
            format!(
                "`{} {}` got {status}, but the browser withheld the answer from the page ({}): it grants the origin `{origin}` no access (no `Access-Control-Allow-Origin`){before}",
                e.request.method,
                e.request.endpoint(),
                e.response
                    .as_ref()
                    .and_then(|r| r.transport_error.as_deref())
                    .unwrap_or("blocked"),
            ),
        )
        .strength(Strength::Direct)
        .confirmed()
        .text(e.index, "response.status", status.to_string())
        .text(e.index, "request.headers.origin", origin);
    if let Some(p) = preflight {
        rep = rep.text(
            p.index,
            "response.status",
            p.status().map_or("0".to_string(), |s| s.to_string()),
        );
    }
    rep.emit();
}
