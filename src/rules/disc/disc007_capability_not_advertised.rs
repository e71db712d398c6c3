//! `DISC007` capability-not-advertised: capability used that metadata does not list.

use super::*;

declare_rule! {
    /// ## What it does
    /// Compares what the client uses with what the matching discovery document advertises:
    /// `grant_type` with `grant_types_supported`, `response_type` with
    /// `response_types_supported`, `response_mode` with `response_modes_supported` (default
    /// `query`, `fragment`), the client authentication method with
    /// `token_endpoint_auth_methods_supported` (default `client_secret_basic`),
    /// `code_challenge_method` with `code_challenge_methods_supported`, and the DPoP proof
    /// `alg` with `dpop_signing_alg_values_supported`. The document is matched by endpoint URL.
    ///
    /// ## Why it fails
    /// A capability the server does not list is likely disabled or unsupported; metadata can be
    /// incomplete, so this is advice. Deviation from the catalogue: when
    /// `grant_types_supported` is absent, RFC 8414's default (`authorization_code`,
    /// `implicit`) is *not* applied — most servers omit the member while supporting refresh
    /// and client credentials, and the warning would be noise.
    ///
    /// ## Example
    /// `token_endpoint_auth_methods_supported: ["private_key_jwt"]` while the client sends
    /// `Authorization: Basic …`.
    ///
    /// ## Fix
    /// Align the client with the advertised capabilities, or confirm with the provider that
    /// the capability is enabled for the client.
    ///
    /// ## References
    /// RFC 8414 §2; OIDC Discovery §3; RFC 9449 §5.1; RFC 7636 §4.3
    pub struct Disc007 {
        code: "DISC007",
        name: "capability-not-advertised",
        title: "capability used that metadata does not list",
        category: Other,
        severity: Warning,
        kind: Lint,
        fix: "use a capability the server advertises, or confirm with the provider that it is enabled",
        references: ["RFC 8414 §2", "OIDC Discovery §3", "RFC 9449 §5.1"],
    }
}

/// The client authentication method a token-endpoint request uses.
fn auth_method(e: &Exchange) -> Option<&'static str> {
    let r = &e.request;
    if let Some((scheme, _)) = r.authorization() {
        if scheme.eq_ignore_ascii_case("basic") {
            return Some("client_secret_basic");
        }
    }
    if let Some(a) = r.form.get("client_assertion") {
        let alg = crate::oauth::jwt::decode(a)
            .ok()
            .and_then(|d| d.alg().map(str::to_string))
            .unwrap_or_default();
        return Some(if alg.starts_with("HS") {
            "client_secret_jwt"
        } else {
            "private_key_jwt"
        });
    }
    if r.form.get("client_secret").is_some() {
        return Some("client_secret_post");
    }
    if r.form.get("client_id").is_some() {
        return Some("none");
    }
    None
}

impl Rule for Disc007 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            let mut uses: Vec<(String, &'static str, Vec<String>, Category, String)> = Vec::new();
            match e.kind {
                Kind::Token => {
                    let Some(md) = crate::rules::jwt::metadata_naming(cx, "token_endpoint", e)
                    else {
                        continue;
                    };
                    if let (Some(g), Some(list)) = (
                        e.request.form.get("grant_type"),
                        str_list(md, "grant_types_supported"),
                    ) {
                        if !list.contains(&g) {
                            uses.push((
                                format!("`grant_type={g}`"),
                                "grant_types_supported",
                                list.iter().map(|s| s.to_string()).collect(),
                                Category::GrantType,
                                "request.body.grant_type".into(),
                            ));
                        }
                    }
                    if let Some(m) = auth_method(e) {
                        let list = str_list(md, "token_endpoint_auth_methods_supported")
                            .unwrap_or_else(|| vec!["client_secret_basic"]);
                        // A public client sending only client_id is not an authentication method
                        // a server must list when it supports public clients through PKCE.
                        let public_default = m == "none"
                            && md.get("token_endpoint_auth_methods_supported").is_none();
                        if !(list.contains(&m) || public_default) {
                            uses.push((
                                format!("client authentication `{m}`"),
                                "token_endpoint_auth_methods_supported",
                                list.iter().map(|s| s.to_string()).collect(),
                                Category::Credentials,
                                "request".into(),
                            ));
                        }
                    }
                }
                Kind::Authorize => {
                    let Some(md) =
                        crate::rules::jwt::metadata_naming(cx, "authorization_endpoint", e)
                    else {
                        continue;
                    };
                    if let (Some(rt), Some(list)) = (
                        e.request.query.get("response_type"),
                        str_list(md, "response_types_supported"),
                    ) {
                        let norm = |s: &str| {
                            let mut v: Vec<&str> = s.split(' ').filter(|p| !p.is_empty()).collect();
                            v.sort_unstable();
                            v.join(" ")
                        };
                        if !list.iter().any(|l| norm(l) == norm(rt)) {
                            uses.push((
                                format!("`response_type={rt}`"),
                                "response_types_supported",
                                list.iter().map(|s| s.to_string()).collect(),
                                Category::GrantType,
                                "request.query.response_type".into(),
                            ));
                        }
                    }
                    if let Some(rm) = e.request.query.get("response_mode") {
                        let list = str_list(md, "response_modes_supported")
                            .unwrap_or_else(|| vec!["query", "fragment"]);
                        if !list.contains(&rm) {
                            uses.push((
                                format!("`response_mode={rm}`"),
                                "response_modes_supported",
                                list.iter().map(|s| s.to_string()).collect(),
                                Category::Parameters,
                                "request.query.response_mode".into(),
                            ));
                        }
                    }
                    if let (Some(m), Some(list)) = (
                        e.request.query.get("code_challenge_method"),
                        str_list(md, "code_challenge_methods_supported"),
                    ) {
                        if !list.contains(&m) {
                            uses.push((
                                format!("`code_challenge_method={m}`"),
                                "code_challenge_methods_supported",
                                list.iter().map(|s| s.to_string()).collect(),
                                Category::Pkce,
                                "request.query.code_challenge_method".into(),
                            ));
                        }
                    }
                }
                _ => {}
            }
            // DPoP proof algorithms at the authorization server.
            if matches!(e.kind, Kind::Token | Kind::Par) {
                if let Some(md) = crate::rules::jwt::metadata_naming(
                    cx,
                    if e.kind == Kind::Token {
                        "token_endpoint"
                    } else {
                        "pushed_authorization_request_endpoint"
                    },
                    e,
                ) {
                    if let Some(list) = str_list(md, "dpop_signing_alg_values_supported") {
                        for p in e.request.headers.get_all("dpop") {
                            if let Some(alg) = crate::oauth::jwt::decode(p)
                                .ok()
                                .and_then(|d| d.alg().map(str::to_string))
                            {
                                if !list.contains(&alg.as_str()) {
                                    uses.push((
                                        format!("DPoP proof `alg: {alg}`"),
                                        "dpop_signing_alg_values_supported",
                                        list.iter().map(|s| s.to_string()).collect(),
                                        Category::SignatureKey,
                                        "request.headers.dpop".into(),
                                    ));
                                }
                            }
                        }
                    }
                }
            }
            for (what, field, list, category, at) in uses {
                cx.report(
                    e.index,
                    format!(
                        "`{}` uses {what}, which the metadata's `{field}` does not list ({})",
                        e.request.endpoint(),
                        if list.is_empty() {
                            "empty".to_string()
                        } else {
                            list.iter()
                                .map(|s| format!("`{s}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    ),
                )
                .category(category)
                .strength(Strength::Direct)
                .text(e.index, at, what.trim_matches('`').to_string())
                .text(e.index, format!("metadata.{field}"), list.join(", "))
                .emit();
            }
        }
    }
}
