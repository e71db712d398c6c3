//! `STAT009` resource-invalid-token: resource rejected the token (invalid_token).

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a resource-server 401 whose challenge says `error="invalid_token"` and points the
    /// other checkers (expiry, audience, issuer, signature, DPoP) at the presented token.
    ///
    /// ## Why it fails
    /// The token was expired, revoked, malformed, signed by an unknown key or issued for another
    /// resource. When none of the specific checks finds the defect in the capture, the token was
    /// most likely revoked or is meant for another API.
    ///
    /// ## Example
    /// `401 WWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"`.
    ///
    /// ## Fix
    /// Fix the specific defect; otherwise refresh the token once and retry, and check which
    /// audience it was issued for.
    ///
    /// ## References
    /// RFC 6750 §3.1
    pub struct Stat009 {
        code: "STAT009",
        name: "resource-invalid-token",
        title: "resource rejected the token (invalid_token)",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "refresh the token once and retry; if that fails, check the token's audience, issuer and signature",
        references: ["RFC 6750 §3.1"],
        explains_statuses: [(ResourceUnauthorized, 16)],
        role: Restates,
    }
}

impl Rule for Stat009 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            if !matches!(e.kind, Kind::Resource | Kind::Userinfo) {
                continue;
            }
            let Some(err) = e.server_error() else {
                continue;
            };
            if err.code != "invalid_token" {
                continue;
            }
            let cat = crate::diagnosis::fallback_category(
                "invalid_token",
                e.kind,
                None,
                err.description.as_deref(),
            );
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "`{}` rejected the presented token with `invalid_token`{}",
                        e.request.endpoint(),
                        err.description
                            .as_deref()
                            .map(|d| format!(": {d}"))
                            .unwrap_or_default()
                    ),
                )
                .category(cat)
                .strength(Strength::Heuristic)
                .confirmed()
                .text(e.index, err.at, "invalid_token");
            if let Some(d) = &err.description {
                rep = rep.text(e.index, "error_description", d.clone());
            }
            rep.emit();
        }
    }
}
