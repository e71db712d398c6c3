//! `JWT007` algorithm-not-permitted: algorithm not permitted.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks the signing algorithm of ID tokens against the issuer's
    /// `id_token_signing_alg_values_supported`, and flags HMAC-signed (`HS*`) access tokens from
    /// an issuer that publishes only asymmetric keys and algorithms.
    ///
    /// ## Why it fails
    /// Validators pin the algorithms they accept per issuer (the registered
    /// `id_token_signed_response_alg`, RS256 by default). A token signed with another algorithm
    /// is rejected; an `HS*` token checked against an RSA public key is the classic algorithm
    /// confusion attack, so a careful validator refuses it outright.
    ///
    /// ## Example
    /// Metadata lists `RS256` only; the ID token's header says `ES256` → the client fails with
    /// "unexpected JWT alg received, expected RS256, got: ES256".
    ///
    /// ## Fix
    /// Pin the accepted algorithms per issuer and make the authorization server sign with one of
    /// them (client registration `id_token_signed_response_alg`, the API's token signing
    /// settings); never derive the algorithm from the token alone.
    ///
    /// ## References
    /// RFC 8725 §2.1, §3.1; OIDC Core §3.1.3.7; OIDC Discovery §3
    pub struct Jwt007 {
        code: "JWT007",
        name: "algorithm-not-permitted",
        title: "algorithm not permitted",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "sign with an algorithm the issuer advertises and the validator pins; never derive the algorithm from the token",
        references: ["RFC 8725 §2.1", "RFC 8725 §3.1", "OIDC Core §3.1.3.7"],
    }
}

impl Rule for Jwt007 {
    fn check(&self, cx: &mut Context<'_>) {
        // ID tokens against the issuer's advertised algorithms.
        for (t, v, d) in received_id_tokens(cx) {
            let Some(alg) = d.alg() else { continue };
            if alg.eq_ignore_ascii_case("none") {
                continue; // JWT001
            }
            let Some(md) = metadata_naming(cx, "token_endpoint", t) else {
                continue;
            };
            let Some(list) = str_list(md, "id_token_signing_alg_values_supported") else {
                continue;
            };
            if list.is_empty() || list.contains(&alg) {
                continue;
            }
            let (anchor, outcome) = id_token_anchor(cx, t);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let confirmed = is_failure(a) && server_says(a, &[], &["alg"]);
            let message = format!(
                "the ID token from `{}` is signed with `{alg}` but the issuer advertises only {}",
                t.request.endpoint(),
                list.iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut rep = cx
                .report(anchor, message)
                .strength(Strength::Direct)
                .text(t.index, "jwt.header.alg", alg)
                .text(
                    anchor,
                    "metadata.id_token_signing_alg_values_supported",
                    list.join(", "),
                )
                .secret(t.index, "response.body.id_token", v);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
        // HMAC access tokens from an issuer that publishes only asymmetric material.
        let sets = key_sets(cx);
        for g in token_groups(cx).iter() {
            if g.role() != Role::Access {
                continue;
            }
            let Some(d) = g.decoded() else { continue };
            let (Some(alg), Some(iss)) = (d.alg(), d.claim_str("iss")) else {
                continue;
            };
            if !alg.starts_with("HS") {
                continue;
            }
            let set = key_set_for(cx, &sets, iss);
            let only_asym_keys = set.as_ref().is_some_and(|s| {
                !s.keys.is_empty()
                    && s.keys.iter().all(|k| {
                        k.get("kty")
                            .and_then(Value::as_str)
                            .is_some_and(|t| t != "oct")
                    })
            });
            let md = cx
                .index
                .metadata
                .iter()
                .filter_map(|(_, d)| d.as_object())
                .find(|m| {
                    m.get("issuer")
                        .and_then(Value::as_str)
                        .is_some_and(|i| trim_slash(i) == trim_slash(iss))
                });
            let md_algs: Vec<&str> = md
                .map(|m| {
                    [
                        "id_token_signing_alg_values_supported",
                        "token_endpoint_auth_signing_alg_values_supported",
                    ]
                    .iter()
                    .filter_map(|f| str_list(m, f))
                    .flatten()
                    .collect()
                })
                .unwrap_or_default();
            let only_asym_algs = !md_algs.is_empty() && md_algs.iter().all(|a| is_asymmetric(a));
            if !(only_asym_keys || only_asym_algs) {
                continue;
            }
            let (anchor, outcome) = anchor_of(cx, g);
            if outcome == Outcome::Accepted {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let first = g.first();
            let confirmed = is_failure(a)
                && server_says(
                    a,
                    &["invalid_token"],
                    &["alg", "signature", "no matching key"],
                );
            let message = format!(
                "the access token is signed with `{alg}` (a shared secret) but `{iss}` publishes only asymmetric {}",
                if only_asym_keys { "keys" } else { "algorithms" }
            );
            let mut rep = cx
                .report(anchor, message)
                .strength(Strength::Direct)
                .text(first.exchange, "jwt.header.alg", alg)
                .secret(first.exchange, first.at.clone(), g.value);
            if let Some(s) = &set {
                let ktys: Vec<&str> = s
                    .keys
                    .iter()
                    .filter_map(|k| k.get("kty").and_then(Value::as_str))
                    .collect();
                rep = rep.text(s.exchange, "response.body.keys[].kty", ktys.join(", "));
            }
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
