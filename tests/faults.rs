//! Live mode against real local sockets that fail on purpose: connection refused, a server that
//! never answers, an untrusted or self-signed certificate, mutual TLS, an HTML 502, a redirect to
//! a login page, a 10 MB body, device polling with `slow_down`, proxies. A network failure is a
//! diagnosis (exit 1 with a STAT finding), never a crash; only refusing to send a secret in clear
//! is an exit 2. Everything listens on 127.0.0.1.

#[path = "support/doctor.rs"]
mod doctor;
#[path = "support/fake_server.rs"]
mod fake_server;

use doctor::{
    Run, assert_diagnosis, check_args, client_credentials_args, run, run_check,
    run_client_credentials, temp_file,
};
use fake_server::{Reply, http, json};
use std::time::{Duration, Instant};

const TOKEN_OK: &str =
    r#"{"access_token":"opaque-access-token-value","token_type":"Bearer","expires_in":60}"#;

/// `check --token-url URL --grant-type client_credentials --client-id app` with a secret.
fn cc(url: &str, extra: &[&str]) -> Run {
    cc_env(url, extra, &[])
}

fn cc_env(url: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    run_client_credentials(
        &["--token-url", url],
        ("app", "fault-test-secret"),
        extra,
        env,
    )
}

fn top_message(r: &Run) -> String {
    r.findings()
        .first()
        .and_then(|f| f["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no finding\n{r}"))
}

fn assert_stat_diagnosis(r: &Run, words: &str) {
    assert_eq!(r.code, 1, "{r}");
    let rule = r.top_rule();
    assert!(rule.starts_with("STAT"), "{rule}\n{r}");
    assert!(
        top_message(r).contains(words),
        "the diagnosis says `{words}`\n{r}"
    );
}

#[test]
fn connection_refused_is_a_diagnosis() {
    let port = fake_server::refused_port();
    let r = cc(&format!("http://127.0.0.1:{port}/token"), &[]);
    assert_stat_diagnosis(&r, "connection refused");
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = fake_server::start(|_, _| Reply::Silent(Duration::from_secs(20)));
    let started = Instant::now();
    let r = cc(&server.url("/token"), &["--timeout", "1"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_stat_diagnosis(&r, "timed out after 1 s");
}

#[test]
fn an_untrusted_certificate_is_a_tls_diagnosis_and_insecure_is_recorded() {
    let server = fake_server::start_tls(fake_server::self_signed_config(), |_, _| {
        json("200 OK", TOKEN_OK)
    });
    let r = cc(&server.url("/token"), &[]);
    assert_stat_diagnosis(&r, "TLS handshake failed");

    let saved = temp_file("");
    let r = cc(
        &server.url("/token"),
        &["--insecure", "--save-capture", &saved.path],
    );
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.contains("--insecure"), "{r}");
    let dump = saved.read();
    assert!(dump.contains("x-oauth-doctor-tls-verify"), "{dump}");
}

#[test]
fn a_private_ca_is_trusted_with_cacert() {
    let pki = fake_server::pki();
    let server = fake_server::start_tls(fake_server::pki_config(&pki, false), |_, _| {
        json("200 OK", TOKEN_OK)
    });
    let r = cc(&server.url("/token"), &[]);
    assert_stat_diagnosis(&r, "TLS handshake failed");
    let ca = temp_file(&pki.ca_pem);
    let r = cc(&server.url("/token"), &["--cacert", &ca.path]);
    assert_eq!(r.code, 0, "{r}");
}

#[test]
fn tls_client_auth_presents_the_client_certificate() {
    let pki = fake_server::pki();
    let server = fake_server::start_tls(fake_server::pki_config(&pki, true), |_, _| {
        json("200 OK", TOKEN_OK)
    });
    let ca = temp_file(&pki.ca_pem);
    let cert = temp_file(&pki.client_cert_pem);
    let key = temp_file(&pki.client_key_pem);
    let url = server.url("/token");
    let mut args = client_credentials_args("mtls-app").to_vec();
    args.extend(["--cacert", &ca.path]);
    let base = check_args(&["--token-url", &url], &args);
    let mut with_cert = base.clone();
    with_cert.extend(["--client-cert", &cert.path, "--client-key", &key.path]);
    let r = run(&with_cert, &[]);
    assert_eq!(r.code, 0, "{r}");
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].body.contains("client_id=mtls-app"), "{:?}", seen[0]);
    // without the certificate the server ends the handshake
    let r = run(&base, &[]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.top_rule().starts_with("STAT"), "{r}");
}

#[test]
fn an_html_502_from_a_gateway_is_a_server_error() {
    let server = fake_server::start(|_, _| {
        http(
            "502 Bad Gateway",
            &[("Content-Type", "text/html")],
            b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
        )
    });
    let r = cc(&server.url("/token"), &[]);
    assert_diagnosis(&r, "server_error", &[], "server_error");
}

#[test]
fn a_redirect_to_a_login_page_is_recorded_not_followed() {
    let server = fake_server::start(|req, _| {
        if req.path().starts_with("/token") {
            http("302 Found", &[("Location", "/login?next=%2Ftoken")], b"")
        } else {
            http(
                "200 OK",
                &[("Content-Type", "text/html")],
                b"<html>login</html>",
            )
        }
    });
    let r = cc(&server.url("/token"), &[]);
    assert_eq!(r.code, 1, "{r}");
    let (rule, category) = r.top().unwrap();
    assert_eq!(
        (rule.as_str(), category.as_str()),
        ("STAT001", "endpoint_url"),
        "{r}"
    );
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "the redirect was followed: {seen:?}");
}

#[test]
fn a_10_mb_response_is_capped_and_the_cap_recorded() {
    let server = fake_server::start(|_, _| {
        let mut body = br#"{"access_token":""#.to_vec();
        body.extend(std::iter::repeat_n(b'a', 10 * 1024 * 1024));
        body.extend(br#"","token_type":"Bearer"}"#);
        http("200 OK", &[("Content-Type", "application/json")], &body)
    });
    let saved = temp_file("");
    let started = Instant::now();
    let r = cc(
        &server.url("/token"),
        &["--save-capture", &saved.path, "--show-secrets"],
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(r.code == 0 || r.code == 1, "{r}");
    assert!(r.stderr.contains("body capped"), "{r}");
    let dump = saved.json();
    let resp = &dump["exchanges"][0]["response"];
    assert!(resp["body"].as_str().unwrap().len() <= 1 << 20);
    assert!(
        resp["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h[0] == "x-oauth-doctor-truncated"),
        "{resp}"
    );
}

#[test]
fn a_secret_is_never_sent_over_plain_http_to_a_remote_host() {
    let r = cc("http://idp.example.com/oauth/token", &[]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("--allow-insecure-http"), "{r}");
    assert!(r.stdout.is_empty(), "{r}");
}

#[test]
fn device_flow_honours_the_interval_and_slow_down() {
    let server = fake_server::start(|req, n| {
        if req.path() == "/device/auth" {
            return json(
                "200 OK",
                r#"{"device_code":"dev-code-0123456789","user_code":"WDJB-MJHT","verification_uri":"https://idp.example/device","expires_in":60,"interval":1}"#,
            );
        }
        // token polls: slow_down first, then tokens
        if n == 1 {
            json("400 Bad Request", r#"{"error":"slow_down"}"#)
        } else {
            json("200 OK", TOKEN_OK)
        }
    });
    let r = run_check(
        &[
            "--token-url",
            &server.url("/token"),
            "--device-authorization-url",
            &server.url("/device/auth"),
        ],
        &["--grant-type", "device_code", "--client-id", "tv"],
        &[],
    );
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.contains("enter the code WDJB-MJHT"), "{r}");
    assert!(r.stderr.contains("https://idp.example/device"), "{r}");
    let seen = server.requests();
    assert_eq!(seen.len(), 3, "device auth + 2 polls: {seen:?}");
    let first_wait = seen[1].at - seen[0].at;
    let second_wait = seen[2].at - seen[1].at;
    assert!(first_wait >= Duration::from_millis(950), "{first_wait:?}");
    assert!(
        second_wait >= Duration::from_millis(5900),
        "slow_down adds 5 s: {second_wait:?}"
    );
    // only the last poll is recorded with the device authorization
    assert_eq!(r.json()["exchanges"], 2, "{r}");
}

#[test]
fn proxies_are_used_for_remote_hosts_but_not_for_loopback() {
    // a "proxy" that answers every request itself: it sees absolute-form request targets
    let proxy = fake_server::start(|_, _| json("200 OK", TOKEN_OK));
    let dead = format!("http://127.0.0.1:{}", fake_server::refused_port());

    // loopback target with a dead proxy configured: the proxy is bypassed
    let target = fake_server::start(|_, _| json("200 OK", TOKEN_OK));
    let r = cc_env(
        &target.url("/token"),
        &[],
        &[("HTTP_PROXY", &dead), ("http_proxy", &dead)],
    );
    assert_eq!(r.code, 0, "{r}");

    // remote target: goes through the proxy (no secret, so plain http is allowed)
    let mut args = client_credentials_args("public-app").to_vec();
    args.extend(["--auth-method", "none"]);
    let r = run_check(
        &["--token-url", "http://idp.example.com/oauth/token"],
        &args,
        &[("HTTP_PROXY", &proxy.base), ("http_proxy", &proxy.base)],
    );
    assert_eq!(r.code, 0, "{r}");
    let seen = proxy.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0]
            .head
            .starts_with("POST http://idp.example.com/oauth/token"),
        "{:?}",
        seen[0].head
    );
}

#[test]
fn bad_live_arguments_are_exit_2_with_a_message() {
    // `check --token-url <nothing listens> --grant-type GRANT --client-id a ARGS`
    let refused = |grant: &'static str, args: &[&'static str]| {
        let mut all = vec![
            "check",
            "--token-url",
            "http://127.0.0.1:1/t",
            "--grant-type",
            grant,
            "--client-id",
            "a",
        ];
        all.extend_from_slice(args);
        all
    };
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            refused(
                "client_credentials",
                &["--client-secret-env", "OD_UNSET_VARIABLE"],
            ),
            "OD_UNSET_VARIABLE",
        ),
        (
            vec!["check", "capture.json", "--issuer", "https://idp.example"],
            "replaces INPUT",
        ),
        (refused("authorization_code", &[]), "--code"),
        (
            refused("client_credentials", &["--extra", "client_secret=oops"]),
            "must not be given on the command line",
        ),
        (
            refused("client_credentials", &["--private-key", "Cargo.toml"]),
            "private key",
        ),
    ];
    for (args, words) in &cases {
        let r = run(args, &[]);
        assert_eq!(r.code, 2, "{args:?}\n{r}");
        assert!(r.stderr.contains(words), "{args:?}: `{words}`\n{r}");
    }
}

#[test]
fn https_to_a_plain_http_port_says_so() {
    let server = fake_server::start(|_, _| json("200 OK", TOKEN_OK));
    let url = server.url("/token").replace("http://", "https://");
    let r = cc(&url, &[]);
    assert_stat_diagnosis(&r, "does not speak TLS");
}
