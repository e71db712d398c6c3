//! `JWT005` id-token-as-access-token: id token sent as access token.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an ID token sent to an API or the UserInfo endpoint as a bearer token: the value is
    /// byte for byte the `id_token` of a token response in the capture, or it carries claims only
    /// ID tokens have (`at_hash`, `c_hash`, Keycloak's `typ: ID`, a `nonce` with the client as
    /// audience and no scope).
    ///
    /// ## Why it fails
    /// An ID token tells the *client* who logged in; its audience is the client id. APIs accept
    /// access tokens only (RFC 9068 §5 warns about exactly this confusion), so they answer `401
    /// invalid_token`, usually "audience invalid".
    ///
    /// ## Example
    /// The token response has `access_token` and `id_token`; the app calls `GET /v1/orders` with
    /// `Authorization: Bearer <id_token>` → `401 invalid_token` "jwt audience invalid".
    ///
    /// ## Fix
    /// Send the `access_token` to APIs; keep the ID token in the client.
    ///
    /// ## References
    /// RFC 9068 §5; RFC 8725 §3.11; OIDC Core §2
    pub struct Jwt005 {
        code: "JWT005",
        name: "id-token-as-access-token",
        title: "id token sent as access token",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "send the `access_token` to APIs; ID tokens are for the client only",
        references: ["RFC 9068 §5", "RFC 8725 §3.11", "OIDC Core §2"],
        explains_errors: [("invalid_token", 5)],
        explains_statuses: [(UserinfoUnauthorized, 1), (ResourceUnauthorized, 9)],
        absorbs: ["JWT004", "JWT006", "STAT009", "PARAM015"],
    }
}

impl Rule for Jwt005 {
    fn check(&self, cx: &mut Context<'_>) {
        for g in token_groups(cx).iter() {
            let Some(d) = g.decoded() else { continue };
            let Some((why, strength)) = id_token_evidence(cx, g, d) else {
                continue;
            };
            for p in g.presentations() {
                let e = &cx.exchanges[p.exchange];
                if p.role != Role::Access {
                    continue;
                }
                let confirmed = is_failure(e) && server_says(e, &["invalid_token"], &["audience"]);
                let mut rep = cx
                    .report(
                        e.index,
                        format!(
                            "the bearer token sent to `{}` is an ID token: {why}",
                            e.request.endpoint()
                        ),
                    )
                    .strength(strength)
                    .text(
                        e.index,
                        "jwt.claims",
                        claims_text(d, &["aud", "azp", "nonce", "at_hash", "typ"]),
                    )
                    .secret(e.index, p.at.clone(), g.value);
                if confirmed {
                    rep = rep.confirmed();
                }
                rep.emit();
            }
        }
    }
}
