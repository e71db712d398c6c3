//! GRANT: grant selection and grant-specific semantics — authorization codes (reuse, alteration,
//! redirect_uri binding, client and issuer binding), refresh tokens (rotation, races, scope),
//! token exchange and response types. The token-request recognition,
//! authorization-request linkage and capture-clock helpers it shares with EXP and PKCE are in
//! `rules::common`. Rules here only read the capture and report; they never print.

mod grant001_grant_type_missing_or_misspelled;
mod grant002_grant_type_not_enabled;
mod grant003_authorization_code_reused;
mod grant004_redirect_uri_differs_at_token_endpoint;
mod grant005_code_redeemed_by_other_client;
mod grant006_code_redeemed_at_other_issuer;
mod grant007_authorization_code_altered;
mod grant008_rotated_refresh_token_reused;
mod grant009_concurrent_refresh_race;
mod grant010_refresh_scope_broader_than_granted;
mod grant011_no_refresh_token_issued;
mod grant012_client_credentials_token_for_user_endpoint;
mod grant013_token_exchange_types;
mod grant014_token_exchange_target_rejected;
mod grant015_response_type_not_supported;
mod grant016_refresh_token_of_another_client;

pub use grant001_grant_type_missing_or_misspelled::Grant001;
pub use grant002_grant_type_not_enabled::Grant002;
pub use grant003_authorization_code_reused::Grant003;
pub use grant004_redirect_uri_differs_at_token_endpoint::Grant004;
pub use grant005_code_redeemed_by_other_client::Grant005;
pub use grant006_code_redeemed_at_other_issuer::Grant006;
pub use grant007_authorization_code_altered::Grant007;
pub use grant008_rotated_refresh_token_reused::Grant008;
pub use grant009_concurrent_refresh_race::Grant009;
pub use grant010_refresh_scope_broader_than_granted::Grant010;
pub use grant011_no_refresh_token_issued::Grant011;
pub use grant012_client_credentials_token_for_user_endpoint::Grant012;
pub use grant013_token_exchange_types::Grant013;
pub use grant014_token_exchange_target_rejected::Grant014;
pub use grant015_response_type_not_supported::Grant015;
pub use grant016_refresh_token_of_another_client::Grant016;

use super::shared::{
    ReportExt, alias_signal, edit_distance, err_of, has_percent_escape, signal_is, token_identity,
};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Severity, Strength};
use crate::model::flow::{Link, RefreshConflict};
use crate::model::human_duration;
use crate::model::signal::ServerError;
use crate::model::{Exchange, Kind, Params};
use crate::oauth::jwt;
use serde_json::Value;
use std::cell::OnceCell;
use std::collections::{BTreeSet, HashMap};

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Grant001, &Grant002, &Grant003, &Grant004, &Grant005, &Grant006, &Grant007, &Grant008,
    &Grant009, &Grant010, &Grant011, &Grant012, &Grant013, &Grant014, &Grant015, &Grant016,
];

/// This family's place when findings tie on everything else (PROV first, BCP last).
const TIE_BREAK: u8 = 6;

/// Scope values as a set (space-delimited per RFC 6749 §3.3; commas tolerated).
pub(super) fn scope_set(s: &str) -> BTreeSet<String> {
    let sep = |c: char| c.is_whitespace() || (c == ',' && !s.contains(' '));
    s.split(sep)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

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

/// One `application/x-www-form-urlencoded` decoding pass over a whole value (`+` → space,
/// `%XX` → byte), without splitting at `&` or `=`.
pub(super) fn decode_once(s: &str) -> String {
    crate::oauth::basic::percent_decode(&s.replace('+', " "))
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

fn report_refresh_conflict(cx: &mut Context<'_>, want: RefreshConflict) {
    let ex = cx.exchanges;
    for j in ex.iter().filter(|e| e.is_refresh() && e.failed()) {
        let Some((i, kind)) = cx.index.refresh_conflict(ex, j) else {
            continue;
        };
        if kind != want {
            continue;
        }
        let first = &ex[i];
        let Some(t) = j.request.param("refresh_token") else {
            continue;
        };
        let newer = first.issued_refresh().unwrap_or("").to_string();
        let err = err_of(j);
        let got = err
            .as_ref()
            .map(|x| format!("`{}`", x.code))
            .unwrap_or_else(|| format!("{}", j.status().unwrap_or(0)));
        let msg = match kind {
            RefreshConflict::Rotated => format!(
                "this refresh uses a refresh token that exchange #{} already rotated ({} earlier it returned a new `refresh_token`); the server answered {got}",
                first.number(),
                first
                    .sent_ms()
                    .zip(j.sent_ms())
                    .map(|(a, b)| human_duration((b - a) / 1000))
                    .unwrap_or_else(|| "some time".into())
            ),
            RefreshConflict::Race => format!(
                "exchanges #{} and #{} refreshed with the same refresh token at the same time ({} ms apart); #{} won and rotated it, this one got {got}",
                first.number().min(j.number()),
                first.number().max(j.number()),
                first
                    .sent_ms()
                    .zip(j.sent_ms())
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

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::providers::provider_aliases;

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
        assert_eq!(human_duration(746), "12 min 26 s");
        assert_eq!(scope_set("a b  c").len(), 3);
        assert_eq!(scope_set("repo,user").len(), 2);
        assert!(code_alteration("abcdefghijkl", "abcdefgh").is_some());
        assert!(code_alteration("abc", "abc").is_none());
    }
}
