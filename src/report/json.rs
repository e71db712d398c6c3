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
    /// Relevant exchanges analysed: those kept in full plus `exchanges_summarised`.
    exchanges: usize,
    findings: Vec<JFinding<'a>>,
    /// Findings of one rule with one root-cause key, in the order of their best instance.
    groups: Vec<JGroup<'a>>,
    /// One entry per failing exchange: its signal, the cause retained, every cause weighed.
    diagnoses: Vec<JDiagnosis>,
    skipped: Vec<JSkipped>,
    /// Entries read but not OAuth-relevant (static assets, page loads): not analysed.
    ignored_entries: usize,
    /// Successful exchanges far from any failure: analysed and counted in `exchanges`, but
    /// not kept in full (no finding or evidence names them).
    exchanges_summarised: usize,
    sanitized_export: bool,
    /// Every exchange analysed, in the order of its number (`#N` in every output, `exchange`
    /// in evidence and diagnoses): where it is in its input and what it was.
    timeline: Vec<JExchange>,
    /// The identity provider of the capture (docs/json-output.md, "Provider ids"), or null.
    provider: Option<&'static str>,
    /// How that provider was recognised, and what showed it; null with `provider`.
    provider_detail: Option<JProvider>,
}

#[derive(Serialize)]
struct JExchange {
    /// The exchange's number: `#4` in text, `exchange: 4` in evidence.
    n: usize,
    file: String,
    /// 1-based entry (HAR entry, dump item, NDJSON line's item) in `file`.
    entry: usize,
    method: String,
    /// The request URL, secrets replaced.
    url: String,
    /// The response status; `null` when the capture has no response.
    status: Option<u16>,
    /// What the exchange is: authorize, callback, token, resource, discovery …
    kind: &'static str,
}

#[derive(Serialize)]
struct JGroup<'a> {
    rule: &'a str,
    key: String,
    latent: bool,
    count: usize,
    share: f64,
    first: Option<usize>,
    last: Option<usize>,
    examples: Vec<usize>,
    instances: &'a [usize],
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
            exchanges: r.analysed(),
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
                            exchange: r.n(ev.exchange),
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
            groups: r
                .groups
                .iter()
                .map(|g| JGroup {
                    rule: g.rule,
                    key: red.scrub(&g.key),
                    latent: g.latent,
                    count: g.count,
                    share: (g.share * 10_000.0).round() / 10_000.0,
                    first: g.first.map(|a| r.n(a)),
                    last: g.last.map(|a| r.n(a)),
                    examples: g.examples.iter().map(|&a| r.n(a)).collect(),
                    instances: &g.instances,
                })
                .collect(),
            diagnoses: r
                .diagnoses
                .iter()
                .map(|d| JDiagnosis {
                    exchange: r.n(d.exchange),
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
            exchanges_summarised: r.summarised,
            sanitized_export: r.sanitized,
            timeline: r
                .exchanges
                .iter()
                .map(|e| JExchange {
                    n: e.number(),
                    file: e.source.file.to_string(),
                    entry: e.source.entry + 1,
                    method: red.scrub(&e.request.method),
                    url: red.scrub(&e.request.url),
                    status: e.status(),
                    kind: e.kind.as_str(),
                })
                .collect(),
            provider: recognised.as_ref().map(|p| p.id),
            provider_detail: recognised.map(|p| JProvider {
                id: p.id,
                name: red.scrub(&p.name),
                recognised_by: p.by.as_str(),
                evidence: p
                    .evidence
                    .into_iter()
                    .map(|s| JEvidence {
                        exchange: r.n(s.exchange),
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
