//! `JWT012` id-token-expired: id token expired or iat too old.

use super::*;

declare_rule! {
    /// ## What it does
    /// Compares the `exp` and `iat` of each ID token in a token response with the server's
    /// `Date` on that response (never the machine's clock): expired on arrival (beyond the
    /// leeway) is an error; issued more than 10 minutes before the response is reported as a
    /// suspicion.
    ///
    /// ## Why it fails
    /// A client validates a freshly received ID token immediately (OIDC Core §3.1.3.7 steps 9
    /// and 10). An ID token that is already expired when the token response arrives was minted
    /// by a node whose clock is behind (or is a cached token re-sent as fresh); the client
    /// rejects the login. Filed under `clock_skew`: a token minted for this very response cannot
    /// have expired unless the issuer's clock (or cache) is wrong. An ID token re-sent unchanged
    /// on refresh is not judged as a new login.
    ///
    /// ## Example
    /// Token response `Date: 10:05:00`; ID token `iat` 09:00:00, `exp` 10:00:00 → "JWT expired".
    ///
    /// ## Fix
    /// Synchronise the issuer's clock (NTP); allow a small leeway (≤ 60 s) in the client; do not
    /// validate cached ID tokens as fresh logins.
    ///
    /// ## References
    /// OIDC Core §3.1.3.7; RFC 7519 §4.1.4, §4.1.6
    pub struct Jwt012 {
        code: "JWT012",
        name: "id-token-expired",
        title: "id token expired or iat too old",
        category: ClockSkew,
        severity: Error,
        kind: Diag,
        fix: "synchronise the issuer's clock and allow a small leeway; do not validate cached ID tokens as fresh logins",
        references: ["OIDC Core §3.1.3.7", "RFC 7519 §4.1.4", "RFC 7519 §4.1.6"],
    }
}

impl Rule for Jwt012 {
    fn check(&self, cx: &mut Context<'_>) {
        let leeway = cx.options.leeway;
        for (t, v, d) in received_id_tokens(cx) {
            let Some(now) = cx.judged_at_secs(t) else {
                continue;
            };
            let exp = d.claim_time("exp");
            let iat = d.claim_time("iat");
            let (why, strength) = match (exp, iat) {
                (Some(exp), _) if exp < now.saturating_sub(leeway) => (
                    format!(
                        "it expired {} before the token response (`exp` {exp}, server time {now}{})",
                        span(now.saturating_sub(exp)),
                        iat.map(|i| format!(", `iat` {} earlier", span(now.saturating_sub(i))))
                            .unwrap_or_default()
                    ),
                    Strength::Recomputed,
                ),
                (_, Some(iat)) if now.saturating_sub(iat) > leeway.saturating_add(600) => (
                    format!(
                        "it was issued {} before the token response (`iat` {iat}, server time {now})",
                        span(now.saturating_sub(iat))
                    ),
                    Strength::Heuristic,
                ),
                _ => continue,
            };
            let (anchor, outcome) = id_token_anchor(cx, t);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let confirmed = is_failure(a)
                && server_says(a, &[], &["expired", "exp", "iat", "too old", "clock"]);
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the ID token from `{}` is stale: {why}",
                        t.request.endpoint()
                    ),
                )
                .strength(strength)
                .text(t.index, "jwt.claims", claims_text(&d, &["iat", "exp"]))
                .text(
                    t.index,
                    "response.headers.date",
                    date_header(t).unwrap_or("(capture time)"),
                )
                .secret(t.index, "response.body.id_token", v);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
