//! Several inputs are several captures: `check a b` diagnoses each file on its own (flows never
//! correlate across files unless `--merge` says so), so it reports what `check a` and
//! `check b` report; one unreadable file is reported and the others are still diagnosed.

#[path = "support/doctor.rs"]
mod doctor;

use serde_json::Value;
use std::collections::BTreeMap;

/// Each finding as (file, entry, rule, severity, message), counted: what a user compares.
fn findings(doc: &Value) -> BTreeMap<(String, u64, String, String, String), usize> {
    let mut m = BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        let loc = &f["location"];
        let key = (
            loc["file"].as_str().unwrap_or("-").to_string(),
            loc["entry"].as_u64().unwrap_or(0),
            f["rule"].as_str().unwrap().to_string(),
            f["severity"].as_str().unwrap().to_string(),
            f["message"].as_str().unwrap().to_string(),
        );
        *m.entry(key).or_insert(0) += 1;
    }
    m
}

fn json(args: &[&str]) -> (i32, Value) {
    let mut a = vec!["check"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["--format", "json"]);
    let r = doctor::run(&a, &[]);
    (r.code, r.json())
}

#[test]
fn check_a_b_reports_what_check_a_and_check_b_report() {
    let pairs = [
        (
            "fixtures/corpus/op-refresh-after-code-replay.har",
            "fixtures/corpus/op-wrong-client-secret-basic.har",
        ),
        (
            "fixtures/corpus/op-clean-code-post-revocation.har",
            "fixtures/corpus/op-clean-code-post-revocation.har",
        ),
        (
            "fixtures/corpus/op-pkce-wrong-verifier.har",
            "fixtures/broken/bad-line.ndjson",
        ),
    ];
    for (a, b) in pairs {
        let (ca, ja) = json(&[a]);
        let (cb, jb) = json(&[b]);
        let (cab, jab) = json(&[a, b]);
        let mut want = findings(&ja);
        for (k, n) in findings(&jb) {
            *want.entry(k).or_insert(0) += n;
        }
        assert_eq!(findings(&jab), want, "check {a} {b}");
        assert_eq!(cab, ca.max(cb), "check {a} {b}: exit status");
        assert_eq!(
            jab["exchanges"].as_u64().unwrap(),
            ja["exchanges"].as_u64().unwrap() + jb["exchanges"].as_u64().unwrap()
        );
    }
}

#[test]
fn merge_correlates_flows_across_the_files() {
    // The same clean code flow twice: apart, the two copies report the same; merged, the
    // verifier of one copy is matched with the challenge of the other.
    let c = "fixtures/corpus/op-clean-code-post-revocation.har";
    let (_, apart) = json(&[c, c]);
    let (_, merged) = json(&[c, c, "--merge"]);
    let rules = |d: &Value| -> Vec<String> {
        d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!rules(&apart).contains(&"BCP009".to_string()), "{apart}");
    assert!(rules(&merged).contains(&"BCP009".to_string()), "{merged}");
}

#[test]
fn an_unreadable_input_is_reported_and_the_others_are_still_diagnosed() {
    let a = "fixtures/corpus/op-wrong-client-secret-basic.har";
    let r = doctor::run(&["check", a, "does-not-exist.har", "--format", "json"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let (_, alone) = json(&[a]);
    assert_eq!(findings(&r.json()), findings(&alone));
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(
        lines[0].starts_with("error: does-not-exist.har: cannot read"),
        "{}",
        lines[0]
    );
}

/// Each input is numbered from 1: `check a b` shows b's exchanges with the numbers `check b`
/// gives them, in the evidence, the diagnoses, the timeline and the text report.
#[test]
fn each_input_is_numbered_from_one() {
    let a = "fixtures/corpus/op-pkce-wrong-verifier.har";
    let b = "fixtures/corpus/op-wrong-client-secret-basic.har";
    let (_, jb) = json(&[b]);
    let (_, jab) = json(&[a, b]);
    let numbers = |doc: &Value, file: &str| -> Vec<(u64, u64)> {
        doc["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["file"] == file)
            .map(|t| (t["n"].as_u64().unwrap(), t["entry"].as_u64().unwrap()))
            .collect()
    };
    assert_eq!(numbers(&jab, b), numbers(&jb, b));
    assert_eq!(numbers(&jab, a)[0].0, 1);
    // The evidence of b's finding names b's exchange by the number `check b` gives it.
    let evidence = |doc: &Value| -> Vec<u64> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["location"]["file"] == b)
            .flat_map(|f| f["evidence"].as_array().unwrap().clone())
            .map(|e| e["exchange"].as_u64().unwrap())
            .collect()
    };
    assert!(!evidence(&jb).is_empty());
    assert_eq!(evidence(&jab), evidence(&jb));
    let diag = |doc: &Value| -> Vec<u64> {
        doc["diagnoses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["exchange"].as_u64().unwrap())
            .collect()
    };
    assert!(
        diag(&jab).ends_with(&diag(&jb)),
        "{:?} {:?}",
        diag(&jab),
        diag(&jb)
    );
    let text = doctor::run(&["check", a, b], &[]).stdout;
    assert!(
        text.contains(&format!("#2 ({b} entry 2)")) || text.contains("(#2) credentials"),
        "{text}"
    );
}
