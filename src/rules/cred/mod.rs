//! CRED: client authentication at the authorization server's endpoints — Basic encoding, secrets,
//! client assertions, mTLS. Every rule here reads the capture through
//! [`Context`] and reports findings; none prints, none does I/O. Secrets are attached as
//! fingerprinted evidence and described by length and character classes, never by value.

mod cred001_basic_credentials_not_form_encoded;
mod cred002_multiple_client_auth_methods;
mod cred003_confidential_client_without_credentials;
mod cred004_auth_method_not_supported;
mod cred005_client_secret_in_url;
mod cred006_client_id_mismatch_basic_body;
mod cred007_malformed_basic_header;
mod cred008_credential_whitespace_or_quotes;
mod cred009_empty_client_secret;
mod cred010_client_assertion_type_wrong;
mod cred011_client_assertion_iss_sub;
mod cred012_client_assertion_audience;
mod cred013_client_assertion_stale_or_replayed;
mod cred014_client_assertion_alg_or_key;
mod cred015_mtls_certificate_missing;
mod cred016_client_id_not_configured;
mod cred017_registration_without_initial_access_token;

pub use cred001_basic_credentials_not_form_encoded::Cred001;
pub use cred002_multiple_client_auth_methods::Cred002;
pub use cred003_confidential_client_without_credentials::Cred003;
pub use cred004_auth_method_not_supported::Cred004;
pub use cred005_client_secret_in_url::Cred005;
pub use cred006_client_id_mismatch_basic_body::Cred006;
pub use cred007_malformed_basic_header::Cred007;
pub use cred008_credential_whitespace_or_quotes::Cred008;
pub use cred009_empty_client_secret::Cred009;
pub use cred010_client_assertion_type_wrong::Cred010;
pub use cred011_client_assertion_iss_sub::Cred011;
pub use cred012_client_assertion_audience::Cred012;
pub use cred013_client_assertion_stale_or_replayed::Cred013;
pub use cred014_client_assertion_alg_or_key::Cred014;
pub use cred015_mtls_certificate_missing::Cred015;
pub use cred016_client_id_not_configured::Cred016;
pub use cred017_registration_without_initial_access_token::Cred017;

use super::shared::date_header;
use super::{Context, Report, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Strength};
use crate::model::flow::Index;
use crate::model::human_duration;
use crate::model::{Exchange, Kind, Request};
use crate::oauth::basic::{self, BasicCredentials};
use crate::oauth::jwt::{self, DecodedJwt};
use serde_json::Value;
use std::collections::HashMap;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Cred001, &Cred002, &Cred003, &Cred004, &Cred005, &Cred006, &Cred007, &Cred008, &Cred009,
    &Cred010, &Cred011, &Cred012, &Cred013, &Cred014, &Cred015, &Cred016, &Cred017,
];

/// This family's place when findings tie on everything else (PROV first, BCP last).
const TIE_BREAK: u8 = 3;

/// The exact client-assertion type for JWT client authentication (RFC 7523 §2.2).
const JWT_BEARER_CAT: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// shared helpers (private to the family)
// ------------------------------------------------------------------------------------------

/// The server's error code (lower-cased) and description (lower-cased, may be empty).
pub(super) fn server_error(e: &Exchange) -> (Option<String>, String) {
    match e.server_error() {
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
    if let Some(er) = e.server_error() {
        rep = rep.text(e.index, er.at, er.code);
    } else if let Some(s) = e.status() {
        rep = rep.text(e.index, "response.status", s.to_string());
    }
    rep
}

/// " and the server answered `invalid_client`" / " and the server answered 401" / "".
pub(super) fn outcome(e: &Exchange) -> String {
    if let Some(er) = e.server_error() {
        return format!("; the server answered `{}`", er.code);
    }
    match e.status() {
        Some(s) if s >= 400 => format!("; the server answered {s}"),
        _ => String::new(),
    }
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
    // Once per run: the rules ask for every failing exchange.
    let any_credential_header = *cx.memo.credential_headers.get_or_init(|| {
        cx.exchanges.iter().any(|x| {
            x.request.headers.contains("authorization")
                || x.request.headers.contains("cookie")
                || x.response
                    .as_ref()
                    .is_some_and(|r| r.headers.contains("set-cookie"))
        })
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
    let md = index.metadata_for(e)?;
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
            let twice = (Request::new(
                "POST",
                "https://x.invalid/",
                crate::model::Headers::new(vec![(
                    "Authorization".into(),
                    format!("Basic {}", d.trim()),
                )]),
                None,
            ))
            .basic_credentials()
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
            basic_defect(h, r.basic_credentials().as_ref()).map(|(m, _)| m)
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
}
