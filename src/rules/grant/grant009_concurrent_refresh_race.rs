//! `GRANT009` concurrent-refresh-race: concurrent refresh race with rotating refresh tokens.

use super::*;

declare_rule! {
    /// ## What it does
    /// Finds two refresh requests with the same refresh token whose lifetimes overlap (the second
    /// was sent before the first one's answer arrived, 1 s tolerance): one succeeded and rotated
    /// the token, the other failed.
    ///
    /// ## Why it fails
    /// With rotating refresh tokens only the first use of a token succeeds (RFC 9700 §4.14.2).
    /// Two threads, tabs or workers that notice an expired access token at the same moment both
    /// refresh with the same token; the loser gets `invalid_grant` and may trigger revocation of
    /// the whole grant.
    ///
    /// ## Example
    /// 19:00:02.120 and 19:00:02.135: two `grant_type=refresh_token&refresh_token=R1`; the first
    /// → `200` with R2, the second → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Single-flight the refresh: one lock per grant; other callers wait for the running refresh
    /// and use its result.
    ///
    /// ## References
    /// RFC 9700 §4.14.2
    pub struct Grant009 {
        code: "GRANT009",
        name: "concurrent-refresh-race",
        title: "concurrent refresh race with rotating refresh tokens",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "single-flight the refresh (one lock per grant) so concurrent callers wait for one refresh and share its result",
        references: ["RFC 9700 §4.14.2"],
        explains_errors: [("invalid_grant", 11)],
        absorbs: ["GRANT008", "EXP005"],
        grants: ["refresh_token"],
    }
}

impl Rule for Grant009 {
    fn check(&self, cx: &mut Context<'_>) {
        report_refresh_conflict(cx, RefreshConflict::Race);
    }
}
