//! `DPOP011` dpop-key-binding-mismatch: proof key differs from token binding.

use super::*;

declare_rule! {
    /// ## What it does
    /// Recomputes the RFC 7638 thumbprint of the proof's `jwk` and compares it with the key
    /// the token is bound to: `cnf.jkt` of a JWT access token or of an introspection response,
    /// the proof key of the token request that issued an opaque DPoP token, and — for a public
    /// client's refresh — the proof key of the request that obtained the refresh token.
    ///
    /// ## Why it fails
    /// A DPoP-bound token is usable only with the key it was bound to (RFC 9449 §6.1, §7.1). A
    /// client that regenerates its key pair (not persisted across restarts, one key per tab or
    /// worker) can no longer use its tokens, or refresh them.
    ///
    /// ## Example
    /// The token was issued for a proof with thumbprint `Nz…`; after an app restart the API call's
    /// proof has thumbprint `qL…` → `401 invalid_token`.
    ///
    /// ## Fix
    /// Persist the DPoP key pair for the lifetime of the tokens and the refresh token, and use
    /// the same key for every request with them.
    ///
    /// ## References
    /// RFC 9449 §5, §6.1, §7.1; RFC 7638 §3
    pub struct Dpop011 {
        code: "DPOP011",
        name: "dpop-key-binding-mismatch",
        title: "proof key differs from token binding",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "persist the DPoP key pair for the tokens' lifetime and prove possession with that same key",
        references: ["RFC 9449 §6.1", "RFC 9449 §7.1", "RFC 7638 §3"],
        explains_errors: [("invalid_dpop_proof", 7), ("invalid_grant", 14)],
    }
}

/// The thumbprint of the first proof sent to exchange `i`, if any.
fn proof_thumbprint(e: &Exchange) -> Option<String> {
    proof_of(e)?.thumbprint()
}

impl Rule for Dpop011 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if !relevant(e) {
                continue;
            }
            let Some(p) = proof_of(e) else {
                cx.rule_out(e.index, "no DPoP proof in the request");
                continue;
            };
            let Some(tp) = p.thumbprint() else { continue };
            // (expected thumbprint, where it comes from, evidence exchange, strength)
            let mut expected: Option<(String, String, usize, Strength)> = None;
            if let Some(token) = dpop_token(e) {
                if let Some(jkt) = jose::decode(token).ok().and_then(|d| {
                    d.claims
                        .get("cnf")
                        .and_then(|c| c.get("jkt"))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                }) {
                    expected = Some((
                        jkt,
                        "the token's `cnf.jkt`".into(),
                        e.index,
                        Strength::Recomputed,
                    ));
                } else if let Some(jkt) = ex.iter().find_map(|x| {
                    (x.kind == Kind::Introspection && x.request.form.get("token") == Some(token))
                        .then(|| {
                            x.response
                                .as_ref()?
                                .json
                                .as_ref()?
                                .get("cnf")?
                                .get("jkt")?
                                .as_str()
                                .map(|s| (s.to_string(), x.index))
                        })
                        .flatten()
                }) {
                    expected = Some((
                        jkt.0,
                        format!(
                            "`cnf.jkt` of the introspection response in exchange {}",
                            jkt.1 + 1
                        ),
                        jkt.1,
                        Strength::Recomputed,
                    ));
                } else if let Some(t) = issuing_exchange(cx, "access_token", token) {
                    if let Some(k) = proof_thumbprint(t) {
                        expected = Some((
                            k,
                            format!(
                                "the key of the proof that obtained the token in exchange {}",
                                t.number()
                            ),
                            t.index,
                            Strength::Recomputed,
                        ));
                    }
                }
            } else if e.kind == Kind::Token
                && e.request.form.get("grant_type") == Some("refresh_token")
            {
                let public = e.request.authorization().is_none()
                    && e.request.form.get("client_secret").is_none()
                    && e.request.form.get("client_assertion").is_none();
                if let (true, Some(rt)) = (public, e.request.form.get("refresh_token")) {
                    if let Some(t) = issuing_exchange(cx, "refresh_token", rt) {
                        if let Some(k) = proof_thumbprint(t) {
                            expected = Some((
                                k,
                                format!(
                                    "the key of the proof that obtained the refresh token in exchange {}",
                                    t.number()
                                ),
                                t.index,
                                Strength::Recomputed,
                            ));
                        }
                    }
                }
            }
            let Some((want, source, at, strength)) = expected else {
                continue;
            };
            if want == tp {
                continue;
            }
            let message = format!(
                "the DPoP proof sent to `{}` is signed with a key whose thumbprint is `{tp}`, but the token is bound to `{want}` ({source}): the key pair was regenerated or not persisted",
                e.request.endpoint()
            );
            let mut rep = cx
                .report(e.index, message)
                .strength(strength)
                .text(e.index, "dpop.header.jwk#thumbprint", tp.clone())
                .text(at, "binding.jkt", want.clone())
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if is_failure(e)
                && (error_is(e, "invalid_token")
                    || error_is(e, "invalid_dpop_proof")
                    || error_is(e, "invalid_grant")
                    || failure_text(e).contains("jkt")
                    || failure_text(e).contains("thumbprint"))
            {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
