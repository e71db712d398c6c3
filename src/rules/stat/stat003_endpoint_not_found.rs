//! `STAT003` endpoint-not-found: 404 on an authorization-server endpoint.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a 404 from an authorization-server endpoint (token, authorize, introspection,
    /// revocation, PAR, device authorization) and compares the URL with the endpoint the
    /// capture's discovery document announces.
    ///
    /// ## Why it fails
    /// The URL was hand-built: a wrong tenant or realm segment, a wrong API version path
    /// (`/oauth2/v2.0/token` vs `/oauth2/token`), a missing custom authorization-server id.
    ///
    /// ## Example
    /// `POST https://login.example.org/realms/acme/token` → `404`, while discovery says
    /// `token_endpoint: https://login.example.org/realms/acme/protocol/openid-connect/token`.
    ///
    /// ## Fix
    /// Take endpoint URLs from the issuer's metadata (`/.well-known/openid-configuration`).
    ///
    /// ## References
    /// RFC 8414 §2; OpenID Connect Discovery §3
    pub struct Stat003 {
        code: "STAT003",
        name: "endpoint-not-found",
        title: "404 on an authorization-server endpoint",
        category: EndpointUrl,
        severity: Error,
        kind: Diag,
        fix: "take endpoint URLs from the issuer's metadata instead of building them by hand",
        references: ["RFC 8414 §2", "OpenID Connect Discovery §3"],
        explains_statuses: [
            (BackChannelRedirect, 2), (BackChannelForbidden, 0), (EndpointNotFound, 0),
            (MetadataNotFound, 1),
        ],
    }
}

impl Rule for Stat003 {
    fn check(&self, cx: &mut Context<'_>) {
        let md = cx.index.metadata_doc().cloned();
        for (e, r) in responses(cx.exchanges) {
            if r.status != 404 || !(e.kind.is_back_channel() || e.kind == Kind::Authorize) {
                continue;
            }
            let field = match e.kind {
                Kind::Token => "token_endpoint",
                Kind::Authorize => "authorization_endpoint",
                Kind::Introspection => "introspection_endpoint",
                Kind::Revocation => "revocation_endpoint",
                Kind::Par => "pushed_authorization_request_endpoint",
                _ => "device_authorization_endpoint",
            };
            let announced = md
                .as_ref()
                .and_then(|m| m.get(field))
                .and_then(|v| v.as_str())
                .map(str::to_string);
            let url = e.request.endpoint();
            let kind = e.kind.as_str();
            let mut rep = match &announced {
                Some(a) if a.trim_end_matches('/') != url.trim_end_matches('/') => {
                    let message = format!(
                        "the {kind} request went to `{url}` and got 404; the discovery document announces `{field}` `{a}`"
                    );
                    cx.report(e.index, message).strength(Strength::Recomputed)
                }
                _ => {
                    let message = format!(
                        "the {kind} request to `{url}` got 404: the path, tenant or realm in the URL is wrong"
                    );
                    cx.report(e.index, message)
                }
            };
            rep = rep.text(e.index, "request.url", url.clone()).text(
                e.index,
                "response.status",
                "404",
            );
            if let Some(a) = announced {
                rep = rep.text(e.index, field, a);
            }
            rep.emit();
        }
    }
}
