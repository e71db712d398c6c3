//! `PARAM010` introspection-request-malformed: introspection request malformed.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks introspection requests (RFC 7662 §2.1): `POST`, an
    /// `application/x-www-form-urlencoded` body, a non-empty `token` parameter, and caller
    /// authentication (Basic credentials, a client secret or assertion, or a bearer token). The
    /// first defect found is reported; its category follows the defect: wrong body encoding is
    /// `content_type_encoding`, missing caller authentication `credentials`, the rest
    /// `parameters`. In a sanitized browser export, a missing `Authorization` header is not
    /// reported.
    ///
    /// ## Why it fails
    /// The introspection endpoint reads a form with `token` and only answers callers it can
    /// authenticate: a protected resource sending `access_token=` instead of `token=`, JSON, or
    /// no credentials gets `400 invalid_request` or `401 invalid_client`.
    ///
    /// ## Example
    /// `POST /introspect` `access_token=…&token_type_hint=access_token` →
    /// `400 {"error":"invalid_request","error_description":"missing required parameter 'token'"}`.
    ///
    /// ## Fix
    /// POST the form `token=…` (optionally `token_type_hint`) with the resource server's own
    /// credentials.
    ///
    /// ## References
    /// RFC 7662 §2.1, §2.3
    pub struct Param010 {
        code: "PARAM010",
        name: "introspection-request-malformed",
        title: "introspection request malformed",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "POST a form body `token=…` (optionally `token_type_hint`) authenticated with the resource server's credentials",
        references: ["RFC 7662 §2.1", "RFC 7662 §2.3"],
        explains_statuses: [(IntrospectionRejected, 0)],
    }
}

impl Rule for Param010 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx
            .exchanges
            .iter()
            .filter(|e| e.kind == Kind::Introspection)
        {
            let req = &e.request;
            let media = req.headers.media_type();
            let form = media.as_deref() == Some("application/x-www-form-urlencoded")
                || (media.is_none() && !req.form.is_empty());
            let token = body_param(req, "token").filter(|t| !t.trim().is_empty());
            let authenticated = req.authorization().is_some()
                || body_param(req, "client_secret").is_some_and(|s| !s.is_empty())
                || body_param(req, "client_assertion").is_some();
            let (msg, category) = if req.method != "POST" {
                (
                    format!(
                        "the introspection request uses `{}` instead of `POST`",
                        req.method
                    ),
                    Category::Parameters,
                )
            } else if req.json.is_some()
                || !form && req.body.as_deref().is_some_and(|b| !b.trim().is_empty())
            {
                (
                    format!(
                        "the introspection request body is not form-encoded (`Content-Type: {}`)",
                        req.headers.get("content-type").unwrap_or("(none)")
                    ),
                    Category::ContentTypeEncoding,
                )
            } else if token.is_none() {
                let alt = ["access_token", "refresh_token", "id_token"]
                    .into_iter()
                    .find(|p| body_param(req, p).is_some() || req.query.has(p));
                (
                    match alt {
                        Some(p) => format!(
                            "the introspection request sends the token as `{p}` instead of `token`"
                        ),
                        None if req.query.has("token") => {
                            "the introspection request sends `token` in the URL query instead of the body".to_string()
                        }
                        None => "the introspection request has no `token` parameter".to_string(),
                    },
                    Category::Parameters,
                )
            } else if !authenticated && !headers_may_be_stripped(cx, e) {
                (
                    "the introspection request does not authenticate the caller (no `Authorization` header, no client secret or assertion)".to_string(),
                    Category::Credentials,
                )
            } else {
                continue;
            };
            let mut rep = cx
                .report(e.index, format!("{msg}{}", outcome(e)))
                .category(category)
                .text(e.index, "request.method", req.method.clone());
            if let Some(t) = token {
                rep = rep.secret(e.index, "request.body.token", t);
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
