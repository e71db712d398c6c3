//! `PKCE006` challenge-method-omitted: code_challenge_method omitted (defaults to plain).

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an authorization request with `code_challenge` but no `code_challenge_method` when
    /// the client computed an S256 challenge: the verifier of the linked token request hashes to
    /// it, or the authorization server's error names `code_challenge_method`.
    ///
    /// ## Why it fails
    /// Without a method the server must assume `plain` (RFC 7636 §4.3) and compares the verifier
    /// with the challenge literally: the S256 value never matches, so the code redemption fails
    /// with `invalid_grant`. Servers that require S256 reject the authorization request instead.
    ///
    /// ## Example
    /// `GET /authorize?…&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM` (no method);
    /// the token request's verifier hashes to that value → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Always send `code_challenge_method=S256` with the challenge.
    ///
    /// ## References
    /// RFC 7636 §4.3
    pub struct Pkce006 {
        code: "PKCE006",
        name: "challenge-method-omitted",
        title: "code_challenge_method omitted (defaults to plain)",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "always send `code_challenge_method=S256` with the challenge",
        references: ["RFC 7636 §4.3"],
        explains_errors: [("invalid_grant", 9)],
        grants: ["authorization_code"],
    }
}

impl Rule for Pkce006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        // For each failed redemption, whether its flow could have this cause at all.
        let failed: Vec<&Exchange> = ex
            .iter()
            .filter(|e| e.is_code_redemption() && cx.weighs(e.index))
            .collect();
        for e in failed {
            let Some((az, _, _)) = idx.authorize_of(ex, e) else {
                continue;
            };
            if idx.az_param(ex, az, "code_challenge").is_none() {
                cx.rule_out(e.index, "no PKCE in this flow");
            } else if let Some(m) = idx.az_param(ex, az, "code_challenge_method") {
                cx.rule_out(
                    e.index,
                    format!("#{} names `code_challenge_method` `{m}`", az.number()),
                );
            }
        }
        for az in authorization_requests(ex) {
            let Some(ch) = idx
                .az_param(ex, az, "code_challenge")
                .filter(|c| !c.is_empty())
            else {
                continue;
            };
            if idx.az_param(ex, az, "code_challenge_method").is_some() {
                continue;
            }
            if let Some(tok) = idx.redemption_of(ex, az) {
                let Some(v) = tok.request.param("code_verifier").filter(|v| !v.is_empty()) else {
                    continue;
                };
                if s256(&v) != ch || v == ch {
                    continue;
                }
                let message = format!(
                    "the authorization request (exchange #{}) sent an S256 `code_challenge` without `code_challenge_method`, so the server compares it as `plain` with the verifier",
                    az.number()
                );
                cx.report(tok.index, message)
                    .confirmed_if(alias_signal(&ex[tok.index], &["invalid_grant"]))
                    .strength(Strength::Recomputed)
                    .text(az.index, "request.query.code_challenge_method", "(absent)")
                    .text(az.index, "request.query.code_challenge", ch)
                    .secret(tok.index, "request.body.code_verifier", v)
                    .emit();
                continue;
            }
            if let Some((i, code, desc)) = az_error(ex, idx, az) {
                if desc.to_ascii_lowercase().contains("code_challenge_method") {
                    let message = format!(
                        "the authorization request sent `code_challenge` without `code_challenge_method` and was refused (`{code}`)"
                    );
                    cx.report(i, message)
                        .confirmed_if(alias_signal(&ex[i], &["invalid_grant"]))
                        .strength(Strength::Direct)
                        .confirmed()
                        .text(az.index, "request.query.code_challenge_method", "(absent)")
                        .emit();
                }
            }
        }
    }
}
