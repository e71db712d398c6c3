//! `DPOP005` dpop-htm-mismatch: htm does not match method.

use super::*;

declare_rule! {
    /// ## What it does
    /// Compares each proof's `htm` with the method of the request that carried it
    /// (case-sensitive, as HTTP methods are).
    ///
    /// ## Why it fails
    /// The server checks that the proof was made for this method (RFC 9449 §4.3 step 8). A
    /// proof cached from another call (`GET` proof reused for a `POST`), or a lower-case
    /// method, is rejected.
    ///
    /// ## Example
    /// `POST /token` with a proof whose `htm` is `GET` → `400 invalid_dpop_proof`.
    ///
    /// ## Fix
    /// Sign a fresh proof for every request with the exact method.
    ///
    /// ## References
    /// RFC 9449 §4.2, §4.3; RFC 9110 §9.1
    pub struct Dpop005 {
        code: "DPOP005",
        name: "dpop-htm-mismatch",
        title: "htm does not match method",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "sign a fresh proof per request with the exact HTTP method",
        references: ["RFC 9449 §4.2", "RFC 9449 §4.3", "RFC 9110 §9.1"],
        explains_errors: [("invalid_dpop_proof", 2)],
    }
}

impl Rule for Dpop005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for p in proofs(ex) {
            let Some(htm) = p.claim_str("htm") else {
                continue;
            };
            let e = &ex[p.exchange];
            if htm == e.request.method || !relevant(e) {
                continue;
            }
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the DPoP proof's `htm` is `{htm}` but the request is a `{}`{}",
                        e.request.method,
                        if htm.eq_ignore_ascii_case(&e.request.method) {
                            " (methods are case-sensitive)"
                        } else {
                            ""
                        }
                    ),
                )
                .strength(Strength::Recomputed)
                .text(e.index, "dpop.claims.htm", htm)
                .text(e.index, "request.method", e.request.method.clone())
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if confirm_proof(e, &["htm", "method"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
