//! `diff --format markdown`: the comparison as a self-contained, redacted section to paste into
//! an issue or a support ticket — where BAD fails, the differences that can explain it with the
//! rule or reason and the fix, the other differences, and the aligned steps.

use super::text::headline;
use super::{Diff, Difference, Role, reasons};
use crate::diagnosis::Value;
use crate::redact::Redactor;
use std::io::{self, Write};

/// Escape text for a Markdown table cell or paragraph.
fn md(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('\n', " ")
        .replace('\r', "")
}

fn value(red: &Redactor, v: &Option<Value>) -> String {
    v.as_ref().map_or_else(|| "—".into(), |v| md(&red.value(v)))
}

fn exchange(n: Option<usize>) -> String {
    n.map_or_else(|| "—".into(), |i| format!("#{}", i + 1))
}

fn cause(diff: &Diff, red: &Redactor, d: &Difference, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "### {}. {}",
        d.rank,
        md(&red.scrub(&headline(diff, d)))
    )?;
    writeln!(out)?;
    writeln!(out, "| | exchange | value |")?;
    writeln!(out, "|---|---|---|")?;
    writeln!(
        out,
        "| GOOD | {} | {} |",
        exchange(d.good_exchange),
        value(red, &d.good)
    )?;
    writeln!(
        out,
        "| BAD | {} | {} |",
        exchange(d.bad_exchange),
        value(red, &d.bad)
    )?;
    writeln!(out)?;
    writeln!(out, "{}", md(&red.scrub(&d.message)))?;
    writeln!(out)?;
    match (&d.link, d.reason.and_then(reasons::find)) {
        (Some(l), _) => {
            writeln!(
                out,
                "**BAD's diagnosis:** `{}` {} (rank {})",
                l.rule,
                md(&red.scrub(&l.title)),
                l.rank
            )?;
            writeln!(out)?;
            writeln!(out, "**Fix:** {}", md(&red.scrub(&l.fix)))?;
            if !l.references.is_empty() {
                writeln!(out)?;
                writeln!(out, "References: {}", md(&l.references.join("; ")))?;
            }
        }
        (None, Some(r)) => {
            writeln!(out, "**Why** (`{}`): {}", r.id, md(r.why))?;
            writeln!(out)?;
            writeln!(out, "**Fix:** {}", md(&red.scrub(&d.fix)))?;
            writeln!(out)?;
            writeln!(out, "References: {}", md(r.reference))?;
        }
        (None, None) => {
            writeln!(out, "**Fix:** {}", md(&red.scrub(&d.fix)))?;
        }
    }
    writeln!(out)
}

/// Print the comparison.
pub fn print(diff: &Diff, red: &Redactor, out: &mut dyn Write) -> io::Result<()> {
    let doc = super::json::document(diff, red);
    writeln!(out, "## oauth-doctor diff")?;
    writeln!(out)?;
    writeln!(out, "| | capture | exchanges | OAuth steps | outcome |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    writeln!(
        out,
        "| GOOD | `{}` | {} | {} | {} |",
        md(&doc.good.file),
        doc.good.exchanges,
        doc.good.steps,
        if doc.good.failing_steps > 0 {
            "some steps fail"
        } else {
            "no failure"
        }
    )?;
    let outcome = match &doc.bad.failure {
        None if doc.bad.capture.failing_steps == 0 => "no failure".to_string(),
        None => "no failure that GOOD does not share".to_string(),
        Some(f) => format!("fails at {} #{}: {}", f.step, f.exchange, f.outcome),
    };
    writeln!(
        out,
        "| BAD | `{}` | {} | {} | {} |",
        md(&doc.bad.capture.file),
        doc.bad.capture.exchanges,
        doc.bad.capture.steps,
        md(&outcome)
    )?;
    writeln!(out)?;
    let causes: Vec<&Difference> = diff.differences.iter().filter(|d| d.explains()).collect();
    if causes.is_empty() {
        writeln!(
            out,
            "**{}**",
            if diff.failure.is_some() {
                "No difference explains BAD's failure: where it matters, BAD sends what GOOD sends."
            } else {
                "BAD does not fail where GOOD succeeds."
            }
        )?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "**{} difference(s) can explain BAD's failure**, most probable first.",
            causes.len()
        )?;
        writeln!(out)?;
        for d in &causes {
            cause(diff, red, d, out)?;
        }
    }
    let others: Vec<&Difference> = diff
        .differences
        .iter()
        .filter(|d| d.role == Role::Other)
        .collect();
    if !others.is_empty() {
        writeln!(
            out,
            "### {}",
            if diff.failure.is_some() {
                "Other differences (cannot explain the failure)"
            } else {
                "Differences"
            }
        )?;
        writeln!(out)?;
        writeln!(out, "| # | where | GOOD | BAD | what |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for d in &others {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                d.rank,
                md(&red.scrub(&headline(diff, d))),
                value(red, &d.good),
                value(red, &d.bad),
                md(&red.scrub(&d.message))
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "### Steps")?;
    writeln!(out)?;
    writeln!(out, "| step | GOOD | BAD | |")?;
    writeln!(out, "|---|---|---|---|")?;
    for s in &doc.steps {
        let ex = |v: &Option<super::json::StepSideOut>| match v {
            Some(v) => format!("#{}", v.exchange),
            None => "—".into(),
        };
        let mut note = Vec::new();
        if s.bad_fails_here {
            note.push("BAD fails here");
        }
        match s.presence {
            "not_reached" => note.push("not reached by BAD"),
            "only_good" => note.push("only in GOOD"),
            "only_bad" => note.push("only in BAD"),
            _ => {}
        }
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            md(&s.step),
            ex(&s.good),
            ex(&s.bad),
            note.join(" · ")
        )?;
    }
    Ok(())
}
