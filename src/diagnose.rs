//! The differential diagnosis of each failing exchange: the causes its signal admits (the rules
//! that declare they explain its `error` code or its status class), each weighed against the
//! capture as confirmed, supported, open or ruled out, with the reason. It sits between the
//! rules and the ranking: it reads what the rules reported, adds the one finding the capture
//! proves by elimination (every other admitted cause ruled out), and, after ranking, names the
//! finding that explains each failure. It never formats for a terminal.

use crate::diagnosis::{Considered, Finding, Meta, Standing, StatusClass, Strength};
use crate::model::Exchange;
use crate::model::flow::Index;
use serde::Serialize;

/// One cause weighed for a failing exchange.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weighed {
    pub rule: &'static str,
    pub status: Standing,
    pub because: String,
}

/// The differential diagnosis of one failing exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    /// The failing exchange (zero-based).
    pub exchange: usize,
    /// What the server said: status, `error` code, description.
    pub signal: String,
    /// The rule of the finding that explains the failure, after ranking.
    pub cause: Option<&'static str>,
    /// Every cause weighed: the ones the signal admits and the ones rules reported.
    pub considered: Vec<Weighed>,
}

/// What an exchange's failure looks like, in one line: `400 invalid_grant "grant request is
/// invalid"`, `401 (no error code)`, `no response: connection refused`.
pub fn signal(e: &Exchange) -> String {
    let Some(r) = &e.response else {
        return "no response in the capture".into();
    };
    if r.status == 0 {
        return match &r.transport_error {
            Some(t) => format!("no response: {t}"),
            None => "no response (status 0)".into(),
        };
    }
    match e.server_error() {
        Some(err) => {
            let mut s = format!("{} {}", r.status, err.code);
            if let Some(d) = err.description.as_deref() {
                let d = d.lines().next().unwrap_or("").trim();
                if !d.is_empty() {
                    let short: String = d.chars().take(120).collect();
                    let cut = if short.len() < d.len() { "…" } else { "" };
                    s.push_str(&format!(" \"{short}{cut}\""));
                }
            }
            s
        }
        None if r.body_elsewhere.is_some() => format!("{} (body not in the capture)", r.status),
        None => format!("{} (no error code)", r.status),
    }
}

/// The rules whose declared facts say they can explain the failure of `e`: by its standard
/// `error` code (a provider's own code is read as the standard code it stands for) or, when
/// there is none, by its status class. Most likely first.
fn admitted(e: &Exchange, metas: &[&'static Meta]) -> Vec<&'static Meta> {
    let code = crate::providers::standard_code(e);
    let class = e.status().and_then(|s| StatusClass::of(e.kind, s));
    let grant = if e.is_code_redemption() {
        Some("authorization_code".to_string())
    } else if e.is_token_request() {
        e.grant_type()
    } else {
        None
    };
    let mut out: Vec<(u8, &'static Meta)> = metas
        .iter()
        .filter(|m| !e.is_token_request() || m.facts.concerns_grant(grant.as_deref()))
        .filter_map(|m| {
            let place = match code.as_deref() {
                Some(c) => m.facts.place_for_error(c),
                None => class.and_then(|c| m.facts.place_for_status(c)),
            };
            place.map(|p| (p, *m))
        })
        .collect();
    out.sort_by_key(|(p, m)| (*p, m.code));
    out.into_iter().map(|(_, m)| m).collect()
}

/// How a finding stands as the cause of its anchor's failure.
fn standing_of(f: &Finding) -> Standing {
    if f.confirmed || f.strength >= Strength::Recomputed {
        Standing::Confirmed
    } else {
        Standing::Supported
    }
}

/// Weigh every failing exchange of the capture. `findings` are the rules' findings before
/// ranking; `considered` what they weighed without a finding.
pub fn weigh(
    exchanges: &[Exchange],
    index: &Index,
    findings: &[Finding],
    considered: &[Considered],
    metas: &[&'static Meta],
) -> Vec<Diagnosis> {
    use std::collections::HashMap;
    let mut by_anchor: HashMap<usize, Vec<&Finding>> = HashMap::new();
    for f in findings {
        if let Some(a) = f.anchor {
            by_anchor.entry(a).or_default().push(f);
        }
    }
    let mut weighed_at: HashMap<usize, Vec<&Considered>> = HashMap::new();
    for c in considered {
        weighed_at.entry(c.anchor).or_default().push(c);
    }
    let mut out = Vec::new();
    for &i in index.failures() {
        let e = &exchanges[i];
        let mut list: Vec<Weighed> = Vec::new();
        let here = by_anchor.get(&i).map(Vec::as_slice).unwrap_or(&[]);
        let notes = weighed_at.get(&i).map(Vec::as_slice).unwrap_or(&[]);
        let mut push = |rule: &'static str, status: Standing, because: String| {
            if !list.iter().any(|w| w.rule == rule) {
                list.push(Weighed {
                    rule,
                    status,
                    because,
                });
            }
        };
        // What the rules found here first, strongest first; then what they weighed.
        let mut found: Vec<&&Finding> = here.iter().filter(|f| f.facts.role_is_cause()).collect();
        found.sort_by_key(|f| standing_of(f));
        for f in found {
            push(f.rule, standing_of(f), f.title.clone());
        }
        let admitted = admitted(e, metas);
        // What the causes this signal admits weighed (a rule may weigh failures it does not
        // explain; those notes are not about this signal).
        for c in notes {
            if admitted.iter().any(|m| m.code == c.rule) {
                push(c.rule, c.standing, c.because.clone());
            }
        }
        for m in &admitted {
            if m.facts.role_is_cause() {
                push(
                    m.code,
                    Standing::Open,
                    "not weighed for this failure".into(),
                );
            }
        }
        // By standing, then most likely first among the causes the signal admits.
        let place = |rule: &str| {
            admitted
                .iter()
                .position(|m| m.code == rule)
                .unwrap_or(usize::MAX)
        };
        list.sort_by_key(|w| (w.status, place(w.rule)));
        out.push(Diagnosis {
            exchange: i,
            signal: signal(e),
            cause: None,
            considered: list,
        });
    }
    out
}

/// The finding a diagnosis proves by elimination: no rule found a cause for the failure, at
/// least two of the causes its signal admits are ruled out, and exactly one is left open. The
/// finding comes from that rule's own description.
pub fn by_elimination(
    d: &Diagnosis,
    exchanges: &[Exchange],
    explained: &std::collections::HashSet<usize>,
    metas: &[&'static Meta],
) -> Option<Finding> {
    if explained.contains(&d.exchange) {
        return None;
    }
    let ruled_out: Vec<&Weighed> = d
        .considered
        .iter()
        .filter(|w| w.status == Standing::RuledOut)
        .collect();
    let mut left = d
        .considered
        .iter()
        .filter(|w| w.status != Standing::RuledOut);
    let (Some(only), None) = (left.next(), left.next()) else {
        return None;
    };
    if ruled_out.len() < 2 || only.status != Standing::Open {
        return None;
    }
    let meta = metas.iter().find(|m| m.code == only.rule)?;
    let e = &exchanges[d.exchange];
    let mut f = Finding::from_meta(
        meta,
        d.exchange,
        format!(
            "the server answered {}; the capture rules out the {} other causes this answer admits (see \"ruled out\"), which leaves this one: {}",
            d.signal,
            ruled_out.len(),
            only.because
        ),
    );
    f.strength = Strength::Heuristic;
    if let Some(err) = e.server_error() {
        f.evidence.push(crate::diagnosis::Evidence {
            exchange: d.exchange,
            at: err.at.to_string(),
            value: crate::diagnosis::Value::Text(err.code),
        });
    }
    Some(f)
}

/// After ranking: the finding that explains each failure, the first that is anchored at it or
/// took in a finding anchored at it.
pub fn name_causes(diagnoses: &mut [Diagnosis], ranked: &[Finding]) {
    // The best-ranked finding for each exchange, in one pass (captures can hold thousands of
    // failures and findings).
    let mut first: std::collections::HashMap<usize, &'static str> = Default::default();
    for f in ranked.iter().filter(|f| !f.latent) {
        for &a in f.anchor.iter().chain(&f.explains) {
            first.entry(a).or_insert(f.rule);
        }
    }
    for d in diagnoses {
        d.cause = first.get(&d.exchange).copied();
        if let Some(c) = d.cause {
            // The cause first, then the others by standing.
            if let Some(p) = d.considered.iter().position(|w| w.rule == c) {
                let w = d.considered.remove(p);
                d.considered.insert(0, w);
            }
        }
    }
}
