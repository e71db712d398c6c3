//! `BCP007` public-refresh-token-not-rotated: public-client refresh token neither rotated nor bound.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a refresh by a public client (no `Authorization` header, no `client_secret`, no
    /// `client_assertion`) whose successful response returned no new refresh token, or the same
    /// one, while the token is not sender-constrained (no `DPoP` proof, `token_type` not
    /// `DPoP`). Certificate binding (mTLS) is not visible in a capture and is not assumed.
    ///
    /// ## Why it fails
    /// A public client cannot authenticate, so a stolen refresh token works for whoever holds
    /// it. RFC 9700 §4.14.2 requires refresh tokens of public clients to be sender-constrained
    /// or rotated, so that reuse is detected and the grant revoked.
    ///
    /// ## Example
    /// `POST /token` `grant_type=refresh_token&refresh_token=R1&client_id=spa` →
    /// `200 {"access_token":"…","refresh_token":"R1"}`.
    ///
    /// ## Fix
    /// Enable refresh-token rotation for public clients at the authorization server, or bind the
    /// tokens with DPoP.
    ///
    /// ## References
    /// RFC 9700 §2.2.2, §4.14.2; OAuth 2.1 draft §4.3.1; RFC 9449 §5
    pub struct Bcp007 {
        code: "BCP007",
        name: "public-refresh-token-not-rotated",
        title: "public-client refresh token neither rotated nor bound",
        category: GrantType,
        severity: Warning,
        kind: Lint,
        fix: "enable refresh-token rotation for public clients, or sender-constrain the tokens with DPoP",
        references: ["RFC 9700 §2.2.2", "RFC 9700 §4.14.2", "RFC 9449 §5"],
    }
}

impl Rule for Bcp007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<String> = Vec::new();
        for e in ex.iter().filter(|e| e.kind == Kind::Token) {
            let r = &e.request;
            if r.param("grant_type").as_deref() != Some("refresh_token") {
                continue;
            }
            let Some(rt) = r.param("refresh_token").filter(|v| !v.is_empty()) else {
                continue;
            };
            let Some(resp) = e.response.as_ref().filter(|x| x.is_success()) else {
                continue;
            };
            if resp.field("access_token").is_none() {
                continue;
            }
            let authenticated = r.authorization().is_some()
                || r.param("client_secret").is_some()
                || r.param("client_assertion").is_some();
            let bound = r.headers.contains("dpop")
                || resp
                    .field("token_type")
                    .is_some_and(|t| t.eq_ignore_ascii_case("dpop"));
            if authenticated || bound {
                continue;
            }
            let new = resp.field("refresh_token");
            if new.is_some_and(|n| n != rt) {
                continue;
            }
            let client = r.param("client_id").unwrap_or_default();
            if seen.contains(&client) {
                continue;
            }
            seen.push(client.clone());
            let message = format!(
                "public client `{client}` refreshed without authentication and the response {}; the token is not sender-constrained",
                if new.is_some() {
                    "returned the same refresh token (no rotation)"
                } else {
                    "returned no new refresh token (no rotation)"
                }
            );
            let mut rep = cx
                .report(e.index, message)
                .strength(Strength::Recomputed)
                .secret(e.index, "request.body.refresh_token", rt.clone());
            if let Some(n) = new {
                rep = rep.secret(e.index, "response.body.refresh_token", n);
            }
            rep.emit();
        }
    }
}
