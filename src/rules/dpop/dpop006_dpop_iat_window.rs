//! `DPOP006` dpop-iat-window: proof iat outside acceptance window.

use super::*;

declare_rule! {
    /// ## What it does
    /// Compares each proof's `iat` with the server's `Date` on the response to that request
    /// (the capture's time when there is none) and flags a difference larger than the leeway
    /// (`--leeway`, 60 s by default), or a proof without `iat`.
    ///
    /// ## Why it fails
    /// Servers accept proofs only within a short window around their own clock (RFC 9449 §4.3
    /// step 11, §11.1) to limit replay. A client clock that is off, or proofs created ahead of
    /// time and sent later, are rejected. The window is server-defined; the rule uses the
    /// leeway (`--leeway`) as its estimate.
    ///
    /// ## Example
    /// Server `Date: 10:00:00`, proof `iat` 09:54:30 → `401 invalid_dpop_proof` "iat too old".
    ///
    /// ## Fix
    /// Create each proof just before sending it; synchronise the client clock (NTP), or use
    /// the server's nonce so freshness does not depend on the client clock.
    ///
    /// ## References
    /// RFC 9449 §4.2, §4.3, §11.1
    pub struct Dpop006 {
        code: "DPOP006",
        name: "dpop-iat-window",
        title: "proof iat outside acceptance window",
        category: ClockSkew,
        severity: Error,
        kind: Diag,
        fix: "create proofs just before sending them and synchronise the client clock",
        references: ["RFC 9449 §4.2", "RFC 9449 §4.3", "RFC 9449 §11.1"],
        explains_errors: [("invalid_dpop_proof", 1)],
    }
}

impl Rule for Dpop006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let leeway = cx.options.leeway;
        for p in proofs(ex) {
            let e = &ex[p.exchange];
            if p.jwt.is_none() || !relevant(e) {
                continue;
            }
            let Some(now) = cx.judged_at_secs(e) else {
                continue;
            };
            let iat = p.jwt.as_ref().and_then(|d| d.claim_time("iat"));
            let message = match iat {
                None => format!(
                    "the DPoP proof sent to `{}` has no `iat`",
                    e.request.endpoint()
                ),
                Some(iat) if iat.saturating_sub(now).saturating_abs() > leeway => format!(
                    "the DPoP proof sent to `{}` was issued {} {} the server's time (`iat` {iat}, server time {now}, leeway {leeway} s)",
                    e.request.endpoint(),
                    span(iat.saturating_sub(now)),
                    if iat > now { "after" } else { "before" }
                ),
                Some(_) => continue,
            };
            let mut rep = cx
                .report(e.index, message)
                .strength(if iat.is_some() {
                    Strength::Recomputed
                } else {
                    Strength::Direct
                })
                .text(
                    e.index,
                    "dpop.claims.iat",
                    iat.map(|i| i.to_string())
                        .unwrap_or_else(|| "(absent)".into()),
                )
                .text(
                    e.index,
                    "response.headers.date",
                    date_header(e).unwrap_or("(capture time)"),
                )
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if iat.is_none() {
                rep = rep.category(Category::Parameters);
            }
            if confirm_proof(e, &["iat", "clock", "too old", "future", "expired"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
