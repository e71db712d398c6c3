//! `DPOP003` stale-dpop-nonce: wrong or stale dpop nonce.

use super::*;

declare_rule! {
    /// ## What it does
    /// For every proof with a `nonce` claim, finds the latest `DPoP-Nonce` the same origin
    /// (scheme, host, port) sent before the request, and flags a proof whose nonce differs:
    /// a nonce from the other server (authorization server nonce used at the resource server or
    /// the reverse), an older nonce the server has since rotated, or one the server never sent.
    ///
    /// ## Why it fails
    /// Nonces are per server and may change on any response (RFC 9449 §8.2, §9); a client
    /// that keeps one global nonce, or ignores the `DPoP-Nonce` of successful responses, sends
    /// stale nonces and gets `use_dpop_nonce` or `invalid_dpop_proof` again.
    ///
    /// ## Example
    /// The token endpoint sent `DPoP-Nonce: as-n-1`; the API call's proof carries `nonce:
    /// as-n-1` while the API's own nonce is `rs-n-7`.
    ///
    /// ## Fix
    /// Store nonces per server origin and update them from every `DPoP-Nonce` response header.
    ///
    /// ## References
    /// RFC 9449 §8.2, §9
    pub struct Dpop003 {
        code: "DPOP003",
        name: "stale-dpop-nonce",
        title: "wrong or stale dpop nonce",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "track DPoP nonces per server origin and update them from every `DPoP-Nonce` response header",
        references: ["RFC 9449 §8.2", "RFC 9449 §9"],
        explains_errors: [("invalid_dpop_proof", 6), ("use_dpop_nonce", 2)],
    }
}

fn origin(e: &Exchange) -> String {
    e.request
        .parsed
        .as_ref()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

impl Rule for Dpop003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let nonces: Vec<(&Exchange, &str)> = ex
            .iter()
            .filter_map(|x| dpop_nonce(x).map(|n| (x, n)))
            .collect();
        for p in proofs(ex) {
            let Some(sent) = p.claim_str("nonce") else {
                continue;
            };
            let e = &ex[p.exchange];
            if !relevant(e) {
                continue;
            }
            let o = origin(e);
            let earlier: Vec<(&Exchange, &str)> = nonces
                .iter()
                .take_while(|(x, _)| x.index < e.index)
                .copied()
                .collect();
            let latest_here = earlier.iter().rev().find(|(x, _)| origin(x) == o);
            if latest_here.is_some_and(|(_, n)| *n == sent) {
                continue;
            }
            let from_other = earlier
                .iter()
                .rev()
                .find(|(x, n)| *n == sent && origin(x) != o);
            let older_here = earlier.iter().find(|(x, n)| *n == sent && origin(x) == o);
            let why = if let Some((x, _)) = from_other {
                format!(
                    "it is the nonce `{}` sent in exchange {} (another server)",
                    origin(x),
                    x.number()
                )
            } else if let Some((x, _)) = older_here {
                format!(
                    "it is an older nonce from exchange {}; the server has rotated it since",
                    x.number()
                )
            } else if latest_here.is_some() {
                "the server never sent it".to_string()
            } else {
                continue; // no nonce from this origin in the capture: nothing to compare with
            };
            let latest = latest_here.map(|(_, n)| n.to_string());
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the DPoP proof sent to `{}` carries `nonce: {sent}` but {}: {why}",
                        e.request.endpoint(),
                        latest
                            .as_deref()
                            .map(|l| format!("`{o}` last sent `DPoP-Nonce: {l}`"))
                            .unwrap_or_else(|| format!("`{o}` never sent a nonce"))
                    ),
                )
                .strength(Strength::Recomputed)
                .text(e.index, "dpop.claims.nonce", sent)
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if let Some((x, n)) = latest_here {
                rep = rep.text(x.index, "response.headers.dpop-nonce", n.to_string());
            }
            if error_is(e, "use_dpop_nonce") || confirm_proof(e, &["nonce"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
