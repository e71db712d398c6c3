//! `DPOP013` dpop-jkt-mismatch: dpop_jkt does not match proof key.

use super::*;

declare_rule! {
    /// ## What it does
    /// When the authorization request (or its pushed request) carried `dpop_jkt`, recomputes
    /// the thumbprint of the proof key of the token request that redeems the code, and flags a
    /// difference.
    ///
    /// ## Why it fails
    /// `dpop_jkt` binds the authorization code to a DPoP key (RFC 9449 §10); the server refuses
    /// to redeem the code with another key (`invalid_grant`). Clients that create the key
    /// after the redirect, or per page load, do not match.
    ///
    /// ## Example
    /// Authorization request `dpop_jkt=Nz…`; token request proof key thumbprint `qL…` → `400
    /// invalid_grant`.
    ///
    /// ## Fix
    /// Create the DPoP key before the authorization request, persist it across the redirect,
    /// and use it for the code redemption.
    ///
    /// ## References
    /// RFC 9449 §10, §10.1; RFC 7638 §3
    pub struct Dpop013 {
        code: "DPOP013",
        name: "dpop-jkt-mismatch",
        title: "dpop_jkt does not match proof key",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "create the DPoP key before the authorization request, keep it across the redirect and redeem the code with it",
        references: ["RFC 9449 §10", "RFC 9449 §10.1", "RFC 7638 §3"],
        explains_errors: [("invalid_grant", 10)],
    }
}

impl Rule for Dpop013 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if e.kind != Kind::Token || e.request.form.get("code").is_none() || !relevant(e) {
                continue;
            }
            let Some(az) = cx.index.authorize_for_token(ex, e) else {
                continue;
            };
            if proof_of(e).is_none() && !az.request.query.has("dpop_jkt") {
                cx.rule_out(e.index, "no DPoP in this flow");
                continue;
            }
            let mut source = (az.index, "request.query.dpop_jkt");
            let mut jkt = az.request.query.get("dpop_jkt").map(str::to_string);
            if jkt.is_none() {
                if let Some(ru) = az.request.query.get("request_uri") {
                    if let Some(par) = ex.iter().find(|x| {
                        x.kind == Kind::Par
                            && x.response.as_ref().and_then(|r| r.field("request_uri")) == Some(ru)
                    }) {
                        jkt = par.request.form.get("dpop_jkt").map(str::to_string);
                        source = (par.index, "request.body.dpop_jkt");
                    }
                }
            }
            let Some(jkt) = jkt else { continue };
            let p = proof_of(e);
            let tp = p.as_ref().and_then(Proof::thumbprint);
            if tp.as_deref() == Some(jkt.as_str()) {
                continue;
            }
            let message = match &tp {
                Some(tp) => format!(
                    "the authorization request (exchange {}) bound the code to `dpop_jkt: {jkt}` but the token request's proof key has the thumbprint `{tp}`",
                    source.0 + 1
                ),
                None if p.is_none() => format!(
                    "the authorization request (exchange {}) bound the code to `dpop_jkt: {jkt}` but the token request sent no DPoP proof",
                    source.0 + 1
                ),
                None => continue,
            };
            let mut rep = cx
                .report(e.index, message)
                .strength(Strength::Recomputed)
                .text(source.0, source.1, jkt.clone());
            if let Some(tp) = &tp {
                rep = rep.text(e.index, "dpop.header.jwk#thumbprint", tp.clone());
            }
            if let Some(p) = &p {
                rep = rep.secret(e.index, "request.headers.dpop", p.raw.clone());
            }
            rep.emit();
        }
    }
}
