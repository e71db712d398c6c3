//! `PKCE001` verifier-does-not-match-challenge: code_verifier does not match code_challenge.

use super::*;
use crate::model::masked::{is_masked, is_own_placeholder};

declare_rule! {
    /// ## What it does
    /// For every failed authorization-code redemption, recomputes
    /// BASE64URL-NOPAD(SHA-256(ASCII(`code_verifier`))) (or takes the verifier itself for
    /// `plain`) and compares it with the `code_challenge` of the authorization request the code
    /// came from. On a mismatch it looks for the usual cause: the challenge is the hex digest,
    /// keeps `=` padding, uses the `+/` alphabet, is the verifier hashed twice, equals the
    /// verifier, or matches the challenge of *another* authorization request in the capture
    /// (parallel logins or tabs sharing one verifier slot). Without `code_challenge_method` the
    /// server defaults to `plain`; a verifier whose S256 matches is PKCE006, not this rule.
    ///
    /// ## Why it fails
    /// The server stores the challenge with the code and recomputes it from the verifier
    /// (RFC 7636 §4.6); any difference is `invalid_grant`. The verifier was regenerated, read from
    /// another session, or transformed wrongly (§4.2).
    ///
    /// ## Example
    /// Authorization request `code_challenge=JR4BGDjD…EtA&code_challenge_method=S256`; token
    /// request `code_verifier=nroj7HdY…` whose S256 is `Yk2x…` → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Persist the verifier with the transaction (keyed by `state`), and compute the challenge
    /// as base64url without padding of the raw SHA-256 digest of the verifier.
    ///
    /// ## References
    /// RFC 7636 §4.2, §4.6
    pub struct Pkce001 {
        code: "PKCE001",
        name: "verifier-does-not-match-challenge",
        title: "code_verifier does not match code_challenge",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "persist the verifier with the transaction (keyed by `state`) and send the one whose S256 is the challenge; compute S256 as base64url without padding of the SHA-256 digest",
        references: ["RFC 7636 §4.2", "RFC 7636 §4.6"],
        explains_errors: [("invalid_grant", 0)],
        absorbs: ["REDIR009", "GRANT005"],
        grants: ["authorization_code"],
    }
}

impl Rule for Pkce001 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for e in ex.iter().filter(|e| e.is_code_redemption() && e.failed()) {
            let i = e.index;
            let Some(v) = e.request.param("code_verifier").filter(|v| !v.is_empty()) else {
                let challenged = idx
                    .authorize_of(ex, e)
                    .is_some_and(|(az, _, _)| idx.az_param(ex, az, "code_challenge").is_some());
                cx.rule_out(
                    i,
                    if challenged {
                        "no `code_verifier` in the token request"
                    } else {
                        "no PKCE in this flow"
                    },
                );
                continue;
            };
            let Some((az, link, _)) = idx.authorize_of(ex, e) else {
                cx.cannot_tell(i, "the authorization request is not in the capture");
                continue;
            };
            let Some(ch) = idx
                .az_param(ex, az, "code_challenge")
                .filter(|c| !c.is_empty())
            else {
                cx.rule_out(
                    i,
                    format!(
                        "the authorization request #{} sent no `code_challenge`",
                        az.number()
                    ),
                );
                continue;
            };
            let method = idx.az_param(ex, az, "code_challenge_method");
            // `oauth-doctor redact` keeps a verifier and its challenge consistent (the challenge
            // of a redacted verifier is rewritten to the S256 of its placeholder), so its own
            // placeholders compare as values; another tool's mask does not.
            let unknown = |x: &str| is_masked(x) && !is_own_placeholder(x);
            if unknown(&v) || unknown(&ch) {
                cx.cannot_tell(
                    i,
                    "the verifier or the challenge is redacted in the capture",
                );
                continue;
            }
            let computed = s256(&v);
            let matches = match method.as_deref() {
                Some("S256") => computed == ch,
                Some("plain") => v == ch,
                None => v == ch || computed == ch,
                Some(_) => {
                    cx.cannot_tell(i, "the challenge method is not one S256 or plain");
                    continue;
                }
            };
            if matches {
                cx.rule_out(
                    i,
                    format!("the verifier matches the challenge of #{}", az.number()),
                );
                continue;
            }
            let other = idx
                .az_with_challenge(ex, &computed, az.index)
                .or_else(|| idx.az_with_challenge(ex, &v, az.index));
            let cause = match other {
                Some(o) => format!(
                    "it matches the challenge of another authorization request (exchange #{}): parallel logins or tabs share one stored verifier",
                    o.number()
                ),
                None => mismatch_cause(&v, &ch).unwrap_or_else(|| {
                    "the verifier was regenerated or read from another session".to_string()
                }),
            };
            let what = if method.as_deref() == Some("plain") {
                "the verifier".to_string()
            } else {
                format!("the S256 of the verifier is `{computed}`")
            };
            let message = format!(
                "{what}, but the authorization request (exchange #{}) sent `code_challenge` `{ch}`; {cause} (verifier: {})",
                az.number(),
                shape(&v)
            );
            cx.report(e.index, message)
                .confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                .strength(if link == Link::Code {
                    Strength::Recomputed
                } else {
                    Strength::Direct
                })
                .secret(e.index, "request.body.code_verifier", v)
                .text(az.index, "request.query.code_challenge", ch)
                .text(e.index, "s256(request.body.code_verifier)", computed)
                .emit();
        }
    }
}
