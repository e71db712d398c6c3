//! `JWT016` issuer-not-configured: a token's issuer is not the `expected_issuer` of the
//! configuration file.

use super::*;

declare_rule! {
    /// ## What it does
    /// When the configuration file sets `expected_issuer`, compares the `iss` claim of every
    /// access token and ID token in the capture with it, string for string (a trailing `/`
    /// counts), and reports each token issued by another issuer, whether or not the capture
    /// shows it rejected. Without `expected_issuer` the rule does nothing.
    ///
    /// ## Why it fails
    /// A validator compares `iss` with the issuer it is configured with, exactly. A token from
    /// another issuer (another tenant, realm or environment, the server's internal URL) is
    /// rejected there, or, worse, accepted by a validator that checks nothing. A platform team
    /// that pins the issuer in `oauth-doctor.toml` catches the wrong environment in CI.
    ///
    /// ## Example
    /// `expected_issuer = "https://login.example.com/realms/prod"`; the access token says
    /// `iss: https://login.example.com/realms/staging`.
    ///
    /// ## Fix
    /// Obtain the tokens from the configured issuer (the right tenant, realm or environment),
    /// or correct `expected_issuer` if the issuer really changed.
    ///
    /// ## References
    /// RFC 7519 §4.1.1; RFC 9068 §4; OIDC Core §3.1.3.7
    pub struct Jwt016 {
        code: "JWT016",
        name: "issuer-not-configured",
        title: "token issuer differs from the configured expected_issuer",
        category: AudienceIssuer,
        severity: Error,
        kind: Both,
        fix: "obtain the tokens from the configured issuer (right tenant, realm or environment), or correct `expected_issuer`",
        references: ["RFC 7519 §4.1.1", "RFC 9068 §4", "OIDC Core §3.1.3.7"],
    }
}

impl Rule for Jwt016 {
    fn check(&self, cx: &mut Context<'_>) {
        let Some(expected) = cx.options.expected_issuer.clone() else {
            return;
        };
        let expected = expected.trim().to_string();
        if expected.is_empty() {
            return;
        }
        for g in token_groups(cx).iter() {
            let role = g.role();
            if !matches!(role, Role::Access | Role::Id) {
                continue;
            }
            let Some(d) = g.decoded() else { continue };
            let Some(iss) = d.claim_str("iss") else {
                continue;
            };
            if iss == expected {
                continue;
            }
            let (anchor, _) = anchor_of(cx, g);
            let first = g.first();
            let how = if trim_slash(iss) == trim_slash(&expected) {
                "only the trailing `/` differs"
            } else if iss.eq_ignore_ascii_case(&expected) {
                "only letter case differs"
            } else {
                "another issuer"
            };
            let message = format!(
                "the {} has `iss: {iss}` but the configuration expects `expected_issuer = {expected}`: {how}",
                role.name()
            );
            cx.report(anchor, message)
                .strength(Strength::Direct)
                .text(first.exchange, "jwt.claims.iss", iss)
                .secret(first.exchange, first.at.clone(), g.value)
                .emit();
        }
    }
}
