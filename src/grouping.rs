//! Grouping of ranked findings: the same rule with the same root-cause key (the endpoint an
//! exchange called and the client it named) is one problem, however often a capture repeats it.
//! A group carries its count, its share of the exchanges analysed, its first and last exchange,
//! a few examples and the ranks of its instances. One pass over the findings (linear).
//!
//! Owns no judging (the findings are ranked already) and no formatting (printers show groups).

use crate::diagnosis::Finding;
use crate::model::Exchange;
use std::collections::HashMap;

/// Examples listed per group.
pub const EXAMPLES: usize = 3;

/// Findings of one rule with one root-cause key.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub rule: &'static str,
    /// The root cause the instances share: `POST https://idp.example/oauth2/token client app-1`.
    pub key: String,
    /// Whether the instances are latent (on exchanges that succeeded).
    pub latent: bool,
    pub count: usize,
    /// The distinct exchanges of the instances over the exchanges analysed, in [0, 1].
    pub share: f64,
    /// Zero-based exchanges of the first and last instance (by exchange order), when anchored.
    pub first: Option<usize>,
    pub last: Option<usize>,
    /// Zero-based exchanges of the first few instances.
    pub examples: Vec<usize>,
    /// Ranks of every instance, best first.
    pub instances: Vec<usize>,
}

/// The root-cause key of a finding: its anchor's method and endpoint (scheme, host, path) and
/// the `client_id` it sends, if any; `-` for a finding on no exchange. The path of an OAuth
/// endpoint is kept whole (a tenant in it names the issuer); in the path of an API call,
/// identifiers are folded to `*` (`/orders/*`), so the same call on many resources is one key.
pub fn key_of(f: &Finding, exchanges: &[Exchange]) -> String {
    let Some(e) = f.anchor.and_then(|a| exchanges.get(a)) else {
        return "-".into();
    };
    let r = &e.request;
    let mut k = String::with_capacity(80);
    k.push_str(&r.method);
    k.push(' ');
    match &r.parsed {
        Some(u) => {
            k.push_str(u.scheme());
            k.push_str("://");
            k.push_str(u.host_str().unwrap_or(""));
            if let Some(p) = u.port() {
                k.push_str(&format!(":{p}"));
            }
            let api = matches!(
                e.kind,
                crate::model::Kind::Resource | crate::model::Kind::Other
            );
            for seg in u.path().split('/').filter(|s| !s.is_empty()) {
                k.push('/');
                if api && crate::model::looks_like_id(seg) {
                    k.push('*');
                } else {
                    k.push_str(seg);
                }
            }
        }
        None => k.push_str(r.url.split(['?', '#']).next().unwrap_or("")),
    }
    if let Some(c) = r.param("client_id").filter(|c| !c.is_empty()) {
        k.push_str(" client ");
        k.push_str(&c);
    }
    k
}

/// Group ranked findings (in rank order); groups come in the order of their best instance.
pub fn group(findings: &[Finding], exchanges: &[Exchange], analysed: usize) -> Vec<Group> {
    let mut at: HashMap<(&'static str, String, bool), usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut anchors: std::collections::HashSet<(usize, usize)> = Default::default();
    let mut distinct: Vec<usize> = Vec::new();
    for f in findings {
        let key = key_of(f, exchanges);
        let g = *at
            .entry((f.rule, key.clone(), f.latent))
            .or_insert_with(|| {
                groups.push(Group {
                    rule: f.rule,
                    key,
                    latent: f.latent,
                    count: 0,
                    share: 0.0,
                    first: None,
                    last: None,
                    examples: Vec::new(),
                    instances: Vec::new(),
                });
                distinct.push(0);
                groups.len() - 1
            });
        if let Some(a) = f.anchor {
            if anchors.insert((g, a)) {
                distinct[g] += 1;
            }
        }
        let g = &mut groups[g];
        g.count += 1;
        g.instances.push(f.rank);
        if let Some(a) = f.anchor {
            g.first = Some(g.first.map_or(a, |x| x.min(a)));
            g.last = Some(g.last.map_or(a, |x| x.max(a)));
            if !g.examples.contains(&a) {
                g.examples.push(a);
            }
        }
    }
    for (g, n) in groups.iter_mut().zip(distinct) {
        g.share = (n as f64 / analysed.max(1) as f64).min(1.0);
        g.examples.sort_unstable();
        g.examples.truncate(EXAMPLES);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_findings_form_one_group_per_rule_and_endpoint() {
        let exchanges = crate::capture::all_fixture_exchanges();
        let token = exchanges
            .iter()
            .position(|e| e.request.url.contains("/token"))
            .expect("a token request among the fixtures");
        let other = exchanges
            .iter()
            .position(|e| !e.request.url.contains("/token") && e.request.parsed.is_some())
            .expect("another request among the fixtures");
        let meta = crate::rules::registry::all()[0].meta();
        let mut findings = Vec::new();
        for (rank, anchor) in [(1, token), (2, other), (3, token), (4, token)] {
            let mut f = Finding::from_meta(meta, anchor, "same".into());
            f.rank = rank;
            findings.push(f);
        }
        let g = group(&findings, &exchanges, 8);
        assert_eq!(g.len(), 2, "{g:#?}");
        assert_eq!(g[0].count, 3);
        assert_eq!(g[0].instances, vec![1, 3, 4]);
        assert_eq!(g[0].first, Some(token));
        // Three findings on one exchange: one exchange of the eight.
        assert_eq!(g[0].share, 1.0 / 8.0);
        assert_eq!(g[1].count, 1);
        assert_eq!(g[1].instances, vec![2]);
    }
}
