//! `DISC006` jwks-unusable: jwks unreachable, empty or malformed.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a fetch of a key set (`jwks_uri` from the metadata, or a JWKS-shaped URL) that did
    /// not return usable keys: a non-2xx status, a body that is not JSON, no `keys` array, or
    /// an empty one. When a later token validation failed with a key or signature error, the
    /// finding explains that failure.
    ///
    /// ## Why it fails
    /// Without the issuer's public keys no signature can be verified: every token is
    /// rejected. Causes: a wrong `jwks_uri` (hand-built, another tenant), a proxy answering
    /// with HTML, a server with no active signing key (all keys disabled or not yet
    /// generated).
    ///
    /// ## Example
    /// `GET https://idp.example.com/oauth2/jwks` → `200 {"keys":[]}`.
    ///
    /// ## Fix
    /// Use the `jwks_uri` of the issuer's metadata and make sure the issuer has at least one
    /// active signing key published.
    ///
    /// ## References
    /// RFC 7517 §5; OIDC Discovery §3; RFC 8414 §2
    pub struct Disc006 {
        code: "DISC006",
        name: "jwks-unusable",
        title: "jwks unreachable, empty or malformed",
        category: SignatureKey,
        severity: Error,
        kind: Diag,
        fix: "use the `jwks_uri` from the issuer's metadata and publish at least one active signing key",
        references: ["RFC 7517 §5", "OIDC Discovery §3", "RFC 8414 §2"],
        explains_statuses: [(MetadataNotUsable, 1), (MetadataNotFound, 2)],
    }
}

impl Rule for Disc006 {
    fn check(&self, cx: &mut Context<'_>) {
        let jwks_uris: Vec<String> = cx
            .index
            .metadata
            .iter()
            .filter_map(|(_, d)| d.get("jwks_uri").and_then(Value::as_str))
            .map(|s| trim_slash(s).to_ascii_lowercase())
            .collect();
        for e in cx.exchanges {
            let ep = trim_slash(&e.request.endpoint()).to_ascii_lowercase();
            let path = e.request.path().to_ascii_lowercase();
            if !(e.kind == Kind::Jwks
                || jwks_uris.contains(&ep)
                || path.ends_with("/jwks")
                || path.ends_with("/jwks.json"))
                || e.request.method != "GET"
            {
                continue;
            }
            let Some(r) = &e.response else { continue };
            if r.status == 0 {
                continue;
            }
            let why = if !r.is_success() {
                format!("status {}", r.status)
            } else if r.body.is_none() {
                continue;
            } else if r.is_html() {
                "an HTML page".to_string()
            } else {
                match r.json.as_ref() {
                    None => "a body that is not JSON".to_string(),
                    Some(j) => match j.get("keys") {
                        None => "JSON without a `keys` array".to_string(),
                        Some(Value::Array(a)) if a.is_empty() => {
                            "an empty `keys` array".to_string()
                        }
                        Some(Value::Array(_)) => continue,
                        Some(_) => "`keys` that is not an array".to_string(),
                    },
                }
            };
            let anchor = if is_failure(e) {
                e.index
            } else {
                later_failure(
                    cx,
                    e.index,
                    &["signature", "kid", "signing key", "no matching key", "jwk"],
                )
                .unwrap_or(e.index)
            };
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the key set request `GET {}` got {why}: no key to verify signatures",
                        e.request.endpoint()
                    ),
                )
                .strength(Strength::Direct)
                .text(e.index, "response.status", r.status.to_string());
            if anchor != e.index || is_failure(e) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
