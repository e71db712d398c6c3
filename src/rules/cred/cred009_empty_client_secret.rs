//! `CRED009` empty-client-secret: empty client secret sent.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a `client_secret` parameter sent with an empty value, and Basic credentials whose
    /// password is empty (`base64("client_id:")`).
    ///
    /// ## Why it fails
    /// An empty secret is not the same as no secret. Public clients must omit client
    /// authentication entirely (RFC 6749 §2.1) and rely on PKCE; many servers treat an empty
    /// `client_secret` as a `client_secret_post` attempt with a wrong secret, or an empty Basic
    /// password as a failed `client_secret_basic`, and answer `invalid_client`.
    ///
    /// ## Example
    /// A single-page app's config template always sends `client_secret=` →
    /// `401 {"error":"invalid_client"}`.
    ///
    /// ## Fix
    /// Omit `client_secret` and the Basic header for public clients; authenticate the
    /// transaction with PKCE only. A confidential client must send its real secret.
    ///
    /// ## References
    /// RFC 6749 §2.1, §2.3.1; RFC 7636 §1
    pub struct Cred009 {
        code: "CRED009",
        name: "empty-client-secret",
        title: "empty client secret sent",
        category: Credentials,
        severity: Warning,
        kind: Diag,
        fix: "omit `client_secret` (and the Basic header) entirely for public clients and use PKCE; a confidential client must send its real secret",
        references: ["RFC 6749 §2.1", "RFC 6749 §2.3.1", "RFC 7636 §1"],
        explains_errors: [("invalid_client", 6)],
        explains_statuses: [(ClientAuthUnauthorized, 7)],
    }
}

impl Rule for Cred009 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let req = &e.request;
            let empty_body = body_param(req, "client_secret").is_some_and(|s| s.trim().is_empty())
                || (body_param(req, "client_secret").is_none()
                    && req
                        .query
                        .get("client_secret")
                        .is_some_and(|s| s.trim().is_empty()));
            if empty_body {
                let message = format!(
                    "the {} request sends `client_secret` with an empty value; a public client must omit it{}",
                    e.kind.as_str(),
                    outcome(e)
                );
                let mut rep = cx.report(e.index, message).text(
                    e.index,
                    "request.body.client_secret",
                    "(empty)",
                );
                rep = with_server_signal(rep, e);
                rep.emit();
                continue;
            }
            let Some(b) = req.basic_credentials() else {
                continue;
            };
            if let Some((id, secret)) = b.raw_parts() {
                if secret.is_empty() {
                    let message = format!(
                        "the Basic credentials of client `{}` have an empty password; a public client must send no Basic header{}",
                        basic::form_decode(id),
                        outcome(e)
                    );
                    let mut rep = cx.report(e.index, message).secret(
                        e.index,
                        "request.headers.authorization",
                        req.headers.get("authorization").unwrap_or(""),
                    );
                    rep = with_server_signal(rep, e);
                    rep.emit();
                }
            }
        }
    }
}
