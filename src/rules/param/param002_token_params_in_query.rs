//! `PARAM002` token-params-in-query: token endpoint called with get or parameters in the query.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a token (or other back-channel) request sent with `GET`, and a POST whose grant
    /// parameters (`grant_type`, `code`, `refresh_token`, `code_verifier`, credentials…) are in
    /// the URL query instead of the body. A query that is part of the endpoint URL itself (a
    /// B2C-style `?p=policy` announced by the metadata) is fine.
    ///
    /// ## Why it fails
    /// RFC 6749 §3.2 requires POST with the parameters in the body. Servers answer `GET` with 405
    /// and read nothing from the query of a POST, so they report `grant_type` missing — and
    /// secrets in URLs leak into logs. The `GET` case is reported as `endpoint_url` (the wrong
    /// method), the query case as `parameters`.
    ///
    /// ## Example
    /// `POST /oauth2/token?grant_type=authorization_code&code=…` with an empty body →
    /// `400 {"error":"invalid_request","error_description":"missing required parameter 'grant_type'"}`.
    ///
    /// ## Fix
    /// POST the parameters in an `application/x-www-form-urlencoded` body (`data=`, not
    /// `params=`).
    ///
    /// ## References
    /// RFC 6749 §3.2, §4.1.3
    pub struct Param002 {
        code: "PARAM002",
        name: "token-params-in-query",
        title: "token endpoint called with get or parameters in the query",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "POST the parameters in an `application/x-www-form-urlencoded` body, not in the URL",
        references: ["RFC 6749 §3.2", "RFC 6749 §4.1.3"],
        explains_statuses: [(TokenBadRequest, 1), (MethodNotAllowed, 2)],
    }
}

const GRANT_PARAMS: &[&str] = &[
    "grant_type",
    "code",
    "refresh_token",
    "code_verifier",
    "redirect_uri",
    "client_secret",
    "client_assertion",
    "username",
    "password",
    "device_code",
    "assertion",
    "subject_token",
    "token",
];

impl Rule for Param002 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let req = &e.request;
            let in_query: Vec<&str> = GRANT_PARAMS
                .iter()
                .copied()
                .filter(|p| req.query.has(p) && body_param(req, p).is_none())
                .collect();
            // Only a failure consistent with unread parameters: a server that answers
            // `invalid_grant` (or succeeds) has read them, wherever they were.
            let (code, _) = server_error(e);
            let consistent = e.failed()
                && match code.as_deref() {
                    Some(
                        "invalid_request"
                        | "unsupported_grant_type"
                        | "invalid_client"
                        | "unauthorized_client",
                    ) => true,
                    Some(_) => false,
                    None => matches!(e.status(), Some(400 | 401 | 404 | 405 | 415 | 500)),
                };
            if !consistent {
                continue;
            }
            if req.method == "GET" {
                let message = format!(
                    "the {} endpoint was called with `GET`{}; it takes `POST` with a form body{}",
                    e.kind.as_str(),
                    if in_query.is_empty() {
                        String::new()
                    } else {
                        format!(" and `{}` in the query", in_query.join("`, `"))
                    },
                    outcome(e)
                );
                let mut rep = cx
                    .report(e.index, message)
                    .category(Category::EndpointUrl)
                    .text(e.index, "request.method", "GET");
                rep = with_server_signal(rep, e);
                rep.emit();
                continue;
            }
            if in_query.is_empty() {
                continue;
            }
            let body_empty = req.body.as_deref().is_none_or(|b| b.trim().is_empty());
            let message = format!(
                "`{}` {} in the URL query of the {} POST{}; the server reads parameters from the body{}",
                in_query.join("`, `"),
                if in_query.len() == 1 { "is" } else { "are" },
                e.kind.as_str(),
                if body_empty {
                    " and the body is empty"
                } else {
                    ""
                },
                outcome(e)
            );
            let mut rep =
                cx.report(e.index, message)
                    .text(e.index, "request.query", in_query.join(", "));
            for p in &in_query {
                if is_secret_param(p) {
                    if let Some(v) = req.query.get(p) {
                        rep = rep.secret(e.index, format!("request.query.{p}"), v);
                    }
                }
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
