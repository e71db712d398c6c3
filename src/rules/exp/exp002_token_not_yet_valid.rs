//! `EXP002` token-not-yet-valid: token not yet valid (nbf/iat in the future).

use super::*;

declare_rule! {
    /// ## What it does
    /// For every failed request that carries a JWT — the access token of a resource or UserInfo
    /// call, the `assertion` of a JWT-bearer grant, the `subject_token` / `actor_token` of a
    /// token exchange — compares `nbf` and `iat` with the server's `Date` for that response (or
    /// `--now`): a value more than `--leeway` seconds in the future means the token is not yet
    /// valid for that server. Client assertions (`client_assertion`) are CRED013's.
    ///
    /// ## Why it fails
    /// A JWT must not be accepted before `nbf` (RFC 7519 §4.1.5), and validators reject an `iat`
    /// in the future (§4.1.6). The issuer's clock runs ahead of the validator's, or the validator's
    /// clock is behind: the fix is clock synchronisation, not the token.
    ///
    /// ## Example
    /// Token `nbf` = 11:00:00 (issuer clock); the API's `Date` is 10:55:02 →
    /// `401 invalid_token` "IDX10222: Lifetime validation failed. The token is not yet valid."
    ///
    /// ## Fix
    /// Synchronise clocks with NTP on the issuer and the validator; allow a small leeway (at most
    /// 60 s) in validators.
    ///
    /// ## References
    /// RFC 7519 §4.1.5, §4.1.6
    pub struct Exp002 {
        code: "EXP002",
        name: "token-not-yet-valid",
        title: "token not yet valid (nbf/iat in the future)",
        category: ClockSkew,
        severity: Error,
        kind: Diag,
        fix: "synchronise the issuer's and the validator's clocks (NTP) and allow a small leeway (at most 60 s)",
        references: ["RFC 7519 §4.1.5", "RFC 7519 §4.1.6"],
        explains_errors: [("invalid_token", 1)],
        explains_statuses: [(ResourceUnauthorized, 4)],
    }
}

impl Rule for Exp002 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let leeway = cx.options.leeway;
        for e in ex.iter().filter(|e| e.failed()) {
            let mut jwts: Vec<(String, &'static str, &'static str)> = Vec::new();
            if is_api_call(e) {
                if let Some(t) = e.request.presented_token() {
                    jwts.push((t, "request.headers.authorization", "the access token"));
                }
            } else if e.is_token_request() {
                for (p, at, what) in [
                    ("assertion", "request.body.assertion", "the grant assertion"),
                    (
                        "subject_token",
                        "request.body.subject_token",
                        "the `subject_token`",
                    ),
                    (
                        "actor_token",
                        "request.body.actor_token",
                        "the `actor_token`",
                    ),
                ] {
                    if let Some(v) = e.request.param(p) {
                        jwts.push((v, at, what));
                    }
                }
            }
            let Some(now) = cx.judged_at_secs(e) else {
                continue;
            };
            for (t, at_, what) in jwts {
                let Ok(d) = jwt::decode(&t) else { continue };
                let hit = ["nbf", "iat"].into_iter().find_map(|c| {
                    d.claim_time(c)
                        .filter(|v| *v > now.saturating_add(leeway))
                        .map(|v| (c, v))
                });
                let Some((claim, v)) = hit else { continue };
                let message = format!(
                    "{what}'s `{claim}` ({}) is {} after the server's time for this request ({}): it is not valid yet for this server",
                    at(v),
                    human_duration(v.saturating_sub(now)),
                    at(now)
                );
                cx.report(e.index, message)
                    .confirmed_if(alias_signal(&ex[e.index], &["invalid_token"]))
                    .strength(Strength::Recomputed)
                    .secret(e.index, at_, t)
                    .text(e.index, format!("{at_}.{claim}"), v.to_string())
                    .text(
                        e.index,
                        "response.headers.date",
                        date_header(e).unwrap_or("(none)"),
                    )
                    .emit();
                break;
            }
        }
    }
}
