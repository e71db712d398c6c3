//! `GRANT005` code-redeemed-by-other-client: code redeemed by a different client.

use super::*;

declare_rule! {
    /// ## What it does
    /// For every failed authorization-code redemption linked to its authorization request by the
    /// code, compares the authorization request's `client_id` with the identity the token request
    /// authenticates as (the Basic user, the client assertion's `sub`, else the body
    /// `client_id`).
    ///
    /// ## Why it fails
    /// A code is bound to the client it was issued to (RFC 6749 §4.1.3). A service configured with
    /// two clients (a web and an admin client, two environments) that starts the login with one
    /// and redeems with the other gets `invalid_grant`.
    ///
    /// ## Example
    /// `GET /authorize?client_id=orders-portal-web…`; `POST /token` with
    /// `Authorization: Basic base64(orders-portal-admin:…)` → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Redeem the code with the same client (and credentials) that started the flow.
    ///
    /// ## References
    /// RFC 6749 §4.1.3
    pub struct Grant005 {
        code: "GRANT005",
        name: "code-redeemed-by-other-client",
        title: "code redeemed by a different client",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "redeem the code with the same client that sent the authorization request",
        references: ["RFC 6749 §4.1.3"],
        explains_errors: [("invalid_grant", 5)],
        grants: ["authorization_code"],
    }
}

impl Rule for Grant005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for e in ex.iter().filter(|e| e.is_code_redemption() && e.failed()) {
            let Some((az, Link::Code, _)) = idx.authorize_of(ex, e) else {
                cx.cannot_tell(
                    e.index,
                    "the authorization response of this code is not in the capture",
                );
                continue;
            };
            let Some(az_client) = idx.az_param(ex, az, "client_id") else {
                continue;
            };
            let Some((who, at)) = token_identity(e) else {
                cx.cannot_tell(e.index, "the token request names no client");
                continue;
            };
            let raw_basic = e
                .request
                .basic_credentials()
                .and_then(|b| b.raw_parts().map(|(id, _)| id.to_string()));
            if who == az_client || raw_basic.as_deref() == Some(az_client.as_str()) {
                cx.rule_out(
                    e.index,
                    format!(
                        "client `{az_client}` in #{} and #{}",
                        az.number(),
                        e.number()
                    ),
                );
                continue;
            }
            let message = format!(
                "the code was issued to client `{az_client}` (authorization request, exchange #{}) but the token request authenticates as `{who}`",
                az.number()
            );
            cx.report(e.index, message)
                .confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                .strength(Strength::Recomputed)
                .text(az.index, "request.query.client_id", az_client)
                .text(e.index, at, who)
                .emit();
        }
    }
}
