//! `JWT013` at-hash-mismatch: at_hash mismatch.

use super::*;

declare_rule! {
    /// ## What it does
    /// Recomputes `at_hash` (and `c_hash` for front-channel ID tokens) — base64url of the left
    /// half of the hash of the access token (code), the hash chosen by the ID token's `alg` — and
    /// compares it with the claim.
    ///
    /// ## Why it fails
    /// `at_hash` binds the access token to the ID token of the same response (OIDC Core
    /// §3.1.3.8, §3.2.2.9). A mismatch means the access token was replaced or altered in transit
    /// (a token-translating gateway, a proxy), or tokens from two responses were mixed. The
    /// catalogue leaves the hash for EdDSA open ("implementations vary"): SHA-512 (the OpenID
    /// Foundation's reading for Ed25519) and SHA-256 are both accepted.
    ///
    /// ## Example
    /// `id_token.at_hash: 77QmUPtjPfzWtF2AnpK9RQ`, left half of SHA-256 of the returned access
    /// token `hYb…` → the client fails with "at_hash mismatch".
    ///
    /// ## Fix
    /// Keep the access token and ID token of one response together and unaltered; find the
    /// component that rewrites the token response.
    ///
    /// ## References
    /// OIDC Core §3.1.3.6, §3.1.3.8, §3.2.2.9, §3.3.2.11
    pub struct Jwt013 {
        code: "JWT013",
        name: "at-hash-mismatch",
        title: "at_hash mismatch",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "keep the access token and ID token of one response together and unaltered; find what rewrites the token response",
        references: ["OIDC Core §3.1.3.6", "OIDC Core §3.1.3.8", "OIDC Core §3.2.2.9"],
    }
}

/// Whether `claim` is the left-half hash of `value` for `alg` (EdDSA: SHA-512, or SHA-256 as
/// some implementations do).
fn half_hash_matches(alg: &str, value: &str, claim: &str) -> Option<bool> {
    let primary = jose::left_half_hash(alg, value)?;
    if primary == claim {
        return Some(true);
    }
    if alg == "EdDSA" {
        if let Some(alt) = jose::left_half_hash("RS256", value) {
            return Some(alt == claim);
        }
    }
    Some(false)
}

impl Rule for Jwt013 {
    fn check(&self, cx: &mut Context<'_>) {
        let mut by_half: std::collections::HashMap<
            String,
            std::collections::HashMap<String, Vec<usize>>,
        > = Default::default();
        for (t, v, d) in received_id_tokens(cx) {
            let (Some(alg), Some(claim)) = (d.alg(), d.claim_str("at_hash")) else {
                continue;
            };
            let Some(at) = t.response.as_ref().and_then(|r| r.field("access_token")) else {
                continue;
            };
            if half_hash_matches(alg, at, claim) != Some(false) {
                continue;
            }
            let (anchor, outcome) = id_token_anchor(cx, t);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            // Which response's access token the claim does hash: every access token is hashed
            // once per algorithm, however many ID tokens mismatch.
            let hashes = by_half.entry(alg.to_string()).or_insert_with(|| {
                let mut m: std::collections::HashMap<String, Vec<usize>> = Default::default();
                for e in cx.exchanges {
                    let Some(x) = e.response.as_ref().and_then(|r| r.field("access_token")) else {
                        continue;
                    };
                    let alt = (alg == "EdDSA").then(|| jose::left_half_hash("RS256", x));
                    for h in [jose::left_half_hash(alg, x)]
                        .into_iter()
                        .chain(alt)
                        .flatten()
                    {
                        m.entry(h).or_default().push(e.index);
                    }
                }
                m
            });
            let other = hashes
                .get(claim)
                .and_then(|v| v.iter().copied().find(|&i| i != t.index));
            let confirmed = is_failure(a) && server_says(a, &[], &["at_hash"]);
            let message = format!(
                "the ID token's `at_hash` does not match the access token of the same response (exchange {}){}",
                t.number(),
                match other {
                    Some(o) => format!(
                        "; it matches the access token of exchange {}: tokens of two responses were mixed",
                        o + 1
                    ),
                    None => ": the access token was replaced or altered".to_string(),
                }
            );
            let mut rep = cx
                .report(anchor, message)
                .strength(Strength::Recomputed)
                .text(t.index, "jwt.claims.at_hash", claim)
                .text(
                    t.index,
                    "recomputed.at_hash",
                    jose::left_half_hash(alg, at).unwrap_or_default(),
                )
                .secret(t.index, "response.body.access_token", at.to_string())
                .secret(t.index, "response.body.id_token", v);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
        // Front channel: hybrid / implicit responses.
        for a in cx.index.authz_responses.clone() {
            let Some(idt) = a.params.get("id_token") else {
                continue;
            };
            let Some(d) = decoded(idt) else { continue };
            let Some(alg) = d.alg() else { continue };
            for (claim_name, field) in [("at_hash", "access_token"), ("c_hash", "code")] {
                let (Some(claim), Some(value)) = (d.claim_str(claim_name), a.params.get(field))
                else {
                    continue;
                };
                if half_hash_matches(alg, value, claim) != Some(false) {
                    continue;
                }
                let anchor = callback_of_authz(cx, a.exchange).unwrap_or(a.exchange);
                let message = format!(
                    "the front-channel ID token's `{claim_name}` does not match the `{field}` of the same authorization response"
                );
                cx.report(anchor, message)
                    .strength(Strength::Recomputed)
                    .text(a.exchange, format!("jwt.claims.{claim_name}"), claim)
                    .secret(
                        a.exchange,
                        format!("authorization_response.{field}"),
                        value.to_string(),
                    )
                    .emit();
            }
        }
    }
}
