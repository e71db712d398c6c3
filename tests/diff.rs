//! `oauth-doctor diff GOOD BAD`, end to end: the real binary on real fixture files.
//!
//! - One pair per mistake class (fixtures/diff/<class>/: client auth method, Basic encoding, JSON
//!   body, redirect_uri slash, scope, PKCE method, wrong tenant, clock, and two lifetimes: a code
//!   redeemed late, a token used after it expired): GOOD is a shipped capture, BAD the same flow
//!   run again later with one mistake injected. The injected difference is the first one
//!   reported, it is the only difference that can explain the failure, and nothing that always
//!   differs between two runs (codes, state, nonce, verifiers, tokens, cookies, session ids,
//!   timestamps) is reported.
//! - Real pairs from the corpus: a successful and a failing capture of the same provider; the
//!   output names the difference a person would point to.
//! - Secrets: no secret of either capture appears in any output format.
//! - Exit status and bad input.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

fn doctor() -> Command {
    let mut c = Command::cargo_bin("oauth-doctor").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR");
    c
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Run `diff GOOD BAD --format json`: (exit status, document).
fn diff_json(good: &str, bad: &str) -> (i32, Value) {
    let out = doctor()
        .args(["diff", good, bad, "--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{good} vs {bad}: not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), doc)
}

fn differences(doc: &Value) -> &Vec<Value> {
    doc["differences"].as_array().unwrap()
}

/// The differences a person reads as differences: neither the failure itself (`symptom`) nor
/// the steps BAD never reached because it failed before.
fn reported(doc: &Value) -> Vec<&Value> {
    differences(doc)
        .iter()
        .filter(|d| d["role"] != "symptom" && d["role"] != "not_reached")
        .collect()
}

fn describe(doc: &Value) -> String {
    reported(doc)
        .iter()
        .map(|d| {
            format!(
                "{} {} {} · {}: {}",
                d["rank"], d["role"], d["step"], d["field"], d["message"]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Names of values that differ on every run: they may only ever be reported for their shape,
/// and the pairs below keep every shape.
const ALWAYS_DIFFER: &[&str] = &[
    "code",
    "state",
    "nonce",
    "code_verifier",
    "code_challenge",
    "access_token",
    "refresh_token",
    "id_token",
    "session_state",
    "jti",
    "client_assertion",
    "Cookie",
    "Set-Cookie",
    "Date",
    "iss",
    "expires_in",
];

/// What the injected mistake must look like as the first difference.
struct Expect {
    class: &'static str,
    step: &'static str,
    aspect: &'static str,
    field: &'static str,
    /// The rule of BAD's own diagnosis it is linked to, or the documented reason.
    rule: Option<&'static str>,
    reason: Option<&'static str>,
    good: Option<&'static str>,
    bad: Option<&'static str>,
    /// How many differences there are in all (more than one only where one mistake shows in
    /// two places, as a slow clock does).
    count: usize,
}

fn pair_files(class: &str) -> (String, String) {
    let dir = root().join("fixtures/diff").join(class);
    for ext in ["json", "har"] {
        if dir.join(format!("good.{ext}")).exists() {
            return (
                format!("fixtures/diff/{class}/good.{ext}"),
                format!("fixtures/diff/{class}/bad.{ext}"),
            );
        }
    }
    panic!("fixtures/diff/{class} has no good.json or good.har");
}

const EXPECTED: &[Expect] = &[
    Expect {
        class: "client-auth-method",
        step: "token (authorization_code)",
        aspect: "client_authentication",
        field: "client authentication",
        rule: Some("STAT016"),
        reason: Some("client-auth-method"),
        good: Some("client_secret_post"),
        bad: Some("client_secret_basic"),
        count: 1,
    },
    Expect {
        class: "basic-encoding",
        step: "token (client_credentials)",
        aspect: "client_authentication",
        field: "Basic credentials encoding",
        rule: Some("CRED001"),
        reason: Some("basic-encoding"),
        good: Some("form-urlencoded before base64"),
        bad: Some("not form-urlencoded (holds `%` `+` `/` `:`)"),
        count: 1,
    },
    Expect {
        class: "json-body",
        step: "token (authorization_code)",
        aspect: "body_encoding",
        field: "body",
        rule: Some("PARAM001"),
        reason: Some("body-encoding"),
        good: Some("form (`Content-Type: application/x-www-form-urlencoded`)"),
        bad: Some("JSON (`Content-Type: application/json`)"),
        count: 1,
    },
    Expect {
        class: "redirect-uri-slash",
        step: "token (authorization_code)",
        aspect: "parameter",
        field: "redirect_uri",
        rule: Some("GRANT004"),
        reason: Some("redirect-uri"),
        good: Some("https://app.example.com/auth/callback"),
        bad: Some("https://app.example.com/auth/callback/"),
        count: 1,
    },
    Expect {
        class: "scope",
        step: "token (client_credentials)",
        aspect: "parameter",
        field: "scope",
        rule: Some("PARAM006"),
        reason: Some("scope"),
        good: Some("orders.read"),
        bad: Some("orders.read orders.write"),
        count: 1,
    },
    Expect {
        class: "pkce-method",
        step: "authorize",
        aspect: "parameter",
        field: "code_challenge_method",
        rule: Some("PKCE008"),
        reason: Some("pkce"),
        good: Some("S256"),
        bad: Some("plain"),
        count: 1,
    },
    Expect {
        class: "wrong-tenant",
        step: "token (client_credentials)",
        aspect: "endpoint",
        field: "tenant",
        rule: Some("PROV001"),
        reason: Some("endpoint"),
        good: Some("73f1ddf2-7a00-4772-bb8a-9c9973a98ef4"),
        bad: Some("b5c4f6d3-2e8a-4c19-9a7b-3f0d51e6c2a8"),
        count: 1,
    },
    Expect {
        class: "clock",
        step: "token (client_credentials)",
        aspect: "timing",
        field: "client_assertion iat",
        rule: Some("EXP003"),
        reason: Some("clock"),
        good: Some("`iat` at the server's time"),
        bad: Some("`iat` 10 min before the server's time"),
        count: 2,
    },
    Expect {
        class: "code-age",
        step: "token (authorization_code)",
        aspect: "timing",
        field: "code age",
        rule: Some("EXP004"),
        reason: Some("code-lifetime"),
        good: Some("redeemed 0 s after its issue"),
        bad: Some("redeemed 95 s after its issue"),
        count: 1,
    },
    Expect {
        class: "token-expired",
        step: "resource GET api.example.com/v1/orders",
        aspect: "timing",
        field: "token age",
        rule: Some("EXP001"),
        reason: Some("token-lifetime"),
        good: Some("used 59 min 59 s before it expired"),
        bad: Some("used 101 s after it expired"),
        count: 1,
    },
];

#[test]
fn each_injected_mistake_is_the_first_difference_and_nothing_that_always_differs_is_reported() {
    for x in EXPECTED {
        let (good, bad) = pair_files(x.class);
        let (code, doc) = diff_json(&good, &bad);
        let all = describe(&doc);
        assert_eq!(
            code, 1,
            "{}: a difference explains the failure\n{all}",
            x.class
        );
        assert_eq!(doc["schema"], "oauth-doctor/diff/v1");
        assert_eq!(doc["verdict"], "explained", "{}", x.class);
        let first = &differences(&doc)[0];
        assert_eq!(first["rank"], 1);
        assert_eq!(first["role"], "cause", "{}\n{all}", x.class);
        assert_eq!(first["explains_failure"], true);
        assert_eq!(first["step"], x.step, "{}\n{all}", x.class);
        assert_eq!(first["aspect"], x.aspect, "{}\n{all}", x.class);
        assert_eq!(first["field"], x.field, "{}\n{all}", x.class);
        assert_eq!(first["rule"].as_str(), x.rule, "{}\n{all}", x.class);
        assert_eq!(first["reason"].as_str(), x.reason, "{}\n{all}", x.class);
        assert_eq!(first["good"]["value"].as_str(), x.good, "{}", x.class);
        assert_eq!(first["bad"]["value"].as_str(), x.bad, "{}", x.class);
        assert!(
            first["fix"].as_str().is_some_and(|f| !f.is_empty()),
            "{}: the first difference says what to change",
            x.class
        );
        let rest = reported(&doc);
        assert_eq!(
            rest.len(),
            x.count,
            "{}: only the injected mistake\n{all}",
            x.class
        );
        for d in &rest {
            assert_eq!(d["role"], "cause", "{}\n{all}", x.class);
            let field = d["field"].as_str().unwrap();
            assert!(
                !ALWAYS_DIFFER.contains(&field),
                "{}: `{field}` differs on every run and keeps its shape, yet it is reported\n{all}",
                x.class
            );
        }
        // The failure itself is there, as the symptom of the failing step.
        assert!(
            differences(&doc)
                .iter()
                .any(|d| d["role"] == "symptom" && d["step"] == doc["bad"]["failure"]["step"]),
            "{}: the failing response is reported as the symptom",
            x.class
        );
    }
}

#[test]
fn a_slow_client_clock_shows_in_the_assertion_it_minted_and_in_the_capture() {
    let (code, doc) = diff_json(
        "fixtures/diff/clock/good.json",
        "fixtures/diff/clock/bad.json",
    );
    assert_eq!(code, 1);
    let first = &differences(&doc)[0];
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .contains("had expired by the server's clock"),
        "{}",
        first["message"]
    );
    let second = &differences(&doc)[1];
    assert_eq!(second["step"], "capture");
    assert_eq!(second["field"], "clock");
    assert_eq!(second["role"], "cause");
    assert_eq!(second["rule"], "EXP003");
    assert_eq!(
        second["good"]["value"],
        "the recording clock agrees with the servers' `Date`"
    );
    assert_eq!(
        second["bad"]["value"],
        "the recording clock is 10 min behind the servers' `Date`"
    );
}

#[test]
fn the_text_output_leads_with_the_injected_mistake() {
    let cases = [
        (
            "redirect-uri-slash",
            "cause 1: token (authorization_code) · redirect_uri",
            "BAD's adds a trailing slash",
        ),
        (
            "json-body",
            "cause 1: token (authorization_code) · body",
            "BAD sends the token (authorization_code) request body as JSON",
        ),
        (
            "pkce-method",
            "cause 1: authorize · code_challenge_method",
            "BAD's is `plain` where GOOD's is `S256`",
        ),
    ];
    for (class, headline, message) in cases {
        let (good, bad) = pair_files(class);
        let out = doctor().args(["diff", &good, &bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8(out.stdout).unwrap();
        let first_cause = text
            .lines()
            .find(|l| l.starts_with("cause "))
            .unwrap_or_else(|| panic!("{class}: no cause in\n{text}"));
        assert_eq!(first_cause, headline, "{class}\n{text}");
        assert!(text.contains(message), "{class}\n{text}");
        assert!(text.contains("fix: "), "{class}\n{text}");
        assert!(!text.contains("\x1b["), "{class}: no colour in a pipe");
    }
}

// ---------------------------------------------------------------------------------------------
// Real pairs from the corpus

#[test]
fn corpus_basic_secret_not_urlencoded_against_a_clean_run_names_the_encoding() {
    let (code, doc) = diff_json(
        "fixtures/corpus/op-clean-basic-special-secret.har",
        "fixtures/corpus/op-basic-secret-not-urlencoded.har",
    );
    assert_eq!(code, 1);
    let first = &differences(&doc)[0];
    assert_eq!(
        first["field"],
        "Basic credentials encoding",
        "{}",
        describe(&doc)
    );
    assert_eq!(first["rule"], "CRED001");
    assert_eq!(first["good"]["value"], "form-urlencoded before base64");
    assert_eq!(
        first["bad"]["value"],
        "not form-urlencoded (holds `%` `+` `/` `:`)"
    );
    assert_eq!(reported(&doc).len(), 1, "{}", describe(&doc));
    assert_eq!(doc["bad"]["failure"]["error"], "invalid_request");
}

#[test]
fn corpus_json_body_against_a_clean_login_names_the_body_encoding() {
    let (code, doc) = diff_json(
        "fixtures/corpus/op-clean-code-post-revocation.har",
        "fixtures/corpus/op-json-body-code-exchange.har",
    );
    assert_eq!(code, 1);
    let first = &differences(&doc)[0];
    assert_eq!(
        first["step"],
        "token (authorization_code)",
        "{}",
        describe(&doc)
    );
    assert_eq!(first["aspect"], "body_encoding");
    // BAD's top cause: node-oidc-provider's own answer for a JSON body (PROV001), which PARAM001
    // finds in the request too.
    assert_eq!(first["rule"], "PROV001");
    assert_eq!(
        first["bad"]["value"],
        "JSON (`Content-Type: application/json`)"
    );
    // The two captures were recorded minutes apart: other codes, state, nonce, cookies and
    // interaction ids, none of which is reported.
    for d in reported(&doc) {
        assert!(
            !ALWAYS_DIFFER.contains(&d["field"].as_str().unwrap()),
            "{}",
            describe(&doc)
        );
    }
    // GOOD went on to userinfo and revocation; BAD never got there.
    let not_reached: Vec<&Value> = differences(&doc)
        .iter()
        .filter(|d| d["role"] == "not_reached")
        .collect();
    assert_eq!(not_reached.len(), 2, "{}", describe(&doc));
}

#[test]
fn corpus_code_redeemed_by_another_client_names_the_client_id_of_the_authorization_request() {
    let (code, doc) = diff_json(
        "fixtures/corpus/op-clean-code-post-revocation.har",
        "fixtures/corpus/op-code-other-client.har",
    );
    assert_eq!(code, 1);
    let first = &differences(&doc)[0];
    assert_eq!(first["step"], "authorize", "{}", describe(&doc));
    assert_eq!(first["field"], "client_id");
    assert_eq!(first["good"]["value"], "conf-post");
    assert_eq!(first["bad"]["value"], "conf-basic");
    assert_eq!(first["rule"], "GRANT005");
    assert_eq!(doc["bad"]["failure"]["step"], "token (authorization_code)");
}

#[test]
fn corpus_id_token_sent_to_userinfo_names_the_token_presented() {
    let (code, doc) = diff_json(
        "fixtures/corpus/op-clean-code-post-revocation.har",
        "fixtures/corpus/op-userinfo-id-token-as-bearer.har",
    );
    assert_eq!(code, 1);
    let first = &differences(&doc)[0];
    assert_eq!(first["step"], "userinfo", "{}", describe(&doc));
    assert_eq!(first["field"], "bearer token");
    assert_eq!(first["good"]["value"], "the `access_token` of #5");
    assert_eq!(first["bad"]["value"], "the `id_token` of #5");
    assert_eq!(first["rule"], "JWT005");
}

#[test]
fn corpus_refresh_only_bad_performs_comes_first_and_accepted_requests_explain_nothing() {
    let (code, doc) = diff_json(
        "fixtures/corpus/op-clean-code-post-revocation.har",
        "fixtures/corpus/op-refresh-token-undefined.har",
    );
    assert_eq!(code, 1);
    let first = &differences(&doc)[0];
    assert_eq!(first["aspect"], "step", "{}", describe(&doc));
    assert_eq!(first["step"], "token (refresh_token)");
    assert_eq!(first["good"]["value"], Value::Null);
    assert_eq!(first["rule"], "PARAM004");
    // BAD's code exchange authenticates another way and was accepted: that cannot explain
    // the refresh failing, while the client and scopes it asked for can.
    let role = |step: &str, field: &str| {
        differences(&doc)
            .iter()
            .find(|d| d["step"] == step && d["field"] == field)
            .map(|d| d["role"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {step} · {field}\n{}", describe(&doc)))
    };
    assert_eq!(
        role("token (authorization_code)", "client authentication"),
        "other"
    );
    assert_eq!(role("authorize", "client_id"), "cause");
    assert_eq!(role("authorize", "scope"), "cause");
}

// ---------------------------------------------------------------------------------------------
// Exit status, formats, input

#[test]
fn a_capture_against_itself_has_no_difference_and_exits_0() {
    let (code, doc) = diff_json(
        "fixtures/diff/json-body/good.json",
        "fixtures/diff/json-body/good.json",
    );
    assert_eq!(code, 0);
    assert_eq!(doc["verdict"], "no_failure");
    assert!(differences(&doc).is_empty(), "{}", describe(&doc));
}

#[test]
fn a_failure_no_difference_explains_exits_0_and_says_so() {
    let (code, doc) = diff_json(
        "fixtures/diff/unexplained/good.json",
        "fixtures/diff/unexplained/bad.json",
    );
    assert_eq!(code, 0, "{}", describe(&doc));
    assert_eq!(doc["verdict"], "unexplained");
    assert!(reported(&doc).is_empty(), "{}", describe(&doc));
    assert_eq!(doc["bad"]["failure"]["error"], "invalid_client");
    doctor()
        .args([
            "diff",
            "fixtures/diff/unexplained/good.json",
            "fixtures/diff/unexplained/bad.json",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "no difference explains BAD's failure",
        ))
        .stdout(predicate::str::contains(
            "oauth-doctor check fixtures/diff/unexplained/bad.json",
        ));
}

#[test]
fn markdown_lists_the_cause_with_its_fix_and_the_steps() {
    let out = doctor()
        .args([
            "diff",
            "fixtures/diff/scope/good.json",
            "fixtures/diff/scope/bad.json",
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("## oauth-doctor diff\n"), "{md}");
    assert!(
        md.contains("### 1. token (client_credentials) · scope"),
        "{md}"
    );
    assert!(md.contains("| GOOD | #2 | orders.read |"), "{md}");
    assert!(
        md.contains("| BAD | #2 | orders.read orders.write |"),
        "{md}"
    );
    assert!(md.contains("**BAD's diagnosis:** `PARAM006`"), "{md}");
    assert!(md.contains("**Fix:**"), "{md}");
    assert!(
        md.contains("| resource GET api.example.com/v1/orders | #3 | — | not reached by BAD |"),
        "{md}"
    );
}

#[test]
fn colour_follows_the_colour_option_like_check() {
    let args = [
        "diff",
        "fixtures/diff/scope/good.json",
        "fixtures/diff/scope/bad.json",
    ];
    let always = doctor()
        .args(args)
        .args(["--color", "always"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&always.stdout).contains("\x1b["));
    let never = doctor()
        .args(args)
        .args(["--color", "never"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&never.stdout).contains("\x1b["));
}

#[test]
fn bad_can_come_from_stdin() {
    let bad = std::fs::read(root().join("fixtures/diff/scope/bad.json")).unwrap();
    let out = doctor()
        .args([
            "diff",
            "fixtures/diff/scope/good.json",
            "-",
            "--format",
            "json",
        ])
        .write_stdin(bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["bad"]["file"], "<stdin>");
    assert_eq!(differences(&doc)[0]["field"], "scope");
}

#[test]
fn unreadable_input_is_a_one_line_error_naming_the_file_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.har");
    std::fs::write(&broken, "{\"log\": {\"entries\": [ {\"request\": ").unwrap();
    let not_oauth = dir.path().join("pages.json");
    std::fs::write(
        &not_oauth,
        r#"[{"started_at":"2026-11-29T10:00:00Z","request":{"method":"GET","url":"https://www.example.com/","headers":[]},"response":{"status":200,"headers":[["Content-Type","text/html"]],"body":"<html></html>"}}]"#,
    )
    .unwrap();
    let good = "fixtures/diff/scope/good.json";
    for (bad, names) in [
        (
            "fixtures/diff/scope/missing.json".to_string(),
            "missing.json",
        ),
        (broken.display().to_string(), "broken.har"),
        (not_oauth.display().to_string(), "pages.json"),
    ] {
        let out = doctor().args(["diff", good, &bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{bad}: one line: {err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains(names), "{bad}: names the file: {err}");
        assert!(out.stdout.is_empty(), "{bad}");
    }
    doctor()
        .args(["diff", "-", "-"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("stdin"));
}

#[test]
fn help_teaches_with_examples() {
    doctor()
        .args(["diff", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("not by their position"))
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains(
            "oauth-doctor diff works.har fails.har",
        ))
        .stdout(predicate::str::contains("Exit status: 0"));
    doctor()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("diff"));
}

// ---------------------------------------------------------------------------------------------
// Secrets

/// The secrets each pair's fixtures list (and, for corpus captures, `expected.jsonl`).
fn secrets_of(paths: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for p in paths {
        let full = root().join(p);
        let dir = full.parent().unwrap();
        if p.ends_with(".json") {
            let doc: Value =
                serde_json::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap();
            if let Some(a) = doc["secrets"].as_array() {
                out.extend(a.iter().map(|s| s.as_str().unwrap().to_string()));
            }
        }
        // The secrets of a pair: one per line.
        let listed = dir.join("secrets.txt");
        if listed.exists() {
            let text = std::fs::read_to_string(listed).unwrap();
            out.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_string));
        }
        if p.starts_with("fixtures/corpus/") {
            let name = full.file_name().unwrap().to_str().unwrap().to_string();
            for line in std::fs::read_to_string(root().join("fixtures/corpus/expected.jsonl"))
                .unwrap()
                .lines()
            {
                let v: Value = serde_json::from_str(line).unwrap();
                if v["file"] == name.as_str() {
                    out.extend(
                        v["secrets"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|s| s.as_str().unwrap().to_string()),
                    );
                }
            }
        }
    }
    out.retain(|s| s.len() >= 6);
    out.sort();
    out.dedup();
    out
}

fn all_pairs() -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = EXPECTED.iter().map(|x| pair_files(x.class)).collect();
    pairs.push(pair_files("unexplained"));
    for (g, b) in [
        (
            "op-clean-basic-special-secret.har",
            "op-basic-secret-not-urlencoded.har",
        ),
        (
            "op-clean-code-post-revocation.har",
            "op-json-body-code-exchange.har",
        ),
        (
            "op-clean-code-post-revocation.har",
            "op-code-other-client.har",
        ),
        (
            "op-clean-code-post-revocation.har",
            "op-refresh-token-undefined.har",
        ),
        (
            "op-clean-code-post-revocation.har",
            "op-userinfo-id-token-as-bearer.har",
        ),
    ] {
        pairs.push((
            format!("fixtures/corpus/{g}"),
            format!("fixtures/corpus/{b}"),
        ));
    }
    pairs
}

#[test]
fn no_secret_of_either_capture_reaches_any_output_format() {
    let mut checked = 0;
    for (good, bad) in all_pairs() {
        let secrets = secrets_of(&[&good, &bad]);
        assert!(!secrets.is_empty(), "{good} / {bad} list their secrets");
        for format in ["text", "json", "markdown"] {
            for order in [[&good, &bad], [&bad, &good]] {
                let out = doctor()
                    .args(["diff", order[0], order[1], "--format", format])
                    .args(["--color", "always"])
                    .output()
                    .unwrap();
                assert!(
                    matches!(out.status.code(), Some(0 | 1)),
                    "{good} / {bad} {format}"
                );
                let text = String::from_utf8_lossy(&out.stdout).into_owned()
                    + &String::from_utf8_lossy(&out.stderr);
                for s in &secrets {
                    assert!(
                        !text.contains(s.as_str()),
                        "{} vs {} --format {format}: secret `{}…` printed:\n{text}",
                        order[0],
                        order[1],
                        &s[..6]
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 70);
}

#[test]
fn secrets_that_differ_are_shown_as_fingerprints_and_only_show_secrets_prints_them() {
    let args = [
        "diff",
        "fixtures/corpus/op-clean-code-post-revocation.har",
        "fixtures/corpus/op-refresh-token-undefined.har",
        "--format",
        "json",
    ];
    let out = doctor().args(args).output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let secret = differences(&doc)
        .iter()
        .find(|d| d["field"] == "client_secret")
        .unwrap_or_else(|| panic!("{}", describe(&doc)));
    let good = secret["good"]["value"].as_str().unwrap();
    let bad = secret["bad"]["value"].as_str().unwrap();
    // Client secrets are chosen by people: salted per report (a short one cannot be found
    // again by hashing candidates).
    assert!(good.starts_with("(16 chars, salted:"), "{good}");
    assert!(bad.starts_with("(17 chars, salted:"), "{bad}");
    assert_ne!(good, bad);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("conf-post-secret") && !text.contains("conf-basic-secret"));
    // The same comparison with --show-secrets prints them: the check above can fail.
    let shown = doctor().args(args).arg("--show-secrets").output().unwrap();
    let shown = String::from_utf8(shown.stdout).unwrap();
    assert!(shown.contains("conf-post-secret"), "{shown}");
    assert!(shown.contains("conf-basic-secret"), "{shown}");
}

// ---------------------------------------------------------------------------------------------
// The documentation

fn schema() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/diff-v1.schema.json")).unwrap(),
    )
    .unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("docs/diff-v1.schema.json is not a valid schema: {e}"))
}

#[test]
fn the_json_of_every_pair_and_the_documented_example_match_the_published_schema() {
    let validator = schema();
    let mut problems = Vec::new();
    let mut pairs = all_pairs();
    pairs.push((
        "fixtures/diff/json-body/good.json".into(),
        "fixtures/diff/json-body/good.json".into(),
    ));
    for (good, bad) in pairs {
        let (_, doc) = diff_json(&good, &bad);
        for e in validator.iter_errors(&doc) {
            problems.push(format!("{good} / {bad}: {}: {e}", e.instance_path()));
        }
    }
    let text = std::fs::read_to_string(root().join("docs/diff-output.md")).unwrap();
    let example = text
        .split("```json\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("docs/diff-output.md has a ```json example");
    let doc: Value = serde_json::from_str(example).unwrap();
    for e in validator.iter_errors(&doc) {
        problems.push(format!(
            "docs/diff-output.md example: {}: {e}",
            e.instance_path()
        ));
    }
    // The schema rejects what it must: a cause that explains nothing.
    let mut wrong = doc.clone();
    wrong["differences"][0]["explains_failure"] = Value::Bool(false);
    assert!(!validator.is_valid(&wrong));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_documented_reason_is_the_one_the_program_prints() {
    let text = std::fs::read_to_string(root().join("docs/diff-output.md")).unwrap();
    for r in oauth_doctor::diff::reasons::REASONS {
        let row = format!(
            "| `{}` | {} | {} |",
            r.id,
            r.why.replace('|', "\\|"),
            r.reference
        );
        assert!(
            text.lines().any(|l| l == row),
            "docs/diff-output.md lacks or words differently the reason row:\n{row}"
        );
    }
    let rows = text
        .lines()
        .skip_while(|l| !l.starts_with("### Documented reasons"))
        .take_while(|l| !l.starts_with("## Exit status"))
        .filter(|l| l.starts_with("| `"))
        .count();
    assert_eq!(rows, oauth_doctor::diff::reasons::REASONS.len());
}
