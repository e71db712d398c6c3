//! `BCP001` implicit-grant: implicit grant in use.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags authorization requests whose `response_type` contains `token`: the implicit grant
    /// (`token`, `id_token token`) or a hybrid flow returning an access token in the front
    /// channel (`code token`, `code id_token token`). `id_token` alone is not flagged.
    ///
    /// ## Why it fails
    /// Access tokens in the redirect URI fragment leak through browser history, Referer headers
    /// and injected scripts, cannot be sender-constrained and cannot be refreshed safely. RFC
    /// 9700 says clients should not use the implicit grant; OAuth 2.1 removes it, and many
    /// servers now answer `unsupported_response_type`.
    ///
    /// ## Example
    /// `GET /authorize?response_type=token&client_id=spa&redirect_uri=…`.
    ///
    /// ## Fix
    /// Use the authorization code grant with PKCE (`response_type=code`), also in single-page
    /// apps.
    ///
    /// ## References
    /// RFC 9700 §2.1.2; OAuth 2.1 draft §10.1; RFC 6749 §4.2
    pub struct Bcp001 {
        code: "BCP001",
        name: "implicit-grant",
        title: "implicit grant in use",
        category: GrantType,
        severity: Warning,
        kind: Lint,
        fix: "use the authorization code grant with PKCE (`response_type=code`)",
        references: ["RFC 9700 §2.1.2", "OAuth 2.1 draft §10.1", "RFC 6749 §4.2"],
        explains_errors: [("unsupported_response_type", 1)],
    }
}

impl Rule for Bcp001 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<(Option<String>, String)> = Vec::new();
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let Some(rt) = e.request.param("response_type") else {
                continue;
            };
            if !rt.split_whitespace().any(|t| t == "token") {
                continue;
            }
            let key = (e.request.param("client_id"), rt.clone());
            if seen.contains(&key) {
                continue;
            }
            let same: Vec<&Exchange> = ex
                .iter()
                .filter(|x| {
                    is_authz_request(x)
                        && x.request.param("client_id") == key.0
                        && x.request.param("response_type").as_deref() == Some(rt.as_str())
                })
                .collect();
            seen.push(key);
            // A server that refused the response type confirms the risk is also the failure.
            let refused = same.iter().copied().find(|x| {
                x.server_error()
                    .is_some_and(|er| er.code == "unsupported_response_type")
            });
            let Some(anchor) = refused.or_else(|| lint_anchor(&same)) else {
                continue;
            };
            let what = if rt.split_whitespace().any(|t| t == "code") {
                "a hybrid flow that returns an access token in the front channel"
            } else {
                "the implicit grant"
            };
            cx.report(
                anchor.index,
                format!(
                    "the authorization request asks for `response_type={rt}`: {what}{}",
                    if refused.is_some() {
                        "; the server refused it with `unsupported_response_type`"
                    } else {
                        ""
                    }
                ),
            )
            .strength(Strength::Direct)
            .text(anchor.index, "request.query.response_type", rt.clone())
            .emit();
        }
    }
}
