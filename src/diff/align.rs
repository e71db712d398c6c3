//! Steps and their alignment: each capture becomes the list of its OAuth steps (discovery,
//! authorize, authorization response, token by grant, refresh, resource calls …), and the steps of
//! GOOD and BAD are paired by what they are, never by their position in the file. Owns the step
//! vocabulary; it compares no values.

use crate::model::flow::Index;
use crate::model::{Exchange, Kind, Params};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// What a step is, in OAuth terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Discovery,
    Jwks,
    Authorize,
    Par,
    /// The authorization response: the redirect back to the client with `code` or `error`.
    AuthorizationResponse,
    DeviceAuthorization,
    Token,
    Introspection,
    Revocation,
    Userinfo,
    Resource,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Discovery => "discovery",
            StepKind::Jwks => "jwks",
            StepKind::Authorize => "authorize",
            StepKind::Par => "par",
            StepKind::AuthorizationResponse => "authorization_response",
            StepKind::DeviceAuthorization => "device_authorization",
            StepKind::Token => "token",
            StepKind::Introspection => "introspection",
            StepKind::Revocation => "revocation",
            StepKind::Userinfo => "userinfo",
            StepKind::Resource => "resource",
        }
    }

    fn of(kind: Kind) -> Option<StepKind> {
        Some(match kind {
            Kind::Discovery => StepKind::Discovery,
            Kind::Jwks => StepKind::Jwks,
            Kind::Authorize => StepKind::Authorize,
            Kind::Par => StepKind::Par,
            Kind::Callback => StepKind::AuthorizationResponse,
            Kind::DeviceAuthorization => StepKind::DeviceAuthorization,
            Kind::Token => StepKind::Token,
            Kind::Introspection => StepKind::Introspection,
            Kind::Revocation => StepKind::Revocation,
            Kind::Userinfo => StepKind::Userinfo,
            Kind::Resource => StepKind::Resource,
            Kind::SignIn
            | Kind::Registration
            | Kind::ResourceMetadata
            | Kind::Preflight
            | Kind::Other => return None,
        })
    }

    /// Server-to-server requests that authenticate the client.
    pub fn authenticates_client(self) -> bool {
        matches!(
            self,
            StepKind::Token
                | StepKind::Par
                | StepKind::DeviceAuthorization
                | StepKind::Introspection
                | StepKind::Revocation
        )
    }
}

/// One OAuth step of a capture.
#[derive(Debug, Clone)]
pub struct Step {
    pub kind: StepKind,
    /// Token requests: the grant, shortened (`authorization_code`, `refresh_token`,
    /// `device_code`, `jwt-bearer` …); empty when the request names none.
    pub grant: String,
    /// What tells two steps of one kind apart: the API endpoint of a resource call.
    pub sub: String,
    /// The exchange (zero-based index in its capture).
    pub exchange: usize,
    /// Authorization responses: the parameters the client received (query and fragment).
    pub params: Option<Params>,
    /// Authorization responses: read from a `Location` header (true) or a callback request.
    pub via_location: bool,
    /// The step failed (HTTP or OAuth error).
    pub failed: bool,
}

impl Step {
    /// `token (authorization_code)`, `authorization response`, `resource GET api.example/v1/orders`.
    pub fn label(&self) -> String {
        match self.kind {
            StepKind::Token if !self.grant.is_empty() => format!("token ({})", self.grant),
            StepKind::Token => "token (no grant_type)".into(),
            StepKind::Resource => format!("resource {}", self.sub),
            StepKind::AuthorizationResponse => "authorization response".into(),
            StepKind::DeviceAuthorization => "device authorization".into(),
            k => k.as_str().into(),
        }
    }

    /// Position in the capture's timeline: the exchange, responses after their request.
    fn order(&self) -> (usize, u8) {
        (
            self.exchange,
            u8::from(self.kind == StepKind::AuthorizationResponse),
        )
    }
}

/// Grants (shortened) that are steps of their own.
const STANDARD_GRANTS: &[&str] = &[
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "password",
    "device_code",
    "jwt-bearer",
    "token-exchange",
    "saml2-bearer",
    "ciba",
];

/// The grant of a token request, shortened for display.
pub fn short_grant(g: &str) -> String {
    let g = g.trim();
    for (urn, short) in [
        (
            "urn:ietf:params:oauth:grant-type:device_code",
            "device_code",
        ),
        ("urn:ietf:params:oauth:grant-type:jwt-bearer", "jwt-bearer"),
        (
            "urn:ietf:params:oauth:grant-type:token-exchange",
            "token-exchange",
        ),
        (
            "urn:ietf:params:oauth:grant-type:saml2-bearer",
            "saml2-bearer",
        ),
        ("urn:openid:params:grant-type:ciba", "ciba"),
    ] {
        if g == urn {
            return short.into();
        }
    }
    g.to_string()
}

/// Path segments that are identifiers (numbers, UUIDs, long random runs) read as `{id}`, so two
/// calls of one API with different records are one step.
fn normalise_path(path: &str) -> String {
    path.split('/')
        .map(|s| {
            let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            let uuidish = s.len() >= 16
                && s.bytes().any(|b| b.is_ascii_digit())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if digits || uuidish { "{id}" } else { s }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What an exchange the classifier leaves as `other` is, when it is part of OAuth all the same:
/// a token request without `grant_type` or at a provider's own token URL (GitHub's
/// `/login/oauth/access_token`, Slack's `oauth.v2.access`, Facebook's GET), or an API call
/// refused for want of a valid token. Login pages, assets and plain page loads are not steps.
fn infer(e: &Exchange) -> Option<StepKind> {
    let r = &e.request;
    let has = |n: &str| {
        r.form.has(n) || r.json.as_ref().is_some_and(|j| j.get(n).is_some()) || r.query.has(n)
    };
    let path = r.path().to_ascii_lowercase();
    let token_path = path.ends_with("/token")
        || path.ends_with("/access_token")
        || path.ends_with("oauth.v2.access")
        || path.ends_with("oauth.access");
    let grant_params = [
        "grant_type",
        "code",
        "refresh_token",
        "device_code",
        "assertion",
    ];
    let client_params = ["client_id", "client_secret", "client_assertion"];
    let grant = grant_params.iter().any(|p| has(p));
    let client = client_params.iter().any(|p| has(p));
    let front_channel = r.query.has("response_type") || r.query.has("state");
    if !front_channel
        && ((r.method == "POST" && (grant || token_path))
            || (r.method == "GET" && token_path && grant && client))
    {
        return Some(StepKind::Token);
    }
    let resp = e.response.as_ref()?;
    let refused = matches!(resp.status, 401 | 403)
        || resp.headers.contains("www-authenticate")
        || super::server_error(e).is_some()
        // A provider's own API (Cognito's InitiateAuth) failing.
        || (resp.status >= 400 && e.provider.is_some());
    (refused && !resp.is_html() && !resp.is_redirect()).then_some(StepKind::Resource)
}

fn step_of(e: &Exchange, kind: StepKind) -> Step {
    let grant = if kind == StepKind::Token {
        e.request
            .param("grant_type")
            .map(|g| short_grant(&g))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let sub = if kind == StepKind::Resource {
        format!(
            "{} {}{}",
            e.request.method,
            e.request.host().unwrap_or(""),
            normalise_path(e.request.path())
        )
    } else {
        String::new()
    };
    Step {
        kind,
        grant,
        sub,
        exchange: e.index,
        params: None,
        via_location: false,
        failed: e.failed(),
    }
}

/// The steps of one capture, in timeline order.
pub fn steps(exchanges: &[Exchange], index: &Index) -> Vec<Step> {
    let mut out = Vec::new();
    for e in exchanges {
        let kind = match e.kind {
            Kind::Other => infer(e),
            k => StepKind::of(k),
        };
        let Some(kind) = kind else {
            continue;
        };
        if kind == StepKind::AuthorizationResponse {
            // Taken from the index below, with those read from `Location` headers.
            continue;
        }
        out.push(step_of(e, kind));
    }
    // Authorization responses: one per response, whether the capture holds the redirect's
    // `Location`, the callback request, or both.
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for a in &index.authz_responses {
        let key = (
            a.params
                .get("code")
                .or_else(|| a.params.get("error"))
                .or_else(|| a.params.get("access_token"))
                .or_else(|| a.params.get("id_token"))
                .unwrap_or("")
                .to_string(),
            a.params.get("state").unwrap_or("").to_string(),
        );
        if key.0.is_empty() || !seen.insert(key) {
            continue;
        }
        out.push(Step {
            kind: StepKind::AuthorizationResponse,
            grant: String::new(),
            sub: String::new(),
            exchange: a.exchange,
            failed: a.params.non_empty("error").is_some(),
            params: Some(a.params.clone()),
            via_location: a.via_location,
        });
    }
    out.sort_by_key(Step::order);
    out
}

/// Exchanges of this capture that are not steps but go to an endpoint the other capture has
/// as a step (a token endpoint BAD calls in a way the classifier does not recognise) become
/// that step.
pub fn adopt(exchanges: &[Exchange], steps: &mut Vec<Step>, other: &[Exchange], theirs: &[Step]) {
    let endpoints: Vec<(String, String, StepKind)> = theirs
        .iter()
        .filter(|s| s.kind != StepKind::AuthorizationResponse)
        .filter_map(|s| {
            let e = other.get(s.exchange)?;
            Some((e.request.method.clone(), e.request.endpoint(), s.kind))
        })
        .collect();
    let taken: HashSet<usize> = steps
        .iter()
        .filter(|s| s.kind != StepKind::AuthorizationResponse)
        .map(|s| s.exchange)
        .collect();
    let mut added = false;
    for e in exchanges {
        if taken.contains(&e.index) || !matches!(e.kind, Kind::Other) {
            continue;
        }
        let here = e.request.endpoint();
        if let Some((_, _, kind)) = endpoints
            .iter()
            .find(|(m, ep, _)| *m == e.request.method && *ep == here)
        {
            steps.push(step_of(e, *kind));
            added = true;
        }
    }
    if added {
        steps.sort_by_key(Step::order);
    }
}

/// GOOD's and BAD's steps paired (indexes into the step lists).
#[derive(Debug, Clone, Default)]
pub struct Pair {
    pub good: Option<usize>,
    pub bad: Option<usize>,
    /// When GOOD and BAD repeat this step a different number of times: (GOOD's count, BAD's).
    pub repeats: Option<(usize, usize)>,
}

/// Pair two lists of occurrences of one step: in order when the counts agree; otherwise the
/// first ones in order and the last with the last (the final attempt against the final attempt),
/// the rest left over.
fn pair_lists(g: &[usize], b: &[usize]) -> (Vec<(usize, usize)>, Vec<usize>, Vec<usize>) {
    if g.len() == b.len() {
        return (
            g.iter().copied().zip(b.iter().copied()).collect(),
            vec![],
            vec![],
        );
    }
    let n = g.len().min(b.len());
    if n == 0 {
        return (vec![], g.to_vec(), b.to_vec());
    }
    let mut pairs: Vec<(usize, usize)> = g[..n - 1]
        .iter()
        .copied()
        .zip(b[..n - 1].iter().copied())
        .collect();
    pairs.push((g[g.len() - 1], b[b.len() - 1]));
    (
        pairs,
        g[n - 1..g.len() - 1].to_vec(),
        b[n - 1..b.len() - 1].to_vec(),
    )
}

/// Align GOOD's and BAD's steps by kind (token requests by grant, resource calls by endpoint),
/// then what is left by kind alone; steps of one side only stay alone. The pairs come in
/// timeline order: GOOD's order, each step of BAD alone placed before the first pair that comes
/// after it in BAD.
pub fn align(good: &[Step], bad: &[Step]) -> Vec<Pair> {
    type Key = (StepKind, String, String);
    let key = |s: &Step| -> Key { (s.kind, s.grant.clone(), s.sub.clone()) };
    let mut pairs: Vec<Pair> = Vec::new();
    let mut g_left: Vec<usize> = Vec::new();
    let mut b_left: Vec<usize> = Vec::new();
    let mut groups: BTreeMap<Key, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, s) in good.iter().enumerate() {
        groups.entry(key(s)).or_default().0.push(i);
    }
    for (i, s) in bad.iter().enumerate() {
        groups.entry(key(s)).or_default().1.push(i);
    }
    for (g, b) in groups.values() {
        let (p, gl, bl) = pair_lists(g, b);
        let repeats =
            (!g.is_empty() && !b.is_empty() && g.len() != b.len()).then_some((g.len(), b.len()));
        let last = p.len().saturating_sub(1);
        for (i, (gi, bi)) in p.into_iter().enumerate() {
            pairs.push(Pair {
                good: Some(gi),
                bad: Some(bi),
                repeats: if i == last { repeats } else { None },
            });
        }
        // Extra repetitions of a step both sides perform are counted, not listed.
        if g.is_empty() || b.is_empty() {
            g_left.extend(gl);
            b_left.extend(bl);
        }
    }
    // Second pass: steps of one kind that differ in grant or endpoint (a misspelt grant, another
    // API host) are still that step.
    let mut by_kind: BTreeMap<StepKind, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for &i in &g_left {
        by_kind.entry(good[i].kind).or_default().0.push(i);
    }
    for &i in &b_left {
        by_kind.entry(bad[i].kind).or_default().1.push(i);
    }
    for (g, b) in by_kind.values() {
        let mut b_free: Vec<usize> = b.clone();
        for &gi in g {
            // Two different standard grants are two different steps; a grant and a misspelt or
            // missing one are the same step done wrong.
            let fits = |bi: &usize| {
                let (gg, bg) = (&good[gi].grant, &bad[*bi].grant);
                !(STANDARD_GRANTS.contains(&gg.as_str())
                    && STANDARD_GRANTS.contains(&bg.as_str())
                    && gg != bg)
            };
            match b_free.iter().position(fits) {
                Some(k) => {
                    let bi = b_free.remove(k);
                    pairs.push(Pair {
                        good: Some(gi),
                        bad: Some(bi),
                        repeats: None,
                    });
                }
                None => pairs.push(Pair {
                    good: Some(gi),
                    bad: None,
                    repeats: None,
                }),
            }
        }
        for bi in b_free {
            pairs.push(Pair {
                good: None,
                bad: Some(bi),
                repeats: None,
            });
        }
    }
    // Timeline order.
    let (mut with_good, bad_only): (Vec<Pair>, Vec<Pair>) =
        pairs.into_iter().partition(|p| p.good.is_some());
    with_good.sort_by_key(|p| p.good.map(|g| good[g].order()));
    let mut bad_only = bad_only;
    bad_only.sort_by_key(|p| p.bad.map(|b| bad[b].order()));
    let mut out: Vec<Pair> = Vec::with_capacity(with_good.len() + bad_only.len());
    let mut pending = bad_only.into_iter().peekable();
    for p in with_good {
        if let Some(b) = p.bad {
            while let Some(x) = pending.peek() {
                if x.bad.is_some_and(|xb| bad[xb].order() < bad[b].order()) {
                    out.extend(pending.next());
                } else {
                    break;
                }
            }
        }
        out.push(p);
    }
    out.extend(pending);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(kind: StepKind, grant: &str, exchange: usize) -> Step {
        Step {
            kind,
            grant: grant.into(),
            sub: String::new(),
            exchange,
            params: None,
            via_location: false,
            failed: false,
        }
    }

    #[test]
    fn steps_pair_by_kind_and_grant_not_by_position() {
        // GOOD: discovery, authorize, token (code), resource. BAD has no discovery and an
        // extra refresh.
        let good = vec![
            step(StepKind::Discovery, "", 0),
            step(StepKind::Authorize, "", 1),
            step(StepKind::Token, "authorization_code", 2),
            step(StepKind::Resource, "", 3),
        ];
        let bad = vec![
            step(StepKind::Authorize, "", 0),
            step(StepKind::Token, "authorization_code", 1),
            step(StepKind::Token, "refresh_token", 2),
            step(StepKind::Resource, "", 3),
        ];
        let pairs: Vec<(Option<usize>, Option<usize>)> =
            align(&good, &bad).iter().map(|p| (p.good, p.bad)).collect();
        assert_eq!(
            pairs,
            [
                (Some(0), None),
                (Some(1), Some(0)),
                (Some(2), Some(1)),
                (None, Some(2)),
                (Some(3), Some(3)),
            ]
        );
    }

    #[test]
    fn a_misspelt_grant_still_pairs_with_the_token_step() {
        let good = vec![step(StepKind::Token, "client_credentials", 0)];
        let bad = vec![step(StepKind::Token, "client-credentials", 0)];
        let p = align(&good, &bad);
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].good, p[0].bad), (Some(0), Some(0)));
    }

    #[test]
    fn two_standard_grants_are_two_steps() {
        let good = vec![step(StepKind::Token, "authorization_code", 0)];
        let bad = vec![step(StepKind::Token, "client_credentials", 0)];
        let p: Vec<(Option<usize>, Option<usize>)> =
            align(&good, &bad).iter().map(|p| (p.good, p.bad)).collect();
        assert_eq!(p, [(Some(0), None), (None, Some(0))]);
    }

    #[test]
    fn repeated_polls_pair_first_with_first_and_last_with_last() {
        let good: Vec<Step> = (0..3)
            .map(|i| step(StepKind::Token, "device_code", i))
            .collect();
        let bad: Vec<Step> = (0..5)
            .map(|i| step(StepKind::Token, "device_code", i))
            .collect();
        let p = align(&good, &bad);
        let pairs: Vec<(Option<usize>, Option<usize>)> =
            p.iter().map(|p| (p.good, p.bad)).collect();
        assert_eq!(
            pairs,
            [(Some(0), Some(0)), (Some(1), Some(1)), (Some(2), Some(4))]
        );
        assert_eq!(p[2].repeats, Some((3, 5)));
    }
}
