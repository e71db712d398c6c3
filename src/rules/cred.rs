//! CRED: client authentication at the authorization server's endpoints — Basic encoding, secrets,
//! client assertions, mTLS (RULES.md §1.1). Every rule here reads the capture through
//! [`Context`] and reports findings; none prints, none does I/O. Secrets are attached as
//! fingerprinted evidence and described by length and character classes, never by value.

use super::common::date_header;
use super::{Context, Report, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Strength};
use crate::model::flow::Index;
use crate::model::{Exchange, Kind, Request};
use crate::oauth::basic::{self, BasicCredentials};
use crate::oauth::errors::error_code;
use crate::oauth::jwt::{self, DecodedJwt};
use serde_json::Value;
use std::collections::HashMap;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Cred001, &Cred002, &Cred003, &Cred004, &Cred005, &Cred006, &Cred007, &Cred008, &Cred009,
    &Cred010, &Cred011, &Cred012, &Cred013, &Cred014, &Cred015,
];

/// The exact client-assertion type for JWT client authentication (RFC 7523 §2.2).
const JWT_BEARER_CAT: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// ------------------------------------------------------------------------------------------
// shared helpers (private to the family)
// ------------------------------------------------------------------------------------------

/// The server's error code (lower-cased) and description (lower-cased, may be empty).
pub(super) fn server_error(e: &Exchange) -> (Option<String>, String) {
    match error_code(e) {
        Some(er) => (
            Some(er.code.to_ascii_lowercase()),
            er.description.unwrap_or_default().to_ascii_lowercase(),
        ),
        None => (None, String::new()),
    }
}

/// An error description that talks about client authentication.
pub(super) fn mentions_client_auth(d: &str) -> bool {
    [
        "client auth",
        "authorization header",
        "client_secret",
        "client secret",
        "client credentials",
        "credentials",
        "basic",
        "authenticat",
        "client_assertion",
        "client assertion",
        "certificate",
    ]
    .iter()
    .any(|w| d.contains(w))
}

/// A server error code that means "client authentication failed": `invalid_client` and the
/// provider variants (`incorrect_client_credentials`, `invalid_client_secret`…). Not
/// `unauthorized_client`, which says the authenticated client may not use the grant.
fn is_client_auth_code(code: &str) -> bool {
    code == "invalid_client"
        || code == "unauthorized"
        || (code.contains("client") && code != "unauthorized_client")
}

/// The exchange failed in a way that points at client authentication: `invalid_client` (or a
/// provider variant), a 401 without a grant-level code, an `invalid_request` that talks about
/// client authentication, or a bare 400/401/500 (servers crash on undecodable credentials).
fn client_auth_rejected(e: &Exchange) -> bool {
    if !e.failed() {
        return false;
    }
    let status = e.status().unwrap_or(0);
    match server_error(e) {
        (Some(code), desc) => {
            is_client_auth_code(&code)
                || (status == 401
                    && !matches!(
                        code.as_str(),
                        "unauthorized_client" | "invalid_grant" | "access_denied" | "invalid_scope"
                    ))
                || (code == "invalid_request" && mentions_client_auth(&desc))
        }
        (None, _) => matches!(status, 400 | 401 | 500),
    }
}

/// Add the server's error code and status as evidence.
pub(super) fn with_server_signal<'c, 'a>(mut rep: Report<'c, 'a>, e: &Exchange) -> Report<'c, 'a> {
    if let Some(er) = error_code(e) {
        rep = rep.text(e.index, er.at, er.code);
    } else if let Some(s) = e.status() {
        rep = rep.text(e.index, "response.status", s.to_string());
    }
    rep
}

/// " and the server answered `invalid_client`" / " and the server answered 401" / "".
pub(super) fn outcome(e: &Exchange) -> String {
    if let Some(er) = error_code(e) {
        return format!("; the server answered `{}`", er.code);
    }
    match e.status() {
        Some(s) if s >= 400 => format!("; the server answered {s}"),
        _ => String::new(),
    }
}

/// The discovery document that describes the server `e` talks to: same host as one of its
/// endpoints or its issuer, else the first one in the capture.
pub(super) fn metadata_for<'a>(index: &'a Index, e: &Exchange) -> Option<&'a Value> {
    let host = e.request.host().map(str::to_ascii_lowercase);
    let host_of = |u: &str| {
        url::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
    };
    if let Some(h) = host {
        for (_, doc) in &index.metadata {
            let Some(obj) = doc.as_object() else { continue };
            let mut urls: Vec<&str> = obj
                .iter()
                .filter(|(k, _)| k.ends_with("_endpoint") || *k == "issuer")
                .filter_map(|(_, v)| v.as_str())
                .collect();
            if let Some(aliases) = obj.get("mtls_endpoint_aliases").and_then(Value::as_object) {
                urls.extend(aliases.values().filter_map(Value::as_str));
            }
            if urls
                .iter()
                .any(|u| host_of(u).as_deref() == Some(h.as_str()))
            {
                return Some(doc);
            }
        }
    }
    index.metadata_doc()
}

/// A string list in a metadata document (`None` when the field is absent).
pub(super) fn md_list<'a>(md: Option<&'a Value>, field: &str) -> Option<Vec<&'a str>> {
    md?.get(field)?
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
}

pub(super) fn md_str<'a>(md: Option<&'a Value>, field: &str) -> Option<&'a str> {
    md?.get(field)?.as_str()
}

/// The metadata field naming the endpoint of an exchange kind, and its auth-method list.
fn endpoint_fields(k: Kind) -> (&'static str, &'static str) {
    match k {
        Kind::Revocation => (
            "revocation_endpoint",
            "revocation_endpoint_auth_methods_supported",
        ),
        Kind::Introspection => (
            "introspection_endpoint",
            "introspection_endpoint_auth_methods_supported",
        ),
        Kind::Par => (
            "pushed_authorization_request_endpoint",
            "token_endpoint_auth_methods_supported",
        ),
        Kind::DeviceAuthorization => (
            "device_authorization_endpoint",
            "token_endpoint_auth_methods_supported",
        ),
        _ => ("token_endpoint", "token_endpoint_auth_methods_supported"),
    }
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// A parameter of the request body (form, or JSON as a string); `None` when absent.
pub(super) fn body_param(req: &Request, name: &str) -> Option<String> {
    if let Some(v) = req.form.get(name) {
        return Some(v.to_string());
    }
    match req.json.as_ref().and_then(|j| j.get(name)) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    }
}

/// The client assertion sent with a request (body, else query), when non-empty.
fn client_assertion(req: &Request) -> Option<(String, &'static str)> {
    if let Some(a) = body_param(req, "client_assertion").filter(|a| !a.is_empty()) {
        return Some((a, "request.body.client_assertion"));
    }
    req.query
        .non_empty("client_assertion")
        .map(|a| (a.to_string(), "request.query.client_assertion"))
}

/// True when some exchange of the capture carries credentials headers; a capture without any
/// (and with browser traffic) may be a sanitized export whose `Authorization` headers were
/// dropped, so absence of a Basic header proves little.
pub(super) fn headers_may_be_stripped(cx: &Context<'_>, e: &Exchange) -> bool {
    if e.sanitized {
        return true;
    }
    let any_credential_header = cx.exchanges.iter().any(|x| {
        x.request.headers.contains("authorization")
            || x.request.headers.contains("cookie")
            || x.response
                .as_ref()
                .is_some_and(|r| r.headers.contains("set-cookie"))
    });
    let browser = e
        .request
        .headers
        .get("user-agent")
        .is_some_and(|ua| ua.contains("Mozilla/"));
    !any_credential_header && browser && cx.exchanges.len() > 1
}

/// Percent-decoding only (`+` stays `+`): how a value looks once its `%XX` escapes are undone.
fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Characters of a raw Basic credential part that an `application/x-www-form-urlencoded`
/// encoder would have escaped: evidence that the part was *not* encoded. Valid `%XX` escapes
/// and `+` are ambiguous (they are what an encoder produces) and are not listed; a `%` that does
/// not start an escape is.
fn unencoded_chars(raw: &str) -> Vec<char> {
    let b: Vec<char> = raw.chars().collect();
    let mut out = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        let ok = c.is_ascii_alphanumeric()
            || matches!(c, '-' | '.' | '_' | '*' | '~' | '+')
            || (c == '%'
                && b.get(i + 1).is_some_and(|x| x.is_ascii_hexdigit())
                && b.get(i + 2).is_some_and(|x| x.is_ascii_hexdigit()));
        if !ok && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// How a character is shown in a message.
fn show_char(c: char) -> String {
    match c {
        ' ' => "space".into(),
        '\n' => "`\\n`".into(),
        '\r' => "`\\r`".into(),
        '\t' => "tab".into(),
        '`' => "backtick".into(),
        c if !c.is_ascii() => format!("non-ASCII `{c}`"),
        c => format!("`{c}`"),
    }
}

fn show_chars(cs: &[char]) -> String {
    cs.iter()
        .map(|c| show_char(*c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Length and character classes of a secret, for messages.
pub(super) fn describe_secret(s: &str) -> String {
    let mut classes = Vec::new();
    if s.chars().any(|c| c.is_ascii_lowercase()) {
        classes.push("lower case");
    }
    if s.chars().any(|c| c.is_ascii_uppercase()) {
        classes.push("upper case");
    }
    if s.chars().any(|c| c.is_ascii_digit()) {
        classes.push("digits");
    }
    if s.chars().any(|c| !c.is_ascii_alphanumeric()) {
        classes.push("symbols");
    }
    format!("{} chars: {}", s.chars().count(), classes.join(", "))
}

/// The authentication methods a request uses, as metadata names, with where each was seen.
pub(super) fn auth_methods(req: &Request) -> Vec<(&'static str, &'static str)> {
    let mut m = Vec::new();
    if let Some((scheme, _)) = req.authorization() {
        if scheme.eq_ignore_ascii_case("basic") {
            m.push(("client_secret_basic", "request.headers.authorization"));
        }
    }
    if body_param(req, "client_secret").is_some_and(|s| !s.is_empty()) {
        m.push(("client_secret_post", "request.body.client_secret"));
    } else if req.query.non_empty("client_secret").is_some() {
        m.push(("client_secret_post", "request.query.client_secret"));
    }
    if let Some((a, at)) = client_assertion(req) {
        let symmetric = jwt::decode(&a)
            .ok()
            .and_then(|d| d.alg().map(|x| x.starts_with("HS")))
            .unwrap_or(false);
        m.push((
            if symmetric {
                "client_secret_jwt"
            } else {
                "private_key_jwt"
            },
            at,
        ));
    }
    m
}

/// The mTLS situation of a request: the metadata publishes an mTLS alias for this endpoint, the
/// request carries no other credentials and went to the plain endpoint instead of the alias.
/// Returns (plain endpoint, alias).
fn mtls_alias_missed(index: &Index, e: &Exchange) -> Option<(String, String)> {
    let md = metadata_for(index, e)?;
    let (field, _) = endpoint_fields(e.kind);
    let alias = md
        .get("mtls_endpoint_aliases")?
        .get(field)?
        .as_str()?
        .to_string();
    let plain = md_str(Some(md), field).unwrap_or("").to_string();
    let url = e.request.endpoint();
    if same_url(&url, &alias) || !auth_methods(&e.request).is_empty() {
        return None;
    }
    if !plain.is_empty() && !same_url(&url, &plain) {
        return None;
    }
    Some((url, alias))
}

/// The metadata says the server supports certificate-based client authentication.
fn advertises_tls_auth(md: Option<&Value>) -> bool {
    md_list(md, "token_endpoint_auth_methods_supported").is_some_and(|l| {
        l.iter()
            .any(|m| *m == "tls_client_auth" || *m == "self_signed_tls_client_auth")
    })
}

// ------------------------------------------------------------------------------------------
// CRED001
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Decodes `Authorization: Basic` credentials at the token, PAR, introspection and revocation
    /// endpoints and checks the step RFC 6749 §2.3.1 adds to plain HTTP Basic: client_id and
    /// secret must each be `application/x-www-form-urlencoded` *before* they are joined with `:`
    /// and base64-encoded. It fires when a part that was evidently not encoded (it holds
    /// characters an encoder escapes, such as `/`, `:`, `=`, or a `%` that starts no escape)
    /// also holds a character that decoding changes (`+` becomes a space, `%XX` a byte), and the
    /// server rejected the client. It also fires when the client_id contains `:` unencoded, so
    /// the server splits the credentials in the wrong place.
    ///
    /// Evidence is upgraded to proof when the same secret is accepted elsewhere in the capture
    /// (sent in the body with `client_secret_post`, or correctly encoded), and confirmed when the
    /// server's description says the header is not properly encoded.
    ///
    /// ## Why it fails
    /// A server that follows §2.3.1 form-decodes both parts: a raw `+` in the secret becomes a
    /// space, `%2B` becomes `+`, a stray `%` is an invalid escape (some servers answer 500). The
    /// secret it compares is no longer the registered one, so it answers `invalid_client`. Most
    /// HTTP libraries implement RFC 7617 Basic, which has no such encoding step, so secrets with
    /// symbols break only at strict servers. A secret made only of letters, digits and
    /// `-._~` is the same encoded or not, and is never reported.
    ///
    /// (Catalogue note: RULES.md lists `+ % & = : / ? # space` and non-ASCII as triggers, but
    /// form-*decoding* leaves every character except `+` and `%` unchanged, so a raw `/` or `=`
    /// alone cannot make a decoding server see another secret. This rule uses the others only
    /// as proof that the value was not encoded, and the exception is a `:` inside the client_id,
    /// which moves the split point.)
    ///
    /// ## Example
    /// Secret `Zx+8/Qm…` (base64-looking): the client sends `base64("my-app:Zx+8/Qm…")` and gets
    /// `401 {"error":"invalid_client"}`; one second later the same secret in the body
    /// (`client_secret=Zx%2B8%2FQm…`) gets `200`.
    ///
    /// ## Fix
    /// Form-urlencode client_id and secret separately, join them with `:`, then base64-encode. If
    /// the server is known not to decode (a common deviation), send them raw, or switch to
    /// `client_secret_post` where the form encoding is unambiguous.
    ///
    /// ## References
    /// RFC 6749 §2.3.1, Appendix B; RFC 7617 §2
    pub struct Cred001 {
        code: "CRED001",
        name: "basic-credentials-not-form-encoded",
        title: "basic credentials not form-urlencoded before base64",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "form-urlencode client_id and secret separately, join them with `:`, then base64-encode; if the server does not decode them, send them raw or switch to `client_secret_post`",
        references: ["RFC 6749 §2.3.1", "RFC 6749 Appendix B", "RFC 7617 §2"],
    }
}

/// Another exchange that accepted the secret the client meant (`raw`), proving that the Basic
/// value was read differently: the body secret or a correctly encoded Basic secret equals it.
fn contrast_success(ex: &[Exchange], e: &Exchange, raw: &str) -> Option<(usize, &'static str)> {
    ex.iter()
        .filter(|o| {
            o.index != e.index
                && o.kind.is_back_channel()
                && o.response.as_ref().is_some_and(|r| r.is_success())
                && !o.failed()
        })
        .find_map(|o| {
            if body_param(&o.request, "client_secret").as_deref() == Some(raw) {
                return Some((o.index, "request.body.client_secret"));
            }
            let b = basic::basic_credentials(&o.request)?;
            let (_, s) = b.raw_parts()?;
            (s != raw && basic::form_decode(s) == raw)
                .then_some((o.index, "request.headers.authorization"))
        })
}

impl Rule for Cred001 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.kind.is_back_channel()) {
            let Some(b) = basic::basic_credentials(&e.request) else {
                continue;
            };
            let Some((raw_id, raw_secret)) = b.raw_parts() else {
                continue;
            };
            let header = e.request.headers.get("authorization").unwrap_or("");
            let (_, desc) = server_error(e);
            let server_says = desc.contains("encod") && mentions_client_auth(&desc);
            // The client_id itself holds an unencoded `:`: the server splits inside it.
            let body_id = body_param(&e.request, "client_id").filter(|c| c.contains(':'));
            if let Some(cid) = body_id {
                let decoded = b.decoded.as_deref().unwrap_or("");
                if decoded.starts_with(&format!("{cid}:")) && raw_id != cid {
                    let mut rep = cx
                        .report(
                            e.index,
                            format!(
                                "the client_id `{cid}` contains `:` and was not form-urlencoded in the Basic credentials, so the server reads the client_id as `{raw_id}` and the rest as the secret{}",
                                outcome(e)
                            ),
                        )
                        .strength(Strength::Recomputed)
                        .secret(e.index, "request.headers.authorization", header)
                        .text(e.index, "request.body.client_id", cid.clone());
                    rep = with_server_signal(rep, e);
                    rep.emit();
                    continue;
                }
            }
            let failed = client_auth_rejected(e)
                || server_error(e).0.as_deref() == Some("unauthorized_client");
            for (part, raw, at) in [
                (
                    "client_id",
                    raw_id,
                    "request.headers.authorization.username",
                ),
                (
                    "secret",
                    raw_secret,
                    "request.headers.authorization.password",
                ),
            ] {
                let decoded = basic::form_decode(raw);
                let changes = decoded != raw || raw.contains('%');
                let contrast = if part == "secret" && changes {
                    contrast_success(ex, e, raw)
                } else {
                    None
                };
                let unencoded = unencoded_chars(raw);
                let risky: Vec<char> = ['+', '%']
                    .into_iter()
                    .filter(|c| raw.contains(*c))
                    .collect();
                let evident = !unencoded.is_empty() && !risky.is_empty();
                if !(failed && (evident || contrast.is_some() || server_says && changes)) {
                    continue;
                }
                let mut msg = if part == "client_id" {
                    format!("the Basic client_id `{raw}` was not form-urlencoded before base64")
                } else {
                    format!(
                        "the Basic secret ({}) was not form-urlencoded before base64",
                        describe_secret(raw)
                    )
                };
                if !unencoded.is_empty() {
                    msg.push_str(&format!(
                        ": it holds {} that an encoder would have escaped",
                        show_chars(&unencoded)
                    ));
                }
                msg.push_str(&format!(
                    ", and a server that decodes it per RFC 6749 §2.3.1 changes its {}",
                    show_chars(&risky)
                ));
                if risky.contains(&'+') {
                    msg.push_str(" (`+` becomes a space)");
                }
                if let Some((o, _)) = contrast {
                    msg.push_str(&format!(
                        "; the same secret was accepted in exchange #{}",
                        o + 1
                    ));
                }
                msg.push_str(&outcome(e));
                let strength = if contrast.is_some() {
                    Strength::Recomputed
                } else {
                    Strength::Heuristic
                };
                let mut rep = cx
                    .report(e.index, msg)
                    .strength(strength)
                    .secret(e.index, "request.headers.authorization", header)
                    .secret(e.index, at, raw);
                if server_says {
                    rep = rep.confirmed();
                }
                if let Some((o, oat)) = contrast {
                    rep = rep.text(
                        o,
                        "response.status",
                        ex[o].status().unwrap_or(0).to_string(),
                    );
                    rep = rep.secret(o, oat, raw);
                }
                rep = with_server_signal(rep, e);
                rep.emit();
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// CRED002
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a request to the token, PAR, introspection or revocation endpoint that
    /// authenticates the client in more than one way: an `Authorization: Basic` header, a
    /// `client_secret` parameter, a `client_assertion`. A bare `client_id` in the body is not an
    /// authentication method and is not counted.
    ///
    /// ## Why it fails
    /// RFC 6749 §2.3 says a client must not use more than one authentication method per
    /// request, and strict servers (node-oidc-provider, Keycloak, Spring Authorization Server)
    /// reject such requests with `invalid_request` or `invalid_client`. It usually happens when a
    /// library adds Basic credentials by default and the application also posts its secret.
    ///
    /// ## Example
    /// `Authorization: Basic d2lk…` plus `client_id=widgets-web&client_secret=…` in the body →
    /// `400 {"error":"invalid_request","error_description":"client authentication must only be provided using one mechanism"}`.
    ///
    /// ## Fix
    /// Send exactly one method: the one registered as the client's
    /// `token_endpoint_auth_method`.
    ///
    /// ## References
    /// RFC 6749 §2.3; RFC 7521 §4.2
    pub struct Cred002 {
        code: "CRED002",
        name: "multiple-client-auth-methods",
        title: "more than one client authentication method in one request",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "send exactly one client authentication method: the one registered as the client's `token_endpoint_auth_method`",
        references: ["RFC 6749 §2.3", "RFC 7521 §4.2"],
    }
}

impl Rule for Cred002 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let methods = auth_methods(&e.request);
            if methods.len() < 2 {
                continue;
            }
            let names: Vec<String> = methods.iter().map(|(m, _)| format!("`{m}`")).collect();
            let (_, desc) = server_error(e);
            let mut rep = cx.report(
                e.index,
                format!(
                    "the {} request authenticates the client {} ways at once: {}{}",
                    e.kind.as_str(),
                    methods.len(),
                    names.join(" and "),
                    outcome(e)
                ),
            );
            if ["one mechanism", "multiple", "more than one", "only one"]
                .iter()
                .any(|w| desc.contains(w))
            {
                rep = rep.confirmed();
            }
            for (m, at) in &methods {
                rep = match *at {
                    "request.headers.authorization" => rep.secret(
                        e.index,
                        *at,
                        e.request.headers.get("authorization").unwrap_or(""),
                    ),
                    _ => rep.text(e.index, *at, format!("present ({m})")),
                };
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// CRED003
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a rejected token (or PAR, introspection, revocation) request that carries no client
    /// authentication at all: no `Authorization` header, no `client_secret` parameter, no
    /// `client_assertion`, and no mTLS endpoint — while the server answered `invalid_client`,
    /// 401, or an `invalid_request` about missing client authentication. Credentials sent only
    /// in the URL query are called out: servers ignore them there.
    ///
    /// ## Why it fails
    /// A confidential client must authenticate at the token endpoint (RFC 6749 §3.2.1). Sending
    /// only `client_id` (and a PKCE verifier) is how a *public* client talks; a client registered
    /// as confidential is rejected. Common causes: a secret environment variable not mounted, a
    /// library configured for a public client, an SPA using a web-app registration.
    ///
    /// In a sanitized browser export (Chrome drops `Authorization` headers) the absence of a
    /// Basic header proves nothing; the finding is then only a heuristic.
    ///
    /// ## Example
    /// `grant_type=authorization_code&code=…&client_id=conf-basic&code_verifier=…` (no secret) →
    /// `401 {"error":"invalid_client","error_description":"client authentication failed"}`.
    ///
    /// ## Fix
    /// Add the registered authentication (Basic, `client_secret_post`, a client assertion). If
    /// the client really is public, register it as public (auth method `none`) and use PKCE.
    ///
    /// ## References
    /// RFC 6749 §2.3, §3.2.1
    pub struct Cred003 {
        code: "CRED003",
        name: "confidential-client-without-credentials",
        title: "confidential client sent no credentials",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "add the registered client authentication (Basic header, `client_secret`, or a client assertion); if the client is public, register it with auth method `none` and use PKCE",
        references: ["RFC 6749 §2.3", "RFC 6749 §3.2.1"],
    }
}

impl Rule for Cred003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.kind.is_back_channel()) {
            let req = &e.request;
            let (code, desc) = server_error(e);
            let status = e.status().unwrap_or(0);
            let says_missing = mentions_client_auth(&desc)
                && [
                    "required",
                    "missing",
                    "no client",
                    "not provided",
                    "none provided",
                    "mechanism provided",
                ]
                .iter()
                .any(|w| desc.contains(w));
            let rejected = match code.as_deref() {
                Some("invalid_request") => says_missing,
                Some(c) => is_client_auth_code(c) || (status == 401 && c != "unauthorized_client"),
                None => status == 401,
            };
            if !e.failed() || !rejected {
                continue;
            }
            // Assertion grants (RFC 7523 §2.1, RFC 7522) authenticate with the assertion itself.
            if req.param("grant_type").is_some_and(|g| {
                g.ends_with(":grant-type:jwt-bearer") || g.ends_with(":grant-type:saml2-bearer")
            }) {
                continue;
            }
            if req.authorization().is_some()
                || body_param(req, "client_secret").is_some()
                || body_param(req, "client_assertion").is_some()
            {
                continue;
            }
            // Certificate-bound clients authenticate in the TLS handshake (CRED015).
            let md = metadata_for(cx.index, e);
            if advertises_tls_auth(md) && mtls_alias_missed(cx.index, e).is_some() {
                continue;
            }
            if md
                .and_then(|m| m.get("mtls_endpoint_aliases"))
                .and_then(Value::as_object)
                .is_some_and(|a| {
                    a.values()
                        .filter_map(Value::as_str)
                        .any(|u| same_url(u, &req.endpoint()))
                })
            {
                continue;
            }
            let in_query: Vec<&str> = ["client_secret", "client_assertion"]
                .into_iter()
                .filter(|p| req.query.non_empty(p).is_some())
                .collect();
            let stripped = headers_may_be_stripped(cx, e);
            let client = body_param(req, "client_id")
                .or_else(|| req.query.get("client_id").map(str::to_string));
            let mut msg = format!(
                "the {} request{} carries no client authentication (no `Authorization` header, no `client_secret`, no `client_assertion`)",
                e.kind.as_str(),
                client
                    .as_deref()
                    .map(|c| format!(" of client `{c}`"))
                    .unwrap_or_default()
            );
            if !in_query.is_empty() {
                msg.push_str(&format!(
                    " in the body; `{}` was sent in the URL query, where servers ignore it",
                    in_query.join("`, `")
                ));
            }
            if req.param("code_verifier").is_some() {
                msg.push_str(
                    ", as a public client would, but the server treats it as confidential",
                );
            }
            msg.push_str(&outcome(e));
            if stripped {
                msg.push_str(
                    " (this may be a sanitized export whose `Authorization` headers were removed)",
                );
            }
            let mut rep = cx.report(e.index, msg).strength(if stripped {
                Strength::Heuristic
            } else {
                Strength::Direct
            });
            if says_missing {
                rep = rep.confirmed();
            }
            rep = rep.text(e.index, "request.headers.authorization", "(absent)");
            if let Some(c) = client {
                rep = rep.text(e.index, "request.body.client_id", c);
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// CRED004
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Infers the client authentication method of a rejected request (`client_secret_basic`,
    /// `client_secret_post`, `private_key_jwt`, `client_secret_jwt`, or `none` when only a
    /// `client_id` is sent) and compares it with the endpoint's `*_auth_methods_supported` list
    /// in the capture's discovery document (RFC 8414 §2). When the list is absent the default
    /// `client_secret_basic` applies; the finding is then only a heuristic, since metadata is
    /// often incomplete.
    ///
    /// ## Why it fails
    /// Servers accept only the methods they implement, and each client is registered for one of
    /// them. Credentials sent by another method are ignored (the client then looks
    /// unauthenticated) or rejected with `invalid_client`.
    ///
    /// ## Example
    /// Metadata: `"token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"]`;
    /// the client posts `client_id` + `client_secret` in the body → `401 invalid_client`.
    ///
    /// ## Fix
    /// Use the method the client registration specifies (`token_endpoint_auth_method`) and that
    /// the server lists; align the client library's configuration with it.
    ///
    /// ## References
    /// RFC 8414 §2; OpenID Connect Core §9; OpenID Connect Discovery §3
    pub struct Cred004 {
        code: "CRED004",
        name: "auth-method-not-supported",
        title: "client authentication method not supported by the server",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "authenticate with the method the client is registered for and the server lists in `token_endpoint_auth_methods_supported`",
        references: ["RFC 8414 §2", "OpenID Connect Core §9", "OpenID Connect Discovery §3"],
    }
}

impl Rule for Cred004 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            if !client_auth_rejected(e) || e.kind == Kind::DeviceAuthorization {
                continue;
            }
            let md = metadata_for(cx.index, e);
            let Some(md_doc) = md else { continue };
            let (_, list_field) = endpoint_fields(e.kind);
            let (list, field, explicit) = match md_list(md, list_field) {
                Some(l) => (l, list_field, true),
                None => match md_list(md, "token_endpoint_auth_methods_supported") {
                    Some(l) => (l, "token_endpoint_auth_methods_supported", true),
                    None => (
                        vec!["client_secret_basic"],
                        "token_endpoint_auth_methods_supported",
                        false,
                    ),
                },
            };
            let methods = auth_methods(&e.request);
            let used: Vec<(&str, &str)> = if methods.is_empty() {
                if !explicit
                    || headers_may_be_stripped(cx, e)
                    || e.request.param("client_id").is_none()
                {
                    continue;
                }
                // At an mTLS alias the certificate is the credential.
                if md_doc
                    .get("mtls_endpoint_aliases")
                    .and_then(Value::as_object)
                    .is_some_and(|a| {
                        a.values()
                            .filter_map(Value::as_str)
                            .any(|u| same_url(u, &e.request.endpoint()))
                    })
                {
                    continue;
                }
                // The certificate may be the credential (tls_client_auth): CRED015's territory.
                if advertises_tls_auth(md) {
                    continue;
                }
                vec![("none", "request.body.client_id")]
            } else {
                methods
            };
            let missing: Vec<&(&str, &str)> =
                used.iter().filter(|(m, _)| !list.contains(m)).collect();
            if missing.is_empty() {
                continue;
            }
            let names: Vec<String> = missing.iter().map(|(m, _)| format!("`{m}`")).collect();
            let msg = if explicit {
                format!(
                    "the client authenticates with {} but the discovery document lists only {} in `{field}`{}",
                    names.join(" and "),
                    list.iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    outcome(e)
                )
            } else {
                format!(
                    "the client authenticates with {}; the discovery document has no `{field}`, so only the default `client_secret_basic` is known to work{}",
                    names.join(" and "),
                    outcome(e)
                )
            };
            let mut rep = cx
                .report(e.index, msg)
                .strength(if explicit {
                    Strength::Direct
                } else {
                    Strength::Heuristic
                })
                .text(e.index, missing[0].1, format!("method {}", missing[0].0))
                .text(e.index, field, format!("{list:?}"));
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// CRED005
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags any request whose URL query carries `client_secret` or `client_assertion`: token
    /// requests with credentials in the query string, authorization requests with the secret
    /// appended, API calls with `?client_id=…&client_secret=…`.
    ///
    /// ## Why it fails
    /// RFC 6749 §2.3.1 forbids client credentials in the request URI. URLs are written to proxy
    /// and server access logs, browser history and `Referer` headers: the secret must be treated
    /// as leaked even when the server accepted the request. Many servers also ignore query
    /// credentials and answer `invalid_client`.
    ///
    /// ## Example
    /// `POST https://idp.example.com/oauth2/token?client_id=…&client_secret=…` with
    /// `grant_type=client_credentials` in the body → `200`, and the secret is in the access log.
    ///
    /// ## Fix
    /// Send the credentials in the `Authorization: Basic` header or the POST body; rotate the
    /// secret, which is now in logs and history.
    ///
    /// ## References
    /// RFC 6749 §2.3.1; RFC 9700 §4.3
    pub struct Cred005 {
        code: "CRED005",
        name: "client-secret-in-url",
        title: "client secret in the URL query",
        category: Credentials,
        severity: Error,
        kind: Lint,
        fix: "send client credentials in the `Authorization` header or the POST body, and rotate the secret: it is now in logs and browser history",
        references: ["RFC 6749 §2.3.1", "RFC 9700 §4.3"],
    }
}

impl Rule for Cred005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        // One finding per leaked value, on the first request that carried it: a lint explains no
        // failure, so it is anchored where the leak started.
        let mut seen: Vec<String> = Vec::new();
        for e in ex {
            if e.kind == Kind::Callback {
                continue;
            }
            for name in ["client_secret", "client_assertion"] {
                let Some(v) = e.request.query.non_empty(name) else {
                    continue;
                };
                if seen.iter().any(|s| s == v) {
                    continue;
                }
                seen.push(v.to_string());
                let count = ex
                    .iter()
                    .filter(|x| x.request.query.get(name) == Some(v))
                    .count();
                cx.report(
                    e.index,
                    format!(
                        "`{}` carries `{name}` in its URL query ({}){}; it is now in access logs and history",
                        e.request.endpoint(),
                        describe_secret(v),
                        if count > 1 {
                            format!(", and {} more request(s) repeat it", count - 1)
                        } else {
                            String::new()
                        }
                    ),
                )
                .secret(e.index, format!("request.query.{name}"), v)
                .emit();
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// CRED006
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Decodes the `Authorization: Basic` username (form-decoded, RFC 6749 §2.3.1) and compares
    /// it with the `client_id` in the request body. Identities that are equal after decoding
    /// (`reporting%40acme` and `reporting@acme`) are not reported.
    ///
    /// ## Why it fails
    /// A request may repeat its client_id in the body, but it must be the client that
    /// authenticates. Two different identities — a leftover staging client_id in a copied
    /// config, a client_id from another tenant — make the server reject the request, usually
    /// with `invalid_client`.
    ///
    /// ## Example
    /// Basic username `orders-sync-prod`, body `client_id=orders-sync-staging` →
    /// `401 {"error":"invalid_client"}`.
    ///
    /// ## Fix
    /// Use one client identity consistently; drop the redundant body client_id or correct it.
    ///
    /// ## References
    /// RFC 6749 §2.3.1, §3.2.1
    pub struct Cred006 {
        code: "CRED006",
        name: "client-id-mismatch-basic-body",
        title: "client_id differs between the basic header and the body",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "use one client identity: drop the body `client_id` or make it equal to the Basic username",
        references: ["RFC 6749 §2.3.1", "RFC 6749 §3.2.1"],
    }
}

impl Rule for Cred006 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let Some(b) = basic::basic_credentials(&e.request) else {
                continue;
            };
            let Some(basic_id) = b.decoded_id() else {
                continue;
            };
            let Some(body_id) = body_param(&e.request, "client_id").filter(|c| !c.is_empty())
            else {
                continue;
            };
            if basic_id == body_id {
                continue;
            }
            // An unencoded `:` inside the client_id is CRED001's finding.
            if b.decoded
                .as_deref()
                .is_some_and(|d| d.starts_with(&format!("{body_id}:")))
            {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "the Basic credentials authenticate client `{basic_id}` but the body says `client_id={body_id}`{}",
                    outcome(e)
                ),
            )
            .text(e.index, "request.headers.authorization.username", basic_id)
            .text(e.index, "request.body.client_id", body_id)
            .emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// CRED007
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks the syntax of `Authorization: Basic` at client-authenticating endpoints: the
    /// credentials must be one standard-base64 token (with padding) that decodes to
    /// `id:secret`. It reports clear-text `id:secret`, values that are not base64, the base64url
    /// alphabet or missing padding, a value base64-encoded twice, no `:` after decoding, the
    /// scheme repeated (`Basic Basic …`) or followed by a colon, embedded line breaks, an empty
    /// value, and more than one `Authorization` header. The scheme name is case-insensitive:
    /// `basic` is fine.
    ///
    /// ## Why it fails
    /// The server cannot recover the client_id and secret, so it answers `invalid_client`, an
    /// `invalid_request` about the header format, or sometimes 500.
    ///
    /// ## Example
    /// `Authorization: Basic billing-app:s3cret-value` →
    /// `400 {"error":"invalid_request","error_description":"invalid authorization header value format"}`.
    ///
    /// ## Fix
    /// Build `Basic base64(enc(id) ":" enc(secret))` with the standard base64 alphabet and
    /// padding, in a single header line.
    ///
    /// ## References
    /// RFC 7617 §2; RFC 9110 §11.6.2; RFC 4648 §4; RFC 6749 §2.3.1
    pub struct Cred007 {
        code: "CRED007",
        name: "malformed-basic-header",
        title: "malformed basic authorization header",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "send `Authorization: Basic base64(enc(client_id) \":\" enc(secret))` with standard base64 and padding, on one header line",
        references: ["RFC 7617 §2", "RFC 9110 §11.6.2", "RFC 4648 §4", "RFC 6749 §2.3.1"],
    }
}

/// What is wrong with Basic credentials, if anything; `Recomputed` when proved by decoding.
fn basic_defect(header: &str, b: Option<&BasicCredentials>) -> Option<(String, Strength)> {
    if header.contains('\r') || header.contains('\n') {
        return Some((
            "the header value contains a line break".into(),
            Strength::Direct,
        ));
    }
    let v = header.trim();
    let (scheme, rest) = match v.split_once(char::is_whitespace) {
        Some((s, r)) => (s, r.trim()),
        None => (v, ""),
    };
    if scheme.eq_ignore_ascii_case("basic:") {
        return Some((
            "the scheme is written `Basic:` with a colon".into(),
            Strength::Direct,
        ));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    if rest.is_empty() {
        return Some((
            "the header has the `Basic` scheme but no credentials".into(),
            Strength::Direct,
        ));
    }
    if let Some((s2, _)) = rest.split_once(char::is_whitespace) {
        if s2.eq_ignore_ascii_case("basic") {
            return Some((
                "the scheme is repeated: `Basic Basic …`".into(),
                Strength::Direct,
            ));
        }
        return Some((
            "the credentials contain whitespace; they must be one base64 token".into(),
            Strength::Direct,
        ));
    }
    let b = b?;
    match b.decoded.as_deref() {
        None if rest.contains(':') => Some((
            "the credentials are sent in clear text as `id:secret` instead of base64".into(),
            Strength::Direct,
        )),
        None => Some((
            "the credentials are not valid base64".into(),
            Strength::Direct,
        )),
        Some(d) if !d.contains(':') => {
            let twice = basic::basic_credentials(&Request::new(
                "POST",
                "https://x.invalid/",
                crate::model::Headers::new(vec![(
                    "Authorization".into(),
                    format!("Basic {}", d.trim()),
                )]),
                None,
            ))
            .and_then(|b2| b2.decoded)
            .is_some_and(|d2| d2.contains(':'));
            if twice {
                Some((
                    "the credentials are base64-encoded twice: decoding once gives another base64 string, decoding again gives `id:secret`".into(),
                    Strength::Recomputed,
                ))
            } else {
                Some((
                    "the decoded credentials contain no `:` between client_id and secret".into(),
                    Strength::Direct,
                ))
            }
        }
        Some(_) if !b.strict_base64 => {
            if rest.contains('-') || rest.contains('_') {
                Some((
                    "the credentials use the base64url alphabet (`-`, `_`) instead of standard base64 (`+`, `/`)".into(),
                    Strength::Direct,
                ))
            } else {
                Some((
                    "the base64 padding (`=`) is missing or wrong".into(),
                    Strength::Direct,
                ))
            }
        }
        Some(_) => None,
    }
}

impl Rule for Cred007 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let headers: Vec<&str> = e.request.headers.get_all("authorization").collect();
            let Some(first) = headers.first() else {
                continue;
            };
            let defect = if headers.len() > 1 {
                Some((
                    format!(
                        "the request carries {} `Authorization` headers",
                        headers.len()
                    ),
                    Strength::Direct,
                ))
            } else {
                basic_defect(first, basic::basic_credentials(&e.request).as_ref())
            };
            let Some((what, strength)) = defect else {
                continue;
            };
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "malformed `Authorization: Basic` header: {what}{}",
                        outcome(e)
                    ),
                )
                .strength(strength)
                .secret(e.index, "request.headers.authorization", *first);
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// CRED008
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Looks for copy-and-paste artifacts in client credentials — the Basic username and
    /// password (after decoding), the body or query `client_id` and `client_secret`, and the
    /// `client_assertion`: leading or trailing spaces, tabs, `\r` or `\n`, a byte-order mark,
    /// a non-breaking space, or surrounding quotes. Legitimate characters such as base64 `=`
    /// padding at the end of a secret are not artifacts.
    ///
    /// ## Why it fails
    /// Servers compare client credentials exactly. A secret read from a file keeps its trailing
    /// newline, a `.env` value keeps its quotes, a secret store returns a value with a space:
    /// the server sees a different secret and answers `invalid_client`.
    ///
    /// ## Example
    /// `client_secret=Qm9…x%0A` (the secret file's trailing newline) →
    /// `401 {"error":"invalid_client"}`.
    ///
    /// ## Fix
    /// Trim values loaded from environment variables, files and secret stores; remove quotes
    /// copied with the value.
    ///
    /// ## References
    /// RFC 6749 §2.3.1, §2.2
    pub struct Cred008 {
        code: "CRED008",
        name: "credential-whitespace-or-quotes",
        title: "client credential has whitespace or quoting artifacts",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "trim the client_id and secret loaded from environment variables, files or secret stores, and remove copied quotes",
        references: ["RFC 6749 §2.3.1", "RFC 6749 §2.2"],
    }
}

fn body_at(name: &str) -> &'static str {
    match name {
        "client_id" => "request.body.client_id",
        "client_secret" => "request.body.client_secret",
        _ => "request.body.client_assertion",
    }
}

fn query_at(name: &str) -> &'static str {
    match name {
        "client_id" => "request.query.client_id",
        "client_secret" => "request.query.client_secret",
        _ => "request.query.client_assertion",
    }
}

/// Describe a whitespace or quoting artifact of a credential value.
fn artifact(v: &str) -> Option<String> {
    let ws = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{a0}' | '\u{feff}');
    let name = |c: char| match c {
        ' ' => "a space",
        '\t' => "a tab",
        '\r' => "a carriage return (`\\r`)",
        '\n' => "a newline (`\\n`)",
        '\u{a0}' => "a non-breaking space",
        _ => "a byte-order mark",
    };
    let mut found = Vec::new();
    if let Some(c) = v.chars().next().filter(|c| ws(*c)) {
        found.push(format!("a leading {}", name(c).trim_start_matches("a ")));
    }
    if let Some(c) = v.chars().last().filter(|c| ws(*c)) {
        if v.chars().count() > 1 || found.is_empty() {
            found.push(format!("a trailing {}", name(c).trim_start_matches("a ")));
        }
    }
    let inner = v.trim_matches(ws);
    if inner.contains('\n') || inner.contains('\r') {
        found.push("an embedded line break".into());
    }
    for q in ['"', '\''] {
        if inner.len() >= 2 && inner.starts_with(q) && inner.ends_with(q) {
            found.push(format!(
                "surrounding {} quotes",
                if q == '"' { "double" } else { "single" }
            ));
        }
    }
    (!found.is_empty()).then(|| found.join(" and "))
}

impl Rule for Cred008 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let req = &e.request;
            let mut values: Vec<(&'static str, &'static str, String, bool)> = Vec::new();
            if let Some((id, secret)) = basic::basic_credentials(req)
                .and_then(|b| b.raw_parts().map(|(a, s)| (a.to_string(), s.to_string())))
            {
                values.push((
                    "client_id",
                    "request.headers.authorization.username",
                    pct_decode(&id),
                    false,
                ));
                values.push((
                    "secret",
                    "request.headers.authorization.password",
                    pct_decode(&secret),
                    true,
                ));
            }
            for (name, secret) in [
                ("client_id", false),
                ("client_secret", true),
                ("client_assertion", true),
            ] {
                if let Some(v) = body_param(req, name) {
                    values.push((name, body_at(name), v, secret));
                } else if let Some(v) = req.query.get(name) {
                    values.push((name, query_at(name), v.to_string(), secret));
                }
            }
            for (what, at, v, secret) in values {
                if v.is_empty() {
                    continue;
                }
                let Some(found) = artifact(&v) else { continue };
                let shown = if secret {
                    format!("the {what} ({})", describe_secret(&v))
                } else {
                    format!("the {what} `{}`", v.escape_debug())
                };
                let mut rep = cx.report(e.index, format!("{shown} has {found}{}", outcome(e)));
                rep = if secret {
                    rep.secret(e.index, at, v)
                } else {
                    rep.text(e.index, at, v.escape_debug().to_string())
                };
                rep = with_server_signal(rep, e);
                rep.emit();
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// CRED009
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a `client_secret` parameter sent with an empty value, and Basic credentials whose
    /// password is empty (`base64("client_id:")`).
    ///
    /// ## Why it fails
    /// An empty secret is not the same as no secret. Public clients must omit client
    /// authentication entirely (RFC 6749 §2.1) and rely on PKCE; many servers treat an empty
    /// `client_secret` as a `client_secret_post` attempt with a wrong secret, or an empty Basic
    /// password as a failed `client_secret_basic`, and answer `invalid_client`.
    ///
    /// ## Example
    /// A single-page app's config template always sends `client_secret=` →
    /// `401 {"error":"invalid_client"}`.
    ///
    /// ## Fix
    /// Omit `client_secret` and the Basic header for public clients; authenticate the
    /// transaction with PKCE only. A confidential client must send its real secret.
    ///
    /// ## References
    /// RFC 6749 §2.1, §2.3.1; RFC 7636 §1
    pub struct Cred009 {
        code: "CRED009",
        name: "empty-client-secret",
        title: "empty client secret sent",
        category: Credentials,
        severity: Warning,
        kind: Diag,
        fix: "omit `client_secret` (and the Basic header) entirely for public clients and use PKCE; a confidential client must send its real secret",
        references: ["RFC 6749 §2.1", "RFC 6749 §2.3.1", "RFC 7636 §1"],
    }
}

impl Rule for Cred009 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let req = &e.request;
            let empty_body = body_param(req, "client_secret").is_some_and(|s| s.trim().is_empty())
                || (body_param(req, "client_secret").is_none()
                    && req
                        .query
                        .get("client_secret")
                        .is_some_and(|s| s.trim().is_empty()));
            if empty_body {
                let mut rep = cx
                    .report(
                        e.index,
                        format!(
                            "the {} request sends `client_secret` with an empty value; a public client must omit it{}",
                            e.kind.as_str(),
                            outcome(e)
                        ),
                    )
                    .text(e.index, "request.body.client_secret", "(empty)");
                rep = with_server_signal(rep, e);
                rep.emit();
                continue;
            }
            let Some(b) = basic::basic_credentials(req) else {
                continue;
            };
            if let Some((id, secret)) = b.raw_parts() {
                if secret.is_empty() {
                    let mut rep = cx
                        .report(
                            e.index,
                            format!(
                                "the Basic credentials of client `{}` have an empty password; a public client must send no Basic header{}",
                                basic::form_decode(id),
                                outcome(e)
                            ),
                        )
                        .secret(
                            e.index,
                            "request.headers.authorization",
                            req.headers.get("authorization").unwrap_or(""),
                        );
                    rep = with_server_signal(rep, e);
                    rep.emit();
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// CRED010
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks that a request carrying `client_assertion` also carries
    /// `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`, exactly,
    /// and that `client_assertion_type` is not sent without an assertion. The RFC 7523 §2.1
    /// *authorization grant* (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with an
    /// `assertion` parameter) is a different mechanism and is not reported.
    ///
    /// ## Why it fails
    /// The server dispatches on `client_assertion_type`; when it is absent, misspelled, or set to
    /// the *grant-type* URN (`…:grant-type:jwt-bearer`, an easy mix-up), the assertion is not
    /// recognised and the request fails with `invalid_request` or `invalid_client`.
    ///
    /// ## Example
    /// `client_assertion_type=urn:ietf:params:oauth:grant-type:jwt-bearer&client_assertion=eyJ…`
    /// → `400 {"error":"invalid_request","error_description":"unsupported client_assertion_type"}`.
    ///
    /// ## Fix
    /// Send `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` with
    /// every `client_assertion`.
    ///
    /// ## References
    /// RFC 7521 §4.2; RFC 7523 §2.2
    pub struct Cred010 {
        code: "CRED010",
        name: "client-assertion-type-wrong",
        title: "client_assertion_type missing or wrong",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "send `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` with the `client_assertion`",
        references: ["RFC 7521 §4.2", "RFC 7523 §2.2"],
    }
}

impl Rule for Cred010 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let req = &e.request;
            let cat = body_param(req, "client_assertion_type")
                .or_else(|| req.query.get("client_assertion_type").map(str::to_string));
            let assertion = client_assertion(req);
            let msg = match (&assertion, cat.as_deref()) {
                (Some(_), Some(JWT_BEARER_CAT)) | (None, None) => continue,
                (Some(_), None) => {
                    "the request sends `client_assertion` without `client_assertion_type`"
                        .to_string()
                }
                (Some(_), Some("")) => {
                    "the request sends `client_assertion` with an empty `client_assertion_type`"
                        .to_string()
                }
                (Some(_), Some(t)) if t == "urn:ietf:params:oauth:grant-type:jwt-bearer" => {
                    format!(
                        "`client_assertion_type` is the grant-type URN `{t}` instead of `{JWT_BEARER_CAT}`"
                    )
                }
                (Some(_), Some(t)) => {
                    format!("`client_assertion_type` is `{t}` instead of `{JWT_BEARER_CAT}`")
                }
                (None, Some(t)) => {
                    if body_param(req, "assertion").is_some() {
                        format!(
                            "`client_assertion_type` `{t}` is sent with an `assertion` parameter; client authentication needs `client_assertion`"
                        )
                    } else {
                        format!(
                            "`client_assertion_type` `{t}` is sent without a `client_assertion`"
                        )
                    }
                }
            };
            let mut rep = cx.report(e.index, format!("{msg}{}", outcome(e))).text(
                e.index,
                "request.body.client_assertion_type",
                cat.unwrap_or_else(|| "(absent)".into()),
            );
            if let Some((a, at)) = assertion {
                rep = rep.secret(e.index, at, a);
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// CRED011
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Decodes the `client_assertion` JWT and checks its `iss` and `sub` claims: both must be
    /// present, equal, and equal to the client_id of the request (the body `client_id` or the
    /// Basic username, when sent).
    ///
    /// ## Why it fails
    /// For client authentication the assertion's issuer and subject are the client itself
    /// (RFC 7523 §3, OpenID Connect Core §9). A service-account name, an application URL or
    /// another client's id in either claim makes the server reject the client with
    /// `invalid_client`.
    ///
    /// ## Example
    /// `{"iss":"reporting-batch","sub":"svc-reporting","aud":"https://idp.example.com",…}` →
    /// `401 {"error":"invalid_client"}`.
    ///
    /// ## Fix
    /// Set both `iss` and `sub` to the client_id.
    ///
    /// ## References
    /// RFC 7523 §3; OpenID Connect Core §9
    pub struct Cred011 {
        code: "CRED011",
        name: "client-assertion-iss-sub",
        title: "client assertion iss or sub is not the client_id",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "set both `iss` and `sub` of the client assertion to the client_id",
        references: ["RFC 7523 §3", "OpenID Connect Core §9"],
    }
}

impl Rule for Cred011 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let Some((a, at)) = client_assertion(&e.request) else {
                continue;
            };
            let Ok(d) = jwt::decode(&a) else { continue };
            let iss = d.claim_str("iss");
            let sub = d.claim_str("sub");
            let client = body_param(&e.request, "client_id")
                .filter(|c| !c.is_empty())
                .or_else(|| basic::basic_credentials(&e.request).and_then(|b| b.decoded_id()));
            let show = |v: Option<&str>| {
                v.map(|s| format!("`{s}`"))
                    .unwrap_or_else(|| "absent".into())
            };
            let problem = match (iss, sub, client.as_deref()) {
                (None, _, _) | (_, None, _) => Some(format!(
                    "the client assertion lacks {}: `iss` is {}, `sub` is {}",
                    if iss.is_none() && sub.is_none() {
                        "`iss` and `sub`"
                    } else if iss.is_none() {
                        "`iss`"
                    } else {
                        "`sub`"
                    },
                    show(iss),
                    show(sub)
                )),
                (Some(i), Some(s), Some(c)) if i != c || s != c => Some(format!(
                    "the client assertion has `iss` {} and `sub` {}, but the client_id is `{c}`; both must equal it",
                    show(Some(i)),
                    show(Some(s))
                )),
                (Some(i), Some(s), None) if i != s => Some(format!(
                    "the client assertion has `iss` `{i}` and `sub` `{s}`; both must be the client_id"
                )),
                _ => None,
            };
            let Some(msg) = problem else { continue };
            let mut rep = cx
                .report(e.index, format!("{msg}{}", outcome(e)))
                .secret(e.index, at, a.clone())
                .text(
                    e.index,
                    "client_assertion.claims.iss",
                    iss.unwrap_or("(absent)"),
                )
                .text(
                    e.index,
                    "client_assertion.claims.sub",
                    sub.unwrap_or("(absent)"),
                );
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// CRED012
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Decodes the `client_assertion` JWT and checks that its `aud` (a string or an array)
    /// contains a value that identifies the authorization server: the `issuer` of the capture's
    /// discovery document, the exact URL the request was sent to, or the metadata's
    /// `token_endpoint` (or its mTLS alias). Comparison is exact; the message names the
    /// difference: a trailing slash, `http` vs `https`, another endpoint's URL (PAR,
    /// introspection), another path (tenant, realm) or another host. Without a discovery
    /// document only the request URL and its prefixes can be trusted, so the finding is then a
    /// heuristic.
    ///
    /// ## Why it fails
    /// RFC 7523 §3 requires the audience to identify the authorization server; servers compare
    /// it as a string. Reusing the assertion built for the PAR endpoint at the token endpoint, or
    /// adding a trailing slash to the issuer, makes the server reject it with `invalid_client`.
    ///
    /// (Catalogue note: which value a server accepts varies — OpenID Connect Core §9 says the
    /// token endpoint URL, draft-ietf-oauth-rfc7523bis says the issuer; this rule accepts both.)
    ///
    /// ## Example
    /// `aud: "https://login.example.org/realms/acme/protocol/openid-connect/ext/par/request"` at
    /// `…/protocol/openid-connect/token` → `401 {"error":"invalid_client","error_description":"Invalid token audience"}`.
    ///
    /// ## Fix
    /// Use the value the server documents: preferably its issuer identifier as a single string,
    /// else the exact `token_endpoint` from its metadata.
    ///
    /// ## References
    /// RFC 7523 §3; OpenID Connect Core §9; RFC 9126 §2; draft-ietf-oauth-rfc7523bis
    pub struct Cred012 {
        code: "CRED012",
        name: "client-assertion-audience",
        title: "client assertion aud does not identify the authorization server",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "set the assertion's `aud` to the server's issuer identifier (a single string) or the exact `token_endpoint` from its metadata",
        references: ["RFC 7523 §3", "OpenID Connect Core §9", "RFC 9126 §2"],
    }
}

/// How an audience value differs from the closest accepted one.
fn audience_difference(
    aud: &str,
    accepted: &[(String, &'static str)],
    md: Option<&Value>,
) -> String {
    if let Some(m) = md.and_then(Value::as_object) {
        for (k, v) in m {
            if k.ends_with("_endpoint") && k != "token_endpoint" {
                if let Some(u) = v.as_str() {
                    if u == aud {
                        return format!(
                            "it is the `{k}` URL, not the issuer or the token endpoint"
                        );
                    }
                }
            }
        }
    }
    let parse = |s: &str| url::Url::parse(s).ok();
    for (a, what) in accepted {
        if a.trim_end_matches('/') == aud.trim_end_matches('/') {
            return format!("it differs from the {what} `{a}` only by a trailing slash");
        }
        if let (Some(x), Some(y)) = (parse(aud), parse(a)) {
            if x.scheme() != y.scheme() && x.host_str() == y.host_str() && x.path() == y.path() {
                return format!(
                    "it uses `{}` where the {what} `{a}` uses `{}`",
                    x.scheme(),
                    y.scheme()
                );
            }
        }
        if a.eq_ignore_ascii_case(aud) {
            return format!("it differs from the {what} `{a}` in letter case");
        }
    }
    let first = accepted.first();
    match (parse(aud), first.and_then(|(a, _)| parse(a))) {
        (Some(x), Some(y)) if x.host_str() == y.host_str() => format!(
            "it has another path than the {} `{}` (tenant, realm or endpoint)",
            first.map(|f| f.1).unwrap_or("issuer"),
            first.map(|f| f.0.as_str()).unwrap_or("")
        ),
        (Some(_), Some(_)) => format!(
            "it names another host than the {} `{}`",
            first.map(|f| f.1).unwrap_or("issuer"),
            first.map(|f| f.0.as_str()).unwrap_or("")
        ),
        _ => "it is not a URL of this server".to_string(),
    }
}

impl Rule for Cred012 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let Some((a, at)) = client_assertion(&e.request) else {
                continue;
            };
            let Ok(d) = jwt::decode(&a) else { continue };
            let auds: Vec<String> = d.audiences().into_iter().map(str::to_string).collect();
            let md = metadata_for(cx.index, e);
            let endpoint = e.request.endpoint();
            let mut accepted: Vec<(String, &'static str)> = Vec::new();
            if let Some(i) = md_str(md, "issuer") {
                accepted.push((i.to_string(), "issuer"));
            }
            if let Some(t) = md_str(md, "token_endpoint") {
                accepted.push((t.to_string(), "token endpoint"));
            }
            if let Some(t) = md
                .and_then(|m| m.get("mtls_endpoint_aliases"))
                .and_then(|m| m.get("token_endpoint"))
                .and_then(Value::as_str)
            {
                accepted.push((t.to_string(), "mTLS token endpoint"));
            }
            accepted.push((endpoint.clone(), "request URL"));
            if auds.iter().any(|x| accepted.iter().any(|(a, _)| a == x)) {
                continue;
            }
            // Without metadata an issuer is unknown: accept a prefix of the request URL.
            if md.is_none()
                && auds.iter().any(|x| {
                    let p = x.trim_end_matches('/');
                    !p.is_empty() && endpoint.starts_with(p)
                })
            {
                continue;
            }
            let msg = if auds.is_empty() {
                "the client assertion has no `aud` claim".to_string()
            } else {
                let diffs: Vec<String> = auds
                    .iter()
                    .map(|x| format!("`{x}`: {}", audience_difference(x, &accepted, md)))
                    .collect();
                format!(
                    "the client assertion's `aud` does not identify this server — {}",
                    diffs.join("; ")
                )
            };
            let mut rep = cx
                .report(e.index, format!("{msg}{}", outcome(e)))
                .strength(if md.is_some() {
                    Strength::Recomputed
                } else {
                    Strength::Heuristic
                })
                .secret(e.index, at, a.clone())
                .text(
                    e.index,
                    "client_assertion.claims.aud",
                    d.claims
                        .get("aud")
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "(absent)".into()),
                );
            if let Some(i) = md_str(md, "issuer") {
                rep = rep.text(e.index, "metadata.issuer", i);
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

// ------------------------------------------------------------------------------------------
// CRED013
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks the lifetime claims of a `client_assertion` against the server's own clock (the
    /// response `Date`, else the capture time; `--leeway` applies): `exp` missing or in the
    /// past, `nbf` or `iat` in the future, and the same assertion or the same `jti` sent in an
    /// earlier request of the capture (a replay). On a rejected request it also reports a
    /// lifetime (`exp − iat`) above 300 seconds and a missing `jti`, limits many servers apply.
    ///
    /// Category: an expired, replayed or over-long assertion is a `credentials` problem; an
    /// assertion minted in the future (`nbf`/`iat` ahead of the server's `Date`), or minted at
    /// the request's own time by a client whose clock differs from the server's `Date` by more
    /// than the leeway (so it is expired by server time), is reported as `clock_skew`, the root
    /// cause to fix.
    ///
    /// ## Why it fails
    /// A client assertion is single-use and short-lived (RFC 7523 §3): caching one and sending it
    /// again after it expired, or retrying with the same `jti`, makes the server reject the
    /// client with `invalid_client`.
    ///
    /// ## Example
    /// `iat` 70 minutes before the server's `Date`, `exp = iat + 300` →
    /// `401 {"error":"invalid_client","error_description":"client_assertion has expired"}`.
    ///
    /// ## Fix
    /// Mint a fresh assertion with a new random `jti` for every request, with a short lifetime
    /// (60–300 s); keep the client's clock synchronised.
    ///
    /// ## References
    /// RFC 7523 §3; RFC 7519 §4.1.4, §4.1.5, §4.1.6, §4.1.7
    pub struct Cred013 {
        code: "CRED013",
        name: "client-assertion-stale-or-replayed",
        title: "client assertion expired, not yet valid or replayed",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "mint a fresh client assertion with a new random `jti` for every request, valid for 60–300 s, and keep the clock synchronised",
        references: ["RFC 7523 §3", "RFC 7519 §4.1.4", "RFC 7519 §4.1.7"],
    }
}

impl Rule for Cred013 {
    fn check(&self, cx: &mut Context<'_>) {
        let leeway = cx.options.leeway;
        let mut seen_assertion: HashMap<String, usize> = HashMap::new();
        let mut seen_jti: HashMap<(String, String), usize> = HashMap::new();
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let Some((a, at)) = client_assertion(&e.request) else {
                continue;
            };
            let Ok(d) = jwt::decode(&a) else { continue };
            let now = cx.judged_at_secs(e);
            let exp = d.claim_time("exp");
            let nbf = d.claim_time("nbf");
            let iat = d.claim_time("iat");
            let jti = d.claim_str("jti").map(str::to_string);
            let earlier_same = seen_assertion.get(&a).copied();
            let earlier_jti = jti.as_ref().and_then(|j| {
                seen_jti
                    .get(&(d.claim_str("iss").unwrap_or("").to_string(), j.clone()))
                    .copied()
            });
            seen_assertion.entry(a.clone()).or_insert(e.index);
            if let Some(j) = &jti {
                seen_jti
                    .entry((d.claim_str("iss").unwrap_or("").to_string(), j.clone()))
                    .or_insert(e.index);
            }
            let failed = client_auth_rejected(e);
            let (msg, strength, category, reference) = if let Some(p) = earlier_same {
                (
                    format!(
                        "the identical client assertion was already sent in exchange #{}; assertions are single-use",
                        p + 1
                    ),
                    Strength::Recomputed,
                    Category::Credentials,
                    p,
                )
            } else if let Some(p) = earlier_jti {
                (
                    format!(
                        "the client assertion reuses `jti` `{}` already sent in exchange #{}",
                        jti.as_deref().unwrap_or(""),
                        p + 1
                    ),
                    Strength::Recomputed,
                    Category::Credentials,
                    p,
                )
            } else if let Some((x, n)) = exp.zip(now).filter(|(x, n)| *x < *n - leeway) {
                // Minted "now" by a client whose clock disagrees with the server's `Date`: the
                // root cause is the clock, not a cached assertion.
                let client_clock = e.started_at.map(|t| t.as_second());
                let server_clock = e
                    .response
                    .as_ref()
                    .and_then(|r| r.date())
                    .map(|t| t.as_second());
                let skewed = match (client_clock, server_clock, iat) {
                    (Some(c), Some(s), Some(i)) if cx.options.now.is_none() => {
                        ((s - c).abs() > leeway && (i - c).abs() <= leeway).then_some(s - c)
                    }
                    _ => None,
                };
                match skewed {
                    Some(skew) => (
                        format!(
                            "the client assertion was minted with the client's clock (`iat` {} equals the request time), which is {} {} the server's `Date`; by the server's clock it expired {} ago",
                            iat.unwrap_or(0),
                            human(skew),
                            if skew > 0 { "behind" } else { "ahead of" },
                            human(n - x)
                        ),
                        Strength::Recomputed,
                        Category::ClockSkew,
                        e.index,
                    ),
                    None => (
                        format!(
                            "the client assertion expired {} before the server's clock (`exp` {x}, server time {n}, leeway {leeway} s)",
                            human(n - x)
                        ),
                        Strength::Recomputed,
                        Category::Credentials,
                        e.index,
                    ),
                }
            } else if let Some((claim, v, n)) = now.and_then(|n| {
                nbf.filter(|v| *v > n + leeway)
                    .map(|v| ("nbf", v, n))
                    .or_else(|| iat.filter(|v| *v > n + leeway).map(|v| ("iat", v, n)))
            }) {
                (
                    format!(
                        "the client assertion's `{claim}` is {} ahead of the server's clock (`{claim}` {v}, server time {n}): the client's clock is fast",
                        human(v - n)
                    ),
                    Strength::Recomputed,
                    Category::ClockSkew,
                    e.index,
                )
            } else if exp.is_none() {
                (
                    "the client assertion has no `exp` claim".to_string(),
                    Strength::Direct,
                    Category::Credentials,
                    e.index,
                )
            } else if let (true, Some(x), Some(i)) = (failed, exp, iat) {
                if x - i > 300 {
                    (
                        format!(
                            "the client assertion is valid for {} (`exp − iat`); many servers reject lifetimes above 5 minutes",
                            human(x - i)
                        ),
                        Strength::Heuristic,
                        Category::Credentials,
                        e.index,
                    )
                } else if jti.is_none() {
                    (
                        "the client assertion has no `jti`, which servers need for replay protection".to_string(),
                        Strength::Heuristic,
                        Category::Credentials,
                        e.index,
                    )
                } else {
                    continue;
                }
            } else if failed && jti.is_none() {
                (
                    "the client assertion has no `jti`, which servers need for replay protection"
                        .to_string(),
                    Strength::Heuristic,
                    Category::Credentials,
                    e.index,
                )
            } else {
                continue;
            };
            let mut rep = cx
                .report(e.index, format!("{msg}{}", outcome(e)))
                .strength(strength)
                .category(category)
                .secret(e.index, at, a.clone());
            for (name, v) in [("exp", exp), ("nbf", nbf), ("iat", iat)] {
                if let Some(v) = v {
                    rep = rep.text(
                        e.index,
                        format!("client_assertion.claims.{name}"),
                        v.to_string(),
                    );
                }
            }
            if reference != e.index {
                rep = rep.secret(reference, at, a.clone());
            }
            if let Some(d) = date_header(e) {
                rep = rep.text(e.index, "response.headers.date", d);
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}

/// A duration in seconds for messages: `45 s`, `12 min`, `3 h 5 min`, `2 days`.
pub(super) fn human(secs: i64) -> String {
    let s = secs.abs();
    if s < 120 {
        format!("{s} s")
    } else if s < 7200 {
        format!("{} min", s / 60)
    } else if s < 172_800 {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    } else {
        format!("{} days", s / 86_400)
    }
}

// ------------------------------------------------------------------------------------------
// CRED014
// ------------------------------------------------------------------------------------------

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
            let md = metadata_for(cx.index, e);
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

// ------------------------------------------------------------------------------------------
// CRED015
// ------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Two situations where a TLS client certificate (RFC 8705) is missing:
    ///
    /// - At the authorization server: a rejected request that carries no other credentials
    ///   (client_id only) went to the plain endpoint although the discovery document publishes
    ///   an `mtls_endpoint_aliases` entry for it — the host that asks for a client certificate.
    /// - At a resource server: a `401 invalid_token` for an access token bound to a certificate
    ///   (`cnf.x5t#S256`), while the capture cannot show which certificate, if any, was
    ///   presented.
    ///
    /// ## Why it fails
    /// With `tls_client_auth` / `self_signed_tls_client_auth` the certificate *is* the
    /// credential, and servers request it only on the mTLS hosts. A call to the plain endpoint,
    /// or a TLS-terminating proxy that does not forward the certificate, leaves the client
    /// unauthenticated (`invalid_client`) or the bound token unusable (`invalid_token`). HAR files
    /// do not record client certificates: the capture shows the endpoint choice, not the
    /// handshake.
    ///
    /// ## Example
    /// Metadata: `"mtls_endpoint_aliases": {"token_endpoint": "https://mtls.idp.example.com/oauth2/token"}`;
    /// the client posts `client_id=…` to `https://idp.example.com/oauth2/token` →
    /// `401 {"error":"invalid_client","error_description":"client certificate required"}`.
    ///
    /// ## Fix
    /// Call the mTLS alias endpoint and present the registered certificate; make sure
    /// TLS-terminating proxies forward it (for example with the `Client-Cert` header, RFC 9440).
    ///
    /// ## References
    /// RFC 8705 §2, §3, §3.1, §5; RFC 9440
    pub struct Cred015 {
        code: "CRED015",
        name: "mtls-certificate-missing",
        title: "mtls client certificate missing",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "call the `mtls_endpoint_aliases` endpoint with the registered client certificate, and make TLS-terminating proxies forward it",
        references: ["RFC 8705 §2", "RFC 8705 §3", "RFC 8705 §5", "RFC 9440"],
    }
}

impl Rule for Cred015 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if e.kind.is_back_channel() {
                if !client_auth_rejected(e) {
                    continue;
                }
                let Some((url, alias)) = mtls_alias_missed(cx.index, e) else {
                    continue;
                };
                let md = metadata_for(cx.index, e);
                let (_, desc) = server_error(e);
                let mentions_cert = ["certificate", "mtls", "tls"]
                    .iter()
                    .any(|w| desc.contains(w));
                let tls = advertises_tls_auth(md);
                if !tls && !mentions_cert {
                    continue;
                }
                let mut rep = cx
                    .report(
                        e.index,
                        format!(
                            "the request carries no credentials other than a client_id and went to `{url}`, but the discovery document publishes the mTLS endpoint `{alias}` where the client certificate is requested{}",
                            outcome(e)
                        ),
                    )
                    .strength(if tls { Strength::Direct } else { Strength::Heuristic })
                    .text(e.index, "request.url", url.clone())
                    .text(e.index, "metadata.mtls_endpoint_aliases", alias.clone());
                if mentions_cert {
                    rep = rep.confirmed();
                }
                rep = with_server_signal(rep, e);
                rep.emit();
            } else if matches!(e.kind, Kind::Resource | Kind::Userinfo) {
                let Some(r) = &e.response else { continue };
                if r.status != 401 {
                    continue;
                }
                let (code, _) = server_error(e);
                if code.as_deref() != Some("invalid_token") {
                    continue;
                }
                let Some(token) = e.request.presented_token() else {
                    continue;
                };
                let Ok(d) = jwt::decode(&token) else { continue };
                let Some(thumb) = d
                    .claims
                    .get("cnf")
                    .and_then(|c| c.get("x5t#S256"))
                    .and_then(Value::as_str)
                else {
                    continue;
                };
                let mut rep = cx
                    .report(
                        e.index,
                        format!(
                            "the access token is bound to a client certificate (`cnf.x5t#S256` `{thumb}`) and the resource answered `invalid_token`; the capture cannot show whether that certificate was presented (or forwarded by a proxy)"
                        ),
                    )
                    .strength(Strength::Absence)
                    .secret(e.index, "request.headers.authorization", e.request.headers.get("authorization").unwrap_or(""))
                    .text(e.index, "access_token.claims.cnf.x5t#S256", thumb);
                rep = with_server_signal(rep, e);
                rep.emit();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{b64url, run_doc};
    use super::*;

    #[test]
    fn unencoded_chars_ignore_escapes_and_plus() {
        assert_eq!(unencoded_chars("abc%2Bdef+x"), Vec::<char>::new());
        assert_eq!(unencoded_chars("ab/c=d"), vec!['/', '=']);
        assert_eq!(unencoded_chars("se%cret"), vec!['%']);
        assert_eq!(unencoded_chars("8Q~a.b-c_d"), Vec::<char>::new());
    }

    #[test]
    fn pct_decode_keeps_plus() {
        assert_eq!(pct_decode("%22abc%22+x"), "\"abc\"+x");
        assert_eq!(pct_decode("abc%0A"), "abc\n");
        assert_eq!(pct_decode("50%"), "50%");
        assert_eq!(pct_decode("%4"), "%4");
    }

    #[test]
    fn artifacts_are_named() {
        assert_eq!(
            artifact("secret\n").as_deref(),
            Some("a trailing newline (`\\n`)")
        );
        assert_eq!(
            artifact("\"secret\"").as_deref(),
            Some("surrounding double quotes")
        );
        assert_eq!(artifact(" s").as_deref(), Some("a leading space"));
        assert!(artifact("c2VjcmV0==").is_none());
    }

    #[test]
    fn basic_defects() {
        let d = |h: &str| {
            let r = Request::new(
                "POST",
                "https://idp.example/token",
                crate::model::Headers::new(vec![("Authorization".into(), h.into())]),
                None,
            );
            basic_defect(h, basic::basic_credentials(&r).as_ref()).map(|(m, _)| m)
        };
        assert!(d("Basic id:secret").unwrap().contains("clear text"));
        assert!(d("Basic Basic aWQ6c2VjcmV0").unwrap().contains("repeated"));
        assert!(d("basic aWQ6c2VjcmV0").is_none());
        assert!(d("Basic aWQ6c2VjcmV0").is_none());
        // base64(base64("id:secret"))
        assert!(d("Basic YVdRNmMyVmpjbVYw").unwrap().contains("twice"));
        // base64url without padding of "id:s?>~" ("aWQ6cz8-fg")
        assert!(d("Basic aWQ6cz8-fg").unwrap().contains("base64url"));
    }

    fn token_call(auth: &str, body: &str, status: u16, resp: &str) -> String {
        serde_json::json!({
            "started_at": "2026-11-29T10:00:00Z",
            "request": {"method": "POST", "url": "https://idp.example/oauth2/token",
                "headers": [["Content-Type", "application/x-www-form-urlencoded"], ["Authorization", auth]],
                "body": body},
            "response": {"status": status, "headers": [["Content-Type", "application/json"],
                ["Date", "Sun, 29 Nov 2026 10:00:00 GMT"]], "body": resp}
        })
        .to_string()
    }

    #[test]
    fn cred001_is_proved_by_a_contrast_request() {
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD.encode("app:Zx+8/Qm=");
        let failed = token_call(
            &format!("Basic {raw}"),
            "grant_type=client_credentials",
            401,
            r#"{"error":"invalid_client"}"#,
        );
        let ok = token_call(
            "",
            "grant_type=client_credentials&client_id=app&client_secret=Zx%2B8%2FQm%3D",
            200,
            r#"{"access_token":"a","token_type":"Bearer","expires_in":60}"#,
        );
        let f = run_doc(format!("[{failed},{ok}]"));
        let c = f
            .iter()
            .find(|x| x.rule == "CRED001")
            .expect("CRED001 fires");
        assert_eq!(c.strength, Strength::Recomputed);
        assert_eq!(c.rank, 1);
        assert!(!c.message.contains("Zx+8"), "{}", c.message);
    }

    #[test]
    fn cred013_blames_the_clock_when_minted_with_a_slow_clock() {
        // iat = request time (10:00:00), exp = iat + 300; the server's Date is 10:10:00.
        let hdr = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0";
        let claims = b64url(
            r#"{"iss":"app","sub":"app","aud":"https://idp.example/oauth2/token","jti":"j1","iat":1795946400,"exp":1795946700}"#,
        );
        let body = format!(
            "grant_type=client_credentials&client_id=app&client_assertion_type={}&client_assertion={hdr}.{claims}.c2ln",
            basic::form_encode(JWT_BEARER_CAT)
        );
        let dump = serde_json::json!({
            "started_at": "2026-11-29T10:00:00Z",
            "request": {"method": "POST", "url": "https://idp.example/oauth2/token",
                "headers": [["Content-Type", "application/x-www-form-urlencoded"]], "body": body},
            "response": {"status": 401, "headers": [["Content-Type", "application/json"],
                ["Date", "Sun, 29 Nov 2026 10:10:00 GMT"]], "body": r#"{"error":"invalid_client"}"#}
        });
        let f = run_doc(dump);
        let c = f
            .iter()
            .find(|x| x.rule == "CRED013")
            .expect("CRED013 fires");
        assert_eq!(c.category, Category::ClockSkew, "{}", c.message);
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(45), "45 s");
        assert_eq!(human(3900), "65 min");
        assert_eq!(human(7500), "2 h 5 min");
    }
}
