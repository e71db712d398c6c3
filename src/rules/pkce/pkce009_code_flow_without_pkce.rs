//! `PKCE009` code-flow-without-pkce: authorization code flow without PKCE.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an authorization-code request (`response_type` containing `code`) without a
    /// `code_challenge` (query, PAR body and request object checked). A warning in general; an
    /// error when the server refused the request asking for PKCE (its error mentions
    /// `code_challenge` or PKCE) or when the client is public (its token request carries no
    /// client authentication). Not reported when the authorization request failed for another
    /// reason: PKCE is not what broke that flow, and the lint would only add noise to it.
    ///
    /// ## Why it fails
    /// PKCE protects the code against interception and injection; RFC 9700 §2.1.1 requires it
    /// for public clients and recommends it for all, OAuth 2.1 makes it mandatory, and many
    /// servers enforce it (`invalid_request` "code_challenge required").
    ///
    /// ## Example
    /// `GET /authorize?response_type=code&client_id=spa&redirect_uri=…&state=…` →
    /// `error=invalid_request&error_description=PKCE code challenge is required`.
    ///
    /// ## Fix
    /// Add `code_challenge` with `code_challenge_method=S256` to every authorization-code
    /// request, and the verifier to the token request.
    ///
    /// ## References
    /// RFC 9700 §2.1.1; OAuth 2.1 §4.1.1; RFC 7636 §1
    pub struct Pkce009 {
        code: "PKCE009",
        name: "code-flow-without-pkce",
        title: "authorization code flow without PKCE",
        category: Pkce,
        severity: Warning,
        kind: Both,
        fix: "add `code_challenge` with `code_challenge_method=S256` to every authorization-code request",
        references: ["RFC 9700 §2.1.1", "OAuth 2.1 §4.1.1", "RFC 7636 §1"],
    }
}

fn mentions_pkce(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "code_challenge",
        "code challenge",
        "pkce",
        "code_verifier",
        "code verifier",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// True when a token request carries no client authentication (a public client).
fn unauthenticated(e: &Exchange) -> bool {
    e.request.basic_credentials().is_none()
        && e.request
            .param("client_secret")
            .is_none_or(|s| s.is_empty())
        && e.request.param("client_assertion").is_none()
}

impl Rule for Pkce009 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for az in authorization_requests(ex) {
            let Some(rt) = idx.az_param(ex, az, "response_type") else {
                continue;
            };
            if !rt.split_whitespace().any(|t| t == "code") {
                continue;
            }
            if idx.az_param(ex, az, "code_challenge").is_some() {
                continue;
            }
            let err = az_error(ex, idx, az);
            let demanded = err.as_ref().filter(|(_, _, desc)| mentions_pkce(desc));
            if err.is_some() && demanded.is_none() {
                // The request failed for another reason; PKCE is not what broke it.
                continue;
            }
            let tok = idx.redemption_of(ex, az);
            let public = tok.is_some_and(unauthenticated);
            let client = idx.az_param(ex, az, "client_id").unwrap_or_default();
            let (anchor, msg) = match (&demanded, tok) {
                (Some((i, code, _)), _) => (
                    *i,
                    format!(
                        "the authorization request of client `{client}` carries no `code_challenge` and the server refused it (`{code}`)"
                    ),
                ),
                (None, Some(t)) if public => (
                    t.index,
                    format!(
                        "public client `{client}` (no client authentication at the token endpoint) runs the code flow without PKCE"
                    ),
                ),
                _ => (
                    err.as_ref().map(|(i, _, _)| *i).unwrap_or(az.index),
                    format!(
                        "the authorization request of client `{client}` uses the code flow without a `code_challenge`"
                    ),
                ),
            };
            let mut rep = cx
                .report(anchor, msg)
                .strength(Strength::Direct)
                .text(az.index, "request.query.code_challenge", "(absent)")
                .text(az.index, "request.query.response_type", rt);
            if demanded.is_some() {
                rep = rep.severity(Severity::Error).confirmed();
            } else if public {
                rep = rep.severity(Severity::Error);
            }
            rep.emit();
        }
    }
}
