//! End-to-end: the real binary on real fixture files and on stdin, the way a user runs it.

#[path = "support/doctor.rs"]
mod doctor;

use doctor::doctor;
use predicates::prelude::*;
use std::io::Read;
use std::path::Path;
use std::process::Stdio;

fn json_of(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

struct Expected {
    file: String,
    accept: Vec<String>,
    clean: bool,
    secrets: Vec<String>,
}

fn corpus() -> Vec<Expected> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
    std::fs::read_to_string(dir.join("expected.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let strs = |k: &str| -> Vec<String> {
                v[k].as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect()
            };
            Expected {
                file: format!("fixtures/corpus/{}", v["file"].as_str().unwrap()),
                accept: strs("accept"),
                clean: v["clean"].as_bool().unwrap_or(false),
                secrets: strs("secrets"),
            }
        })
        .collect()
}

#[test]
fn a_failing_capture_gets_a_diagnosis_and_exit_1() {
    doctor()
        .args(["check", "fixtures/corpus/op-wrong-client-secret-basic.har"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error["))
        .stdout(predicate::str::contains("credentials"))
        .stdout(predicate::str::contains("fix:"))
        .stdout(predicate::str::contains("more: oauth-doctor explain"));
}

#[test]
fn json_is_valid_diagnosis_v1_for_every_corpus_capture_with_the_right_exit_status() {
    for x in corpus() {
        let out = doctor()
            .args(["check", &x.file, "--format", "json"])
            .output()
            .unwrap();
        let code = out.status.code().unwrap();
        let doc = json_of(&out.stdout);
        assert_eq!(doc["schema"], "oauth-doctor/diagnosis/v1", "{}", x.file);
        let findings = doc["findings"].as_array().unwrap();
        for (i, f) in findings.iter().enumerate() {
            assert_eq!(f["rank"].as_u64().unwrap() as usize, i + 1, "{}", x.file);
            for key in ["rule", "category", "severity", "title", "message", "fix"] {
                assert!(f[key].is_string(), "{}: finding lacks {key}", x.file);
            }
            let c = f["confidence"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&c));
            assert!(f["evidence"].is_array() && f["references"].is_array());
        }
        let has_error = findings.iter().any(|f| f["severity"] == "error");
        assert_eq!(doc["verdict"] == "fail", has_error, "{}", x.file);
        if x.clean {
            assert_eq!(
                code,
                0,
                "{}: clean capture must exit 0: {}",
                x.file,
                String::from_utf8_lossy(&out.stdout)
            );
        } else {
            assert_eq!(
                code, 1,
                "{}: failing capture must exit 1 (accept {:?})",
                x.file, x.accept
            );
        }
    }
}

#[test]
fn no_corpus_secret_reaches_text_or_json_output() {
    for x in corpus() {
        for format in ["text", "json"] {
            let out = doctor()
                .args(["check", &x.file, "--format", format])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            for s in &x.secrets {
                assert!(
                    !text.contains(s.as_str()),
                    "{} ({format}) leaks a secret of {} chars",
                    x.file,
                    s.len()
                );
            }
        }
    }
}

#[test]
fn stdin_gives_the_same_diagnosis_as_the_file() {
    let file = "fixtures/corpus/op-wrong-client-secret-basic.har";
    let from_file = doctor()
        .args(["check", file, "--format", "json"])
        .output()
        .unwrap();
    let from_pipe = doctor()
        .args(["check", "-", "--format", "json"])
        .pipe_stdin(file)
        .unwrap()
        .output()
        .unwrap();
    assert_eq!(from_pipe.status.code(), Some(1));
    // Only the name of the input differs (`<stdin>`).
    let strip = |mut v: serde_json::Value| {
        for f in v["findings"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("location");
        }
        for row in v["timeline"].as_array_mut().unwrap() {
            assert!(row["file"].is_string());
            row.as_object_mut().unwrap().remove("file");
        }
        v
    };
    assert_eq!(
        strip(json_of(&from_file.stdout)),
        strip(json_of(&from_pipe.stdout))
    );
}

#[test]
fn every_har_dialect_and_dump_shape_gives_the_same_top_diagnosis() {
    let base = doctor()
        .args([
            "check",
            "fixtures/corpus/op-wrong-client-secret-basic.har",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let base = json_of(&base.stdout);
    let top = |d: &serde_json::Value| {
        let f = d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["latent"] == false)
            .cloned()
            .unwrap();
        (f["rule"].clone(), f["category"].clone())
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/har-dialects");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "py") {
            continue;
        }
        let out = doctor()
            .arg("check")
            .arg(&p)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}: {}",
            p.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(top(&json_of(&out.stdout)), top(&base), "{}", p.display());
        n += 1;
    }
    assert!(n >= 12);
}

#[test]
fn a_malformed_entry_is_skipped_and_reported_not_fatal() {
    let out = doctor()
        .args([
            "check",
            "fixtures/har-dialects/lone-surrogate-and-malformed-entry.har",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&out.stdout);
    let skipped = doc["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["entry"], 1);
    assert!(skipped[0]["reason"].as_str().unwrap().contains("no url"));
    doctor()
        .args([
            "check",
            "fixtures/har-dialects/lone-surrogate-and-malformed-entry.har",
        ])
        .assert()
        .stdout(predicate::str::contains("note: skipped"));
}

#[test]
fn dump_format_on_stdin_in_every_shape() {
    let one = r#"{"started_at":"2026-11-29T10:00:00Z","request":{"method":"POST","url":"https://idp.example/token","headers":[["Content-Type","application/x-www-form-urlencoded"]],"body":"grant_type=client_credentials&scope=api"},"response":{"status":401,"headers":[["Content-Type","application/json"]],"body":"{\"error\":\"invalid_client\"}"}}"#;
    for input in [
        one.to_string(),
        format!("[{one}]"),
        format!("{{\"exchanges\":[{one}]}}"),
        format!("{one}\n{one}\n"),
    ] {
        let out = doctor()
            .args(["check", "-", "--format", "json"])
            .write_stdin(input.clone())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{input}");
        let doc = json_of(&out.stdout);
        assert_eq!(doc["findings"][0]["category"], "credentials", "{input}");
    }
}

#[test]
fn bad_input_is_a_one_line_error_naming_the_file_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let real = std::fs::read("fixtures/corpus/op-pkce-wrong-verifier.har").unwrap_or_else(|_| {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/corpus/op-pkce-wrong-verifier.har"),
        )
        .unwrap()
    });
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.har", vec![]),
        ("blank.har", b"  \n\t ".to_vec()),
        ("truncated.har", real[..real.len() / 2].to_vec()),
        (
            "binary.har",
            (0..2048u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                .collect(),
        ),
        ("text.har", b"hello, this is not a capture".to_vec()),
        ("object.json", br#"{"hello":"world"}"#.to_vec()),
        ("deep.json", "[".repeat(100_000).into_bytes()),
        (
            "invalid-utf8.har",
            b"{\"log\":{\"entries\":[\xff\xfe]}}".to_vec(),
        ),
    ];
    for (name, bytes) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).unwrap();
        let out = doctor().arg("check").arg(&p).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: {err}");
        assert!(
            err.contains(name),
            "{name}: error does not name the file: {err}"
        );
        assert!(out.stdout.is_empty(), "{name}");
    }
    doctor()
        .args(["check", "does-not-exist.har"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does-not-exist.har"));
}

#[test]
fn truncated_input_names_the_position() {
    doctor()
        .args(["check", "-"])
        .write_stdin(r#"{"log":{"entries":[{"request":{"method":"GET","#)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("<stdin>").and(predicate::str::contains("line 1, column")),
        );
}

#[test]
fn a_closed_stdout_pipe_exits_0_quietly() {
    let mut child = doctor::command(&["rules"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
    // And as a user types it.
    let out = std::process::Command::new("bash")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("-c")
        .arg(format!(
            "set -o pipefail; for i in $(seq 40); do echo fixtures/corpus/op-pkce-wrong-verifier.har; done | xargs {} check --format json | head -1",
            doctor::bin()
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "{");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

/// Every subcommand in every format, its stdout closed before it writes: exit 0 and nothing on
/// stderr, however the printer passed the write error up (`serde_json` wraps it, `redact`
/// names its input in it).
#[test]
fn a_closed_stdout_pipe_exits_0_quietly_in_every_format() {
    let capture = "fixtures/corpus/op-pkce-wrong-verifier.har";
    let good = "fixtures/corpus/op-clean-code-post-revocation.har";
    let token = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2kiLCJleHAiOjEwMDB9.";
    let mut runs: Vec<Vec<&str>> = vec![
        vec!["rules"],
        vec!["rules", "--format", "json"],
        vec!["check", capture],
        vec!["check", capture, "-v"],
        vec!["check", capture, "--concise"],
        vec!["explain", "invalid_grant"],
        vec!["explain", "PKCE001"],
        vec!["redact", capture],
        vec!["inspect", token],
        vec!["inspect", token, "--format", "json"],
        vec!["diff", good, capture],
        vec!["diff", good, capture, "--format", "json"],
        vec!["diff", good, capture, "--format", "markdown"],
        vec!["completions", "bash"],
        vec!["man"],
    ];
    for f in ["json", "sarif", "junit", "markdown", "github", "html"] {
        runs.push(vec!["check", "--format", f, capture]);
    }
    for args in runs {
        let mut child = doctor::command(&args, &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(
            err.is_empty() && status.code() == Some(0),
            "{args:?}: exit {:?}, stderr {err:?}",
            status.code()
        );
    }
}

#[test]
fn fail_on_and_select_change_the_exit_status() {
    let f = "fixtures/corpus/op-wrong-client-secret-basic.har";
    doctor()
        .args(["check", f, "--fail-on", "never"])
        .assert()
        .code(0);
    doctor()
        .args(["check", f, "--ignore", "STAT,CRED,PROV"])
        .assert()
        .code(0);
    doctor()
        .args(["check", f, "--select", "NOPE"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("NOPE"));
}

#[test]
fn colour_follows_the_terminal_flag_and_environment() {
    let f = "fixtures/corpus/op-wrong-client-secret-basic.har";
    let plain = doctor().args(["check", f]).output().unwrap();
    assert!(
        !plain.stdout.contains(&0x1b),
        "piped output must have no escape codes"
    );
    let forced = doctor()
        .args(["check", f, "--color", "always"])
        .output()
        .unwrap();
    assert!(forced.stdout.contains(&0x1b));
    let env_forced = doctor()
        .args(["check", f])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(env_forced.stdout.contains(&0x1b));
    let no_color = doctor()
        .args(["check", f, "--color", "never"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!no_color.stdout.contains(&0x1b));
}

#[test]
fn explain_answers_rules_and_standard_errors() {
    doctor()
        .args(["explain", "invalid_client"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("client authentication failed"))
        .stdout(predicate::str::contains("RFC 6749"));
    doctor()
        .args(["explain", "STAT001"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("WHAT IT DOES"))
        .stdout(predicate::str::contains("redirect"));
    doctor().args(["explain", "stat001"]).assert().code(0);
    doctor()
        .args(["explain", "no_such_code"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no_such_code"));
}

#[test]
fn rules_lists_every_registered_rule_with_its_documented_fields() {
    use oauth_doctor::diagnosis::Category;
    use oauth_doctor::rules::registry;
    let out = doctor()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json_of(&out.stdout);
    let listed = doc["rules"].as_array().unwrap();
    let registered = registry::all();
    assert_eq!(
        listed.len(),
        registered.len(),
        "`rules --format json` lists {} rules, the registry has {}",
        listed.len(),
        registered.len()
    );
    // The rule index says how many rules there are.
    let index = std::fs::read_to_string(doctor::crate_root().join("docs/rules/README.md")).unwrap();
    assert!(
        index.contains(&format!("{} rules.", registered.len())),
        "docs/rules/README.md does not say {} rules",
        registered.len()
    );
    let fields = [
        "category",
        "code",
        "docs",
        "fix",
        "kind",
        "name",
        "references",
        "severity",
        "title",
    ];
    for (r, rule) in listed.iter().zip(&registered) {
        let m = rule.meta();
        let code = m.code;
        let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, fields, "{code}: the fields of a listed rule");
        // Listed in code order, each with its own declaration.
        assert_eq!(r["code"], code);
        assert_eq!(r["name"], m.name, "{code}");
        assert_eq!(r["title"], m.title, "{code}");
        assert_eq!(r["fix"], m.fix, "{code}");
        assert_eq!(r["docs"], m.docs, "{code}");
        assert_eq!(r["severity"], m.severity.as_str(), "{code}");
        assert_eq!(r["category"], m.category.as_str(), "{code}");
        assert_eq!(r["references"], serde_json::json!(m.references), "{code}");
        // What a reader of the list can rely on.
        assert!(
            r["category"].as_str().and_then(Category::parse).is_some(),
            "{code}: category {} is not in the documented list",
            r["category"]
        );
        assert!(
            ["error", "warning", "info"].contains(&r["severity"].as_str().unwrap()),
            "{code}: severity {}",
            r["severity"]
        );
        assert!(
            ["diag", "lint", "both"].contains(&r["kind"].as_str().unwrap()),
            "{code}: kind {}",
            r["kind"]
        );
        for key in ["name", "title", "fix"] {
            assert!(
                !r[key].as_str().unwrap().trim().is_empty(),
                "{code}: empty {key}"
            );
        }
        assert!(
            !r["references"].as_array().unwrap().is_empty(),
            "{code}: no references"
        );
        for section in [
            "## What it does",
            "## Why it fails",
            "## Example",
            "## Fix",
            "## References",
        ] {
            assert!(
                r["docs"].as_str().unwrap().contains(section),
                "{code}: docs lack `{section}`"
            );
        }
    }
    // The text list: one line per rule, in the same order.
    let text = doctor().arg("rules").output().unwrap();
    assert_eq!(text.status.code(), Some(0));
    let text = String::from_utf8(text.stdout).unwrap();
    let codes: Vec<&str> = text
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or_default())
        .collect();
    let want: Vec<&str> = registered.iter().map(|r| r.meta().code).collect();
    assert_eq!(codes, want);
}

#[test]
fn help_teaches_and_bad_arguments_exit_2() {
    doctor()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Examples:"));
    doctor().arg("--version").assert().code(0);
    doctor().args(["check"]).assert().code(2);
    doctor()
        .args(["check", "x.har", "--format", "yaml"])
        .assert()
        .code(2);
    doctor()
        .args(["check", "x.har", "--now", "yesterday"])
        .assert()
        .code(2);
}

#[test]
fn a_code_or_verifier_that_starts_with_a_hyphen_is_a_value_not_an_option() {
    // Authorization codes and verifiers are base64url: one in 64 starts with `-`. Nothing
    // listens on port 1, so the live request fails on the network: a diagnosis (exit 1), not an
    // argument error (exit 2).
    doctor()
        .args([
            "check",
            "--token-url",
            "http://127.0.0.1:1/token",
            "--grant-type",
            "authorization_code",
            "--client-id",
            "app",
            "--redirect-uri",
            "http://127.0.0.1:8976/cb",
            "--code",
            "-Iq3x9",
            "--code-verifier",
            "-verifier-that-starts-with-a-hyphen-0123456789abcdef",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("STAT017"));
}

/// A report never says secrets are fingerprinted when `--show-secrets` prints them: the formats
/// that state how secrets are shown state the opposite, and stderr warns once per run.
#[test]
fn show_secrets_is_said_in_every_format_and_warned_once_on_stderr() {
    let file = "fixtures/corpus/op-wrong-client-secret-basic.har";
    let formats = [
        "text", "json", "markdown", "github", "junit", "sarif", "html",
    ];
    for format in formats {
        let hidden = doctor::run(&["check", file, "--format", format], &[]);
        assert!(
            !hidden.stderr.contains("--show-secrets"),
            "{format}: {}",
            hidden.stderr
        );
        assert!(!hidden.stdout.contains("in clear"), "{format}");
        let shown = doctor::run(&["check", file, "--format", format, "--show-secrets"], &[]);
        assert!(
            !shown.stdout.contains("as fingerprints"),
            "{format} says secrets are fingerprinted while it prints them"
        );
        let warnings = shown
            .stderr
            .lines()
            .filter(|l| l.contains("warning: --show-secrets prints secrets in clear"))
            .count();
        assert_eq!(warnings, 1, "{format}: {}", shown.stderr);
        if matches!(format, "markdown" | "html") {
            assert!(hidden.stdout.contains("Secrets are shown as fingerprints"));
            assert!(
                shown.stdout.contains("Secrets are shown in clear"),
                "{format}"
            );
            assert!(shown.stdout.contains("do not share this"), "{format}");
        }
    }
    // Several inputs, and `diff`: still one warning.
    let two = doctor::run(&["check", file, file, "--show-secrets"], &[]);
    assert_eq!(two.stderr.matches("--show-secrets prints").count(), 1);
    let diff = doctor::run(
        &[
            "diff",
            "fixtures/corpus/op-clean-basic-special-secret.har",
            "fixtures/corpus/op-basic-secret-not-urlencoded.har",
            "--show-secrets",
        ],
        &[],
    );
    assert_eq!(diff.stderr.matches("--show-secrets prints").count(), 1);
}

/// Passwords and client secrets are fingerprinted with a salt drawn per report: two runs show
/// different fingerprints, one report shows equal values with equal fingerprints (rules and
/// readers compare them), and server-issued values (tokens, codes) keep the stable fingerprint
/// that lets two reports be compared.
#[test]
fn chosen_secrets_are_salted_per_report_and_issued_ones_stay_stable() {
    let file = "fixtures/rules/cred/CRED001-basic-fails-same-secret-works-in-body.json";
    let report = || {
        let out = doctor()
            .env_remove(doctor::TEST_SALT.0)
            .args(["check", file, "--format", "json"])
            .output()
            .unwrap();
        json_of(&out.stdout)
    };
    let values = |doc: &serde_json::Value, at: &str| -> Vec<String> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["evidence"].as_array().unwrap().clone())
            .filter(|e| e["at"] == at)
            .map(|e| e["value"].as_str().unwrap().to_string())
            .collect()
    };
    let (a, b) = (report(), report());
    let (basic_secret, body_secret) = (
        values(&a, "request.headers.authorization.password"),
        values(&a, "request.body.client_secret"),
    );
    assert!(!basic_secret.is_empty() && !body_secret.is_empty());
    // The same secret, in the Basic header and in the body: one fingerprint within a report.
    assert_eq!(basic_secret[0], body_secret[0]);
    assert!(
        basic_secret[0].starts_with("YoEN…DQ== (44 chars, salted:"),
        "{}",
        basic_secret[0]
    );
    // Another report, another salt.
    assert_ne!(
        basic_secret[0],
        values(&b, "request.headers.authorization.password")[0]
    );
    // A server-issued token keeps `sha256:` and the same fingerprint in every report.
    let token = |doc: &serde_json::Value| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["evidence"].as_array().unwrap().clone())
            .filter_map(|e| e["value"].as_str().map(str::to_string))
            .find(|v| v.contains("sha256:"))
    };
    let tok_file = "fixtures/corpus/op-refresh-after-code-replay.har";
    let run = || {
        json_of(
            &doctor()
                .env_remove(doctor::TEST_SALT.0)
                .args(["check", tok_file, "--format", "json"])
                .output()
                .unwrap()
                .stdout,
        )
    };
    let (t1, t2) = (token(&run()), token(&run()));
    assert!(t1.is_some(), "{tok_file} shows a token fingerprint");
    assert_eq!(t1, t2);
}

/// The settings of `oauth-doctor.toml` are checks: a capture whose tokens come from another
/// issuer, are meant for another API, are signed with another algorithm or whose requests
/// name another client gets a finding, and a CI gate makes it fail. A rule code that does not
/// exist is an error naming the file's line, or the flag.
#[test]
fn configured_expectations_are_checked_and_unknown_codes_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = |text: &str| {
        let p = dir.path().join(format!("c{}.toml", text.len()));
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let healthy = "fixtures/rules/jwt/JWT007-quiet-rs256-id-token.json";
    // Without a configuration: a healthy capture.
    let plain = doctor::run(&["check", healthy, "--format", "json"], &[]);
    assert_eq!(plain.code, 0, "{plain}");
    assert!(plain.findings().is_empty(), "{plain}");
    let gate = config(
        "expected_issuer = \"https://login.example.com\"\nclient_id = \"acme-web-prod\"\nallowed_algorithms = [\"ES256\"]\n\n[rules]\nJWT016 = \"error\"\nJWT018 = \"error\"\nCRED016 = \"error\"\n",
    );
    let run = doctor::run(
        &["check", healthy, "--format", "json", "--config", &gate],
        &[],
    );
    assert_eq!(run.code, 1, "the CI gate fails\n{run}");
    let mut rules: Vec<String> = run
        .findings()
        .iter()
        .map(|f| {
            assert_eq!(f["severity"], "error", "{f}");
            f["rule"].as_str().unwrap().to_string()
        })
        .collect();
    rules.sort();
    rules.dedup();
    assert_eq!(rules, ["CRED016", "JWT016", "JWT018"], "{run}");
    let text = doctor::run(&["check", healthy, "--config", &gate], &[]).stdout;
    assert!(
        text.contains("expects `expected_issuer = https://login.example.com`"),
        "{text}"
    );
    // The expected values: nothing to report.
    let ok = config(
        "expected_issuer = \"https://idp.example.com\"\nclient_id = \"acme-web\"\nallowed_algorithms = [\"RS256\"]\n",
    );
    let run = doctor::run(
        &["check", healthy, "--format", "json", "--config", &ok],
        &[],
    );
    assert_eq!((run.code, run.findings().len()), (0, 0), "{run}");
    // Unknown codes: exit 2, one line, naming the file's line or the flag.
    let bad = config("leeway = 30\n\n[rules]\nJWT999 = \"off\"\n");
    let run = doctor::run(&["check", healthy, "--config", &bad], &[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("line 4") && run.stderr.contains("JWT999"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    let bad = config("select = [\"PKCE\",\n  \"CRED099\"]\n");
    let run = doctor::run(&["check", healthy, "--config", &bad], &[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("line 2") && run.stderr.contains("CRED099"),
        "{}",
        run.stderr
    );
    for flag in ["--select", "--ignore"] {
        let run = doctor::run(&["check", healthy, flag, "CRED999"], &[]);
        assert_eq!(run.code, 2, "{run}");
        assert!(
            run.stderr.contains(flag) && run.stderr.contains("CRED999"),
            "{}",
            run.stderr
        );
    }
}

/// `explain` answers the question asked: a code many providers send is a page that names them
/// (`--provider ID` or `PROVIDER:CODE` narrows, `--all` lists every entry), a provider entry
/// says what the provider really sends, and no internal name reaches the user.
#[test]
fn explain_is_a_page_narrowed_by_provider_and_quotes_what_providers_send() {
    let page = doctor::run(&["explain", "invalid_grant"], &[]);
    assert_eq!(page.code, 0, "{page}");
    let lines = page.stdout.lines().count();
    assert!(lines <= 60, "explain invalid_grant is {lines} lines");
    assert!(page.stdout.contains("RFC 6749 §5.2"), "{}", page.stdout);
    assert!(page.stdout.contains("--provider") && page.stdout.contains("--all"));
    assert!(page.stdout.contains("keycloak"), "the providers are named");
    let all = doctor::run(&["explain", "invalid_grant", "--all"], &[]);
    assert!(all.stdout.lines().count() > 200, "--all lists every entry");
    let google = doctor::run(&["explain", "invalid_grant", "--provider", "google"], &[]);
    assert_eq!(google.code, 0, "{google}");
    assert!(google.stdout.contains("Google `invalid_grant`"));
    assert!(
        !google.stdout.contains("Keycloak `"),
        "only Google's entries"
    );
    let colon = doctor::run(&["explain", "google:invalid_grant"], &[]);
    assert_eq!(colon.stdout, google.stdout);
    // `Okta:E0000011` is Okta's code.
    let okta = doctor::run(&["explain", "Okta:E0000011"], &[]);
    assert_eq!(okta.code, 0, "{okta}");
    assert!(okta.stdout.contains("Okta `E0000011`"), "{}", okta.stdout);
    // GitHub sends `bad_verification_code` itself as `error`.
    let gh = doctor::run(&["explain", "bad_verification_code"], &[]);
    assert!(
        gh.stdout.contains("sent as `error=bad_verification_code`"),
        "{}",
        gh.stdout
    );
    assert!(!gh.stdout.contains("sent with `error=invalid_grant`"));
    // No internal names.
    for code in ["CRED001", "BCP002", "invalid_grant", "AADSTS50011"] {
        let out = doctor::run(&["explain", code], &[]).stdout;
        for internal in ["kind:", "Diag", "Lint", "Both"] {
            assert!(!out.contains(internal), "explain {code} shows `{internal}`");
        }
    }
    let unknown = doctor::run(&["explain", "invalid_grant", "--provider", "nosuch"], &[]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("nosuch"), "{}", unknown.stderr);
}

/// One numbering: the `#N` of the text report is the JSON report's `exchange` and its
/// `timeline` row `n`, which says where the exchange is in its input (file, entry), what it
/// was (method, redacted URL, status, kind); the text's `-->` line shows `#N` beside the entry.
#[test]
fn exchanges_have_one_number_everywhere_and_the_json_report_maps_them_to_entries() {
    // Entries 1–4 of this capture are unrelated traffic: exchange #3 is entry 5.
    let file = "fixtures/corpus/keycloak-code-not-valid-reused.har";
    let run = doctor::run(&["check", file, "--format", "json"], &[]);
    let doc = run.json();
    let timeline = doc["timeline"].as_array().expect("a timeline");
    assert_eq!(timeline.len() as u64, doc["exchanges"].as_u64().unwrap());
    for (i, row) in timeline.iter().enumerate() {
        assert_eq!(row["n"].as_u64(), Some(i as u64 + 1), "{row}");
        assert_eq!(row["file"], file);
        for key in ["method", "url", "kind"] {
            assert!(row[key].is_string(), "{row}");
        }
    }
    let top = &doc["findings"][0];
    let n = top["evidence"][0]["exchange"].as_u64().unwrap();
    let row = &timeline[n as usize - 1];
    let anchor_entry = top["location"]["entry"].as_u64().unwrap();
    let anchor = timeline
        .iter()
        .find(|r| r["entry"].as_u64() == Some(anchor_entry))
        .expect("the finding's entry is in the timeline");
    assert_ne!(
        anchor["n"].as_u64(),
        Some(anchor_entry),
        "numbers and entries differ in this capture"
    );
    assert!(row["status"].is_u64());
    let text = doctor::run(&["check", file], &[]).stdout;
    let arrow = format!(
        "--> #{} ({file} entry {anchor_entry}): {} ",
        anchor["n"],
        anchor["method"].as_str().unwrap()
    );
    assert!(text.contains(&arrow), "{arrow}\n{text}");
    // The secrets of a URL stay out of the timeline.
    let run = doctor::run(
        &[
            "check",
            "fixtures/corpus/azure-50011-redirect-authorize.har",
            "--format",
            "json",
        ],
        &[],
    );
    let doc = run.json();
    for row in doc["timeline"].as_array().unwrap() {
        let url = row["url"].as_str().unwrap();
        assert!(!url.contains("code=0."), "{url}");
    }
}

/// `man SUBCOMMAND` prints that subcommand's page, and every page the top page refers to
/// (`oauth-doctor-check(1)` …) exists.
#[test]
fn man_has_a_page_per_subcommand_and_the_top_page_references_resolve() {
    let top = doctor::run(&["man"], &[]);
    assert_eq!(top.code, 0);
    let referenced: Vec<String> = top
        .stdout
        .lines()
        .filter_map(|l| {
            l.strip_prefix("oauth\\-doctor\\-")
                .and_then(|r| r.strip_suffix("(1)"))
                .map(|s| s.replace("\\-", "-"))
        })
        .collect();
    assert!(referenced.len() >= 8, "{referenced:?}");
    for sub in &referenced {
        let page = doctor::run(&["man", sub], &[]);
        assert_eq!(page.code, 0, "man {sub}: {}", page.stderr);
        assert!(
            page.stdout.contains(&format!(".TH oauth-doctor-{sub} 1")),
            "man {sub}:\n{}",
            &page.stdout[..page.stdout.len().min(300)]
        );
    }
    let check = doctor::run(&["man", "check"], &[]).stdout;
    assert!(check.contains("\\fBoauth\\-doctor check\\fR"), "synopsis");
    assert!(check.contains("\\-\\-fail\\-on"), "options");
    let bad = doctor::run(&["man", "nope"], &[]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("nope") && bad.stderr.contains("check"));
}

/// The examples of every `--help` stay copyable at any usual width: a line that does not
/// continue the previous one (ending in `\`) starts a command, so no wrap splits an option from
/// its value or a command in two.
#[test]
fn help_examples_never_wrap_inside_a_command() {
    for width in ["60", "80", "100", "200"] {
        for args in [
            vec!["--help"],
            vec!["check", "--help"],
            vec!["inspect", "--help"],
            vec!["diff", "--help"],
        ] {
            let out = doctor().env("COLUMNS", width).args(&args).output().unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            let block: Vec<&str> = text
                .lines()
                .skip_while(|l| *l != "Examples:")
                .skip(1)
                .take_while(|l| !l.trim().is_empty())
                .collect();
            assert!(!block.is_empty(), "{args:?}: no examples\n{text}");
            let mut continued = false;
            for line in &block {
                let t = line.trim_start();
                let starts_command = ["oauth-doctor ", "cat ", "pbpaste "]
                    .iter()
                    .any(|c| t.starts_with(c));
                assert!(
                    starts_command != continued,
                    "COLUMNS={width} {args:?}: `{line}` {}\n{}",
                    if continued {
                        "follows a `\\` but starts a new command"
                    } else {
                        "is a command cut in two by wrapping"
                    },
                    block.join("\n")
                );
                continued = t.ends_with('\\');
            }
        }
    }
}

/// `-q` and `-v` exist where they mean something (`check`; `-q` for `redact`), and nowhere
/// else.
#[test]
fn quiet_and_verbose_only_where_they_mean_something() {
    let f = "fixtures/corpus/op-wrong-client-secret-basic.har";
    assert_eq!(doctor::run(&["check", f, "-q"], &[]).code, 1);
    assert_eq!(doctor::run(&["check", f, "-v"], &[]).code, 1);
    let quiet = doctor::run(&["redact", f, "-q"], &[]);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""));
    for args in [
        vec!["inspect", "-q", "x.y.z"],
        vec!["explain", "-v", "invalid_grant"],
        vec!["rules", "-q"],
        vec!["redact", f, "-v"],
        vec!["man", "-v"],
        vec!["-q", "check", f],
    ] {
        let run = doctor::run(&args, &[]);
        assert_eq!(run.code, 2, "{args:?} is accepted\n{run}");
        assert!(run.stderr.contains("unexpected argument"), "{}", run.stderr);
    }
}

/// `redact` (and `inspect`) on a terminal with nothing piped in say how to use them instead of
/// waiting for input.
#[test]
fn redact_and_inspect_on_a_terminal_say_how_to_give_input() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        doctor::skip_note("`script` (util-linux) is not installed to give the binary a terminal");
        return;
    }
    for (cmd, says) in [
        ("redact", "oauth-doctor redact capture.har"),
        ("inspect", "no token given"),
    ] {
        // `script` runs the command on a pseudo-terminal: stdin is a terminal with no input.
        let out = std::process::Command::new("script")
            .args([
                "-qec",
                &format!("{} {cmd}; echo rc=$?", doctor::bin()),
                "/dev/null",
            ])
            .current_dir(doctor::crate_root())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(says), "{cmd}: {text}");
        assert!(text.contains("rc=2"), "{cmd}: {text}");
    }
}

fn b64url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// `inspect` says what would verify the token at hand: public keys for RS256, the shared secret
/// for HS256; an HMAC secret offered for an RS256 token is algorithm confusion; empty input is
/// an error that says how to give a token; PASS and FAIL are coloured on a terminal.
#[test]
fn inspect_messages_fit_the_algorithm_and_verdicts_are_coloured() {
    let claims = b64url(r#"{"iss":"https://idp.example","sub":"u","exp":4102444800}"#);
    let rs = format!(
        "{}.{claims}.{}",
        b64url(r#"{"alg":"RS256","kid":"k1"}"#),
        b64url("not-a-real-signature-but-long-enough")
    );
    let hs = format!(
        "{}.{claims}.{}",
        b64url(r#"{"alg":"HS256"}"#),
        b64url("another-signature-of-some-length")
    );
    let no_key = doctor::run(&["inspect", &rs], &[]);
    assert_eq!(no_key.code, 0, "{no_key}");
    let sig = no_key
        .stdout
        .lines()
        .find(|l| l.contains("signature NOT VERIFIED"))
        .expect("the signature line");
    assert!(sig.contains("--jwks") && sig.contains("--issuer"), "{sig}");
    assert!(!sig.contains("--hmac-secret-env"), "{sig}");
    let hs_no_key = doctor::run(&["inspect", &hs], &[]);
    let sig = hs_no_key
        .stdout
        .lines()
        .find(|l| l.contains("signature NOT VERIFIED"))
        .expect("the signature line");
    assert!(
        sig.contains("--hmac-secret-env") && !sig.contains("--jwks"),
        "{sig}"
    );
    let confused = doctor::run(
        &["inspect", &rs, "--hmac-secret-env", "SECRET"],
        &[("SECRET", "correct horse battery staple")],
    );
    assert_eq!(confused.code, 1, "{confused}");
    assert!(
        confused
            .stdout
            .contains("FAIL  signature algorithm confusion"),
        "{}",
        confused.stdout
    );
    for input in ["", "   \n"] {
        let empty = doctor::run_stdin(&["inspect"], &[], input);
        assert_eq!(empty.code, 2, "{empty}");
        assert!(empty.stderr.contains("no token given"), "{}", empty.stderr);
    }
    let empty_arg = doctor::run(&["inspect", ""], &[]);
    assert_eq!(empty_arg.code, 2);
    assert!(
        empty_arg.stderr.contains("no token given"),
        "{}",
        empty_arg.stderr
    );
    // Colours: PASS green, FAIL red, on a terminal or with --color always; never in a pipe.
    let coloured = doctor::run(&["inspect", &rs, "--color", "always"], &[]).stdout;
    assert!(
        coloured.contains("\u{1b}[1m\u{1b}[32mPASS"),
        "PASS in bold green: {coloured:?}"
    );
    let failed = doctor::run(
        &[
            "inspect",
            &rs,
            "--hmac-secret-env",
            "SECRET",
            "--color",
            "always",
        ],
        &[("SECRET", "s")],
    )
    .stdout;
    assert!(
        failed.contains("\u{1b}[1m\u{1b}[31mFAIL"),
        "FAIL in bold red: {failed:?}"
    );
    assert!(!no_key.stdout.contains('\u{1b}'), "no colour in a pipe");
}
