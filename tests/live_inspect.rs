//! `oauth-doctor inspect`: decoding, time checks with human spans, issuer and audience, and
//! signature verification with a JWKS file, a JWKS URL, issuer discovery (against the real
//! provider in tests/live) or an HMAC secret. Every failure is listed; nothing verified is said
//! plainly; the signature segment is never printed.

#[path = "support/doctor.rs"]
mod doctor;
#[path = "support/live_server.rs"]
mod live_server;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use doctor::{Run, run, run_stdin, temp_file};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use live_server::{API_RESOURCE, LiveServer, clients, crate_path, http_client, jwt_part};

const HMAC_SECRET: &str = "an-hmac-secret-long-enough-for-hs256!";

fn hs256(claims: serde_json::Value, kid: Option<&str>) -> String {
    let mut h = Header::new(Algorithm::HS256);
    h.kid = kid.map(str::to_string);
    encode(
        &h,
        &claims,
        &EncodingKey::from_secret(HMAC_SECRET.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn unsigned(header: &str, claims: &str) -> String {
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    )
}

fn inspect_stdin(token: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["inspect", "-"];
    all.extend_from_slice(args);
    run_stdin(&all, env, token)
}

fn checks(r: &Run) -> Vec<(String, String)> {
    r.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn status_of(r: &Run, check: &str) -> String {
    checks(r)
        .into_iter()
        .find(|(c, _)| c == check)
        .map(|(_, s)| s)
        .unwrap_or_else(|| panic!("no `{check}` check\n{r}"))
}

#[test]
fn an_expired_token_says_how_long_ago_and_that_nothing_was_verified() {
    // exp 2026-11-29T10:00:00Z, judged three hours later
    let t = hs256(
        serde_json::json!({"sub": "alice", "iss": "https://idp.example", "exp": 1_795_946_400_i64, "iat": 1_795_942_800_i64}),
        None,
    );
    let r = inspect_stdin(
        &format!("Bearer {t}\n"),
        &["--now", "2026-11-29T13:00:00Z"],
        &[],
    );
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("expired 3 h ago"), "{r}");
    assert!(r.stdout.contains("NOT VERIFIED"), "{r}");
    let sig = t.rsplit('.').next().unwrap();
    assert!(
        !r.stdout.contains(sig),
        "the signature segment is printed\n{r}"
    );
    assert!(!r.stdout.contains(&t), "{r}");

    // the same token when it is still valid, verified with the shared secret
    let with_secret = |secret: &str| {
        inspect_stdin(
            &t,
            &[
                "--now",
                "2026-11-29T09:30:00Z",
                "--hmac-secret-env",
                "OD_HMAC",
                "--format",
                "json",
            ],
            &[("OD_HMAC", secret)],
        )
    };
    let r = with_secret(HMAC_SECRET);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(status_of(&r, "signature"), "pass", "{r}");
    let r = with_secret("a-different-secret-of-enough-length!!");
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(status_of(&r, "signature"), "fail", "{r}");
}

#[test]
fn alg_none_and_unknown_algorithms_are_reported_not_crashed() {
    let none = unsigned(r#"{"alg":"none"}"#, r#"{"sub":"x"}"#);
    let r = inspect_stdin(&none, &["--format", "json"], &[]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(status_of(&r, "signature"), "fail", "{r}");

    let es512 = format!(
        "{}sig",
        unsigned(r#"{"alg":"ES512","kid":"k"}"#, r#"{"sub":"x"}"#)
    );
    let jwks = temp_file(r#"{"keys":[{"kty":"oct","kid":"k","k":"c2VjcmV0"}]}"#);
    let r = inspect_stdin(&es512, &["--jwks", &jwks.path, "--format", "json"], &[]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(r.json()["header"]["alg"], "ES512");
    assert!(r.stdout.contains("not supported"), "{r}");
}

#[test]
fn unusable_input_is_exit_2() {
    for bad in ["", "not-a-token", "a.b.c.d.e", "!!!.e30.x"] {
        let r = inspect_stdin(bad, &[], &[]);
        assert_eq!(r.code, 2, "{bad:?}\n{r}");
        assert!(r.stderr.starts_with("error:"), "{r}");
    }
}

/// A JWT access token for the API from the live provider (client_credentials).
fn live_access_token(server: &LiveServer) -> String {
    let json = server.ok_token(
        Some(clients::CONF_BASIC),
        &[("grant_type", "client_credentials")],
    );
    json["access_token"].as_str().unwrap().to_string()
}

#[test]
fn a_provider_token_verifies_through_discovery_a_jwks_url_and_a_jwks_file() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let token = live_access_token(server);
    let r = run(
        &[
            "inspect",
            &token,
            "--issuer",
            &server.issuer,
            "--audience",
            API_RESOURCE,
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.json()["verified"], true, "{r}");
    assert!(checks(&r).iter().all(|(_, s)| s == "pass"), "{r}");

    let jwks_url = server.endpoint("jwks_uri");
    let r = run(&["inspect", &token, "--jwks", &jwks_url], &[]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("signature verified"), "{r}");

    let jwks_text = http_client().get(&jwks_url).send().unwrap().text().unwrap();
    let file = temp_file(&jwks_text);
    let r = inspect_stdin(&token, &["--jwks", &file.path], &[]);
    assert_eq!(r.code, 0, "{r}");
}

#[test]
fn tampering_a_foreign_key_and_wrong_expectations_are_all_listed() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let token = live_access_token(server);
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims = jwt_part(&token, 1);
    claims["sub"] = "mallory".into();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    let r = run(
        &[
            "inspect",
            &tampered,
            "--issuer",
            &format!("{}/", server.issuer),
            "--audience",
            "https://another-api.example.test",
            "--jwks",
            &server.endpoint("jwks_uri"),
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{r}");
    for check in ["iss", "aud", "signature"] {
        assert_eq!(status_of(&r, check), "fail", "{check}\n{r}");
    }
    assert!(r.stdout.contains("trailing slash"), "{r}");

    // a key set without the token's kid: the kid is named
    let header = jwt_part(&token, 0);
    let kid = header["kid"].as_str().unwrap();
    // pkjwt-client's own key, not one of the provider's
    let other = crate_path(clients::PKJWT_KEY_JWK);
    let r = run(&["inspect", &token, "--jwks", &other], &[]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout.contains(&format!("`{kid}` is not in the key set")),
        "{r}"
    );
}
