//! `DISC004` metadata-required-fields: required metadata fields missing.

use super::*;

declare_rule! {
    /// ## What it does
    /// Lints each discovery document for the members the specifications require: `issuer`,
    /// `response_types_supported`, `token_endpoint` (unless the server supports only the
    /// implicit flow), `authorization_endpoint` (when a response type needs it), and for OpenID
    /// providers `jwks_uri`, `subject_types_supported` and
    /// `id_token_signing_alg_values_supported`; and checks that `issuer` is an `https` URL
    /// without query or fragment.
    ///
    /// ## Why it fails
    /// Client libraries configure themselves from these members and refuse (or crash on)
    /// documents without them; an `http` issuer or one with a query cannot be compared
    /// safely.
    ///
    /// ## Example
    /// `{"issuer":"https://idp.example.com","authorization_endpoint":"…","token_endpoint":"…"}`
    /// — no `jwks_uri`, `response_types_supported`, `subject_types_supported`.
    ///
    /// ## Fix
    /// Complete the server's metadata, or configure the client statically with the endpoints
    /// and keys it needs.
    ///
    /// ## References
    /// RFC 8414 §2; OIDC Discovery §3
    pub struct Disc004 {
        code: "DISC004",
        name: "metadata-required-fields",
        title: "required metadata fields missing",
        category: Other,
        severity: Warning,
        kind: Lint,
        fix: "complete the server's metadata or configure the client statically",
        references: ["RFC 8414 §2", "OIDC Discovery §3"],
    }
}

impl Rule for Disc004 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in discovery_exchanges(cx.exchanges) {
            let Some(r) = &e.response else { continue };
            if !r.is_success() {
                continue;
            }
            let Some(doc) = r.json.as_ref().and_then(Value::as_object) else {
                continue;
            };
            let oidc = e.request.path().contains(OIDC_WK)
                || doc.contains_key("id_token_signing_alg_values_supported")
                || doc.contains_key("userinfo_endpoint");
            let rts = str_list(doc, "response_types_supported").unwrap_or_default();
            let implicit_only =
                !rts.is_empty() && rts.iter().all(|t| !t.split(' ').any(|p| p == "code"));
            let mut missing: Vec<&str> = Vec::new();
            for (f, needed) in [
                ("issuer", true),
                ("response_types_supported", true),
                ("token_endpoint", !implicit_only),
                ("authorization_endpoint", oidc || !rts.is_empty()),
                ("jwks_uri", oidc),
                ("subject_types_supported", oidc),
                ("id_token_signing_alg_values_supported", oidc),
            ] {
                if needed && doc.get(f).is_none_or(Value::is_null) {
                    missing.push(f);
                }
            }
            let mut problems: Vec<String> = Vec::new();
            if !missing.is_empty() {
                problems.push(format!(
                    "it lacks {}",
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if let Some(iss) = doc.get("issuer").and_then(Value::as_str) {
                match url::Url::parse(iss) {
                    Ok(u) => {
                        if u.scheme() != "https" && !u.host_str().is_some_and(is_loopback) {
                            problems.push(format!("`issuer` `{iss}` is not https"));
                        }
                        if u.query().is_some() || u.fragment().is_some() {
                            problems.push(format!("`issuer` `{iss}` has a query or fragment"));
                        }
                    }
                    Err(_) => problems.push(format!("`issuer` `{iss}` is not a URL")),
                }
            }
            if problems.is_empty() {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "the {} metadata at `{}`: {}",
                    if oidc {
                        "OpenID provider"
                    } else {
                        "authorization server"
                    },
                    e.request.endpoint(),
                    problems.join("; ")
                ),
            )
            .strength(Strength::Direct)
            .text(
                e.index,
                "response.body",
                format!("missing: {}", missing.join(", ")),
            )
            .emit();
        }
    }
}
