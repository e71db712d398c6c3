//! `DISC009` resource-metadata-hint: resource server points to its metadata.

use super::*;

declare_rule! {
    /// ## What it does
    /// Reports a resource server 401 whose `WWW-Authenticate` challenge carries
    /// `resource_metadata=` (RFC 9728): the resource server names its protected-resource
    /// metadata, which lists the authorization servers it trusts and the scopes it needs. When
    /// the capture holds that document and the presented token's `iss` is not among its
    /// `authorization_servers`, it says so.
    ///
    /// ## Why it fails
    /// The client obtained its token from an authorization server (or with scopes) the resource
    /// does not accept; the challenge tells it where to look instead. MCP servers and other
    /// RFC 9728 resources rely on this for discovery.
    ///
    /// ## Example
    /// `401 WWW-Authenticate: Bearer resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"`.
    ///
    /// ## Fix
    /// Fetch the protected-resource metadata, obtain a token from one of its
    /// `authorization_servers` with the scopes in `scopes_supported`, and retry.
    ///
    /// ## References
    /// RFC 9728 §2, §5.1
    pub struct Disc009 {
        code: "DISC009",
        name: "resource-metadata-hint",
        title: "resource server points to its metadata",
        category: AudienceIssuer,
        severity: Info,
        kind: Diag,
        fix: "fetch the protected-resource metadata and obtain a token from one of its `authorization_servers` with the scopes it lists",
        references: ["RFC 9728 §2", "RFC 9728 §5.1"],
        explains_statuses: [(ResourceUnauthorized, 17)],
    }
}

impl Rule for Disc009 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            let Some(r) = &e.response else { continue };
            if r.status != 401 {
                continue;
            }
            let Some(rm) = r
                .headers
                .get_all("www-authenticate")
                .map(www_auth::parse)
                .find_map(|c| c.get("resource_metadata").map(str::to_string))
            else {
                continue;
            };
            // The protected-resource metadata document, when captured.
            let prm = cx.exchanges.iter().find_map(|o| {
                (trim_slash(&o.request.endpoint()) == trim_slash(&rm))
                    .then(|| {
                        o.response
                            .as_ref()?
                            .json
                            .as_ref()?
                            .as_object()
                            .map(|d| (o.index, d))
                    })
                    .flatten()
            });
            let mut extra = String::new();
            let mut strength = Strength::Direct;
            let mut severity = Severity::Info;
            if let Some((_, d)) = prm {
                let servers = str_list(d, "authorization_servers").unwrap_or_default();
                let token = e.request.presented_token();
                let iss = token
                    .as_deref()
                    .and_then(|t| crate::oauth::jwt::decode(t).ok())
                    .and_then(|d| d.claim_str("iss").map(str::to_string));
                if let Some(iss) = iss {
                    if !servers.is_empty()
                        && !servers.iter().any(|s| trim_slash(s) == trim_slash(&iss))
                    {
                        extra = format!(
                            "; the token's issuer `{iss}` is not among its `authorization_servers` ({})",
                            servers
                                .iter()
                                .map(|s| format!("`{s}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                        strength = Strength::Recomputed;
                        severity = Severity::Error;
                    }
                } else if !servers.is_empty() {
                    extra = format!(
                        "; it trusts {}",
                        servers
                            .iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            }
            let message = format!(
                "`{}` answered 401 and points to its protected-resource metadata `{rm}`{extra}",
                e.request.endpoint()
            );
            let mut rep = cx
                .report(e.index, message)
                .severity(severity)
                .strength(strength)
                .confirmed()
                .text(
                    e.index,
                    "response.headers.www-authenticate.resource_metadata",
                    rm.clone(),
                );
            if let Some((i, _)) = prm {
                rep = rep.text(i, "request.url", rm.clone());
            }
            rep.emit();
        }
    }
}
