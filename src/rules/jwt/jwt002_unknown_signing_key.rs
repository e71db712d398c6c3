//! `JWT002` unknown-signing-key: signing key not found (kid not in jwks).

use super::*;

declare_rule! {
    /// ## What it does
    /// Compares the `kid` in the header of every asymmetrically signed access token and ID token
    /// with the key ids of the latest key set (JWKS) captured for the token's issuer — the one at
    /// the `jwks_uri` of the issuer's discovery document, else the latest key set on the issuer's
    /// host. In live mode it also reports a returned token whose signature the check against
    /// the key set did not verify: its `kid` is not in the set, no key fits its algorithm, or
    /// the signature is wrong.
    ///
    /// ## Why it fails
    /// A validator looks the signing key up by `kid`. When the issuer rotated its keys after the
    /// validator cached the key set, the new `kid` is unknown and every new token is rejected
    /// until the cache expires. It also happens when the validator reads the key set of another
    /// issuer (another tenant, staging instead of production). "Latest" is the last key set of
    /// the whole capture: a validator that refetches on the unknown `kid` and then accepts the
    /// token is healthy, and the rule stays quiet.
    ///
    /// ## Example
    /// The API fetched `https://idp.example.com/oauth2/jwks` at start-up (only `kid: idp-2026-08`);
    /// three hours later it receives a token with `kid: idp-2026-11` and answers `401
    /// invalid_token` "Unable to find a signing key that matches 'idp-2026-11'".
    ///
    /// ## Fix
    /// Refetch the key set when a token names an unknown `kid` (rate-limited), and check that the
    /// `jwks_uri` belongs to the token's issuer. In live mode, a `kid` that is found but whose
    /// signature fails means the token was altered or validated against another issuer's keys.
    ///
    /// ## References
    /// RFC 7515 §4.1.4; RFC 7517 §4.5, §5; OIDC Core §10.1.1
    pub struct Jwt002 {
        code: "JWT002",
        name: "unknown-signing-key",
        title: "signing key not found (kid not in jwks)",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "refetch the JWKS on an unknown `kid` (rate-limited) and make sure the `jwks_uri` is the token issuer's",
        references: ["RFC 7515 §4.1.4", "RFC 7517 §4.5", "RFC 7517 §5", "OIDC Core §10.1.1"],
        explains_errors: [("invalid_token", 4)],
        explains_statuses: [(ResourceUnauthorized, 8)],
    }
}

impl Rule for Jwt002 {
    fn check(&self, cx: &mut Context<'_>) {
        let mut reported = std::collections::HashSet::new();
        let sets = key_sets(cx);
        // Thousands of tokens come from a handful of issuers.
        let mut set_of: std::collections::HashMap<String, Option<usize>> =
            std::collections::HashMap::new();
        // Without a key set in the capture, only what live mode verified is left to report.
        let groups = if sets.is_empty() {
            Default::default()
        } else {
            token_groups(cx)
        };
        for g in groups.iter() {
            if !matches!(g.role(), Role::Access | Role::Id) {
                continue;
            }
            let Some(d) = g.decoded() else { continue };
            let (Some(kid), Some(alg), Some(iss)) = (d.kid(), d.alg(), d.claim_str("iss")) else {
                continue;
            };
            if !is_asymmetric(alg) {
                continue;
            }
            let found = *set_of.entry(iss.to_string()).or_insert_with(|| {
                key_set_for(cx, &sets, iss)
                    .and_then(|s| sets.iter().position(|x| x.exchange == s.exchange))
            });
            let Some(set) = found.map(|i| &sets[i]) else {
                continue;
            };
            let kids = set.kids();
            if kids.is_empty() || kids.contains(&kid) {
                continue;
            }
            let (anchor, outcome) = anchor_of(cx, g);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let earlier: Vec<usize> = sets
                .iter()
                .filter(|s| s.exchange != set.exchange && s.kids().contains(&kid))
                .map(|s| s.exchange + 1)
                .collect();
            let first = g.first();
            let message = format!(
                "the {} names `kid: {kid}` but the latest key set of `{iss}` (exchange {}, `{}`) holds only {}{}",
                g.role().name(),
                set.exchange + 1,
                set.url,
                kids.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if !earlier.is_empty() {
                    " (the key was in an earlier key set: removed too early)".to_string()
                } else if set.exchange < first.exchange {
                    "; the key set was fetched before the issuer rotated keys and was not refetched"
                        .to_string()
                } else {
                    String::new()
                }
            );
            let confirmed = is_failure(a)
                && server_says(
                    a,
                    &["invalid_token"],
                    &["kid", "signing key", "no matching key", "key not found"],
                );
            let mut rep = cx
                .report(anchor, message)
                .strength(Strength::Recomputed)
                .text(first.exchange, "jwt.header.kid", kid)
                .text(set.exchange, "response.body.keys[].kid", kids.join(", "))
                .secret(first.exchange, first.at.clone(), g.value);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
            reported.insert(anchor);
        }
        report_verified(cx, &reported, |v| {
            matches!(
                v,
                Verification::KidNotFound { .. }
                    | Verification::BadSignature { .. }
                    | Verification::NoSuitableKey { .. }
            )
        });
    }
}
