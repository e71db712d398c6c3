//! `--format markdown`: a self-contained, redacted report to paste into an issue or a support
//! ticket — verdict, ranked causes, evidence table, fixes and the exchanges involved.

use super::{Printer, Report};
use crate::diagnosis::Finding;
use std::collections::BTreeSet;
use std::io::{self, Write};

pub struct Markdown;

/// Escape text for a Markdown table cell or paragraph.
fn md(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('\n', " ")
        .replace('\r', "")
}

impl Markdown {
    fn finding(&self, r: &Report<'_>, f: &Finding, out: &mut dyn Write) -> io::Result<()> {
        let red = r.redactor;
        writeln!(
            out,
            "### {}. `{}` {}",
            f.rank,
            f.rule,
            md(&red.scrub(&f.title))
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "**{}** · category `{}` · confidence {:.2}{}",
            f.severity,
            f.category,
            f.confidence,
            f.provider
                .as_deref()
                .map(|p| format!(" · provider `{p}`"))
                .unwrap_or_default()
        )?;
        writeln!(out)?;
        writeln!(out, "{}", md(&red.scrub(&f.message)))?;
        writeln!(out)?;
        if !f.evidence.is_empty() {
            writeln!(out, "| exchange | where | value |")?;
            writeln!(out, "|---|---|---|")?;
            for ev in &f.evidence {
                writeln!(
                    out,
                    "| #{} | `{}` | {} |",
                    ev.exchange + 1,
                    md(&red.scrub(&ev.at)),
                    md(&red.value(&ev.value))
                )?;
            }
            writeln!(out)?;
        }
        writeln!(out, "**Fix:** {}", md(&red.scrub(&f.fix)))?;
        if !f.consequences.is_empty() {
            writeln!(
                out,
                "\nAlso explains: {}",
                f.consequences
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        if !f.references.is_empty() {
            writeln!(out, "\nReferences: {}", md(&f.references.join("; ")))?;
        }
        writeln!(out)
    }
}

impl Printer for Markdown {
    fn print(&self, r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let red = r.redactor;
        let v = r.verdict();
        writeln!(out, "## oauth-doctor diagnosis: {}", v.as_str())?;
        writeln!(out)?;
        writeln!(
            out,
            "{} exchange(s) from {}. Secrets are shown as fingerprints (`first4…last4 (length, sha256 prefix)`).",
            r.exchanges.len(),
            r.inputs
                .iter()
                .map(|i| format!("`{}`", md(i)))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        writeln!(out)?;
        let (primary, latent): (Vec<&Finding>, Vec<&Finding>) =
            r.findings.iter().partition(|f| !f.latent);
        if primary.is_empty() {
            writeln!(out, "No failure found.")?;
            writeln!(out)?;
        } else {
            writeln!(out, "### Ranked causes")?;
            writeln!(out)?;
            writeln!(
                out,
                "| rank | rule | severity | category | confidence | exchange |"
            )?;
            writeln!(out, "|---|---|---|---|---|---|")?;
            for f in &primary {
                writeln!(
                    out,
                    "| {} | `{}` | {} | `{}` | {:.2} | {} |",
                    f.rank,
                    f.rule,
                    f.severity,
                    f.category,
                    f.confidence,
                    f.anchor.map(|a| format!("#{}", a + 1)).unwrap_or_default()
                )?;
            }
            writeln!(out)?;
            for f in &primary {
                self.finding(r, f, out)?;
            }
        }
        if !latent.is_empty() {
            writeln!(out, "### Latent problems (did not cause a failure here)")?;
            writeln!(out)?;
            for f in &latent {
                writeln!(
                    out,
                    "- **{}** `{}` {}",
                    f.severity,
                    f.rule,
                    md(&red.scrub(&f.message))
                )?;
            }
            writeln!(out)?;
        }
        let involved: BTreeSet<usize> = r
            .findings
            .iter()
            .flat_map(|f| {
                f.anchor
                    .into_iter()
                    .chain(f.evidence.iter().map(|e| e.exchange))
            })
            .collect();
        if !involved.is_empty() {
            writeln!(out, "### Exchanges involved")?;
            writeln!(out)?;
            writeln!(out, "| # | kind | request | status | where |")?;
            writeln!(out, "|---|---|---|---|---|")?;
            for i in involved {
                let Some(e) = r.exchanges.get(i) else {
                    continue;
                };
                writeln!(
                    out,
                    "| {} | {} | `{} {}` | {} | {} |",
                    i + 1,
                    e.kind.as_str(),
                    e.request.method,
                    md(&red.scrub(&e.request.endpoint())),
                    e.status()
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "–".into()),
                    md(&r.location(i))
                )?;
            }
            writeln!(out)?;
        }
        if !r.skipped.is_empty() {
            writeln!(out, "{} malformed entr(ies) skipped.", r.skipped.len())?;
            writeln!(out)?;
        }
        writeln!(
            out,
            "_Generated by oauth-doctor {}._",
            env!("CARGO_PKG_VERSION")
        )
    }
}
