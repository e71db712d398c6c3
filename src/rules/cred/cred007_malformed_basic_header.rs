//! `CRED007` malformed-basic-header: malformed basic authorization header.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks the syntax of `Authorization: Basic` at client-authenticating endpoints: the
    /// credentials must be one standard-base64 token (with padding) that decodes to
    /// `id:secret`. It reports clear-text `id:secret`, values that are not base64, the base64url
    /// alphabet or missing padding, a value base64-encoded twice, no `:` after decoding, the
    /// scheme repeated (`Basic Basic …`) or followed by a colon, embedded line breaks, an empty
    /// value, and more than one `Authorization` header. The scheme name is case-insensitive:
    /// `basic` is fine.
    ///
    /// ## Why it fails
    /// The server cannot recover the client_id and secret, so it answers `invalid_client`, an
    /// `invalid_request` about the header format, or sometimes 500.
    ///
    /// ## Example
    /// `Authorization: Basic billing-app:s3cret-value` →
    /// `400 {"error":"invalid_request","error_description":"invalid authorization header value format"}`.
    ///
    /// ## Fix
    /// Build `Basic base64(enc(id) ":" enc(secret))` with the standard base64 alphabet and
    /// padding, in a single header line.
    ///
    /// ## References
    /// RFC 7617 §2; RFC 9110 §11.6.2; RFC 4648 §4; RFC 6749 §2.3.1
    pub struct Cred007 {
        code: "CRED007",
        name: "malformed-basic-header",
        title: "malformed basic authorization header",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "send `Authorization: Basic base64(enc(client_id) \":\" enc(secret))` with standard base64 and padding, on one header line",
        references: ["RFC 7617 §2", "RFC 9110 §11.6.2", "RFC 4648 §4", "RFC 6749 §2.3.1"],
        explains_errors: [("invalid_client", 3)],
        explains_statuses: [(ClientAuthUnauthorized, 3)],
    }
}

impl Rule for Cred007 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let headers: Vec<&str> = e.request.headers.get_all("authorization").collect();
            let Some(first) = headers.first() else {
                continue;
            };
            let defect = if headers.len() > 1 {
                Some((
                    format!(
                        "the request carries {} `Authorization` headers",
                        headers.len()
                    ),
                    Strength::Direct,
                ))
            } else {
                basic_defect(first, e.request.basic_credentials().as_ref())
            };
            let Some((what, strength)) = defect else {
                continue;
            };
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "malformed `Authorization: Basic` header: {what}{}",
                        outcome(e)
                    ),
                )
                .strength(strength)
                .secret(e.index, "request.headers.authorization", *first);
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
