//! `--format github`: GitHub Actions workflow commands (`::error file=…,line=…,title=…::message`),
//! one annotation per finding, pointing at the capture file and the entry's line.

use super::{Printer, Report};
use crate::diagnosis::Severity;
use std::io::{self, Write};

pub struct Github;

/// Escape a workflow-command message (data).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow-command property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

impl Printer for Github {
    fn print(&self, r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let red = r.redactor;
        for f in r.findings {
            let level = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut props = Vec::new();
            if let Some(e) = f.anchor.and_then(|a| r.exchanges.get(a)) {
                if !e.source.file.starts_with('<') {
                    props.push(format!("file={}", escape_property(&e.source.file)));
                    if let Some(line) = e.source.line {
                        props.push(format!("line={line}"));
                    }
                }
            }
            props.push(format!(
                "title={}",
                escape_property(&format!("{} {}", f.rule, red.scrub(&f.title)))
            ));
            // The exchange's number, as every other output names it, and its entry (the file
            // is the annotation's).
            let at = f
                .anchor
                .and_then(|a| r.exchanges.get(a))
                .map(|e| format!("#{} (entry {}): ", e.index + 1, e.source.entry + 1))
                .unwrap_or_default();
            let msg = format!(
                "{at}{} [{} · confidence {:.2}]\nfix: {}",
                red.scrub(&f.message),
                f.category,
                f.confidence,
                red.scrub(&f.fix)
            );
            writeln!(out, "::{level} {}::{}", props.join(","), escape_data(&msg))?;
        }
        Ok(())
    }
}
