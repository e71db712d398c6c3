//! `--format markdown`: a self-contained, redacted report to paste into an issue or a support
//! ticket — the words for the ticket, the failing flow as a Mermaid `sequenceDiagram` (GitHub
//! and GitLab render it in issues, pull requests and `$GITHUB_STEP_SUMMARY`) with the failure
//! marked and the compared values on the arrows, then the verdict, ranked causes, evidence
//! table, fixes and the exchanges involved.

use super::compare::{self, Agreement, Shown};
use super::flow::{self, Item, Picture};
use super::ticket::Ticket;
use super::{Printer, Report};
use crate::diagnosis::Finding;
use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};

/// At most this many arrows in the Mermaid diagram.
const MERMAID_MAX_STEPS: usize = 40;
/// Values on Mermaid arrows are cut to this many characters.
const MERMAID_VALUE: usize = 48;

pub struct Markdown;

/// Escape text for a Markdown table cell or paragraph.
fn md(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('\n', " ")
        .replace('\r', "")
}

/// Escape text for a Mermaid message, note or participant alias: `#` and `;` start entity
/// codes and statements, `<` and `>` would be read as markup.
pub fn mermaid_text(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => o.push_str("#35;"),
            ';' => o.push_str("#59;"),
            '<' => o.push_str("#lt;"),
            '>' => o.push_str("#gt;"),
            '\n' | '\r' => o.push(' '),
            c if c.is_control() => {}
            c => o.push(c),
        }
    }
    o
}

/// The failing flow as a Mermaid `sequenceDiagram`: one request and one response arrow per
/// step, the failing step in a red box with a note naming the cause, and the values compared
/// across requests (client_id, redirect_uri, scope, PKCE, state, nonce, code) on the arrows
/// that carried them.
pub fn mermaid(r: &Report<'_>) -> Option<String> {
    let red = r.redactor;
    let pic = Picture::focus_flow_within(r, MERMAID_MAX_STEPS);
    pic.steps().next()?;
    // (exchange, on its response) → `name=value` lines for that arrow
    let mut values: HashMap<(usize, bool), Vec<String>> = HashMap::new();
    let on_response = |at: &str| at.starts_with("response.");
    if let Some(c) = compare::comparison(r) {
        for row in &c.rows {
            if row.agreement == Agreement::NotCompared && !row.concerned {
                continue;
            }
            let (lname, rname) = match row.name {
                "PKCE" if row.right.at.starts_with("s256(") => {
                    ("code_challenge", "S256(code_verifier)")
                }
                "PKCE" => ("code_challenge", "code_verifier"),
                "nonce" => ("nonce", "ID token nonce"),
                "scope" if row.right.note.is_some() => ("scope", "granted scope"),
                n => (n, n),
            };
            let show = |v: &Shown| flow::shorten(&v.render(red), MERMAID_VALUE);
            if let (Some(i), true) = (
                row.left.exchange,
                row.left.value.is_value() || matches!(row.left.value, Shown::Redacted(_)),
            ) {
                let line = if row.left.value.is_value() {
                    format!("{lname}={}", show(&row.left.value))
                } else {
                    format!("{lname} {}", row.left.value.render(red))
                };
                values
                    .entry((i, on_response(&row.left.at)))
                    .or_default()
                    .push(line);
            }
            if let Some(j) = row.right.exchange {
                let versus = row
                    .left
                    .exchange
                    .map(|i| format!(" #{}", r.n(i)))
                    .unwrap_or_default();
                let verdict = match row.agreement {
                    Agreement::Same => format!("(= {lname}{versus})"),
                    Agreement::Differs => format!("(✗ ≠ {lname}{versus})"),
                    Agreement::Missing => {
                        format!("(✗ {lname}{versus} was {})", row.left.value.render(red))
                    }
                    Agreement::Unknown => "(cannot compare)".to_string(),
                    Agreement::NotCompared => String::new(),
                };
                let line = if row.right.value.is_value() {
                    format!("{rname}={} {verdict}", show(&row.right.value))
                } else {
                    format!("{rname} {} {verdict}", row.right.value.render(red))
                };
                values
                    .entry((j, on_response(&row.right.at)))
                    .or_default()
                    .push(line.trim_end().to_string());
            }
        }
    }
    let top = flow::top_finding(r);
    let mut m = String::from("```mermaid\nsequenceDiagram\n");
    for (lane, hosts) in &pic.lanes {
        let mut alias = mermaid_text(lane.label());
        if let Some(h) = hosts.first() {
            alias.push_str("<br/>");
            alias.push_str(&mermaid_text(&red.scrub(h)));
            if hosts.len() > 1 {
                alias.push_str(&format!(" +{}", hosts.len() - 1));
            }
        }
        m.push_str(&format!("    participant {} as {alias}\n", lane.id()));
    }
    let first_lane = pic.lanes.first().map(|(l, _)| l.id()).unwrap_or("app");
    let last_lane = pic.lanes.last().map(|(l, _)| l.id()).unwrap_or("app");
    for item in &pic.items {
        match item {
            Item::Step(s) => {
                let (from, to) = (s.from.id(), s.to.id());
                if s.failing {
                    m.push_str("    rect rgb(255, 228, 225)\n");
                }
                let mut lines = vec![mermaid_text(&format!(
                    "{} {} {}",
                    s.numbers(),
                    s.method,
                    flow::shorten(&red.scrub(&s.path), MERMAID_VALUE)
                ))];
                if !s.preflights.is_empty() {
                    lines.push(mermaid_text(&format!(
                        "after CORS preflight {}",
                        s.preflights
                            .iter()
                            .map(|&p| format!("#{}", s.n(p)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                let carried = |response: bool| -> Vec<String> {
                    s.exchanges
                        .iter()
                        .flat_map(|i| values.get(&(*i, response)).into_iter().flatten())
                        .map(|v| mermaid_text(v))
                        .collect()
                };
                lines.extend(carried(false));
                m.push_str(&format!("    {from}->>{to}: {}\n", lines.join("<br/>")));
                let arrow = if s.failed { "--x" } else { "-->>" };
                let mut answer = s.outcome_text(red);
                if s.failing {
                    answer = format!("✗ {answer}");
                }
                let mut answer = vec![mermaid_text(&answer)];
                answer.extend(carried(true));
                m.push_str(&format!(
                    "    {to}{arrow}{from}: {}\n",
                    answer.join("<br/>")
                ));
                if s.failing {
                    if let Some(f) = top {
                        let over = if from == to {
                            from.to_string()
                        } else {
                            format!("{from},{to}")
                        };
                        m.push_str(&format!(
                            "    Note over {over}: {}\n",
                            mermaid_text(&format!(
                                "✗ {}: {}",
                                f.rule,
                                flow::shorten(&red.scrub(&f.title), 80)
                            ))
                        ));
                    }
                    m.push_str("    end\n");
                }
            }
            Item::Gap(g) => {
                let over = if first_lane == last_lane {
                    first_lane.to_string()
                } else {
                    format!("{first_lane},{last_lane}")
                };
                m.push_str(&format!(
                    "    Note over {over}: {}\n",
                    mermaid_text(&format!(
                        "… {} exchanges not shown (#{}–#{})",
                        flow::thousands(g.count),
                        g.first + 1,
                        g.last + 1
                    ))
                ));
            }
        }
    }
    m.push_str("```\n");
    Some(m)
}

/// The words for the ticket, as the report's opening section.
fn ticket(r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let t = Ticket::of(r);
    writeln!(out, "### Summary for the ticket")?;
    writeln!(out)?;
    writeln!(out, "- **What failed:** {}", md(&t.failed))?;
    if let Some(c) = &t.cause {
        writeln!(out, "- **Most probable cause:** {}", md(c))?;
    }
    if let Some(s) = &t.seen {
        writeln!(out, "- **What the capture shows:** {}", md(s))?;
    }
    if !t.evidence.is_empty() {
        writeln!(out, "- **Evidence:**")?;
        for e in &t.evidence {
            writeln!(out, "  - {}", md(e))?;
        }
        if t.more_evidence > 0 {
            writeln!(out, "  - and {} more", t.more_evidence)?;
        }
    }
    if let Some(c) = &t.change {
        writeln!(out, "- **What to change:** {}", md(c))?;
    }
    if let Some((_, words)) = &t.who {
        writeln!(out, "- **Who must change it:** {}", md(words))?;
    }
    match t.also.as_slice() {
        [] => {}
        [one] => writeln!(out, "- **Also:** {}", md(one))?,
        many => {
            writeln!(out, "- **Also:**")?;
            for a in many {
                writeln!(out, "  - {}", md(a))?;
            }
        }
    }
    writeln!(out)
}

/// The causes considered for each failing exchange (when the analysis records them).
fn considered(
    r: &Report<'_>,
    diffs: &[crate::diagnose::Diagnosis],
    out: &mut dyn Write,
) -> io::Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    let red = r.redactor;
    writeln!(out, "### Causes considered")?;
    writeln!(out)?;
    for d in diffs {
        writeln!(
            out,
            "#{} answered {}{}",
            r.n(d.exchange),
            md(&red.scrub(&d.signal)),
            d.cause
                .map(|c| format!(": cause `{c}`"))
                .unwrap_or_default()
        )?;
        writeln!(out)?;
        writeln!(out, "| rule | standing | because |")?;
        writeln!(out, "|---|---|---|")?;
        for c in &d.considered {
            writeln!(
                out,
                "| `{}` | {} | {} |",
                md(c.rule),
                c.status.label(),
                md(&red.scrub(&c.because))
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
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
                    r.n(ev.exchange),
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
            "{} exchange(s) from {}. {}",
            r.exchanges.len(),
            r.inputs
                .iter()
                .map(|i| format!("`{}`", md(i)))
                .collect::<Vec<_>>()
                .join(", "),
            if red.shows_secrets() {
                "**Secrets are shown in clear (`--show-secrets`): do not share this report.**"
            } else {
                "Secrets are shown as fingerprints (`first4…last4 (length, sha256 prefix)`)."
            }
        )?;
        writeln!(out)?;
        ticket(r, out)?;
        if let Some(m) = mermaid(r) {
            writeln!(out, "### Flow")?;
            writeln!(out)?;
            write!(out, "{m}")?;
            writeln!(out)?;
        }
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
                    f.anchor.map(|a| format!("#{}", r.n(a))).unwrap_or_default()
                )?;
            }
            writeln!(out)?;
            for f in &primary {
                self.finding(r, f, out)?;
            }
        }
        considered(r, flow::differentials(r), out)?;
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
                    r.n(i),
                    e.kind.as_str(),
                    e.request.method,
                    md(&red.scrub(&e.request.endpoint())),
                    e.status()
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "–".into()),
                    md(&r.source(i))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{Diagnosis, Weighed};
    use crate::diagnosis::Standing;
    use crate::redact::Redactor;

    #[test]
    fn mermaid_text_cannot_break_out_of_a_message() {
        // `#2` alone would be read as an entity and vanish; `;` ends a statement.
        assert_eq!(
            mermaid_text("#2 a;b <br/> x\ny"),
            "#35;2 a#59;b #lt;br/#gt; x y"
        );
    }

    #[test]
    fn the_causes_considered_are_listed_when_the_analysis_has_them() {
        let a = crate::analyze(Vec::new(), &Default::default(), &Default::default());
        let red = Redactor::new(&a.exchanges, false);
        let inputs = vec!["t.json".to_string()];
        let r = Report {
            findings: &a.findings,
            exchanges: &a.exchanges,
            index: &a.index,
            diagnoses: &[],
            skipped: &[],
            inputs: &inputs,
            sanitized: false,
            ignored: 0,
            summarised: 0,
            groups: &[],
            redactor: &red,
        };
        let mut out = Vec::new();
        considered(&r, &[], &mut out).unwrap();
        assert!(out.is_empty());
        let d = Diagnosis {
            exchange: 3,
            signal: "400 invalid_grant".into(),
            cause: Some("GRANT003"),
            considered: vec![
                Weighed {
                    rule: "GRANT003",
                    status: Standing::Confirmed,
                    because: "the same code was redeemed in #2".into(),
                },
                Weighed {
                    rule: "REDIR001",
                    status: Standing::RuledOut,
                    because: "redirect_uri identical in #2 and #4".into(),
                },
            ],
        };
        considered(&r, &[d], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "### Causes considered\n\n#4 answered 400 invalid_grant: cause `GRANT003`\n\n\
             | rule | standing | because |\n|---|---|---|\n\
             | `GRANT003` | confirmed | the same code was redeemed in #2 |\n\
             | `REDIR001` | ruled out | redirect_uri identical in #2 and #4 |\n\n"
        );
    }
}
