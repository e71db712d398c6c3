//! The whole pipeline on arbitrary bytes: load (HAR, dump, NDJSON, compressed), classify,
//! correlate, run every rule, rank, and render every output format. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_doctor::redact::Redactor;
use oauth_doctor::report::{self, Format, Report};
use oauth_doctor::rules::Options;
use oauth_doctor::{RuleFilter, analyze, capture};
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(loaded) = capture::load_bytes(Arc::from("fuzz"), data) else {
        return;
    };
    let analysis = analyze(
        loaded.exchanges,
        &Options::default(),
        &RuleFilter::default(),
    );
    let redactor = Redactor::new(&analysis.exchanges, false);
    let inputs = vec!["fuzz".to_string()];
    let rep = Report {
        findings: &analysis.findings,
        exchanges: &analysis.exchanges,
        skipped: &loaded.skipped,
        inputs: &inputs,
        sanitized: loaded.sanitized,
        ignored: loaded.ignored,
        redactor: &redactor,
    };
    for f in [
        Format::Text,
        Format::Json,
        Format::Markdown,
        Format::Github,
        Format::Junit,
        Format::Sarif,
    ] {
        let mut out = Vec::new();
        report::printer(f, false, 1).print(&rep, &mut out).unwrap();
    }
});
