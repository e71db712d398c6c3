//! Ranking: where BAD fails, which differences can explain it, and in what order they are
//! shown. A difference can explain the failure when it happens at or before the failing step
//! and either a finding of BAD's own diagnosis names it (same exchange, and evidence on the same
//! parameter or header, or the same root-cause category) or a documented reason says such a
//! difference makes requests fail. Differences named by a rule come first, in the order of
//! BAD's diagnosis; then those with a documented reason, most decisive first.

use super::align::{Pair, Step, StepKind};
use super::{Aspect, Capture, Difference, Link, Role};
use crate::diagnosis::Finding;
use crate::model::Exchange;
use std::collections::BTreeSet;

/// What a failing step's answer was: status and OAuth error.
fn signature(c: &Capture, s: &Step) -> (u16, Option<String>) {
    if s.kind == StepKind::AuthorizationResponse {
        let e = s
            .params
            .as_ref()
            .and_then(|p| p.non_empty("error"))
            .map(str::to_string);
        return (0, e);
    }
    let e: Option<&Exchange> = c.exchange(s.exchange);
    (
        e.and_then(Exchange::status).unwrap_or(0),
        e.and_then(super::server_error).map(|x| x.0),
    )
}

/// The pairs where BAD fails and GOOD does not fail the same way, in timeline order.
pub fn failures(good: &Capture, bad: &Capture, pairs: &[Pair]) -> Vec<usize> {
    pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            let Some(b) = p.bad.map(|b| &bad.steps[b]) else {
                return false;
            };
            if !b.failed {
                return false;
            }
            match p.good.map(|g| &good.steps[g]) {
                None => true,
                Some(g) => !(g.failed && signature(good, g) == signature(bad, b)),
            }
        })
        .map(|(i, _)| i)
        .collect()
}

/// The pair where BAD first fails (and GOOD does not fail the same way).
pub fn first_failure(good: &Capture, bad: &Capture, pairs: &[Pair]) -> Option<usize> {
    failures(good, bad, pairs).into_iter().min_by_key(|&i| {
        pairs[i]
            .bad
            .map(|b| (bad.steps[b].exchange, i))
            .unwrap_or((usize::MAX, i))
    })
}

/// The finding of BAD's diagnosis that names this difference, if any: not latent, not also
/// reported for GOOD (then it does not tell them apart), and tied to the difference by an
/// evidence on the same exchange and name, or by the exchange and the root-cause category; the
/// best ranked such finding.
fn link(d: &Difference, good: &Capture, bad: &Capture) -> Option<Link> {
    let good_rules: BTreeSet<&str> = good.analysis.findings.iter().map(|f| f.rule).collect();
    let candidates: Vec<&Finding> = bad
        .analysis
        .findings
        .iter()
        .filter(|f| !f.latent && !good_rules.contains(f.rule))
        .collect();
    let bads: Vec<usize> = d
        .bad_exchange
        .into_iter()
        .chain(d.also.iter().filter_map(|a| a.2))
        .collect();
    if d.aspect == Aspect::Step {
        // A failing step GOOD never performs: BAD's own diagnosis of that step.
        let b = d.bad_exchange?;
        return candidates
            .iter()
            .find(|f| f.anchor == Some(b))
            .map(|f| link_to(f));
    }
    let named = |f: &Finding| {
        f.evidence.iter().any(|ev| {
            (d.pair.is_none() || bads.contains(&ev.exchange))
                && (matches!(d.aspect, Aspect::Response | Aspect::Timing)
                    || !ev.at.starts_with("response."))
                && ev
                    .at
                    .to_ascii_lowercase()
                    .split(['.', '[', ']'])
                    .any(|seg| !seg.is_empty() && d.keys.contains(&seg))
        })
    };
    // A difference of the whole capture (the clock) is tied by category alone.
    let touches = |f: &Finding| {
        d.pair.is_none()
            || bads
                .iter()
                .any(|&b| f.anchor == Some(b) || f.evidence.iter().any(|e| e.exchange == b))
    };
    // BAD's own ranking decides between findings tied to the difference either way: the more
    // specific causes rank first there.
    let f = candidates.iter().find(|f| {
        named(f)
            || (touches(f) && (f.category == d.category || d.also_categories.contains(&f.category)))
    })?;
    Some(link_to(f))
}

fn link_to(f: &Finding) -> Link {
    Link {
        rule: f.rule,
        title: f.title.clone(),
        message: f.message.clone(),
        fix: f.fix.clone(),
        references: f.references.clone(),
        rank: f.rank,
    }
}

/// Whether a difference in a step that succeeded changes what later steps depend on: the
/// client, user, audience or issuer the tokens belong to, the scopes asked for, what was
/// granted, the key a token is bound to.
fn carries(d: &Difference) -> bool {
    match d.aspect {
        Aspect::Parameter => matches!(
            d.field.as_str(),
            "scope"
                | "resource"
                | "audience"
                | "client_id"
                | "username"
                | "response_type"
                | "requested_token_type"
        ),
        Aspect::Endpoint => matches!(
            d.field.as_str(),
            "host" | "port" | "tenant" | "realm" | "authorization server" | "policy"
        ),
        Aspect::Response => true,
        Aspect::Header => d.field == "DPoP",
        Aspect::Timing => d.pair.is_none(),
        _ => false,
    }
}

/// Decide each difference's role, link it, and sort: causes (linked by BAD's rank, then by
/// weight), other differences, symptoms, steps BAD never reached.
pub fn rank(
    good: &Capture,
    bad: &Capture,
    pairs: &[Pair],
    failure: Option<usize>,
    diffs: &mut [Difference],
) {
    let failing: BTreeSet<usize> = failures(good, bad, pairs).into_iter().collect();
    let last_failing = failing.iter().copied().max();
    for d in diffs.iter_mut() {
        let on_failing_pair = d.pair.is_some_and(|p| failing.contains(&p));
        if d.aspect == Aspect::Response && on_failing_pair && d.reason.is_none() {
            d.role = Role::Symptom;
            continue;
        }
        let before = match (d.pair, last_failing) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(p), Some(last)) => p <= last,
        };
        let good_only = d.aspect == Aspect::Step && d.bad_exchange.is_none();
        if d.aspect == Aspect::Step && d.reason.is_none() && !good_only {
            // A step only BAD performs, and that does not fail: nothing to explain.
            d.role = Role::Other;
            continue;
        }
        if good_only {
            d.role = match (d.pair, failure) {
                (Some(p), Some(f)) if p > f => Role::NotReached,
                _ => Role::Other,
            };
            continue;
        }
        d.link = link(d, good, bad);
        // A request BAD's server accepted did not fail because of how it differs; it can
        // explain a later failure only through what it passes on.
        let accepted = d.pair.is_some_and(|p| {
            !failing.contains(&p) && pairs[p].bad.is_some_and(|b| !bad.steps[b].failed)
        });
        let before = before && (!accepted || carries(d));
        d.role = if before && (d.link.is_some() || d.reason.is_some()) {
            Role::Cause
        } else {
            Role::Other
        };
    }
    // What a server granted follows from what was requested: when the requested scopes
    // differ, the granted ones are that difference again.
    if diffs
        .iter()
        .any(|d| d.aspect == Aspect::Parameter && d.field == "scope" && d.role == Role::Cause)
    {
        for d in diffs.iter_mut() {
            if d.aspect == Aspect::Response && d.field == "scope" && d.role == Role::Cause {
                d.role = Role::Other;
            }
        }
    }
    diffs.sort_by_key(|d| {
        (
            d.role,
            d.link.as_ref().map_or(usize::MAX, |l| l.rank),
            d.weight,
            d.pair.unwrap_or(0),
            d.field.clone(),
        )
    });
    for (i, d) in diffs.iter_mut().enumerate() {
        d.rank = i + 1;
    }
}
