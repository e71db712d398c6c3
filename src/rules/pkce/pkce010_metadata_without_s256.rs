//! `PKCE010` metadata-without-s256: authorization server does not advertise S256.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a discovery document that announces an `authorization_endpoint` but whose
    /// `code_challenge_methods_supported` is absent or does not list `S256`. Documents without
    /// an authorization endpoint (no code flow) are not reported.
    ///
    /// ## Why it fails
    /// RFC 8414 §2 makes the field optional, and its absence does not prove the server lacks
    /// PKCE; but a client that relies on metadata to decide whether to send PKCE may skip it, and
    /// a server without S256 cannot meet RFC 9700 §2.1.1.
    ///
    /// ## Example
    /// `/.well-known/openid-configuration` without `code_challenge_methods_supported`.
    ///
    /// ## Fix
    /// Confirm S256 support with the provider (or test it) and always send PKCE with S256.
    ///
    /// ## References
    /// RFC 8414 §2 (code_challenge_methods_supported); RFC 9700 §2.1.1
    pub struct Pkce010 {
        code: "PKCE010",
        name: "metadata-without-s256",
        title: "authorization server does not advertise S256",
        category: Pkce,
        severity: Info,
        kind: Lint,
        fix: "confirm S256 support with the provider and always send PKCE with S256; absence of the field does not prove lack of support",
        references: ["RFC 8414 §2", "RFC 9700 §2.1.1"],
    }
}

impl Rule for Pkce010 {
    fn check(&self, cx: &mut Context<'_>) {
        let idx = cx.index;
        for (i, d) in &idx.metadata {
            if d.get("authorization_endpoint").is_none() {
                continue;
            }
            let list = d.get("code_challenge_methods_supported");
            let msg = match list.and_then(Value::as_array) {
                None => {
                    "the discovery document does not announce `code_challenge_methods_supported`"
                        .to_string()
                }
                Some(a) if !a.iter().any(|m| m.as_str() == Some("S256")) => format!(
                    "the discovery document's `code_challenge_methods_supported` ({}) does not list `S256`",
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Some(_) => continue,
            };
            let issuer = d.get("issuer").and_then(Value::as_str).unwrap_or("");
            cx.report(*i, format!("{msg} (issuer `{issuer}`)"))
                .strength(Strength::Direct)
                .text(
                    *i,
                    "response.body.code_challenge_methods_supported",
                    list.map(|v| v.to_string())
                        .unwrap_or_else(|| "(absent)".into()),
                )
                .emit();
        }
    }
}
