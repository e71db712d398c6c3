//! `BCP004` plain-http-endpoint: oauth endpoint called over plain http.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags OAuth endpoints called over plain `http` on a host that is not a loopback address:
    /// authorization, token, PAR, device authorization, introspection, revocation and UserInfo
    /// endpoints, and resource calls that carry a token. Reported once per endpoint.
    ///
    /// ## Why it fails
    /// Client secrets, authorization codes, passwords and bearer tokens then cross the network
    /// in the clear (RFC 6749 §10.9, RFC 6750 §5.3). It also breaks flows: servers redirect
    /// `http` to `https`, and the client re-sends the POST as a GET without its body (STAT001).
    ///
    /// ## Example
    /// `POST http://idp.example.com/oauth2/token` → `301 Location: https://idp.example.com/oauth2/token`.
    ///
    /// ## Fix
    /// Use `https` for every endpoint that carries credentials or tokens (take the URLs from
    /// the issuer's metadata).
    ///
    /// ## References
    /// RFC 6749 §3.1, §3.2, §10.9; RFC 6750 §5.3; RFC 9700 §2
    pub struct Bcp004 {
        code: "BCP004",
        name: "plain-http-endpoint",
        title: "oauth endpoint called over plain http",
        category: EndpointUrl,
        severity: Error,
        kind: Lint,
        fix: "use https for every endpoint that carries credentials or tokens",
        references: ["RFC 6749 §3.1", "RFC 6749 §3.2", "RFC 6749 §10.9", "RFC 6750 §5.3"],
        explains_statuses: [(BackChannelRedirect, 1)],
    }
}

impl Rule for Bcp004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<String> = Vec::new();
        for e in ex {
            let carries = match e.kind {
                Kind::Authorize
                | Kind::Token
                | Kind::Par
                | Kind::DeviceAuthorization
                | Kind::Introspection
                | Kind::Revocation
                | Kind::Userinfo => true,
                Kind::Resource => e.request.presented_token().is_some(),
                _ => false,
            };
            if !carries {
                continue;
            }
            let Some(u) = &e.request.parsed else { continue };
            if u.scheme() != "http" || u.host_str().is_none_or(is_loopback) {
                continue;
            }
            let ep = e.request.endpoint();
            if seen.contains(&ep) {
                continue;
            }
            seen.push(ep.clone());
            let same: Vec<&Exchange> = ex
                .iter()
                .filter(|x| x.request.endpoint() == ep && x.kind == e.kind)
                .collect();
            // A redirect to https is the failure this lint explains.
            let upgraded = same.iter().copied().find(|x| {
                x.response.as_ref().is_some_and(|r| {
                    r.is_redirect() && r.location().is_some_and(|l| l.starts_with("https://"))
                })
            });
            let Some(anchor) = upgraded.or_else(|| lint_anchor(&same)) else {
                continue;
            };
            let what = match e.kind {
                Kind::Resource => "a resource call carrying a bearer token",
                Kind::Authorize => "the authorization endpoint",
                _ => "an authorization-server endpoint",
            };
            let message = format!(
                "`{ep}` ({what}) is called over plain http{}",
                if upgraded.is_some() {
                    "; the server redirects to https, and a client that follows drops the POST body"
                } else {
                    ": credentials and tokens cross the network unencrypted"
                }
            );
            cx.report(anchor.index, message)
                .strength(Strength::Direct)
                .text(anchor.index, "request.url", ep.clone())
                .emit();
        }
    }
}
