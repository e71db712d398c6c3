//! `DPOP009` dpop-ath-mismatch: ath missing or wrong at the resource server.

use super::*;

declare_rule! {
    /// ## What it does
    /// For resource requests with `Authorization: DPoP <token>`, recomputes
    /// `base64url(SHA-256(token))` and compares it with the proof's `ath`; flags a missing
    /// `ath`, and says when `ath` is the hash of another token of the capture (an older token
    /// after a refresh).
    ///
    /// ## Why it fails
    /// At a resource server the proof must be bound to the access token it accompanies (RFC
    /// 9449 §4.2, §7.1); a missing or wrong `ath` is rejected with `invalid_dpop_proof`.
    ///
    /// ## Example
    /// A proof created before the token was refreshed still carries the old token's `ath` → `401
    /// WWW-Authenticate: DPoP error="invalid_dpop_proof"`.
    ///
    /// ## Fix
    /// Include `ath` computed over the exact access-token string sent in the same request.
    ///
    /// ## References
    /// RFC 9449 §4.2, §4.3, §7.1
    pub struct Dpop009 {
        code: "DPOP009",
        name: "dpop-ath-mismatch",
        title: "ath missing or wrong at the resource server",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "include `ath` = base64url(SHA-256(access token)) of the exact token sent",
        references: ["RFC 9449 §4.2", "RFC 9449 §7.1"],
        explains_errors: [("invalid_dpop_proof", 5)],
    }
}

impl Rule for Dpop009 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            let Some(token) = dpop_token(e) else { continue };
            let Some(p) = proof_of(e) else { continue };
            if p.jwt.is_none() || !relevant(e) {
                continue;
            }
            let want = b64_sha256(token.as_bytes());
            let ath = p.claim_str("ath");
            let message = match ath {
                None => format!(
                    "the DPoP proof sent to `{}` with a DPoP-bound token has no `ath`",
                    e.request.endpoint()
                ),
                Some(a) if a == want => continue,
                Some(a) => {
                    let other = ex.iter().find_map(|x| {
                        let r = x.response.as_ref()?;
                        let t = r.field("access_token")?;
                        (t != token && b64_sha256(t.as_bytes()) == a).then_some(x.index)
                    });
                    // Common slips: hashing the whole header value, or hex instead of base64url.
                    let header = e.request.headers.get("authorization").unwrap_or("").trim();
                    let whole = [
                        header.to_string(),
                        format!("DPoP {token}"),
                        format!("Bearer {token}"),
                    ]
                    .iter()
                    .any(|v| b64_sha256(v.as_bytes()) == a);
                    let hex: String = sha2::Sha256::digest(token.as_bytes())
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect();
                    let std_b64 = base64::engine::general_purpose::STANDARD
                        .encode(sha2::Sha256::digest(token.as_bytes()));
                    match other {
                        Some(i) => format!(
                            "the DPoP proof's `ath` is the hash of the access token issued in exchange {}, not of the token sent to `{}`",
                            i + 1,
                            e.request.endpoint()
                        ),
                        None if whole => format!(
                            "the DPoP proof's `ath` was computed over the whole `Authorization` value (scheme included), not over the access token sent to `{}`",
                            e.request.endpoint()
                        ),
                        None if a.eq_ignore_ascii_case(&hex)
                            || a == std_b64
                            || a == std_b64.trim_end_matches('=') =>
                        {
                            format!(
                                "the DPoP proof's `ath` is the SHA-256 of the token in the wrong encoding ({}), base64url without padding is required",
                                if a.eq_ignore_ascii_case(&hex) {
                                    "hex"
                                } else {
                                    "standard base64"
                                }
                            )
                        }
                        None => format!(
                            "the DPoP proof's `ath` is not the SHA-256 of the access token sent to `{}`",
                            e.request.endpoint()
                        ),
                    }
                }
            };
            let mut rep = cx
                .report(e.index, message)
                .strength(if ath.is_some() {
                    Strength::Recomputed
                } else {
                    Strength::Direct
                })
                .text(e.index, "dpop.claims.ath", ath.unwrap_or("(absent)"))
                .text(e.index, "recomputed.ath", want)
                .secret(e.index, "request.headers.dpop", p.raw.clone());
            if confirm_proof(e, &["ath"]) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
