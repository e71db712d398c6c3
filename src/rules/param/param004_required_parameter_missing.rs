//! `PARAM004` required-parameter-missing: required parameter missing.

use super::*;
use crate::model::{is_unset_literal, unset_literal_kind};

declare_rule! {
    /// ## What it does
    /// Checks that the parameters a request type requires are present and non-empty:
    /// `authorization_code` needs `code`; `refresh_token` needs `refresh_token`; `password`
    /// needs `username` and `password`; the device grant needs `device_code`; `jwt-bearer` and
    /// `saml2-bearer` grants need `assertion`; a code or refresh request from a client that does
    /// not authenticate needs `client_id`; an authorization request needs `response_type` and
    /// `client_id` (unless it uses a PAR `request_uri`); a revocation needs `token`. `name=`
    /// counts as absent, and so do placeholder values such as `undefined`, `null` or
    /// `[object Object]` that come from stringifying a missing variable. It reports only
    /// requests the server rejected (GitHub's authorization endpoint, for one, does not need
    /// `response_type`). A placeholder `client_id` names a client that does not exist and is
    /// reported as `credentials` (an unknown client_id); other missing parameters as
    /// `parameters`. A missing `grant_type` is GRANT001's, token-exchange parameters GRANT013's,
    /// PKCE parameters the PKCE family's.
    ///
    /// ## Why it fails
    /// The server cannot process the request without the parameter and answers
    /// `invalid_request` (or, for a placeholder value, `invalid_grant`: it looks the literal
    /// string `undefined` up as a token).
    ///
    /// ## Example
    /// `grant_type=refresh_token&refresh_token=undefined` →
    /// `400 {"error":"invalid_grant","error_description":"grant request is invalid"}`.
    ///
    /// ## Fix
    /// Add the missing parameter for the grant; for refresh, check that a refresh token was
    /// issued and stored before using it.
    ///
    /// ## References
    /// RFC 6749 §4.1.1, §4.1.3, §4.3.2, §4.4.2, §6; RFC 8628 §3.4; RFC 7523 §2.1; RFC 7009 §2.1
    pub struct Param004 {
        code: "PARAM004",
        name: "required-parameter-missing",
        title: "required parameter missing",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "add the parameter the request type requires, and make sure its variable was set before the request was built",
        references: ["RFC 6749 §4.1.1", "RFC 6749 §4.1.3", "RFC 6749 §6", "RFC 8628 §3.4"],
        explains_errors: [("invalid_request", 1)],
        explains_statuses: [(TokenBadRequest, 2)],
        absorbs: ["GRANT001"],
    }
}

/// Parameter values JavaScript and friends produce for a missing value.
/// Required parameters of a request, by its kind and grant.
fn required_params(e: &Exchange) -> Vec<&'static str> {
    let req = &e.request;
    match e.kind {
        Kind::Token => {
            let authenticates = req.authorization().is_some()
                || body_param(req, "client_secret").is_some()
                || body_param(req, "client_assertion").is_some();
            match req.param("grant_type").as_deref() {
                Some("authorization_code") => {
                    let mut v = vec!["code"];
                    if !authenticates {
                        v.push("client_id");
                    }
                    v
                }
                Some("refresh_token") => {
                    let mut v = vec!["refresh_token"];
                    if !authenticates {
                        v.push("client_id");
                    }
                    v
                }
                Some("password") => vec!["username", "password"],
                Some("urn:ietf:params:oauth:grant-type:device_code") => vec!["device_code"],
                Some(
                    "urn:ietf:params:oauth:grant-type:jwt-bearer"
                    | "urn:ietf:params:oauth:grant-type:saml2-bearer",
                ) => vec!["assertion"],
                _ => vec![],
            }
        }
        Kind::Revocation => vec!["token"],
        Kind::Par => {
            if req.form.has("request") {
                vec![]
            } else {
                vec!["response_type"]
            }
        }
        _ if is_authorize_like(e) => {
            if req.query.has("request_uri") || req.query.has("request") {
                vec![]
            } else {
                vec!["response_type", "client_id"]
            }
        }
        _ => vec![],
    }
}

impl Rule for Param004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in cx.exchanges {
            let required = required_params(e);
            if required.is_empty() {
                continue;
            }
            let req = &e.request;
            let mut problems: Vec<(&str, String, Option<String>)> = Vec::new();
            for name in required {
                if name == "client_id" && e.kind == Kind::Token && headers_may_be_stripped(cx, e) {
                    continue;
                }
                match req.param(name) {
                    None => problems.push((name, "absent".into(), None)),
                    Some(v) if v.trim().is_empty() => {
                        problems.push((name, "sent empty".into(), None))
                    }
                    Some(v) if is_unset_literal(&v) => problems.push((
                        name,
                        unset_literal_kind(&v).unwrap_or_default().to_string(),
                        Some(format!("placeholder ({} chars)", v.chars().count())),
                    )),
                    Some(_) => {}
                }
            }
            if problems.is_empty() {
                continue;
            }
            let anchor = if is_authorize_like(e) {
                authorize_anchor(cx, e)
            } else {
                e.index
            };
            // A server that accepted the request did not need the parameter (GitHub's authorize
            // endpoint without `response_type`, for instance).
            if !ex[anchor].failed() {
                continue;
            }
            // A placeholder client_id names a client that does not exist: an unknown client_id
            // is a `credentials` root cause (docs/json-output.md, "Categories"), an absent one a `parameters` one.
            let unknown_client = problems
                .iter()
                .any(|(n, _, v)| *n == "client_id" && v.is_some());
            let what: Vec<String> = problems
                .iter()
                .map(|(n, how, _)| format!("`{n}` is {how}"))
                .collect();
            let grant = req.param("grant_type");
            let (_, desc) = server_error(&ex[anchor]);
            let mut rep = cx.report(
                anchor,
                format!(
                    "the {} request{} lacks a required parameter: {}{}",
                    e.kind.as_str(),
                    grant
                        .as_deref()
                        .map(|g| format!(" (grant `{g}`)"))
                        .unwrap_or_default(),
                    what.join(", "),
                    outcome(&ex[anchor])
                ),
            );
            if unknown_client {
                rep = rep.category(Category::Credentials);
            }
            if problems.iter().any(|(n, _, _)| {
                desc.contains(&format!("'{n}'"))
                    || desc.contains(&format!("missing {n}"))
                    || desc.contains(&format!("parameter: {n}"))
            }) {
                rep = rep.confirmed();
            }
            for (n, how, v) in &problems {
                let at = format!(
                    "request.{}.{n}",
                    if is_authorize_like(e) {
                        "query"
                    } else {
                        "body"
                    }
                );
                // A placeholder such as `undefined` is no secret: it is shown as is.
                rep = match v {
                    Some(v) => rep.text(e.index, at, v.clone()),
                    None => rep.text(e.index, at, format!("({how})")),
                };
            }
            rep = with_server_signal(rep, &ex[anchor]);
            rep.emit();
        }
    }
}
