//! `JWT014` auth-time-max-age: auth_time missing or too old for max_age.

use super::*;

declare_rule! {
    /// ## What it does
    /// When the authorization request carried `max_age=N`, checks that the ID token of the
    /// matching token response has `auth_time`, and that the server's `Date` on the token
    /// response minus `auth_time` is at most N plus the leeway.
    ///
    /// ## Why it fails
    /// `max_age` asks for a recent authentication (payments, admin actions). If the server
    /// reuses an older session, the client must reject the login (OIDC Core §3.1.3.7 step 13);
    /// if `auth_time` is missing the client cannot check and rejects too (the server must send
    /// it whenever `max_age` is used). A stale session is filed under `account_state` (the user
    /// must sign in again); a missing `auth_time` under `other` (a server defect).
    ///
    /// ## Example
    /// `max_age=300`; `auth_time` two hours before the token response → "too much time has
    /// elapsed since the last End-User authentication".
    ///
    /// ## Fix
    /// Re-prompt the user (`prompt=login`) when the session is too old; the authorization server
    /// must include `auth_time` whenever `max_age` is requested.
    ///
    /// ## References
    /// OIDC Core §2, §3.1.2.1, §3.1.3.7
    pub struct Jwt014 {
        code: "JWT014",
        name: "auth-time-max-age",
        title: "auth_time missing or too old for max_age",
        category: AccountState,
        severity: Error,
        kind: Diag,
        fix: "re-authenticate the user (`prompt=login`) when `auth_time` is older than `max_age`; the server must send `auth_time` when `max_age` is used",
        references: ["OIDC Core §2", "OIDC Core §3.1.2.1", "OIDC Core §3.1.3.7"],
    }
}

impl Rule for Jwt014 {
    fn check(&self, cx: &mut Context<'_>) {
        let leeway = cx.options.leeway;
        for (t, v, d) in received_id_tokens(cx) {
            let Some(az) = authorize_of_code(cx, t) else {
                continue;
            };
            let Some(max_age) = az
                .request
                .param("max_age")
                .and_then(|m| m.trim().parse::<i64>().ok())
            else {
                continue;
            };
            let (why, category) = match d.claim_time("auth_time") {
                None => (
                    "the ID token has no `auth_time` (the server must send it when `max_age` is used)".to_string(),
                    Category::Other,
                ),
                Some(at) => {
                    let Some(now) = cx.judged_at_secs(t) else { continue };
                    if now.saturating_sub(at) <= max_age.saturating_add(leeway) {
                        continue;
                    }
                    (
                        format!(
                            "the user authenticated {} before the token response (`auth_time` {at}), more than `max_age` {max_age} s: the server reused an old session",
                            span(now.saturating_sub(at))
                        ),
                        Category::AccountState,
                    )
                }
            };
            let (anchor, outcome) = id_token_anchor(cx, t);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let confirmed =
                is_failure(a) && server_says(a, &[], &["auth_time", "max_age", "authentication"]);
            let message = format!(
                "the authorization request (exchange {}) asked for `max_age={max_age}` but {why}",
                az.number()
            );
            let mut rep = cx
                .report(anchor, message)
                .category(category)
                .strength(Strength::Recomputed)
                .text(az.index, "request.query.max_age", max_age.to_string())
                .text(
                    t.index,
                    "jwt.claims",
                    claims_text(&d, &["auth_time", "iat"]),
                )
                .secret(t.index, "response.body.id_token", v);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
