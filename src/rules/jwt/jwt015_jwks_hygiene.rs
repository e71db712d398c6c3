//! `JWT015` jwks-hygiene: jwks hygiene problems.

use super::*;

declare_rule! {
    /// ## What it does
    /// Lints every captured key set and the `jwk` of DPoP proof and client-assertion headers:
    /// private key members (`d`, `p`, `q`, `dp`, `dq`, `qi`) or a symmetric secret (`k`) are an
    /// error; several signing keys without `kid`, two different keys of the same type sharing a
    /// `kid`, and a token naming a key whose `use` is `enc` are warnings.
    ///
    /// ## Why it fails
    /// Published private material lets anyone mint valid tokens. Keys without distinct `kid`s
    /// make validators try keys in turn or pick the wrong one (intermittent failures after a
    /// rotation); an encryption key must not verify signatures.
    ///
    /// ## Example
    /// `{"keys":[{"kty":"RSA","kid":"idp-2026-11","n":"…","e":"AQAB","d":"…","p":"…"}]}` at the
    /// `jwks_uri`.
    ///
    /// ## Fix
    /// Give every key a unique `kid`; separate signing and encryption keys; if private material
    /// was published, remove it and rotate the key now.
    ///
    /// ## References
    /// RFC 7517 §4.2, §4.5, §5; RFC 7518 §6.2.2, §6.3.2; OIDC Core §10.1.1
    pub struct Jwt015 {
        code: "JWT015",
        name: "jwks-hygiene",
        title: "jwks hygiene problems",
        category: SignatureKey,
        severity: Warning,
        kind: Lint,
        fix: "give every key a unique `kid`, separate `sig` and `enc` keys, and if private material was published remove it and rotate the key now",
        references: ["RFC 7517 §4.2", "RFC 7517 §4.5", "RFC 7517 §5", "OIDC Core §10.1.1"],
    }
}

fn key_material(k: &Value) -> String {
    ["kty", "crv", "n", "e", "x", "y", "k"]
        .iter()
        .map(|m| k.get(*m).and_then(Value::as_str).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("|")
}

impl Rule for Jwt015 {
    fn check(&self, cx: &mut Context<'_>) {
        let groups = token_groups(cx);
        for set in key_sets(cx) {
            let name = |k: &Value, i: usize| {
                k.get("kid")
                    .and_then(Value::as_str)
                    .map(|s| format!("`{s}`"))
                    .unwrap_or_else(|| format!("#{i}"))
            };
            // Private material.
            for (i, k) in set.keys.iter().enumerate() {
                let private = private_members(k);
                if private.is_empty() {
                    continue;
                }
                let message = format!(
                    "the key set at `{}` publishes private key material: key {} has {}; anyone can sign tokens with it",
                    set.url,
                    name(k, i),
                    private
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                cx.report(set.exchange, message)
                    .severity(Severity::Error)
                    .strength(Strength::Direct)
                    .text(
                        set.exchange,
                        format!("response.body.keys[{i}]"),
                        format!("private members: {}", private.join(", ")),
                    )
                    .emit();
            }
            // Signing keys without kid.
            let signing: Vec<&Value> = set
                .keys
                .iter()
                .filter(|k| k.get("use").and_then(Value::as_str) != Some("enc"))
                .collect();
            let without_kid = signing.iter().filter(|k| k.get("kid").is_none()).count();
            if signing.len() >= 2 && without_kid > 0 {
                let message = format!(
                    "the key set at `{}` has {} signing keys and {without_kid} of them have no `kid`: validators cannot pick the key",
                    set.url,
                    signing.len()
                );
                cx.report(set.exchange, message)
                    .strength(Strength::Direct)
                    .text(
                        set.exchange,
                        "response.body.keys",
                        format!("{} keys, {without_kid} without kid", set.keys.len()),
                    )
                    .emit();
            }
            // Duplicate kid with different material.
            let mut reported: Vec<&str> = Vec::new();
            for (i, a) in set.keys.iter().enumerate() {
                let Some(kid) = a.get("kid").and_then(Value::as_str) else {
                    continue;
                };
                if reported.contains(&kid) {
                    continue;
                }
                let dup = set.keys.iter().skip(i + 1).any(|b| {
                    b.get("kid").and_then(Value::as_str) == Some(kid)
                        && b.get("kty") == a.get("kty")
                        && key_material(a) != key_material(b)
                });
                if dup {
                    reported.push(kid);
                    let message = format!(
                        "the key set at `{}` has different keys sharing `kid: {kid}`: validators that cache by `kid` use the wrong key",
                        set.url
                    );
                    cx.report(set.exchange, message)
                        .strength(Strength::Direct)
                        .text(set.exchange, "response.body.keys[].kid", kid)
                        .emit();
                }
            }
            // A token names an encryption key.
            for k in set
                .keys
                .iter()
                .filter(|k| k.get("use").and_then(Value::as_str) == Some("enc"))
            {
                let Some(kid) = k.get("kid").and_then(Value::as_str) else {
                    continue;
                };
                let Some(g) = groups.iter().find(|g| {
                    g.decoded()
                        .is_some_and(|d| d.kid() == Some(kid) && d.alg().is_some_and(is_asymmetric))
                }) else {
                    continue;
                };
                let first = g.first();
                let message = format!(
                    "a signed {} names `kid: {kid}`, which the key set at `{}` marks `use: enc`",
                    g.role().name(),
                    set.url
                );
                cx.report(set.exchange, message)
                    .strength(Strength::Direct)
                    .text(set.exchange, "response.body.keys[].use", "enc")
                    .secret(first.exchange, first.at.clone(), g.value)
                    .emit();
            }
        }
        // Header `jwk` of proofs and assertions.
        for g in groups.iter() {
            if !matches!(
                g.role(),
                Role::Proof | Role::ClientAssertion | Role::GrantAssertion
            ) {
                continue;
            }
            let Some(d) = g.decoded() else { continue };
            let Some(jwk) = d.header.get("jwk") else {
                continue;
            };
            let private = private_members(jwk);
            if private.is_empty() {
                continue;
            }
            let first = g.first();
            let message = format!(
                "the {} header's `jwk` carries private key members {}: the private key was sent over the wire",
                g.role().name(),
                private
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            cx.report(first.exchange, message)
                .severity(Severity::Error)
                .strength(Strength::Direct)
                .text(
                    first.exchange,
                    "jwt.header.jwk",
                    format!("private members: {}", private.join(", ")),
                )
                .secret(first.exchange, first.at.clone(), g.value)
                .emit();
        }
    }
}
