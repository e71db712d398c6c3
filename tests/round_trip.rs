//! Round trips: a capture written by `oauth-doctor redact` is checked again and gives the
//! original's top diagnosis. Its fingerprints stand for the values they replace: equal values
//! stay equal, so the reasoning over them (a code sent twice, a state echoed back) still holds.

#[path = "support/doctor.rs"]
mod doctor;

use doctor::{doctor, top_of};
use std::path::PathBuf;

fn captures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["fixtures/corpus", "fixtures/scenarios"] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
            if matches!(ext, "har" | "json" | "ndjson") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_redacted_capture_keeps_its_top_diagnosis() {
    let all = captures();
    assert!(all.len() >= 150, "{}", all.len());
    let dir = tempfile::tempdir().unwrap();
    let chunks: Vec<Vec<PathBuf>> = all
        .chunks(all.len().div_ceil(4))
        .map(<[_]>::to_vec)
        .collect();
    let differ: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let dir = dir.path();
                s.spawn(move || {
                    let mut differ = Vec::new();
                    for p in chunk {
                        let name = p.file_name().unwrap();
                        let red = dir.join(name);
                        let out = doctor().arg("redact").arg(p).output().unwrap();
                        assert_eq!(out.status.code(), Some(0), "redact {}", p.display());
                        std::fs::write(&red, &out.stdout).unwrap();
                        let (a, b) = (top_of(p), top_of(&red));
                        if a != b {
                            differ.push(format!("{}: {a:?} → {b:?}", p.display()));
                        }
                    }
                    differ
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
