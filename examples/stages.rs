//! Where the time and memory of `oauth-doctor check FILE` go, stage by stage:
//!
//! ```sh
//! cargo run --release --example stages -- bench-data/big-1G.har
//! ```
//!
//! Prints the wall time of loading, classification, correlation, every rule (the slowest ones
//! by name), ranking and the redactor, with the process's peak and current memory after each
//! stage (Linux `/proc/self/status`), and the raw speed of the entry scanner alone.

use oauth_doctor::{capture, diagnosis, model, providers, redact, rules};
use std::time::{Duration, Instant};

fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or("?".to_string(), |kb| {
                format!("{:.1} MiB", kb as f64 / 1024.0)
            })
    };
    format!(
        "peak {}, anonymous {}, file-backed {}",
        field("VmHWM:"),
        field("RssAnon:"),
        field("RssFile:")
    )
}

fn stage(name: &str, took: Duration) {
    eprintln!(
        "{name:<22} {:>9.1} ms   {}",
        took.as_secs_f64() * 1e3,
        memory()
    );
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: stages CAPTURE");
        std::process::exit(2);
    };
    let t = Instant::now();
    let loaded = match capture::load_path(&path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    stage(
        &format!("load ({} kept)", loaded.exchanges.len()),
        t.elapsed(),
    );

    let mut exchanges = loaded.exchanges;
    let t = Instant::now();
    if exchanges.iter().all(|e| e.started_at.is_some()) {
        exchanges.sort_by_key(|e| e.started_at);
    }
    for (i, e) in exchanges.iter_mut().enumerate() {
        e.index = i;
    }
    model::kind::classify_all(&mut exchanges);
    providers::detect_all(&mut exchanges);
    stage("classify + providers", t.elapsed());

    let t = Instant::now();
    let index = model::flow::Index::build(&exchanges);
    stage("correlate", t.elapsed());

    let options = rules::Options::default();
    let t = Instant::now();
    let findings = rules::run_all(&exchanges, &index, &options, |_| true).findings;
    stage("rules", t.elapsed());

    // The slowest rules, timed one by one on one thread.
    let mut cx = rules::Context::new(&exchanges, &index, &options);
    let mut per_rule = Vec::new();
    let t = Instant::now();
    for rule in rules::registry::all() {
        let r = Instant::now();
        cx.run(rule);
        per_rule.push((r.elapsed(), rule.meta().code));
    }
    stage("  (on one thread)", t.elapsed());
    per_rule.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (took, code) in per_rule.iter().take(8) {
        eprintln!("  {code:<20} {:>9.1} ms", took.as_secs_f64() * 1e3);
    }
    assert_eq!(
        format!("{:?}", cx.into_findings()),
        format!("{findings:?}"),
        "two threads and one give the same findings"
    );

    let t = Instant::now();
    let findings = diagnosis::rank(findings, &exchanges, &index);
    stage(&format!("rank ({} findings)", findings.len()), t.elapsed());

    let analysis = oauth_doctor::Analysis {
        exchanges,
        index,
        findings,
        diagnoses: Vec::new(),
    };
    let t = Instant::now();
    let redactor = redact::Redactor::for_findings(&analysis, false);
    stage("redactor", t.elapsed());
    drop(redactor);

    // The entry scanner alone, over a memory map (pages already in the page cache).
    if let Ok(file) = std::fs::File::open(&path) {
        // SAFETY: read-only map of a file this process does not modify.
        if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
            let t = Instant::now();
            let mut n = 0usize;
            if capture::scan::scan_har_slice(&map, false, |_| n += 1).is_ok() {
                let s = t.elapsed().as_secs_f64();
                eprintln!(
                    "scanner alone          {:>9.1} ms   {n} entries, {:.2} GB/s",
                    s * 1e3,
                    map.len() as f64 / s / 1e9
                );
            }
        }
    }
}
