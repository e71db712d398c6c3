//! `CRED016` client-id-not-configured: a request identifies another client than the
//! `client_id` of the configuration file.

use super::*;

declare_rule! {
    /// ## What it does
    /// When the configuration file sets `client_id`, reads the client every authorization, PAR,
    /// device authorization, token, introspection and revocation request identifies (the
    /// `client_id` parameter of the query or body, the client of Basic credentials) and reports
    /// each other client_id once, at the first request that sends it, whether or not the
    /// request failed. Without `client_id` the rule does nothing.
    ///
    /// ## Why it fails
    /// Credentials, redirect URIs, grants and scopes are registered per client. An application
    /// deployed with another environment's client_id (a staging registration in production, a
    /// copied configuration) fails with `invalid_client` or `unauthorized_client`, or signs users
    /// in to the wrong registration. A platform team that pins the client in
    /// `oauth-doctor.toml` catches it in CI.
    ///
    /// ## Example
    /// `client_id = "orders-portal"`; the token request sends `client_id=orders-portal-staging`.
    ///
    /// ## Fix
    /// Deploy the application with the configured client_id (and that client's credentials),
    /// or correct `client_id` in the configuration if the registration really changed.
    ///
    /// ## References
    /// RFC 6749 §2.2, §2.3.1, §4.1.1
    pub struct Cred016 {
        code: "CRED016",
        name: "client-id-not-configured",
        title: "request identifies another client than the configured client_id",
        category: Credentials,
        severity: Error,
        kind: Both,
        fix: "deploy the configured client_id and its credentials, or correct `client_id` in the configuration",
        references: ["RFC 6749 §2.2", "RFC 6749 §2.3.1"],
    }
}

impl Rule for Cred016 {
    fn check(&self, cx: &mut Context<'_>) {
        let Some(expected) = cx.options.client_id.clone() else {
            return;
        };
        let expected = expected.trim().to_string();
        if expected.is_empty() {
            return;
        }
        let mut seen: std::collections::BTreeSet<String> = Default::default();
        for e in cx.exchanges.iter().filter(|e| {
            matches!(
                e.kind,
                Kind::Authorize
                    | Kind::Par
                    | Kind::DeviceAuthorization
                    | Kind::Token
                    | Kind::Introspection
                    | Kind::Revocation
            )
        }) {
            let mut sent: Vec<(&str, String)> = Vec::new();
            if let Some(q) = e.request.query.get("client_id") {
                sent.push(("request.query.client_id", q.to_string()));
            }
            if let Some(b) = body_param(&e.request, "client_id") {
                sent.push(("request.body.client_id", b));
            }
            if let Some(id) = e
                .request
                .basic_credentials()
                .and_then(|b| b.decoded_id().map(|s| s.to_string()))
            {
                sent.push(("request.headers.authorization.username", id));
            }
            for (at, id) in sent {
                let id = id.trim().to_string();
                if id.is_empty() || id == expected || !seen.insert(id.clone()) {
                    continue;
                }
                let message = format!(
                    "the {} request identifies client `{id}` but the configuration expects `client_id = {expected}`",
                    e.kind.as_str()
                );
                cx.report(e.index, message)
                    .strength(Strength::Direct)
                    .text(e.index, at, id)
                    .emit();
            }
        }
    }
}
