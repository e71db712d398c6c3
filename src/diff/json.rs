//! `diff --format json`: the `oauth-doctor/diff/v1` document described field by field in
//! `docs/diff-output.md`. Values, messages and fixes go through the redactor.

use super::align::StepKind;
use super::{Diff, Difference, Role, reasons};
use crate::diagnosis::Value;
use crate::redact::Redactor;
use serde::Serialize;
use std::io::{self, Write};

pub const SCHEMA: &str = "oauth-doctor/diff/v1";

#[derive(Serialize)]
pub struct Document {
    pub schema: &'static str,
    /// `explained`, `unexplained` or `no_failure`.
    pub verdict: &'static str,
    pub good: CaptureOut,
    pub bad: BadOut,
    pub differences: Vec<DifferenceOut>,
    pub steps: Vec<StepOut>,
}

#[derive(Serialize)]
pub struct CaptureOut {
    pub file: String,
    pub exchanges: usize,
    pub steps: usize,
    pub failing_steps: usize,
    pub skipped: usize,
}

#[derive(Serialize)]
pub struct BadOut {
    #[serde(flatten)]
    pub capture: CaptureOut,
    pub failure: Option<FailureOut>,
}

#[derive(Serialize)]
pub struct FailureOut {
    pub step: String,
    pub kind: &'static str,
    pub exchange: usize,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub outcome: String,
}

#[derive(Serialize)]
pub struct SideOut {
    pub exchange: Option<usize>,
    pub value: Option<String>,
}

#[derive(Serialize)]
pub struct DifferenceOut {
    pub rank: usize,
    pub role: &'static str,
    pub explains_failure: bool,
    pub step: String,
    pub kind: Option<&'static str>,
    pub aspect: &'static str,
    pub field: String,
    pub place: Option<&'static str>,
    pub good: SideOut,
    pub bad: SideOut,
    pub also_in: Vec<String>,
    pub message: String,
    pub category: &'static str,
    pub rule: Option<&'static str>,
    pub rule_rank: Option<usize>,
    pub rule_title: Option<String>,
    pub reason: Option<&'static str>,
    pub why: Option<&'static str>,
    pub fix: Option<String>,
    pub references: Vec<String>,
}

#[derive(Serialize)]
pub struct StepSideOut {
    pub exchange: usize,
    pub failed: bool,
}

#[derive(Serialize)]
pub struct RepeatsOut {
    pub good: usize,
    pub bad: usize,
}

#[derive(Serialize)]
pub struct StepOut {
    pub step: String,
    pub kind: Option<&'static str>,
    /// `both`, `only_good`, `only_bad` or `not_reached`.
    pub presence: &'static str,
    pub good: Option<StepSideOut>,
    pub bad: Option<StepSideOut>,
    pub repeats: Option<RepeatsOut>,
    pub bad_fails_here: bool,
    pub differences: Vec<usize>,
}

fn side(red: &Redactor, exchange: Option<usize>, v: &Option<Value>) -> SideOut {
    SideOut {
        exchange: exchange.map(|i| i + 1),
        value: v.as_ref().map(|v| red.value(v)),
    }
}

fn difference(diff: &Diff, red: &Redactor, d: &Difference) -> DifferenceOut {
    let reason = d.reason.and_then(reasons::find);
    let symptom = matches!(d.role, Role::Symptom | Role::NotReached);
    let (fix, references) = match (&d.link, reason) {
        (Some(l), _) => (Some(red.scrub(&l.fix)), l.references.clone()),
        (None, Some(r)) => (Some(red.scrub(&d.fix)), vec![r.reference.to_string()]),
        (None, None) if symptom || d.fix.is_empty() => (None, vec![]),
        (None, None) => (Some(red.scrub(&d.fix)), vec![]),
    };
    let kind = d.pair.and_then(|p| {
        let pair = diff.pairs.get(p)?;
        pair.bad
            .map(|b| diff.bad.steps[b].kind)
            .or_else(|| pair.good.map(|g| diff.good.steps[g].kind))
    });
    DifferenceOut {
        rank: d.rank,
        role: d.role.as_str(),
        explains_failure: d.explains(),
        step: d
            .pair
            .map_or_else(|| "capture".to_string(), |p| red.scrub(&diff.step_label(p))),
        kind: kind.map(StepKind::as_str),
        aspect: d.aspect.as_str(),
        field: red.scrub(&d.field),
        place: d.place.map(|p| p.as_str()),
        good: side(red, d.good_exchange, &d.good),
        bad: side(red, d.bad_exchange, &d.bad),
        also_in: d
            .also
            .iter()
            .map(|(p, _, _)| red.scrub(&diff.step_label(*p)))
            .collect(),
        message: red.scrub(&d.message),
        category: d.category.as_str(),
        rule: d.link.as_ref().map(|l| l.rule),
        rule_rank: d.link.as_ref().map(|l| l.rank),
        rule_title: d.link.as_ref().map(|l| red.scrub(&l.title)),
        reason: reason.map(|r| r.id),
        why: reason.map(|r| r.why),
        fix,
        references,
    }
}

/// The JSON document.
pub fn document(diff: &Diff, red: &Redactor) -> Document {
    let failure = diff.failure.and_then(|f| {
        let b = diff.pairs[f].bad?;
        let s = &diff.bad.steps[b];
        let e = diff.bad.exchange(s.exchange)?;
        let authz_error = s
            .params
            .as_ref()
            .and_then(|p| p.non_empty("error"))
            .filter(|_| s.kind == StepKind::AuthorizationResponse);
        Some(FailureOut {
            step: red.scrub(&s.label()),
            kind: s.kind.as_str(),
            exchange: s.exchange + 1,
            status: e.status(),
            error: match authz_error {
                Some(err) => Some(red.scrub(err)),
                None => super::server_error(e).map(|x| red.scrub(&x.0)),
            },
            outcome: red.scrub(&super::compare::outcome(e)),
        })
    });
    let verdict = if diff.explained() {
        "explained"
    } else if diff.failure.is_some() {
        "unexplained"
    } else {
        "no_failure"
    };
    let steps = diff
        .pairs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let g = p.good.map(|g| &diff.good.steps[g]);
            let b = p.bad.map(|b| &diff.bad.steps[b]);
            let presence = match (g, b) {
                (Some(_), Some(_)) => "both",
                (Some(_), None)
                    if diff
                        .differences
                        .iter()
                        .any(|d| d.pair == Some(i) && d.role == Role::NotReached) =>
                {
                    "not_reached"
                }
                (Some(_), None) => "only_good",
                _ => "only_bad",
            };
            let side = |s: &super::align::Step| StepSideOut {
                exchange: s.exchange + 1,
                failed: s.failed,
            };
            StepOut {
                step: red.scrub(&diff.step_label(i)),
                kind: b.or(g).map(|s| s.kind.as_str()),
                presence,
                good: g.map(side),
                bad: b.map(side),
                repeats: p.repeats.map(|(good, bad)| RepeatsOut { good, bad }),
                bad_fails_here: diff.failure == Some(i),
                differences: diff
                    .differences
                    .iter()
                    .filter(|d| d.pair == Some(i))
                    .map(|d| d.rank)
                    .collect(),
            }
        })
        .collect();
    let cap = |c: &super::Capture| CaptureOut {
        file: red.scrub(&c.name),
        exchanges: c.analysis.exchanges.len(),
        steps: c.steps.len(),
        failing_steps: c.steps.iter().filter(|s| s.failed).count(),
        skipped: c.skipped.len(),
    };
    Document {
        schema: SCHEMA,
        verdict,
        good: cap(&diff.good),
        bad: BadOut {
            capture: cap(&diff.bad),
            failure,
        },
        differences: diff
            .differences
            .iter()
            .map(|d| difference(diff, red, d))
            .collect(),
        steps,
    }
}

pub fn print(diff: &Diff, red: &Redactor, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(diff, red))?;
    writeln!(out)
}
