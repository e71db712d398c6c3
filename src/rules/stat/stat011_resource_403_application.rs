//! `STAT011` resource-403-application: resource 403 without an OAuth error.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a 403 from a resource server with no OAuth error in challenge or body.
    ///
    /// ## Why it fails
    /// The token was accepted; the application refused the action: roles, tenant, IP policy,
    /// WAF, CSRF protection. This is not a token problem.
    ///
    /// ## Example
    /// `GET /admin/users` with a valid token → `403 {"message":"Forbidden"}`.
    ///
    /// ## Fix
    /// Check the application's authorisation rules (roles, groups, tenant) for this user.
    ///
    /// ## References
    /// RFC 9110 §15.5.4
    pub struct Stat011 {
        code: "STAT011",
        name: "resource-403-application",
        title: "resource 403 without an OAuth error",
        category: Other,
        severity: Info,
        kind: Diag,
        fix: "check the application's own authorisation rules (roles, tenant, IP policy) for this user",
        references: ["RFC 9110 §15.5.4"],
        explains_statuses: [(ResourceForbidden, 1)],
    }
}

impl Rule for Stat011 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            if e.kind != Kind::Resource || r.status != 403 || e.server_error().is_some() {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "`{}` answered 403 without an OAuth error: the application refused the action",
                    e.request.endpoint()
                ),
            )
            .strength(Strength::Heuristic)
            .text(e.index, "response.status", "403")
            .emit();
        }
    }
}
