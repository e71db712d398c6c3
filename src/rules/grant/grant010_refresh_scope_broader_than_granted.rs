//! `GRANT010` refresh-scope-broader-than-granted: refresh requests broader scope than originally granted.

use super::*;

declare_rule! {
    /// ## What it does
    /// For every failed refresh request that sends `scope`, finds the response that issued the
    /// refresh token and compares: any requested value outside the scope originally granted (the
    /// issuing response's `scope`, else the scope that was requested) is reported.
    ///
    /// ## Why it fails
    /// A refresh may only keep or narrow the original grant (RFC 6749 §6): scopes the resource
    /// owner never consented to need a new authorization. The server answers `invalid_scope`
    /// (some answer `invalid_grant`).
    ///
    /// ## Example
    /// Consent for `openid profile offline_access orders.read`; refresh with
    /// `scope=openid profile offline_access orders.read orders.write` → `400 invalid_scope`.
    ///
    /// ## Fix
    /// Omit `scope` on refresh (the original scope is kept) or request a subset; run a new
    /// authorization to add scopes.
    ///
    /// ## References
    /// RFC 6749 §6, §3.3
    pub struct Grant010 {
        code: "GRANT010",
        name: "refresh-scope-broader-than-granted",
        title: "refresh requests broader scope than originally granted",
        category: ScopeConsent,
        severity: Error,
        kind: Diag,
        fix: "omit `scope` on refresh or request a subset of the granted scope; run a new authorization to add scopes",
        references: ["RFC 6749 §6", "RFC 6749 §3.3"],
        explains_errors: [("invalid_scope", 2)],
        grants: ["refresh_token"],
    }
}

/// The scope originally granted with a refresh token: the issuing response's `scope`, else
/// what the issuing request (or its authorization request) asked for. (scope, exchange, where,
/// from the response).
fn granted_scope(
    ex: &[Exchange],
    idx: &crate::model::flow::Index,
    x: &Exchange,
) -> Option<(String, usize, &'static str, bool)> {
    if let Some(s) = x.response.as_ref().and_then(|r| r.field("scope")) {
        return Some((s.to_string(), x.index, "response.body.scope", true));
    }
    if let Some(s) = x.request.param("scope") {
        return Some((s, x.index, "request.body.scope", false));
    }
    if x.is_code_redemption() {
        let (az, _, _) = idx.authorize_of(ex, x)?;
        return idx
            .az_param(ex, az, "scope")
            .map(|s| (s, az.index, "request.query.scope", false));
    }
    None
}

impl Rule for Grant010 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for e in ex.iter().filter(|e| e.is_refresh() && e.failed()) {
            let Some(req) = e.request.param("scope").filter(|s| !s.trim().is_empty()) else {
                continue;
            };
            let Some(rt) = e.request.param("refresh_token") else {
                continue;
            };
            let Some(x) = idx.issuer(ex, &rt) else {
                continue;
            };
            let Some((granted, gi, gat, from_response)) = granted_scope(ex, idx, x) else {
                continue;
            };
            let g = scope_set(&granted);
            let extra: Vec<String> = scope_set(&req).difference(&g).cloned().collect();
            if extra.is_empty() {
                continue;
            }
            let list = extra
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ");
            cx.report(
                e.index,
                format!(
                    "the refresh asks for {list}, outside the scope `{granted}` {} (exchange #{})",
                    if from_response {
                        "granted with this refresh token"
                    } else {
                        "originally requested"
                    },
                    gi + 1
                ),
            )
            .confirmed_if(alias_signal(
                &ex[e.index],
                &["invalid_scope", "invalid_grant"],
            ))
            .strength(if from_response {
                Strength::Recomputed
            } else {
                Strength::Direct
            })
            .text(e.index, "request.body.scope", req)
            .text(gi, gat, granted)
            .emit();
        }
    }
}
