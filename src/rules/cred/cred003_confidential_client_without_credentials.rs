//! `CRED003` confidential-client-without-credentials: confidential client sent no credentials.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a rejected token (or PAR, introspection, revocation) request that carries no client
    /// authentication at all: no `Authorization` header, no `client_secret` parameter, no
    /// `client_assertion`, and no mTLS endpoint — while the server answered `invalid_client`,
    /// 401, or an `invalid_request` about missing client authentication. Credentials sent only
    /// in the URL query are called out: servers ignore them there.
    ///
    /// ## Why it fails
    /// A confidential client must authenticate at the token endpoint (RFC 6749 §3.2.1). Sending
    /// only `client_id` (and a PKCE verifier) is how a *public* client talks; a client registered
    /// as confidential is rejected. Common causes: a secret environment variable not mounted, a
    /// library configured for a public client, an SPA using a web-app registration.
    ///
    /// In a sanitized browser export (Chrome drops `Authorization` headers) the absence of a
    /// Basic header proves nothing; the finding is then only a heuristic.
    ///
    /// ## Example
    /// `grant_type=authorization_code&code=…&client_id=conf-basic&code_verifier=…` (no secret) →
    /// `401 {"error":"invalid_client","error_description":"client authentication failed"}`.
    ///
    /// ## Fix
    /// Add the registered authentication (Basic, `client_secret_post`, a client assertion). If
    /// the client really is public, register it as public (auth method `none`) and use PKCE.
    ///
    /// ## References
    /// RFC 6749 §2.3, §3.2.1
    pub struct Cred003 {
        code: "CRED003",
        name: "confidential-client-without-credentials",
        title: "confidential client sent no credentials",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "add the registered client authentication (Basic header, `client_secret`, or a client assertion); if the client is public, register it with auth method `none` and use PKCE",
        references: ["RFC 6749 §2.3", "RFC 6749 §3.2.1"],
        explains_errors: [("invalid_client", 0)],
        explains_statuses: [(ClientAuthUnauthorized, 0)],
    }
}

impl Rule for Cred003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.kind.is_back_channel()) {
            let req = &e.request;
            let (code, desc) = server_error(e);
            let status = e.status().unwrap_or(0);
            let says_missing = mentions_client_auth(&desc)
                && [
                    "required",
                    "missing",
                    "no client",
                    "not provided",
                    "none provided",
                    "mechanism provided",
                ]
                .iter()
                .any(|w| desc.contains(w));
            let rejected = match code.as_deref() {
                Some("invalid_request") => says_missing,
                Some(c) => is_client_auth_code(c) || (status == 401 && c != "unauthorized_client"),
                None => status == 401,
            };
            if !e.failed() || !rejected {
                continue;
            }
            // Assertion grants (RFC 7523 §2.1, RFC 7522) authenticate with the assertion itself.
            if req.param("grant_type").is_some_and(|g| {
                g.ends_with(":grant-type:jwt-bearer") || g.ends_with(":grant-type:saml2-bearer")
            }) {
                continue;
            }
            if req.authorization().is_some()
                || body_param(req, "client_secret").is_some()
                || body_param(req, "client_assertion").is_some()
            {
                continue;
            }
            // Certificate-bound clients authenticate in the TLS handshake (CRED015).
            let md = cx.index.metadata_for(e);
            if advertises_tls_auth(md) && mtls_alias_missed(cx.index, e).is_some() {
                continue;
            }
            if md
                .and_then(|m| m.get("mtls_endpoint_aliases"))
                .and_then(Value::as_object)
                .is_some_and(|a| {
                    a.values()
                        .filter_map(Value::as_str)
                        .any(|u| same_url(u, &req.endpoint()))
                })
            {
                continue;
            }
            let in_query: Vec<&str> = ["client_secret", "client_assertion"]
                .into_iter()
                .filter(|p| req.query.non_empty(p).is_some())
                .collect();
            let stripped = headers_may_be_stripped(cx, e);
            let client = body_param(req, "client_id")
                .or_else(|| req.query.get("client_id").map(str::to_string));
            let mut msg = format!(
                "the {} request{} carries no client authentication (no `Authorization` header, no `client_secret`, no `client_assertion`)",
                e.kind.as_str(),
                client
                    .as_deref()
                    .map(|c| format!(" of client `{c}`"))
                    .unwrap_or_default()
            );
            if !in_query.is_empty() {
                msg.push_str(&format!(
                    " in the body; `{}` was sent in the URL query, where servers ignore it",
                    in_query.join("`, `")
                ));
            }
            if req.param("code_verifier").is_some() {
                msg.push_str(
                    ", as a public client would, but the server treats it as confidential",
                );
            }
            msg.push_str(&outcome(e));
            if stripped {
                msg.push_str(
                    " (this may be a sanitized export whose `Authorization` headers were removed)",
                );
            }
            let mut rep = cx.report(e.index, msg).strength(if stripped {
                Strength::Heuristic
            } else {
                Strength::Direct
            });
            if says_missing {
                rep = rep.confirmed();
            }
            rep = rep.text(e.index, "request.headers.authorization", "(absent)");
            if let Some(c) = client {
                rep = rep.text(e.index, "request.body.client_id", c);
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
