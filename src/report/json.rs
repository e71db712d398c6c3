//! `--format json`: the `oauth-doctor/diagnosis/v1` wire format documented in docs/json-output.md. Field order and
//! meaning are a contract; new fields may be added, existing ones never change meaning.

use super::{Printer, Report};
use serde::Serialize;
use std::io::{self, Write};

pub const SCHEMA: &str = "oauth-doctor/diagnosis/v1";

pub struct Json;

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    verdict: &'static str,
    exchanges: usize,
    findings: Vec<JFinding<'a>>,
    /// One entry per failing exchange: its signal, the cause retained, every cause weighed.
    diagnoses: Vec<JDiagnosis>,
    skipped: Vec<JSkipped>,
    /// Entries read but not OAuth-relevant (static assets, page loads): not analysed.
    ignored_entries: usize,
    sanitized_export: bool,
    /// The identity provider of the capture (docs/json-output.md, "Provider ids"), or null.
    provider: Option<&'static str>,
    /// How that provider was recognised, and what showed it; null with `provider`.
    provider_detail: Option<JProvider>,
}

#[derive(Serialize)]
struct JProvider {
    id: &'static str,
    name: String,
    recognised_by: &'static str,
    evidence: Vec<JEvidence>,
}

#[derive(Serialize)]
struct JFinding<'a> {
    rank: usize,
    rule: &'a str,
    category: &'a str,
    severity: &'a str,
    confidence: f64,
    title: String,
    message: String,
    evidence: Vec<JEvidence>,
    fix: String,
    provider: Option<&'a str>,
    references: &'a [String],
    /// Lower-ranked findings this one explains.
    consequences: &'a [&'static str],
    /// Found on an exchange that succeeded: a latent problem.
    latent: bool,
    /// Where the anchor exchange is: input and 1-based entry.
    location: Option<JLocation>,
}

#[derive(Serialize)]
struct JEvidence {
    exchange: usize,
    at: String,
    value: String,
}

#[derive(Serialize)]
struct JLocation {
    file: String,
    entry: usize,
    line: Option<usize>,
}

#[derive(Serialize)]
struct JDiagnosis {
    exchange: usize,
    signal: String,
    cause: Option<&'static str>,
    considered: Vec<JWeighed>,
}

#[derive(Serialize)]
struct JWeighed {
    rule: &'static str,
    status: &'static str,
    because: String,
}

#[derive(Serialize)]
struct JSkipped {
    file: String,
    entry: usize,
    reason: String,
}

impl Printer for Json {
    fn print(&self, r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let red = r.redactor;
        let recognised = crate::providers::recognise(
            r.exchanges,
            r.findings.iter().find_map(|f| f.provider.as_deref()),
        );
        let doc = Doc {
            schema: SCHEMA,
            verdict: r.verdict().as_str(),
            exchanges: r.exchanges.len(),
            findings: r
                .findings
                .iter()
                .map(|f| JFinding {
                    rank: f.rank,
                    rule: f.rule,
                    category: f.category.as_str(),
                    severity: f.severity.as_str(),
                    confidence: f.confidence,
                    title: red.scrub(&f.title),
                    message: red.scrub(&f.message),
                    evidence: f
                        .evidence
                        .iter()
                        .map(|ev| JEvidence {
                            exchange: ev.exchange + 1,
                            at: red.scrub(&ev.at),
                            value: red.value(&ev.value),
                        })
                        .collect(),
                    fix: red.scrub(&f.fix),
                    provider: f.provider.as_deref(),
                    references: &f.references,
                    consequences: &f.consequences,
                    latent: f.latent,
                    location: f
                        .anchor
                        .and_then(|a| r.exchanges.get(a))
                        .map(|e| JLocation {
                            file: e.source.file.to_string(),
                            entry: e.source.entry + 1,
                            line: e.source.line,
                        }),
                })
                .collect(),
            diagnoses: r
                .diagnoses
                .iter()
                .map(|d| JDiagnosis {
                    exchange: d.exchange + 1,
                    signal: red.scrub(&d.signal),
                    cause: d.cause,
                    considered: d
                        .considered
                        .iter()
                        .map(|w| JWeighed {
                            rule: w.rule,
                            status: w.status.as_str(),
                            because: red.scrub(&w.because),
                        })
                        .collect(),
                })
                .collect(),
            skipped: r
                .skipped
                .iter()
                .map(|s| JSkipped {
                    file: s.file.to_string(),
                    entry: s.entry + 1,
                    reason: red.scrub(&s.reason),
                })
                .collect(),
            ignored_entries: r.ignored,
            sanitized_export: r.sanitized,
            provider: recognised.as_ref().map(|p| p.id),
            provider_detail: recognised.map(|p| JProvider {
                id: p.id,
                name: red.scrub(&p.name),
                recognised_by: p.by.as_str(),
                evidence: p
                    .evidence
                    .into_iter()
                    .map(|s| JEvidence {
                        exchange: s.exchange + 1,
                        at: red.scrub(&s.at),
                        value: red.scrub(&s.value),
                    })
                    .collect(),
            }),
        };
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
        writeln!(out)
    }
}
