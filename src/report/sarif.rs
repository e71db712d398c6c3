//! `--format sarif`: SARIF 2.1.0 — the rules with their full description (the rule's "What it
//! does"), help text and `helpUri` (the rule's page, docs/rules/CODE.md), results pointing at
//! the capture file, the entry's line and a logical location naming the exchange.

use super::{Printer, Report};
use crate::diagnosis::Severity;
use crate::rules::registry;
use serde_json::json;
use std::io::{self, Write};

pub struct Sarif;

/// Where the project lives; a rule's page is `{HOME}/blob/main/docs/rules/CODE.md`.
pub const HOME: &str = "https://github.com/oauth-doctor/oauth-doctor";

/// The page of a rule: its documentation as `oauth-doctor explain CODE` prints it.
pub fn rule_page(code: &str) -> String {
    format!("{HOME}/blob/main/docs/rules/{code}.md")
}

/// The doc comment's lines without the one leading space the comment syntax leaves.
fn doc_lines(docs: &str) -> impl Iterator<Item = &str> {
    docs.lines().map(|l| l.strip_prefix(' ').unwrap_or(l))
}

/// A `## name` section of a rule's doc comment as one paragraph (its lines joined).
pub fn section(docs: &str, name: &str) -> Option<String> {
    let heading = format!("## {name}");
    let mut lines = doc_lines(docs).skip_while(|l| l.trim() != heading);
    lines.next()?;
    let text = lines
        .take_while(|l| !l.starts_with("## "))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!text.is_empty()).then_some(text)
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

impl Printer for Sarif {
    fn print(&self, r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let red = r.redactor;
        let all = registry::all();
        let mut used: Vec<&str> = r.findings.iter().map(|f| f.rule).collect();
        used.sort_unstable();
        used.dedup();
        let rules: Vec<serde_json::Value> = used
            .iter()
            .filter_map(|code| all.iter().find(|x| x.meta().code == *code))
            .map(|rule| {
                let m = rule.meta();
                let docs = doc_lines(m.docs).collect::<Vec<_>>().join("\n");
                let full = section(m.docs, "What it does").unwrap_or_else(|| m.title.to_string());
                json!({
                    "id": m.code,
                    "name": m.name,
                    "shortDescription": { "text": m.title },
                    "fullDescription": { "text": red.scrub(&full) },
                    "helpUri": rule_page(m.code),
                    "help": { "text": red.scrub(&docs), "markdown": red.scrub(&docs) },
                    "defaultConfiguration": { "level": level(m.severity) },
                    "properties": { "category": m.category.as_str(), "tags": [m.category.as_str()] }
                })
            })
            .collect();
        let results: Vec<serde_json::Value> = r
            .findings
            .iter()
            .map(|f| {
                let mut loc = json!({});
                if let Some(e) = f.anchor.and_then(|a| r.exchanges.get(a)) {
                    let mut phys = json!({ "artifactLocation": { "uri": e.source.file.to_string() } });
                    if let Some(line) = e.source.line {
                        phys["region"] = json!({ "startLine": line });
                    }
                    loc = json!({
                        "physicalLocation": phys,
                        "logicalLocations": [{ "name": format!("#{} (entry {})", e.index + 1, e.source.entry + 1), "kind": "object",
                            "fullyQualifiedName": format!("{} {}", e.request.method, red.scrub(&e.request.endpoint())) }]
                    });
                }
                json!({
                    "ruleId": f.rule,
                    "ruleIndex": used.iter().position(|c| *c == f.rule).unwrap_or(0),
                    "level": level(f.severity),
                    "message": { "text": format!("{} — fix: {}", red.scrub(&f.message), red.scrub(&f.fix)) },
                    "locations": if loc.as_object().is_some_and(|o| o.is_empty()) { json!([]) } else { json!([loc]) },
                    "rank": (f.confidence * 100.0).round(),
                    "properties": {
                        "rank": f.rank,
                        "category": f.category.as_str(),
                        "confidence": f.confidence,
                        "latent": f.latent,
                        "evidence": f.evidence.iter().map(|ev| json!({"exchange": r.n(ev.exchange), "at": red.scrub(&ev.at), "value": red.value(&ev.value)})).collect::<Vec<_>>()
                    }
                })
            })
            .collect();
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "oauth-doctor",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": HOME,
                    "rules": rules
                }},
                "artifacts": r.inputs.iter().filter(|i| !i.starts_with('<')).map(|i| json!({"location": {"uri": i}})).collect::<Vec<_>>(),
                "results": results
            }]
        });
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
        writeln!(out)
    }
}
