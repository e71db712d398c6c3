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
    pub redactor: &'a Redactor,
}

impl Report<'_> {
    pub fn verdict(&self) -> Verdict {
        Verdict::of(self.findings)
    }

    /// `#4 (a.har entry 9)` for an exchange index: the number every output gives the
    /// exchange, and where it is in its input.
    pub fn location(&self, exchange: usize) -> String {
        match self.exchanges.get(exchange) {
            Some(_) => format!("#{} ({})", exchange + 1, self.source(exchange)),
            None => format!("#{}", exchange + 1),
        }
    }

    /// `a.har entry 9`: where an exchange is in its input, for places that already show its
    /// `#N`.
    pub fn source(&self, exchange: usize) -> String {
        match self.exchanges.get(exchange) {
            Some(e) => format!("{} entry {}", e.source.file, e.source.entry + 1),
            None => format!("#{}", exchange + 1),
        }
    }
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
