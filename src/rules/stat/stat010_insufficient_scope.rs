//! `STAT010` insufficient-scope: resource requires a scope the token lacks.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a 403 with `error="insufficient_scope"` and compares the scope the resource asks for
    /// with what the token response granted.
    ///
    /// ## Why it fails
    /// The token does not carry a scope the API requires: it was not requested, not consented,
    /// or the authorization server granted fewer scopes than requested (RFC 6749 §3.3).
    ///
    /// ## Example
    /// `403 WWW-Authenticate: Bearer error="insufficient_scope", scope="orders:write"`.
    ///
    /// ## Fix
    /// Request the needed scope in a new authorization and check the granted `scope` in the token
    /// response.
    ///
    /// ## References
    /// RFC 6750 §3.1; RFC 6749 §3.3
    pub struct Stat010 {
        code: "STAT010",
        name: "insufficient-scope",
        title: "resource requires a scope the token lacks",
        category: ScopeConsent,
        severity: Error,
        kind: Diag,
        fix: "request the scope the resource names (new authorization) and check the `scope` granted in the token response",
        references: ["RFC 6750 §3.1", "RFC 6749 §3.3"],
        explains_errors: [("insufficient_scope", 0)],
        explains_statuses: [(ResourceForbidden, 0)],
    }
}

impl Rule for Stat010 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            let Some(err) = e.server_error() else {
                continue;
            };
            if err.code != "insufficient_scope" {
                continue;
            }
            let needed = challenges(r)
                .iter()
                .find_map(|c| c.get("scope").map(str::to_string));
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "`{}` answered `insufficient_scope`{}",
                        e.request.endpoint(),
                        needed
                            .as_deref()
                            .map(|s| format!("; it requires scope `{s}`"))
                            .unwrap_or_default()
                    ),
                )
                .confirmed()
                .text(e.index, err.at, "insufficient_scope");
            if let Some(s) = needed {
                rep = rep.text(e.index, "response.headers.www-authenticate.scope", s);
            }
            rep.emit();
        }
    }
}
