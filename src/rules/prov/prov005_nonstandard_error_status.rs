//! `PROV005` nonstandard-error-status: token error sent with a non-standard HTTP status.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a token-endpoint error from RFC 6749 §5.2 sent with an HTTP status the RFC does not
    /// use for it: Auth0 answers `invalid_grant` with 403, older Keycloak versions answer
    /// `unauthorized_client` with 401, some gateways turn errors into 404 or 422.
    ///
    /// ## Why it fails
    /// §5.2 answers every token error with 400, and only `invalid_client` with 401. Clients and
    /// SDKs that branch on the status misreport these: a 403 becomes "permission denied" or a
    /// retry, a 401 becomes "wrong client secret", and the body with the real cause is never
    /// read.
    ///
    /// ## Example
    /// `POST https://tenant.auth0.com/oauth/token` (refresh_token grant) → `403`
    /// `{"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}`
    ///
    /// ## Fix
    /// Diagnose token errors by the `error` member, not the status; treat any 4xx from the token
    /// endpoint as an OAuth error response and read its body.
    ///
    /// ## References
    /// RFC 6749 §5.2; Auth0 Authentication API, standard error responses
    pub struct Prov005 {
        code: "PROV005",
        name: "nonstandard-error-status",
        title: "token error sent with a non-standard HTTP status",
        category: Other,
        severity: Warning,
        kind: Diag,
        fix: "branch on the `error` member of the token response, not on the HTTP status",
        references: ["RFC 6749 §5.2", "https://auth0.com/docs/api/authentication"],
    }
}

/// RFC 6749 §5.2 token-endpoint error codes: all answered with 400, `invalid_client` may be 401.
const TOKEN_ERRORS: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
];

impl Rule for Prov005 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            if e.kind != Kind::Token {
                continue;
            }
            let Some(status) = e.status() else { continue };
            if status == 400 || !(401..500).contains(&status) {
                continue;
            }
            let Some(err) = e.server_error() else {
                continue;
            };
            let code = err.code.as_str();
            if !TOKEN_ERRORS.contains(&code) || (code == "invalid_client" && status == 401) {
                continue;
            }
            let who = provider_of(cx, e.index)
                .map(display_name)
                .unwrap_or("the server");
            let expected = if code == "invalid_client" {
                "400 or 401"
            } else {
                "400"
            };
            let message = format!(
                "`{code}` came with HTTP {status} from {who}; RFC 6749 §5.2 uses {expected} for it, so status-based error handling misreads it"
            );
            cx.report(e.index, message)
                .strength(Strength::Direct)
                .text(e.index, "response.status", status.to_string())
                .text(e.index, err.at, code.to_string())
                .emit();
        }
    }
}
