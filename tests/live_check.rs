//! Live mode of `oauth-doctor check` against a real OpenID provider (tests/live, panva
//! oidc-provider): every grant and client authentication method the provider supports, the ones
//! it refuses, and the classic mistakes. Each test asserts what a user reads: the exit status and
//! the category of the top diagnosis (docs/json-output.md, "Categories"), not the exact rule.
//! Skips (passes) when Node.js or tests/live/node_modules is missing, unless OAUTH_DOCTOR_LIVE=1.

#[path = "support/doctor.rs"]
mod doctor;
#[path = "support/live_server.rs"]
mod live_server;

use doctor::{
    Run, assert_diagnosis, check_args, client_credentials_args, run, run_as_client, run_check,
    run_client_credentials, temp_file,
};
use live_server::{LiveServer, REDIRECT_URI, clients, code_form, crate_path, pkce_pair};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

/// `check --issuer <server> --format json ARGS`.
fn live(server: &LiveServer, args: &[&str], env: &[(&str, &str)]) -> Run {
    run_check(&["--issuer", &server.issuer], args, env)
}

/// `live` as the client `(client_id, secret)`, the secret passed in an environment variable.
fn as_client(
    server: &LiveServer,
    client: (&str, &str),
    args: &[&str],
    env: &[(&str, &str)],
) -> Run {
    run_as_client(&["--issuer", &server.issuer], client, args, env)
}

fn client_credentials(server: &LiveServer, client: (&str, &str), extra: &[&str]) -> Run {
    run_client_credentials(&["--issuer", &server.issuer], client, extra, &[])
}

/// A client_credentials check for `client_id` authenticated with the private key at `key`
/// (relative to the crate root), then EXTRA.
fn private_key_jwt(server: &LiveServer, client_id: &str, key: &str, extra: &[&str]) -> Run {
    let key = crate_path(key);
    let mut args = client_credentials_args(client_id).to_vec();
    args.extend(["--private-key", &key]);
    args.extend_from_slice(extra);
    live(server, &args, &[])
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
        let r = private_key_jwt(
            server,
            clients::PKJWT_CLIENT,
            key,
            &["--key-id", clients::PKJWT_KID],
        );
        assert_pass(&r);
        // a fresh jti each time: the second run is not a replay
        let again = private_key_jwt(server, clients::PKJWT_CLIENT, key, &[]);
        assert_pass(&again);
    }
}

#[test]
fn wrong_secret_is_a_credentials_problem_with_either_method() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let r = client_credentials(server, (clients::CONF_BASIC.0, "not-the-secret"), &[]);
    assert_diagnosis(&r, "credentials", &[], "credentials");
    let r = client_credentials(
        server,
        (clients::CONF_POST.0, "not-the-secret"),
        &["--auth-method", "client_secret_post"],
    );
    assert_diagnosis(&r, "credentials", &[], "credentials");
    // the registered method is enforced: Basic for a client_secret_post client
    let r = client_credentials(
        server,
        clients::CONF_POST,
        &["--auth-method", "client_secret_basic"],
    );
    assert_diagnosis(&r, "credentials", &[], "credentials");
    // a wrong private key: the assertion does not verify
    let r = private_key_jwt(server, clients::JWT_CLIENT.0, clients::PKJWT_KEY_PEM, &[]);
    assert_diagnosis(&r, "credentials", &[], "credentials");
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
    assert_diagnosis(&r, "credentials", &[], "credentials");
}

#[test]
fn missing_grant_type_is_a_parameters_problem() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let r = client_credentials(server, clients::CONF_BASIC, &["--omit", "grant_type"]);
    assert_diagnosis(&r, "parameters", &[], "parameters");
}

#[test]
fn json_body_is_a_content_type_problem() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let r = client_credentials(server, clients::CONF_BASIC, &["--body-format", "json"]);
    // The server says `invalid_request` ("only application/x-www-form-urlencoded ...").
    assert_diagnosis(&r, "content_type_encoding", &["PARAM001"], "parameters");
}

#[test]
fn grants_the_client_or_server_does_not_allow_are_grant_type_problems() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    // cc-only may not use refresh_token: unauthorized_client
    let r = as_client(
        server,
        clients::CC_ONLY,
        &[
            "--grant-type",
            "refresh_token",
            "--refresh-token-env",
            "OD_RT",
        ],
        &[("OD_RT", "some-refresh-token")],
    );
    assert_diagnosis(&r, "grant_type", &[], "grant_type");

    // password, jwt-bearer and token exchange are not enabled at this provider
    let assertion = temp_file("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.\n");
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
            vec![
                "--grant-type",
                "jwt-bearer",
                "--assertion-file",
                &assertion.path,
            ],
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
    for (grant_args, env) in cases {
        let r = as_client(server, clients::CONF_BASIC, &grant_args, &env);
        assert_diagnosis(&r, "grant_type", &[], "grant_type");
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
    assert_diagnosis(&r, "audience_issuer", &[], "audience_issuer");
}

/// `--grant-type authorization_code --code CODE --redirect-uri REDIRECT_URI`.
fn code_args<'a>(code: &'a str, redirect_uri: &'a str) -> Vec<&'a str> {
    vec![
        "--grant-type",
        "authorization_code",
        "--code",
        code,
        "--redirect-uri",
        redirect_uri,
    ]
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
    let mut args = code_args(&code, REDIRECT_URI);
    args.push("--userinfo");
    let r = as_client(server, (id, secret), &args, &[]);
    assert_pass(&r);
    assert_verified(&r, "id_token");
    assert!(r.stderr.contains("/me → 200"), "userinfo was called\n{r}");
    // the same code again
    let r = as_client(server, (id, secret), &args, &[]);
    assert_diagnosis(&r, "grant_type", &[], "grant_type");
}

#[test]
fn public_client_with_pkce_succeeds_and_a_wrong_verifier_is_a_pkce_problem() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let id = clients::PUBLIC_PKCE;
    // authorizes with `challenge`, then checks the code redemption with `verifier`
    let redeem = |challenge: &str, verifier: &str| {
        let (code, url) = server
            .authorization_code_and_url(id, REDIRECT_URI, "openid", Some((challenge, "S256")), &[])
            .unwrap();
        let mut args = code_args(&code, REDIRECT_URI);
        args.extend(["--client-id", id, "--code-verifier", verifier]);
        args.extend(["--authorize-url", &url]);
        live(server, &args, &[])
    };
    let (verifier, challenge) = pkce_pair();
    let r = redeem(&challenge, &verifier);
    assert_pass(&r);
    assert_verified(&r, "id_token");

    let (_, challenge) = pkce_pair();
    let (other_verifier, _) = pkce_pair();
    let r = redeem(&challenge, &other_verifier);
    // `invalid_grant` "grant request is invalid": only the recorded authorization request
    // (its code_challenge) shows that the verifier is the wrong one.
    assert_diagnosis(&r, "pkce", &["PKCE001"], "grant_type");
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
    let mut args = code_args(&code, "http://127.0.0.1:8976/callback");
    args.extend(["--authorize-url", &url]);
    let r = as_client(server, (id, secret), &args, &[]);
    assert_diagnosis(&r, "redirect_uri", &["GRANT004"], "grant_type");
}

/// Redeems a code for `conf-basic` directly and returns the refresh token.
fn refresh_token(server: &LiveServer) -> String {
    let (id, secret) = clients::CONF_BASIC;
    let code = server
        .authorization_code(id, REDIRECT_URI, "openid offline_access", None, &[])
        .unwrap();
    let json = server.ok_token(Some((id, secret)), &code_form(&code, &[]));
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
    let rt = refresh_token(server);
    let args = [
        "--grant-type",
        "refresh_token",
        "--refresh-token-env",
        "OD_RT",
    ];
    let saved = temp_file("");
    let mut first = args.to_vec();
    first.extend(["--save-capture", &saved.path, "--show-secrets"]);
    let r = as_client(server, clients::CONF_BASIC, &first, &[("OD_RT", &rt)]);
    assert_pass(&r);
    let dump = saved.json();
    let token_body = dump["exchanges"][1]["response"]["body"].as_str().unwrap();
    let rotated: serde_json::Value = serde_json::from_str(token_body).unwrap();
    assert_ne!(rotated["refresh_token"].as_str(), Some(rt.as_str()));

    // the old (rotated) refresh token again: refused, and the grant is revoked
    let r = as_client(server, clients::CONF_BASIC, &args, &[("OD_RT", &rt)]);
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
    let args = check_args(
        &["--issuer", &server.issuer],
        &[
            "--grant-type",
            "device_code",
            "--client-id",
            clients::DEVICE_CLIENT,
            "--scope",
            "openid",
        ],
    );
    let mut child = doctor::command(&args, &[])
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
    // stderr as the reader thread saw it (the child's pipe was taken)
    let r = Run {
        stderr,
        ..Run::from_output(out)
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
    let json = server.ok_token(
        None,
        &code_form(
            &code,
            &[
                ("client_id", clients::SHORT_LIVED),
                ("code_verifier", &verifier),
            ],
        ),
    );
    let at = json["access_token"].as_str().unwrap().to_string();
    assert_eq!(json["expires_in"], 2, "{json}");
    let args = ["--access-token-env", "OD_AT", "--userinfo"];
    let r = live(server, &args, &[("OD_AT", &at)]);
    assert_pass(&r);
    std::thread::sleep(Duration::from_millis(4500));
    let r = live(server, &args, &[("OD_AT", &at)]);
    assert_diagnosis(&r, "token_expiry", &[], "token_expiry");
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
        let file = temp_file("");
        let mut args = extra.clone();
        args.extend(["--save-capture", &file.path]);
        let r = client_credentials(server, (clients::CONF_BASIC.0, secret), &args);
        assert_eq!(r.code, 1, "{r}");
        let saved = file.read();
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
        let again = run(&["check", &file.path, "--format", "json"], &[]);
        assert_eq!(again.code, 1, "{again}");
        assert_eq!(
            again.top(),
            r.top(),
            "live vs saved ({extra:?})\n{r}\n{again}"
        );
        // the evidence rules need is still there
        assert!(saved.contains("Content-Type"), "{saved}");
    }
    // a successful run: tokens are replaced, JWT claims stay readable
    let file = temp_file("");
    let r = client_credentials(server, clients::CONF_BASIC, &["--save-capture", &file.path]);
    assert_pass(&r);
    let saved = file.read();
    assert!(!saved.contains(clients::CONF_BASIC.1), "{saved}");
    // The access token keeps its header and claims; its signature is a placeholder.
    let dump = file.json();
    let body = dump["exchanges"][1]["response"]["body"].as_str().unwrap();
    let tokens: serde_json::Value = serde_json::from_str(body).unwrap();
    let at = tokens["access_token"].as_str().unwrap();
    let claims = oauth_doctor::oauth::jwt::decode(at)
        .unwrap_or_else(|e| panic!("{e}: {at}"))
        .claims;
    assert_eq!(claims["client_id"], clients::CONF_BASIC.0, "{claims:?}");
    let signature = at.rsplit('.').next().unwrap();
    assert!(
        signature.starts_with("REDACTED-") && oauth_doctor::redact::is_redacted(signature),
        "JWT signature replaced:\n{saved}"
    );
    let again = run(&["check", &file.path, "--format", "json"], &[]);
    assert_eq!(again.code, 0, "{again}");
}

#[test]
fn wrong_issuer_is_diagnosed_not_crashed() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let issuer = format!("{}/tenant-that-does-not-exist", server.issuer);
    let r = run_client_credentials(&["--issuer", &issuer], ("x", "s"), &[], &[]);
    // The recorded 404 on the metadata URL is the discovery rules' to judge (DISC002); until
    // they are registered, live mode says plainly that it could not do its job.
    if doctor::registered(&["DISC002"]) {
        assert_diagnosis(&r, "endpoint_url", &[], "endpoint_url");
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
    let issuer = format!("{}/", server.issuer);
    let r = run_client_credentials(&["--issuer", &issuer], clients::CONF_BASIC, &[], &[]);
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

/// Whether a saved capture holds `secret`: as it is, or inside Basic credentials.
fn holds(text: &str, secret: &str) -> bool {
    use base64::Engine as _;
    text.contains(secret)
        || text.split("Basic ").skip(1).any(|rest| {
            let cred: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "+/=".contains(*c))
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(cred)
                .is_ok_and(|pair| String::from_utf8_lossy(&pair).contains(secret))
        })
}

/// The requests of a saved capture: method, URL, headers and body of every exchange.
fn saved_requests(dump: &serde_json::Value) -> Vec<serde_json::Value> {
    dump["exchanges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a dump: {dump}"))
        .iter()
        .map(|e| e["request"].clone())
        .collect()
}

#[test]
fn save_capture_and_redact_write_the_same_secret_the_same_way() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let (id, secret) = clients::CONF_BASIC;
    // Values a run sends again unchanged: a code and its verifier (redeemed by the first run,
    // refused the second time in an identical request), an access token sent to userinfo, a
    // client secret in a Basic header or in the body.
    let (verifier, challenge) = pkce_pair();
    let code = server
        .authorization_code(id, REDIRECT_URI, "openid", Some((&challenge, "S256")), &[])
        .unwrap();
    let other = server
        .authorization_code(id, REDIRECT_URI, "openid", None, &[])
        .unwrap();
    let tokens = server.ok_token(Some((id, secret)), &code_form(&other, &[]));
    let at = tokens["access_token"].as_str().unwrap().to_string();
    // (arguments, client, the secrets they send)
    type Scenario<'a> = (Vec<&'a str>, (&'a str, &'a str), Vec<&'a str>);
    let scenarios: Vec<Scenario> = vec![
        (
            vec![
                "--grant-type",
                "authorization_code",
                "--code",
                &code,
                "--redirect-uri",
                REDIRECT_URI,
                "--code-verifier",
                &verifier,
            ],
            clients::CONF_BASIC,
            vec![&code, &verifier, secret],
        ),
        (
            vec!["--access-token-env", "OD_AT", "--userinfo"],
            clients::CONF_BASIC,
            vec![&at],
        ),
        (
            vec![
                "--grant-type",
                "client_credentials",
                "--auth-method",
                "client_secret_post",
            ],
            clients::CONF_POST,
            vec![clients::CONF_POST.1],
        ),
    ];
    for (args, client, secrets) in scenarios {
        let (saved, clear, redacted) = (temp_file(""), temp_file(""), temp_file(""));
        let mut first = args.clone();
        first.extend(["--save-capture", &saved.path]);
        let r = as_client(server, client, &first, &[("OD_AT", &at)]);
        assert!(r.code == 0 || r.code == 1, "{r}");
        let mut second = args.clone();
        second.extend(["--save-capture", &clear.path, "--show-secrets"]);
        let r = as_client(server, client, &second, &[("OD_AT", &at)]);
        assert!(r.code == 0 || r.code == 1, "{r}");
        let r = run(&["redact", &clear.path, "-o", &redacted.path], &[]);
        assert_eq!(r.code, 0, "{r}");

        let clear_text = clear.read();
        let (saved_text, redacted_text) = (saved.read(), redacted.read());
        for s in &secrets {
            assert!(holds(&clear_text, s), "{s} not sent\n{clear_text}");
            assert!(!holds(&saved_text, s), "{s} in\n{saved_text}");
            assert!(!holds(&redacted_text, s), "{s} in\n{redacted_text}");
        }
        // Every request of both runs (discovery, then the one with the secrets; a failed token
        // request fetches no key set after it) reads the same in both files.
        let (saved, redacted) = (
            saved_requests(&saved.json()),
            saved_requests(&redacted.json()),
        );
        let both = saved.len().min(redacted.len());
        assert!(both >= 2, "{saved_text}\n{redacted_text}");
        assert_eq!(
            saved[..both],
            redacted[..both],
            "{args:?}\n--save-capture:\n{saved_text}\nredact:\n{redacted_text}"
        );
        assert_ne!(saved[..both], saved_requests(&clear.json())[..both]);
        assert!(saved_text.contains("REDACTED-"), "{saved_text}");
    }
}

#[test]
fn a_token_signed_with_a_key_outside_the_key_set_is_jwt002() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    // A key set of another issuer: the public half of the test client's own key.
    let jwk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(crate_path(clients::PKJWT_KEY_JWK)).unwrap())
            .unwrap();
    let public = serde_json::json!({"keys": [{
        "kty": "RSA", "kid": jwk["kid"], "n": jwk["n"], "e": jwk["e"], "use": "sig"
    }]});
    let jwks = temp_file(&public.to_string());
    let r = client_credentials(server, clients::CONF_BASIC, &["--jwks", &jwks.path]);
    // The token request itself succeeded: the finding is a warning about the token.
    assert_eq!(r.json()["verdict"], "warn", "{r}");
    assert_eq!(r.top_category(), "signature_key", "{r}");
    assert_eq!(r.top_rule(), "JWT002", "{r}");
    let top = &r.findings()[0];
    let message = top["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "the `access_token` returned by the token endpoint, checked with the keys from {}: signing key `",
            jwks.path
        )) && message.ends_with(&format!("is not in the key set (it has `{}`)", clients::PKJWT_KID)),
        "{r}"
    );
    // The evidence names the token by its fingerprint only.
    assert_eq!(
        top["evidence"][0]["at"], "response.body.access_token",
        "{r}"
    );
    assert!(!r.stdout.contains(".ey"), "{r}");
}
