//! `PKCE004` verifier-syntax-invalid: verifier length or charset invalid.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks the syntax of every `code_verifier` sent to the token endpoint: 43 to 128
    /// characters from `[A-Za-z0-9-._~]`. Names the length and the disallowed characters, never
    /// the value.
    ///
    /// ## Why it fails
    /// RFC 7636 §4.1 fixes the verifier's length and alphabet; servers reject other values with
    /// `invalid_request` or `invalid_grant`. Typical causes: a 32-character hex string, standard
    /// base64 with `+`, `/` and `=`, a UUID without enough entropy.
    ///
    /// ## Example
    /// `code_verifier=9f86d081884c7d659a2feaa0c55ad015` (32 characters) →
    /// `400 {"error":"invalid_request","error_description":"code_verifier must be a string with a minimum length of 43 characters"}`.
    ///
    /// ## Fix
    /// Generate 32 random bytes and base64url-encode them without padding (43 characters).
    ///
    /// ## References
    /// RFC 7636 §4.1
    pub struct Pkce004 {
        code: "PKCE004",
        name: "verifier-syntax-invalid",
        title: "verifier length or charset invalid",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "generate 32 random bytes and base64url-encode them without padding (43 characters)",
        references: ["RFC 7636 §4.1"],
        explains_errors: [("invalid_request", 5)],
        explains_statuses: [(TokenServerError, 2)],
    }
}

impl Rule for Pkce004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.is_token_request()) {
            let Some(v) = e.request.param("code_verifier").filter(|v| !v.is_empty()) else {
                continue;
            };
            if verifier_is_valid(&v) {
                continue;
            }
            let n = v.chars().count();
            let mut problems = Vec::new();
            if n < 43 {
                problems.push(format!("{n} characters, fewer than the 43 required"));
            } else if n > 128 {
                problems.push(format!("{n} characters, more than the 128 allowed"));
            }
            if !is_unreserved(&v) {
                problems.push(format!(
                    "characters outside `[A-Za-z0-9-._~]`: {}",
                    disallowed(&v).join(", ")
                ));
            }
            cx.report(
                e.index,
                format!("the `code_verifier` has {}", problems.join(" and ")),
            )
            .confirmed_if(alias_signal(&ex[e.index], &["invalid_request"]))
            .strength(Strength::Direct)
            .confirmed_if(signal_is(e, &["invalid_grant"]))
            .secret(e.index, "request.body.code_verifier", v)
            .emit();
        }
    }
}
