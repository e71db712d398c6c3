//! `PKCE003` verifier-without-challenge: verifier sent without prior challenge.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a failed authorization-code redemption that sends a `code_verifier` although the
    /// authorization request the code came from (linked by the code; its query, PAR body and
    /// request object checked) sent no `code_challenge`.
    ///
    /// ## Why it fails
    /// Strict servers reject a verifier for a code issued without a challenge: accepting it would
    /// let an attacker downgrade PKCE (RFC 7636 §4.6; RFC 9700 §2.1.1, §4.8). The library
    /// computes a verifier but its configuration does not send the challenge.
    ///
    /// ## Example
    /// `GET /authorize?response_type=code&client_id=…` (no challenge); `POST /token …&code_verifier=…`
    /// → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Send `code_challenge` and `code_challenge_method=S256` in the authorization request.
    ///
    /// ## References
    /// RFC 7636 §4.6; RFC 9700 §2.1.1, §4.8
    pub struct Pkce003 {
        code: "PKCE003",
        name: "verifier-without-challenge",
        title: "verifier sent without prior challenge",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "send `code_challenge` with `code_challenge_method=S256` in the authorization request",
        references: ["RFC 7636 §4.6", "RFC 9700 §2.1.1", "RFC 9700 §4.8"],
        explains_errors: [("invalid_grant", 8)],
        grants: ["authorization_code"],
    }
}

impl Rule for Pkce003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for e in ex.iter().filter(|e| e.is_code_redemption() && e.failed()) {
            let Some(v) = e.request.param("code_verifier").filter(|v| !v.is_empty()) else {
                let challenged = idx
                    .authorize_of(ex, e)
                    .is_some_and(|(az, _, _)| idx.az_param(ex, az, "code_challenge").is_some());
                cx.rule_out(
                    e.index,
                    if challenged {
                        "no `code_verifier` in the token request"
                    } else {
                        "no PKCE in this flow"
                    },
                );
                continue;
            };
            let Some((az, Link::Code, _)) = idx.authorize_of(ex, e) else {
                cx.cannot_tell(e.index, "the authorization request is not in the capture");
                continue;
            };
            if idx.az_param(ex, az, "code_challenge").is_some() {
                cx.rule_out(e.index, format!("#{} sent a `code_challenge`", az.number()));
                continue;
            }
            let message = format!(
                "the token request sends a `code_verifier` but the authorization request (exchange #{}) carried no `code_challenge`",
                az.number()
            );
            cx.report(e.index, message)
                .confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                .strength(Strength::Direct)
                .secret(e.index, "request.body.code_verifier", v)
                .text(az.index, "request.query.code_challenge", "(absent)")
                .emit();
        }
    }
}
