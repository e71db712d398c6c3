//! `PKCE007` challenge-method-unknown: code_challenge_method value not recognised.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a `code_challenge_method` other than the two defined values `S256` and `plain`
    /// (case-sensitive): `s256`, `SHA256`, `sha-256`, `S-256`…
    ///
    /// ## Why it fails
    /// The method is a case-sensitive token (RFC 7636 §4.3); servers answer `invalid_request`
    /// for anything else (§4.4.1).
    ///
    /// ## Example
    /// `code_challenge_method=sha256` → `error=invalid_request&error_description=not supported value of code_challenge_method`.
    ///
    /// ## Fix
    /// Send exactly `S256`.
    ///
    /// ## References
    /// RFC 7636 §4.3, §4.4.1
    pub struct Pkce007 {
        code: "PKCE007",
        name: "challenge-method-unknown",
        title: "code_challenge_method value not recognised",
        category: Pkce,
        severity: Error,
        kind: Diag,
        fix: "send `code_challenge_method=S256` exactly",
        references: ["RFC 7636 §4.3", "RFC 7636 §4.4.1"],
    }
}

impl Rule for Pkce007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for az in authorization_requests(ex) {
            let Some(m) = idx.az_param(ex, az, "code_challenge_method") else {
                continue;
            };
            if m == "S256" || m == "plain" {
                continue;
            }
            let norm = m.to_ascii_lowercase().replace(['-', '_', ' '], "");
            let hint = if norm == "s256" || norm == "sha256" {
                "; the defined value is `S256` (case-sensitive)"
            } else if norm == "plain" {
                "; the defined value is `plain` (case-sensitive)"
            } else {
                "; only `S256` and `plain` are defined"
            };
            let err = az_error(ex, idx, az);
            let anchor = err.as_ref().map(|(i, _, _)| *i).unwrap_or(az.index);
            let mut rep = cx
                .report(
                    anchor,
                    format!("`code_challenge_method={m}` is not a defined method{hint}"),
                )
                .strength(Strength::Direct)
                .text(az.index, "request.query.code_challenge_method", m);
            if err.is_some_and(|(_, c, d)| {
                c == "invalid_request" || d.to_ascii_lowercase().contains("code_challenge_method")
            }) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
