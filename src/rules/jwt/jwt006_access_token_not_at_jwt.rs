//! `JWT006` access-token-not-at-jwt: jwt access token lacks at+jwt type.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a JWT access token whose header `typ` is absent or `JWT` when the resource server
    /// rejected it and its answer names the token type (`typ`, `at+jwt`, RFC 9068).
    ///
    /// ## Why it fails
    /// RFC 9068 access tokens carry `typ: at+jwt` so that an ID token or another JWT cannot be
    /// passed off as an access token. Resource servers that enforce explicit typing reject
    /// tokens from authorization servers that still issue `typ: JWT`. Without a word about the
    /// type in the server's answer the rule stays quiet: most servers accept `typ: JWT`. The
    /// catalogue's severity is a warning ("may break at strict servers"); when the server's
    /// answer shows the check failed this call, the finding is reported as an error.
    ///
    /// ## Example
    /// Header `{"alg":"RS256","typ":"JWT"}` → `401 invalid_token` "unexpected typ JWT header
    /// value, expected at+jwt (RFC 9068)".
    ///
    /// ## Fix
    /// Enable the RFC 9068 token format at the authorization server, or relax the resource
    /// server's `typ` check deliberately (for that issuer only).
    ///
    /// ## References
    /// RFC 9068 §2.1, §4; RFC 8725 §3.11
    pub struct Jwt006 {
        code: "JWT006",
        name: "access-token-not-at-jwt",
        title: "jwt access token lacks at+jwt type",
        category: SignatureKey,
        severity: Warning,
        kind: Diag,
        fix: "enable RFC 9068 `at+jwt` access tokens at the authorization server or relax the resource server's `typ` check deliberately",
        references: ["RFC 9068 §2.1", "RFC 9068 §4", "RFC 8725 §3.11"],
        explains_errors: [("invalid_token", 6)],
        explains_statuses: [(ResourceUnauthorized, 10)],
    }
}

impl Rule for Jwt006 {
    fn check(&self, cx: &mut Context<'_>) {
        for g in token_groups(cx).iter() {
            let Some(d) = g.decoded() else { continue };
            if id_token_evidence(cx, g, d).is_some() {
                continue;
            }
            let typ = d.typ();
            if typ.is_some_and(|t| {
                t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
            }) {
                continue;
            }
            for p in g.presentations() {
                let e = &cx.exchanges[p.exchange];
                if p.role != Role::Access || !is_failure(e) {
                    continue;
                }
                if !server_says(e, &[], &["typ", "at+jwt", "9068", "token type"]) {
                    continue;
                }
                let message = format!(
                    "the access token sent to `{}` has {} and the server enforces RFC 9068 `typ: at+jwt`",
                    e.request.endpoint(),
                    typ.map(|t| format!("`typ: {t}`"))
                        .unwrap_or_else(|| "no `typ`".to_string())
                );
                cx.report(e.index, message)
                    // The server's answer shows the type check broke this call: an error, not the
                    // catalogue's "may break at strict servers" warning.
                    .severity(Severity::Error)
                    .strength(Strength::Direct)
                    .confirmed()
                    .text(e.index, "jwt.header", header_text(d))
                    .secret(e.index, p.at.clone(), g.value)
                    .emit();
            }
        }
    }
}
