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
    let verbosity = if cli.quiet {
        -1
    } else if cli.verbose {
        1
    } else {
        0
    };
    let code = match cli.command {
        Command::Check(args) => check(args, verbosity, &mut out)?,
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Generate into memory: clap_complete panics on write errors (a closed pipe).
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "oauth-doctor", &mut buf);
            out.write_all(&buf)?;
            EXIT_OK
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            EXIT_OK
        }
        Command::Explain { code } => explain::explain(&code, &mut out)?,
        Command::Rules { format } => rules(format, &mut out)?,
        Command::Redact(args) => crate::redact_cmd::run(&args, verbosity, &mut out)?,
    };
    out.flush()?;
    Ok(code)
}

fn parse_fail_on(s: &str) -> FailOn {
    match s {
        "warning" => FailOn::Warning,
        "info" => FailOn::Info,
        "never" => FailOn::Never,
        _ => FailOn::Error,
    }
}

fn check(args: CheckArgs, verbosity: i8, out: &mut dyn Write) -> Result<i32> {
    let file = crate::config::FileConfig::load(args.config.as_deref())?;
    // Precedence: command line > configuration file > defaults.
    let leeway = args.leeway.or(file.leeway).unwrap_or(60);
    let fail_on = args.fail_on.unwrap_or_else(|| {
        file.fail_on
            .as_deref()
            .map(parse_fail_on)
            .unwrap_or(FailOn::Error)
    });
    let min_confidence = args.min_confidence.or(file.min_confidence).unwrap_or(0.0);
    if !(0.0..=1.0).contains(&min_confidence) {
        bail!("--min-confidence must be between 0 and 1");
    }
    let select = if args.select.is_empty() {
        file.select.clone().unwrap_or_default()
    } else {
        args.select.clone()
    };
    let ignore = if args.ignore.is_empty() {
        file.ignore.clone().unwrap_or_default()
    } else {
        args.ignore.clone()
    };
    let now = match &args.now {
        Some(s) => Some(crate::model::parse_timestamp(s).with_context(|| {
            format!("--now `{s}` is not an RFC 3339 timestamp (e.g. 2026-11-29T10:00:00Z)")
        })?),
        None => None,
    };
    if leeway < 0 {
        bail!("--leeway must be zero or more seconds");
    }
    for code in select.iter().chain(&ignore) {
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
        leeway,
        now,
        expected_issuer: file.expected_issuer.clone(),
        expected_audience: file.expected_audience.clone(),
        client_id: file.client_id.clone(),
        allowed_algorithms: file.allowed_algorithms.clone().unwrap_or_default(),
        provider_hints: file.providers.clone().into_iter().collect(),
    };
    let filter = RuleFilter {
        select,
        ignore,
        levels: file.rules.clone(),
        min_confidence,
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
        ignored: loaded.ignored,
        redactor: &redactor,
    };
    report::printer(args.format, args.concise, verbosity).print(&rep, out)?;
    let threshold = match fail_on {
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
