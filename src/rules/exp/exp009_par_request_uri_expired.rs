//! `EXP009` par-request-uri-expired: pushed request_uri expired before use.

use super::*;

declare_rule! {
    /// ## What it does
    /// For every pushed authorization request (PAR) in the capture, finds the authorization
    /// request that used its `request_uri` and compares the time between the PAR response and
    /// that request with the PAR response's `expires_in`; reports it when the authorization
    /// request failed.
    ///
    /// ## Why it fails
    /// A `request_uri` is short-lived (RFC 9126 §2.2, typically 60 s) and single-use (§4). A
    /// browser sent to the authorization endpoint late (a slow page, a queued redirect) or a
    /// `request_uri` reused on a second attempt gets `invalid_request_uri`.
    ///
    /// ## Example
    /// PAR at 10:00:00 → `201 {"request_uri":"urn:ietf:params:oauth:request_uri:…","expires_in":60}`;
    /// authorization request with it at 10:02:31 → `error=invalid_request_uri`.
    ///
    /// ## Fix
    /// Redirect the browser right after the PAR call and push a new request for each attempt.
    ///
    /// ## References
    /// RFC 9126 §2.2, §4
    pub struct Exp009 {
        code: "EXP009",
        name: "par-request-uri-expired",
        title: "pushed request_uri expired before use",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "redirect the browser immediately after the PAR call and push a new request for every attempt",
        references: ["RFC 9126 §2.2", "RFC 9126 §4"],
        explains_errors: [("invalid_request_uri", 0)],
    }
}

impl Rule for Exp009 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for p in ex.iter().filter(|e| e.kind == Kind::Par && e.succeeded()) {
            let Some(uri) = p.response.as_ref().and_then(|r| r.field("request_uri")) else {
                continue;
            };
            let Some(life) = number_field(p, "expires_in") else {
                continue;
            };
            for az in ex.iter().filter(|a| {
                a.kind == Kind::Authorize && a.request.query.get("request_uri") == Some(uri)
            }) {
                let (Some(d), Some(s)) = (p.done_ms(), az.sent_ms()) else {
                    continue;
                };
                let gap = (s - d) / 1000;
                if gap <= life {
                    continue;
                }
                // The failure: on the authorization request itself, or the next authorization
                // response.
                let anchor = if az.failed() {
                    Some(az.index)
                } else {
                    idx.authz_responses
                        .iter()
                        .filter(|a| a.exchange >= az.index && a.params.has("error"))
                        .map(|a| a.exchange)
                        .next()
                };
                let Some(anchor) = anchor else { continue };
                let says_request = ex
                    .get(anchor)
                    .is_some_and(|x| signal_is(x, &["invalid_request"]));
                let message = format!(
                    "the `request_uri` pushed in exchange #{} (`expires_in` {life}) was used {} later, {} after it expired",
                    p.number(),
                    human_duration(gap),
                    human_duration(gap.saturating_sub(life))
                );
                cx.report(anchor, message)
                    .strength(Strength::Recomputed)
                    .confirmed_if(says_request)
                    .text(p.index, "response.body.expires_in", life.to_string())
                    .text(az.index, "request.query.request_uri", uri)
                    .emit();
            }
        }
    }
}
