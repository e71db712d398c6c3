//! `EXP001` access-token-expired: access token expired at time of use.

use super::*;

declare_rule! {
    /// ## What it does
    /// For every resource or UserInfo call refused with 401 / `invalid_token`, checks whether the
    /// presented access token had expired at the time of the call: a JWT's `exp` against the
    /// response's `Date` header (or `--now`), else — for an opaque token — the `expires_in` of the
    /// token response in the capture that issued it. The `--leeway` tolerance (default 60 s)
    /// applies.
    ///
    /// ## Why it fails
    /// Access tokens are short-lived (RFC 6749 §5.1 `expires_in`, RFC 7519 §4.1.4 `exp`). A client
    /// that keeps a token in memory and never refreshes gets `401 WWW-Authenticate: Bearer
    /// error="invalid_token"` once it expires (RFC 6750 §3.1).
    ///
    /// ## Example
    /// Token issued 09:00 with `exp` 10:00; `GET /v1/orders` at 10:20 →
    /// `401 Bearer error="invalid_token", error_description="The access token expired"`.
    ///
    /// ## Fix
    /// Refresh before expiry (`expires_in` minus a margin); on `401 invalid_token` refresh once
    /// and retry.
    ///
    /// ## References
    /// RFC 6750 §3.1; RFC 7519 §4.1.4; RFC 6749 §5.1
    pub struct Exp001 {
        code: "EXP001",
        name: "access-token-expired",
        title: "access token expired at time of use",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "refresh the access token before it expires (`expires_in` minus a margin) and refresh once on `401 invalid_token`",
        references: ["RFC 6750 §3.1", "RFC 7519 §4.1.4", "RFC 6749 §5.1"],
        explains_errors: [("invalid_token", 0)],
        explains_statuses: [(UserinfoUnauthorized, 0), (ResourceUnauthorized, 3)],
    }
}

/// Why a refused token had not expired when it was used (`Ok`), or why the capture cannot
/// tell (`Err`); `None` when there is nothing to say.
fn still_valid(cx: &Context<'_>, e: &Exchange, token: &str) -> Option<Result<String, String>> {
    if crate::model::masked::is_masked(token) && !crate::model::masked::is_own_placeholder(token) {
        return Some(Err("the token is redacted in the capture".into()));
    }
    let now = cx.judged_at_secs(e);
    if let Ok(d) = jwt::decode(token) {
        if let (Some(exp), Some(now)) = (d.claim_time("exp"), now) {
            return Some(Ok(format!(
                "the token's `exp` is {} after the request",
                human_duration(exp - now)
            )));
        }
    }
    let Some(x) = cx.index.issuer(cx.exchanges, token) else {
        return Some(Err(
            "the token was not issued in the capture and carries no `exp`".into(),
        ));
    };
    let age = x.sent_ms().zip(e.sent_ms()).map(|(a, b)| (b - a) / 1000);
    match (number_field(x, "expires_in"), age) {
        (Some(life), Some(age)) => Some(Ok(format!(
            "the token was used {} after #{} issued it, within its {} lifetime",
            human_duration(age),
            x.number(),
            human_duration(life)
        ))),
        _ => Some(Err(format!(
            "#{} issued the token without `expires_in`",
            x.number()
        ))),
    }
}

impl Rule for Exp001 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| token_refused(e)) {
            let Some(t) = e.request.presented_token() else {
                continue;
            };
            let Some((msg, ev)) = expired_at_use(cx, e, &t) else {
                match still_valid(cx, e, &t) {
                    Some(Ok(why)) => cx.rule_out(e.index, why),
                    Some(Err(why)) => cx.cannot_tell(e.index, why),
                    None => {}
                }
                continue;
            };
            let mut rep = cx
                .report(e.index, msg)
                .confirmed_if(alias_signal(&ex[e.index], &["invalid_token"]))
                .strength(Strength::Recomputed)
                .secret(e.index, "request.headers.authorization", t);
            for (i, at, v) in ev {
                rep = rep.text(i, at, v);
            }
            if let Some(d) = date_header(e) {
                rep = rep.text(e.index, "response.headers.date", d);
            }
            rep.emit();
        }
    }
}
