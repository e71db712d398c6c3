//! `DEV007` device-authorization-request-malformed: device authorization request malformed.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks the device authorization request: not a POST (→ `endpoint_url`), a body that is
    /// not form-encoded (→ `content_type_encoding`), no `client_id` and no client
    /// authentication (→ `parameters`); a device authorization request sent to the token
    /// endpoint instead of `device_authorization_endpoint` (→ `endpoint_url`); and polls that
    /// redeem the device code with another `client_id` than the one it was issued to (→
    /// `grant_type`, the code belongs to another client). The category follows the defect.
    ///
    /// ## Why it fails
    /// RFC 8628 §3.1 requires a form-encoded POST with the `client_id` (public clients) to the
    /// device authorization endpoint; the device code is bound to that client, so a poll by
    /// another client gets `invalid_grant` (§3.5).
    ///
    /// ## Example
    /// `POST /oauth2/token` `client_id=tv-app&scope=openid` (no `grant_type`) →
    /// `400 {"error":"unsupported_grant_type"}` while the metadata announces
    /// `device_authorization_endpoint: …/oauth2/device_authorization`.
    ///
    /// ## Fix
    /// POST `client_id` (and `scope`) form-encoded to the `device_authorization_endpoint`, and
    /// poll with the same client.
    ///
    /// ## References
    /// RFC 8628 §3.1, §3.4, §3.5; RFC 8628 §4 (metadata)
    pub struct Dev007 {
        code: "DEV007",
        name: "device-authorization-request-malformed",
        title: "device authorization request malformed",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "POST `client_id` (and `scope`) form-encoded to the `device_authorization_endpoint`, and poll with the same client",
        references: ["RFC 8628 §3.1", "RFC 8628 §3.4", "RFC 8628 §3.5"],
    }
}

/// The client identity of a request: Basic user or `client_id` parameter.
fn client_of(e: &Exchange) -> Option<String> {
    crate::model::flow::token_client_id(e)
}

fn strip_slash(u: &str) -> String {
    u.split(['?', '#'])
        .next()
        .unwrap_or("")
        .trim_end_matches('/')
        .to_ascii_lowercase()
}

impl Rule for Dev007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let md = cx.index.metadata_doc();
        let da_endpoint = md
            .and_then(|m| m.get("device_authorization_endpoint"))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let token_endpoint = md
            .and_then(|m| m.get("token_endpoint"))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        for e in ex.iter().filter(|e| e.kind == Kind::DeviceAuthorization) {
            let r = &e.request;
            let (cat, msg, at, value) = if r.method != "POST" {
                (
                    Category::EndpointUrl,
                    format!(
                        "the device authorization request uses `{}`; the endpoint takes a form-encoded POST",
                        r.method
                    ),
                    "request.method",
                    r.method.clone(),
                )
            } else if r.json.is_some()
                || r.headers
                    .media_type()
                    .is_some_and(|m| m != "application/x-www-form-urlencoded")
                    && r.form.is_empty()
            {
                let ct = r
                    .headers
                    .get("content-type")
                    .unwrap_or("(none)")
                    .to_string();
                (
                    Category::ContentTypeEncoding,
                    format!(
                        "the device authorization request body is not form-encoded (`Content-Type: {ct}`)"
                    ),
                    "request.headers.content-type",
                    ct,
                )
            } else if client_of(e).is_none() && r.authorization().is_none() {
                (
                    Category::Parameters,
                    "the device authorization request has no `client_id` and no client authentication"
                        .to_string(),
                    "request.body.client_id",
                    "(absent)".to_string(),
                )
            } else {
                continue;
            };
            cx.report(e.index, msg)
                .category(cat)
                .strength(Strength::Direct)
                .text(e.index, at, value)
                .emit();
        }
        // A device authorization request sent to the token endpoint: a public client (client_id
        // in the body, no client authentication) posting only client parameters, no grant, to
        // the token endpoint of a server that has a device authorization endpoint, and using no
        // other grant in the capture. Indistinguishable in general from a request that forgot
        // its `grant_type` (GRANT001), hence only a suspicion.
        if let Some(da) = &da_endpoint {
            for e in ex {
                let r = &e.request;
                let to_token = token_endpoint
                    .as_deref()
                    .is_some_and(|t| strip_slash(t) == strip_slash(&r.endpoint()));
                let public = r.param("client_id").is_some_and(|c| !c.is_empty())
                    && r.authorization().is_none()
                    && r.param("client_secret").is_none()
                    && r.param("client_assertion").is_none();
                let only_client_params = r
                    .form
                    .iter()
                    .all(|(k, _)| matches!(k, "client_id" | "scope" | "audience" | "resource"));
                if !to_token
                    || r.method != "POST"
                    || !public
                    || r.form.is_empty()
                    || !only_client_params
                    || !e.failed()
                {
                    continue;
                }
                let client = r.param("client_id");
                let other_grants = ex.iter().any(|x| {
                    x.index != e.index
                        && x.kind == Kind::Token
                        && x.request.param("grant_type").is_some()
                        && !is_poll(x)
                        && x.request.param("client_id") == client
                });
                if other_grants {
                    continue;
                }
                let message = format!(
                    "public client `{}` posted only client parameters (no `grant_type`) to the token endpoint `{}` while the metadata announces `device_authorization_endpoint` `{da}`: a device authorization request sent to the wrong endpoint",
                    client.as_deref().unwrap_or(""),
                    r.endpoint()
                );
                cx.report(e.index, message)
                    .category(Category::EndpointUrl)
                    .strength(Strength::Heuristic)
                    .text(e.index, "request.url", r.endpoint())
                    .text(
                        e.index,
                        "metadata.device_authorization_endpoint",
                        da.clone(),
                    )
                    .emit();
            }
        }
        // Polls by another client than the one the device code was issued to.
        for p in pollings(ex) {
            let Some(da) = p.authorization else { continue };
            let Some(issued_to) = client_of(da) else {
                continue;
            };
            let Some(e) = p
                .polls
                .iter()
                .find(|e| client_of(e).is_some_and(|c| c != issued_to))
            else {
                continue;
            };
            let used = client_of(e).unwrap_or_default();
            let message = format!(
                "the device code was issued to client `{issued_to}` (exchange {}) but the poll redeems it as `{used}`",
                da.number()
            );
            cx.report(e.index, message)
                .category(Category::GrantType)
                .strength(Strength::Recomputed)
                .text(da.index, "request.body.client_id", issued_to.clone())
                .text(e.index, "request.body.client_id", used)
                .emit();
        }
    }
}
