//! `JWT018` algorithm-not-configured: a token is signed with an algorithm outside the
//! `allowed_algorithms` of the configuration file.

use super::*;

declare_rule! {
    /// ## What it does
    /// When the configuration file sets `allowed_algorithms`, checks the `alg` header of every
    /// access token, ID token, client assertion and grant assertion in the capture against
    /// that list (letter case as in RFC 7518: `RS256`, `ES256`, `EdDSA`), and reports each
    /// token signed otherwise, whether or not the capture shows it rejected. Without
    /// `allowed_algorithms` the rule does nothing; `none` is reported by `JWT001` as well.
    ///
    /// ## Why it fails
    /// A validator must pin the algorithms it accepts (RFC 8725 §2.1, §3.1): a token signed
    /// with another one is rejected, and a validator that does not pin them is open to
    /// algorithm confusion (`HS256` checked with an RSA public key) and to `none`.
    ///
    /// ## Example
    /// `allowed_algorithms = ["RS256"]`; the ID token's header says `alg: HS256`.
    ///
    /// ## Fix
    /// Make the issuer sign with an allowed algorithm (the client registration's
    /// `id_token_signed_response_alg`, the API's signing settings, the assertion's signer), or
    /// add the algorithm to `allowed_algorithms` if it is really accepted.
    ///
    /// ## References
    /// RFC 8725 §2.1, §3.1; RFC 7518 §3.1; OIDC Core §3.1.3.7
    pub struct Jwt018 {
        code: "JWT018",
        name: "algorithm-not-configured",
        title: "token signed with an algorithm outside the configured allowed_algorithms",
        category: SignatureKey,
        severity: Error,
        kind: Both,
        fix: "sign with an algorithm in `allowed_algorithms` (client registration, API or signer settings), or allow the algorithm",
        references: ["RFC 8725 §2.1", "RFC 8725 §3.1", "RFC 7518 §3.1"],
    }
}

impl Rule for Jwt018 {
    fn check(&self, cx: &mut Context<'_>) {
        let allowed: Vec<String> = cx
            .options
            .allowed_algorithms
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        if allowed.is_empty() {
            return;
        }
        for g in token_groups(cx).iter() {
            let role = g.role();
            if !matches!(
                role,
                Role::Access | Role::Id | Role::ClientAssertion | Role::GrantAssertion
            ) {
                continue;
            }
            let Some(d) = g.decoded() else { continue };
            let Some(alg) = d.alg() else { continue };
            if allowed.iter().any(|a| a == alg) {
                continue;
            }
            let (anchor, _) = anchor_of(cx, g);
            let first = g.first();
            let message = format!(
                "the {} is signed with `alg: {alg}`, which is not in the configured `allowed_algorithms` ({})",
                role.name(),
                allowed
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            cx.report(anchor, message)
                .strength(Strength::Direct)
                .text(first.exchange, "jwt.header.alg", alg)
                .secret(first.exchange, first.at.clone(), g.value)
                .emit();
        }
    }
}
