//! `GRANT008` rotated-refresh-token-reused: rotated refresh token reused.

use super::*;

declare_rule! {
    /// ## What it does
    /// Follows refresh-token rotation through the capture: when a refresh response returned a new
    /// `refresh_token` R2 for R1, and a later refresh request (sent after that response arrived)
    /// still uses R1 and fails, reports the reuse. Concurrent requests are GRANT009.
    ///
    /// ## Why it fails
    /// With rotation, each refresh token is single-use (RFC 9700 §4.14.2). Presenting a rotated
    /// one looks like token theft: the server answers `invalid_grant` and usually revokes the
    /// whole grant, so even R2 stops working.
    ///
    /// ## Example
    /// 10:55 `grant_type=refresh_token&refresh_token=R1` → `200 {"refresh_token":"R2",…}`;
    /// 11:55 `grant_type=refresh_token&refresh_token=R1` → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Persist the newest `refresh_token` from every token response (atomically, before using the
    /// new access token) and share it between processes.
    ///
    /// ## References
    /// RFC 9700 §4.14.2; RFC 6749 §6
    pub struct Grant008 {
        code: "GRANT008",
        name: "rotated-refresh-token-reused",
        title: "rotated refresh token reused",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "persist the newest `refresh_token` from every token response before using the new access token",
        references: ["RFC 9700 §4.14.2", "RFC 6749 §6"],
        explains_errors: [("invalid_grant", 12)],
        grants: ["refresh_token"],
    }
}

impl Rule for Grant008 {
    fn check(&self, cx: &mut Context<'_>) {
        report_refresh_conflict(cx, RefreshConflict::Rotated);
    }
}
