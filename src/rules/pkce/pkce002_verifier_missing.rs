//! `PKCE002` verifier-missing: challenge sent, verifier missing.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a failed authorization-code redemption without `code_verifier` (or with an empty
    /// one) whose authorization request sent a `code_challenge`.
    ///
    /// ## Why it fails
    /// A code issued for a challenge can only be redeemed with the matching verifier (RFC 7636
    /// §4.5, §4.6): `invalid_grant` (some servers `invalid_request`). The client library was not
    /// told to send the verifier, or lost it between the callback and the token call.
    ///
    /// ## Example
    /// `GET /authorize?…&code_challenge=j8uf…&code_challenge_method=S256`; `POST /token
    /// grant_type=authorization_code&code=…&redirect_uri=…` (no `code_verifier`) →
    /// `400 invalid_grant`.
    ///
    /// ## Fix
    /// Send the `code_verifier` of the transaction with the token request.
    ///
    /// ## References
    /// RFC 7636 §4.5, §4.6
    pub struct Pkce002 {
        code: "PKCE002",
        name: "verifier-missing",
        title: "challenge sent, verifier missing",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "send the transaction's `code_verifier` with the token request",
        references: ["RFC 7636 §4.5", "RFC 7636 §4.6"],
        explains_errors: [("invalid_grant", 7), ("invalid_request", 4)],
        grants: ["authorization_code"],
    }
}

impl Rule for Pkce002 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for e in ex.iter().filter(|e| e.is_code_redemption() && e.failed()) {
            if e.request
                .param("code_verifier")
                .is_some_and(|v| !v.is_empty())
            {
                cx.rule_out(e.index, "a `code_verifier` is in the token request");
                continue;
            }
            let Some((az, link, _)) = idx.authorize_of(ex, e) else {
                cx.cannot_tell(e.index, "the authorization request is not in the capture");
                continue;
            };
            let Some(ch) = idx
                .az_param(ex, az, "code_challenge")
                .filter(|c| !c.is_empty())
            else {
                cx.rule_out(e.index, "no PKCE in this flow");
                continue;
            };
            let sent = match e.request.param("code_verifier") {
                Some(_) => "an empty `code_verifier`",
                None => "no `code_verifier`",
            };
            let message = format!(
                "the authorization request (exchange #{}) sent a `code_challenge` but the token request carries {sent}",
                az.number()
            );
            cx.report(e.index, message)
                .confirmed_if(alias_signal(
                    &ex[e.index],
                    &["invalid_grant", "invalid_request"],
                ))
                .strength(if link == Link::Code {
                    Strength::Direct
                } else {
                    Strength::Heuristic
                })
                .text(az.index, "request.query.code_challenge", ch)
                .text(e.index, "request.body.code_verifier", "(absent)")
                .emit();
        }
    }
}
