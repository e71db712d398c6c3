//! `PARAM013` malformed-bearer-header: malformed authorization header at the resource server.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks the `Authorization` header of calls to resource servers and UserInfo (RFC 6750
    /// §2.1): it must be `Bearer <token>` (scheme case-insensitive) with a token made of b64token
    /// characters (letters, digits, `-._~+/`, trailing `=`). It reports a token without a scheme,
    /// `Bearer:`, `Bearer Bearer …`, a quoted token, whitespace or line breaks inside the token,
    /// characters outside b64token, and — on a rejected call — another scheme such as `Token` or
    /// `JWT`. GitHub documents `token` as an alternative scheme, so it is not reported there.
    ///
    /// ## Why it fails
    /// The resource server cannot extract the token: it answers `invalid_request`, treats the
    /// call as unauthenticated (a bare `Bearer` challenge), or rejects the garbled token as
    /// `invalid_token`.
    ///
    /// ## Example
    /// `Authorization: Bearer "eyJ…"` (a JSON-encoded token string) →
    /// `400 WWW-Authenticate: Bearer error="invalid_request"`.
    ///
    /// ## Fix
    /// Send exactly `Authorization: Bearer <token>`, with the raw token string.
    ///
    /// ## References
    /// RFC 6750 §2.1, §3.1; RFC 9110 §11.6.2
    pub struct Param013 {
        code: "PARAM013",
        name: "malformed-bearer-header",
        title: "malformed authorization header at the resource server",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send exactly `Authorization: Bearer <token>` with the raw token string",
        references: ["RFC 6750 §2.1", "RFC 6750 §3.1", "RFC 9110 §11.6.2"],
        explains_statuses: [
            (UserinfoUnauthorized, 6), (ResourceUnauthorized, 2), (ResourceBadRequest, 0),
        ],
        absorbs: ["STAT008", "STAT007"],
    }
}

impl Rule for Param013 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            if !matches!(e.kind, Kind::Resource | Kind::Userinfo | Kind::Other) {
                continue;
            }
            let Some(value) = e.request.headers.get("authorization") else {
                continue;
            };
            let Some((what, needs_failure)) = bearer_defect(value) else {
                continue;
            };
            if (needs_failure || e.kind == Kind::Other) && !e.failed() {
                continue;
            }
            if needs_failure && e.provider == Some("github") {
                continue;
            }
            if e.kind == Kind::Other && !matches!(e.status(), Some(400 | 401 | 403)) {
                continue;
            }
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "malformed `Authorization` header on the call to `{}`: {what}{}",
                        e.request.endpoint(),
                        outcome(e)
                    ),
                )
                .secret(e.index, "request.headers.authorization", value);
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
