//! `CRED002` multiple-client-auth-methods: more than one client authentication method in one request.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a request to the token, PAR, introspection or revocation endpoint that
    /// authenticates the client in more than one way: an `Authorization: Basic` header, a
    /// `client_secret` parameter, a `client_assertion`. A bare `client_id` in the body is not an
    /// authentication method and is not counted.
    ///
    /// ## Why it fails
    /// RFC 6749 §2.3 says a client must not use more than one authentication method per
    /// request, and strict servers (node-oidc-provider, Keycloak, Spring Authorization Server)
    /// reject such requests with `invalid_request` or `invalid_client`. It usually happens when a
    /// library adds Basic credentials by default and the application also posts its secret.
    ///
    /// ## Example
    /// `Authorization: Basic d2lk…` plus `client_id=widgets-web&client_secret=…` in the body →
    /// `400 {"error":"invalid_request","error_description":"client authentication must only be provided using one mechanism"}`.
    ///
    /// ## Fix
    /// Send exactly one method: the one registered as the client's
    /// `token_endpoint_auth_method`.
    ///
    /// ## References
    /// RFC 6749 §2.3; RFC 7521 §4.2
    pub struct Cred002 {
        code: "CRED002",
        name: "multiple-client-auth-methods",
        title: "more than one client authentication method in one request",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "send exactly one client authentication method: the one registered as the client's `token_endpoint_auth_method`",
        references: ["RFC 6749 §2.3", "RFC 7521 §4.2"],
        explains_errors: [("invalid_client", 7), ("invalid_request", 3)],
        explains_statuses: [(ClientAuthUnauthorized, 6)],
    }
}

impl Rule for Cred002 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let methods = auth_methods(&e.request);
            if methods.len() < 2 {
                continue;
            }
            let names: Vec<String> = methods.iter().map(|(m, _)| format!("`{m}`")).collect();
            let (_, desc) = server_error(e);
            let mut rep = cx.report(
                e.index,
                format!(
                    "the {} request authenticates the client {} ways at once: {}{}",
                    e.kind.as_str(),
                    methods.len(),
                    names.join(" and "),
                    outcome(e)
                ),
            );
            if ["one mechanism", "multiple", "more than one", "only one"]
                .iter()
                .any(|w| desc.contains(w))
            {
                rep = rep.confirmed();
            }
            for (m, at) in &methods {
                rep = match *at {
                    "request.headers.authorization" => rep.secret(
                        e.index,
                        *at,
                        e.request.headers.get("authorization").unwrap_or(""),
                    ),
                    _ => rep.text(e.index, *at, format!("present ({m})")),
                };
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
