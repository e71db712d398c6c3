//! `PKCE008` plain-challenge-method: plain PKCE method.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags PKCE with the `plain` method: `code_challenge_method=plain`, or a token request whose
    /// verifier equals the challenge. A lint (warning) on flows that work; an error when the
    /// authorization server refused the request because of the method (its error names
    /// `code_challenge_method`, or its metadata does not list `plain`).
    ///
    /// ## Why it fails
    /// With `plain` the challenge is the verifier, so anyone who sees the authorization request
    /// can redeem an intercepted code (RFC 7636 §7.2). RFC 9700 §2.1.1 requires S256 and many
    /// servers reject `plain` outright.
    ///
    /// ## Example
    /// `GET /authorize?…&code_challenge=lEgaI4hI…&code_challenge_method=plain` →
    /// `error=invalid_request&error_description=not supported value of code_challenge_method`.
    ///
    /// ## Fix
    /// Use `S256`.
    ///
    /// ## References
    /// RFC 7636 §4.2, §7.2; RFC 9700 §2.1.1
    pub struct Pkce008 {
        code: "PKCE008",
        name: "plain-challenge-method",
        title: "plain PKCE method",
        category: Pkce,
        severity: Warning,
        kind: Lint,
        fix: "use `code_challenge_method=S256`",
        references: ["RFC 7636 §4.2", "RFC 7636 §7.2", "RFC 9700 §2.1.1"],
    }
}

impl Rule for Pkce008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for az in authorization_requests(ex) {
            let Some(ch) = idx
                .az_param(ex, az, "code_challenge")
                .filter(|c| !c.is_empty())
            else {
                continue;
            };
            let method = idx.az_param(ex, az, "code_challenge_method");
            let tok = idx.redemption_of(ex, az);
            let equal = tok
                .and_then(|t| t.request.param("code_verifier"))
                .is_some_and(|v| v == ch);
            let declared_plain = method.as_deref() == Some("plain");
            if !(declared_plain || (method.is_none() && equal)) {
                continue;
            }
            let err = az_error(ex, idx, az);
            let md_lacks_plain = idx
                .metadata_announcing("authorization_endpoint", &az.request.endpoint())
                .is_some_and(|(_, d)| {
                    d.get("code_challenge_methods_supported")
                        .and_then(Value::as_array)
                        .is_some_and(|a| !a.iter().any(|m| m.as_str() == Some("plain")))
                });
            let refused = err.as_ref().filter(|(_, _, desc)| {
                desc.to_ascii_lowercase().contains("code_challenge_method") || md_lacks_plain
            });
            let (anchor, msg) = match (&refused, tok) {
                (Some((i, code, _)), _) => (
                    *i,
                    format!("the authorization request uses PKCE method `plain` and the server refused it (`{code}`)"),
                ),
                (None, Some(t)) => (
                    t.index,
                    "the flow uses PKCE method `plain`: the verifier equals the challenge, which gives no protection once the authorization request is seen".to_string(),
                ),
                (None, None) if err.is_none() => (
                    az.index,
                    "the authorization request uses PKCE method `plain`: the challenge is the verifier itself".to_string(),
                ),
                (None, None) => continue, // failed for another reason
            };
            let mut rep = cx.report(anchor, msg).strength(Strength::Direct).text(
                az.index,
                "request.query.code_challenge_method",
                method.unwrap_or_else(|| "(absent)".into()),
            );
            if refused.is_some() {
                rep = rep.severity(Severity::Error).confirmed();
            }
            rep.emit();
        }
    }
}
