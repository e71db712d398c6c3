//! Live mode of `oauth-doctor check` against a real OpenID provider (tests/live, panva
//! oidc-provider): every grant and client authentication method the provider supports, the ones
//! it refuses, and the classic mistakes. Each test asserts what a user reads: the exit status and
//! the category of the top diagnosis (DESIGN.md vocabulary), not the exact rule.
//! Skips (passes) when Node.js or tests/live/node_modules is missing, unless OAUTH_DOCTOR_LIVE=1.

#[path = "support/doctor.rs"]
mod doctor;
#[path = "support/live_server.rs"]
mod live_server;

use doctor::{Run, assert_category, run};
use live_server::{LiveServer, REDIRECT_URI, clients, http_client, pkce_pair};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

fn root(p: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(p)
        .display()
        .to_string()
}

/// `check --issuer <server> --format json ARGS`.
fn live(server: &LiveServer, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["check", "--issuer", &server.issuer, "--format", "json"];
    all.extend_from_slice(args);
    run(&all, env)
}

fn client_credentials(server: &LiveServer, client: (&str, &str), extra: &[&str]) -> Run {
    let mut args = vec![
        "--grant-type",
        "client_credentials",
        "--client-id",
        client.0,
        "--client-secret-env",
        "OD_SECRET",
    ];
    args.extend_from_slice(extra);
    live(server, &args, &[("OD_SECRET", client.1)])
}

fn assert_pass(r: &Run) {
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.json()["verdict"], "pass", "{r}");
}

fn assert_verified(r: &Run, field: &str) {
    assert!(
        r.stderr.contains(&format!("{field}: signature verified")),
        "expected a verified {field} signature\n{r}"
    );
}

#[test]
fn client_credentials_with_every_secret_method_succeeds_and_verifies_the_token() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let r = client_credentials(server, clients::CONF_BASIC, &["--scope", "api:read"]);
    assert_pass(&r);
    assert_verified(&r, "access_token");
    // discovery, token, JWKS
    assert_eq!(r.json()["exchanges"], 3, "{r}");

    let r = client_credentials(
        server,
        clients::CONF_POST,
        &["--auth-method", "client_secret_post"],
    );
    assert_pass(&r);

    // `%`, `+`, `/`, `:` and `=` in the secret: form-urlencoded before Basic (RFC 6749 §2.3.1)
    let r = client_credentials(server, clients::CONF_SPECIAL, &[]);
    assert_pass(&r);

    let r = client_credentials(
        server,
        clients::JWT_CLIENT,
        &["--auth-method", "client_secret_jwt"],
    );
    assert_pass(&r);
    assert_verified(&r, "access_token");
}

#[test]
fn private_key_jwt_with_a_pem_or_a_jwk_key_succeeds() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    for key in [clients::PKJWT_KEY_PEM, clients::PKJWT_KEY_JWK] {
        let path = root(key);
        let r = live(
            server,
            &[
                "--grant-type",
                "client_credentials",
                "--client-id",
                clients::PKJWT_CLIENT,
                "--private-key",
                &path,
                "--key-id",
                clients::PKJWT_KID,
            ],
            &[],
        );
        assert_pass(&r);
        // a fresh jti each time: the second run is not a replay
        let again = live(
            server,
            &[
                "--grant-type",
                "client_credentials",
                "--client-id",
                clients::PKJWT_CLIENT,
                "--private-key",
                &path,
            ],
            &[],
        );
        assert_pass(&again);
    }
}

#[test]
fn wrong_secret_is_a_credentials_problem_with_either_method() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let r = client_credentials(server, (clients::CONF_BASIC.0, "not-the-secret"), &[]);
    assert_eq!(r.code, 1, "{r}");
    assert_category(&r, "credentials", &[], "credentials");
    let r = client_credentials(
        server,
        (clients::CONF_POST.0, "not-the-secret"),
        &["--auth-method", "client_secret_post"],
    );
    assert_eq!(r.code, 1, "{r}");
    assert_category(&r, "credentials", &[], "credentials");
    // the registered method is enforced: Basic for a client_secret_post client
    let r = client_credentials(
        server,
        clients::CONF_POST,
        &["--auth-method", "client_secret_basic"],
    );
    assert_eq!(r.code, 1, "{r}");
    assert_category(&r, "credentials", &[], "credentials");
    // a wrong private key: the assertion does not verify
    let r = live(
        server,
        &[
            "--grant-type",
            "client_credentials",
            "--client-id",
            clients::JWT_CLIENT.0,
            "--private-key",
            &root(clients::PKJWT_KEY_PEM),
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{r}");
    assert_category(&r, "credentials", &[], "credentials");
}

#[test]
fn both_authentication_methods_at_once_is_a_credentials_problem() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let r = client_credentials(
        server,
        clients::CONF_BASIC,
        &["--auth-method", "client_secret_basic,client_secret_post"],
    );
    assert_eq!(r.code, 1, "{r}");
    assert_category(&r, "credentials", &[], "credentials");
}

#[test]
fn missing_grant_type_is_a_parameters_problem() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let r = client_credentials(server, clients::CONF_BASIC, &["--omit", "grant_type"]);
    assert_eq!(r.code, 1, "{r}");
    assert_category(&r, "parameters", &[], "parameters");
}

#[test]
fn json_body_is_a_content_type_problem() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let r = client_credentials(server, clients::CONF_BASIC, &["--body-format", "json"]);
    assert_eq!(r.code, 1, "{r}");
    // The server says `invalid_request` ("only application/x-www-form-urlencoded ...").
    assert_category(&r, "content_type_encoding", &["PARAM001"], "parameters");
}

#[test]
fn grants_the_client_or_server_does_not_allow_are_grant_type_problems() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    // cc-only may not use refresh_token: unauthorized_client
    let r = live(
        server,
        &[
            "--grant-type",
            "refresh_token",
            "--client-id",
            clients::CC_ONLY.0,
            "--client-secret-env",
            "OD_SECRET",
            "--refresh-token-env",
            "OD_RT",
        ],
        &[
            ("OD_SECRET", clients::CC_ONLY.1),
            ("OD_RT", "some-refresh-token"),
        ],
    );
    assert_eq!(r.code, 1, "{r}");
    assert_category(&r, "grant_type", &[], "grant_type");

    // password, jwt-bearer and token exchange are not enabled at this provider
    let assertion = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(assertion.path(), "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.\n").unwrap();
    let assertion = assertion.path().display().to_string();
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        (
            vec![
                "--grant-type",
                "password",
                "--username",
                "alice",
                "--password-env",
                "OD_PW",
            ],
            vec![("OD_PW", "pw")],
        ),
        (
            vec!["--grant-type", "jwt-bearer", "--assertion-file", &assertion],
            vec![],
        ),
        (
            vec![
                "--grant-type",
                "token-exchange",
                "--subject-token-env",
                "OD_ST",
                "--audience",
                "https://api.example.test",
            ],
            vec![("OD_ST", "subject-token-value")],
        ),
    ];
    for (grant_args, mut env) in cases {
        let mut args = vec![
            "--client-id",
            clients::CONF_BASIC.0,
            "--client-secret-env",
            "OD_SECRET",
        ];
        args.extend(grant_args);
        env.push(("OD_SECRET", clients::CONF_BASIC.1));
        let r = live(server, &args, &env);
        assert_eq!(r.code, 1, "{r}");
        assert_category(&r, "grant_type", &[], "grant_type");
    }
}

#[test]
fn unknown_resource_is_an_audience_problem() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let r = client_credentials(
        server,
        clients::CONF_BASIC,
        &["--resource", "https://other.example.test"],
    );
    assert_eq!(r.code, 1, "{r}");
    assert_category(&r, "audience_issuer", &[], "audience_issuer");
}

fn code_args<'a>(client: &'a str, code: &'a str, verifier: Option<&'a str>) -> Vec<&'a str> {
    let mut a = vec![
        "--grant-type",
        "authorization_code",
        "--client-id",
        client,
        "--code",
        code,
        "--redirect-uri",
        REDIRECT_URI,
    ];
    if let Some(v) = verifier {
        a.extend(["--code-verifier", v]);
    }
    a
}

#[test]
fn confidential_code_flow_succeeds_and_a_reused_code_is_a_grant_problem() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let (id, secret) = clients::CONF_BASIC;
    let code = server
        .authorization_code(id, REDIRECT_URI, "openid email", None, &[])
        .unwrap();
    let mut args = code_args(id, &code, None);
    args.extend(["--client-secret-env", "OD_SECRET", "--userinfo"]);
    let env = [("OD_SECRET", secret)];
    let r = live(server, &args, &env);
    assert_pass(&r);
    assert_verified(&r, "id_token");
    assert!(r.stderr.contains("/me → 200"), "userinfo was called\n{r}");
    // the same code again
    let r = live(server, &args, &env);
    assert_eq!(r.code, 1, "{r}");
    assert_category(&r, "grant_type", &[], "grant_type");
}

#[test]
fn public_client_with_pkce_succeeds_and_a_wrong_verifier_is_a_pkce_problem() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let id = clients::PUBLIC_PKCE;
    let (verifier, challenge) = pkce_pair();
    let (code, url) = server
        .authorization_code_and_url(id, REDIRECT_URI, "openid", Some((&challenge, "S256")), &[])
        .unwrap();
    let mut args = code_args(id, &code, Some(&verifier));
    args.extend(["--authorize-url", &url]);
    let r = live(server, &args, &[]);
    assert_pass(&r);
    assert_verified(&r, "id_token");

    let (_, challenge) = pkce_pair();
    let (other_verifier, _) = pkce_pair();
    let (code, url) = server
        .authorization_code_and_url(id, REDIRECT_URI, "openid", Some((&challenge, "S256")), &[])
        .unwrap();
    let mut args = code_args(id, &code, Some(&other_verifier));
    args.extend(["--authorize-url", &url]);
    let r = live(server, &args, &[]);
    assert_eq!(r.code, 1, "{r}");
    // `invalid_grant` "grant request is invalid": only the recorded authorization request
    // (its code_challenge) shows that the verifier is the wrong one.
    assert_category(&r, "pkce", &["PKCE001"], "grant_type");
}

#[test]
fn wrong_redirect_uri_at_the_token_endpoint_is_a_redirect_uri_problem() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let (id, secret) = clients::CONF_BASIC;
    let (code, url) = server
        .authorization_code_and_url(id, REDIRECT_URI, "openid", None, &[])
        .unwrap();
    let r = live(
        server,
        &[
            "--grant-type",
            "authorization_code",
            "--client-id",
            id,
            "--client-secret-env",
            "OD_SECRET",
            "--code",
            &code,
            "--redirect-uri",
            "http://127.0.0.1:8976/callback",
            "--authorize-url",
            &url,
        ],
        &[("OD_SECRET", secret)],
    );
    assert_eq!(r.code, 1, "{r}");
    assert_category(&r, "redirect_uri", &["GRANT004"], "grant_type");
}

/// Redeems a code for `conf-basic` directly and returns the refresh token.
fn refresh_token(server: &LiveServer) -> String {
    let (id, secret) = clients::CONF_BASIC;
    let code = server
        .authorization_code(id, REDIRECT_URI, "openid offline_access", None, &[])
        .unwrap();
    let resp = http_client()
        .post(server.token_endpoint())
        .basic_auth(id, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
        ])
        .send()
        .unwrap();
    let json: serde_json::Value = resp.json().unwrap();
    json["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no refresh_token: {json}"))
        .to_string()
}

#[test]
fn refresh_token_rotates_and_a_replayed_one_is_refused() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let (id, secret) = clients::CONF_BASIC;
    let rt = refresh_token(server);
    let args = [
        "--grant-type",
        "refresh_token",
        "--client-id",
        id,
        "--client-secret-env",
        "OD_SECRET",
        "--refresh-token-env",
        "OD_RT",
        "--save-capture",
    ];
    let saved = tempfile::NamedTempFile::new().unwrap();
    let saved_path = saved.path().display().to_string();
    let mut first = args.to_vec();
    first.push(&saved_path);
    first.push("--show-secrets");
    let r = live(server, &first, &[("OD_SECRET", secret), ("OD_RT", &rt)]);
    assert_pass(&r);
    let dump: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(saved.path()).unwrap()).unwrap();
    let token_body = dump["exchanges"][1]["response"]["body"].as_str().unwrap();
    let rotated: serde_json::Value = serde_json::from_str(token_body).unwrap();
    assert_ne!(rotated["refresh_token"].as_str(), Some(rt.as_str()));

    // the old (rotated) refresh token again: refused, and the grant is revoked
    let mut replay = args.to_vec();
    replay.pop();
    let r = live(server, &replay, &[("OD_SECRET", secret), ("OD_RT", &rt)]);
    assert_eq!(r.code, 1, "{r}");
    // From one request, a refresh token the server no longer honours is a revoked token
    // (token_expiry); a rule that sees the earlier rotation may call it a replay (grant_type).
    let cat = r.top_category();
    assert!(cat == "token_expiry" || cat == "grant_type", "{cat}\n{r}");
}

#[test]
fn device_flow_shows_the_user_code_polls_and_succeeds() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let mut child = doctor::command(
        &[
            "check",
            "--issuer",
            &server.issuer,
            "--format",
            "json",
            "--grant-type",
            "device_code",
            "--client-id",
            clients::DEVICE_CLIENT,
            "--scope",
            "openid",
        ],
        &[],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let user_code = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the user code on stderr");
        if let Some((_, code)) = line.split_once("enter the code ") {
            break code.trim().to_string();
        }
    };
    server.approve_device(&user_code).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = reader.join().unwrap();
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    };
    assert_pass(&r);
    assert!(r.stderr.contains("/device"), "verification URI shown\n{r}");
    assert_verified(&r, "id_token");
}

#[test]
fn expired_access_token_at_userinfo_is_a_token_expiry_problem() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let (verifier, challenge) = pkce_pair();
    let code = server
        .authorization_code(
            clients::SHORT_LIVED,
            REDIRECT_URI,
            "openid",
            Some((&challenge, "S256")),
            &[],
        )
        .unwrap();
    let resp = http_client()
        .post(server.token_endpoint())
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", clients::SHORT_LIVED),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .unwrap();
    let json: serde_json::Value = resp.json().unwrap();
    let at = json["access_token"].as_str().unwrap().to_string();
    assert_eq!(json["expires_in"], 2, "{json}");
    let args = ["--access-token-env", "OD_AT", "--userinfo"];
    let r = live(server, &args, &[("OD_AT", &at)]);
    assert_pass(&r);
    std::thread::sleep(Duration::from_millis(4500));
    let r = live(server, &args, &[("OD_AT", &at)]);
    assert_eq!(r.code, 1, "{r}");
    assert_category(&r, "token_expiry", &[], "token_expiry");
}

#[test]
fn a_saved_capture_gives_the_same_top_diagnosis_and_holds_no_secret() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let secret = "a-wrong-secret-value-0123456789";
    let scenarios: Vec<Vec<&str>> = vec![
        vec![],
        vec!["--body-format", "json"],
        vec!["--omit", "grant_type"],
        vec!["--auth-method", "client_secret_basic,client_secret_post"],
    ];
    for extra in scenarios {
        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().display().to_string();
        let mut args = extra.clone();
        args.extend(["--save-capture", &path]);
        let r = client_credentials(server, (clients::CONF_BASIC.0, secret), &args);
        assert_eq!(r.code, 1, "{r}");
        let saved = std::fs::read_to_string(file.path()).unwrap();
        assert!(
            !saved.contains(secret),
            "the secret is in the capture:\n{saved}"
        );
        assert!(
            !saved.contains(
                &url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>()
            ),
            "{saved}"
        );
        let again = run(&["check", &path, "--format", "json"], &[]);
        assert_eq!(again.code, 1, "{again}");
        assert_eq!(
            again.top(),
            r.top(),
            "live vs saved ({extra:?})\n{r}\n{again}"
        );
        // the evidence rules need is still there
        assert!(saved.contains("Content-Type"), "{saved}");
    }
    // a successful run: tokens are fingerprinted, JWT claims stay readable
    let file = tempfile::NamedTempFile::new().unwrap();
    let path = file.path().display().to_string();
    let r = client_credentials(server, clients::CONF_BASIC, &["--save-capture", &path]);
    assert_pass(&r);
    let saved = std::fs::read_to_string(file.path()).unwrap();
    assert!(!saved.contains(clients::CONF_BASIC.1), "{saved}");
    assert!(
        saved.contains(".redacted_"),
        "JWT signature replaced:\n{saved}"
    );
    let again = run(&["check", &path, "--format", "json"], &[]);
    assert_eq!(again.code, 0, "{again}");
}

#[test]
fn wrong_issuer_is_diagnosed_not_crashed() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let r = run(
        &[
            "check",
            "--issuer",
            &format!("{}/tenant-that-does-not-exist", server.issuer),
            "--format",
            "json",
            "--grant-type",
            "client_credentials",
            "--client-id",
            "x",
            "--client-secret-env",
            "OD_SECRET",
        ],
        &[("OD_SECRET", "s")],
    );
    // The recorded 404 on the metadata URL is the discovery rules' to judge (DISC002); until
    // they are registered, live mode says plainly that it could not do its job.
    if doctor::registered(&["DISC002"]) {
        assert_eq!(r.code, 1, "{r}");
        assert_category(&r, "endpoint_url", &[], "endpoint_url");
    } else {
        assert_eq!(r.code, 2, "{r}");
        assert!(
            r.stderr
                .contains("the issuer's metadata could not be used (`GET "),
            "{r}"
        );
        assert!(r.stderr.contains("answered 404"), "{r}");
    }
}

#[test]
fn an_issuer_that_differs_from_the_metadata_by_a_slash_is_called_out() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let r = run(
        &[
            "check",
            "--issuer",
            &format!("{}/", server.issuer),
            "--format",
            "json",
            "--grant-type",
            "client_credentials",
            "--client-id",
            clients::CONF_BASIC.0,
            "--client-secret-env",
            "OD_SECRET",
        ],
        &[("OD_SECRET", clients::CONF_BASIC.1)],
    );
    assert!(
        r.stderr.contains(&format!(
            "the metadata's issuer is `{}`, not `{}/`",
            server.issuer, server.issuer
        )),
        "{r}"
    );
    if doctor::registered(&["DISC001"]) {
        assert!(r.findings().iter().any(|f| f["rule"] == "DISC001"), "{r}");
    }
}
