//! Round trips: a capture written by `oauth-doctor redact` is checked again and gives the
//! original's top diagnosis. Its fingerprints stand for the values they replace: equal values
//! stay equal, so the reasoning over them (a code sent twice, a state echoed back) still holds.

#[path = "support/doctor.rs"]
mod doctor;

use doctor::{corpus_and_scenarios, doctor, on_four_threads, top_of};

#[test]
fn a_redacted_capture_keeps_its_top_diagnosis() {
    let all = corpus_and_scenarios(&["har", "json", "ndjson"]);
    assert!(all.len() >= 150, "{}", all.len());
    let dir = tempfile::tempdir().unwrap();
    let differ: Vec<String> = on_four_threads(&all, |p| {
        let red = dir.path().join(p.file_name().unwrap());
        let out = doctor().arg("redact").arg(p).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "redact {}", p.display());
        std::fs::write(&red, &out.stdout).unwrap();
        let (a, b) = (top_of(p), top_of(&red));
        (a != b).then(|| format!("{}: {a:?} → {b:?}", p.display()))
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
