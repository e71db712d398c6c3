//! Commands: turns parsed arguments into a validated configuration, runs the library and writes
//! results to stdout. Returns the exit status; errors go back to `main`, which prints them.

use crate::cli::{CheckArgs, Cli, ColorWhen, Command, FailOn, ListFormat};
use crate::diagnosis::Severity;
use crate::redact::Redactor;
use crate::report::{self, Report};
use crate::rules::{Options, registry};
use crate::{RuleFilter, analyze, capture, explain};
use anyhow::{Context as _, Result, bail};
use std::io::Write;

/// Exit statuses (DESIGN.md).
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

pub fn run(cli: Cli) -> Result<i32> {
    let choice = match cli.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let mut out = anstream::stdout();
    let code = match cli.command {
        Command::Check(args) => check(args, &mut out)?,
        Command::Explain { code } => explain::explain(&code, &mut out)?,
        Command::Rules { format } => rules(format, &mut out)?,
    };
    out.flush()?;
    Ok(code)
}

fn check(args: CheckArgs, out: &mut dyn Write) -> Result<i32> {
    let now = match &args.now {
        Some(s) => Some(crate::model::parse_timestamp(s).with_context(|| {
            format!("--now `{s}` is not an RFC 3339 timestamp (e.g. 2026-11-29T10:00:00Z)")
        })?),
        None => None,
    };
    if args.leeway < 0 {
        bail!("--leeway must be zero or more seconds");
    }
    for code in args.select.iter().chain(&args.ignore) {
        let c = code.to_ascii_uppercase();
        let family = c.trim_end_matches(|ch: char| ch.is_ascii_digit());
        let known = registry::FAMILIES.contains(&family)
            && (c.len() == family.len() || c.len() == family.len() + 3);
        if !known {
            bail!(
                "--select/--ignore: `{code}` matches no rule code or prefix (see `oauth-doctor rules`)"
            );
        }
    }
    let loaded = capture::load_all(&args.inputs)?;
    let options = Options {
        leeway: args.leeway,
        now,
    };
    let filter = RuleFilter {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    let analysis = analyze(loaded.exchanges, &options, &filter);
    let redactor = Redactor::new(&analysis.exchanges, args.show_secrets);
    let inputs: Vec<String> = args
        .inputs
        .iter()
        .map(|i| {
            if i == "-" {
                "<stdin>".to_string()
            } else {
                i.clone()
            }
        })
        .collect();
    let rep = Report {
        findings: &analysis.findings,
        exchanges: &analysis.exchanges,
        skipped: &loaded.skipped,
        inputs: &inputs,
        sanitized: loaded.sanitized,
        redactor: &redactor,
    };
    report::printer(args.format, args.concise).print(&rep, out)?;
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failing = threshold.is_some_and(|t| analysis.findings.iter().any(|f| f.severity >= t));
    Ok(if failing { EXIT_FINDINGS } else { EXIT_OK })
}

fn rules(format: ListFormat, out: &mut dyn Write) -> Result<i32> {
    let all = registry::all();
    match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = all
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({
                        "code": m.code,
                        "name": m.name,
                        "title": m.title,
                        "category": m.category.as_str(),
                        "severity": m.severity.as_str(),
                        "kind": m.kind,
                        "fix": m.fix,
                        "references": m.references,
                        "docs": m.docs,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "rules": list }))?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            for r in all {
                let m = r.meta();
                writeln!(
                    out,
                    "{:<9} {:<8} {:<22} {}",
                    m.code,
                    m.severity.as_str(),
                    m.category.as_str(),
                    m.title
                )?;
            }
        }
    }
    Ok(EXIT_OK)
}
