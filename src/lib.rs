//! oauth-doctor: tells why an OAuth 2.0 / OpenID Connect exchange failed and what to change.
//!
//! Data flow (docs/architecture.md): inputs → [`capture`] (or a live exchange, [`live`], the only network code) →
//! [`model::Exchange`]s → classify ([`model::kind`]) → correlate ([`model::flow`]) → [`rules`] →
//! rank ([`diagnosis`]) → [`report`], every secret rendered by [`redact`]. Every stage is a plain
//! function over plain data; only `main.rs` decides exit codes.

pub mod alloc;
pub mod app;
pub mod capture;
mod capture_support;
pub mod cli;
pub mod config;
pub mod diagnose;
pub mod diagnosis;
pub mod diff;
pub mod explain;
pub mod grouping;
pub mod inspect;
pub mod live;
pub mod model;
pub mod oauth;
pub mod providers;
pub mod redact;
pub mod report;
pub mod rules;

use diagnosis::Finding;
use model::Exchange;
use model::flow::Index;
use rules::Options;

/// Which rules run: `--select` and `--ignore` codes or prefixes.
#[derive(Debug, Clone, Default)]
pub struct RuleFilter {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// Per-rule level overrides from the configuration; `Off` disables the rule.
    pub levels: std::collections::BTreeMap<String, config::Level>,
    /// Findings below this confidence are dropped after ranking.
    pub min_confidence: f64,
}

impl RuleFilter {
    pub fn allows(&self, code: &str) -> bool {
        let m = |p: &String| {
            code.to_ascii_uppercase()
                .starts_with(&p.to_ascii_uppercase())
        };
        (self.select.is_empty() || self.select.iter().any(m))
            && !self.ignore.iter().any(m)
            && self.level(code) != Some(config::Level::Off)
    }

    /// The configured level of a rule, if any.
    pub fn level(&self, code: &str) -> Option<config::Level> {
        self.levels
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(code))
            .map(|(_, v)| *v)
    }
}

/// The result of analysing a capture.
pub struct Analysis {
    pub exchanges: Vec<Exchange>,
    pub index: Index,
    pub findings: Vec<Finding>,
    /// The differential diagnosis of every failing exchange.
    pub diagnoses: Vec<diagnose::Diagnosis>,
}

/// Classify, correlate, run the rules and rank: the whole pipeline after loading.
pub fn analyze(mut exchanges: Vec<Exchange>, options: &Options, filter: &RuleFilter) -> Analysis {
    // Entry order is not time order in every exporter: order by start time when all have one.
    // (Most exporters write entries in order: checking first spares the sort's buffer.)
    if exchanges.iter().all(|e| e.started_at.is_some())
        && !exchanges.is_sorted_by_key(|e| e.started_at)
    {
        exchanges.sort_by_key(|e| e.started_at);
    }
    for (i, e) in exchanges.iter_mut().enumerate() {
        e.index = i;
        e.ordinal = i;
    }
    model::kind::classify_all(&mut exchanges);
    providers::detect_all(&mut exchanges);
    for (host, provider) in &options.provider_hints {
        for e in exchanges.iter_mut() {
            let h = e.request.host().unwrap_or("").to_ascii_lowercase();
            if h == host.to_ascii_lowercase()
                || h.ends_with(&format!(".{}", host.to_ascii_lowercase()))
            {
                e.provider = Some(providers::intern(provider));
            }
        }
    }
    let index = Index::build(&exchanges);
    let rules::Output {
        mut findings,
        considered,
    } = rules::run_all(&exchanges, &index, options, |code| filter.allows(code));
    let metas: Vec<&'static diagnosis::Meta> = rules::registry::all()
        .into_iter()
        .map(|r| r.meta())
        .filter(|m| filter.allows(m.code))
        .collect();
    let mut diagnoses = diagnose::weigh(&exchanges, &index, &findings, &considered, &metas);
    // The failures a cause is already anchored at, once (not once per failure).
    let explained: std::collections::HashSet<usize> = findings
        .iter()
        .filter(|f| f.facts.role_is_cause() && !f.latent)
        .filter_map(|f| f.anchor)
        .collect();
    for d in &diagnoses {
        if let Some(f) = diagnose::by_elimination(d, &exchanges, &explained, &metas) {
            findings.push(f);
        }
    }
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
    for f in &mut findings {
        match filter.level(f.rule) {
            Some(config::Level::Info) => f.severity = diagnosis::Severity::Info,
            Some(config::Level::Warning) => f.severity = diagnosis::Severity::Warning,
            Some(config::Level::Error) => f.severity = diagnosis::Severity::Error,
            _ => {}
        }
    }
    let mut findings = diagnosis::rank(findings, &exchanges, &index);
    // A level set in the configuration is the level the user gets: ranking turns a latent
    // error into a warning, but `CODE = "error"` (a CI gate on a capture that succeeded) stays
    // an error.
    for f in &mut findings {
        match filter.level(f.rule) {
            Some(config::Level::Info) => f.severity = diagnosis::Severity::Info,
            Some(config::Level::Warning) => f.severity = diagnosis::Severity::Warning,
            Some(config::Level::Error) => f.severity = diagnosis::Severity::Error,
            _ => {}
        }
    }
    if filter.min_confidence > 0.0 {
        findings.retain(|f| f.confidence >= filter.min_confidence);
        for (i, f) in findings.iter_mut().enumerate() {
            f.rank = i + 1;
        }
    }
    diagnose::name_causes(&mut diagnoses, &findings);
    Analysis {
        exchanges,
        index,
        findings,
        diagnoses,
    }
}

/// The analyses of several inputs, each analysed on its own (no flow correlates across them),
/// as one: exchanges in input order (each keeps the file it came from), findings of all inputs
/// ranked together by the same order ranking uses within one input, every failure's diagnosis.
/// The index is rebuilt over all exchanges for the printers' pictures only.
pub fn combine(parts: Vec<Analysis>) -> Analysis {
    let mut exchanges = Vec::new();
    let mut findings = Vec::new();
    let mut diagnoses = Vec::new();
    for part in parts {
        let off = exchanges.len();
        for mut e in part.exchanges {
            e.index += off;
            exchanges.push(e);
        }
        for mut f in part.findings {
            f.anchor = f.anchor.map(|a| a + off);
            for ev in &mut f.evidence {
                ev.exchange += off;
            }
            for x in &mut f.explains {
                *x += off;
            }
            findings.push(f);
        }
        for mut d in part.diagnoses {
            d.exchange += off;
            diagnoses.push(d);
        }
    }
    // Stable: within one input, the order its own ranking gave is kept on ties.
    findings.sort_by(|a: &Finding, b: &Finding| {
        a.latent
            .cmp(&b.latent)
            .then(
                b.score
                    .partial_cmp(&a.score)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
            .then(b.severity.cmp(&a.severity))
    });
    for (i, f) in findings.iter_mut().enumerate() {
        f.rank = i + 1;
    }
    let index = Index::build(&exchanges);
    Analysis {
        exchanges,
        index,
        findings,
        diagnoses,
    }
}
