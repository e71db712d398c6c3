//! `GRANT002` grant-type-not-enabled: grant type not enabled for this client.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a failed token request whose `grant_type` is well formed but not usable: the server
    /// answered `unauthorized_client`, `unsupported_grant_type`, or an error whose description
    /// says the grant is not allowed for the client; or the capture's discovery document lists
    /// `grant_types_supported` without it.
    ///
    /// ## Why it fails
    /// Each client registration enables a set of grant types (RFC 7591 §2 `grant_types`), and the
    /// authorization server supports a set (RFC 8414 §2 `grant_types_supported`). A web-app
    /// client asking for `client_credentials`, or a client without the `refresh_token` grant
    /// trying to refresh, is refused even though the request is well formed.
    ///
    /// ## Example
    /// `POST /token` `grant_type=client_credentials` by a client registered for
    /// `authorization_code` only → `400 {"error":"unauthorized_client"}`.
    ///
    /// ## Fix
    /// Enable the grant type in the client registration / authorization-server policy, or use a
    /// grant the client is allowed.
    ///
    /// ## References
    /// RFC 6749 §5.2 (unauthorized_client); RFC 7591 §2 (grant_types); RFC 8414 §2
    pub struct Grant002 {
        code: "GRANT002",
        name: "grant-type-not-enabled",
        title: "grant type not enabled for this client",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "enable the grant type in the client registration or server policy, or use a grant type the client is allowed",
        references: ["RFC 6749 §5.2", "RFC 7591 §2", "RFC 8414 §2"],
        explains_errors: [("unauthorized_client", 0), ("unsupported_grant_type", 3)],
    }
}

fn says_grant_not_allowed(err: &Option<ServerError>) -> bool {
    let Some(d) = err.as_ref().and_then(|x| x.description.as_deref()) else {
        return false;
    };
    let d = d.to_ascii_lowercase();
    let grantish =
        d.contains("grant") || d.contains("direct access") || d.contains("service account");
    let refused = [
        "not allowed",
        "not authorized",
        "not authorised",
        "not enabled",
        "not permitted",
        "unauthorized",
        "disabled",
    ]
    .iter()
    .any(|w| d.contains(w));
    grantish && refused
}

impl Rule for Grant002 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for e in ex.iter().filter(|e| e.is_token_request() && e.failed()) {
            let Some(g) = e.grant_type() else { continue };
            if !grant_is_well_formed(&g) {
                continue;
            }
            let err = err_of(e);
            let std = crate::providers::standard_code(e);
            let code = std.as_deref().or(err.as_ref().map(|x| x.code.as_str()));
            let client = token_identity(e)
                .map(|(c, _)| format!(" for client `{c}`"))
                .unwrap_or_default();
            let listed = idx
                .metadata_announcing("token_endpoint", &e.request.endpoint())
                .and_then(|(i, d)| {
                    let list = d.get("grant_types_supported")?.as_array()?;
                    let names: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
                    (!names.contains(&g.as_str())).then(|| (*i, names.join(" ")))
                });
            let form_body = e.request.form.has("grant_type");
            let blames_client = err
                .as_ref()
                .and_then(|x| x.description.as_deref())
                .and_then(crate::diagnosis::keyword_category)
                == Some(Category::Credentials);
            if blames_client {
                continue; // `unauthorized_client` for bad client credentials (Keycloak): CRED
            }
            let (msg, strength, confirmed) = if code == Some("unauthorized_client") {
                (
                    format!(
                        "the server answered `unauthorized_client` to the well-formed grant `{g}`: the grant type is not enabled{client}"
                    ),
                    Strength::Direct,
                    false,
                )
            } else if says_grant_not_allowed(&err) {
                (
                    format!(
                        "the server refused the well-formed grant `{g}`{client}: \"{}\"",
                        err.as_ref()
                            .and_then(|x| x.description.as_deref())
                            .unwrap_or("")
                            .trim()
                    ),
                    Strength::Direct,
                    true,
                )
            } else if let Some((_, names)) = &listed {
                (
                    format!(
                        "grant `{g}` is not in the server's `grant_types_supported` (`{names}`)"
                    ),
                    Strength::Recomputed,
                    false,
                )
            } else if code == Some("unsupported_grant_type") && form_body {
                (
                    format!(
                        "the server answered `unsupported_grant_type` to the correctly spelled grant `{g}`: the server or this client does not have it enabled"
                    ),
                    Strength::Direct,
                    false,
                )
            } else {
                continue;
            };
            let mut rep = cx
                .report(e.index, msg)
                .confirmed_if(alias_signal(
                    &ex[e.index],
                    &["unauthorized_client", "unsupported_grant_type"],
                ))
                .strength(strength)
                .text(e.index, "request.body.grant_type", g.clone());
            if let Some(x) = &err {
                rep = rep.text(e.index, x.at, x.code.clone());
            }
            if let Some((i, names)) = listed {
                rep = rep.text(i, "response.body.grant_types_supported", names);
            }
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
