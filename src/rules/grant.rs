//! GRANT: grant selection and grant-specific semantics — authorization codes (reuse, alteration,
//! redirect_uri binding, client and issuer binding), refresh tokens (rotation, races, scope),
//! token exchange and response types (RULES.md §1.3). The token-request recognition,
//! authorization-request linkage and capture-clock helpers it shares with EXP and PKCE are in
//! `rules::common`. Rules here only read the capture and report; they never print.

use super::common::{
    Link, Lookup, RefreshConflict, ReportExt, alias_signal, done_ms, edit_distance, err_of,
    grant_of, has_percent_escape, human, is_code_redemption, is_placeholder, is_refresh,
    is_token_request, issued_refresh, metadata_announcing, same_endpoint, sent_ms, sent_refresh,
    signal_is, standard_code, succeeded, token_identity,
};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Severity, Strength};
use crate::model::{Exchange, Kind, Params};
use crate::oauth::basic::basic_credentials;
use crate::oauth::errors::ServerError;
use crate::oauth::jwt;
use serde_json::Value;
use std::cell::OnceCell;
use std::collections::{BTreeSet, HashMap};

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Grant001, &Grant002, &Grant003, &Grant004, &Grant005, &Grant006, &Grant007, &Grant008,
    &Grant009, &Grant010, &Grant011, &Grant012, &Grant013, &Grant014, &Grant015,
];

/// Scope values as a set (space-delimited per RFC 6749 §3.3; commas tolerated).
pub(super) fn scope_set(s: &str) -> BTreeSet<String> {
    let sep = |c: char| c.is_whitespace() || (c == ',' && !s.contains(' '));
    s.split(sep)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// What kind of placeholder a value is, in words that do not repeat it.
fn placeholder_kind(v: &str) -> &'static str {
    match v.trim().to_ascii_lowercase().as_str() {
        "undefined" => "the literal JavaScript prints for an unset variable",
        "null" | "none" | "nil" => "a null literal printed as text",
        "nan" => "a not-a-number literal",
        "[object object]" => "an object converted to text",
        "false" => "a boolean literal",
        _ => "quotes or braces with nothing inside",
    }
}

// ---------------------------------------------------------------------------------------------
// GRANT001
// ---------------------------------------------------------------------------------------------

/// Grant types defined by RFC 6749 and the registered extension-grant URIs.
const KNOWN_GRANTS: &[&str] = &[
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "password",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
    "urn:ietf:params:oauth:grant-type:uma-ticket",
    "urn:ietf:params:oauth:grant-type:pre-authorized_code",
    "urn:openid:params:grant-type:ciba",
];

const IETF_GRANT_PREFIX: &str = "urn:ietf:params:oauth:grant-type:";

/// A grant type value that is spelled like a real one: a known value or an extension grant's
/// absolute URI outside the IETF namespace (RFC 6749 §4.5).
pub(super) fn grant_is_well_formed(g: &str) -> bool {
    if KNOWN_GRANTS.contains(&g) {
        return true;
    }
    if g.starts_with(IETF_GRANT_PREFIX) {
        return false;
    }
    g.contains(':') && url::Url::parse(g).is_ok()
}

/// The known grant type a misspelled value most likely meant.
fn nearest_grant(g: &str) -> Option<&'static str> {
    let norm = g.trim().to_ascii_lowercase().replace(['-', ' ', '.'], "_");
    let aliases: &[(&str, &str)] = &[
        ("code", "authorization_code"),
        ("authorization", "authorization_code"),
        ("auth_code", "authorization_code"),
        ("authcode", "authorization_code"),
        ("refresh", "refresh_token"),
        ("refreshtoken", "refresh_token"),
        ("client", "client_credentials"),
        ("clientcredentials", "client_credentials"),
        ("ropc", "password"),
        ("jwt_bearer", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
        (
            "token_exchange",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ),
    ];
    if let Some((_, k)) = aliases.iter().find(|(a, _)| *a == norm) {
        return Some(k);
    }
    KNOWN_GRANTS
        .iter()
        .map(|k| {
            let kn = k.strip_prefix(IETF_GRANT_PREFIX).unwrap_or(k);
            let gn = norm
                .strip_prefix(&IETF_GRANT_PREFIX.replace('-', "_"))
                .unwrap_or(&norm);
            (edit_distance(gn, &kn.replace('-', "_")), *k)
        })
        .filter(|(d, k)| *d <= 3.max(k.len() / 5))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn mentions_grant_type(err: &Option<ServerError>) -> bool {
    err.as_ref()
        .and_then(|x| x.description.as_deref())
        .is_some_and(|d| {
            let d = d.to_ascii_lowercase();
            d.contains("grant_type") || d.contains("grant type") || d.contains("granttype")
        })
}

fn param_names(p: &Params) -> String {
    let names: Vec<String> = p.iter().map(|(k, _)| format!("`{k}`")).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

declare_rule! {
    /// ## What it does
    /// Checks the `grant_type` of every failed token request: absent, or not one of the grant
    /// types of RFC 6749 (`authorization_code`, `refresh_token`, `client_credentials`,
    /// `password`) or a registered extension URI (`urn:ietf:params:oauth:grant-type:jwt-bearer`,
    /// `…:token-exchange`, `…:device_code`, `…:saml2-bearer`, `…:uma-ticket`). A misspelling gets
    /// the value it most likely meant (`client-credentials` → `client_credentials`, `code` →
    /// `authorization_code`, `refresh` → `refresh_token`).
    ///
    /// A missing `grant_type` is reported with the category `parameters` (a required parameter is
    /// missing), a misspelled one with `grant_type`. Extension grants under another namespace
    /// (absolute URIs such as `urn:openid:params:grant-type:ciba` or a provider's own URI) are
    /// accepted; misspelled device-flow values are left to DEV006. A missing `grant_type` is not
    /// reported when the server's error is about something else (GitHub accepts code
    /// redemptions without it).
    ///
    /// ## Why it fails
    /// The token endpoint dispatches on `grant_type` (RFC 6749 §4.1.3, §4.4.2, §6). Without it the
    /// server answers `invalid_request`; with an unknown value `unsupported_grant_type` (§5.2).
    ///
    /// ## Example
    /// `POST /oauth2/token` `grant_type=client-credentials&scope=orders.read` →
    /// `400 {"error":"unsupported_grant_type"}`.
    ///
    /// ## Fix
    /// Send the exact registered `grant_type` string in the form body.
    ///
    /// ## References
    /// RFC 6749 §4.1.3, §4.4.2, §6, §5.2
    pub struct Grant001 {
        code: "GRANT001",
        name: "grant-type-missing-or-misspelled",
        title: "grant_type missing or misspelled",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "send the exact `grant_type` value (`authorization_code`, `refresh_token`, `client_credentials`, or the full extension URI) in the form body",
        references: ["RFC 6749 §4.1.3", "RFC 6749 §4.4.2", "RFC 6749 §6", "RFC 6749 §5.2"],
    }
}

impl Rule for Grant001 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for e in ex {
            if !e.failed() {
                continue;
            }
            let err = err_of(e);
            let names_grant = mentions_grant_type(&err);
            let at_token_endpoint = e.request.method == "POST"
                && (is_token_request(e)
                    || metadata_announcing(idx, "token_endpoint", &e.request.endpoint()).is_some()
                    || (matches!(e.kind, Kind::Other | Kind::Token) && names_grant));
            if !at_token_endpoint {
                continue;
            }
            match grant_of(e) {
                None => {
                    let body = e.request.body.as_deref().unwrap_or("").trim();
                    let media = e.request.headers.media_type();
                    let not_form = media
                        .as_deref()
                        .is_some_and(|m| m != "application/x-www-form-urlencoded" && !m.is_empty());
                    if (e.request.form.is_empty() && !body.is_empty()) || not_form {
                        continue; // the body is JSON, multipart or unreadable: PARAM001
                    }
                    let std = standard_code(e);
                    let code = std.as_deref().or(err.as_ref().map(|x| x.code.as_str()));
                    let about_it = names_grant
                        || matches!(
                            code,
                            Some("invalid_request" | "unsupported_grant_type") | None
                        );
                    if !about_it {
                        continue;
                    }
                    let mut rep = cx
                        .report(
                            e.index,
                            format!(
                                "the token request has no `grant_type` parameter (body parameters: {})",
                                param_names(&e.request.form)
                            ),
                        )
.confirmed_if(alias_signal(&ex[e.index], &["unsupported_grant_type", "invalid_request"]))
                        .category(Category::Parameters)
                        .strength(Strength::Direct)
                        .text(e.index, "request.body.grant_type", "(absent)");
                    if let Some(x) = &err {
                        rep = rep.text(e.index, x.at, x.code.clone());
                    }
                    if names_grant || signal_is(e, &["invalid_request"]) {
                        rep = rep.confirmed();
                    }
                    rep.emit();
                }
                Some(g) => {
                    if grant_is_well_formed(&g) || g.to_ascii_lowercase().contains("device") {
                        continue;
                    }
                    if e.request.form.count("grant_type") > 1 {
                        continue; // duplicated parameter: PARAM
                    }
                    let hint = nearest_grant(&g)
                        .map(|k| format!("; did you mean `{k}`"))
                        .unwrap_or_default();
                    let mut rep = cx
                        .report(
                            e.index,
                            format!("`grant_type={g}` is not a defined grant type{hint}"),
                        )
                        .confirmed_if(alias_signal(
                            &ex[e.index],
                            &["unsupported_grant_type", "invalid_request"],
                        ))
                        .strength(Strength::Direct)
                        .text(e.index, "request.body.grant_type", g.clone());
                    if let Some(x) = &err {
                        rep = rep.text(e.index, x.at, x.code.clone());
                    }
                    if names_grant || signal_is(e, &["invalid_request"]) {
                        rep = rep.confirmed();
                    }
                    rep.emit();
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GRANT002
// ---------------------------------------------------------------------------------------------

fn says_grant_not_allowed(err: &Option<ServerError>) -> bool {
    let Some(d) = err.as_ref().and_then(|x| x.description.as_deref()) else {
        return false;
    };
    let d = d.to_ascii_lowercase();
    let grantish =
        d.contains("grant") || d.contains("direct access") || d.contains("service account");
    let refused = [
        "not allowed",
        "not authorized",
        "not authorised",
        "not enabled",
        "not permitted",
        "unauthorized",
        "disabled",
    ]
    .iter()
    .any(|w| d.contains(w));
    grantish && refused
}

declare_rule! {
    /// ## What it does
    /// Flags a failed token request whose `grant_type` is well formed but not usable: the server
    /// answered `unauthorized_client`, `unsupported_grant_type`, or an error whose description
    /// says the grant is not allowed for the client; or the capture's discovery document lists
    /// `grant_types_supported` without it.
    ///
    /// ## Why it fails
    /// Each client registration enables a set of grant types (RFC 7591 §2 `grant_types`), and the
    /// authorization server supports a set (RFC 8414 §2 `grant_types_supported`). A web-app
    /// client asking for `client_credentials`, or a client without the `refresh_token` grant
    /// trying to refresh, is refused even though the request is well formed.
    ///
    /// ## Example
    /// `POST /token` `grant_type=client_credentials` by a client registered for
    /// `authorization_code` only → `400 {"error":"unauthorized_client"}`.
    ///
    /// ## Fix
    /// Enable the grant type in the client registration / authorization-server policy, or use a
    /// grant the client is allowed.
    ///
    /// ## References
    /// RFC 6749 §5.2 (unauthorized_client); RFC 7591 §2 (grant_types); RFC 8414 §2
    pub struct Grant002 {
        code: "GRANT002",
        name: "grant-type-not-enabled",
        title: "grant type not enabled for this client",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "enable the grant type in the client registration or server policy, or use a grant type the client is allowed",
        references: ["RFC 6749 §5.2", "RFC 7591 §2", "RFC 8414 §2"],
    }
}

impl Rule for Grant002 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for e in ex.iter().filter(|e| is_token_request(e) && e.failed()) {
            let Some(g) = grant_of(e) else { continue };
            if !grant_is_well_formed(&g) {
                continue;
            }
            let err = err_of(e);
            let std = standard_code(e);
            let code = std.as_deref().or(err.as_ref().map(|x| x.code.as_str()));
            let client = token_identity(e)
                .map(|(c, _)| format!(" for client `{c}`"))
                .unwrap_or_default();
            let listed = metadata_announcing(idx, "token_endpoint", &e.request.endpoint())
                .and_then(|(i, d)| {
                    let list = d.get("grant_types_supported")?.as_array()?;
                    let names: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
                    (!names.contains(&g.as_str())).then(|| (*i, names.join(" ")))
                });
            let form_body = e.request.form.has("grant_type");
            let blames_client = err
                .as_ref()
                .and_then(|x| x.description.as_deref())
                .and_then(crate::oauth::errors::keyword_category)
                == Some(Category::Credentials);
            if blames_client {
                continue; // `unauthorized_client` for bad client credentials (Keycloak): CRED
            }
            let (msg, strength, confirmed) = if code == Some("unauthorized_client") {
                (
                    format!(
                        "the server answered `unauthorized_client` to the well-formed grant `{g}`: the grant type is not enabled{client}"
                    ),
                    Strength::Direct,
                    false,
                )
            } else if says_grant_not_allowed(&err) {
                (
                    format!(
                        "the server refused the well-formed grant `{g}`{client}: \"{}\"",
                        err.as_ref()
                            .and_then(|x| x.description.as_deref())
                            .unwrap_or("")
                            .trim()
                    ),
                    Strength::Direct,
                    true,
                )
            } else if let Some((_, names)) = &listed {
                (
                    format!(
                        "grant `{g}` is not in the server's `grant_types_supported` (`{names}`)"
                    ),
                    Strength::Recomputed,
                    false,
                )
            } else if code == Some("unsupported_grant_type") && form_body {
                (
                    format!(
                        "the server answered `unsupported_grant_type` to the correctly spelled grant `{g}`: the server or this client does not have it enabled"
                    ),
                    Strength::Direct,
                    false,
                )
            } else {
                continue;
            };
            let mut rep = cx
                .report(e.index, msg)
                .confirmed_if(alias_signal(
                    &ex[e.index],
                    &["unauthorized_client", "unsupported_grant_type"],
                ))
                .strength(strength)
                .text(e.index, "request.body.grant_type", g.clone());
            if let Some(x) = &err {
                rep = rep.text(e.index, x.at, x.code.clone());
            }
            if let Some((i, names)) = listed {
                rep = rep.text(i, "response.body.grant_types_supported", names);
            }
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GRANT003
// ---------------------------------------------------------------------------------------------

fn says_reused(err: &Option<ServerError>) -> bool {
    err.as_ref()
        .and_then(|x| x.description.as_deref())
        .is_some_and(|d| {
            let d = d.to_ascii_lowercase();
            [
                "already",
                "redeemed",
                "reuse",
                "replay",
                "used before",
                "been used",
            ]
            .iter()
            .any(|w| d.contains(w))
        })
}

fn outcome(e: &Exchange) -> String {
    match &e.response {
        None => "no response captured".to_string(),
        Some(r) if r.status == 0 => "no response (aborted)".to_string(),
        Some(r) if succeeded(e) => format!("{} with tokens", r.status),
        Some(r) => format!("{}", r.status),
    }
}

declare_rule! {
    /// ## What it does
    /// Finds the same authorization code sent to the token endpoint more than once and reports
    /// the later redemption that failed, when an earlier one succeeded, timed out or got a 5xx
    /// (so it may have consumed the code).
    ///
    /// ## Why it fails
    /// An authorization code is single-use (RFC 6749 §4.1.2, §10.5). The second redemption gets
    /// `invalid_grant`, and many servers then revoke every token issued for the first one
    /// (RFC 9700 §4.5). Typical causes: an HTTP client that retries after a timeout, a callback
    /// page loaded twice (prefetch, back button, double effect in a framework), two workers
    /// handling the same callback.
    ///
    /// ## Example
    /// `POST /token code=SplxlOBeZQ…` → `200` (10.4 s); the client timed out at 10 s and retried:
    /// `POST /token code=SplxlOBeZQ…` → `400 {"error":"invalid_grant","error_description":"authorization code has already been used"}`.
    ///
    /// ## Fix
    /// Redeem each code exactly once: make the callback idempotent and never retry a code
    /// redemption automatically; give the token request a timeout longer than the server's.
    ///
    /// ## References
    /// RFC 6749 §4.1.2, §10.5; RFC 9700 §4.5
    pub struct Grant003 {
        code: "GRANT003",
        name: "authorization-code-reused",
        title: "authorization code redeemed twice",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "redeem each authorization code exactly once: make the callback idempotent and never retry a code redemption",
        references: ["RFC 6749 §4.1.2", "RFC 6749 §10.5", "RFC 9700 §4.5"],
    }
}

impl Rule for Grant003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let lk = Lookup::new(ex, cx.index);
        for j in ex.iter().filter(|e| is_code_redemption(e) && e.failed()) {
            let Some(i) = lk.earlier_redemption(j) else {
                continue;
            };
            let Some(code) = j.request.param("code") else {
                continue;
            };
            let err = err_of(j);
            let gap = sent_ms(i)
                .zip(sent_ms(j))
                .map(|(a, b)| format!(" {} later", human((b - a) / 1000)))
                .unwrap_or_default();
            let overlap = done_ms(i).zip(sent_ms(j)).is_some_and(|(di, sj)| sj < di);
            let why = if overlap {
                "; it was sent before the first one's answer arrived: a retry after a client-side timeout"
            } else {
                ""
            };
            let got = err
                .as_ref()
                .map(|x| format!("`{}`", x.code))
                .unwrap_or_else(|| format!("{}", j.status().unwrap_or(0)));
            let mut rep = cx
                .report(
                    j.index,
                    format!(
                        "the same authorization code was already sent in exchange #{} ({}); this redemption{gap} got {got}{why}",
                        i.number(),
                        outcome(i)
                    ),
                )
.confirmed_if(alias_signal(&ex[j.index], &["invalid_grant"]))
                .strength(Strength::Recomputed)
                .secret(i.index, "request.body.code", code.clone())
                .secret(j.index, "request.body.code", code)
                .text(i.index, "response.status", i.status().map(|s| s.to_string()).unwrap_or_default());
            if let Some(x) = &err {
                rep = rep.text(j.index, x.at, x.code.clone());
            }
            if says_reused(&err) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GRANT004
// ---------------------------------------------------------------------------------------------

/// One `application/x-www-form-urlencoded` decoding pass over a whole value (`+` → space,
/// `%XX` → byte), without splitting at `&` or `=`.
pub(super) fn decode_once(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (
                    b.get(i + 1).copied().and_then(hex),
                    b.get(i + 2).copied().and_then(hex),
                ) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How two redirect URIs differ, in words, and which root cause that points to.
pub(super) fn describe_uri_diff(az: &str, tok: &str) -> (String, Category) {
    if az.len() > tok.len() && az.starts_with(tok) && az[tok.len()..].starts_with('&') {
        return (
            "the token request's value stops at the `&` of its own query: it was not form-encoded, so that `&` split the body and the rest became a separate parameter".to_string(),
            Category::ContentTypeEncoding,
        );
    }
    if decode_once(tok) == az && tok != az {
        return (
            "the token request's value is URL-encoded twice (`%253A`, `%252F`): the client encoded an already encoded value".to_string(),
            Category::ContentTypeEncoding,
        );
    }
    if decode_once(az) == tok && tok != az {
        return (
            "the authorization request's value was URL-encoded twice".to_string(),
            Category::ContentTypeEncoding,
        );
    }
    if az.trim() == tok.trim() {
        return (
            "one value carries leading or trailing whitespace".to_string(),
            Category::RedirectUri,
        );
    }
    if az.trim_end_matches('/') == tok.trim_end_matches('/') {
        let who = if tok.ends_with('/') {
            "the token request adds a trailing slash"
        } else {
            "the token request drops the trailing slash"
        };
        return (who.to_string(), Category::RedirectUri);
    }
    let mut parts = Vec::new();
    if let (Ok(a), Ok(b)) = (url::Url::parse(az), url::Url::parse(tok)) {
        if a.scheme() != b.scheme() {
            parts.push(format!("scheme `{}` vs `{}`", a.scheme(), b.scheme()));
        }
        match (a.host_str(), b.host_str()) {
            (Some(x), Some(y)) if x != y => parts.push(format!("host `{x}` vs `{y}`")),
            _ => {}
        }
        if a.port_or_known_default() != b.port_or_known_default() {
            parts.push(format!(
                "port {} vs {}",
                a.port_or_known_default()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                b.port_or_known_default()
                    .map(|p| p.to_string())
                    .unwrap_or_default()
            ));
        } else if a.port() != b.port() {
            parts.push("an explicit default port on one side".to_string());
        }
        if a.path() != b.path() {
            if a.path().eq_ignore_ascii_case(b.path()) {
                parts.push("path letter case".to_string());
            } else {
                parts.push(format!("path `{}` vs `{}`", a.path(), b.path()));
            }
        }
        if a.query() != b.query() {
            parts.push("query string".to_string());
        }
        if a.fragment() != b.fragment() {
            parts.push("fragment".to_string());
        }
    }
    if parts.is_empty() {
        let pos = az
            .chars()
            .zip(tok.chars())
            .position(|(x, y)| x != y)
            .unwrap_or(az.chars().count().min(tok.chars().count()));
        parts.push(format!("they differ from character {}", pos + 1));
    }
    (
        format!("they differ in {}", parts.join(", ")),
        Category::RedirectUri,
    )
}

declare_rule! {
    /// ## What it does
    /// For every failed authorization-code redemption, finds the authorization request it belongs
    /// to (code → authorization response → `state`; PAR and request objects included) and
    /// compares its `redirect_uri` with the token request's, byte for byte after the one decoding
    /// each transport applies. Reports an omitted value and names the difference: trailing
    /// slash, `http` vs `https`, host, port, path case, query, whitespace or double encoding. A
    /// double-encoded value (`http%253A%252F%252F…`) is reported with the category
    /// `content_type_encoding`, every other difference with `redirect_uri`.
    ///
    /// ## Why it fails
    /// When the authorization request included `redirect_uri`, the token request must include the
    /// identical value (RFC 6749 §4.1.3; OAuth 2.1 §10.2 keeps the rule). Servers compare
    /// strings, so a URL builder that adds a slash, a proxy that turns `https` into `http`, or an
    /// extra encoding pass makes the code unusable: `invalid_grant`.
    ///
    /// ## Example
    /// Authorization request `redirect_uri=https://app.example.com/auth/callback`; token request
    /// `redirect_uri=https://app.example.com/auth/callback/` → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Send the byte-identical `redirect_uri` of the authorization request (keep it in the
    /// transaction, do not rebuild it from the incoming request).
    ///
    /// ## References
    /// RFC 6749 §4.1.3; OAuth 2.1 §10.2
    pub struct Grant004 {
        code: "GRANT004",
        name: "redirect-uri-differs-at-token-endpoint",
        title: "redirect_uri at token endpoint differs from authorization request",
        category: RedirectUri,
        severity: Error,
        kind: Diag,
        fix: "send the byte-identical `redirect_uri` used in the authorization request",
        references: ["RFC 6749 §4.1.3", "OAuth 2.1 §10.2"],
    }
}

impl Rule for Grant004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for e in ex.iter().filter(|e| is_code_redemption(e) && e.failed()) {
            let Some((az, link, _)) = lk.authorize_of(e) else {
                continue;
            };
            let Some(az_rd) = lk.az_param(az, "redirect_uri") else {
                continue;
            };
            let tok_rd = e.request.param("redirect_uri").filter(|v| !v.is_empty());
            let base = if link == Link::Code {
                Strength::Recomputed
            } else {
                Strength::Direct
            };
            match tok_rd {
                None => {
                    cx.report(
                        e.index,
                        format!(
                            "the authorization request (exchange #{}) sent `redirect_uri` `{az_rd}` but the token request omits it",
                            az.number()
                        ),
                    )
.confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                    .strength(if link == Link::Code { Strength::Direct } else { Strength::Heuristic })
                    .text(az.index, "request.query.redirect_uri", az_rd)
                    .text(e.index, "request.body.redirect_uri", "(absent)")
                    .emit();
                }
                Some(t) if t != az_rd => {
                    let (how, cat) = describe_uri_diff(&az_rd, &t);
                    cx.report(
                        e.index,
                        format!(
                            "the token request sends `redirect_uri` `{t}` but the authorization request (exchange #{}) used `{az_rd}`: {how}",
                            az.number()
                        ),
                    )
.confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                    .category(cat)
                    .strength(base)
                    .text(az.index, "request.query.redirect_uri", az_rd)
                    .text(e.index, "request.body.redirect_uri", t)
                    .emit();
                }
                Some(_) => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GRANT005
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// For every failed authorization-code redemption linked to its authorization request by the
    /// code, compares the authorization request's `client_id` with the identity the token request
    /// authenticates as (the Basic user, the client assertion's `sub`, else the body
    /// `client_id`).
    ///
    /// ## Why it fails
    /// A code is bound to the client it was issued to (RFC 6749 §4.1.3). A service configured with
    /// two clients (a web and an admin client, two environments) that starts the login with one
    /// and redeems with the other gets `invalid_grant`.
    ///
    /// ## Example
    /// `GET /authorize?client_id=orders-portal-web…`; `POST /token` with
    /// `Authorization: Basic base64(orders-portal-admin:…)` → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Redeem the code with the same client (and credentials) that started the flow.
    ///
    /// ## References
    /// RFC 6749 §4.1.3
    pub struct Grant005 {
        code: "GRANT005",
        name: "code-redeemed-by-other-client",
        title: "code redeemed by a different client",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "redeem the code with the same client that sent the authorization request",
        references: ["RFC 6749 §4.1.3"],
    }
}

impl Rule for Grant005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for e in ex.iter().filter(|e| is_code_redemption(e) && e.failed()) {
            let Some((az, Link::Code, _)) = lk.authorize_of(e) else {
                continue;
            };
            let Some(az_client) = lk.az_param(az, "client_id") else {
                continue;
            };
            let Some((who, at)) = token_identity(e) else {
                continue;
            };
            let raw_basic = basic_credentials(&e.request)
                .and_then(|b| b.raw_parts().map(|(id, _)| id.to_string()));
            if who == az_client || raw_basic.as_deref() == Some(az_client.as_str()) {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "the code was issued to client `{az_client}` (authorization request, exchange #{}) but the token request authenticates as `{who}`",
                    az.number()
                ),
            )
.confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
            .strength(Strength::Recomputed)
            .text(az.index, "request.query.client_id", az_client)
            .text(e.index, at, who)
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GRANT006
// ---------------------------------------------------------------------------------------------

const ENTRA_HOSTS: &[&str] = &[
    "login.microsoftonline.com",
    "login.microsoft.com",
    "login.windows.net",
    "sts.windows.net",
    "login.microsoftonline.us",
    "login.chinacloudapi.cn",
];

/// The tenant / realm / authorization-server id an endpoint URL names, when its shape is known.
fn tenant_of(u: &url::Url) -> Option<(String, &'static str)> {
    let segs: Vec<&str> = u.path_segments()?.filter(|s| !s.is_empty()).collect();
    if let Some(p) = segs.iter().position(|s| *s == "realms") {
        return segs.get(p + 1).map(|r| (r.to_string(), "realm"));
    }
    let host = u.host_str()?.to_ascii_lowercase();
    if ENTRA_HOSTS.contains(&host.as_str())
        || host.ends_with(".b2clogin.com")
        || host.ends_with(".ciamlogin.com")
    {
        let t = segs.first()?.to_ascii_lowercase();
        if matches!(t.as_str(), "common" | "organizations" | "consumers") {
            return None;
        }
        return Some((t, "tenant"));
    }
    if let Some(p) = segs.iter().position(|s| *s == "oauth2") {
        let next = segs.get(p + 1)?;
        if !matches!(
            *next,
            "v1" | "v2" | "v2.0" | "token" | "authorize" | "auth" | "default_token"
        ) && segs.get(p + 2).is_some_and(|s| *s == "v1")
        {
            return Some((next.to_string(), "authorization server"));
        }
        if segs.get(p + 1).is_some_and(|s| *s == "v1") {
            return Some(("(org)".to_string(), "authorization server"));
        }
    }
    None
}

declare_rule! {
    /// ## What it does
    /// For every failed authorization-code redemption, checks that the token request went to the
    /// authorization server that issued the code. With a discovery document in the capture that
    /// announces the authorization endpoint used, the token request must go to that document's
    /// `token_endpoint`; without one, the tenant, realm or custom authorization-server segment
    /// of the two URLs must agree (Keycloak `/realms/X`, Entra `/{tenant}/`, Okta
    /// `/oauth2/{id}/v1/`). Different hosts alone are not reported: several providers serve the
    /// two endpoints from different hosts (Google).
    ///
    /// ## Why it fails
    /// A code is only known to the server (tenant, realm) that issued it. A token URL hard-coded
    /// for another environment, realm or tenant turns every redemption into `invalid_grant`.
    /// Mixing issuers is also the mix-up attack of RFC 9700 §4.4 that RFC 9207 defends against.
    ///
    /// ## Example
    /// Authorize at `https://login.example.org/realms/acme/protocol/openid-connect/auth`; redeem at
    /// `https://login.example.org/realms/acme-staging/protocol/openid-connect/token` →
    /// `400 {"error":"invalid_grant","error_description":"Code not valid"}`.
    ///
    /// ## Fix
    /// Take the `token_endpoint` from the metadata of the same issuer as the
    /// `authorization_endpoint`.
    ///
    /// ## References
    /// RFC 9700 §4.4; RFC 9207; RFC 8414 §2
    pub struct Grant006 {
        code: "GRANT006",
        name: "code-redeemed-at-other-issuer",
        title: "code redeemed at a different authorization server or tenant",
        category: EndpointUrl,
        severity: Error,
        kind: Diag,
        fix: "use the `token_endpoint` from the metadata of the issuer whose `authorization_endpoint` issued the code",
        references: ["RFC 9700 §4.4", "RFC 9207", "RFC 8414 §2"],
    }
}

impl Rule for Grant006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for e in ex.iter().filter(|e| is_code_redemption(e) && e.failed()) {
            // The server must have looked the code up and refused it (an OAuth error); a 404, a
            // redirect or a 405 is about the URL itself (STAT003, STAT001, STAT004).
            if err_of(e).is_none() || e.status() == Some(404) {
                continue;
            }
            let Some((az, link, _)) = lk.authorize_of(e) else {
                continue;
            };
            let az_url = az.request.endpoint();
            let tok_url = e.request.endpoint();
            if let Some((mi, doc)) = metadata_announcing(idx, "authorization_endpoint", &az_url) {
                let te = doc.get("token_endpoint").and_then(Value::as_str);
                let alias = doc
                    .get("mtls_endpoint_aliases")
                    .and_then(|a| a.get("token_endpoint"))
                    .and_then(Value::as_str);
                let Some(te) = te else { continue };
                if same_endpoint(te, &tok_url) || alias.is_some_and(|a| same_endpoint(a, &tok_url))
                {
                    continue;
                }
                let strip = |u: &str| {
                    u.split_once("://")
                        .map(|(_, r)| r.to_string())
                        .unwrap_or_default()
                };
                if same_endpoint(&strip(te), &strip(&tok_url)) {
                    continue; // only the scheme differs: BCP004 / STAT001
                }
                let issuer = doc.get("issuer").and_then(Value::as_str).unwrap_or("");
                let other = metadata_announcing(idx, "token_endpoint", &tok_url)
                    .and_then(|(_, d)| d.get("issuer").and_then(Value::as_str))
                    .map(|i| format!(" (the token endpoint of issuer `{i}`)"))
                    .unwrap_or_default();
                cx.report(
                    e.index,
                    format!(
                        "the code came from issuer `{issuer}` (authorization request, exchange #{}) whose `token_endpoint` is `{te}`, but it was redeemed at `{tok_url}`{other}",
                        az.number()
                    ),
                )
.confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                .strength(if link == Link::Code { Strength::Recomputed } else { Strength::Direct })
                .text(az.index, "request.url", az_url.clone())
                .text(*mi, "response.body.token_endpoint", te)
                .text(e.index, "request.url", tok_url.clone())
                .emit();
                continue;
            }
            let (Some(a), Some(t)) = (az.request.parsed.as_ref(), e.request.parsed.as_ref()) else {
                continue;
            };
            if a.host_str() != t.host_str() {
                continue;
            }
            let (Some((ta, what)), Some((tt, _))) = (tenant_of(a), tenant_of(t)) else {
                continue;
            };
            if ta.eq_ignore_ascii_case(&tt) {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "the code came from {what} `{ta}` (authorization request, exchange #{}) but was redeemed at {what} `{tt}` (`{tok_url}`)",
                    az.number()
                ),
            )
.confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
            .strength(if link == Link::Code { Strength::Direct } else { Strength::Heuristic })
            .text(az.index, "request.url", az_url)
            .text(e.index, "request.url", tok_url)
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GRANT007
// ---------------------------------------------------------------------------------------------

/// How the code sent to the token endpoint relates to the code the authorization response
/// delivered, when it is an altered copy: (explanation, category).
fn code_alteration(delivered: &str, sent: &str) -> Option<(String, Category)> {
    if delivered == sent || delivered.is_empty() || sent.is_empty() {
        return None;
    }
    if has_percent_escape(sent) && decode_once(sent) == delivered {
        return Some((
            "the token request's code is still percent-encoded (encoded twice: `%25…` on the wire): the callback passed the raw query value to a form encoder".to_string(),
            Category::ContentTypeEncoding,
        ));
    }
    if delivered.contains('+') && sent == delivered.replace('+', " ") {
        return Some((
            "every `+` of the code arrived as a space: the `+` was not percent-encoded in the token request body".to_string(),
            Category::ContentTypeEncoding,
        ));
    }
    if sent.len() >= 8 && sent.len() < delivered.len() && delivered.starts_with(sent) {
        return Some((
            format!(
                "the code was cut from {} to {} characters (a column, cookie or variable too short)",
                delivered.chars().count(),
                sent.chars().count()
            ),
            Category::Parameters,
        ));
    }
    let trimmed = sent.trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'');
    if trimmed == delivered {
        return Some((
            "the code carries added whitespace or quotes".to_string(),
            Category::Parameters,
        ));
    }
    if sent.starts_with(delivered) && sent[delivered.len()..].starts_with(['&', '#', '?', ';', ' '])
    {
        return Some((
            format!(
                "the code has {} extra characters appended: the callback did not split the query at `&`/`#`",
                sent.chars().count() - delivered.chars().count()
            ),
            Category::Parameters,
        ));
    }
    None
}

declare_rule! {
    /// ## What it does
    /// For every failed authorization-code redemption whose code is not exactly one that an
    /// authorization response in the capture delivered, looks for the delivered code it was
    /// derived from and names the alteration: still percent-encoded (encoded twice), `+` turned
    /// into a space, truncated, extra characters appended, or whitespace / quotes added. Without
    /// an authorization response in the capture, a code that still contains `%XX` escapes after
    /// form decoding is reported as a suspicion. Encoding mistakes are reported with the
    /// category `content_type_encoding`, truncation and other damage with `parameters`.
    ///
    /// ## Why it fails
    /// The server looks the code up by exact value. Codes often contain `/` or `+` (Google's
    /// `4/0A…`): a callback that passes the still-encoded query value to a form encoder sends
    /// `4%252F0A…`, which the server decodes to `4%2F0A…` — an unknown code. A `VARCHAR(32)`
    /// column or a cookie size limit silently truncates long codes (Entra codes are 800+
    /// characters).
    ///
    /// ## Example
    /// Callback `?code=4%2F0AepYLEI…`; token request body `code=4%252F0AepYLEI…` →
    /// `400 {"error":"invalid_grant","error_description":"Malformed auth code."}`.
    ///
    /// ## Fix
    /// Parse the callback query once with a real URL parser and form-encode the value once when
    /// posting it; store codes in fields long enough for the provider's codes.
    ///
    /// ## References
    /// RFC 6749 §4.1.2, Appendix B
    pub struct Grant007 {
        code: "GRANT007",
        name: "authorization-code-altered",
        title: "authorization code altered in transit",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "parse the callback query once with a URL parser, form-encode the code once in the token request, and store it untruncated",
        references: ["RFC 6749 §4.1.2", "RFC 6749 Appendix B"],
    }
}

impl Rule for Grant007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        let redeemed: BTreeSet<String> = ex
            .iter()
            .filter(|e| is_code_redemption(e))
            .filter_map(|e| e.request.param("code"))
            .collect();
        for e in ex.iter().filter(|e| is_code_redemption(e) && e.failed()) {
            let Some(sent) = e.request.param("code") else {
                continue;
            };
            if lk.azr_for_code(&sent).is_some() {
                continue;
            }
            let found = idx.authz_responses.iter().find_map(|a| {
                let delivered = a.params.get("code")?;
                if redeemed.contains(delivered) {
                    return None;
                }
                code_alteration(delivered, &sent).map(|x| (a, delivered.to_string(), x))
            });
            match found {
                Some((a, delivered, (how, cat))) => {
                    let at = a.at("code");
                    cx.report(
                        e.index,
                        format!(
                            "the code in the token request is not the one the authorization response (exchange #{}) delivered: {how}",
                            a.exchange + 1
                        ),
                    )
.confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                    .category(cat)
                    .strength(Strength::Recomputed)
                    .secret(a.exchange, at, delivered)
                    .secret(e.index, "request.body.code", sent)
                    .emit();
                }
                None if has_percent_escape(&sent) => {
                    cx.report(
                        e.index,
                        "the code in the token request still contains `%XX` escapes after form decoding: it was most likely URL-encoded twice",
                    )
.confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                    .category(Category::ContentTypeEncoding)
                    .strength(Strength::Heuristic)
                    .secret(e.index, "request.body.code", sent)
                    .emit();
                }
                None => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GRANT008 / GRANT009
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Follows refresh-token rotation through the capture: when a refresh response returned a new
    /// `refresh_token` R2 for R1, and a later refresh request (sent after that response arrived)
    /// still uses R1 and fails, reports the reuse. Concurrent requests are GRANT009.
    ///
    /// ## Why it fails
    /// With rotation, each refresh token is single-use (RFC 9700 §4.14.2). Presenting a rotated
    /// one looks like token theft: the server answers `invalid_grant` and usually revokes the
    /// whole grant, so even R2 stops working.
    ///
    /// ## Example
    /// 10:55 `grant_type=refresh_token&refresh_token=R1` → `200 {"refresh_token":"R2",…}`;
    /// 11:55 `grant_type=refresh_token&refresh_token=R1` → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Persist the newest `refresh_token` from every token response (atomically, before using the
    /// new access token) and share it between processes.
    ///
    /// ## References
    /// RFC 9700 §4.14.2; RFC 6749 §6
    pub struct Grant008 {
        code: "GRANT008",
        name: "rotated-refresh-token-reused",
        title: "rotated refresh token reused",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "persist the newest `refresh_token` from every token response before using the new access token",
        references: ["RFC 9700 §4.14.2", "RFC 6749 §6"],
    }
}

declare_rule! {
    /// ## What it does
    /// Finds two refresh requests with the same refresh token whose lifetimes overlap (the second
    /// was sent before the first one's answer arrived, 1 s tolerance): one succeeded and rotated
    /// the token, the other failed.
    ///
    /// ## Why it fails
    /// With rotating refresh tokens only the first use of a token succeeds (RFC 9700 §4.14.2).
    /// Two threads, tabs or workers that notice an expired access token at the same moment both
    /// refresh with the same token; the loser gets `invalid_grant` and may trigger revocation of
    /// the whole grant.
    ///
    /// ## Example
    /// 19:00:02.120 and 19:00:02.135: two `grant_type=refresh_token&refresh_token=R1`; the first
    /// → `200` with R2, the second → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Single-flight the refresh: one lock per grant; other callers wait for the running refresh
    /// and use its result.
    ///
    /// ## References
    /// RFC 9700 §4.14.2
    pub struct Grant009 {
        code: "GRANT009",
        name: "concurrent-refresh-race",
        title: "concurrent refresh race with rotating refresh tokens",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "single-flight the refresh (one lock per grant) so concurrent callers wait for one refresh and share its result",
        references: ["RFC 9700 §4.14.2"],
    }
}

fn report_refresh_conflict(cx: &mut Context<'_>, want: RefreshConflict) {
    let ex = cx.exchanges;
    let lk = Lookup::new(ex, cx.index);
    for j in ex.iter().filter(|e| is_refresh(e) && e.failed()) {
        let Some((i, kind)) = lk.refresh_conflict(j) else {
            continue;
        };
        if kind != want {
            continue;
        }
        let first = &ex[i];
        let Some(t) = j.request.param("refresh_token") else {
            continue;
        };
        let newer = issued_refresh(first).unwrap_or("").to_string();
        let err = err_of(j);
        let got = err
            .as_ref()
            .map(|x| format!("`{}`", x.code))
            .unwrap_or_else(|| format!("{}", j.status().unwrap_or(0)));
        let msg = match kind {
            RefreshConflict::Rotated => format!(
                "this refresh uses a refresh token that exchange #{} already rotated ({} earlier it returned a new `refresh_token`); the server answered {got}",
                first.number(),
                sent_ms(first)
                    .zip(sent_ms(j))
                    .map(|(a, b)| human((b - a) / 1000))
                    .unwrap_or_else(|| "some time".into())
            ),
            RefreshConflict::Race => format!(
                "exchanges #{} and #{} refreshed with the same refresh token at the same time ({} ms apart); #{} won and rotated it, this one got {got}",
                first.number().min(j.number()),
                first.number().max(j.number()),
                sent_ms(first)
                    .zip(sent_ms(j))
                    .map(|(a, b)| (b - a).abs())
                    .unwrap_or(0),
                first.number()
            ),
        };
        let mut rep = cx
            .report(j.index, msg)
            .confirmed_if(alias_signal(&ex[j.index], &["invalid_grant"]))
            .strength(Strength::Recomputed)
            .secret(first.index, "request.body.refresh_token", t.clone())
            .secret(j.index, "request.body.refresh_token", t);
        if !newer.is_empty() {
            rep = rep.secret(first.index, "response.body.refresh_token", newer);
        }
        if let Some(x) = &err {
            rep = rep.text(j.index, x.at, x.code.clone());
        }
        rep.emit();
    }
}

impl Rule for Grant008 {
    fn check(&self, cx: &mut Context<'_>) {
        report_refresh_conflict(cx, RefreshConflict::Rotated);
    }
}

impl Rule for Grant009 {
    fn check(&self, cx: &mut Context<'_>) {
        report_refresh_conflict(cx, RefreshConflict::Race);
    }
}

// ---------------------------------------------------------------------------------------------
// GRANT010
// ---------------------------------------------------------------------------------------------

/// The scope originally granted with a refresh token: the issuing response's `scope`, else
/// what the issuing request (or its authorization request) asked for. (scope, exchange, where,
/// from the response).
fn granted_scope(lk: &Lookup<'_>, x: &Exchange) -> Option<(String, usize, &'static str, bool)> {
    if let Some(s) = x.response.as_ref().and_then(|r| r.field("scope")) {
        return Some((s.to_string(), x.index, "response.body.scope", true));
    }
    if let Some(s) = x.request.param("scope") {
        return Some((s, x.index, "request.body.scope", false));
    }
    if is_code_redemption(x) {
        let (az, _, _) = lk.authorize_of(x)?;
        return lk
            .az_param(az, "scope")
            .map(|s| (s, az.index, "request.query.scope", false));
    }
    None
}

declare_rule! {
    /// ## What it does
    /// For every failed refresh request that sends `scope`, finds the response that issued the
    /// refresh token and compares: any requested value outside the scope originally granted (the
    /// issuing response's `scope`, else the scope that was requested) is reported.
    ///
    /// ## Why it fails
    /// A refresh may only keep or narrow the original grant (RFC 6749 §6): scopes the resource
    /// owner never consented to need a new authorization. The server answers `invalid_scope`
    /// (some answer `invalid_grant`).
    ///
    /// ## Example
    /// Consent for `openid profile offline_access orders.read`; refresh with
    /// `scope=openid profile offline_access orders.read orders.write` → `400 invalid_scope`.
    ///
    /// ## Fix
    /// Omit `scope` on refresh (the original scope is kept) or request a subset; run a new
    /// authorization to add scopes.
    ///
    /// ## References
    /// RFC 6749 §6, §3.3
    pub struct Grant010 {
        code: "GRANT010",
        name: "refresh-scope-broader-than-granted",
        title: "refresh requests broader scope than originally granted",
        category: ScopeConsent,
        severity: Error,
        kind: Diag,
        fix: "omit `scope` on refresh or request a subset of the granted scope; run a new authorization to add scopes",
        references: ["RFC 6749 §6", "RFC 6749 §3.3"],
    }
}

impl Rule for Grant010 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for e in ex.iter().filter(|e| is_refresh(e) && e.failed()) {
            let Some(req) = e.request.param("scope").filter(|s| !s.trim().is_empty()) else {
                continue;
            };
            let Some(rt) = e.request.param("refresh_token") else {
                continue;
            };
            let Some(x) = lk.issuer(&rt) else {
                continue;
            };
            let Some((granted, gi, gat, from_response)) = granted_scope(&lk, x) else {
                continue;
            };
            let g = scope_set(&granted);
            let extra: Vec<String> = scope_set(&req).difference(&g).cloned().collect();
            if extra.is_empty() {
                continue;
            }
            let list = extra
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ");
            cx.report(
                e.index,
                format!(
                    "the refresh asks for {list}, outside the scope `{granted}` {} (exchange #{})",
                    if from_response {
                        "granted with this refresh token"
                    } else {
                        "originally requested"
                    },
                    gi + 1
                ),
            )
            .confirmed_if(alias_signal(
                &ex[e.index],
                &["invalid_scope", "invalid_grant"],
            ))
            .strength(if from_response {
                Strength::Recomputed
            } else {
                Strength::Direct
            })
            .text(e.index, "request.body.scope", req)
            .text(gi, gat, granted)
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GRANT011
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a failed refresh request whose `refresh_token` is absent, empty or a placeholder a
    /// program prints for an unset variable (`undefined`, `null`, `None`, `nil`,
    /// `[object Object]`), and shows why there was no refresh token: the token responses in the
    /// capture carry none, and the authorization request did not ask for `offline_access`.
    /// Reported with the category `parameters` (the request carries no usable refresh token);
    /// the catalogue's severity is `warning`, raised to `error` here because the server rejected
    /// the request.
    ///
    /// ## Why it fails
    /// A refresh token is optional in a token response (RFC 6749 §5.1). OpenID Connect providers
    /// issue one only for the `offline_access` scope (OIDC Core §11) or a provider flag
    /// (`access_type=offline` at Google). A client that assumes one always exists later sends
    /// `refresh_token=undefined` and gets `invalid_grant` or `invalid_request`.
    ///
    /// ## Example
    /// Authorization with `scope=openid profile email`, token response without `refresh_token`;
    /// 55 minutes later `grant_type=refresh_token&refresh_token=undefined` → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Request `offline_access` (with `prompt=consent` where the provider requires it) or the
    /// provider's offline flag, and handle a missing refresh token by sending the user through
    /// authorization again.
    ///
    /// ## References
    /// RFC 6749 §5.1, §6; OpenID Connect Core §11
    pub struct Grant011 {
        code: "GRANT011",
        name: "no-refresh-token-issued",
        title: "no refresh token issued",
        category: Parameters,
        severity: Warning,
        kind: Diag,
        fix: "request `offline_access` (or the provider's offline flag) to get a refresh token, and handle its absence by re-authorizing",
        references: ["RFC 6749 §5.1", "RFC 6749 §6", "OpenID Connect Core §11"],
    }
}

impl Rule for Grant011 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for e in ex.iter().filter(|e| is_refresh(e) && e.failed()) {
            let value = e.request.param("refresh_token");
            // The value is described, not quoted: the redactor treats every refresh_token
            // value as a secret and would scrub it from the message.
            let shown = match value.as_deref() {
                None => "no `refresh_token` parameter".to_string(),
                Some(v) if v.trim().is_empty() => "an empty `refresh_token`".to_string(),
                Some(v) if is_placeholder(v) => format!(
                    "a placeholder instead of a refresh token ({})",
                    placeholder_kind(v)
                ),
                Some(_) => continue,
            };
            let client = token_identity(e).map(|(c, _)| c);
            let earlier: Vec<&Exchange> = ex[..e.index]
                .iter()
                .filter(|x| {
                    is_token_request(x)
                        && succeeded(x)
                        && x.response
                            .as_ref()
                            .is_some_and(|r| r.field("access_token").is_some())
                        && (client.is_none() || token_identity(x).map(|(c, _)| c) == client)
                })
                .collect();
            let without: Vec<&&Exchange> = earlier
                .iter()
                .filter(|x| issued_refresh(x).is_none())
                .collect();
            let mut why = String::new();
            if !earlier.is_empty() && without.len() == earlier.len() {
                why.push_str(&format!(
                    "; no token response in the capture issued a refresh token (exchange #{} has none)",
                    without.last().map(|x| x.number()).unwrap_or(0)
                ));
            }
            let az = earlier
                .iter()
                .rev()
                .find(|x| is_code_redemption(x))
                .and_then(|x| lk.authorize_of(x))
                .map(|(a, _, _)| a);
            let mut scope_ev = None;
            if let Some(a) = az {
                if let Some(scope) = lk.az_param(a, "scope") {
                    if !scope_set(&scope).contains("offline_access")
                        && lk.az_param(a, "access_type").as_deref() != Some("offline")
                    {
                        why.push_str(&format!(
                            "; the authorization request (exchange #{}) asked for `{scope}` without `offline_access`",
                            a.number()
                        ));
                        scope_ev = Some((a.index, scope));
                    }
                }
            }
            let mut rep = cx
                .report(e.index, format!("the refresh request sends {shown}{why}"))
                .severity(Severity::Error)
                .strength(Strength::Direct)
                .text(
                    e.index,
                    "request.body.refresh_token",
                    value.unwrap_or_else(|| "(absent)".into()),
                );
            if let Some((i, scope)) = scope_ev {
                rep = rep.text(i, "request.query.scope", scope);
            }
            if let Some(x) = without.last() {
                rep = rep.text(x.index, "response.body.refresh_token", "(absent)");
            }
            let err = err_of(e);
            if signal_is(e, &["invalid_request"]) {
                rep = rep.confirmed();
            }
            if let Some(x) = err {
                rep = rep.text(e.index, x.at, x.code);
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GRANT012
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a token obtained with `grant_type=client_credentials` (matched by value to the token
    /// response that issued it) and presented to the OpenID Connect UserInfo endpoint, which
    /// failed; and a refresh attempted by a client whose capture shows only `client_credentials`
    /// tokens and no refresh token. The UserInfo case is reported with the category
    /// `audience_issuer` (a token meant for machine APIs sent to a user endpoint), the refresh
    /// case with `grant_type`. The catalogue's severity is `warning`, raised to `error` when the
    /// server rejected the call. The catalogue also names "user-context APIs"; a capture cannot
    /// tell which APIs need a user, so only the UserInfo endpoint (by classification or by the
    /// discovery document's `userinfo_endpoint`) is checked.
    ///
    /// ## Why it fails
    /// A client-credentials token represents the client itself: it has no user (RFC 6749 §4.4),
    /// so UserInfo and user-context APIs reject it. The grant issues no refresh token either
    /// (§4.4.3): the client simply requests a new token.
    ///
    /// ## Example
    /// `POST /token grant_type=client_credentials` → `200 {"access_token":"Q8xN…"}`;
    /// `GET /userinfo Authorization: Bearer Q8xN…` → `401 invalid_token`.
    ///
    /// ## Fix
    /// Use a user-delegated grant (authorization code with PKCE) for user data; for
    /// client-credentials tokens, request a new token when the old one expires.
    ///
    /// ## References
    /// RFC 6749 §4.4, §4.4.3; OpenID Connect Core §5.3
    pub struct Grant012 {
        code: "GRANT012",
        name: "client-credentials-token-for-user-endpoint",
        title: "client_credentials token used for user-only endpoints",
        category: AudienceIssuer,
        severity: Warning,
        kind: Diag,
        fix: "use a user-delegated grant (authorization code with PKCE) for user data; request a new client_credentials token when it expires",
        references: ["RFC 6749 §4.4", "RFC 6749 §4.4.3", "OpenID Connect Core §5.3"],
    }
}

impl Rule for Grant012 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        let successes_by_client: OnceCell<HashMap<String, Vec<usize>>> = OnceCell::new();
        for e in ex.iter().filter(|e| e.failed()) {
            let userinfo = e.kind == Kind::Userinfo
                || metadata_announcing(idx, "userinfo_endpoint", &e.request.endpoint()).is_some();
            if userinfo {
                let Some(t) = e.request.presented_token() else {
                    continue;
                };
                let Some(x) = lk.issuer(&t) else {
                    continue;
                };
                if grant_of(x).as_deref() != Some("client_credentials") {
                    continue;
                }
                cx.report(
                    e.index,
                    format!(
                        "the UserInfo request presents a token issued by `client_credentials` (exchange #{}): it has no user",
                        x.number()
                    ),
                )
                .severity(Severity::Error)
                .strength(Strength::Recomputed)
                .confirmed_if(matches!(e.status(), Some(401 | 403)))
                .secret(e.index, "request.headers.authorization", t)
                .text(x.index, "request.body.grant_type", "client_credentials")
                .emit();
                continue;
            }
            if !is_refresh(e) {
                continue;
            }
            let Some(rt) = sent_refresh(e) else {
                continue;
            };
            if lk.issuer(&rt).is_some() {
                continue;
            }
            let client = token_identity(e).map(|(c, _)| c);
            if client.is_none() {
                continue;
            }
            let by_client = successes_by_client.get_or_init(|| {
                let mut m: HashMap<String, Vec<usize>> = HashMap::new();
                for x in ex.iter().filter(|x| is_token_request(x) && succeeded(x)) {
                    if let Some((c, _)) = token_identity(x) {
                        m.entry(c).or_default().push(x.index);
                    }
                }
                m
            });
            let mine: Vec<&Exchange> = client
                .as_ref()
                .and_then(|c| by_client.get(c))
                .into_iter()
                .flatten()
                .map(|&i| &ex[i])
                .collect();
            if mine.is_empty()
                || !mine
                    .iter()
                    .all(|x| grant_of(x).as_deref() == Some("client_credentials"))
                || mine.iter().any(|x| issued_refresh(x).is_some())
            {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "client `{}` refreshes, but the capture shows it only obtaining `client_credentials` tokens (exchange #{}), which come without a refresh token",
                    client.unwrap_or_default(),
                    mine[0].number()
                ),
            )
            .category(Category::GrantType)
            .severity(Severity::Error)
            .strength(Strength::Heuristic)
            .text(mine[0].index, "request.body.grant_type", "client_credentials")
            .text(e.index, "request.body.grant_type", "refresh_token")
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GRANT013 / GRANT014
// ---------------------------------------------------------------------------------------------

const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const TOKEN_TYPE_PREFIX: &str = "urn:ietf:params:oauth:token-type:";
const TOKEN_TYPES: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "saml1",
    "saml2",
    "jwt",
];

/// What a token value says about its own type, when it contradicts the declared one.
fn token_type_conflict(ex: &[Exchange], declared: &str, value: &str) -> Option<String> {
    let suffix = declared.strip_prefix(TOKEN_TYPE_PREFIX)?;
    let decoded = jwt::decode(value).ok();
    match suffix {
        "access_token" => {
            let issued_as_id = ex.iter().any(|e| {
                e.response
                    .as_ref()
                    .and_then(|r| r.field("id_token"))
                    .is_some_and(|t| t == value)
            });
            if issued_as_id {
                return Some(
                    "the value is the `id_token` of a token response in the capture".into(),
                );
            }
            let d = decoded?;
            let marks: Vec<&str> = ["nonce", "at_hash", "c_hash"]
                .into_iter()
                .filter(|c| d.claims.contains_key(*c))
                .collect();
            (!marks.is_empty()).then(|| {
                format!(
                    "the JWT carries ID-token claims ({}), so it is an ID token",
                    marks
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        }
        "jwt" | "id_token" => decoded
            .is_none()
            .then(|| "the value is not a JWT (not three base64url segments of JSON)".to_string()),
        _ => None,
    }
}

declare_rule! {
    /// ## What it does
    /// Checks failed token-exchange requests (`grant_type=urn:ietf:params:oauth:grant-type:token-exchange`):
    /// `subject_token` and `subject_token_type` present; `actor_token_type` sent with
    /// `actor_token`; type URNs under `urn:ietf:params:oauth:token-type:` spelled as defined
    /// (`access_token`, `refresh_token`, `id_token`, `saml1`, `saml2`, `jwt`); and the declared
    /// type consistent with the token itself — an ID token (`nonce`, `at_hash`, or the `id_token`
    /// of a captured token response) declared as `access_token`, or an opaque value declared
    /// `jwt` / `id_token`.
    ///
    /// ## Why it fails
    /// RFC 8693 §2.1 requires `subject_token` and `subject_token_type`, and `actor_token_type`
    /// whenever `actor_token` is present; servers validate the token according to the declared
    /// type and answer `invalid_request` when it is missing or wrong.
    ///
    /// ## Example
    /// `grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=eyJ…&audience=https://billing.example.com`
    /// (no `subject_token_type`) → `400 invalid_request`.
    ///
    /// ## Fix
    /// Send `subject_token` with its exact `subject_token_type` (and `actor_token_type` with
    /// `actor_token`); exchange the access token, not the ID token.
    ///
    /// ## References
    /// RFC 8693 §2.1, §3
    pub struct Grant013 {
        code: "GRANT013",
        name: "token-exchange-types",
        title: "token exchange token types missing or wrong",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send `subject_token` with its exact `subject_token_type` (and `actor_token_type` with `actor_token`)",
        references: ["RFC 8693 §2.1", "RFC 8693 §3"],
    }
}

impl Rule for Grant013 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| is_token_request(e) && e.failed()) {
            if grant_of(e).as_deref() != Some(TOKEN_EXCHANGE) {
                continue;
            }
            let p = |n: &str| e.request.param(n).filter(|v| !v.is_empty());
            let mut problems: Vec<(String, &'static str, String, bool)> = Vec::new();
            for (tok, typ) in [
                ("subject_token", "subject_token_type"),
                ("actor_token", "actor_token_type"),
            ] {
                let (value, declared) = (p(tok), p(typ));
                match (&value, &declared) {
                    (None, _) if tok == "subject_token" => problems.push((
                        "`subject_token` is missing".into(),
                        "request.body.subject_token",
                        "(absent)".into(),
                        false,
                    )),
                    (Some(_), None) => problems.push((
                        format!("`{tok}` is sent without `{typ}`"),
                        if tok == "subject_token" {
                            "request.body.subject_token_type"
                        } else {
                            "request.body.actor_token_type"
                        },
                        "(absent)".into(),
                        false,
                    )),
                    (Some(v), Some(d)) => {
                        if let Some(s) = d.strip_prefix(TOKEN_TYPE_PREFIX) {
                            if !TOKEN_TYPES.contains(&s) {
                                problems.push((
                                    format!("`{typ}={d}` is not a defined token type"),
                                    if tok == "subject_token" {
                                        "request.body.subject_token_type"
                                    } else {
                                        "request.body.actor_token_type"
                                    },
                                    d.clone(),
                                    false,
                                ));
                                continue;
                            }
                        }
                        if let Some(why) = token_type_conflict(ex, d, v) {
                            problems.push((
                                format!("`{typ}` says `{d}` but {why}"),
                                if tok == "subject_token" {
                                    "request.body.subject_token"
                                } else {
                                    "request.body.actor_token"
                                },
                                v.clone(),
                                true,
                            ));
                        }
                    }
                    _ => {}
                }
            }
            if problems.is_empty() {
                continue;
            }
            let msg = format!(
                "token exchange request: {}",
                problems
                    .iter()
                    .map(|p| p.0.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            let mut rep = cx
                .report(e.index, msg)
                .confirmed_if(alias_signal(&ex[e.index], &["invalid_request"]))
                .strength(Strength::Direct);
            for (_, at, v, secret) in problems {
                rep = if secret {
                    rep.secret(e.index, at, v)
                } else {
                    rep.text(e.index, at, v)
                };
            }
            if let Some(x) = err_of(e) {
                rep = rep.text(e.index, x.at, x.code);
            }
            rep.emit();
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a token request answered `invalid_target` and lists the `audience` and `resource`
    /// values it asked for, noting any `resource` that is not an absolute URI or carries a
    /// fragment.
    ///
    /// ## Why it fails
    /// The server does not know the requested audience or resource, or does not allow this client
    /// (and subject) to obtain tokens for it (RFC 8693 §2.2.2, RFC 8707 §2). A `resource` must be
    /// an absolute URI without a fragment.
    ///
    /// ## Example
    /// Token exchange with `audience=https://payments.example.com` → `400 invalid_target`
    /// "the client is not allowed to request tokens for audience https://payments.example.com".
    ///
    /// ## Fix
    /// Request an audience or resource the server allows for this client and subject, or have it
    /// added to the client's policy.
    ///
    /// ## References
    /// RFC 8693 §2.2.2; RFC 8707 §2
    pub struct Grant014 {
        code: "GRANT014",
        name: "token-exchange-target-rejected",
        title: "token exchange target rejected",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "request an `audience` / `resource` the server allows for this client and subject",
        references: ["RFC 8693 §2.2.2", "RFC 8707 §2"],
    }
}

impl Rule for Grant014 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| is_token_request(e)) {
            let Some(err) = err_of(e) else { continue };
            if err.code != "invalid_target" {
                continue;
            }
            let mut asked = Vec::new();
            let mut notes = Vec::new();
            for name in ["audience", "resource"] {
                for (k, v) in e.request.form.iter().chain(e.request.query.iter()) {
                    if k != name {
                        continue;
                    }
                    asked.push((name, v.to_string()));
                    if name == "resource" {
                        match url::Url::parse(v) {
                            Err(_) => {
                                notes.push(format!("`resource` `{v}` is not an absolute URI"))
                            }
                            Ok(u) if u.fragment().is_some() => {
                                notes.push(format!("`resource` `{v}` carries a fragment"))
                            }
                            Ok(_) => {}
                        }
                    }
                }
            }
            let what = if asked.is_empty() {
                "no `audience` or `resource` parameter".to_string()
            } else {
                asked
                    .iter()
                    .map(|(k, v)| format!("`{k}={v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut msg =
                format!("the server rejected the requested target ({what}) with `invalid_target`");
            if !notes.is_empty() {
                msg.push_str(&format!("; {}", notes.join("; ")));
            }
            let mut rep = cx
                .report(e.index, msg)
                .strength(Strength::Direct)
                .confirmed()
                .text(e.index, err.at, "invalid_target");
            for (k, v) in asked {
                rep = rep.text(e.index, format!("request.body.{k}"), v);
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GRANT015
// ---------------------------------------------------------------------------------------------

fn response_type_set(s: &str) -> BTreeSet<&str> {
    s.split_whitespace().collect()
}

declare_rule! {
    /// ## What it does
    /// Flags an authorization request refused because of its `response_type`: the authorization
    /// response carries `error=unsupported_response_type` (or `unauthorized_client` naming the
    /// response type), or the request failed and its `response_type` (compared as a set of
    /// space-separated values) is not in the discovery document's `response_types_supported`.
    ///
    /// ## Why it fails
    /// The server supports, and each client is allowed, only some response types (RFC 6749
    /// §3.1.1, RFC 8414 §2). The implicit (`token`) and hybrid (`code id_token`) types are often
    /// disabled, and OAuth 2.1 drops implicit altogether.
    ///
    /// ## Example
    /// `GET /authorize?response_type=token&…` → `303 Location: https://app.example.com/cb#error=unsupported_response_type&…`.
    ///
    /// ## Fix
    /// Use `response_type=code` with PKCE, or enable the response type for the client.
    ///
    /// ## References
    /// RFC 6749 §3.1.1, §4.1.2.1; RFC 8414 §2
    pub struct Grant015 {
        code: "GRANT015",
        name: "response-type-not-supported",
        title: "response type not supported or not allowed",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "use `response_type=code` with PKCE, or enable the response type for the client",
        references: ["RFC 6749 §3.1.1", "RFC 6749 §4.1.2.1", "RFC 8414 §2"],
    }
}

impl Rule for Grant015 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for az in ex.iter().filter(|e| e.kind == Kind::Authorize) {
            let Some(rt) = lk.az_param(az, "response_type") else {
                continue;
            };
            // The metadata of this authorization server (the document announcing this endpoint).
            let supported: Option<(usize, Vec<String>)> =
                metadata_announcing(idx, "authorization_endpoint", &az.request.endpoint())
                    .and_then(|(i, d)| {
                        let list = d.get("response_types_supported")?.as_array()?;
                        Some((
                            *i,
                            list.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect(),
                        ))
                    });
            // The authorization response of this request: in its own Location, or a later one
            // with the same state.
            let azr = lk.azr_of(az);
            let azr_err = azr.and_then(|a| a.params.get("error").map(|c| (a, c)));
            let desc = azr
                .and_then(|a| a.params.get("error_description"))
                .unwrap_or("")
                .to_ascii_lowercase();
            let not_listed = supported.as_ref().and_then(|(i, list)| {
                let want = response_type_set(&rt);
                (!list.iter().any(|s| response_type_set(s) == want)).then(|| (*i, list.join(", ")))
            });
            let (anchor, msg, strength) = match azr_err {
                Some((a, "unsupported_response_type")) => (
                    a.exchange,
                    format!(
                        "the authorization server answered `unsupported_response_type` to `response_type={rt}`"
                    ),
                    if not_listed.is_some() {
                        Strength::Recomputed
                    } else {
                        Strength::Direct
                    },
                ),
                Some((a, "unauthorized_client")) if desc.contains("response") => (
                    a.exchange,
                    format!(
                        "the client is not allowed `response_type={rt}` (`unauthorized_client`)"
                    ),
                    Strength::Direct,
                ),
                _ if not_listed.is_some() && (az.failed() || azr_err.is_some()) => (
                    azr_err.map(|(a, _)| a.exchange).unwrap_or(az.index),
                    format!(
                        "`response_type={rt}` is not in the server's `response_types_supported`"
                    ),
                    Strength::Recomputed,
                ),
                _ => continue,
            };
            let mut msg = msg;
            if let Some((_, list)) = &not_listed {
                msg.push_str(&format!(" (it lists `{list}`)"));
            }
            let mut rep = cx.report(anchor, msg).strength(strength).text(
                az.index,
                "request.query.response_type",
                rt,
            );
            if let Some((a, c)) = azr_err {
                rep = rep.text(a.exchange, a.at("error"), c);
            }
            if let Some((i, list)) = not_listed {
                rep = rep.text(i, "response.body.response_types_supported", list);
            }
            rep.emit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::provider_aliases;
    use super::super::testkit::*;
    use super::*;

    fn code_flow(c: &mut Cap, code: &str) {
        c.authorize(
            &format!("response_type=code&client_id=web&redirect_uri={CB_ENC}&scope=openid+profile&state=st1"),
            &format!("{CB}?code={code}&state=st1"),
        );
    }

    #[test]
    fn grant001_misspelled_and_missing() {
        let mut c = Cap::new();
        c.token(
            "grant_type=client-credentials&client_id=a&client_secret=b",
            400,
            r#"{"error":"unsupported_grant_type"}"#,
        );
        let f = c.run();
        let g = of(&f, "GRANT001");
        assert_eq!(g.len(), 1);
        assert!(
            g[0].message.contains("`client_credentials`"),
            "{}",
            g[0].message
        );
        assert_eq!(top(&f).unwrap().category, Category::GrantType);

        let mut c = Cap::new();
        c.post(TOK, vec![("Authorization", "Basic YTpi")], "scope=api", 400,
            r#"{"error":"invalid_request","error_description":"missing required parameter 'grant_type'"}"#);
        let f = c.run();
        assert_eq!(of(&f, "GRANT001").len(), 1);
        assert_eq!(top(&f).unwrap().rule, "GRANT001");
        assert_eq!(top(&f).unwrap().category, Category::Parameters);
    }

    #[test]
    fn grant001_accepts_extension_grants() {
        for g in [
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "urn:openid:params:grant-type:ciba",
            "https://auth0.com/oauth/grant-type/passwordless/otp",
        ] {
            let mut c = Cap::new();
            c.token(
                &format!("grant_type={}", form_encode(g)),
                400,
                r#"{"error":"invalid_grant"}"#,
            );
            assert!(of(&c.run(), "GRANT001").is_empty(), "{g}");
        }
        assert_eq!(nearest_grant("refresh"), Some("refresh_token"));
        assert_eq!(
            nearest_grant("client_credential"),
            Some("client_credentials")
        );
        assert_eq!(
            nearest_grant("urn:ietf:params:oauth:grant-type:jwt_bearer"),
            Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
        );
    }

    fn form_encode(s: &str) -> String {
        crate::oauth::basic::form_encode(s)
    }

    #[test]
    fn grant002_unauthorized_client_and_description() {
        let mut c = Cap::new();
        c.token("grant_type=client_credentials&client_id=spa", 400,
            r#"{"error":"invalid_request","error_description":"requested grant type is not allowed for this client"}"#);
        let f = c.run();
        assert_eq!(of(&f, "GRANT002").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::GrantType);

        let mut c = Cap::new();
        c.token(
            "grant_type=client_credential",
            400,
            r#"{"error":"unsupported_grant_type"}"#,
        );
        assert!(of(&c.run(), "GRANT002").is_empty());
    }

    #[test]
    fn grant003_code_used_twice() {
        let mut c = Cap::new();
        code_flow(&mut c, "abc123");
        c.wait(1.0);
        let body = format!(
            "grant_type=authorization_code&code=abc123&redirect_uri={CB_ENC}&client_id=web"
        );
        c.token(&body, 200, OK_TOKENS);
        c.wait(1.0);
        c.token(
            &body,
            400,
            r#"{"error":"invalid_grant","error_description":"code already used"}"#,
        );
        let f = c.run();
        assert_eq!(of(&f, "GRANT003").len(), 1);
        assert_eq!(top(&f).unwrap().rule, "GRANT003");
    }

    #[test]
    fn grant004_trailing_slash_and_double_encoding() {
        let mut c = Cap::new();
        code_flow(&mut c, "abc123");
        c.token(
            &format!(
                "grant_type=authorization_code&code=abc123&redirect_uri={CB_ENC}%2F&client_id=web"
            ),
            400,
            r#"{"error":"invalid_grant"}"#,
        );
        let f = c.run();
        let g = of(&f, "GRANT004");
        assert_eq!(g.len(), 1);
        assert!(g[0].message.contains("trailing slash"), "{}", g[0].message);
        assert_eq!(top(&f).unwrap().category, Category::RedirectUri);

        let mut c = Cap::new();
        code_flow(&mut c, "abc123");
        c.token("grant_type=authorization_code&code=abc123&redirect_uri=https%253A%252F%252Fapp.example.com%252Fcb&client_id=web", 400,
            r#"{"error":"invalid_grant"}"#);
        let f = c.run();
        assert_eq!(
            of(&f, "GRANT004")[0].category,
            Category::ContentTypeEncoding
        );
    }

    #[test]
    fn grant005_and_grant007() {
        let mut c = Cap::new();
        code_flow(&mut c, "abc123");
        c.token(&format!("grant_type=authorization_code&code=abc123&redirect_uri={CB_ENC}&client_id=admin&client_secret=x"), 400,
            r#"{"error":"invalid_grant"}"#);
        assert_eq!(of(&c.run(), "GRANT005").len(), 1);

        let mut c = Cap::new();
        code_flow(&mut c, "4%2F0AepYLEIJQeOSvwNTbHBVaUrtt");
        c.token(&format!("grant_type=authorization_code&code=4%252F0AepYLEIJQeOSvwNTbHBVaUrtt&redirect_uri={CB_ENC}&client_id=web"), 400,
            r#"{"error":"invalid_grant","error_description":"Malformed auth code."}"#);
        let f = c.run();
        let g = of(&f, "GRANT007");
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].category, Category::ContentTypeEncoding);

        let mut c = Cap::new();
        code_flow(&mut c, "APXph6jYUSQBSt2ANMyRXBS_-msA937USXfYJEOk8Fn");
        c.token(&format!("grant_type=authorization_code&code=APXph6jYUSQBSt2ANMyR&redirect_uri={CB_ENC}&client_id=web"), 400,
            r#"{"error":"invalid_grant"}"#);
        let f = c.run();
        assert_eq!(of(&f, "GRANT007")[0].category, Category::Parameters);
        assert_eq!(top(&f).unwrap().rule, "GRANT007");
    }

    #[test]
    fn grant008_and_grant009() {
        let rot = |rt: &str| {
            format!(
                r#"{{"access_token":"at-{rt}","token_type":"Bearer","expires_in":3600,"refresh_token":"{rt}"}}"#
            )
        };
        // Refresh token R1 sent twice: the first answered `first`, the second `invalid_grant`,
        // `gap_ms` later than the capture's usual 100 ms step.
        let twice = |first: &str, gap_ms: i64| {
            let refresh = "grant_type=refresh_token&refresh_token=R1&client_id=web";
            let mut c = Cap::new();
            c.token(refresh, 200, first);
            c.t += gap_ms;
            c.token(refresh, 400, r#"{"error":"invalid_grant"}"#);
            c.run()
        };
        let f = twice(&rot("R2"), 3_600_000);
        assert_eq!(of(&f, "GRANT008").len(), 1);
        assert!(of(&f, "GRANT009").is_empty());

        let f = twice(&rot("R2"), -90); // 10 ms after the first
        assert_eq!(of(&f, "GRANT009").len(), 1);
        assert!(of(&f, "GRANT008").is_empty());

        // non-rotating server: reuse is fine
        let f = twice(
            r#"{"access_token":"x","token_type":"Bearer","expires_in":60}"#,
            60_000,
        );
        assert!(of(&f, "GRANT008").is_empty() && of(&f, "GRANT009").is_empty());
    }

    #[test]
    fn grant010_011_012() {
        let mut c = Cap::new();
        c.token(
            "grant_type=client_credentials&client_id=svc&client_secret=s",
            200,
            r#"{"access_token":"cc-token-1","token_type":"Bearer","expires_in":60,"scope":"a b"}"#,
        );
        c.token(
            "grant_type=authorization_code&code=c1&client_id=svc&client_secret=s",
            200,
            OK_TOKENS,
        );
        c.token("grant_type=refresh_token&refresh_token=rt-1-bbbbbbbbbbbbbbbbbbbbbbbb&scope=openid+admin&client_id=svc&client_secret=s", 400, r#"{"error":"invalid_scope"}"#);
        let f = c.run();
        let g = of(&f, "GRANT010");
        assert_eq!(g.len(), 1);
        assert!(g[0].message.contains("`admin`"), "{}", g[0].message);

        let mut c = Cap::new();
        c.token(
            "grant_type=authorization_code&code=c1&client_id=web",
            200,
            r#"{"access_token":"a","token_type":"Bearer","expires_in":60}"#,
        );
        c.token(
            "grant_type=refresh_token&refresh_token=undefined&client_id=web",
            400,
            r#"{"error":"invalid_grant"}"#,
        );
        let f = c.run();
        assert_eq!(of(&f, "GRANT011").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::Parameters);

        let mut c = Cap::new();
        c.token(
            "grant_type=client_credentials&client_id=svc&client_secret=s",
            200,
            r#"{"access_token":"cc-token-1","token_type":"Bearer","expires_in":60}"#,
        );
        c.bearer_call(
            "https://idp.example.com/userinfo",
            "cc-token-1",
            401,
            INVALID_TOKEN,
        );
        let f = c.run();
        assert_eq!(of(&f, "GRANT012").len(), 1);
    }

    #[test]
    fn grant013_014_015() {
        let te = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange";
        let mut c = Cap::new();
        c.token(
            &format!("grant_type={te}&subject_token=abc&audience=x"),
            400,
            r#"{"error":"invalid_request"}"#,
        );
        let f = c.run();
        assert_eq!(of(&f, "GRANT013").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::Parameters);

        let mut c = Cap::new();
        c.token(&format!("grant_type={te}&subject_token=abc&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&audience=x"), 400, r#"{"error":"invalid_target"}"#);
        let f = c.run();
        assert!(of(&f, "GRANT013").is_empty());
        assert_eq!(of(&f, "GRANT014").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::AudienceIssuer);

        let mut c = Cap::new();
        c.authorize(
            "response_type=token&client_id=spa&state=s1",
            "https://app.example.com/cb#error=unsupported_response_type&state=s1",
        );
        let f = c.run();
        assert_eq!(of(&f, "GRANT015").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::GrantType);
    }

    #[test]
    fn uri_diffs() {
        assert_eq!(decode_once("a%2Fb+c&d=e"), "a/b c&d=e");
        assert_eq!(decode_once("100%"), "100%");
        let (how, cat) =
            describe_uri_diff("https://a.example/cb?t=1&r=2", "https://a.example/cb?t=1");
        assert!(how.contains("`&`"), "{how}");
        assert_eq!(cat, Category::ContentTypeEncoding);
        let (how, cat) = describe_uri_diff("https://a.example/cb", "http://a.example/cb");
        assert!(how.contains("scheme"), "{how}");
        assert_eq!(cat, Category::RedirectUri);
        assert_eq!(
            describe_uri_diff("https://a.example/cb", "https%3A%2F%2Fa.example%2Fcb").1,
            Category::ContentTypeEncoding
        );
    }

    #[test]
    fn provider_codes_count_as_their_standard_code() {
        // GitHub answers a reused code with HTTP 200 and `bad_verification_code`.
        let mut c = Cap::new();
        let gh = "https://github.com/login/oauth/access_token";
        c.post(
            gh,
            vec![],
            "client_id=a&client_secret=b&code=c0de",
            200,
            r#"{"access_token":"gho_x","token_type":"bearer","scope":"repo"}"#,
        );
        c.post(gh, vec![], "client_id=a&client_secret=b&code=c0de", 200,
            r#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}"#);
        let f = c.run();
        assert_eq!(top(&f).unwrap().rule, "GRANT003");
        assert!(provider_aliases().values().any(|v| v == "invalid_grant"));
    }

    #[test]
    fn helpers() {
        assert!(is_placeholder("undefined") && is_placeholder("") && !is_placeholder("abc"));
        assert_eq!(human(746), "12 min 26 s");
        assert_eq!(scope_set("a b  c").len(), 3);
        assert_eq!(scope_set("repo,user").len(), 2);
        assert!(code_alteration("abcdefghijkl", "abcdefgh").is_some());
        assert!(code_alteration("abc", "abc").is_none());
    }
}
