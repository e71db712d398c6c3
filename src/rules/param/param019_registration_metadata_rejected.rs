//! `PARAM019` registration-metadata-rejected: dynamic client registration refused for the client
//! metadata it sent (`invalid_redirect_uri`, `invalid_client_metadata`,
//! `invalid_software_statement`, `unapproved_software_statement`).

use super::*;

declare_rule! {
    /// ## What it does
    /// Reports a dynamic client registration (RFC 7591 §3.1) or client update (RFC 7592 §2.2)
    /// that the authorization server refused with one of the registration error codes of
    /// RFC 7591 §3.2.2, names the metadata field the refusal concerns and what is wrong with
    /// the value sent:
    ///
    /// - `invalid_redirect_uri`: a redirect URI with a fragment, not absolute, plain `http` to
    ///   a host that is not a loopback address, or one the server's policy does not allow;
    /// - `invalid_client_metadata`: the field the description names among those sent
    ///   (`grant_types`, `response_types`, `token_endpoint_auth_method`, `scope`, …), checked
    ///   against what the server's metadata says it supports;
    /// - `invalid_software_statement` / `unapproved_software_statement`: the signed software
    ///   statement is malformed, badly signed, or from a publisher the server does not trust.
    ///
    /// ## Why it fails
    /// The server validates every metadata value before it creates the client; one value it
    /// cannot accept refuses the whole registration, and no `client_id` is issued.
    ///
    /// ## Example
    /// `POST /register {"redirect_uris":["http://app.example.com/cb"],…}` → `400
    /// {"error":"invalid_redirect_uri","error_description":"redirect URIs must use https"}`.
    ///
    /// ## Fix
    /// Change the named value to one the server accepts: absolute `https` redirect URIs without
    /// a fragment (`http` only for loopback), grant and response types and an authentication
    /// method the server lists in its metadata, a software statement signed by a publisher it
    /// trusts.
    ///
    /// ## References
    /// RFC 7591 §2, §2.3, §3.2.2; RFC 7592 §2.2; RFC 8252 §7.3
    pub struct Param019 {
        code: "PARAM019",
        name: "registration-metadata-rejected",
        title: "client registration refused for its metadata",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "change the named metadata value to one the server accepts (see its metadata document and registration policy) and register again",
        references: ["RFC 7591 §2", "RFC 7591 §3.2.2", "RFC 7592 §2.2"],
        explains_errors: [
            ("invalid_redirect_uri", 0),
            ("invalid_client_metadata", 0),
            ("invalid_software_statement", 0),
            ("unapproved_software_statement", 0),
        ],
        absorbs: ["STAT016"],
    }
}

/// Client metadata fields (RFC 7591 §2) with the category of a wrong value and the server
/// metadata field (RFC 8414 §2) that lists what it supports.
const FIELDS: &[(&str, Category, Option<&str>)] = &[
    ("redirect_uris", Category::RedirectUri, None),
    (
        "token_endpoint_auth_method",
        Category::Credentials,
        Some("token_endpoint_auth_methods_supported"),
    ),
    (
        "grant_types",
        Category::GrantType,
        Some("grant_types_supported"),
    ),
    (
        "response_types",
        Category::GrantType,
        Some("response_types_supported"),
    ),
    ("scope", Category::ScopeConsent, Some("scopes_supported")),
    ("jwks_uri", Category::Credentials, None),
    ("jwks", Category::Credentials, None),
    ("client_uri", Category::Parameters, None),
    ("logo_uri", Category::Parameters, None),
    ("contacts", Category::Parameters, None),
    ("software_statement", Category::Credentials, None),
];

/// What is wrong with a redirect URI on its face (RFC 7591 §2, RFC 6749 §3.1.2, RFC 8252 §7).
fn redirect_uri_defect(u: &str) -> Option<&'static str> {
    let Ok(p) = url::Url::parse(u) else {
        return Some("not an absolute URI");
    };
    if p.fragment().is_some() {
        return Some("has a fragment");
    }
    if p.scheme() == "http" && !p.host_str().is_some_and(crate::model::is_loopback_host) {
        return Some("uses plain `http` to a host that is not a loopback address");
    }
    None
}

impl Rule for Param019 {
    fn check(&self, cx: &mut Context<'_>) {
        let exchanges = cx.exchanges;
        for e in exchanges.iter().filter(|e| e.kind == Kind::Registration) {
            if !cx.weighs(e.index) {
                continue;
            }
            let Some(er) = e.server_error() else { continue };
            let code = er.code.to_ascii_lowercase();
            if !matches!(
                code.as_str(),
                "invalid_redirect_uri"
                    | "invalid_client_metadata"
                    | "invalid_software_statement"
                    | "unapproved_software_statement"
            ) {
                continue;
            }
            let sent = e.request.json.as_ref().and_then(|j| j.as_object());
            let desc = er.description.clone().unwrap_or_default();
            let desc_l = desc.to_ascii_lowercase();
            // The field the refusal concerns: by its code, else the first field sent that the
            // description names.
            let field = match code.as_str() {
                "invalid_redirect_uri" => Some("redirect_uris"),
                "invalid_software_statement" | "unapproved_software_statement" => {
                    Some("software_statement")
                }
                _ => FIELDS
                    .iter()
                    .map(|(f, _, _)| *f)
                    .filter(|f| sent.is_some_and(|o| o.contains_key(*f)))
                    .find(|f| desc_l.contains(f) || desc_l.contains(&f.replace('_', " "))),
            };
            let (category, supported) = field
                .and_then(|f| FIELDS.iter().find(|(n, _, _)| *n == f))
                .map_or((Category::Parameters, None), |(_, c, s)| (*c, *s));
            let category = if code == "unapproved_software_statement" {
                Category::ScopeConsent
            } else {
                category
            };
            let mut detail = String::new();
            let mut rep_evidence: Vec<(String, String)> = Vec::new();
            let mut strength = Strength::Direct;
            if field == Some("redirect_uris") {
                let uris: Vec<&str> = sent
                    .and_then(|o| o.get("redirect_uris"))
                    .and_then(|v| v.as_array())
                    .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
                    .unwrap_or_default();
                if let Some((u, why)) = uris
                    .iter()
                    .find_map(|u| redirect_uri_defect(u).map(|w| (*u, w)))
                {
                    detail = format!("; `{u}` {why}");
                    rep_evidence.push(("request.body.redirect_uris".into(), u.to_string()));
                    strength = Strength::Recomputed;
                } else if let Some(u) = uris.first() {
                    rep_evidence.push(("request.body.redirect_uris".into(), u.to_string()));
                    detail = "; the URI is well-formed, so the server's registration policy (allowed hosts or schemes) refuses it".to_string();
                }
            } else if let (Some(f), Some(list)) = (field, supported) {
                let value = sent.and_then(|o| o.get(f));
                let values: Vec<String> = match value {
                    Some(serde_json::Value::Array(a)) => a
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    Some(serde_json::Value::String(s)) if f == "scope" => {
                        s.split(' ').map(str::to_string).collect()
                    }
                    Some(serde_json::Value::String(s)) => vec![s.clone()],
                    _ => Vec::new(),
                };
                let allowed: Option<Vec<String>> =
                    cx.index.distinct_metadata().find_map(|(_, md)| {
                        md.get(list).and_then(|v| v.as_array()).map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect()
                        })
                    });
                if !values.is_empty() {
                    rep_evidence.push((format!("request.body.{f}"), values.join(" ")));
                }
                if let Some(allowed) = allowed {
                    let missing: Vec<&String> =
                        values.iter().filter(|v| !allowed.contains(v)).collect();
                    if !missing.is_empty() {
                        detail = format!(
                            "; the server's metadata lists `{list}` without {}",
                            missing
                                .iter()
                                .map(|m| format!("`{m}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                        strength = Strength::Recomputed;
                    }
                }
            }
            let about = field.map_or(String::new(), |f| format!(" about `{f}`"));
            let message = format!(
                "the registration at `{}` was refused with `{}`{}{about}{detail}",
                e.request.endpoint(),
                er.code,
                if desc.is_empty() {
                    String::new()
                } else {
                    format!(" (\"{desc}\")")
                }
            );
            let mut rep = cx
                .report(e.index, message)
                .category(category)
                .strength(strength)
                .confirmed()
                .text(e.index, er.at, er.code.clone());
            for (at, v) in rep_evidence {
                rep = rep.text(e.index, at, v);
            }
            rep.emit();
        }
    }
}
