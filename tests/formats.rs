//! Every output format on the same captures, each read back by a parser of that format; plus
//! configuration, completions and the man page.

use assert_cmd::Command;
use predicates::prelude::*;

fn doctor() -> Command {
    let mut c = Command::cargo_bin("oauth-doctor").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CLICOLOR_FORCE");
    c
}

const CAPTURES: &[&str] = &[
    "fixtures/corpus/op-wrong-client-secret-basic.har",
    "fixtures/corpus/op-pkce-wrong-verifier.har",
    "fixtures/corpus/azure-7000215-secret-id.har",
    "fixtures/corpus/github-bad-verification-code-form.har",
    "fixtures/corpus/op-clean-code-post-revocation.har",
];

fn output(capture: &str, format: &str) -> (i32, String) {
    let out = doctor()
        .args(["check", capture, "--format", format])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn json_findings(capture: &str) -> Vec<serde_json::Value> {
    let (_, text) = output(capture, "json");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["findings"].as_array().unwrap().clone()
}

#[test]
fn junit_is_well_formed_xml_with_one_testcase_per_exchange() {
    for c in CAPTURES {
        let (code, xml) = output(c, "junit");
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{c}: {e}\n{xml}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        let suite = root
            .children()
            .find(|n| n.has_tag_name("testsuite"))
            .unwrap();
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(
            suite.attribute("tests").unwrap().parse::<usize>().unwrap(),
            cases.len()
        );
        let failures = cases
            .iter()
            .filter(|t| t.children().any(|n| n.has_tag_name("failure")))
            .count();
        assert_eq!(
            suite
                .attribute("failures")
                .unwrap()
                .parse::<usize>()
                .unwrap(),
            failures
        );
        assert_eq!(failures > 0, code == 1, "{c}");
        for t in &cases {
            assert!(t.attribute("name").is_some() && t.attribute("classname").is_some());
        }
    }
}

#[test]
fn github_annotations_follow_the_workflow_command_syntax() {
    for c in CAPTURES {
        let (_, text) = output(c, "github");
        let findings = json_findings(c);
        assert_eq!(
            text.lines().count(),
            findings.len(),
            "{c}: one annotation per finding"
        );
        for line in text.lines() {
            let rest = line.strip_prefix("::").unwrap_or_else(|| panic!("{line}"));
            let (cmd, msg) = rest.split_once("::").unwrap();
            let (level, props) = cmd.split_once(' ').unwrap();
            assert!(["error", "warning", "notice"].contains(&level), "{line}");
            for p in props.split(',') {
                let (k, v) = p.split_once('=').unwrap();
                assert!(["file", "line", "title"].contains(&k), "{line}");
                assert!(!v.contains(':') && !v.contains('\n'), "{line}");
                if k == "file" {
                    assert_eq!(v, *c);
                }
                if k == "line" {
                    v.parse::<usize>().unwrap();
                }
            }
            assert!(!msg.contains('\n') && !msg.contains('\r'));
        }
    }
}

#[test]
fn sarif_has_the_2_1_0_shape_with_rules_and_locations() {
    for c in CAPTURES {
        let (_, text) = output(c, "sarif");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "oauth-doctor");
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), json_findings(c).len());
        for r in results {
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"]);
            assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
            assert!(r["message"]["text"].as_str().unwrap().len() > 10);
            let loc = &r["locations"][0]["physicalLocation"];
            assert_eq!(loc["artifactLocation"]["uri"], *c);
            assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        }
        for rule in rules {
            assert!(rule["help"]["text"].as_str().unwrap().contains("## Fix"));
        }
    }
}

#[test]
fn markdown_report_has_verdict_causes_fixes_and_exchanges() {
    let (_, md) = output(
        "fixtures/corpus/op-wrong-client-secret-basic.har",
        "markdown",
    );
    assert!(md.starts_with("## oauth-doctor diagnosis: fail"));
    assert!(md.contains("### Ranked causes"));
    assert!(md.contains("**Fix:**"));
    assert!(md.contains("### Exchanges involved"));
    let (_, clean) = output(
        "fixtures/corpus/op-clean-code-post-revocation.har",
        "markdown",
    );
    assert!(clean.contains("No failure found"));
}

#[test]
fn config_file_sets_defaults_and_the_command_line_wins() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("oauth-doctor.toml");
    let capture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus/op-wrong-client-secret-basic.har");
    std::fs::write(&cfg, "fail_on = \"never\"\n").unwrap();
    // Found in the working directory.
    Command::cargo_bin("oauth-doctor")
        .unwrap()
        .current_dir(dir.path())
        .arg("check")
        .arg(&capture)
        .assert()
        .code(0);
    // The command line wins over the file.
    Command::cargo_bin("oauth-doctor")
        .unwrap()
        .current_dir(dir.path())
        .arg("check")
        .arg(&capture)
        .args(["--fail-on", "error"])
        .assert()
        .code(1);
    // A rule switched off in [rules].
    std::fs::write(&cfg, "[rules]\nSTAT016 = \"off\"\n").unwrap();
    let out = Command::cargo_bin("oauth-doctor")
        .unwrap()
        .current_dir(dir.path())
        .arg("check")
        .arg(&capture)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("\"STAT016\""));
}

#[test]
fn config_with_an_unknown_key_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("custom.toml");
    std::fs::write(
        &cfg,
        "leeway = 30\nexpected_isuer = \"https://idp.example\"\n",
    )
    .unwrap();
    doctor()
        .args([
            "check",
            "fixtures/corpus/op-wrong-client-secret-basic.har",
            "--config",
        ])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expected_isuer").and(predicate::str::contains("line 2")));
}

#[test]
fn completions_and_man_page_generate() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = doctor().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("oauth-doctor"),
            "{shell}"
        );
    }
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg("-c")
        .arg(
            String::from_utf8(
                doctor()
                    .args(["completions", "bash"])
                    .output()
                    .unwrap()
                    .stdout,
            )
            .unwrap(),
        )
        .status()
        .unwrap();
    assert!(
        status.success(),
        "bash completion script has a syntax error"
    );
    let man = doctor().arg("man").output().unwrap();
    let man = String::from_utf8(man.stdout).unwrap();
    assert!(man.contains(".TH oauth-doctor 1") && man.contains(".SH NAME"));
}

#[test]
fn quiet_and_verbose_change_the_amount_of_text() {
    let f = "fixtures/corpus/op-pkce-wrong-verifier.har";
    let normal = String::from_utf8(doctor().args(["check", f]).output().unwrap().stdout).unwrap();
    let quiet =
        String::from_utf8(doctor().args(["-q", "check", f]).output().unwrap().stdout).unwrap();
    let verbose =
        String::from_utf8(doctor().args(["check", f, "-v"]).output().unwrap().stdout).unwrap();
    assert!(quiet.lines().count() < normal.lines().count());
    assert!(verbose.lines().count() > normal.lines().count());
    assert!(verbose.contains("exchanges:"));
}
