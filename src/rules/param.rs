//! PARAM: request and response syntax — body encoding, required, duplicated and misplaced
//! parameters, scopes, PAR, introspection, revocation and resource-server `Authorization`
//! syntax (RULES.md §1.4). Rules read the capture through [`Context`] and report findings; they
//! never print and never do I/O. Token values are attached as fingerprinted evidence only.

use super::cred::{
    body_param, headers_may_be_stripped, md_list, metadata_for, outcome, server_error,
    with_server_signal,
};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Strength};
use crate::model::{Exchange, Kind};
use crate::oauth::errors::error_code;
use crate::oauth::jwt;
use serde_json::Value;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Param001, &Param002, &Param003, &Param004, &Param005, &Param006, &Param007, &Param008,
    &Param009, &Param010, &Param011, &Param012, &Param013, &Param014, &Param015, &Param016,
];

// ------------------------------------------------------------------------------------------
// shared helpers (private to the family)
// ------------------------------------------------------------------------------------------

/// A browser request to the authorization endpoint, including one that carries only a PAR
/// `request_uri` (which the classifier cannot recognise without discovery).
fn is_authorize_like(e: &Exchange) -> bool {
    e.kind == Kind::Authorize
        || (e.kind == Kind::Other
            && e.request.method == "GET"
            && e.request
                .query
                .get("request_uri")
                .is_some_and(|u| u.starts_with("urn:ietf:params:oauth:request_uri:")))
}

/// The exchange that shows an authorization request's failure: the request itself when its
/// response carries the error (error page, error redirect), else the callback that received
/// an error for its `state`, else the request itself (then judged latent by ranking).
fn authorize_anchor(cx: &Context<'_>, az: &Exchange) -> usize {
    if az.failed() {
        return az.index;
    }
    if let Some(state) = az.request.param("state") {
        if let Some(a) = cx.index.authz_responses.iter().find(|a| {
            a.exchange >= az.index
                && a.params.get("state") == Some(state.as_str())
                && a.params.has("error")
        }) {
            return a.exchange;
        }
    }
    az.index
}

/// Scope values of a request, split on spaces.
fn scope_tokens(s: &str) -> Vec<&str> {
    s.split(' ').filter(|t| !t.is_empty()).collect()
}

/// Parameter values JavaScript and friends produce for a missing value.
fn is_placeholder(v: &str) -> bool {
    matches!(
        v.trim(),
        "undefined" | "null" | "None" | "nil" | "NaN" | "[object Object]" | "{}"
    )
}

/// How a placeholder value is described. The literal is not repeated: the redactor treats the
/// parameter's value as a secret and would fingerprint it in the message.
fn placeholder_kind(v: &str) -> &'static str {
    match v.trim() {
        "undefined" => "the string JavaScript produces for an unset variable",
        "[object Object]" => "a stringified object",
        "NaN" => "a not-a-number placeholder",
        "{}" => "an empty JSON object",
        _ => "a null placeholder string",
    }
}

/// Raw `name=value` pairs of a query string or form body, before any decoding.
fn raw_pairs(raw: &str) -> Vec<(&str, Option<&str>)> {
    raw.split('&')
        .filter(|s| !s.is_empty())
        .map(|s| match s.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (s, None),
        })
        .collect()
}

/// Parameter names defined by the OAuth and OpenID Connect specifications.
const KNOWN_PARAMS: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "client_id",
    "client_secret",
    "code_verifier",
    "scope",
    "state",
    "nonce",
    "response_type",
    "response_mode",
    "code_challenge",
    "code_challenge_method",
    "refresh_token",
    "username",
    "password",
    "assertion",
    "client_assertion",
    "client_assertion_type",
    "audience",
    "resource",
    "prompt",
    "login_hint",
    "max_age",
    "ui_locales",
    "id_token_hint",
    "acr_values",
    "claims",
    "request",
    "request_uri",
    "device_code",
    "token",
    "token_type_hint",
    "subject_token",
    "subject_token_type",
    "actor_token",
    "actor_token_type",
    "requested_token_type",
    "display",
    "access_type",
    "include_granted_scopes",
    "dpop_jkt",
    "authorization_details",
    "iss",
    "session_state",
];

/// Parameters whose values never legitimately contain a space.
const NO_SPACE_PARAMS: &[&str] = &[
    "code",
    "code_verifier",
    "refresh_token",
    "client_secret",
    "client_id",
    "redirect_uri",
    "state",
    "nonce",
    "code_challenge",
    "device_code",
    "client_assertion",
    "assertion",
    "token",
    "request_uri",
];

/// Parameters that hold secrets (their values are fingerprinted in evidence).
fn is_secret_param(name: &str) -> bool {
    matches!(
        name,
        "client_secret"
            | "code"
            | "code_verifier"
            | "refresh_token"
            | "client_assertion"
            | "assertion"
            | "subject_token"
            | "actor_token"
            | "token"
            | "password"
            | "access_token"
            | "device_code"
    )
}

// ------------------------------------------------------------------------------------------
// PARAM001
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a rejected POST to a back-channel endpoint (token, PAR, introspection, revocation,
    /// device authorization) whose body is not `application/x-www-form-urlencoded`: a JSON body
    /// (whatever `Content-Type` says), `multipart/form-data`, another media type, or a body
    /// without `Content-Type`. Media-type parameters (`; charset=UTF-8`) are fine. It fires only
    /// when the server's answer is consistent with an unparsed body (`invalid_request`,
    /// `unsupported_grant_type`, `invalid_client`, 415, or a bare 400/500): servers that accept
    /// JSON (Auth0, GitHub) answer other errors, which this rule does not explain.
    ///
    /// ## Why it fails
    /// RFC 6749 §3.2 and §4.1.3 define the token request as a form body. A server that parses
    /// only forms sees no parameters at all, so it reports the first required one as missing
    /// (`grant_type`, client authentication) — misleading errors whose root cause is the
    /// encoding.
    ///
    /// ## Example
    /// `Content-Type: application/json` `{"grant_type":"authorization_code","code":"…"}` →
    /// `400 {"error":"invalid_request","error_description":"only application/x-www-form-urlencoded content-type bodies are supported"}`.
    ///
    /// ## Fix
    /// POST an `application/x-www-form-urlencoded` body (`URLSearchParams`, `data=` not `json=`);
    /// the same applies to PAR, introspection, revocation and device authorization.
    ///
    /// ## References
    /// RFC 6749 §3.2, §4.1.3, Appendix B; RFC 7662 §2.1; RFC 7009 §2.1; RFC 9126 §2.1; RFC 8628 §3.1
    pub struct Param001 {
        code: "PARAM001",
        name: "body-not-form-encoded",
        title: "request body not form-encoded",
        category: ContentTypeEncoding,
        severity: Error,
        kind: Diag,
        fix: "POST an `application/x-www-form-urlencoded` body to the token, PAR, introspection, revocation and device endpoints",
        references: ["RFC 6749 §3.2", "RFC 6749 §4.1.3", "RFC 6749 Appendix B"],
    }
}

impl Rule for Param001 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let req = &e.request;
            let body = req.body.as_deref().unwrap_or("");
            if req.method == "GET" || body.trim().is_empty() || !e.failed() {
                continue;
            }
            let (code, desc) = server_error(e);
            let status = e.status().unwrap_or(0);
            let consistent = match code.as_deref() {
                Some("invalid_request" | "unsupported_grant_type" | "invalid_client") => true,
                Some(_) => false,
                None => matches!(status, 400 | 415 | 500),
            } || status == 415;
            if !consistent {
                continue;
            }
            let media = req.headers.media_type();
            let declared = req.headers.get("content-type").unwrap_or("(none)");
            let (what, strength) = if req.json.is_some() {
                (
                    match media.as_deref() {
                        Some("application/x-www-form-urlencoded") => {
                            "the body is JSON although `Content-Type` says `application/x-www-form-urlencoded`".to_string()
                        }
                        _ => format!("the body is JSON (`Content-Type: {declared}`)"),
                    },
                    Strength::Direct,
                )
            } else {
                match media.as_deref() {
                    Some("application/x-www-form-urlencoded") => continue,
                    Some(m) if m.starts_with("multipart/") => (
                        format!("the body is `{m}`, not a urlencoded form"),
                        Strength::Direct,
                    ),
                    Some(m) => (
                        format!("the body is sent as `{m}`, not `application/x-www-form-urlencoded`"),
                        Strength::Direct,
                    ),
                    None => (
                        "the body has no `Content-Type`; servers parse only `application/x-www-form-urlencoded` bodies".to_string(),
                        Strength::Heuristic,
                    ),
                }
            };
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "{what}; the {} endpoint reads only form-encoded parameters{}",
                        e.kind.as_str(),
                        outcome(e)
                    ),
                )
                .strength(strength)
                .text(e.index, "request.headers.content-type", declared);
            if ["content-type", "content type", "urlencoded", "media type"]
                .iter()
                .any(|w| desc.contains(w))
            {
                rep = rep.confirmed();
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// PARAM002
// ------------------------------------------------------------------------------------------

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
                let mut rep = cx
                    .report(
                        e.index,
                        format!(
                            "the {} endpoint was called with `GET`{}; it takes `POST` with a form body{}",
                            e.kind.as_str(),
                            if in_query.is_empty() {
                                String::new()
                            } else {
                                format!(" and `{}` in the query", in_query.join("`, `"))
                            },
                            outcome(e)
                        ),
                    )
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
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "`{}` {} in the URL query of the {} POST{}; the server reads parameters from the body{}",
                        in_query.join("`, `"),
                        if in_query.len() == 1 { "is" } else { "are" },
                        e.kind.as_str(),
                        if body_empty { " and the body is empty" } else { "" },
                        outcome(e)
                    ),
                )
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

// ------------------------------------------------------------------------------------------
// PARAM003
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a parameter that appears more than once in an authorization request's query or a
    /// back-channel request's body, or once in the query and once in the body. `resource` and
    /// `audience` may legitimately repeat (RFC 8707, RFC 8693) and are not reported.
    ///
    /// ## Why it fails
    /// RFC 6749 §3.1 and §3.2: request parameters must not be included more than once. Servers
    /// reject the request with `invalid_request` (or silently take one of the values). It
    /// usually comes from a wrapper library that adds a parameter the caller already set.
    ///
    /// ## Example
    /// `grant_type=client_credentials&scope=api&grant_type=client_credentials` →
    /// `400 {"error":"invalid_request","error_description":"'grant_type' parameter must not be provided twice"}`.
    ///
    /// ## Fix
    /// Send each parameter once; check what the library adds by default.
    ///
    /// ## References
    /// RFC 6749 §3.1, §3.2; RFC 8707 §2; RFC 8693 §2.1
    pub struct Param003 {
        code: "PARAM003",
        name: "duplicate-parameter",
        title: "duplicate request parameter",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send each parameter once; check which parameters the client library adds by itself",
        references: ["RFC 6749 §3.1", "RFC 6749 §3.2"],
    }
}

const REPEATABLE: &[&str] = &["resource", "audience"];

impl Rule for Param003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in cx.exchanges {
            let req = &e.request;
            let mut dups: Vec<(String, &'static str)> = Vec::new();
            let mut push = |name: &str, where_: &'static str| {
                if !REPEATABLE.contains(&name) && !dups.iter().any(|(n, _)| n == name) {
                    dups.push((name.to_string(), where_));
                }
            };
            if is_authorize_like(e) || e.kind == Kind::Par || e.kind.is_back_channel() {
                for (k, _) in req.query.iter() {
                    if req.query.count(k) > 1 {
                        push(k, "query");
                    }
                }
            }
            if e.kind.is_back_channel() {
                for (k, _) in req.form.iter() {
                    if req.form.count(k) > 1 {
                        push(k, "body");
                    } else if req.query.has(k) {
                        push(k, "query and body");
                    }
                }
            }
            if dups.is_empty() {
                continue;
            }
            let list: Vec<String> = dups.iter().map(|(n, w)| format!("`{n}` ({w})")).collect();
            let first = &dups[0].0;
            let values: Vec<&str> = req
                .query
                .iter()
                .chain(req.form.iter())
                .filter(|(k, _)| k == first)
                .map(|(_, v)| v)
                .collect();
            let same = values.windows(2).all(|w| w[0] == w[1]);
            let (code, desc) = server_error(e);
            let anchor = if is_authorize_like(e) {
                authorize_anchor(cx, e)
            } else {
                e.index
            };
            let mut rep = cx.report(
                anchor,
                format!(
                    "the {} request repeats {}{}{}",
                    e.kind.as_str(),
                    list.join(", "),
                    if values.len() > 1 {
                        if same {
                            format!("; the `{first}` values are identical")
                        } else {
                            format!("; the `{first}` values differ")
                        }
                    } else {
                        String::new()
                    },
                    outcome(&ex[anchor])
                ),
            );
            if code.is_some()
                && (desc.contains("twice")
                    || desc.contains("duplicate")
                    || desc.contains("more than once"))
            {
                rep = rep.confirmed();
            }
            rep = if is_secret_param(first) {
                rep.text(
                    e.index,
                    format!("request.{first}"),
                    format!("{} values", values.len()),
                )
            } else {
                rep.text(e.index, format!("request.{first}"), values.join(" | "))
            };
            rep = with_server_signal(rep, &ex[anchor]);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// PARAM004
// ------------------------------------------------------------------------------------------

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
    }
}

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
                    Some(v) if is_placeholder(&v) => problems.push((
                        name,
                        placeholder_kind(&v).to_string(),
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
            // is a `credentials` root cause (DESIGN.md), an absent one a `parameters` one.
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

// ------------------------------------------------------------------------------------------
// PARAM005
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks the syntax of the `scope` value of authorization, PAR, token and device requests:
    /// scopes are separated by single spaces (RFC 6749 §3.3). It reports a JSON array
    /// (`["a","b"]`), a literal `+` (the request carried `%2B`, so `+` was encoded instead of
    /// meaning a space), a `%20` left after decoding (double encoding), and — on a failed
    /// request — commas or semicolons used as separators. Providers that document comma
    /// separators (GitHub, Facebook, Slack) are not reported for commas. URI scopes with `:` and
    /// `/` are fine.
    ///
    /// ## Why it fails
    /// The server splits on spaces only, so `openid,profile,email` is one unknown scope and the
    /// request fails with `invalid_scope` (or the token silently lacks the scopes).
    ///
    /// ## Example
    /// `scope=openid%2Bprofile%2Bemail` (the single value `openid+profile+email`) →
    /// `error=invalid_scope`.
    ///
    /// ## Fix
    /// Join scopes with single spaces and let the URL or form encoder encode them (`%20` or
    /// `+`).
    ///
    /// ## References
    /// RFC 6749 §3.3, Appendix B
    pub struct Param005 {
        code: "PARAM005",
        name: "scope-delimiter",
        title: "scope list uses the wrong delimiter",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "join scopes with single spaces and let the encoder encode them (`%20` or `+`)",
        references: ["RFC 6749 §3.3", "RFC 6749 Appendix B"],
    }
}

/// What is wrong with a scope value's delimiters: (description, strength, category).
fn scope_delimiter_problem(
    s: &str,
    failed: bool,
    provider: Option<&str>,
) -> Option<(String, Strength, Category)> {
    let t = s.trim();
    if t.starts_with('[') && t.ends_with(']') {
        return Some((
            format!("`scope` is a JSON array `{t}` instead of a space-separated list"),
            Strength::Direct,
            Category::Parameters,
        ));
    }
    if t.contains("%20") || t.contains("%2B") || t.contains("%2b") {
        return Some((
            format!(
                "`scope` still contains percent-escapes after decoding (`{t}`): it was encoded twice"
            ),
            Strength::Direct,
            Category::ContentTypeEncoding,
        ));
    }
    if t.contains('+') {
        return Some((
            format!(
                "`scope` is the single value `{t}`: the `+` signs were percent-encoded (`%2B`) instead of meaning spaces"
            ),
            Strength::Direct,
            Category::Parameters,
        ));
    }
    let comma_ok = matches!(provider, Some("github" | "facebook" | "slack"));
    if failed && ((t.contains(',') && !comma_ok) || t.contains(';')) {
        let sep = if t.contains(',') {
            "commas"
        } else {
            "semicolons"
        };
        return Some((
            format!("`scope` `{t}` is separated by {sep}; the server splits scopes on spaces only"),
            if t.contains(", ") || t.contains("; ") {
                Strength::Direct
            } else {
                Strength::Heuristic
            },
            Category::Parameters,
        ));
    }
    None
}

impl Rule for Param005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in cx.exchanges {
            let az = is_authorize_like(e);
            if !(az || e.kind.is_back_channel()) {
                continue;
            }
            let Some(scope) = (if az {
                e.request.query.get("scope").map(str::to_string)
            } else {
                body_param(&e.request, "scope")
            }) else {
                continue;
            };
            let anchor = if az { authorize_anchor(cx, e) } else { e.index };
            let failed = ex[anchor].failed();
            let Some((mut what, mut strength, category)) =
                scope_delimiter_problem(&scope, failed, e.provider)
            else {
                continue;
            };
            // Proof: the value as a whole is unknown, its parts split on the wrong delimiter
            // are all advertised scopes.
            if let Some(list) = md_list(metadata_for(cx.index, e), "scopes_supported") {
                let parts: Vec<&str> = scope
                    .split([',', ';', '+', ' ', '"', '[', ']'])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect();
                if !list.contains(&scope.as_str())
                    && parts.len() > 1
                    && parts.iter().all(|p| list.contains(p))
                {
                    strength = Strength::Recomputed;
                    what.push_str(&format!(
                        "; split on spaces it would be {}, all listed in `scopes_supported`",
                        parts
                            .iter()
                            .map(|p| format!("`{p}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            let mut rep = cx
                .report(anchor, format!("{what}{}", outcome(&ex[anchor])))
                .strength(strength)
                .category(category)
                .text(
                    e.index,
                    if az {
                        "request.query.scope"
                    } else {
                        "request.body.scope"
                    },
                    scope.clone(),
                );
            rep = with_server_signal(rep, &ex[anchor]);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// PARAM006
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Explains an `invalid_scope` answer (from the token endpoint, PAR, device authorization or
    /// the authorization response): it names the scopes that were requested and those absent
    /// from the discovery document's `scopes_supported` (advisory: the list may be partial). A
    /// server that grants fewer scopes than requested without an error is allowed to (RFC 6749
    /// §3.3) and is not reported. Malformed scope lists are PARAM005's.
    ///
    /// ## Why it fails
    /// The scope is unknown to the server, or not allowed for this client (not configured, not
    /// consented, not granted to the application).
    ///
    /// ## Example
    /// `scope=openid profile orders.admin` → `error=invalid_scope`; `orders.admin` is not in
    /// `scopes_supported`.
    ///
    /// ## Fix
    /// Request only scopes the client is allowed; configure and consent the API permissions for
    /// the client.
    ///
    /// ## References
    /// RFC 6749 §3.3, §4.1.2.1, §5.2; RFC 8414 §2
    pub struct Param006 {
        code: "PARAM006",
        name: "scope-not-allowed",
        title: "scope not allowed or unknown",
        category: ScopeConsent,
        severity: Error,
        kind: Diag,
        fix: "request only scopes the client is allowed, and configure or consent the missing permissions for the client",
        references: ["RFC 6749 §3.3", "RFC 6749 §5.2", "RFC 8414 §2"],
    }
}

impl Rule for Param006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut reported_states: Vec<String> = Vec::new();
        for e in ex {
            let (Some(code), _) = server_error(e) else {
                continue;
            };
            if code != "invalid_scope" {
                continue;
            }
            // Where the requested scope is: this request, or the authorization request whose
            // response this is.
            let (source, scope): (&Exchange, Option<String>) = if is_authorize_like(e) {
                (e, e.request.query.get("scope").map(str::to_string))
            } else if e.kind.is_back_channel() {
                (e, body_param(&e.request, "scope"))
            } else {
                let state = cx
                    .index
                    .authz_responses
                    .iter()
                    .find(|a| a.exchange == e.index)
                    .and_then(|a| a.params.get("state"))
                    .map(str::to_string);
                let Some(state) = state else { continue };
                if reported_states.contains(&state) {
                    continue;
                }
                let Some(az) = ex[..e.index].iter().rev().find(|x| {
                    is_authorize_like(x) && x.request.query.get("state") == Some(state.as_str())
                }) else {
                    continue;
                };
                (az, az.request.query.get("scope").map(str::to_string))
            };
            if let Some(s) = source.request.query.get("state") {
                reported_states.push(s.to_string());
            }
            if let Some(s) = &scope {
                if scope_delimiter_problem(s, true, source.provider).is_some() {
                    continue; // PARAM005 explains it
                }
            }
            let md = metadata_for(cx.index, source);
            let supported = md_list(md, "scopes_supported");
            let requested: Vec<&str> = scope.as_deref().map(scope_tokens).unwrap_or_default();
            let unknown: Vec<&str> = match &supported {
                Some(list) => requested
                    .iter()
                    .copied()
                    .filter(|s| !list.contains(s))
                    .collect(),
                None => Vec::new(),
            };
            let msg = match (&scope, unknown.is_empty()) {
                (None, _) => format!(
                    "the server answered `invalid_scope` to a {} request that names no scope: the client's default scope is not allowed",
                    source.kind.as_str()
                ),
                (Some(s), true) => format!(
                    "the server answered `invalid_scope` for `scope={s}`: one of these scopes is not allowed for this client{}",
                    if supported.is_some() {
                        " (all of them are in `scopes_supported`, so it is a client permission or consent issue)"
                    } else {
                        ""
                    }
                ),
                (Some(s), false) => format!(
                    "the server answered `invalid_scope` for `scope={s}`; `{}` {} not in the discovery document's `scopes_supported`",
                    unknown.join("`, `"),
                    if unknown.len() == 1 { "is" } else { "are" }
                ),
            };
            let mut rep = cx.report(e.index, msg).text(
                source.index,
                if is_authorize_like(source) {
                    "request.query.scope"
                } else {
                    "request.body.scope"
                },
                scope.clone().unwrap_or_else(|| "(absent)".into()),
            );
            if let Some(list) = supported {
                rep = rep.text(source.index, "metadata.scopes_supported", list.join(" "));
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// PARAM007
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags an authorization request that expects OpenID Connect — it sends a `nonce`, its
    /// `response_type` includes `id_token`, or the access token it yields is refused by UserInfo
    /// — but whose `scope` lacks `openid`. It follows the flow (code → token response →
    /// UserInfo call carrying that exact access token): when a UserInfo call fails, or the token
    /// response has no `id_token`, the finding is anchored there. A scope that contains `openid`
    /// with the wrong delimiter (`openid,profile`) is PARAM005's. (The catalogue lists the
    /// UserInfo case under both PARAM007 and PARAM015; both report it.)
    ///
    /// ## Why it fails
    /// Without `openid` the request is plain OAuth 2.0: the server issues no ID token, and
    /// UserInfo refuses the access token (`insufficient_scope`). The client then fails on a
    /// missing `id_token` or on UserInfo.
    ///
    /// ## Example
    /// `scope=profile email&nonce=…` → token response without `id_token`; `GET /userinfo` →
    /// `403 insufficient_scope`.
    ///
    /// ## Fix
    /// Include `openid` in `scope`.
    ///
    /// ## References
    /// OpenID Connect Core §3.1.2.1, §5.3
    pub struct Param007 {
        code: "PARAM007",
        name: "openid-scope-missing",
        title: "openid connect request without the openid scope",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "include `openid` in the `scope` of the authorization request",
        references: ["OpenID Connect Core §3.1.2.1", "OpenID Connect Core §5.3"],
    }
}

/// Token exchanges that redeem a code of this authorization request.
fn token_exchanges_of<'a>(cx: &Context<'a>, az: &Exchange) -> Vec<&'a Exchange> {
    let ex = cx.exchanges;
    ex.iter()
        .filter(|t| {
            t.kind == Kind::Token
                && t.index > az.index
                && t.request.param("code").is_some()
                && cx
                    .index
                    .authorize_for_token(ex, t)
                    .is_some_and(|a| a.index == az.index)
        })
        .collect()
}

/// Userinfo or resource calls that present a token issued by token exchange `t`.
fn calls_with_token_of<'a>(cx: &Context<'a>, t: &Exchange) -> Vec<&'a Exchange> {
    let Some(at) = t.response.as_ref().and_then(|r| r.field("access_token")) else {
        return Vec::new();
    };
    cx.exchanges
        .iter()
        .filter(|x| {
            x.index > t.index
                && matches!(x.kind, Kind::Userinfo | Kind::Resource)
                && x.request.presented_token().as_deref() == Some(at)
        })
        .collect()
}

impl Rule for Param007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for az in ex
            .iter()
            .filter(|e| e.kind == Kind::Authorize || e.kind == Kind::Par)
        {
            let req = &az.request;
            let get = |n: &str| {
                if az.kind == Kind::Par {
                    body_param(req, n)
                } else {
                    req.query.get(n).map(str::to_string)
                }
            };
            let scope = get("scope").unwrap_or_default();
            // `openid` written with a wrong delimiter is PARAM005's finding, not a missing scope.
            if scope
                .split([' ', ',', ';', '+', '"', '[', ']'])
                .any(|t| t == "openid")
            {
                continue;
            }
            let nonce = get("nonce").is_some_and(|n| !n.is_empty());
            let id_token_rt =
                get("response_type").is_some_and(|r| r.split(' ').any(|t| t == "id_token"));
            // Follow the flow to where the missing openid scope shows.
            let tokens = token_exchanges_of(cx, az);
            if tokens.iter().any(|t| {
                t.response
                    .as_ref()
                    .is_some_and(|r| r.field("id_token").is_some())
            }) {
                continue; // the server issued an ID token anyway
            }
            let failing_call = tokens
                .iter()
                .flat_map(|t| calls_with_token_of(cx, t))
                .find(|c| c.failed() && c.kind == Kind::Userinfo);
            if !(nonce || id_token_rt || failing_call.is_some()) {
                continue;
            }
            let why = if id_token_rt {
                "`response_type` asks for an `id_token`"
            } else if nonce {
                "a `nonce` is sent, so the client expects an ID token"
            } else {
                "the client calls UserInfo, an OpenID Connect endpoint"
            };
            let (anchor, strength, tail) = if let Some(c) = failing_call {
                (
                    c.index,
                    Strength::Recomputed,
                    format!(
                        "; the access token issued for it was refused by `{}`{}",
                        c.request.endpoint(),
                        outcome(c)
                    ),
                )
            } else if let Some(t) = tokens.iter().find(|t| {
                t.response
                    .as_ref()
                    .is_some_and(|r| r.field("access_token").is_some())
            }) {
                (
                    t.index,
                    Strength::Direct,
                    format!(
                        "; the token response (exchange #{}) has no `id_token`",
                        t.number()
                    ),
                )
            } else {
                let a = authorize_anchor(cx, az);
                (a, Strength::Direct, outcome(&ex[a]))
            };
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the authorization request's `scope` `{scope}` lacks `openid` although {why}{tail}"
                    ),
                )
                .strength(strength)
                .text(
                    az.index,
                    if az.kind == Kind::Par {
                        "request.body.scope"
                    } else {
                        "request.query.scope"
                    },
                    scope.clone(),
                );
            rep = with_server_signal(rep, &ex[anchor]);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// PARAM008
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags an authorization request that carries its parameters in the browser URL (no
    /// `request_uri`) although the discovery document says
    /// `require_pushed_authorization_requests: true`.
    ///
    /// ## Why it fails
    /// A server that requires PAR (RFC 9126 §5) rejects front-channel authorization requests,
    /// usually with `invalid_request` in the redirect or on an error page. The requirement can
    /// also be set per client, which metadata does not show.
    ///
    /// ## Example
    /// Metadata `"require_pushed_authorization_requests": true`; `GET /authorize?response_type=code&client_id=…`
    /// → `error=invalid_request&error_description=pushed authorization request is required`.
    ///
    /// ## Fix
    /// POST the authorization parameters to the `pushed_authorization_request_endpoint` first,
    /// then send only `client_id` and the returned `request_uri` to the authorization endpoint.
    ///
    /// ## References
    /// RFC 9126 §4, §5
    pub struct Param008 {
        code: "PARAM008",
        name: "par-required-not-used",
        title: "pushed authorization request required but not used",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "push the authorization request to the PAR endpoint first and send only `client_id` and `request_uri` to the authorization endpoint",
        references: ["RFC 9126 §4", "RFC 9126 §5"],
    }
}

impl Rule for Param008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for az in cx.exchanges.iter().filter(|e| e.kind == Kind::Authorize) {
            if az.request.query.has("request_uri") {
                continue;
            }
            let md = metadata_for(cx.index, az);
            if md
                .and_then(|m| m.get("require_pushed_authorization_requests"))
                .and_then(Value::as_bool)
                != Some(true)
            {
                continue;
            }
            let anchor = authorize_anchor(cx, az);
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "the discovery document sets `require_pushed_authorization_requests`, but the authorization request sends its parameters in the URL without a `request_uri`{}",
                        outcome(&ex[anchor])
                    ),
                )
                .text(az.index, "request.query.request_uri", "(absent)")
                .text(az.index, "metadata.require_pushed_authorization_requests", "true");
            rep = with_server_signal(rep, &ex[anchor]);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// PARAM009
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks how a pushed authorization request's `request_uri` is used: the authorization
    /// request must also carry `client_id`; a `request_uri` is single-use, so the same value in
    /// two authorization requests is reported; parameters repeated in the authorization URL must
    /// not contradict the pushed ones (identical repeats, as OpenID Connect libraries send, are
    /// fine); and a PAR request itself must not contain a `request_uri`.
    ///
    /// ## Why it fails
    /// RFC 9126 §4 requires `client_id` next to `request_uri` and makes the URI one-time; the
    /// server answers `invalid_request` or `invalid_request_uri` (often on a page reload or a
    /// retried navigation).
    ///
    /// ## Example
    /// `GET /authorize?request_uri=urn:ietf:params:oauth:request_uri:6esc…` (no `client_id`) →
    /// `400` error page "missing required parameter 'client_id'".
    ///
    /// ## Fix
    /// Push once per authorization attempt, then send exactly `client_id` and `request_uri`.
    ///
    /// ## References
    /// RFC 9126 §2.1, §2.2, §4; RFC 9101 §5
    pub struct Param009 {
        code: "PARAM009",
        name: "par-request-uri-misuse",
        title: "pushed authorization request_uri misused",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "push once per authorization attempt, then send exactly `client_id` and the fresh `request_uri`",
        references: ["RFC 9126 §2.1", "RFC 9126 §4", "RFC 9101 §5"],
    }
}

impl Rule for Param009 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        // A PAR body that itself holds a request_uri.
        for p in ex.iter().filter(|e| e.kind == Kind::Par) {
            if let Some(u) = body_param(&p.request, "request_uri") {
                let mut rep = cx
                    .report(
                        p.index,
                        format!(
                            "the pushed authorization request itself contains `request_uri` `{u}`; PAR takes the authorization parameters, not a reference{}",
                            outcome(p)
                        ),
                    )
                    .text(p.index, "request.body.request_uri", u.clone());
                rep = with_server_signal(rep, p);
                rep.emit();
            }
        }
        let mut seen: Vec<(String, usize)> = Vec::new();
        for az in ex.iter().filter(|e| is_authorize_like(e)) {
            let q = &az.request.query;
            let Some(uri) = q.non_empty("request_uri").map(str::to_string) else {
                continue;
            };
            let earlier = seen.iter().find(|(u, _)| *u == uri).map(|(_, i)| *i);
            seen.push((uri.clone(), az.index));
            let par = ex[..az.index].iter().rev().find(|p| {
                p.kind == Kind::Par
                    && p.response
                        .as_ref()
                        .and_then(|r| r.field("request_uri"))
                        .is_some_and(|u| u == uri)
            });
            let conflicts: Vec<String> = match par {
                Some(p) => q
                    .iter()
                    .filter(|(k, _)| !matches!(*k, "client_id" | "request_uri"))
                    .filter_map(|(k, v)| {
                        let pushed = body_param(&p.request, k)?;
                        (pushed != v).then(|| {
                            format!(
                                "`{k}` is `{v}` in the URL but `{pushed}` in the pushed request"
                            )
                        })
                    })
                    .collect(),
                None => Vec::new(),
            };
            let (msg, strength) = if let Some(first) = earlier {
                (
                    format!(
                        "the `request_uri` was already used by the authorization request in exchange #{}; it is single-use",
                        first + 1
                    ),
                    Strength::Recomputed,
                )
            } else if q.non_empty("client_id").is_none() {
                (
                    "the authorization request carries a `request_uri` but no `client_id`"
                        .to_string(),
                    Strength::Direct,
                )
            } else if !conflicts.is_empty() {
                (
                    format!(
                        "the authorization URL contradicts the pushed request: {}",
                        conflicts.join("; ")
                    ),
                    Strength::Recomputed,
                )
            } else {
                continue;
            };
            let anchor = authorize_anchor(cx, az);
            let mut rep = cx
                .report(anchor, format!("{msg}{}", outcome(&ex[anchor])))
                .strength(strength)
                .text(az.index, "request.query.request_uri", uri.clone());
            if let Some(first) = earlier {
                rep = rep.text(first, "request.query.request_uri", uri.clone());
            }
            rep = with_server_signal(rep, &ex[anchor]);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// PARAM010
// ------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------
// PARAM011
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks revocation requests (RFC 7009): a `token_type_hint` other than `access_token` or
    /// `refresh_token` (for example `id_token`), and any `unsupported_token_type` answer, which it
    /// explains with the hint and, when the capture shows where the token came from, its real
    /// type. A missing hint is fine (it is optional).
    ///
    /// ## Why it fails
    /// Only access and refresh tokens are revocable types (RFC 7009 §2.1); ID tokens are not
    /// tokens the server can revoke. Many servers also cannot revoke self-contained access
    /// tokens and answer `unsupported_token_type` (§2.2.1).
    ///
    /// ## Example
    /// `token=eyJ…&token_type_hint=id_token` →
    /// `400 {"error":"unsupported_token_type"}`.
    ///
    /// ## Fix
    /// Omit the hint or set it correctly; revoke the refresh token where access tokens cannot be
    /// revoked; end the session (RP-initiated logout) instead of "revoking" an ID token.
    ///
    /// ## References
    /// RFC 7009 §2.1, §2.2.1, §4.1.2
    pub struct Param011 {
        code: "PARAM011",
        name: "revocation-token-type-hint",
        title: "revocation token_type_hint wrong or unsupported",
        category: Parameters,
        severity: Warning,
        kind: Diag,
        fix: "omit `token_type_hint` or set it to `access_token`/`refresh_token`; revoke the refresh token where access tokens cannot be revoked",
        references: ["RFC 7009 §2.1", "RFC 7009 §2.2.1"],
    }
}

impl Rule for Param011 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.kind == Kind::Revocation) {
            let req = &e.request;
            let hint = body_param(req, "token_type_hint");
            let (code, _) = server_error(e);
            let unsupported = code.as_deref() == Some("unsupported_token_type");
            let bad_hint = hint
                .as_deref()
                .is_some_and(|h| !matches!(h, "access_token" | "refresh_token"));
            if !(unsupported || bad_hint) {
                continue;
            }
            // What the token really is, when the capture shows it being issued.
            let token = body_param(req, "token").unwrap_or_default();
            let actual = ex[..e.index].iter().rev().find_map(|t| {
                let r = t.response.as_ref()?;
                if t.kind != Kind::Token {
                    return None;
                }
                ["access_token", "refresh_token", "id_token"]
                    .into_iter()
                    .find(|f| !token.is_empty() && r.field(f) == Some(token.as_str()))
            });
            let mut msg = match (&hint, bad_hint) {
                (Some(h), true) => format!(
                    "the revocation request says `token_type_hint={h}`, which is not a revocable token type (`access_token`, `refresh_token`)"
                ),
                (Some(h), false) => {
                    format!("the server cannot revoke the token sent with `token_type_hint={h}`")
                }
                (None, _) => "the server cannot revoke the token type sent".to_string(),
            };
            if let Some(a) = actual {
                msg.push_str(&format!(
                    "; the token is the `{a}` of an earlier token response"
                ));
                if a == "access_token" && unsupported {
                    msg.push_str(": revoke the refresh token instead");
                }
            }
            msg.push_str(&outcome(e));
            let mut rep = cx.report(e.index, msg).text(
                e.index,
                "request.body.token_type_hint",
                hint.clone().unwrap_or_else(|| "(absent)".into()),
            );
            if unsupported {
                rep = rep.confirmed();
            }
            if !token.is_empty() {
                rep = rep.secret(e.index, "request.body.token", token.clone());
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// PARAM012
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a successful (2xx) token response whose body is not JSON: form-encoded
    /// (`access_token=…&token_type=bearer`, what GitHub-style servers send without
    /// `Accept: application/json`), an HTML page (a sign-in page, a WAF or proxy answering a wrong
    /// URL), or another unparsable body. Error bodies are STAT002's. Category: a form-encoded
    /// body is `content_type_encoding` (the client's `Accept` header), an HTML page
    /// `endpoint_url` (the request went to the wrong place).
    ///
    /// ## Why it fails
    /// RFC 6749 §5.1 defines the token response as JSON; a client's JSON parser fails
    /// ("Unexpected token a in JSON at position 0") although the HTTP exchange succeeded.
    ///
    /// ## Example
    /// `Accept: */*` → `200 Content-Type: application/x-www-form-urlencoded`
    /// `access_token=gho_…&scope=repo&token_type=bearer`.
    ///
    /// ## Fix
    /// Send `Accept: application/json`; verify the token endpoint URL (take it from metadata);
    /// inspect an HTML answer for a proxy or SSO interception.
    ///
    /// ## References
    /// RFC 6749 §5.1, §5.2
    pub struct Param012 {
        code: "PARAM012",
        name: "token-response-not-json",
        title: "token response is not json",
        category: ContentTypeEncoding,
        severity: Error,
        kind: Diag,
        fix: "send `Accept: application/json` and call the exact `token_endpoint` from metadata; inspect HTML answers for a proxy or SSO page",
        references: ["RFC 6749 §5.1", "RFC 6749 §5.2"],
    }
}

impl Rule for Param012 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind == Kind::Token) {
            let Some(r) = &e.response else { continue };
            if !r.is_success() || error_code(e).is_some() {
                continue;
            }
            let body = r.body.as_deref().unwrap_or("");
            if body.trim().is_empty() || r.json.is_some() {
                continue;
            }
            let ct = r
                .headers
                .get("content-type")
                .unwrap_or("(none)")
                .to_string();
            let accept = e
                .request
                .headers
                .get("accept")
                .unwrap_or("(none)")
                .to_string();
            let (msg, category) = if r.is_html() {
                (
                    format!(
                        "the token endpoint `{}` answered {} with an HTML page (`{ct}`) instead of JSON: a sign-in page, WAF or proxy answered a wrong URL",
                        e.request.endpoint(),
                        r.status
                    ),
                    Category::EndpointUrl,
                )
            } else if !r.form.is_empty() {
                (
                    format!(
                        "the token response is form-encoded (`{ct}`), not JSON; the request sent `Accept: {accept}` instead of `application/json`"
                    ),
                    Category::ContentTypeEncoding,
                )
            } else {
                (
                    format!("the token response body is not JSON (`{ct}`)"),
                    Category::ContentTypeEncoding,
                )
            };
            cx.report(e.index, msg)
                .category(category)
                .client_rejects()
                .text(e.index, "response.headers.content-type", ct)
                .text(e.index, "request.headers.accept", accept)
                .emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// PARAM013
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks the `Authorization` header of calls to resource servers and UserInfo (RFC 6750
    /// §2.1): it must be `Bearer <token>` (scheme case-insensitive) with a token made of b64token
    /// characters (letters, digits, `-._~+/`, trailing `=`). It reports a token without a scheme,
    /// `Bearer:`, `Bearer Bearer …`, a quoted token, whitespace or line breaks inside the token,
    /// characters outside b64token, and — on a rejected call — another scheme such as `Token` or
    /// `JWT`. GitHub documents `token` as an alternative scheme, so it is not reported there.
    ///
    /// ## Why it fails
    /// The resource server cannot extract the token: it answers `invalid_request`, treats the
    /// call as unauthenticated (a bare `Bearer` challenge), or rejects the garbled token as
    /// `invalid_token`.
    ///
    /// ## Example
    /// `Authorization: Bearer "eyJ…"` (a JSON-encoded token string) →
    /// `400 WWW-Authenticate: Bearer error="invalid_request"`.
    ///
    /// ## Fix
    /// Send exactly `Authorization: Bearer <token>`, with the raw token string.
    ///
    /// ## References
    /// RFC 6750 §2.1, §3.1; RFC 9110 §11.6.2
    pub struct Param013 {
        code: "PARAM013",
        name: "malformed-bearer-header",
        title: "malformed authorization header at the resource server",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send exactly `Authorization: Bearer <token>` with the raw token string",
        references: ["RFC 6750 §2.1", "RFC 6750 §3.1", "RFC 9110 §11.6.2"],
    }
}

fn is_b64token(t: &str) -> bool {
    let body = t.trim_end_matches('=');
    !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/'))
}

/// What is wrong with a resource `Authorization` header: (description, needs a failure).
fn bearer_defect(value: &str) -> Option<(String, bool)> {
    if value.contains('\r') || value.contains('\n') {
        return Some(("the header value contains a line break".into(), false));
    }
    let v = value.trim();
    let (scheme, cred) = match v.split_once(char::is_whitespace) {
        Some((s, c)) => (s, c.trim()),
        None => (v, ""),
    };
    if cred.is_empty() {
        if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("bearer:") {
            return Some(("the `Bearer` scheme is followed by no token".into(), false));
        }
        if scheme.len() >= 20 && is_b64token(scheme) {
            return Some((
                "the header holds a bare token without the `Bearer` scheme".into(),
                false,
            ));
        }
        return None;
    }
    if scheme.ends_with(':') && scheme[..scheme.len() - 1].eq_ignore_ascii_case("bearer") {
        return Some(("the scheme is written `Bearer:` with a colon".into(), false));
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        if let Some((s2, _)) = cred.split_once(char::is_whitespace) {
            if s2.eq_ignore_ascii_case("bearer") {
                return Some(("the scheme is repeated: `Bearer Bearer …`".into(), false));
            }
            return Some(("the token contains whitespace".into(), false));
        }
        if cred.len() >= 2
            && ((cred.starts_with('"') && cred.ends_with('"'))
                || (cred.starts_with('\'') && cred.ends_with('\'')))
        {
            return Some(("the token is wrapped in quotes".into(), false));
        }
        if !is_b64token(cred) {
            let bad: Vec<String> = {
                let mut v: Vec<char> = cred
                    .trim_end_matches('=')
                    .chars()
                    .filter(|c| {
                        !(c.is_ascii_alphanumeric()
                            || matches!(c, '-' | '.' | '_' | '~' | '+' | '/'))
                    })
                    .collect();
                v.sort_unstable();
                v.dedup();
                v.into_iter().map(|c| format!("`{c}`")).collect()
            };
            return Some((
                format!(
                    "the token contains characters outside the b64token syntax ({})",
                    bad.join(", ")
                ),
                false,
            ));
        }
        return None;
    }
    const OTHER: &[&str] = &[
        "token",
        "jwt",
        "oauth",
        "access_token",
        "bearertoken",
        "bearer-token",
        "accesstoken",
    ];
    if OTHER.iter().any(|o| scheme.eq_ignore_ascii_case(o)) {
        return Some((
            format!("the scheme is `{scheme}` instead of `Bearer`"),
            true,
        ));
    }
    None
}

impl Rule for Param013 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            if !matches!(e.kind, Kind::Resource | Kind::Userinfo | Kind::Other) {
                continue;
            }
            let Some(value) = e.request.headers.get("authorization") else {
                continue;
            };
            let Some((what, needs_failure)) = bearer_defect(value) else {
                continue;
            };
            if (needs_failure || e.kind == Kind::Other) && !e.failed() {
                continue;
            }
            if needs_failure && e.provider == Some("github") {
                continue;
            }
            if e.kind == Kind::Other && !matches!(e.status(), Some(400 | 401 | 403)) {
                continue;
            }
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "malformed `Authorization` header on the call to `{}`: {what}{}",
                        e.request.endpoint(),
                        outcome(e)
                    ),
                )
                .secret(e.index, "request.headers.authorization", value);
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// PARAM014
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a resource or UserInfo call that presents its access token in more than one way:
    /// the `Authorization` header together with an `access_token` query parameter or form body
    /// parameter (or the query and the body together).
    ///
    /// ## Why it fails
    /// RFC 6750 §2 forbids using more than one method per request; resource servers answer
    /// `400 invalid_request`. A token in the URL also leaks into logs.
    ///
    /// ## Example
    /// `GET /v1/orders?access_token=…` with `Authorization: Bearer …` →
    /// `400 WWW-Authenticate: Bearer error="invalid_request"`.
    ///
    /// ## Fix
    /// Send the token only in the `Authorization` header.
    ///
    /// ## References
    /// RFC 6750 §2, §2.3, §5.3
    pub struct Param014 {
        code: "PARAM014",
        name: "bearer-token-multiple-methods",
        title: "bearer token sent by more than one method",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send the access token only in the `Authorization: Bearer` header",
        references: ["RFC 6750 §2", "RFC 6750 §5.3"],
    }
}

impl Rule for Param014 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            if !matches!(e.kind, Kind::Resource | Kind::Userinfo) {
                continue;
            }
            let req = &e.request;
            let header = req.authorization().is_some_and(|(s, c)| {
                (s.eq_ignore_ascii_case("bearer") || s.eq_ignore_ascii_case("dpop"))
                    && !c.is_empty()
            });
            let query = req.query.non_empty("access_token").is_some();
            let form = req.form.non_empty("access_token").is_some();
            let mut methods = Vec::new();
            if header {
                methods.push("the `Authorization` header");
            }
            if query {
                methods.push("the `access_token` query parameter");
            }
            if form {
                methods.push("the `access_token` body parameter");
            }
            if methods.len() < 2 {
                continue;
            }
            let mut rep = cx.report(
                e.index,
                format!(
                    "the call to `{}` presents the access token in {}{}",
                    req.endpoint(),
                    methods.join(" and "),
                    outcome(e)
                ),
            );
            if let Some(v) = req.query.get("access_token") {
                rep = rep.secret(e.index, "request.query.access_token", v);
            }
            if let Some(v) = req.form.get("access_token") {
                rep = rep.secret(e.index, "request.body.access_token", v);
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// PARAM015
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Explains a rejected UserInfo call (401 or 403) by tracing the presented token back
    /// through the capture: an ID token sent instead of the access token (`audience_issuer`);
    /// an access token whose grant lacks the `openid` scope (`parameters`); a JWT access token
    /// whose `aud` names another resource, not this server (`audience_issuer`). A token from the
    /// `client_credentials` grant is GRANT012's finding and is left to it. Without such evidence it
    /// stays quiet. (The missing-`openid` case is also PARAM007's, which the catalogue defines
    /// with the same evidence.)
    ///
    /// ## Why it fails
    /// UserInfo (OpenID Connect Core §5.3) returns claims about the end-user to the holder of an
    /// access token obtained with `openid`; it answers `invalid_token` for tokens it does not
    /// accept and `insufficient_scope` for tokens without `openid`.
    ///
    /// ## Example
    /// Authorization with `scope=orders.read profile`, then `GET /userinfo` with that access
    /// token → `403 WWW-Authenticate: Bearer error="insufficient_scope"`.
    ///
    /// ## Fix
    /// Call UserInfo with the access token (not the ID token) from an authorization that
    /// requested `openid`, issued for the server itself.
    ///
    /// ## References
    /// OpenID Connect Core §5.3, §5.3.1, §5.3.3; RFC 6750 §3.1
    pub struct Param015 {
        code: "PARAM015",
        name: "userinfo-rejected",
        title: "userinfo call rejected",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "call UserInfo with the access token (not the ID token) from an authorization that requested `openid`",
        references: ["OpenID Connect Core §5.3.1", "OpenID Connect Core §5.3.3", "RFC 6750 §3.1"],
    }
}

impl Rule for Param015 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.kind == Kind::Userinfo) {
            if !matches!(e.status(), Some(401 | 403)) {
                continue;
            }
            let Some(token) = e.request.presented_token() else {
                continue;
            };
            let (_, desc) = server_error(e);
            // 1. an ID token
            if let Some(t) = ex[..e.index].iter().rev().find(|t| {
                t.kind == Kind::Token
                    && t.response.as_ref().and_then(|r| r.field("id_token")) == Some(token.as_str())
            }) {
                let mut rep = cx
                    .report(
                        e.index,
                        format!(
                            "UserInfo was called with the `id_token` of exchange #{} instead of its `access_token`{}",
                            t.number(),
                            outcome(e)
                        ),
                    )
                    .category(Category::AudienceIssuer)
                    .strength(Strength::Recomputed)
                    .secret(e.index, "request.headers.authorization", token.clone());
                rep = with_server_signal(rep, e);
                rep.emit();
                continue;
            }
            let issuer = cx.index.issued_by(&token).map(|i| &ex[i]);
            if let Some(t) = issuer {
                let grant = t.request.param("grant_type").unwrap_or_default();
                // A `client_credentials` token has no user at all: GRANT012's finding, not a
                // missing scope.
                if grant == "client_credentials" {
                    continue;
                }
                // 2. a grant without openid
                let granted = t
                    .response
                    .as_ref()
                    .and_then(|r| r.field("scope"))
                    .map(str::to_string);
                let az = cx.index.authorize_for_token(ex, t);
                let requested = az.and_then(|a| a.request.query.get("scope").map(str::to_string));
                let scope = granted.clone().or(requested.clone());
                if let Some(s) = scope.filter(|s| !scope_tokens(s).contains(&"openid")) {
                    let mut rep = cx
                        .report(
                            e.index,
                            format!(
                                "UserInfo was called with an access token whose scope `{s}` lacks `openid` ({} in exchange #{}){}",
                                if granted.is_some() { "granted" } else { "requested" },
                                if granted.is_some() { t.number() } else { az.map(|a| a.number()).unwrap_or(t.number()) },
                                outcome(e)
                            ),
                        )
                        .strength(Strength::Recomputed)
                        .secret(e.index, "request.headers.authorization", token.clone())
                        .text(t.index, "response.body.scope", s.clone());
                    rep = with_server_signal(rep, e);
                    rep.emit();
                    continue;
                }
            }
            // 3. a JWT access token for another audience
            let Ok(d) = jwt::decode(&token) else { continue };
            let auds = d.audiences();
            if auds.is_empty() {
                continue;
            }
            let md = metadata_for(cx.index, e);
            let host = e.request.host().unwrap_or("").to_ascii_lowercase();
            let issuer = md
                .and_then(|m| m.get("issuer"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let host_of = |u: &str| {
                url::Url::parse(u)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            };
            let ours = auds.iter().any(|a| {
                *a == issuer
                    || host_of(a).is_some_and(|h| h == host)
                    || d.claim_str("iss").is_some_and(|i| i == *a)
            });
            if ours {
                continue;
            }
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "UserInfo at `{}` was called with an access token for another audience (`aud` {}){}",
                        e.request.endpoint(),
                        auds.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "),
                        outcome(e)
                    ),
                )
                .category(Category::AudienceIssuer)
                .secret(e.index, "request.headers.authorization", token.clone())
                .text(e.index, "access_token.claims.aud", auds.join(" "));
            if desc.contains("aud") {
                rep = rep.confirmed();
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// PARAM016
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Reads the raw (undecoded) query of authorization requests and the raw form body of
    /// back-channel requests for values that were not percent-encoded: a literal space or
    /// non-ASCII character, a `%` that starts no escape, a segment without `=` (a value split
    /// at an unencoded `&`), a URL value with its own unencoded query followed by parameters no
    /// specification defines (its `&` cut it short — proved when the authorization request
    /// carried the full value), and a raw `+` inside a value that never contains spaces (code,
    /// secret, verifier, redirect_uri…), which the server decodes as a space.
    ///
    /// ## Why it fails
    /// In `application/x-www-form-urlencoded` data `&` separates parameters, `+` means a space
    /// and `%` starts an escape (RFC 6749 Appendix B, RFC 3986 §2). An unencoded value is cut
    /// or altered, so the server sees a different `redirect_uri`, secret or code and rejects
    /// it — often as a redirect_uri mismatch whose root cause is the encoding.
    ///
    /// ## Example
    /// `…&redirect_uri=https://app.example.com/cb?tenant=acme&region=eu&code_verifier=…` → the
    /// server reads `redirect_uri=https://app.example.com/cb?tenant=acme` and a stray `region`,
    /// and answers `invalid_grant`.
    ///
    /// ## Fix
    /// Percent-encode each value with a URL/form builder (`URLSearchParams`, `urlencode`) instead
    /// of string concatenation.
    ///
    /// ## References
    /// RFC 3986 §2.1, §2.2; RFC 6749 Appendix B; WHATWG URL §5.1
    pub struct Param016 {
        code: "PARAM016",
        name: "unencoded-parameter-value",
        title: "unencoded reserved characters in a parameter value",
        category: ContentTypeEncoding,
        severity: Error,
        kind: Diag,
        fix: "percent-encode every parameter value with a URL or form builder instead of concatenating strings",
        references: ["RFC 3986 §2.1", "RFC 6749 Appendix B"],
    }
}

/// Parameters whose values are URLs.
const URL_PARAMS: &[&str] = &["redirect_uri", "post_logout_redirect_uri", "resource"];

/// Find an encoding defect in raw `name=value` data: (description, parameter, strength).
fn encoding_defect(
    raw: &str,
    full_value_elsewhere: impl Fn(&str) -> Option<String>,
) -> Option<(String, String, Strength)> {
    let pairs = raw_pairs(raw);
    for (i, (k, v)) in pairs.iter().enumerate() {
        let Some(v) = v else {
            if i > 0 {
                let prev = pairs[i - 1].0;
                return Some((
                    format!(
                        "the segment `{}` has no `=`: the value of `{prev}` was split at an unencoded `&`",
                        if is_secret_param(prev) { "…" } else { k }
                    ),
                    prev.to_string(),
                    Strength::Direct,
                ));
            }
            continue;
        };
        if let Some(c) = v
            .chars()
            .find(|c| *c == ' ' || !c.is_ascii() || c.is_control())
        {
            return Some((
                format!(
                    "the value of `{k}` contains {} that was not percent-encoded",
                    if c == ' ' {
                        "a literal space".to_string()
                    } else if c.is_control() {
                        "a control character".to_string()
                    } else {
                        format!("the non-ASCII character `{c}`")
                    }
                ),
                k.to_string(),
                Strength::Direct,
            ));
        }
        let b = v.as_bytes();
        if let Some(p) = b.iter().position(|c| *c == b'%') {
            let valid = |j: usize| {
                b.get(j + 1).is_some_and(u8::is_ascii_hexdigit)
                    && b.get(j + 2).is_some_and(u8::is_ascii_hexdigit)
            };
            if b.iter().enumerate().any(|(j, c)| *c == b'%' && !valid(j)) {
                let _ = p;
                return Some((
                    format!(
                        "the value of `{k}` contains a `%` that starts no escape: a literal `%` must be sent as `%25`"
                    ),
                    k.to_string(),
                    Strength::Direct,
                ));
            }
        }
        if URL_PARAMS.contains(k)
            && (v.contains('?') || v.contains("://"))
            && !v.contains("%3A")
            && !v.contains("%3a")
        {
            // The value has its own unencoded query; what follows may be its tail.
            let tail: Vec<&str> = pairs[i + 1..]
                .iter()
                .take_while(|(n, _)| !KNOWN_PARAMS.contains(n))
                .map(|(n, _)| *n)
                .collect();
            if v.contains('?') && !tail.is_empty() {
                let decoded = crate::oauth::basic::form_decode(v);
                let rebuilt: String = std::iter::once(decoded.clone())
                    .chain(
                        pairs[i + 1..i + 1 + tail.len()]
                            .iter()
                            .map(|(n, x)| match x {
                                Some(x) => format!("{n}={}", crate::oauth::basic::form_decode(x)),
                                None => n.to_string(),
                            }),
                    )
                    .collect::<Vec<_>>()
                    .join("&");
                let proved = full_value_elsewhere(k).is_some_and(|full| full == rebuilt);
                return Some((
                    format!(
                        "the `{k}` value has its own query and was not percent-encoded, so its `&` cut it short: the server reads `{decoded}` and the stray parameter{} `{}`{}",
                        if tail.len() == 1 { "" } else { "s" },
                        tail.join("`, `"),
                        if proved {
                            ", while the authorization request carried the full value"
                        } else {
                            ""
                        }
                    ),
                    k.to_string(),
                    if proved {
                        Strength::Recomputed
                    } else {
                        Strength::Heuristic
                    },
                ));
            }
        }
        if NO_SPACE_PARAMS.contains(k) && v.contains('+') {
            return Some((
                format!(
                    "the value of `{k}` contains a raw `+`, which form decoding turns into a space; it must be sent as `%2B`"
                ),
                k.to_string(),
                Strength::Heuristic,
            ));
        }
    }
    None
}

impl Rule for Param016 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            let req = &e.request;
            let (raw, place) = if is_authorize_like(e) {
                (req.raw_query.clone().unwrap_or_default(), "query")
            } else if e.kind.is_back_channel() && req.json.is_none() {
                let media = req.headers.media_type();
                if media
                    .as_deref()
                    .is_some_and(|m| m != "application/x-www-form-urlencoded")
                {
                    continue;
                }
                (req.body.clone().unwrap_or_default(), "body")
            } else {
                continue;
            };
            if raw.is_empty() {
                continue;
            }
            let az = if e.kind == Kind::Token {
                cx.index.authorize_for_token(ex, e)
            } else {
                None
            };
            let full = |name: &str| az.and_then(|a| a.request.query.get(name).map(str::to_string));
            let Some((what, param, strength)) = encoding_defect(&raw, full) else {
                continue;
            };
            let anchor = if is_authorize_like(e) {
                authorize_anchor(cx, e)
            } else {
                e.index
            };
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "in the {} request {place}, {what}{}",
                        e.kind.as_str(),
                        outcome(&ex[anchor])
                    ),
                )
                .strength(strength);
            let at = format!("request.{place}.{param}");
            rep = match req.param(&param) {
                Some(v) if is_secret_param(&param) => rep.secret(e.index, at, v),
                Some(v) => rep.text(e.index, at, v),
                None => rep.text(e.index, at, "(absent)"),
            };
            if let Some(a) = az {
                if let Some(v) = a.request.query.get(&param) {
                    if !is_secret_param(&param) {
                        rep = rep.text(a.index, format!("request.query.{param}"), v);
                    }
                }
            }
            rep = with_server_signal(rep, &ex[anchor]);
            rep.emit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::run_doc;
    use super::*;

    fn token(ct: &str, body: &str, status: u16, resp: &str) -> serde_json::Value {
        serde_json::json!({
            "started_at": "2026-11-29T10:00:00Z",
            "request": {"method": "POST", "url": "https://idp.example/oauth2/token",
                "headers": [["Content-Type", ct]], "body": body},
            "response": {"status": status, "headers": [["Content-Type", "application/json"]],
                "body": resp}
        })
    }

    #[test]
    fn param001_only_when_the_server_did_not_parse_the_body() {
        let body = r#"{"grant_type":"client_credentials","client_id":"a","client_secret":"b"}"#;
        let f = run_doc(token(
            "application/json",
            body,
            400,
            r#"{"error":"invalid_request"}"#,
        ));
        assert_eq!(f[0].rule, "PARAM001");
        assert_eq!(f[0].category, Category::ContentTypeEncoding);
        // A server that answers a grant-level error has parsed the JSON body.
        let f = run_doc(token(
            "application/json",
            body,
            403,
            r#"{"error":"access_denied"}"#,
        ));
        assert!(f.iter().all(|x| x.rule != "PARAM001"));
    }

    #[test]
    fn param004_reads_placeholders_as_missing() {
        let f = run_doc(token(
            "application/x-www-form-urlencoded",
            "grant_type=refresh_token&refresh_token=undefined&client_id=a",
            400,
            r#"{"error":"invalid_grant"}"#,
        ));
        let p = f
            .iter()
            .find(|x| x.rule == "PARAM004")
            .expect("PARAM004 fires");
        assert_eq!(p.category, Category::Parameters);
        assert_eq!(p.rank, 1);
    }

    #[test]
    fn param016_proves_a_truncated_redirect_uri() {
        let az = serde_json::json!({
            "started_at": "2026-11-29T09:59:50Z",
            "request": {"method": "GET", "url": "https://idp.example/authorize?response_type=code&client_id=a&redirect_uri=https%3A%2F%2Fapp%2Fcb%3Ft%3D1%26r%3Deu&state=s1"},
            "response": {"status": 302, "headers": [["Location", "https://app/cb?t=1&r=eu&code=c1&state=s1"]]}
        });
        let tok = token(
            "application/x-www-form-urlencoded",
            "grant_type=authorization_code&code=c1&redirect_uri=https://app/cb?t=1&r=eu&client_id=a",
            400,
            r#"{"error":"invalid_grant"}"#,
        );
        let f = run_doc(serde_json::json!([az, tok]));
        let p = f
            .iter()
            .find(|x| x.rule == "PARAM016")
            .expect("PARAM016 fires");
        assert_eq!(p.strength, Strength::Recomputed, "{}", p.message);
    }

    #[test]
    fn scope_delimiters() {
        assert!(scope_delimiter_problem("openid profile", true, None).is_none());
        assert!(
            scope_delimiter_problem("openid https://api.example.com/x api://r/e", true, None)
                .is_none()
        );
        assert!(scope_delimiter_problem("openid,profile", true, None).is_some());
        assert!(scope_delimiter_problem("openid,profile", false, None).is_none());
        assert!(scope_delimiter_problem("repo,user", true, Some("github")).is_none());
        assert!(scope_delimiter_problem("[\"a\",\"b\"]", false, None).is_some());
        assert!(scope_delimiter_problem("openid+profile", false, None).is_some());
    }

    #[test]
    fn bearer_defects() {
        assert!(bearer_defect("Bearer abc.def-ghi_~+/==").is_none());
        assert!(bearer_defect("bearer abc").is_none());
        assert!(
            bearer_defect("Bearer \"abc\"")
                .unwrap()
                .0
                .contains("quotes")
        );
        assert!(
            bearer_defect("Bearer Bearer abc")
                .unwrap()
                .0
                .contains("repeated")
        );
        assert!(bearer_defect("Token abc").unwrap().1);
        assert!(bearer_defect("Basic abc").is_none());
        assert!(
            bearer_defect("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
                .unwrap()
                .0
                .contains("without")
        );
    }

    #[test]
    fn encoding_defects() {
        let none = |_: &str| None;
        assert!(
            encoding_defect(
                "grant_type=authorization_code&redirect_uri=https%3A%2F%2Fa%2Fcb%3Fx%3D1%26y%3D2",
                none
            )
            .is_none()
        );
        let (m, p, _) = encoding_defect(
            "grant_type=authorization_code&redirect_uri=https://a/cb?x=1&y=2&code_verifier=abc",
            none,
        )
        .unwrap();
        assert_eq!(p, "redirect_uri");
        assert!(m.contains("`y`"), "{m}");
        let full = |_: &str| Some("https://a/cb?x=1&y=2".to_string());
        let (_, _, s) = encoding_defect(
            "grant_type=authorization_code&redirect_uri=https://a/cb?x=1&y=2&code_verifier=abc",
            full,
        )
        .unwrap();
        assert_eq!(s, Strength::Recomputed);
        assert!(encoding_defect("client_secret=ab+cd&grant_type=x", none).is_some());
        assert!(encoding_defect("scope=openid+profile&login_hint=a%2Bb%40c", none).is_none());
        assert!(encoding_defect("client_secret=50%off", none).is_some());
        assert!(encoding_defect("client_secret=ab&cd&grant_type=x", none).is_some());
    }
}
