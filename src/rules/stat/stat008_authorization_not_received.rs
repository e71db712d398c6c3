//! `STAT008` authorization-not-received: authorization header not received by the resource.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a resource call that sent `Authorization` but got a `Bearer` challenge with no
    /// `error` parameter — the server's way of saying it received no token at all.
    ///
    /// ## Why it fails
    /// RFC 6750 §3 says a request without credentials gets a challenge without an error code. If
    /// the client did send a token, something between them dropped the header: a proxy or app
    /// server not forwarding `Authorization`, or a redirect to another host (clients strip
    /// credentials on cross-host redirects).
    ///
    /// ## Example
    /// `GET /api/me` with `Authorization: Bearer eyJ…` → `401 WWW-Authenticate: Bearer realm="api"`.
    ///
    /// ## Fix
    /// Configure the proxy / app server to pass `Authorization` through; call the final URL
    /// directly instead of following a redirect.
    ///
    /// ## References
    /// RFC 6750 §3
    pub struct Stat008 {
        code: "STAT008",
        name: "authorization-not-received",
        title: "authorization header not received by the resource",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "make the proxy or application server forward the `Authorization` header and avoid redirects before the API",
        references: ["RFC 6750 §3"],
        explains_statuses: [(UserinfoUnauthorized, 3), (ResourceUnauthorized, 0)],
        absorbs: ["EXP001", "JWT", "STAT009"],
    }
}

impl Rule for Stat008 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            if !matches!(e.kind, Kind::Resource | Kind::Userinfo) || r.status != 401 {
                continue;
            }
            if e.request.authorization().is_none() {
                continue;
            }
            let ch = challenges(r);
            let bare = ch.iter().any(|c| {
                (c.scheme.eq_ignore_ascii_case("bearer") || c.scheme.eq_ignore_ascii_case("dpop"))
                    && c.get("error").is_none()
            });
            let body = r.body.as_deref().unwrap_or("").to_ascii_lowercase();
            let says_missing = [
                "missing",
                "no token",
                "not provided",
                "no authorization",
                "credentials_missing",
            ]
            .iter()
            .any(|w| body.contains(w));
            if !(says_missing || bare && e.server_error().is_none()) {
                continue;
            }
            let (scheme, _) = e.request.authorization().unwrap_or(("", ""));
            let message = format!(
                "the request sent `Authorization: {scheme} …` but the server answered as if no credentials arrived{}: something in front of the API dropped the header",
                if says_missing {
                    " (its body says the credential is missing)"
                } else {
                    " (challenge without `error`)"
                }
            );
            cx.report(e.index, message)
                .category(Category::ServerError)
                .text(
                    e.index,
                    "response.headers.www-authenticate",
                    r.headers.get("www-authenticate").unwrap_or("(none)"),
                )
                .emit();
        }
        // A redirect to another host: clients drop `Authorization` when they follow it.
        for (e, r) in responses(cx.exchanges) {
            if e.request.authorization().is_none() || !r.is_redirect() {
                continue;
            }
            let Some(loc) = r.location() else { continue };
            let Some(target) = e.request.parsed.as_ref().and_then(|u| u.join(loc).ok()) else {
                continue;
            };
            if target.host_str() == e.request.host() {
                continue;
            }
            let target_s = target
                .as_str()
                .split(['?', '#'])
                .next()
                .unwrap_or("")
                .to_string();
            let follow = cx.exchanges[e.index + 1..]
                .iter()
                .find(|x| x.request.endpoint() == target_s && x.request.authorization().is_none());
            let Some(f) = follow else { continue };
            if !f.status().is_some_and(|s| s == 401 || s == 403) {
                continue;
            }
            let message = format!(
                "`{}` redirected to another host (`{}`); the client followed without `Authorization` (clients drop credentials on cross-host redirects) and got {}",
                e.request.endpoint(),
                target_s,
                f.status().unwrap_or(0)
            );
            cx.report(f.index, message)
            .category(Category::EndpointUrl)
            .strength(Strength::Recomputed)
            .text(e.index, "response.headers.location", loc)
            .text(f.index, "response.status", status_text(f))
            .fix("call the final URL directly (update the API base URL) instead of following a redirect that drops the token")
            .emit();
        }
    }
}
