//! oauth-doctor: tells why an OAuth 2.0 / OpenID Connect exchange failed and what to change.
//!
//! Data flow (DESIGN.md): inputs → [`capture`] → [`model::Exchange`]s → classify
//! ([`model::kind`]) → correlate ([`model::flow`]) → [`rules`] → rank ([`diagnosis`]) →
//! [`report`]. Every stage is a plain function over plain data; only `main.rs` decides exit codes.

pub mod app;
pub mod capture;
mod capture_support;
pub mod cli;
pub mod diagnosis;
pub mod explain;
pub mod model;
pub mod oauth;
pub mod providers;
pub mod redact;
pub mod report;
pub mod rules;

use diagnosis::Finding;
use model::Exchange;
use model::flow::Index;
use rules::{Context, Options};

/// Which rules run: `--select` and `--ignore` codes or prefixes.
#[derive(Debug, Clone, Default)]
pub struct RuleFilter {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl RuleFilter {
    pub fn allows(&self, code: &str) -> bool {
        let m = |p: &String| {
            code.to_ascii_uppercase()
                .starts_with(&p.to_ascii_uppercase())
        };
        (self.select.is_empty() || self.select.iter().any(m)) && !self.ignore.iter().any(m)
    }
}

/// The result of analysing a capture.
pub struct Analysis {
    pub exchanges: Vec<Exchange>,
    pub index: Index,
    pub findings: Vec<Finding>,
}

/// Classify, correlate, run the rules and rank: the whole pipeline after loading.
pub fn analyze(mut exchanges: Vec<Exchange>, options: &Options, filter: &RuleFilter) -> Analysis {
    // Entry order is not time order in every exporter: order by start time when all have one.
    if exchanges.iter().all(|e| e.started_at.is_some()) {
        exchanges.sort_by_key(|e| e.started_at);
    }
    for (i, e) in exchanges.iter_mut().enumerate() {
        e.index = i;
    }
    model::kind::classify_all(&mut exchanges);
    providers::detect_all(&mut exchanges);
    let index = Index::build(&exchanges);
    let mut cx = Context::new(&exchanges, &index, options);
    for rule in rules::registry::all() {
        if filter.allows(rule.meta().code) {
            cx.run(rule);
        }
    }
    let mut findings = cx.into_findings();
    for f in &mut findings {
        if f.provider.is_none() {
            f.provider = f
                .anchor
                .and_then(|a| exchanges.get(a))
                .and_then(|e| e.provider)
                .map(str::to_string);
        }
        if f.provider.is_none() {
            // Inherit from the flow.
            if let Some(a) = f.anchor {
                let flow = index.flow_of.get(a).and_then(|id| index.flows.get(*id));
                f.provider = flow
                    .and_then(|fl| fl.exchanges.iter().find_map(|&i| exchanges[i].provider))
                    .map(str::to_string);
            }
        }
    }
    let findings = diagnosis::rank(findings, &exchanges);
    Analysis {
        exchanges,
        index,
        findings,
    }
}
