//! `CRED014` client-assertion-alg-or-key: client assertion algorithm or key not acceptable.

use super::*;

declare_rule! {
    /// ## What it does
    /// Decodes the header of a `client_assertion` JWT and checks its algorithm: `none` (or an
    /// empty signature) is never acceptable; an `alg` outside the metadata's
    /// `token_endpoint_auth_signing_alg_values_supported`; an HMAC algorithm (`HS*`, which is
    /// `client_secret_jwt`) at a server that does not list `client_secret_jwt`. On a rejected
    /// request it also notes an asymmetric assertion without `kid`.
    ///
    /// ## Why it fails
    /// The server verifies the assertion's signature with the key registered for the client and
    /// accepts only the algorithms it lists (RFC 8414 §2). An unsupported algorithm, an HMAC
    /// assertion where a private key is registered, or an unknown key makes it reject the client
    /// with `invalid_client`. Whether the `kid` is one of the client's registered keys cannot be
    /// seen in a capture.
    ///
    /// ## Example
    /// Metadata lists `["RS256","PS256","ES256"]`; the assertion header is
    /// `{"alg":"RS512","kid":"k1"}` → `401 {"error":"invalid_client"}`.
    ///
    /// ## Fix
    /// Sign with an algorithm the server lists, using a currently registered key whose `kid` is
    /// in the header; roll keys with an overlap period.
    ///
    /// ## References
    /// RFC 7523 §3; RFC 8414 §2; RFC 7515 §4.1.4; RFC 8725 §3.1
    pub struct Cred014 {
        code: "CRED014",
        name: "client-assertion-alg-or-key",
        title: "client assertion algorithm or key not acceptable",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "sign the assertion with an algorithm from `token_endpoint_auth_signing_alg_values_supported`, using a registered key whose `kid` is in the header",
        references: ["RFC 7523 §3", "RFC 8414 §2", "RFC 7515 §4.1.4", "RFC 8725 §3.1"],
        explains_errors: [("invalid_client", 10)],
        explains_statuses: [(ClientAuthUnauthorized, 10)],
    }
}

fn alg_problem(d: &DecodedJwt, md: Option<&Value>, failed: bool) -> Option<(String, Strength)> {
    let alg = d.alg().unwrap_or("");
    if alg.eq_ignore_ascii_case("none") || alg.is_empty() || d.signature_len == 0 {
        return Some((
            format!(
                "the client assertion is unsigned (`alg` {}, {} signature)",
                if alg.is_empty() {
                    "absent".to_string()
                } else {
                    format!("`{alg}`")
                },
                if d.signature_len == 0 { "empty" } else { "a" }
            ),
            Strength::Direct,
        ));
    }
    if let Some(list) = md_list(md, "token_endpoint_auth_signing_alg_values_supported") {
        if !list.contains(&alg) {
            return Some((
                format!(
                    "the client assertion is signed with `{alg}`, which `token_endpoint_auth_signing_alg_values_supported` does not list ({})",
                    list.iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Strength::Direct,
            ));
        }
    }
    if alg.starts_with("HS") {
        if let Some(methods) = md_list(md, "token_endpoint_auth_methods_supported") {
            if !methods.contains(&"client_secret_jwt") {
                return Some((
                    format!(
                        "the client assertion is an HMAC (`{alg}`) `client_secret_jwt` assertion, but the server does not list `client_secret_jwt` (private_key_jwt needs an asymmetric key)"
                    ),
                    Strength::Direct,
                ));
            }
        }
    } else if failed && d.kid().is_none() {
        return Some((
            format!(
                "the `{alg}` client assertion has no `kid`; the server may not find the key to verify it"
            ),
            Strength::Heuristic,
        ));
    }
    None
}

impl Rule for Cred014 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let Some((a, at)) = client_assertion(&e.request) else {
                continue;
            };
            let Ok(d) = jwt::decode(&a) else { continue };
            let md = cx.index.metadata_for(e);
            let Some((msg, strength)) = alg_problem(&d, md, client_auth_rejected(e)) else {
                continue;
            };
            let mut rep = cx
                .report(e.index, format!("{msg}{}", outcome(e)))
                .strength(strength)
                .secret(e.index, at, a.clone())
                .text(
                    e.index,
                    "client_assertion.header.alg",
                    d.alg().unwrap_or("(absent)"),
                );
            if let Some(k) = d.kid() {
                rep = rep.text(e.index, "client_assertion.header.kid", k);
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
