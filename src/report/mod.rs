//! Output formats, one file each, behind one [`Printer`] trait. Printers only render: every
//! string they write goes through the [`Redactor`]; they never analyse.

pub mod compare;
pub mod flow;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;
pub mod ticket;

use crate::capture::Skipped;
use crate::diagnosis::{Finding, Verdict};
use crate::model::Exchange;
use crate::model::flow::Index;
use crate::redact::Redactor;
use std::io::{self, Write};

/// Everything a printer may show.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub exchanges: &'a [Exchange],
    /// The flows and cross-exchange index of the analysis (for the pictures).
    pub index: &'a Index,
    /// The differential diagnosis of every failing exchange.
    pub diagnoses: &'a [crate::diagnose::Diagnosis],
    pub skipped: &'a [Skipped],
    pub inputs: &'a [String],
    /// Some input was a sanitized browser export (no Authorization/Cookie headers).
    pub sanitized: bool,
    /// Entries read but not OAuth-relevant (static assets, page loads), not analysed.
    pub ignored: usize,
    /// Relevant exchanges analysed but not kept in full (successful calls far from any
    /// failure): counted in [`Report::analysed`], not listed.
    pub summarised: usize,
    /// The findings grouped by rule and root-cause key ([`crate::grouping`]).
    pub groups: &'a [crate::grouping::Group],
    pub redactor: &'a Redactor,
}

impl Report<'_> {
    /// `fail`, `warn` or `pass` from the findings; `incomplete` instead of `warn` or `pass`
    /// when entries could not be read ([`Skipped::unreadable`]), since they may hold the
    /// failure.
    pub fn verdict(&self) -> Verdict {
        match Verdict::of(self.findings) {
            Verdict::Fail => Verdict::Fail,
            _ if self.skipped.iter().any(Skipped::unreadable) => Verdict::Incomplete,
            v => v,
        }
    }

    /// Relevant exchanges analysed: those listed plus those summarised.
    pub fn analysed(&self) -> usize {
        self.exchanges.len() + self.summarised
    }

    /// The group a finding belongs to (by its rank), when it has one.
    pub fn group_of(&self, f: &Finding) -> Option<&crate::grouping::Group> {
        self.groups
            .iter()
            .find(|g| g.rule == f.rule && g.instances.contains(&f.rank))
    }

    /// The number every output gives the exchange at `exchange` (an index of the run): its
    /// place in its own input, from 1 (`#4`).
    pub fn n(&self, exchange: usize) -> usize {
        self.exchanges
            .get(exchange)
            .map_or(exchange + 1, Exchange::number)
    }

    /// `#4 (a.har entry 9)` for an exchange index: the number every output gives the
    /// exchange, and where it is in its input.
    pub fn location(&self, exchange: usize) -> String {
        match self.exchanges.get(exchange) {
            Some(_) => format!("#{} ({})", self.n(exchange), self.source(exchange)),
            None => format!("#{}", exchange + 1),
        }
    }

    /// `a.har entry 9`: where an exchange is in its input, for places that already show its
    /// `#N`.
    pub fn source(&self, exchange: usize) -> String {
        match self.exchanges.get(exchange) {
            Some(e) => format!("{} entry {}", e.source.file, e.source.entry + 1),
            None => format!("#{}", self.n(exchange)),
        }
    }
}

/// How many entries `skipped` stands for (its last record may count those not listed).
pub fn skipped_count(skipped: &[Skipped]) -> usize {
    let mut n = skipped.len();
    if let Some(more) = skipped.last().and_then(|s| more_not_listed(&s.reason)) {
        n = n - 1 + more;
    }
    n
}

/// The count in the record `and N more skipped entr(ies), not listed`.
fn more_not_listed(reason: &str) -> Option<usize> {
    reason
        .strip_prefix("and ")?
        .strip_suffix(" more skipped entr(ies), not listed")?
        .parse()
        .ok()
}

/// Notes about skipped entries, grouped by file and reason (a reason's leading `line N…:` is
/// where, not why): `skipped 3 entries of a.ndjson: invalid JSON (lines 2, 7, 9)`. A few lines
/// however many entries were skipped. The caller writes them to the standard error.
pub fn skipped_notes(skipped: &[Skipped], red: &Redactor) -> Vec<String> {
    const LISTED: usize = 5;
    let mut groups: Vec<(String, String, Vec<String>, usize)> = Vec::new();
    let mut more = 0;
    // The cut of a truncated input is the run's error line, not a note.
    for s in skipped
        .iter()
        .filter(|s| !s.reason.starts_with("truncated"))
    {
        if let Some(n) = more_not_listed(&s.reason) {
            more += n;
            continue;
        }
        let (place, why) = match s.reason.split_once(": ") {
            Some((p, w)) if p.starts_with("line ") => (p.to_string(), w),
            _ => (format!("entry {}", s.entry + 1), s.reason.as_str()),
        };
        // The class of a reason: its text up to the first detail in parentheses or after `at`.
        let class = why.split(" at line ").next().unwrap_or(why);
        let class = class.split(" (").next().unwrap_or(class).to_string();
        match groups.iter_mut().find(|g| g.0 == *s.file && g.1 == class) {
            Some(g) => {
                g.3 += 1;
                if g.2.len() < LISTED {
                    g.2.push(place);
                }
            }
            None => groups.push((s.file.to_string(), class, vec![place], 1)),
        }
    }
    let mut out: Vec<String> = groups
        .iter()
        .map(|(file, class, places, n)| {
            let etc = if *n > places.len() { ", …" } else { "" };
            format!(
                "skipped {n} entr{} of {file}: {} ({}{etc})",
                if *n == 1 { "y" } else { "ies" },
                red.scrub(class),
                places.join(", ")
            )
        })
        .collect();
    if more > 0 {
        out.push(format!("skipped {more} more entries, not listed"));
    }
    out
}

/// One output format.
pub trait Printer {
    fn print(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// The output formats of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Github,
    Junit,
    Sarif,
    Html,
}

/// The printer for a format; `verbosity` is -1 (quiet), 0 or 1 (verbose) for the text format.
pub fn printer(format: Format, concise: bool, verbosity: i8) -> Box<dyn Printer> {
    match format {
        Format::Text => Box::new(text::Text { concise, verbosity }),
        Format::Json => Box::new(json::Json),
        Format::Markdown => Box::new(markdown::Markdown),
        Format::Github => Box::new(github::Github),
        Format::Junit => Box::new(junit::Junit),
        Format::Sarif => Box::new(sarif::Sarif),
        Format::Html => Box::new(html::Html),
    }
}
