//! `CRED006` client-id-mismatch-basic-body: client_id differs between the basic header and the body.

use super::*;

declare_rule! {
    /// ## What it does
    /// Decodes the `Authorization: Basic` username (form-decoded, RFC 6749 §2.3.1) and compares
    /// it with the `client_id` in the request body. Identities that are equal after decoding
    /// (`reporting%40acme` and `reporting@acme`) are not reported.
    ///
    /// ## Why it fails
    /// A request may repeat its client_id in the body, but it must be the client that
    /// authenticates. Two different identities — a leftover staging client_id in a copied
    /// config, a client_id from another tenant — make the server reject the request, usually
    /// with `invalid_client`.
    ///
    /// ## Example
    /// Basic username `orders-sync-prod`, body `client_id=orders-sync-staging` →
    /// `401 {"error":"invalid_client"}`.
    ///
    /// ## Fix
    /// Use one client identity consistently; drop the redundant body client_id or correct it.
    ///
    /// ## References
    /// RFC 6749 §2.3.1, §3.2.1
    pub struct Cred006 {
        code: "CRED006",
        name: "client-id-mismatch-basic-body",
        title: "client_id differs between the basic header and the body",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "use one client identity: drop the body `client_id` or make it equal to the Basic username",
        references: ["RFC 6749 §2.3.1", "RFC 6749 §3.2.1"],
        explains_errors: [("invalid_client", 5)],
        explains_statuses: [(ClientAuthUnauthorized, 5)],
    }
}

impl Rule for Cred006 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let Some(b) = e.request.basic_credentials() else {
                continue;
            };
            let Some(basic_id) = b.decoded_id() else {
                continue;
            };
            let Some(body_id) = body_param(&e.request, "client_id").filter(|c| !c.is_empty())
            else {
                continue;
            };
            if basic_id == body_id {
                continue;
            }
            // An unencoded `:` inside the client_id is CRED001's finding.
            if b.decoded
                .as_deref()
                .is_some_and(|d| d.starts_with(&format!("{body_id}:")))
            {
                continue;
            }
            let message = format!(
                "the Basic credentials authenticate client `{basic_id}` but the body says `client_id={body_id}`{}",
                outcome(e)
            );
            cx.report(e.index, message)
                .text(e.index, "request.headers.authorization.username", basic_id)
                .text(e.index, "request.body.client_id", body_id)
                .emit();
        }
    }
}
