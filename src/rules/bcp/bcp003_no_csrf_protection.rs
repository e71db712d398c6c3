//! `BCP003` no-csrf-protection: no CSRF protection on the authorization request.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags authorization requests that carry none of `state`, `code_challenge` and `nonce`,
    /// i.e. nothing that binds the response to the browser session that started the flow.
    /// Requests passing parameters by reference (`request_uri`, `request`) are skipped.
    ///
    /// ## Why it fails
    /// Without one of them an attacker can inject their own authorization response (login CSRF,
    /// code injection). PKCE protects the code exchange; `state` or `nonce` bound to the session
    /// protect the callback. Nothing fails today; the flow is attackable.
    ///
    /// ## Example
    /// `GET /authorize?response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb`.
    ///
    /// ## Fix
    /// Use PKCE (`code_challenge` with S256) and a per-transaction `state` (or `nonce` for OpenID
    /// Connect) bound to the user's session.
    ///
    /// ## References
    /// RFC 6749 §10.12; RFC 9700 §2.1, §4.7
    pub struct Bcp003 {
        code: "BCP003",
        name: "no-csrf-protection",
        title: "no CSRF protection on the authorization request",
        category: Parameters,
        severity: Warning,
        kind: Lint,
        fix: "send a PKCE `code_challenge` (S256) and a per-transaction `state` or `nonce` bound to the session",
        references: ["RFC 6749 §10.12", "RFC 9700 §2.1", "RFC 9700 §4.7"],
    }
}

impl Rule for Bcp003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<Option<String>> = Vec::new();
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let r = &e.request;
            if r.param("response_type").is_none()
                || r.param("request_uri").is_some()
                || r.param("request").is_some()
            {
                continue;
            }
            let has = |n: &str| r.param(n).is_some_and(|v| !v.is_empty());
            if has("state") || has("code_challenge") || has("nonce") {
                continue;
            }
            let client = r.param("client_id");
            if seen.contains(&client) {
                continue;
            }
            seen.push(client.clone());
            let message = format!(
                "the authorization request{} has no `state`, no `code_challenge` and no `nonce`: nothing binds the response to this browser session",
                client
                    .as_deref()
                    .map(|c| format!(" of client `{c}`"))
                    .unwrap_or_default()
            );
            cx.report(e.index, message)
                .strength(Strength::Direct)
                .text(
                    e.index,
                    "request.query",
                    "no state, code_challenge or nonce",
                )
                .emit();
        }
    }
}
