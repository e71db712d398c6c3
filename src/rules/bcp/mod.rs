//! BCP: security best current practice — RFC 9700 / OAuth 2.1 lint over the
//! captured traffic: implicit and password grants, CSRF protection, TLS, cacheable token
//! responses, tokens in URLs, refresh-token rotation, mix-up defence, servers that do not
//! enforce PKCE or single-use codes, Referer leaks and 307 redirects after a credential POST.
//! Most of these do not explain the current failure; they are reported as risks. Pure.

mod bcp001_implicit_grant;
mod bcp002_password_grant;
mod bcp003_no_csrf_protection;
mod bcp004_plain_http_endpoint;
mod bcp005_cacheable_token_response;
mod bcp006_token_in_url;
mod bcp007_public_refresh_token_not_rotated;
mod bcp008_no_mix_up_defence;
mod bcp009_server_does_not_enforce_pkce_or_single_use;
mod bcp010_code_leaks_via_referer;
mod bcp011_credential_post_307;
mod bcp012_tls_verification_disabled;

pub use bcp001_implicit_grant::Bcp001;
pub use bcp002_password_grant::Bcp002;
pub use bcp003_no_csrf_protection::Bcp003;
pub use bcp004_plain_http_endpoint::Bcp004;
pub use bcp005_cacheable_token_response::Bcp005;
pub use bcp006_token_in_url::Bcp006;
pub use bcp007_public_refresh_token_not_rotated::Bcp007;
pub use bcp008_no_mix_up_defence::Bcp008;
pub use bcp009_server_does_not_enforce_pkce_or_single_use::Bcp009;
pub use bcp010_code_leaks_via_referer::Bcp010;
pub use bcp011_credential_post_307::Bcp011;
pub use bcp012_tls_verification_disabled::Bcp012;

use super::redir::{az_metadata, callbacks, is_authz_request, is_loopback, origin_of, request_for};
use super::shared::issued_access_token;
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Strength};
use crate::model::flow::strip_uri;
use crate::model::{Exchange, Kind};
use crate::oauth::pkce;
use url::Url;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Bcp001, &Bcp002, &Bcp003, &Bcp004, &Bcp005, &Bcp006, &Bcp007, &Bcp008, &Bcp009, &Bcp010,
    &Bcp011, &Bcp012,
];

/// This family's place when findings tie on everything else (PROV first, BCP last).
const TIE_BREAK: u8 = 12;

/// Where to report a lint that several exchanges show: an exchange that succeeded (a risk, not
/// the cause of a failure), else the first one.
fn lint_anchor<'a>(candidates: &[&'a Exchange]) -> Option<&'a Exchange> {
    candidates
        .iter()
        .find(|e| !e.failed())
        .or_else(|| candidates.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use crate::oauth::pkce;

    const TOKEN: &str = "https://idp.example.com/oauth2/token";

    fn basic() -> (&'static str, &'static str) {
        ("Authorization", "Basic d2ViOnMzY3JldA==")
    }

    #[test]
    fn bcp001_implicit_grant() {
        let f = run(vec![get(
            0.0,
            "https://idp.example.com/authorize?client_id=spa&response_type=id_token%20token&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s&nonce=n",
            302,
            &[(
                "Location",
                "https://app.example.com/cb#access_token=at&token_type=Bearer&state=s",
            )],
            None,
        )]);
        assert!(fired(&f, "BCP001"), "{}", summary(&f));
        let f = run(vec![get(
            0.0,
            "https://idp.example.com/authorize?client_id=spa&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s&nonce=n",
            302,
            &[("Location", "https://app.example.com/cb?code=c&state=s")],
            None,
        )]);
        assert!(!fired(&f, "BCP001"));
    }

    #[test]
    fn bcp002_category_follows_the_server() {
        let pw = |rbody: &str| {
            run(vec![x(
                0.0,
                "POST",
                TOKEN,
                &[],
                Some("grant_type=password&client_id=cli&username=alice&password=pw"),
                400,
                &[],
                Some(rbody),
            )])
        };
        let f = pw(
            r#"{"error":"invalid_grant","error_description":"AADSTS50076: you must use multi-factor authentication"}"#,
        );
        assert_eq!(find(&f, "BCP002").category.as_str(), "account_state");
        let f = pw(r#"{"error":"unsupported_grant_type"}"#);
        assert_eq!(find(&f, "BCP002").category.as_str(), "grant_type");
        let f =
            pw(r#"{"error":"invalid_grant","error_description":"invalid username or password"}"#);
        assert_eq!(find(&f, "BCP002").category.as_str(), "credentials");
        assert_eq!(top_category(&f), "credentials", "{}", summary(&f));
    }

    #[test]
    fn bcp003_no_state_no_pkce_no_nonce() {
        let f = run(vec![get(
            0.0,
            "https://idp.example.com/authorize?client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb",
            302,
            &[("Location", "https://idp.example.com/login")],
            None,
        )]);
        assert!(fired(&f, "BCP003"));
    }

    #[test]
    fn bcp004_plain_http_token_endpoint_redirected() {
        let f = run(vec![x(
            0.0,
            "POST",
            "http://idp.example.com/oauth2/token",
            &[basic()],
            Some("grant_type=client_credentials"),
            301,
            &[("Location", "https://idp.example.com/oauth2/token")],
            None,
        )]);
        assert!(fired(&f, "BCP004"), "{}", summary(&f));
        assert_eq!(top_category(&f), "endpoint_url", "{}", summary(&f));
        let f = run(vec![x(
            0.0,
            "POST",
            "http://127.0.0.1:8080/oauth2/token",
            &[basic()],
            Some("grant_type=client_credentials"),
            200,
            &[("Cache-Control", "no-store")],
            Some(r#"{"access_token":"at","token_type":"Bearer","expires_in":60}"#),
        )]);
        assert!(!fired(&f, "BCP004"));
    }

    #[test]
    fn bcp005_and_bcp006() {
        let f = run(vec![
            x(
                0.0,
                "POST",
                TOKEN,
                &[basic()],
                Some("grant_type=client_credentials"),
                200,
                &[("Cache-Control", "max-age=300")],
                Some(r#"{"access_token":"at-123","token_type":"Bearer","expires_in":60}"#),
            ),
            get(
                1.0,
                "https://api.example.com/v1/me?access_token=at-123",
                200,
                &[],
                Some(r#"{"id":1}"#),
            ),
        ]);
        assert!(fired(&f, "BCP005"), "{}", summary(&f));
        assert!(fired(&f, "BCP006"), "{}", summary(&f));
        let b6 = find(&f, "BCP006");
        assert!(
            b6.evidence
                .iter()
                .all(|e| matches!(e.value, crate::diagnosis::Value::Secret(_)))
        );
    }

    #[test]
    fn bcp007_same_refresh_token_back() {
        let refresh = |rt_back: &str| {
            run(vec![x(
                0.0,
                "POST",
                TOKEN,
                &[],
                Some("grant_type=refresh_token&refresh_token=R1&client_id=spa"),
                200,
                &[("Cache-Control", "no-store")],
                Some(&format!(
                    r#"{{"access_token":"at","token_type":"Bearer","expires_in":60,"refresh_token":"{rt_back}"}}"#
                )),
            )])
        };
        assert!(fired(&refresh("R1"), "BCP007"));
        assert!(!fired(&refresh("R2"), "BCP007"));
    }

    #[test]
    fn bcp009_tokens_without_the_verifier() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = pkce::s256(verifier);
        let flow = |body: &str| {
            run(vec![
                get(
                    0.0,
                    &format!(
                        "https://idp.example.com/authorize?client_id=spa&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s1&code_challenge={challenge}&code_challenge_method=S256"
                    ),
                    302,
                    &[("Location", "https://app.example.com/cb?code=C1&state=s1")],
                    None,
                ),
                x(
                    2.0,
                    "POST",
                    TOKEN,
                    &[],
                    Some(body),
                    200,
                    &[("Cache-Control", "no-store")],
                    Some(r#"{"access_token":"at","token_type":"Bearer","expires_in":60}"#),
                ),
            ])
        };
        let f = flow(
            "grant_type=authorization_code&code=C1&client_id=spa&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb",
        );
        assert!(fired(&f, "BCP009"), "{}", summary(&f));
        let f = flow(&format!(
            "grant_type=authorization_code&code=C1&client_id=spa&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code_verifier={verifier}"
        ));
        assert!(!fired(&f, "BCP009"), "{}", summary(&f));
    }

    #[test]
    fn bcp010_code_in_third_party_referer() {
        let f = run(vec![
            get(
                0.0,
                "https://app.example.com/cb?code=C1&state=s1",
                200,
                &[],
                Some("<html>welcome</html>"),
            ),
            x(
                1.0,
                "GET",
                "https://analytics.example.net/collect?v=1",
                &[("Referer", "https://app.example.com/cb?code=C1&state=s1")],
                None,
                204,
                &[],
                None,
            ),
        ]);
        assert!(fired(&f, "BCP010"), "{}", summary(&f));
    }

    #[test]
    fn bcp011_login_post_answered_307() {
        let f = run(vec![x(
            0.0,
            "POST",
            "https://idp.example.com/login",
            &[],
            Some("username=alice&password=secret"),
            307,
            &[("Location", "https://app.example.com/cb?code=C1&state=s")],
            None,
        )]);
        assert!(fired(&f, "BCP011"), "{}", summary(&f));
        let f = run(vec![x(
            0.0,
            "POST",
            "https://idp.example.com/login",
            &[],
            Some("username=alice&password=secret"),
            303,
            &[("Location", "https://app.example.com/cb?code=C1&state=s")],
            None,
        )]);
        assert!(!fired(&f, "BCP011"));
    }
}
