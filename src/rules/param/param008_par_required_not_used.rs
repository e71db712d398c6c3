//! `PARAM008` par-required-not-used: pushed authorization request required but not used.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an authorization request that carries its parameters in the browser URL (no
    /// `request_uri`) although the discovery document says
    /// `require_pushed_authorization_requests: true`.
    ///
    /// ## Why it fails
    /// A server that requires PAR (RFC 9126 §5) rejects front-channel authorization requests,
    /// usually with `invalid_request` in the redirect or on an error page. The requirement can
    /// also be set per client, which metadata does not show.
    ///
    /// ## Example
    /// Metadata `"require_pushed_authorization_requests": true`; `GET /authorize?response_type=code&client_id=…`
    /// → `error=invalid_request&error_description=pushed authorization request is required`.
    ///
    /// ## Fix
    /// POST the authorization parameters to the `pushed_authorization_request_endpoint` first,
    /// then send only `client_id` and the returned `request_uri` to the authorization endpoint.
    ///
    /// ## References
    /// RFC 9126 §4, §5
    pub struct Param008 {
        code: "PARAM008",
        name: "par-required-not-used",
        title: "pushed authorization request required but not used",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "push the authorization request to the PAR endpoint first and send only `client_id` and `request_uri` to the authorization endpoint",
        references: ["RFC 9126 §4", "RFC 9126 §5"],
        explains_statuses: [(AuthorizeRejected, 5)],
    }
}

impl Rule for Param008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for az in cx.exchanges.iter().filter(|e| e.kind == Kind::Authorize) {
            if az.request.query.has("request_uri") {
                continue;
            }
            let md = cx.index.metadata_for(az);
            if md
                .and_then(|m| m.get("require_pushed_authorization_requests"))
                .and_then(Value::as_bool)
                != Some(true)
            {
                continue;
            }
            let anchor = authorize_anchor(cx, az);
            let message = format!(
                "the discovery document sets `require_pushed_authorization_requests`, but the authorization request sends its parameters in the URL without a `request_uri`{}",
                outcome(&ex[anchor])
            );
            let mut rep = cx
                .report(anchor, message)
                .text(az.index, "request.query.request_uri", "(absent)")
                .text(
                    az.index,
                    "metadata.require_pushed_authorization_requests",
                    "true",
                );
            rep = with_server_signal(rep, &ex[anchor]);
            rep.emit();
        }
    }
}
