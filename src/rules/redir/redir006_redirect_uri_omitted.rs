//! `REDIR006` redirect-uri-omitted: redirect_uri omitted.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an authorization (or PAR) request without `redirect_uri` when it is an OpenID
    /// Connect request (`scope` contains `openid`, where the parameter is required) or when the
    /// server rejected it. Requests that pass their parameters by reference (`request_uri`,
    /// `request`) are not checked here.
    ///
    /// ## Why it fails
    /// RFC 6749 lets a client omit `redirect_uri` only when exactly one URI is registered; OpenID
    /// Connect Core §3.1.2.1 makes it mandatory. Without it the server cannot pick a
    /// destination and shows an error page, or picks a default the client did not expect; the
    /// token request must then also omit it (GRANT004).
    ///
    /// ## Example
    /// `GET /authorize?response_type=code&client_id=web&scope=openid%20profile&state=…` →
    /// `400 {"error":"invalid_request","error_description":"missing redirect_uri"}`.
    ///
    /// ## Fix
    /// Always send `redirect_uri` (a registered one), and the same value at the token endpoint.
    ///
    /// ## References
    /// RFC 6749 §3.1.2.3, §4.1.1; OpenID Connect Core §3.1.2.1
    pub struct Redir006 {
        code: "REDIR006",
        name: "redirect-uri-omitted",
        title: "redirect_uri omitted",
        category: RedirectUri,
        severity: Error,
        kind: Diag,
        fix: "always send a registered `redirect_uri` in the authorization request (and the same value in the token request)",
        references: ["RFC 6749 §3.1.2.3", "RFC 6749 §4.1.1", "OpenID Connect Core §3.1.2.1"],
        explains_statuses: [(AuthorizeRejected, 3)],
    }
}

impl Rule for Redir006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let r = &e.request;
            if r.param("redirect_uri")
                .is_some_and(|v| !v.trim().is_empty())
                || r.param("request_uri").is_some()
                || r.param("request").is_some()
            {
                continue;
            }
            // A PAR-based authorization request carries only client_id + request_uri; the PAR
            // itself is checked instead.
            let oidc = r
                .param("scope")
                .is_some_and(|s| s.split_whitespace().any(|x| x == "openid"));
            let blames = e
                .server_error()
                .and_then(|x| {
                    let d = x.description.unwrap_or_default().to_ascii_lowercase();
                    (REDIRECT_CODES.contains(&x.code.as_str()) || d.contains("redirect"))
                        .then_some(x.code)
                })
                .or_else(|| redirect_rejection(e).map(|x| x.what));
            let failed = e.failed();
            if !(oidc || failed) {
                continue;
            }
            let (strength, why) = match (&blames, oidc) {
                (Some(w), _) => (
                    Strength::Direct,
                    format!("; the server answered {w}"),
                ),
                (None, true) => (
                    Strength::Direct,
                    "; OpenID Connect requires it".to_string(),
                ),
                (None, false) => (
                    Strength::Heuristic,
                    "; the server refused the request and may have no single registered URI to fall back to".to_string(),
                ),
            };
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the {} request has no `redirect_uri`{why}",
                        if e.kind == Kind::Par {
                            "pushed authorization"
                        } else {
                            "authorization"
                        }
                    ),
                )
                .strength(strength)
                .text(e.index, "request.query.redirect_uri", "(absent)");
            if blames.is_some() {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
