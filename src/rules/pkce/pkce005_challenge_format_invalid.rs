//! `PKCE005` challenge-format-invalid: challenge format invalid.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks the syntax of every `code_challenge` in an authorization or pushed authorization
    /// request. With `S256` the challenge must be exactly 43 base64url characters (the encoding
    /// of a 32-byte digest): `=`, `+`, `/`, another length, or a 64-character hex digest are
    /// reported. With `plain` (or no method) the challenge is the verifier itself and must have
    /// 43–128 characters from `[A-Za-z0-9-._~]` (RFC 7636 §4.1, §4.2; the catalogue lists only
    /// the S256 case).
    ///
    /// ## Why it fails
    /// Servers validate the challenge format and answer `invalid_request`; those that do not will
    /// never match the verifier at the token endpoint.
    ///
    /// ## Example
    /// `code_challenge=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08&code_challenge_method=S256`
    /// (hex) → `error=invalid_request`.
    ///
    /// ## Fix
    /// base64url-encode the raw 32-byte SHA-256 digest of the verifier, without padding.
    ///
    /// ## References
    /// RFC 7636 §4.2, §4.3, §4.1
    pub struct Pkce005 {
        code: "PKCE005",
        name: "challenge-format-invalid",
        title: "challenge format invalid",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "base64url-encode the raw 32-byte SHA-256 digest of the verifier without padding (43 characters)",
        references: ["RFC 7636 §4.2", "RFC 7636 §4.3", "RFC 7636 §4.1"],
    }
}

impl Rule for Pkce005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for az in authorization_requests(ex) {
            let Some(ch) = idx
                .az_param(ex, az, "code_challenge")
                .filter(|c| !c.is_empty())
            else {
                continue;
            };
            let method = idx.az_param(ex, az, "code_challenge_method");
            let n = ch.chars().count();
            let problem = match method.as_deref() {
                Some("S256") => {
                    if n == 64 && ch.bytes().all(|c| c.is_ascii_hexdigit()) {
                        Some("is a 64-character hex digest; S256 needs base64url of the raw digest (43 characters)".to_string())
                    } else if ch.contains(['=', '+', '/']) {
                        Some(format!(
                            "contains {}: standard base64 or padding, not base64url without padding",
                            disallowed(&ch).join(", ")
                        ))
                    } else if n != 43 {
                        Some(format!(
                            "has {n} characters; an S256 challenge has exactly 43"
                        ))
                    } else if !is_unreserved(&ch) {
                        Some(format!("contains {}", disallowed(&ch).join(", ")))
                    } else {
                        None
                    }
                }
                Some("plain") | None => (!verifier_is_valid(&ch)).then(|| {
                    format!(
                        "is sent as `plain` (the verifier itself) but has {}",
                        shape(&ch)
                    ) + if !(43..=128).contains(&n) {
                        ", outside 43–128"
                    } else {
                        ", outside `[A-Za-z0-9-._~]`"
                    }
                }),
                Some(_) => None, // PKCE007
            };
            let Some(problem) = problem else { continue };
            // Anchor on the failure it caused: the authorization error, else a failed
            // redemption of the code (the challenge can never match), else the request itself.
            let err = az_error(ex, idx, az);
            let anchor = err
                .as_ref()
                .map(|(i, _, _)| *i)
                .or_else(|| {
                    idx.redemption_of(ex, az)
                        .filter(|t| t.failed())
                        .map(|t| t.index)
                })
                .unwrap_or(az.index);
            let mut rep = cx
                .report(anchor, format!("the `code_challenge` {problem}"))
                .strength(Strength::Direct)
                .text(az.index, "request.query.code_challenge", ch)
                .text(
                    az.index,
                    "request.query.code_challenge_method",
                    method.unwrap_or_else(|| "(absent)".into()),
                );
            if err.is_some_and(|(_, c, d)| {
                c == "invalid_request" || d.to_ascii_lowercase().contains("code_challenge")
            }) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
