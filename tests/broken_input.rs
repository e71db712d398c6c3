//! Broken input never passes silently: a bad NDJSON line is skipped with its line number and
//! the lines after it are read; JSON that is not a capture is exit 2; a syntax error names the
//! position in the file; a truncated HAR is diagnosed from its complete entries and the cut is
//! the run's error; entries that could not be read make the verdict `incomplete` when nothing
//! read explains a failure. Each case runs the real binary on a fixture, as a user would.

#[path = "support/doctor.rs"]
mod doctor;

use doctor::run;

#[test]
fn a_bad_ndjson_line_is_skipped_with_its_line_number_and_the_next_lines_are_read() {
    let r = run(
        &[
            "check",
            "fixtures/broken/bad-line.ndjson",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(doc["exchanges"], 2);
    let skipped = doc["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("line 2, column "),
        "{skipped:?}"
    );
    // The failure is on line 3, after the bad line.
    let top = &doc["findings"][0];
    assert_eq!(top["severity"], "error");
    assert_eq!(top["location"]["line"], 3);
    assert!(
        r.stderr
            .contains("note: skipped 1 entry of fixtures/broken/bad-line.ndjson: invalid JSON"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("(line 2, column "), "{}", r.stderr);
    // The same from a pipe.
    let piped = doctor::run_stdin(
        &["check", "-", "--format", "json"],
        &[],
        &std::fs::read_to_string("fixtures/broken/bad-line.ndjson").unwrap(),
    );
    assert_eq!(piped.code, 1, "{}", piped.stderr);
    assert_eq!(piped.json()["findings"][0]["location"]["line"], 3);
}

#[test]
fn json_that_is_not_a_capture_is_exit_2_with_one_line() {
    let r = doctor::run_stdin(&["check", "-"], &[], "[1,2,3]");
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(
        r.stderr.trim_end(),
        "error: <stdin>: not a capture: a JSON array with no exchange object in it"
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

#[test]
fn a_syntax_error_names_the_line_and_column_in_the_file() {
    // Line 4 has `,,` inside the second exchange. (Written here: a fixture no reader can load
    // has no place among the shipped ones.)
    let doc = r#"[
  {"request": {"method": "POST", "url": "https://idp.example/token", "body": "grant_type=client_credentials"},
   "response": {"status": 401, "body": "{\"error\":\"invalid_client\"}"}},
  {"request": {"method": "POST", "url": "https://idp.example/token",, "body": "grant_type=client_credentials"}}
]
"#;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("syntax-error.json");
    std::fs::write(&p, doc).unwrap();
    let p = p.to_str().unwrap();
    let r = run(&["check", p], &[]);
    assert_eq!(r.code, 2);
    // The position in the file, not inside the entry.
    assert_eq!(
        r.stderr.trim_end(),
        format!("error: {p}: invalid JSON at line 4, column 69: key must be a string")
    );
}

#[test]
fn unreadable_entries_with_nothing_explaining_a_failure_make_the_verdict_incomplete() {
    // A successful token request, then a line cut short: the unread line may hold the failure.
    let f = "fixtures/broken/bad-line-healthy-rest.ndjson";
    let r = run(&["check", f, "--format", "json"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(doc["verdict"], "incomplete");
    assert!(
        doc["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("line 2, column "),
        "{doc}"
    );
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(
        lines[0].starts_with(&format!(
            "error: {f}: 1 entr(ies) could not be read and nothing read explains a failure: the verdict is incomplete (skipped 1 entry of {f}: invalid JSON"
        )),
        "{}",
        lines[0]
    );
    let text = run(&["check", f], &[]);
    assert!(
        text.stdout.contains("incomplete: 0 error(s)"),
        "{}",
        text.stdout
    );
}

#[test]
fn a_placeholder_entry_that_reads_well_does_not_make_the_verdict_incomplete() {
    // Exporters write placeholders (a request without a URL): skipped and noted, but read.
    let doc = r#"[
  {"request": {"method": "POST", "url": "https://idp.example/token", "body": "grant_type=client_credentials&client_id=svc"},
   "response": {"status": 200, "body": "{\"access_token\":\"Zm9vYmFyYmF6cXV4MDAwMTIzNDU2\",\"token_type\":\"Bearer\",\"expires_in\":3600}"}},
  {"request": {"method": "GET", "url": ""}, "response": {"status": 0}}
]"#;
    let r = doctor::run_stdin(&["check", "-", "--format", "json"], &[], doc);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_ne!(r.json()["verdict"], "incomplete");
    assert!(
        r.stderr
            .contains("note: skipped 1 entry of <stdin>: request has no url"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_truncated_har_is_diagnosed_from_its_complete_entries_and_the_cut_is_the_error() {
    let path = "fixtures/corpus/op-refresh-after-code-replay.har";
    let full = std::fs::read(path).unwrap();
    let whole = run(&["check", path, "--format", "json"], &[]);
    assert_eq!(whole.code, 1, "{}", whole.stderr);
    let whole = whole.json();
    let failing_entry = whole["findings"][0]["location"]["entry"].as_u64().unwrap() as usize;
    let entries = full
        .windows(b"\"startedDateTime\"".len())
        .filter(|w| *w == b"\"startedDateTime\"")
        .count();
    assert!(
        failing_entry < entries,
        "the failure must not be the last entry for this test"
    );
    // Cut in the middle of the last entry.
    let last = full
        .windows(b"\"startedDateTime\"".len())
        .rposition(|w| w == b"\"startedDateTime\"")
        .unwrap();
    let cut = &full[..last + 40];
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.har");
    std::fs::write(&p, cut).unwrap();
    let p = p.to_str().unwrap();
    for (how, r) in [
        ("file", run(&["check", p, "--format", "json"], &[])),
        (
            "pipe",
            doctor::run_stdin(
                &["check", "-", "--format", "json"],
                &[],
                &String::from_utf8_lossy(cut),
            ),
        ),
    ] {
        assert_eq!(r.code, 2, "{how}: {}", r.stderr);
        let doc = r.json();
        assert_eq!(doc["verdict"], "fail", "{how}");
        assert_eq!(
            doc["findings"][0]["rule"], whole["findings"][0]["rule"],
            "{how}: the diagnosis of the complete entries"
        );
        let skipped = doc["skipped"].as_array().unwrap();
        assert!(
            skipped.iter().any(|s| s["reason"]
                .as_str()
                .unwrap()
                .starts_with("truncated at line ")),
            "{how}: {skipped:?}"
        );
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{how}: {}", r.stderr);
        assert!(
            lines[0].starts_with("error: ")
                && lines[0].contains(", column ")
                && lines[0].contains(&format!(
                    "truncated: the input ends inside `log.entries` after {} complete entr(ies)",
                    entries - 1
                )),
            "{how}: {}",
            lines[0]
        );
    }
}
