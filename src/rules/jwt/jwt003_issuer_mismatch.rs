//! `JWT003` issuer-mismatch: issuer mismatch.

use super::*;

declare_rule! {
    /// ## What it does
    /// Compares the `iss` claim of access tokens presented to resource servers and of ID tokens
    /// received by clients with the `issuer` of the capture's discovery documents, string for
    /// string, and names the difference: trailing slash, scheme, letter case, port, an internal
    /// host name instead of the public one, or the v1 and v2 issuer forms of the same Entra
    /// tenant.
    ///
    /// ## Why it fails
    /// Validators compare `iss` with the configured issuer exactly. Authorization servers stamp
    /// the issuer from the URL they were called on (Keycloak behind a proxy without its
    /// hostname set), or by token version (Entra v1 tokens carry `https://sts.windows.net/{tid}/`
    /// even when the API reads the v2.0 metadata).
    ///
    /// ## Example
    /// Metadata `issuer: https://login.example.org/realms/acme`; token
    /// `iss: https://keycloak.auth.svc.cluster.local:8443/realms/acme` → `401 invalid_token`
    /// "The iss claim is not valid".
    ///
    /// ## Fix
    /// Configure the validator with the exact issuer the authorization server puts in its
    /// tokens, obtain tokens through the public URL, or fix the server's public URL (hostname,
    /// forwarded headers); for Entra set `accessTokenAcceptedVersion` to match the metadata.
    ///
    /// ## References
    /// RFC 7519 §4.1.1; RFC 9068 §4; OIDC Core §3.1.3.7
    pub struct Jwt003 {
        code: "JWT003",
        name: "issuer-mismatch",
        title: "issuer mismatch",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "configure the validator with the exact issuer the authorization server puts in its tokens, or fix the server's public URL",
        references: ["RFC 7519 §4.1.1", "RFC 9068 §4", "OIDC Core §3.1.3.7"],
        explains_errors: [("invalid_token", 3)],
        explains_statuses: [(ResourceUnauthorized, 7)],
    }
}

/// How two issuer strings differ, when they are variants of one another.
/// An Entra multi-tenant issuer template (`…/{tenantid}/v2.0`) resolved for a token's `tid`.
fn with_tenant<'s>(issuer: &'s str, tid: &str) -> std::borrow::Cow<'s, str> {
    if issuer.contains("{tenantid}") {
        issuer.replace("{tenantid}", tid).into()
    } else {
        issuer.into()
    }
}

impl Rule for Jwt003 {
    fn check(&self, cx: &mut Context<'_>) {
        let issuers: Vec<(usize, String)> = cx
            .index
            .metadata
            .iter()
            .filter_map(|(i, d)| {
                d.get("issuer")
                    .and_then(Value::as_str)
                    .map(|s| (*i, s.to_string()))
            })
            .collect();
        if issuers.is_empty() {
            return;
        }
        // Thousands of tokens come from a handful of issuers: compare each pair once.
        let diffs: std::cell::RefCell<
            std::collections::HashMap<(String, String), Option<&'static str>>,
        > = Default::default();
        let diff_of = |a: &str, b: &str| -> Option<&'static str> {
            *diffs
                .borrow_mut()
                .entry((a.to_string(), b.to_string()))
                .or_insert_with(|| issuer_diff(a, b))
        };
        for g in token_groups(cx).iter() {
            let role = g.role();
            if !matches!(role, Role::Access | Role::Id) {
                continue;
            }
            let Some(d) = g.decoded() else { continue };
            let Some(iss) = d.claim_str("iss") else {
                continue;
            };
            let tid = d.claim_str("tid").unwrap_or("");
            let resolve = |s: &str| with_tenant(s, tid).into_owned();
            if issuers.iter().any(|(_, i)| with_tenant(i, tid) == iss) {
                continue;
            }
            // The issuer the validator expects: the metadata of the endpoint that issued the
            // token, else the closest metadata issuer.
            let issuing = g
                .occ
                .iter()
                .find(|s| !s.presented && cx.exchanges[s.exchange].kind == Kind::Token)
                .map(|s| &cx.exchanges[s.exchange]);
            let by_endpoint = issuing
                .and_then(|t| metadata_naming(cx, "token_endpoint", t))
                .and_then(|d| d.get("issuer").and_then(Value::as_str))
                .map(|s| s.to_string());
            let expected = match by_endpoint {
                Some(e) => Some(resolve(&e)),
                None => issuers
                    .iter()
                    .map(|(_, i)| resolve(i))
                    .filter(|i| diff_of(i, iss) != Some("different issuer"))
                    .min_by_key(|i| i.len())
                    .or_else(|| (issuers.len() == 1).then(|| resolve(&issuers[0].1))),
            };
            let Some(expected) = expected else { continue };
            let Some(diff) = diff_of(&expected, iss) else {
                continue;
            };
            let (anchor, outcome) = anchor_of(cx, g);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            // A completely different issuer may just be another authorization server of the
            // capture; it counts only when the failing side names the issuer.
            if diff == "different issuer"
                && !(is_failure(a) && server_says(a, &[], &["iss", "issuer"]))
            {
                continue;
            }
            let md_ex = issuers
                .iter()
                .find(|(_, i)| resolve(i) == expected)
                .map(|(i, _)| *i)
                .unwrap_or(anchor);
            let first = g.first();
            let confirmed = is_failure(a) && server_says(a, &["invalid_token"], &["iss", "issuer"]);
            let message = format!(
                "the {} has `iss: {iss}` but the discovery document says `issuer: {expected}`: {diff}",
                role.name()
            );
            let mut rep = cx
                .report(anchor, message)
                .strength(if diff == "different issuer" {
                    Strength::Direct
                } else {
                    Strength::Recomputed
                })
                .text(first.exchange, "jwt.claims.iss", iss)
                .text(md_ex, "response.body.issuer", expected.clone())
                .secret(first.exchange, first.at.clone(), g.value);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
