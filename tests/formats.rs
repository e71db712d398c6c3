//! Every output format on the same captures, each read back by a parser of that format; plus
//! configuration, completions and the man page.

#[path = "support/doctor.rs"]
mod doctor;

use doctor::doctor;
use predicates::prelude::*;

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
fn markdown_report_opens_with_the_ticket_summary_and_draws_the_failing_flow() {
    let (_, md) = output("fixtures/corpus/op-pkce-wrong-verifier.har", "markdown");
    let ticket = md
        .find("### Summary for the ticket")
        .expect("a ticket summary");
    let flow = md
        .find("```mermaid\nsequenceDiagram\n")
        .expect("a Mermaid diagram");
    let causes = md.find("### Ranked causes").unwrap();
    assert!(ticket < flow && flow < causes, "{md}");
    assert!(md.contains("- **Most probable cause:** PKCE001 (pkce, confidence 1.00)"));
    assert!(md.contains("- **Who must change it:** the app's code"));
    // The failure is marked, with the recomputed S256 against the challenge on the arrow.
    assert!(md.contains("    rect rgb(255, 228, 225)\n    app->>idp: #35;5 POST /token"));
    assert!(md.contains(
        "S256(code_verifier)=ckSYcJvkUPDZXFJpuDMTPLBwkDAwCOIc_NnlqyQ-1FI (✗ ≠ code_challenge #35;2)"
    ));
    assert!(md.contains("    idp--xapp: ✗ 400 invalid_grant\n    Note over app,idp: ✗ PKCE001"));
}

#[test]
fn the_guides_mermaid_diagram_is_what_markdown_prints() {
    let guide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/guide.md"),
    )
    .unwrap();
    let block = |text: &str| -> String {
        let start = text.find("```mermaid\n").expect("a Mermaid block");
        let end = start + text[start..].find("\n```\n").unwrap();
        text[start..end].to_string()
    };
    let (_, md) = output(
        "fixtures/corpus/okta-redirect-uri-mismatch-token.har",
        "markdown",
    );
    assert_eq!(
        block(&guide),
        block(&md),
        "docs/guide.md shows another diagram than `--format markdown` prints for this capture"
    );
}

#[test]
fn html_report_is_one_self_contained_page() {
    for c in CAPTURES {
        let (code, html) = output(c, "html");
        assert!(
            html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
            "{c}"
        );
        assert!(html.trim_end().ends_with("</html>"), "{c}");
        // Nothing is loaded from anywhere: no external script, style, image or font, and a
        // policy that would refuse them.
        assert!(
            html.contains("content=\"default-src &#39;none&#39;; style-src &#39;sha256-"),
            "{c}"
        );
        for needle in [" src=", "<link", "url(", "@import", "<iframe", "<object"] {
            assert!(!html.contains(needle), "{c}: `{needle}`");
        }
        assert_eq!(html.matches("<script>").count(), 1, "{c}");
        assert_eq!(html.matches("<style>").count(), 1, "{c}");
        let failing = html.matches("class=\"step failing").count();
        assert_eq!(failing, usize::from(code == 1), "{c}: failing arrows");
        assert!(html.contains("id=\"ticket-text\""), "{c}");
    }
}

#[test]
fn config_file_sets_defaults_and_the_command_line_wins() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("oauth-doctor.toml");
    let capture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus/op-wrong-client-secret-basic.har");
    std::fs::write(&cfg, "fail_on = \"never\"\n").unwrap();
    // Found in the working directory.
    doctor()
        .current_dir(dir.path())
        .arg("check")
        .arg(&capture)
        .assert()
        .code(0);
    // The command line wins over the file.
    doctor()
        .current_dir(dir.path())
        .arg("check")
        .arg(&capture)
        .args(["--fail-on", "error"])
        .assert()
        .code(1);
    // A rule switched off in [rules].
    std::fs::write(&cfg, "[rules]\nSTAT016 = \"off\"\n").unwrap();
    let out = doctor()
        .current_dir(dir.path())
        .arg("check")
        .arg(&capture)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("\"STAT016\""));
    // ... in a report that was printed: the capture's only finding is gone, nothing fails.
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(out.status.code(), Some(0));
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
        String::from_utf8(doctor().args(["check", f, "-q"]).output().unwrap().stdout).unwrap();
    let verbose =
        String::from_utf8(doctor().args(["check", f, "-v"]).output().unwrap().stdout).unwrap();
    assert!(quiet.lines().count() < normal.lines().count());
    assert!(verbose.lines().count() > normal.lines().count());
    assert!(verbose.contains("exchanges:"));
}

// ---------------------------------------------------------------------------------------------
// Every format of every real-world capture, checked against its published schema with a real
// validator: the JSON report against docs/diagnosis-v1.schema.json, SARIF against the SARIF 2.1.0
// schema and JUnit against Jenkins' junit-10.xsd (both vendored in tests/schemas/, see its
// README), GitHub annotations against the workflow-command grammar.

fn repo_root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every capture in fixtures/corpus/ (HAR, dump or NDJSON), sorted.
fn corpus() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(repo_root().join("fixtures/corpus"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            [".har", ".har.gz", ".json", ".ndjson", ".zhar"]
                .iter()
                .any(|x| n.ends_with(x))
        })
        .map(|n| format!("fixtures/corpus/{n}"))
        .collect();
    v.sort();
    assert!(v.len() >= 50, "fixtures/corpus/ has {} captures", v.len());
    v
}

type Outputs = Vec<(String, i32, String)>;

/// `check CAPTURE --format FORMAT` for every capture of the corpus (capture, exit status,
/// stdout), computed once per format per test binary.
fn corpus_outputs(format: &str) -> std::sync::Arc<Outputs> {
    use std::sync::{Arc, OnceLock};
    static CACHE: [OnceLock<Arc<Outputs>>; 4] = [const { OnceLock::new() }; 4];
    let slot = ["json", "sarif", "junit", "github"]
        .iter()
        .position(|f| *f == format)
        .expect("a cached format");
    CACHE[slot]
        .get_or_init(|| Arc::new(run_corpus(format)))
        .clone()
}

/// Run the corpus two captures at a time.
fn run_corpus(format: &str) -> Outputs {
    let captures = corpus();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(c) = captures.get(i) else { break };
                    let (code, out) = output(c, format);
                    assert!(code == 0 || code == 1, "{c} --format {format}: exit {code}");
                    results.lock().unwrap().push((c.clone(), code, out));
                }
            });
        }
    });
    let mut v = results.into_inner().unwrap();
    v.sort();
    v
}

fn json_validator(schema_path: &str) -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo_root().join(schema_path)).unwrap())
            .unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{schema_path} is not a valid schema: {e}"))
}

fn violations(validator: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn json_report_of_every_corpus_capture_matches_the_published_schema() {
    let validator = json_validator("docs/diagnosis-v1.schema.json");
    let mut problems = Vec::new();
    for (capture, code, text) in corpus_outputs("json").iter() {
        let code = *code;
        let doc: serde_json::Value =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{capture}: {e}"));
        for v in violations(&validator, &doc) {
            problems.push(format!("{capture}: {v}"));
        }
        // What a JSON Schema cannot say: ranks are 1..n in order, and the exit status follows
        // the verdict (default --fail-on error).
        let ranks: Vec<u64> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["rank"].as_u64())
            .collect();
        let want: Vec<u64> = (1..=ranks.len() as u64).collect();
        if ranks != want {
            problems.push(format!("{capture}: ranks {ranks:?}"));
        }
        if (doc["verdict"] == "fail") != (code == 1) {
            problems.push(format!(
                "{capture}: verdict {} but exit {code}",
                doc["verdict"]
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "--format json output violates docs/diagnosis-v1.schema.json:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn the_json_schema_rejects_what_the_contract_forbids_and_allows_new_fields() {
    let validator = json_validator("docs/diagnosis-v1.schema.json");
    let (_, text) = output("fixtures/corpus/azure-7000215-secret-id.har", "json");
    let good: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(violations(&validator, &good).is_empty());
    let mutate = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut d = good.clone();
        f(&mut d);
        d
    };
    // New fields may be added (docs/json-output.md), at every level.
    let extended = mutate(&|d| {
        d["new_top_level"] = serde_json::json!(1);
        d["findings"][0]["new_field"] = serde_json::json!("x");
        d["findings"][0]["evidence"][0]["new_field"] = serde_json::json!(true);
    });
    assert!(violations(&validator, &extended).is_empty());
    let bad: Vec<(&str, serde_json::Value)> = vec![
        (
            "schema",
            mutate(&|d| d["schema"] = "oauth-doctor/diagnosis/v2".into()),
        ),
        ("verdict", mutate(&|d| d["verdict"] = "failed".into())),
        (
            "verdict pass with an error",
            mutate(&|d| d["verdict"] = "pass".into()),
        ),
        (
            "category",
            mutate(&|d| d["findings"][0]["category"] = "secret".into()),
        ),
        (
            "severity",
            mutate(&|d| d["findings"][0]["severity"] = "fatal".into()),
        ),
        (
            "confidence",
            mutate(&|d| d["findings"][0]["confidence"] = 1.5.into()),
        ),
        (
            "rule",
            mutate(&|d| d["findings"][0]["rule"] = "XYZ001".into()),
        ),
        ("rank", mutate(&|d| d["findings"][0]["rank"] = 0.into())),
        (
            "evidence exchange",
            mutate(&|d| d["findings"][0]["evidence"][0]["exchange"] = 0.into()),
        ),
        (
            "missing fix",
            mutate(&|d| {
                d["findings"][0].as_object_mut().unwrap().remove("fix");
            }),
        ),
        (
            "missing findings",
            mutate(&|d| {
                d.as_object_mut().unwrap().remove("findings");
            }),
        ),
    ];
    for (what, doc) in bad {
        assert!(
            !violations(&validator, &doc).is_empty(),
            "the schema accepts a document with a bad {what}"
        );
    }
}

/// SARIF 2.1.0 errata 01 requires a region to say where it starts; the vendored SDK copy of the
/// schema lacks that one constraint (tests/schemas/README.md).
fn regions_without_a_start(v: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let here = format!("{at}/{k}");
                if (k == "region" || k == "contextRegion")
                    && !["startLine", "charOffset", "byteOffset"]
                        .iter()
                        .any(|s| x.get(s).is_some())
                {
                    out.push(here.clone());
                }
                regions_without_a_start(x, &here, out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                regions_without_a_start(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn sarif_of_every_corpus_capture_matches_the_sarif_2_1_0_schema() {
    let validator = json_validator("tests/schemas/sarif-schema-2.1.0.json");
    let mut problems = Vec::new();
    let sarif = corpus_outputs("sarif");
    for (capture, _, text) in sarif.iter() {
        let doc: serde_json::Value =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{capture}: {e}"));
        for v in violations(&validator, &doc) {
            problems.push(format!("{capture}: {v}"));
        }
        let mut regions = Vec::new();
        regions_without_a_start(&doc, "", &mut regions);
        for r in regions {
            problems.push(format!(
                "{capture}: {r}: a region needs startLine, charOffset or byteOffset"
            ));
        }
        // Every result's rule is described, and its location is the capture file.
        let run = &doc["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for r in run["results"].as_array().unwrap() {
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            if rules.get(idx).map(|x| &x["id"]) != Some(&r["ruleId"]) {
                problems.push(format!("{capture}: ruleIndex {idx} is not {}", r["ruleId"]));
            }
            for loc in r["locations"].as_array().unwrap() {
                let uri = &loc["physicalLocation"]["artifactLocation"]["uri"];
                if uri != capture {
                    problems.push(format!("{capture}: location uri {uri}"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "--format sarif output violates SARIF 2.1.0:\n  {}",
        problems.join("\n  ")
    );
    // The validator does reject what SARIF forbids.
    let mut doc: serde_json::Value = serde_json::from_str(&sarif[0].2).unwrap();
    doc["version"] = "2.2.0".into();
    doc["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    assert_eq!(violations(&validator, &doc).len(), 2);
}

/// Run tests/schemas/validate_junit.py; None when Python or `xmlschema` is missing.
fn validate_junit(files: &[std::path::PathBuf]) -> Option<(i32, String)> {
    let out = std::process::Command::new("python3")
        .arg(repo_root().join("tests/schemas/validate_junit.py"))
        .arg(repo_root().join("tests/schemas/junit-10.xsd"))
        .args(files)
        .output()
        .ok()?;
    let code = out.status.code().unwrap_or(-1);
    if code == 3 {
        return None;
    }
    Some((
        code,
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

fn skip_or_fail(what: &str) {
    let msg = format!(
        "{what}: Python 3 with `xmlschema` is needed (python3 -m pip install xmlschema==4.3.2 elementpath==5.1.4; .ci/run does it)"
    );
    assert!(std::env::var_os("CI").is_none(), "{msg}");
    doctor::skip_note(&msg);
}

#[test]
fn junit_of_every_corpus_capture_matches_the_jenkins_junit_xsd() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (capture, _, xml) in corpus_outputs("junit").iter() {
        let name = capture.replace('/', "_") + ".xml";
        let path = dir.path().join(name);
        std::fs::write(&path, xml).unwrap();
        files.push(path);
    }
    let Some((code, report)) = validate_junit(&files) else {
        skip_or_fail("JUnit XSD validation");
        return;
    };
    assert_eq!(
        code, 0,
        "--format junit output violates junit-10.xsd:\n{report}"
    );
    // The validator does reject what the schema forbids: a test case without a name.
    let bad = dir.path().join("bad.xml");
    std::fs::write(
        &bad,
        r#"<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase classname="c"/></testsuite></testsuites>"#,
    )
    .unwrap();
    let (code, report) = validate_junit(&[bad]).unwrap();
    assert_eq!(code, 1, "{report}");
}

/// Jenkins and junitparser read only the first `<failure>` of a test case: an exchange with
/// several error-level findings has exactly one, named after the highest-ranked of them, whose
/// text lists every one (the JSON report of the same capture says which they are).
#[test]
fn junit_has_one_failure_per_testcase_that_lists_every_error() {
    let json = corpus_outputs("json");
    let mut problems = Vec::new();
    let mut several = 0;
    for (capture, _, xml) in corpus_outputs("junit").iter() {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let report: serde_json::Value =
            serde_json::from_str(&json.iter().find(|(c, _, _)| c == capture).unwrap().2).unwrap();
        for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
            let failures: Vec<_> = case
                .children()
                .filter(|n| n.has_tag_name("failure"))
                .collect();
            let class = case.attribute("classname").unwrap();
            // The error findings anchored at this exchange, in rank order.
            let errors: Vec<&str> = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["severity"] == "error")
                .filter(|f| {
                    f["location"].is_object()
                        && format!(
                            "{}.entry{}",
                            f["location"]["file"].as_str().unwrap(),
                            f["location"]["entry"]
                        ) == class
                })
                .map(|f| f["rule"].as_str().unwrap())
                .collect();
            if failures.len() > 1 {
                problems.push(format!(
                    "{capture}: {class} has {} <failure>",
                    failures.len()
                ));
                continue;
            }
            if failures.len() != usize::from(!errors.is_empty()) {
                problems.push(format!(
                    "{capture}: {class}: errors {errors:?}, {} failure(s)",
                    failures.len()
                ));
                continue;
            }
            let Some(f) = failures.first() else { continue };
            if f.attribute("type") != errors.first().copied() {
                problems.push(format!(
                    "{capture}: {class}: failure type {:?}, top error {:?}",
                    f.attribute("type"),
                    errors.first()
                ));
            }
            let text = f.text().unwrap_or_default();
            for rule in &errors {
                if !text.contains(&format!("[{rule}]")) {
                    problems.push(format!(
                        "{capture}: {class}: the failure does not list {rule}"
                    ));
                }
            }
            if errors.len() > 1 {
                several += 1;
                if !f
                    .attribute("message")
                    .unwrap()
                    .contains(&format!("and {} more", errors.len() - 1))
                {
                    problems.push(format!(
                        "{capture}: {class}: the message does not count the other errors"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        several >= 5,
        "only {several} exchanges with several errors in the corpus"
    );
}

/// Every SARIF rule carries its whole description (the page's "What it does", not its first
/// line) and a `helpUri` to its page in docs/rules/, which exists.
#[test]
fn sarif_rules_have_full_descriptions_and_a_help_uri_to_their_page() {
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (capture, _, text) in corpus_outputs("sarif").iter() {
        let doc: serde_json::Value = serde_json::from_str(text).unwrap();
        for rule in doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
        {
            let id = rule["id"].as_str().unwrap();
            if !seen.insert(id.to_string()) {
                continue;
            }
            let page = std::fs::read_to_string(repo_root().join(format!("docs/rules/{id}.md")))
                .unwrap_or_else(|e| panic!("docs/rules/{id}.md: {e}"));
            let what: Vec<&str> = page
                .lines()
                .skip_while(|l| *l != "## What it does")
                .skip(1)
                .take_while(|l| !l.starts_with("## "))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let full = rule["fullDescription"]["text"].as_str().unwrap_or_default();
            // The description may be scrubbed of example secrets: compare its words' count
            // and ends with the page's paragraph.
            let expected = what.join(" ");
            if full.split_whitespace().count() + 2 < expected.split_whitespace().count()
                || !expected.starts_with(full.split_whitespace().next().unwrap_or("-"))
                || !full.ends_with(expected.split_whitespace().last().unwrap())
            {
                problems.push(format!(
                    "{capture}: {id}: fullDescription {full:?} is not the page's {expected:?}"
                ));
            }
            let uri = format!(
                "https://github.com/oauth-doctor/oauth-doctor/blob/main/docs/rules/{id}.md"
            );
            if rule["helpUri"] != uri.as_str() {
                problems.push(format!(
                    "{capture}: {id}: helpUri {} is not {uri}",
                    rule["helpUri"]
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        seen.len() >= 40,
        "only {} rules in the corpus's SARIF",
        seen.len()
    );
}

/// Undo workflow-command escaping of a message (`%25`, `%0D`, `%0A`) or a property value (also
/// `%3A`, `%2C`); None when a `%` starts no known escape.
fn unescape(s: &str, property: bool) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let esc = rest.get(i..i + 3)?;
        out.push(match esc {
            "%25" => '%',
            "%0D" => '\r',
            "%0A" => '\n',
            "%3A" if property => ':',
            "%2C" if property => ',',
            _ => return None,
        });
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Some(out)
}

#[test]
fn github_annotations_of_every_corpus_capture_follow_the_workflow_command_grammar() {
    // ::(error|warning|notice)[ key=value(,key=value)*]::message — keys from the documented set,
    // values and message escaped, one command per line; each annotation says what the JSON
    // finding of the same rank says.
    let mut problems = Vec::new();
    let jsons = corpus_outputs("json");
    for ((capture, _, text), (_, _, json)) in corpus_outputs("github").iter().zip(jsons.iter()) {
        let findings: Vec<serde_json::Value> = serde_json::from_str::<serde_json::Value>(json)
            .unwrap()["findings"]
            .as_array()
            .unwrap()
            .clone();
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() != findings.len() {
            problems.push(format!(
                "{capture}: {} annotations for {} findings",
                lines.len(),
                findings.len()
            ));
            continue;
        }
        let capture_lines = std::fs::read_to_string(repo_root().join(capture))
            .map(|t| t.lines().count())
            .unwrap_or(usize::MAX);
        for (line, f) in lines.iter().zip(&findings) {
            let mut bad = |why: &str| problems.push(format!("{capture}: {why}: {line}"));
            let Some(rest) = line.strip_prefix("::") else {
                bad("does not start with ::");
                continue;
            };
            let Some((command, message)) = rest.split_once("::") else {
                bad("no :: before the message");
                continue;
            };
            let (level, props) = command.split_once(' ').unwrap_or((command, ""));
            let want_level = match f["severity"].as_str().unwrap() {
                "error" => "error",
                "warning" => "warning",
                _ => "notice",
            };
            if level != want_level {
                bad("level does not match the finding's severity");
            }
            let mut title = None;
            for p in props.split(',').filter(|p| !p.is_empty()) {
                let Some((k, v)) = p.split_once('=') else {
                    bad("property without =");
                    continue;
                };
                if !["title", "file", "col", "endColumn", "line", "endLine"].contains(&k) {
                    bad("unknown property");
                }
                let Some(v) = unescape(v, true) else {
                    bad("bad escape in a property");
                    continue;
                };
                match k {
                    "file" if v != *capture => bad("file is not the capture"),
                    "line" => match v.parse::<usize>() {
                        Ok(n) if n >= 1 && n <= capture_lines => {}
                        _ => bad("line is not a line of the capture"),
                    },
                    "title" => title = Some(v),
                    _ => {}
                }
            }
            let want_title = format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["title"].as_str().unwrap()
            );
            if title.as_deref() != Some(want_title.as_str()) {
                bad("title is not `RULE title`");
            }
            match unescape(message, false) {
                Some(m) => {
                    // `#N (entry M): ` first when the finding is about one exchange: its
                    // number and its entry in the capture.
                    let m = match f["location"]["entry"].as_u64() {
                        Some(entry) => {
                            let rest = m
                                .strip_prefix('#')
                                .and_then(|r| r.split_once(' '))
                                .filter(|(n, _)| n.parse::<usize>().is_ok())
                                .and_then(|(_, r)| r.strip_prefix(&format!("(entry {entry}): ")));
                            match rest {
                                Some(r) => r.to_string(),
                                None => {
                                    bad("message does not start with `#N (entry M): `");
                                    continue;
                                }
                            }
                        }
                        None => m,
                    };
                    if !m.starts_with(f["message"].as_str().unwrap())
                        || !m.contains(&format!("fix: {}", f["fix"].as_str().unwrap()))
                    {
                        bad("message is not the finding's message and fix");
                    }
                }
                None => bad("bad escape in the message"),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "--format github output breaks the workflow-command grammar:\n  {}",
        problems.join("\n  ")
    );
}
