//! `--format junit`: JUnit XML as CI servers read it — one test case per exchange, and exactly one
//! `<failure>` for a test case with error-level findings (Jenkins and junitparser read only the
//! first): its `type` and `message` name the highest-ranked one, its text lists them all in rank
//! order. Warnings and infos go to `system-out`.

use super::{Printer, Report};
use crate::diagnosis::Severity;
use std::io::{self, Write};

pub struct Junit;

/// Escape text for XML attribute values and character data; drops characters XML 1.0 forbids.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

impl Printer for Junit {
    fn print(&self, r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let red = r.redactor;
        let failures = r
            .exchanges
            .iter()
            .filter(|e| {
                r.findings
                    .iter()
                    .any(|f| f.anchor == Some(e.index) && f.severity == Severity::Error)
            })
            .count();
        let suite = xml(&format!("oauth-doctor: {}", r.inputs.join(", ")));
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="oauth-doctor" tests="{}" failures="{failures}" errors="0">"#,
            r.exchanges.len()
        )?;
        writeln!(
            out,
            r#"  <testsuite name="{suite}" tests="{}" failures="{failures}" errors="0" skipped="0">"#,
            r.exchanges.len()
        )?;
        for e in r.exchanges {
            let name = format!(
                "#{} {} {} {}{}",
                e.number(),
                e.kind.as_str(),
                e.request.method,
                red.scrub(&e.request.endpoint()),
                e.status().map(|s| format!(" → {s}")).unwrap_or_default()
            );
            let classname = format!("{}.entry{}", e.source.file, e.source.entry + 1);
            let mine: Vec<_> = r
                .findings
                .iter()
                .filter(|f| f.anchor == Some(e.index))
                .collect();
            if mine.is_empty() {
                writeln!(
                    out,
                    r#"    <testcase classname="{}" name="{}"/>"#,
                    xml(&classname),
                    xml(&name)
                )?;
                continue;
            }
            writeln!(
                out,
                r#"    <testcase classname="{}" name="{}">"#,
                xml(&classname),
                xml(&name)
            )?;
            let mut notes = String::new();
            let mut errors: Vec<String> = Vec::new();
            for f in &mine {
                let text = format!(
                    "{} [{}] {}\ncategory: {} · confidence {:.2}\nfix: {}\n{}",
                    f.severity,
                    f.rule,
                    red.scrub(&f.message),
                    f.category,
                    f.confidence,
                    red.scrub(&f.fix),
                    f.evidence
                        .iter()
                        .map(|ev| format!(
                            "evidence #{} {}: {}",
                            r.n(ev.exchange),
                            red.scrub(&ev.at),
                            red.value(&ev.value)
                        ))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
                if f.severity == Severity::Error {
                    errors.push(text);
                } else {
                    notes.push_str(&text);
                    notes.push('\n');
                }
            }
            // Findings are in rank order: the first error is the most probable cause.
            if let Some(top) = mine.iter().find(|f| f.severity == Severity::Error) {
                let more = errors.len() - 1;
                let message = format!(
                    "{}: {}{}",
                    top.rule,
                    red.scrub(&top.title),
                    match more {
                        0 => String::new(),
                        1 => " (and 1 more error)".to_string(),
                        n => format!(" (and {n} more errors)"),
                    }
                );
                writeln!(
                    out,
                    r#"      <failure type="{}" message="{}">{}</failure>"#,
                    xml(top.rule),
                    xml(&message),
                    xml(&errors.join("\n\n"))
                )?;
            }
            if !notes.is_empty() {
                writeln!(out, "      <system-out>{}</system-out>", xml(&notes))?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
        writeln!(out, "</testsuites>")
    }
}
