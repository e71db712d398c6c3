//! `JWT011` id-token-nonce: id token nonce mismatch or missing.

use super::*;

declare_rule! {
    /// ## What it does
    /// When the authorization request sent a `nonce`, checks that the ID token of the matching
    /// token response (linked by the code) carries the same `nonce`; when it carries another
    /// authorization request's nonce, says which.
    ///
    /// ## Why it fails
    /// The nonce binds the ID token to the browser session that started the login (replay
    /// protection). A missing nonce means the authorization server ignored it; another
    /// request's nonce means the client looked up the wrong transaction: parallel logins in
    /// several tabs, a session cookie lost on the callback, or a reused tab.
    ///
    /// ## Example
    /// Authorization request `nonce=Zq…`; ID token without `nonce` → the client fails with
    /// "nonce mismatch, expected Zq…, got: undefined".
    ///
    /// ## Fix
    /// Store the nonce per transaction (keyed by `state`), allow one transaction per tab, and
    /// keep the transaction cookie available on the callback; if the server drops the nonce,
    /// report it to the operator.
    ///
    /// ## References
    /// OIDC Core §3.1.2.1, §3.1.3.7, §15.5.2
    pub struct Jwt011 {
        code: "JWT011",
        name: "id-token-nonce",
        title: "id token nonce mismatch or missing",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "persist the nonce per transaction (keyed by `state`) and keep one transaction per tab",
        references: ["OIDC Core §3.1.2.1", "OIDC Core §3.1.3.7", "OIDC Core §15.5.2"],
    }
}

impl Rule for Jwt011 {
    fn check(&self, cx: &mut Context<'_>) {
        for (t, v, d) in received_id_tokens(cx) {
            let Some(az) = authorize_of_code(cx, t) else {
                continue;
            };
            let Some(sent) = az.request.param("nonce").filter(|n| !n.is_empty()) else {
                continue;
            };
            let got = d.claim_str("nonce");
            if got == Some(sent.as_str()) {
                continue;
            }
            let why = match got {
                None => "the ID token has no `nonce`".to_string(),
                Some(n) => {
                    let other = cx.exchanges.iter().find(|e| {
                        e.kind == Kind::Authorize
                            && e.index != az.index
                            && e.request.param("nonce").as_deref() == Some(n)
                    });
                    match other {
                        Some(o) => format!(
                            "the ID token carries the nonce of the authorization request in exchange {} (another transaction: parallel logins or lost session)",
                            o.number()
                        ),
                        None => "the ID token carries another `nonce`".to_string(),
                    }
                }
            };
            let (anchor, outcome) = id_token_anchor(cx, t);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let confirmed = is_failure(a) && server_says(a, &[], &["nonce"]);
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the authorization request (exchange {}) sent `nonce={sent}` but {why}",
                        az.number()
                    ),
                )
                .strength(Strength::Recomputed)
                .text(az.index, "request.query.nonce", sent.clone())
                .text(t.index, "jwt.claims.nonce", got.unwrap_or("(absent)"))
                .secret(t.index, "response.body.id_token", v);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
