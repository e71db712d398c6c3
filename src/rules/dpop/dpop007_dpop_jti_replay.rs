//! `DPOP007` dpop-jti-replay: proof jti missing or replayed.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a proof without `jti`, and a proof whose `jti` (or whole value) was already sent
    /// in an earlier request of the capture — typically a retry that re-sends the same proof.
    ///
    /// ## Why it fails
    /// Servers remember proof identifiers within the acceptance window and reject a second use
    /// (RFC 9449 §11.1): each HTTP request, including every retry, needs a new proof.
    ///
    /// ## Example
    /// `POST /token` → `503`; the client retries with the same `DPoP` header → `400
    /// invalid_dpop_proof` "DPoP proof replay detected".
    ///
    /// ## Fix
    /// Create a new proof with a fresh random `jti` for every request, retries included.
    ///
    /// ## References
    /// RFC 9449 §4.2, §4.3, §11.1
    pub struct Dpop007 {
        code: "DPOP007",
        name: "dpop-jti-replay",
        title: "proof jti missing or replayed",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "create a new proof with a fresh random `jti` for every request, retries included",
        references: ["RFC 9449 §4.2", "RFC 9449 §11.1"],
        explains_errors: [("invalid_dpop_proof", 3)],
    }
}

impl Rule for Dpop007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let all = proofs(ex);
        // First proof of each value and of each jti.
        let mut first_raw: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::new();
        let mut first_jti: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::new();
        for (i, p) in all.iter().enumerate() {
            first_raw.entry(p.raw.as_str()).or_insert(i);
            if let Some(j) = p.claim_str("jti") {
                first_jti.entry(j).or_insert(i);
            }
        }
        for (i, p) in all.iter().enumerate() {
            let e = &ex[p.exchange];
            if p.jwt.is_none() || !relevant(e) {
                continue;
            }
            let jti = p.claim_str("jti");
            let message = match jti {
                None => format!(
                    "the DPoP proof sent to `{}` has no `jti`",
                    e.request.endpoint()
                ),
                Some(j) => {
                    let earliest = [first_raw.get(p.raw.as_str()), first_jti.get(j)]
                        .into_iter()
                        .flatten()
                        .copied()
                        .filter(|&k| k < i)
                        .min();
                    let Some(prev) = earliest.and_then(|k| all.get(k)) else {
                        continue;
                    };
                    format!(
                        "the DPoP proof sent to `{}` reuses {} of the proof sent in exchange {}",
                        e.request.endpoint(),
                        if prev.raw == p.raw {
                            "the whole value".to_string()
                        } else {
                            format!("`jti: {j}`")
                        },
                        prev.exchange + 1
                    )
                }
            };
            let mut rep = cx
                .report(e.index, message)
                .strength(if jti.is_some() {
                    Strength::Recomputed
                } else {
                    Strength::Direct
                })
                .text(e.index, "dpop.claims.jti", jti.unwrap_or("(absent)"))
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if confirm_proof(e, &["jti", "replay", "reuse", "already"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
