//! PARAM: request and response syntax — body encoding, required, duplicated and misplaced
//! parameters, scopes, PAR, introspection, revocation and resource-server `Authorization`
//! syntax. Rules read the capture through [`Context`] and report findings; they
//! never print and never do I/O. Token values are attached as fingerprinted evidence only.

mod param001_body_not_form_encoded;
mod param002_token_params_in_query;
mod param003_duplicate_parameter;
mod param004_required_parameter_missing;
mod param005_scope_delimiter;
mod param006_scope_not_allowed;
mod param007_openid_scope_missing;
mod param008_par_required_not_used;
mod param009_par_request_uri_misuse;
mod param010_introspection_request_malformed;
mod param011_revocation_token_type_hint;
mod param012_token_response_not_json;
mod param013_malformed_bearer_header;
mod param014_bearer_token_multiple_methods;
mod param015_userinfo_rejected;
mod param016_unencoded_parameter_value;
mod param017_resource_call_without_credentials;
mod param018_value_sent_under_another_name;
mod param019_registration_metadata_rejected;

pub use param001_body_not_form_encoded::Param001;
pub use param002_token_params_in_query::Param002;
pub use param003_duplicate_parameter::Param003;
pub use param004_required_parameter_missing::Param004;
pub use param005_scope_delimiter::Param005;
pub use param006_scope_not_allowed::Param006;
pub use param007_openid_scope_missing::Param007;
pub use param008_par_required_not_used::Param008;
pub use param009_par_request_uri_misuse::Param009;
pub use param010_introspection_request_malformed::Param010;
pub use param011_revocation_token_type_hint::Param011;
pub use param012_token_response_not_json::Param012;
pub use param013_malformed_bearer_header::Param013;
pub use param014_bearer_token_multiple_methods::Param014;
pub use param015_userinfo_rejected::Param015;
pub use param016_unencoded_parameter_value::Param016;
pub use param017_resource_call_without_credentials::Param017;
pub use param018_value_sent_under_another_name::Param018;
pub use param019_registration_metadata_rejected::Param019;

use super::cred::{
    body_param, headers_may_be_stripped, md_list, outcome, server_error, with_server_signal,
};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Strength};
use crate::model::{Exchange, Kind};
use crate::oauth::jwt;
use serde_json::Value;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Param001, &Param002, &Param003, &Param004, &Param005, &Param006, &Param007, &Param008,
    &Param009, &Param010, &Param011, &Param012, &Param013, &Param014, &Param015, &Param016,
    &Param017, &Param018, &Param019,
];

/// This family's place when findings tie on everything else (PROV first, BCP last).
const TIE_BREAK: u8 = 2;

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
