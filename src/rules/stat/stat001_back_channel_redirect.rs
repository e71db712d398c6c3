//! `STAT001` back-channel-redirect: token endpoint answered with a redirect.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a token, PAR, introspection, revocation or device-authorization request that was
    /// answered with a redirect (301/302/303/307/308).
    ///
    /// ## Why it fails
    /// Back-channel OAuth endpoints never redirect. A redirect means the URL is wrong: `http`
    /// upgraded to `https` (clients then re-send the POST as a GET and the body is lost), a
    /// trailing-slash normalisation, or a gateway sending the call to an SSO login page.
    ///
    /// ## Example
    /// `POST http://idp.example.com/oauth2/token` → `301 Location: https://idp.example.com/oauth2/token`,
    /// then `GET https://idp.example.com/oauth2/token` → `405`.
    ///
    /// ## Fix
    /// Call the exact `token_endpoint` from the issuer's metadata over https; never follow
    /// redirects for token requests; exempt back-channel calls from SSO gateways.
    ///
    /// ## References
    /// RFC 6749 §3.2; RFC 9110 §15.4
    pub struct Stat001 {
        code: "STAT001",
        name: "back-channel-redirect",
        title: "token endpoint answered with a redirect",
        category: EndpointUrl,
        severity: Error,
        kind: Diag,
        fix: "call the exact https `token_endpoint` from the issuer's metadata and do not follow redirects on token requests",
        references: ["RFC 6749 §3.2", "RFC 9110 §15.4"],
        explains_statuses: [(BackChannelRedirect, 0), (MethodNotAllowed, 1)],
        absorbs: ["STAT004", "PARAM002", "GRANT001", "STAT003"],
    }
}

impl Rule for Stat001 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            if !e.kind.is_back_channel() || !r.is_redirect() {
                continue;
            }
            let loc = r.location().unwrap_or("");
            let from = e.request.endpoint();
            let detail = if from.starts_with("http://") && loc.starts_with("https://") {
                "the server upgrades http to https; the client re-sends the POST as a GET and the body is lost"
            } else if loc.trim_end_matches('/') == from.trim_end_matches('/') {
                "the server normalises a trailing slash"
            } else if ["login", "signin", "sso", "auth"]
                .iter()
                .any(|w| loc.to_ascii_lowercase().contains(w))
            {
                "the request was sent to a login page: a wrong URL or a gateway intercepting back-channel calls"
            } else {
                "back-channel endpoints never redirect; the URL is not the token endpoint"
            };
            cx.report(
                e.index,
                format!(
                    "`{} {}` got {} to `{}`: {}",
                    e.request.method, from, r.status, loc, detail
                ),
            )
            .text(e.index, "response.status", status_text(e))
            .text(e.index, "response.headers.location", loc)
            .emit();
        }
    }
}
