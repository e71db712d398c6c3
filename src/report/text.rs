//! `--format text` (default): the failing flow on one line, then the top diagnosis, with its
//! evidence, fix and "more: oauth-doctor explain CODE"; then other candidate causes; then
//! latent problems. Styled with anstyle; the output stream strips styles when it is not a
//! terminal or colour is off.

use super::{Printer, Report};
use crate::diagnosis::{Finding, Severity, Verdict};
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

pub struct Text {
    /// One line per finding.
    pub concise: bool,
    /// -1 quiet (findings only), 0 normal, 1 verbose (every finding in full, every exchange).
    pub verbosity: i8,
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const CYAN: Style = AnsiColor::Cyan.on_default();
const GREEN: Style = AnsiColor::Green.on_default().bold();

fn sev_style(s: Severity) -> Style {
    match s {
        Severity::Error => AnsiColor::Red.on_default().bold(),
        Severity::Warning => AnsiColor::Yellow.on_default().bold(),
        Severity::Info => AnsiColor::Blue.on_default().bold(),
    }
}

/// An exchange's place and request line: `#4 (a.har entry 9): POST …` (`numbered`), or
/// `a.har entry 9: POST …` where its `#N` is already printed.
fn exchange_line(r: &Report<'_>, i: usize, numbered: bool) -> String {
    let Some(e) = r.exchanges.get(i) else {
        return format!("#{}", r.n(i));
    };
    let mut s = format!(
        "{}: {} {}",
        if numbered { r.location(i) } else { r.source(i) },
        e.request.method,
        r.redactor.scrub(&e.request.endpoint())
    );
    if let Some(resp) = &e.response {
        s.push_str(&format!(" → {}", resp.status));
        if let Some(err) = e.server_error() {
            s.push_str(&format!(" {}", r.redactor.scrub(&err.code)));
        }
    }
    s
}

impl Text {
    fn full(&self, r: &Report<'_>, f: &Finding, out: &mut dyn Write) -> io::Result<()> {
        let red = r.redactor;
        let st = sev_style(f.severity);
        writeln!(
            out,
            "{st}{}{st:#}{BOLD}[{}]: {}{BOLD:#}",
            f.severity,
            f.rule,
            red.scrub(&f.title)
        )?;
        if let Some(a) = f.anchor {
            writeln!(out, "  {CYAN}-->{CYAN:#} {}", exchange_line(r, a, true))?;
        }
        writeln!(out, "   {CYAN}={CYAN:#} {}", red.scrub(&f.message))?;
        if !f.evidence.is_empty() {
            writeln!(out, "   {DIM}evidence:{DIM:#}")?;
            for ev in &f.evidence {
                writeln!(
                    out,
                    "     #{} {}: {}",
                    r.n(ev.exchange),
                    red.scrub(&ev.at),
                    red.value(&ev.value)
                )?;
            }
        }
        let mut meta = format!("{} · confidence {:.2}", f.category, f.confidence);
        if let Some(p) = &f.provider {
            meta.push_str(&format!(" · provider {p}"));
        }
        writeln!(out, "   {DIM}{meta}{DIM:#}")?;
        writeln!(out, "   {GREEN}fix:{GREEN:#} {}", red.scrub(&f.fix))?;
        if !f.consequences.is_empty() {
            writeln!(
                out,
                "   {DIM}explains: {}{DIM:#}",
                f.consequences.join(", ")
            )?;
        }
        if let Some(line) = ruled_out(r, f) {
            writeln!(out, "   {DIM}ruled out:{DIM:#} {}", red.scrub(&line))?;
        }
        if let Some(g) = r.group_of(f).filter(|g| g.count > 1) {
            writeln!(
                out,
                "   {DIM}same finding:{DIM:#} {} times{} ({:.1} % of the exchanges analysed)",
                g.count,
                span(g),
                g.share * 100.0
            )?;
        }
        if !f.references.is_empty() {
            writeln!(out, "   {DIM}see: {}{DIM:#}", f.references.join("; "))?;
        }
        Ok(())
    }
}

/// The causes the differential diagnosis excluded for the failure `f` explains, on one line:
/// `redirect_uri identical in #2 and #4 · code sent once · no PKCE in this flow`.
fn ruled_out(r: &Report<'_>, f: &Finding) -> Option<String> {
    const SHOWN: usize = 4;
    let d = r.diagnoses.iter().find(|d| {
        d.cause == Some(f.rule)
            && (f.anchor == Some(d.exchange) || f.explains.contains(&d.exchange))
    })?;
    let mut reasons: Vec<&str> = Vec::new();
    for w in d
        .considered
        .iter()
        .filter(|w| w.status == crate::diagnosis::Standing::RuledOut)
    {
        if !reasons.contains(&w.because.as_str()) {
            reasons.push(&w.because);
        }
    }
    if reasons.is_empty() {
        return None;
    }
    let more = reasons.len().saturating_sub(SHOWN);
    let mut line = reasons[..reasons.len().min(SHOWN)].join(" · ");
    if more > 0 {
        line.push_str(&format!(" · {more} more (--format json lists them)"));
    }
    Some(line)
}

/// The findings of `list` with one finding per group (the best-ranked), leaving out the group
/// of `shown` (already printed in full).
fn distinct<'a>(r: &Report<'_>, list: &[&'a Finding], shown: Option<&Finding>) -> Vec<&'a Finding> {
    // Each finding's group, by rank, built once: the lists can hold thousands of findings.
    let mut group_at = std::collections::HashMap::new();
    for (i, g) in r.groups.iter().enumerate() {
        for &rank in &g.instances {
            group_at.insert(rank, i);
        }
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(&g) = shown.and_then(|f| group_at.get(&f.rank)) {
        seen.insert(g);
    }
    let mut out = Vec::new();
    for f in list {
        match group_at.get(&f.rank) {
            Some(&g) if !seen.insert(g) => {}
            _ => out.push(*f),
        }
    }
    out
}

/// ` (#4)` for a finding, or ` (#4 and 11 more, #4…#97)` for a group.
fn at(r: &Report<'_>, f: &Finding) -> String {
    let Some(a) = f.anchor else {
        return String::new();
    };
    match r.group_of(f).filter(|g| g.count > 1) {
        Some(g) => format!(" (#{} and {} more{})", r.n(a), g.count - 1, span(g)),
        None => format!(" (#{})", r.n(a)),
    }
}

/// `, #4…#97` when a group's instances span several exchanges.
fn span(g: &crate::grouping::Group) -> String {
    match (g.first, g.last) {
        (Some(a), Some(z)) if a != z => format!(", #{}…#{}", a + 1, z + 1),
        _ => String::new(),
    }
}

/// What the summary line adds in parentheses: exchanges summarised, entries skipped and why.
fn counts(r: &Report<'_>) -> String {
    let mut parts = Vec::new();
    if r.summarised > 0 {
        parts.push(format!(
            "{} successful call(s) far from any failure counted, not listed",
            r.summarised
        ));
    }
    if r.ignored > 0 {
        parts.push(format!("{} unrelated entries skipped", r.ignored));
    }
    let unreadable = super::skipped_count(r.skipped);
    if unreadable > 0 {
        parts.push(format!("{unreadable} unreadable entr(ies) skipped"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

impl Printer for Text {
    fn print(&self, r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let red = r.redactor;
        if self.concise || self.verbosity < 0 {
            for f in r
                .findings
                .iter()
                .filter(|f| !(self.verbosity < 0 && f.latent))
            {
                let loc = f
                    .anchor
                    .map(|a| r.location(a))
                    .unwrap_or_else(|| "-".into());
                let st = sev_style(f.severity);
                writeln!(
                    out,
                    "{loc}: {st}{}{st:#}[{}] {}: {}",
                    f.severity,
                    f.rule,
                    f.category,
                    red.scrub(&f.message)
                )?;
            }
            return Ok(());
        }
        let inputs = r.inputs.join(", ");
        // Skipped entries are noted on the standard error, grouped (`super::skipped_notes`).
        if r.sanitized {
            writeln!(
                out,
                "{DIM}note:{DIM:#} sanitized browser export: Authorization, Cookie and Set-Cookie headers were removed, so checks that need them were skipped"
            )?;
        }
        if r.exchanges.is_empty() {
            writeln!(out, "no exchanges found in {inputs}")?;
            return Ok(());
        }
        let line = super::flow::Picture::focus_flow(r).flow_line(r);
        if !line.is_empty() {
            writeln!(out, "{DIM}flow:{DIM:#} {line}")?;
            writeln!(out)?;
        }
        let (primary, latent): (Vec<&Finding>, Vec<&Finding>) =
            r.findings.iter().partition(|f| !f.latent);
        if primary.is_empty() {
            let oauth = r
                .exchanges
                .iter()
                .filter(|e| e.kind != crate::model::Kind::Other)
                .count();
            writeln!(
                out,
                "{GREEN}no failure found{GREEN:#} in {} exchange(s) ({oauth} OAuth) from {inputs}",
                r.exchanges.len()
            )?;
        } else {
            let top = primary[0];
            self.full(r, top, out)?;
            let rest = distinct(r, &primary[1..], Some(top));
            let others: Vec<&Finding> = rest.iter().copied().take(8).collect();
            if self.verbosity > 0 {
                for f in &primary[1..] {
                    writeln!(out)?;
                    self.full(r, f, out)?;
                }
            } else if !others.is_empty() {
                writeln!(out)?;
                writeln!(out, "{BOLD}also found:{BOLD:#}")?;
                for f in others {
                    let st = sev_style(f.severity);
                    let at = at(r, f);
                    writeln!(
                        out,
                        "  {st}{}{st:#}[{}]{at} {}: {}",
                        f.severity,
                        f.rule,
                        f.category,
                        red.scrub(&f.message)
                    )?;
                    writeln!(out, "    {GREEN}fix:{GREEN:#} {}", red.scrub(&f.fix))?;
                }
                if rest.len() > 8 {
                    writeln!(
                        out,
                        "  … and {} more (--format json lists all)",
                        rest.len() - 8
                    )?;
                }
            }
        }
        if !latent.is_empty() {
            writeln!(out)?;
            writeln!(
                out,
                "{BOLD}latent problems{BOLD:#} {DIM}(did not cause a failure here){DIM:#}:"
            )?;
            let latent = distinct(r, &latent, None);
            for f in latent.iter().take(10) {
                let st = sev_style(f.severity);
                let at = at(r, f);
                writeln!(
                    out,
                    "  {st}{}{st:#}[{}]{at} {}",
                    f.severity,
                    f.rule,
                    red.scrub(&f.message)
                )?;
            }
            if latent.len() > 10 {
                writeln!(
                    out,
                    "  … and {} more (--format json lists all)",
                    latent.len() - 10
                )?;
            }
        }
        if self.verbosity > 0 {
            writeln!(out)?;
            writeln!(out, "{BOLD}exchanges:{BOLD:#}")?;
            for e in r.exchanges {
                writeln!(
                    out,
                    "  #{} {:<20} {}",
                    e.number(),
                    e.kind.as_str(),
                    exchange_line(r, e.index, false)
                )?;
            }
        }
        let errors = r
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let warnings = r
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        writeln!(out)?;
        let v = r.verdict();
        let vs = match v {
            Verdict::Fail => sev_style(Severity::Error),
            Verdict::Warn => sev_style(Severity::Warning),
            Verdict::Pass => GREEN,
            Verdict::Incomplete => sev_style(Severity::Warning),
        };
        writeln!(
            out,
            "{vs}{}{vs:#}: {errors} error(s), {warnings} warning(s) in {} exchange(s) from {inputs}{}",
            v.as_str(),
            r.analysed(),
            counts(r)
        )?;
        let mut codes: Vec<&str> = primary.iter().take(3).map(|f| f.rule).collect();
        codes.dedup();
        if !codes.is_empty() {
            writeln!(
                out,
                "{DIM}more:{DIM:#} {}",
                codes
                    .iter()
                    .map(|c| format!("oauth-doctor explain {c}"))
                    .collect::<Vec<_>>()
                    .join(" · ")
            )?;
        }
        Ok(())
    }
}
