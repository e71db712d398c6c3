//! `CRED004` auth-method-not-supported: client authentication method not supported by the server.

use super::*;

declare_rule! {
    /// ## What it does
    /// Infers the client authentication method of a rejected request (`client_secret_basic`,
    /// `client_secret_post`, `private_key_jwt`, `client_secret_jwt`, or `none` when only a
    /// `client_id` is sent) and compares it with the endpoint's `*_auth_methods_supported` list
    /// in the capture's discovery document (RFC 8414 §2). When the list is absent the default
    /// `client_secret_basic` applies; the finding is then only a heuristic, since metadata is
    /// often incomplete.
    ///
    /// ## Why it fails
    /// Servers accept only the methods they implement, and each client is registered for one of
    /// them. Credentials sent by another method are ignored (the client then looks
    /// unauthenticated) or rejected with `invalid_client`.
    ///
    /// ## Example
    /// Metadata: `"token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"]`;
    /// the client posts `client_id` + `client_secret` in the body → `401 invalid_client`.
    ///
    /// ## Fix
    /// Use the method the client registration specifies (`token_endpoint_auth_method`) and that
    /// the server lists; align the client library's configuration with it.
    ///
    /// ## References
    /// RFC 8414 §2; OpenID Connect Core §9; OpenID Connect Discovery §3
    pub struct Cred004 {
        code: "CRED004",
        name: "auth-method-not-supported",
        title: "client authentication method not supported by the server",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "authenticate with the method the client is registered for and the server lists in `token_endpoint_auth_methods_supported`",
        references: ["RFC 8414 §2", "OpenID Connect Core §9", "OpenID Connect Discovery §3"],
        explains_errors: [("invalid_client", 4)],
        explains_statuses: [(ClientAuthUnauthorized, 4)],
    }
}

impl Rule for Cred004 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            if !client_auth_rejected(e) || e.kind == Kind::DeviceAuthorization {
                continue;
            }
            let md = cx.index.metadata_for(e);
            let Some(md_doc) = md else { continue };
            let (_, list_field) = endpoint_fields(e.kind);
            let (list, field, explicit) = match md_list(md, list_field) {
                Some(l) => (l, list_field, true),
                None => match md_list(md, "token_endpoint_auth_methods_supported") {
                    Some(l) => (l, "token_endpoint_auth_methods_supported", true),
                    None => (
                        vec!["client_secret_basic"],
                        "token_endpoint_auth_methods_supported",
                        false,
                    ),
                },
            };
            let methods = auth_methods(&e.request);
            let used: Vec<(&str, &str)> = if methods.is_empty() {
                if !explicit
                    || headers_may_be_stripped(cx, e)
                    || e.request.param("client_id").is_none()
                {
                    continue;
                }
                // At an mTLS alias the certificate is the credential.
                if md_doc
                    .get("mtls_endpoint_aliases")
                    .and_then(Value::as_object)
                    .is_some_and(|a| {
                        a.values()
                            .filter_map(Value::as_str)
                            .any(|u| same_url(u, &e.request.endpoint()))
                    })
                {
                    continue;
                }
                // The certificate may be the credential (tls_client_auth): CRED015's territory.
                if advertises_tls_auth(md) {
                    continue;
                }
                vec![("none", "request.body.client_id")]
            } else {
                methods
            };
            let missing: Vec<&(&str, &str)> =
                used.iter().filter(|(m, _)| !list.contains(m)).collect();
            if missing.is_empty() {
                continue;
            }
            let names: Vec<String> = missing.iter().map(|(m, _)| format!("`{m}`")).collect();
            let msg = if explicit {
                format!(
                    "the client authenticates with {} but the discovery document lists only {} in `{field}`{}",
                    names.join(" and "),
                    list.iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    outcome(e)
                )
            } else {
                format!(
                    "the client authenticates with {}; the discovery document has no `{field}`, so only the default `client_secret_basic` is known to work{}",
                    names.join(" and "),
                    outcome(e)
                )
            };
            let mut rep = cx
                .report(e.index, msg)
                .strength(if explicit {
                    Strength::Direct
                } else {
                    Strength::Heuristic
                })
                .text(e.index, missing[0].1, format!("method {}", missing[0].0))
                .text(e.index, field, format!("{list:?}"));
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
