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
    let strip = |mut v: serde_json::Value| {
        for f in v["findings"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("location");
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
        .stderr(predicate::str::contains(
            "note: skipped 1 entry of fixtures/har-dialects/lone-surrogate-and-malformed-entry.har: request has no url (entry 1)",
        ))
        .stdout(predicate::str::contains("note: skipped").not())
        .stdout(predicate::str::contains("1 unreadable entr(ies) skipped"));
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
        // (A HAR cut inside its entries is diagnosed from its complete entries: see
        // tests/broken_input.rs. Cut before its first entry, it is an error alone.)
        ("truncated.har", real[..120.min(real.len())].to_vec()),
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
