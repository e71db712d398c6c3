//! `diff --format text` (default): where BAD fails, the differences that can explain it (each
//! with GOOD's and BAD's values, the rule of BAD's diagnosis or the documented reason, and the
//! fix), the other differences in one line each, and the aligned steps. Styled like `check`;
//! the output stream strips styles when it is not a terminal or colour is off. Every value and
//! message goes through the redactor.

use super::{Diff, Difference, Role, reasons};
use crate::diagnosis::Value;
use crate::redact::Redactor;
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const CYAN: Style = AnsiColor::Cyan.on_default();
const GREEN: Style = AnsiColor::Green.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();

fn value(red: &Redactor, v: &Option<Value>) -> String {
    match v {
        Some(v) => red.value(v),
        None => "—".into(),
    }
}

fn exchange(n: Option<usize>) -> String {
    n.map_or_else(|| "—".into(), |i| format!("#{}", i + 1))
}

/// `authorize · client_id`, `capture · clock`.
pub fn headline(diff: &Diff, d: &Difference) -> String {
    let step = d
        .pair
        .map_or_else(|| "capture".to_string(), |p| diff.step_label(p));
    if d.aspect == super::Aspect::Step {
        return step;
    }
    format!("{step} · {}", d.field)
}

fn capture_line(diff: &Diff, red: &Redactor, bad: bool, out: &mut dyn Write) -> io::Result<()> {
    let c = if bad { &diff.bad } else { &diff.good };
    let (who, st) = if bad { ("BAD ", RED) } else { ("GOOD", GREEN) };
    let failing = if bad {
        diff.failure.and_then(|f| {
            let b = diff.pairs[f].bad?;
            let s = &diff.bad.steps[b];
            let e = diff.bad.exchange(s.exchange)?;
            Some(format!(
                "fails at {} #{}: {}",
                s.label(),
                s.exchange + 1,
                failure_text(diff, f, e)
            ))
        })
    } else {
        None
    };
    let status = match failing {
        Some(f) => f,
        None if bad && c.steps.iter().all(|s| !s.failed) => "no failure".into(),
        None if bad => "no failure that GOOD does not share".into(),
        None => {
            let fails = c.steps.iter().filter(|s| s.failed).count();
            if fails == 0 {
                "no failure".into()
            } else {
                format!("{fails} failing step(s)")
            }
        }
    };
    writeln!(
        out,
        "{st}{who}{st:#} {}: {} exchange(s), {} OAuth step(s), {}",
        red.scrub(&c.name),
        c.analysis.exchanges.len(),
        c.steps.len(),
        red.scrub(&status)
    )
}

/// The answer BAD got at its failing step.
fn failure_text(diff: &Diff, pair: usize, e: &crate::model::Exchange) -> String {
    let p = &diff.pairs[pair];
    if let Some(s) = p.bad.map(|b| &diff.bad.steps[b]) {
        if s.kind == super::align::StepKind::AuthorizationResponse {
            if let Some(err) = s.params.as_ref().and_then(|p| p.non_empty("error")) {
                return format!("error `{err}`");
            }
        }
    }
    super::compare::outcome(e)
}

fn cause(diff: &Diff, red: &Redactor, d: &Difference, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{RED}cause {}{RED:#}{BOLD}: {}{BOLD:#}",
        d.rank,
        red.scrub(&headline(diff, d))
    )?;
    writeln!(
        out,
        "   {CYAN}GOOD{CYAN:#} {:<5} {}",
        exchange(d.good_exchange),
        value(red, &d.good)
    )?;
    writeln!(
        out,
        "   {CYAN}BAD{CYAN:#}  {:<5} {}",
        exchange(d.bad_exchange),
        value(red, &d.bad)
    )?;
    writeln!(out, "   {CYAN}={CYAN:#} {}", red.scrub(&d.message))?;
    match (&d.link, d.reason.and_then(reasons::find)) {
        (Some(l), _) => {
            writeln!(
                out,
                "   {BOLD}{}{BOLD:#} in BAD's diagnosis (rank {}): {}",
                l.rule,
                l.rank,
                red.scrub(&l.title)
            )?;
            writeln!(out, "   {GREEN}fix:{GREEN:#} {}", red.scrub(&l.fix))?;
            if !l.references.is_empty() {
                writeln!(out, "   {DIM}see: {}{DIM:#}", l.references.join("; "))?;
            }
        }
        (None, Some(r)) => {
            writeln!(out, "   {DIM}why ({}):{DIM:#} {}", r.id, r.why)?;
            writeln!(out, "   {GREEN}fix:{GREEN:#} {}", red.scrub(&d.fix))?;
            writeln!(out, "   {DIM}see: {}{DIM:#}", r.reference)?;
        }
        (None, None) => {
            writeln!(out, "   {GREEN}fix:{GREEN:#} {}", red.scrub(&d.fix))?;
        }
    }
    Ok(())
}

fn one_line(diff: &Diff, red: &Redactor, d: &Difference, out: &mut dyn Write) -> io::Result<()> {
    let rule = d
        .link
        .as_ref()
        .map(|l| format!(" {DIM}[{}]{DIM:#}", l.rule))
        .unwrap_or_default();
    writeln!(
        out,
        "  {}. {}: {}{rule}",
        d.rank,
        red.scrub(&headline(diff, d)),
        red.scrub(&d.message)
    )
}

/// Print the comparison.
pub fn print(diff: &Diff, red: &Redactor, out: &mut dyn Write) -> io::Result<()> {
    capture_line(diff, red, false, out)?;
    capture_line(diff, red, true, out)?;
    writeln!(out)?;
    let causes: Vec<&Difference> = diff.differences.iter().filter(|d| d.explains()).collect();
    let others: Vec<&Difference> = diff
        .differences
        .iter()
        .filter(|d| d.role == Role::Other)
        .collect();
    if causes.is_empty() {
        if diff.failure.is_some() {
            writeln!(
                out,
                "{YELLOW}no difference explains BAD's failure{YELLOW:#}: where it matters, BAD sends what GOOD sends. The cause is outside these requests (the user, server-side state or configuration); `oauth-doctor check {}` diagnoses BAD on its own",
                red.scrub(&diff.bad.name)
            )?;
        } else {
            writeln!(
                out,
                "{GREEN}BAD does not fail{GREEN:#} where GOOD succeeds{}",
                if others.is_empty() {
                    ": the two captures do the same where it matters"
                } else {
                    "; what differs is listed below"
                }
            )?;
        }
    } else {
        for (i, d) in causes.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            cause(diff, red, d, out)?;
        }
    }
    if !others.is_empty() {
        writeln!(out)?;
        if diff.failure.is_some() {
            writeln!(
                out,
                "{BOLD}other differences{BOLD:#} {DIM}(cannot explain the failure){DIM:#}:"
            )?;
        } else {
            writeln!(out, "{BOLD}differences{BOLD:#}:")?;
        }
        for d in &others {
            one_line(diff, red, d, out)?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{BOLD}steps{BOLD:#} {DIM}(GOOD ↔ BAD){DIM:#}:")?;
    let width = (0..diff.pairs.len())
        .map(|p| diff.step_label(p).chars().count())
        .max()
        .unwrap_or(0)
        .min(48);
    for (i, p) in diff.pairs.iter().enumerate() {
        let ex = |s: Option<usize>, c: &super::Capture| {
            s.map_or_else(
                || "—".to_string(),
                |s| format!("#{}", c.steps[s].exchange + 1),
            )
        };
        let n = diff
            .differences
            .iter()
            .filter(|d| d.pair == Some(i) && d.role == Role::Cause)
            .count();
        let mut note = Vec::new();
        if n > 0 {
            note.push(format!("{RED}{n} cause(s){RED:#}"));
        }
        if diff.failure == Some(i) {
            note.push(format!("{RED}BAD fails here{RED:#}"));
        } else if let Some(b) = p.bad.filter(|_| p.good.is_some()) {
            if diff.bad.steps[b].failed && !diff.good.steps[p.good.unwrap_or(0)].failed {
                note.push(format!("{RED}BAD fails{RED:#}"));
            }
        }
        if diff
            .differences
            .iter()
            .any(|d| d.pair == Some(i) && d.role == Role::NotReached)
        {
            note.push(format!("{DIM}not reached by BAD{DIM:#}"));
        } else if p.good.is_none() {
            note.push("only in BAD".into());
        } else if p.bad.is_none() {
            note.push("only in GOOD".into());
        }
        let line = format!(
            "  {:<width$}  {:>5} ↔ {:<5} {}",
            red.scrub(&diff.step_label(i)),
            ex(p.good, &diff.good),
            ex(p.bad, &diff.bad),
            note.join(" · ")
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out)?;
    let n = causes.len();
    if n > 0 {
        writeln!(
            out,
            "{RED}explained{RED:#}: {n} difference(s) can explain BAD's failure, {} other(s)",
            others.len()
        )?;
        let mut codes: Vec<&str> = causes
            .iter()
            .filter_map(|d| d.link.as_ref().map(|l| l.rule))
            .take(3)
            .collect();
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
    } else if diff.failure.is_some() {
        writeln!(
            out,
            "{YELLOW}not explained{YELLOW:#}: no difference can explain BAD's failure, {} other difference(s)",
            others.len()
        )?;
    } else {
        writeln!(
            out,
            "{GREEN}no failure{GREEN:#}: BAD does not fail where GOOD succeeds, {} difference(s)",
            others.len()
        )?;
    }
    Ok(())
}
