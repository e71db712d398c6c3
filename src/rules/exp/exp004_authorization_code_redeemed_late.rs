//! `EXP004` authorization-code-redeemed-late: authorization code redeemed too late.

use super::*;

declare_rule! {
    /// ## What it does
    /// For every failed authorization-code redemption, measures the time between the
    /// authorization response that delivered the code and the token request (capture clock).
    /// More than 600 s is reported as an error; more than 60 s as an error too when the server
    /// answered `invalid_grant` (the catalogue has it as info: several servers — Keycloak, Okta
    /// — keep codes for about a minute), and not reported otherwise.
    ///
    /// ## Why it fails
    /// Authorization codes are short-lived: RFC 6749 §4.1.2 recommends at most 10 minutes and
    /// many servers use 30–60 s. A backend that queues the redemption behind user interaction or
    /// a slow job gets `invalid_grant`.
    ///
    /// ## Example
    /// Code delivered at 10:00:05, redeemed at 10:12:31 (746 s) →
    /// `400 {"error":"invalid_grant","error_description":"authorization code expired"}`.
    ///
    /// ## Fix
    /// Redeem the code immediately in the callback handler; do not queue it behind user
    /// interaction.
    ///
    /// ## References
    /// RFC 6749 §4.1.2
    pub struct Exp004 {
        code: "EXP004",
        name: "authorization-code-redeemed-late",
        title: "authorization code redeemed too late",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "redeem the authorization code immediately in the callback instead of queueing it",
        references: ["RFC 6749 §4.1.2"],
        explains_errors: [("invalid_grant", 3)],
        absorbs: ["PROV001"],
        grants: ["authorization_code"],
    }
}

/// Seconds below which no server's authorization codes expire: a code redeemed sooner did not
/// expire (the shortest lifetimes seen in practice are tens of seconds; RFC 6749 §4.1.2
/// recommends at most ten minutes).
const SHORTEST_CODE_LIFETIME: i64 = 5;

impl Rule for Exp004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for e in ex.iter().filter(|e| e.is_code_redemption() && e.failed()) {
            let Some(code) = e.request.param("code") else {
                continue;
            };
            let Some(a) = idx.azr_for_code(&code) else {
                cx.cannot_tell(e.index, "when the code was issued is not in the capture");
                continue;
            };
            let Some(src) = ex.get(a.exchange) else {
                continue;
            };
            let delivered = if a.via_location {
                src.done_ms()
            } else {
                src.sent_ms()
            };
            let (Some(d), Some(s)) = (delivered, e.sent_ms()) else {
                cx.cannot_tell(e.index, "the capture has no times to compare");
                continue;
            };
            let gap = (s - d) / 1000;
            let invalid_grant = signal_is(e, &["invalid_grant"]);
            let strength = if gap > 600 {
                Strength::Recomputed
            } else if gap > 60 && invalid_grant {
                Strength::Heuristic
            } else {
                // No server lets a code live less than a few seconds; past that, the lifetime
                // is the server's and not in the capture.
                let took = format!(
                    "the code was redeemed {} after #{} delivered it",
                    human_duration(gap.max(0)),
                    a.exchange + 1
                );
                if gap < SHORTEST_CODE_LIFETIME {
                    cx.rule_out(e.index, took);
                } else {
                    cx.cannot_tell(
                        e.index,
                        format!("{took}; the server's code lifetime is not in the capture"),
                    );
                }
                continue;
            };
            let limit = if gap > 600 {
                "beyond the 10-minute maximum RFC 6749 recommends"
            } else {
                "longer than the one-minute code lifetime several servers use"
            };
            let message = format!(
                "the code was redeemed {} after the authorization response delivered it (exchange #{}), {limit}",
                human_duration(gap),
                a.exchange + 1
            );
            let mut rep = cx
                .report(e.index, message)
                .confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                .strength(strength)
                .text(
                    a.exchange,
                    "started_at",
                    src.started_at.map(|t| t.to_string()).unwrap_or_default(),
                )
                .text(
                    e.index,
                    "started_at",
                    e.started_at.map(|t| t.to_string()).unwrap_or_default(),
                );
            if let Some(x) = err_of(e) {
                rep = rep.text(e.index, x.at, x.code);
            }
            rep.emit();
        }
    }
}
