//! `EXP008` introspection-inactive: introspection reports inactive token.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an introspection response `200 {"active": false}` and anchors it on the resource call
    /// that was refused with the same token (the introspection was made for it), adding what
    /// the capture shows about the token: an earlier revocation request, or a JWT `exp` in the
    /// past.
    ///
    /// ## Why it fails
    /// The authorization server says the token is not usable: expired, revoked (logout,
    /// revocation request), issued by another server, or unknown (RFC 7662 §2.2). The resource
    /// server must then answer `401 invalid_token`.
    ///
    /// ## Example
    /// `POST /revoke token=…` → `200`; two minutes later the API introspects the same token →
    /// `200 {"active":false}` and answers `401 invalid_token`.
    ///
    /// ## Fix
    /// Obtain a new token (refresh or re-authorize); resource servers must map `active:false` to
    /// `401 invalid_token`, not to a 500.
    ///
    /// ## References
    /// RFC 7662 §2.2
    pub struct Exp008 {
        code: "EXP008",
        name: "introspection-inactive",
        title: "introspection reports inactive token",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "obtain a new token; resource servers must answer `401 invalid_token` for `active:false`",
        references: ["RFC 7662 §2.2"],
        explains_errors: [("invalid_token", 11)],
        explains_statuses: [(ResourceUnauthorized, 15)],
    }
}

impl Rule for Exp008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let revocations = revocations(ex);
        let leeway = cx.options.leeway;
        for i in ex.iter().filter(|e| e.kind == Kind::Introspection) {
            let inactive = i
                .answer_object()
                .and_then(|j| j.get("active"))
                .is_some_and(|v| v == &Value::Bool(false));
            if !inactive {
                continue;
            }
            let Some(t) = i.request.param("token") else {
                continue;
            };
            let anchor = ex
                .iter()
                .filter(|e| {
                    token_refused(e) && e.request.presented_token().as_deref() == Some(t.as_str())
                })
                .min_by_key(|e| {
                    e.sent_ms()
                        .zip(i.sent_ms())
                        .map(|(a, b)| (a - b).abs())
                        .unwrap_or(i64::MAX)
                });
            let mut why = String::new();
            if let Some(r) = revocations
                .get(t.as_str())
                .filter(|&&r| r < i.index)
                .map(|&r| &ex[r])
            {
                why = format!("; exchange #{} revoked it", r.number());
            } else if let (Ok(d), Some(now)) = (jwt::decode(&t), cx.judged_at_secs(i)) {
                if let Some(exp) = d
                    .claim_time("exp")
                    .filter(|x| now > x.saturating_add(leeway))
                {
                    why = format!(
                        "; its `exp` passed {} earlier",
                        human_duration(now.saturating_sub(exp))
                    );
                }
            }
            let anchor_ix = anchor.map(|a| a.index).unwrap_or(i.index);
            let on = anchor
                .map(|a| format!(" for the call in exchange #{}", a.number()))
                .unwrap_or_default();
            let message = format!(
                "the introspection endpoint (exchange #{}) reports the token inactive (`active: false`){on}{why}",
                i.number()
            );
            cx.report(anchor_ix, message)
                .confirmed_if(alias_signal(&ex[anchor_ix], &["invalid_token"]))
                .strength(Strength::Direct)
                .secret(i.index, "request.body.token", t)
                .text(i.index, "response.body.active", "false")
                .emit();
        }
    }
}
