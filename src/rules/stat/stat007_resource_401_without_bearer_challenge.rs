//! `STAT007` resource-401-without-bearer-challenge: resource 401 without a Bearer challenge.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a 401 from a resource server that carries no `Bearer`/`DPoP` challenge: no
    /// `WWW-Authenticate` at all, or a `Basic`/`Negotiate` one, or a redirect to a login page.
    ///
    /// ## Why it fails
    /// An OAuth resource server answers 401 with a `Bearer` challenge. Anything else means the
    /// request was refused outside the OAuth layer: a gateway, a cookie-session web app, a wrong
    /// route.
    ///
    /// ## Example
    /// `GET https://api.example.com/v1/items` with a bearer token → `401 WWW-Authenticate: Basic realm="internal"`.
    ///
    /// ## Fix
    /// Check which component answered (gateway, app server) and route the call to the OAuth
    /// protected API.
    ///
    /// ## References
    /// RFC 9110 §11.6.1; RFC 6750 §3
    pub struct Stat007 {
        code: "STAT007",
        name: "resource-401-without-bearer-challenge",
        title: "resource 401 without a Bearer challenge",
        category: Other,
        severity: Warning,
        kind: Diag,
        fix: "find which component answered (gateway, application) and route the call to the OAuth-protected API",
        references: ["RFC 9110 §11.6.1", "RFC 6750 §3"],
        explains_statuses: [(UserinfoUnauthorized, 5), (ResourceUnauthorized, 1)],
    }
}

impl Rule for Stat007 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            if !matches!(e.kind, Kind::Resource | Kind::Userinfo) {
                continue;
            }
            if r.is_redirect() && crate::model::looks_like_login(r.location().unwrap_or("")) {
                let message = format!(
                    "`{}` answered {} with a redirect to a login page (`{}`): a cookie-session web route, not a bearer-token API",
                    e.request.endpoint(),
                    r.status,
                    r.location().unwrap_or("")
                );
                cx.report(e.index, message)
                    .text(e.index, "response.status", status_text(e))
                    .text(
                        e.index,
                        "response.headers.location",
                        r.location().unwrap_or(""),
                    )
                    .emit();
                continue;
            }
            if r.status != 401 {
                continue;
            }
            let ch = challenges(r);
            if ch.iter().any(|c| {
                c.scheme.eq_ignore_ascii_case("bearer") || c.scheme.eq_ignore_ascii_case("dpop")
            }) {
                continue;
            }
            if e.server_error().is_some() {
                continue;
            }
            let what = match ch.first() {
                Some(c) => format!("a `{}` challenge", c.scheme),
                None => "no `WWW-Authenticate` header".to_string(),
            };
            cx.report(
                e.index,
                format!(
                    "`{}` answered 401 with {what}: the refusal came from outside the OAuth layer",
                    e.request.endpoint()
                ),
            )
            .strength(Strength::Heuristic)
            .text(e.index, "response.status", "401")
            .emit();
        }
    }
}
