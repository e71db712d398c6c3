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
use doctor::{Run, command, run};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use live_server::{API_RESOURCE, LiveServer, clients, http_client};
use std::io::Write;
use std::process::Stdio;

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
    let mut child = command(&all, env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn checks(r: &Run) -> Vec<(String, String)> {
    let j: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{r}"));
    j["checks"]
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
    let r = inspect_stdin(
        &t,
        &[
            "--now",
            "2026-11-29T09:30:00Z",
            "--hmac-secret-env",
            "OD_HMAC",
            "--format",
            "json",
        ],
        &[("OD_HMAC", HMAC_SECRET)],
    );
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(status_of(&r, "signature"), "pass", "{r}");
    let r = inspect_stdin(
        &t,
        &[
            "--now",
            "2026-11-29T09:30:00Z",
            "--hmac-secret-env",
            "OD_HMAC",
            "--format",
            "json",
        ],
        &[("OD_HMAC", "a-different-secret-of-enough-length!!")],
    );
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
    let jwks = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        jwks.path(),
        r#"{"keys":[{"kty":"oct","kid":"k","k":"c2VjcmV0"}]}"#,
    )
    .unwrap();
    let r = inspect_stdin(
        &es512,
        &[
            "--jwks",
            &jwks.path().display().to_string(),
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{r}");
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["header"]["alg"], "ES512");
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
    let (id, secret) = clients::CONF_BASIC;
    let json: serde_json::Value = http_client()
        .post(server.token_endpoint())
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap()
        .json()
        .unwrap();
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
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["verified"], true, "{r}");
    assert!(checks(&r).iter().all(|(_, s)| s == "pass"), "{r}");

    let jwks_url = server.endpoint("jwks_uri");
    let r = run(&["inspect", &token, "--jwks", &jwks_url], &[]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("signature verified"), "{r}");

    let jwks_text = http_client().get(&jwks_url).send().unwrap().text().unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &jwks_text).unwrap();
    let r = inspect_stdin(&token, &["--jwks", &file.path().display().to_string()], &[]);
    assert_eq!(r.code, 0, "{r}");
}

#[test]
fn tampering_a_foreign_key_and_wrong_expectations_are_all_listed() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let token = live_access_token(server);
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
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
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let kid = header["kid"].as_str().unwrap();
    let other = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        other.path(),
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(clients::PKJWT_KEY_JWK),
        )
        .unwrap(),
    )
    .unwrap();
    let r = run(
        &[
            "inspect",
            &token,
            "--jwks",
            &other.path().display().to_string(),
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout.contains(&format!("`{kid}` is not in the key set")),
        "{r}"
    );
}
