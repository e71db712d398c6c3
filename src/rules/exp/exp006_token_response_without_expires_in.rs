//! `EXP006` token-response-without-expires-in: token response lacks expires_in.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a successful token response that carries an `access_token` but no `expires_in`,
    /// when the access token is not a JWT with an `exp` claim either.
    ///
    /// ## Why it fails
    /// `expires_in` is only RECOMMENDED (RFC 6749 §5.1). Without it the client cannot know when
    /// to refresh and learns about expiry only from a failing API call.
    ///
    /// ## Example
    /// `200 {"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer"}`.
    ///
    /// ## Fix
    /// Assume a conservative lifetime and handle `401 invalid_token` by refreshing once; ask the
    /// server operator to send `expires_in`.
    ///
    /// ## References
    /// RFC 6749 §5.1
    pub struct Exp006 {
        code: "EXP006",
        name: "token-response-without-expires-in",
        title: "token response lacks expires_in",
        category: TokenExpiry,
        severity: Info,
        kind: Lint,
        fix: "assume a conservative lifetime and refresh on `401 invalid_token`; ask the server to send `expires_in`",
        references: ["RFC 6749 §5.1"],
    }
}

impl Rule for Exp006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.is_token_request() && e.succeeded()) {
            let Some(r) = e.response.as_ref() else {
                continue;
            };
            let Some(at_) = r.field("access_token") else {
                continue;
            };
            let has_expires = r
                .json
                .as_ref()
                .and_then(|j| j.get("expires_in"))
                .is_some_and(|v| !v.is_null())
                || r.form.has("expires_in");
            if has_expires {
                continue;
            }
            if jwt::decode(at_).is_ok_and(|d| d.claim_time("exp").is_some()) {
                continue;
            }
            let message = "the token response has an `access_token` without `expires_in`, and the token is not a JWT with `exp`: the client cannot tell when it expires";
            cx.report(e.index, message)
                .strength(Strength::Direct)
                .text(e.index, "response.body.expires_in", "(absent)")
                .emit();
        }
    }
}
