//! The streaming reader (HAR from a file or pipe, entry by entry) and the in-memory reader give
//! exactly the same exchanges and the same diagnosis on every fixture.

use oauth_doctor::capture;
use oauth_doctor::rules::Options;
use oauth_doctor::{RuleFilter, analyze};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn all_fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for e in entries {
            let p = e
                .unwrap_or_else(|e| panic!("{}: cannot read an entry: {e}", d.display()))
                .path();
            // The body files a Playwright capture keeps beside it are not captures.
            let attachment =
                d.ends_with("attachments") && p.extension().is_some_and(|x| x != "har");
            if p.is_dir() {
                stack.push(p);
            } else if attachment {
                continue;
            } else if ["har", "json", "ndjson", "gz", "zhar"]
                .contains(&p.extension().and_then(|x| x.to_str()).unwrap_or(""))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn summary(l: capture::Loaded) -> (usize, usize, usize, Vec<String>) {
    let (n, skipped, ignored) = (l.exchanges.len(), l.skipped.len(), l.ignored);
    let a = analyze(l.exchanges, &Options::default(), &RuleFilter::default());
    let findings = a
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {:?} {:?} {} {:?}",
                f.rank, f.rule, f.category, f.severity, f.anchor, f.confidence, f.evidence
            )
        })
        .collect();
    (n, skipped, ignored, findings)
}

#[test]
fn streaming_and_in_memory_readers_agree_on_every_fixture() {
    let mut compared = 0;
    for p in all_fixtures() {
        let path = p.to_str().unwrap();
        let streamed = capture::load_path(path);
        let bytes = std::fs::read(&p).unwrap();
        let in_memory = capture::load_bytes(Arc::from(path), &bytes);
        match (streamed, in_memory) {
            (Ok(a), Ok(b)) => {
                let lines_a: Vec<_> = a
                    .exchanges
                    .iter()
                    .map(|e| (e.source.entry, e.source.line))
                    .collect();
                let lines_b: Vec<_> = b
                    .exchanges
                    .iter()
                    .map(|e| (e.source.entry, e.source.line))
                    .collect();
                assert_eq!(lines_a, lines_b, "{path}: entries or lines differ");
                assert_eq!(summary(a), summary(b), "{path}");
                compared += 1;
            }
            (Err(a), Err(_)) => panic!("{path}: a shipped fixture that neither reader loads: {a}"),
            (a, b) => panic!("{path}: streaming {:?} vs in-memory {:?}", a.err(), b.err()),
        }
    }
    assert!(compared > 100, "only {compared} fixtures compared");
}

/// A real capture with `per_entry` unrelated entries, each holding a base64 body of
/// `image_bytes`, before each of its entries (written to a temporary folder).
fn padded_capture(image_bytes: usize, per_entry: usize) -> (tempfile::TempDir, PathBuf) {
    let src =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/op-pkce-wrong-verifier.har");
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(src).unwrap()).unwrap();
    let entries = doc["log"]["entries"].as_array_mut().unwrap();
    let filler = serde_json::json!({
        "startedDateTime": "2026-11-29T02:54:00.000Z", "time": 3,
        "request": {"method": "GET", "url": "https://cdn.example.net/img.png", "headers": [{"name": "accept", "value": "image/*"}]},
        "response": {"status": 200, "headers": [], "content": {"mimeType": "image/png", "encoding": "base64", "text": "iVBORw0KGgo".repeat(image_bytes / 11)}}
    });
    let mut padded = Vec::new();
    for e in entries.drain(..) {
        for _ in 0..per_entry {
            padded.push(filler.clone());
        }
        padded.push(e);
    }
    *entries = padded;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.har");
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    (dir, path)
}

/// The mapped reader and the in-memory reader agree on `path` (with the same line numbers),
/// and the mapped reader finishes within a minute. Returns how many entries were left out.
fn mapped_agrees_with_in_memory(path: &Path) -> usize {
    let p = path.to_str().unwrap().to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = p.clone();
    std::thread::spawn(move || {
        let _ = tx.send(capture::load_path(&reader));
    });
    let mapped = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the mapped reader finishes")
        .unwrap();
    let in_memory =
        capture::load_bytes(Arc::from(p.as_str()), &std::fs::read(path).unwrap()).unwrap();
    let lines = |l: &capture::Loaded| {
        l.exchanges
            .iter()
            .map(|e| (e.source.entry, e.source.line))
            .collect::<Vec<_>>()
    };
    assert_eq!(lines(&mapped), lines(&in_memory));
    let ignored = mapped.ignored;
    assert_eq!(summary(mapped), summary(in_memory));
    ignored
}

#[test]
fn the_two_thread_mapped_reader_agrees_on_a_large_capture() {
    // A real capture padded with unrelated entries to more than the mapped-reader threshold.
    let (_dir, path) = padded_capture(13_200, 60);
    assert!(std::fs::metadata(&path).unwrap().len() > 5 << 20);
    assert!(mapped_agrees_with_in_memory(&path) >= 500);
}

#[test]
fn the_mapped_reader_does_not_stall_on_a_run_of_large_entries() {
    // Twenty 330 KB entries in a row fill the reader's window before they fill a batch of
    // entries for the second thread: the reader must hand over what it has and go on.
    let (_dir, path) = padded_capture(330_000, 20);
    assert!(std::fs::metadata(&path).unwrap().len() > 20 << 20);
    assert!(mapped_agrees_with_in_memory(&path) >= 100);
}
