//! Bodies that are not in the capture: Playwright's attachment files (`_file`), bodies an
//! exporter left out. A body the capture does not hold is unknown, never empty: read it from
//! the attachment when the file is there, say so when it is not, and never conclude that a
//! parameter is absent from a body nobody can read.

#[path = "support/doctor.rs"]
mod doctor;

use doctor::report_of;
use serde_json::Value;
use std::path::Path;

/// (rule, category, message) of every finding.
fn findings(doc: &Value) -> Vec<(String, String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["category"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn attachments_next_to_the_capture_are_read() {
    let (code, original) = report_of(Path::new(
        "fixtures/corpus/op-wrong-client-secret-basic.har",
    ));
    let (code2, attached) = report_of(Path::new("fixtures/attachments/playwright-attach.har"));
    assert_eq!(code, Some(1));
    assert_eq!(code2, code);
    assert_eq!(findings(&attached), findings(&original));
}

#[test]
fn attachments_that_are_not_there_are_unknown_not_empty() {
    let (code, doc) = report_of(Path::new(
        "fixtures/attachments/without-files/playwright-attach.har",
    ));
    assert_eq!(code, Some(1), "the 401 is still a failure");
    let all = findings(&doc);
    // The error code still comes from the WWW-Authenticate header.
    assert_eq!(all[0].1, "credentials", "{all:?}");
    // No finding rests on the absence of a value in a body the capture does not hold.
    for f in doc["findings"].as_array().unwrap() {
        for ev in f["evidence"].as_array().unwrap() {
            let at = ev["at"].as_str().unwrap();
            assert!(
                !(at.starts_with("request.body") && ev["value"] == "(absent)"),
                "{} claims {at} is absent",
                f["rule"]
            );
        }
    }
}

/// A capture in a temporary directory: `files` are written beside it.
fn capture_in_tmp(har: &Value, files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("shared");
    std::fs::create_dir(&sub).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let path = sub.join("capture.har");
    std::fs::write(&path, serde_json::to_vec(har).unwrap()).unwrap();
    (dir, path)
}

fn token_call(content: Value) -> Value {
    serde_json::json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
    "entries": [{
        "startedDateTime": "2026-12-01T10:00:00.000Z",
        "request": {"method": "POST", "url": "https://idp.example.com/oauth2/token",
            "headers": [{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}],
            "postData": {"mimeType": "application/x-www-form-urlencoded",
                "text": "grant_type=client_credentials&client_id=reports&client_secret=s3cr3t-Value-123"}},
        "response": {"status": 400, "headers": [{"name": "Content-Type", "value": "application/json"}],
            "content": content}
    }]}})
}

#[test]
fn a_body_the_exporter_left_out_is_said_to_be_missing() {
    // Chrome and others keep `content.size` and drop `content.text`.
    let (_d, path) = capture_in_tmp(
        &token_call(serde_json::json!({"size": 85, "mimeType": "application/json"})),
        &[],
    );
    let (code, doc) = report_of(&path);
    assert_eq!(code, Some(1));
    let diag = &doc["diagnoses"][0];
    assert_eq!(diag["signal"], "400 (body not in the capture)", "{diag}");
    let top = &doc["findings"][0];
    assert!(
        top["message"].as_str().unwrap().contains("85 bytes"),
        "{top}"
    );
}

#[test]
fn an_attachment_name_is_never_a_path() {
    // A file one directory up exists, but `_file` may only name a file beside the capture.
    let body = r#"{"error":"invalid_scope","error_description":"read from outside"}"#;
    let (_d, path) = capture_in_tmp(
        &token_call(
            serde_json::json!({"size": -1, "mimeType": "application/json",
            "_file": "../outside.json"}),
        ),
        &[("outside.json", body)],
    );
    let (code, doc) = report_of(&path);
    assert_eq!(code, Some(1));
    let text = doc.to_string();
    assert!(!text.contains("invalid_scope"), "{text}");
    assert!(text.contains("not in the capture"), "{text}");
}
