//! The flow as a picture, for every format that draws one: the lanes (browser, app, identity
//! provider, API) and the sequence of steps derived from the exchanges — CORS preflights folded
//! into the request they cleared, retries and runs of identical calls folded into one step, the
//! exchange the top cause explains marked, and a large capture cut down to groups around what
//! the findings point at. Built from the model and the ranked findings only: it judges nothing
//! (an exchange failed when the model says so) and writes nothing; the printers render it, and
//! every string they take from it goes through the redactor.

use super::Report;
use crate::diagnosis::Finding;
use crate::model::{Exchange, Kind};
use crate::redact::Redactor;
use std::collections::{BTreeSet, HashMap, HashSet};

/// A participant of the sequence diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lane {
    /// The user agent: front-channel navigations, and calls a single-page app makes itself.
    Browser,
    /// The client application (its back end, or the redirect URI it listens on).
    App,
    /// The authorization server: authorization, token, discovery, key set, userinfo endpoints.
    Provider,
    /// Protected resources called with a token.
    Api,
}

impl Lane {
    pub const ALL: [Lane; 4] = [Lane::Browser, Lane::App, Lane::Provider, Lane::Api];

    pub fn label(self) -> &'static str {
        match self {
            Lane::Browser => "browser",
            Lane::App => "app",
            Lane::Provider => "identity provider",
            Lane::Api => "API",
        }
    }

    /// A short identifier (HTML ids, Mermaid participant names).
    pub fn id(self) -> &'static str {
        match self {
            Lane::Browser => "browser",
            Lane::App => "app",
            Lane::Provider => "idp",
            Lane::Api => "api",
        }
    }
}

/// `host[:port]` of an exchange's URL, lower-cased; empty when the URL does not parse.
fn host_of(e: &Exchange) -> String {
    match &e.request.parsed {
        Some(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{}:{p}", h.to_ascii_lowercase()),
            (Some(h), None) => h.to_ascii_lowercase(),
            _ => String::new(),
        },
        None => String::new(),
    }
}

fn host_of_url(u: &str) -> Option<String> {
    let u = url::Url::parse(u).ok()?;
    let h = u.host_str()?.to_ascii_lowercase();
    Some(match u.port() {
        Some(p) => format!("{h}:{p}"),
        None => h,
    })
}

/// The role each host plays in a capture, from the kinds of the exchanges sent to it.
#[derive(Debug, Default)]
pub struct Roles {
    provider: HashSet<String>,
    app: HashSet<String>,
    api: HashSet<String>,
}

impl Roles {
    pub fn of<'a>(exchanges: impl IntoIterator<Item = &'a Exchange>) -> Roles {
        let mut r = Roles::default();
        for e in exchanges {
            let host = host_of(e);
            match e.kind {
                Kind::Callback => {
                    r.app.insert(host);
                }
                Kind::Resource => {
                    r.api.insert(host);
                }
                k if k.is_authorization_server() => {
                    r.provider.insert(host);
                }
                _ => {}
            }
            if matches!(e.kind, Kind::Authorize | Kind::Par | Kind::Token) {
                if let Some(h) = e
                    .request
                    .param("redirect_uri")
                    .and_then(|u| host_of_url(&u))
                {
                    r.app.insert(h);
                }
            }
        }
        r
    }

    /// The lane an exchange's request goes to.
    pub fn target(&self, e: &Exchange) -> Lane {
        match e.kind {
            Kind::Resource => Lane::Api,
            Kind::Callback => Lane::App,
            k if k.is_authorization_server() => Lane::Provider,
            _ => {
                let h = host_of(e);
                if self.provider.contains(&h) {
                    Lane::Provider
                } else if self.api.contains(&h) {
                    Lane::Api
                } else {
                    Lane::App
                }
            }
        }
    }

    /// The lane an exchange's request comes from: the browser for front-channel requests and
    /// for requests a browser marks as its own (`Origin`, `Sec-Fetch-*`), else the app.
    pub fn source(&self, e: &Exchange) -> Lane {
        let h = &e.request.headers;
        let browser_marks = h.contains("origin")
            || h.contains("sec-fetch-mode")
            || h.contains("sec-fetch-site")
            || h.contains("sec-fetch-dest");
        match e.kind {
            Kind::Authorize | Kind::Callback | Kind::Preflight => Lane::Browser,
            Kind::Other => {
                if browser_marks || self.target(e) != Lane::App {
                    Lane::Browser
                } else {
                    Lane::App
                }
            }
            _ if browser_marks => Lane::Browser,
            _ => Lane::App,
        }
    }
}

/// What one exchange got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// HTTP status; `None` when the capture holds no response, `Some(0)` when the request got
    /// no HTTP answer (aborted, blocked, network error).
    pub status: Option<u16>,
    /// The OAuth `error` code of the answer, if any.
    pub error: Option<String>,
    pub failed: bool,
    /// The browser received the answer but kept it from the page (CORS).
    pub blocked: bool,
    /// A page load whose answer the exporter did not record (a redirect hop).
    pub unrecorded: bool,
}

impl Outcome {
    pub fn of(e: &Exchange) -> Outcome {
        Outcome {
            status: e.status(),
            error: e.server_error().map(|er| er.code),
            failed: e.failed(),
            blocked: e.blocked_by_browser(),
            unrecorded: e.navigation_unrecorded(),
        }
    }

    /// `400 invalid_grant`, `302`, `no response`, `not captured`.
    pub fn text(&self, red: &Redactor) -> String {
        match self.status {
            None => "response not captured".into(),
            Some(0) if self.unrecorded => "answer not recorded".into(),
            Some(0) => "no response".into(),
            Some(s) if self.blocked => format!("{s} blocked by the browser"),
            Some(s) => match &self.error {
                Some(err) => format!("{s} {}", red.scrub(err)),
                None => s.to_string(),
            },
        }
    }
}

/// How the exchanges of a step were folded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    /// One exchange.
    Single,
    /// The same request sent again after it failed.
    Retries,
    /// The same request with the same outcome, again and again.
    Repeats,
}

/// One arrow of the diagram: an exchange, or several folded into one.
#[derive(Debug, Clone)]
pub struct Step {
    /// The folded exchanges (zero-based indexes), in capture order; never empty.
    pub exchanges: Vec<usize>,
    /// CORS preflights folded into this step (the `OPTIONS` requests that cleared it).
    pub preflights: Vec<usize>,
    pub from: Lane,
    pub to: Lane,
    pub kind: Kind,
    pub method: String,
    pub host: String,
    /// The URL path, as captured (printers scrub it).
    pub path: String,
    /// Each distinct outcome with how many exchanges got it, in order of first appearance.
    pub outcomes: Vec<(Outcome, usize)>,
    pub fold: Fold,
    /// This step holds the exchange the top cause explains.
    pub failing: bool,
    /// Some exchange of this step failed.
    pub failed: bool,
    /// How far the run's indexes of this step's input are from its own numbers (several
    /// inputs are numbered each from 1).
    pub offset: usize,
}

impl Step {
    /// The number outputs give exchange `i` of this step's input (`#4`).
    pub fn n(&self, i: usize) -> usize {
        i + 1 - self.offset
    }

    pub fn first(&self) -> usize {
        self.exchanges[0]
    }

    pub fn last(&self) -> usize {
        self.exchanges[self.exchanges.len() - 1]
    }

    /// `#4` or `#5–#7`.
    pub fn numbers(&self) -> String {
        if self.exchanges.len() == 1 {
            format!("#{}", self.n(self.first()))
        } else {
            format!("#{}–#{}", self.n(self.first()), self.n(self.last()))
        }
    }

    /// `400 invalid_grant`, or for folded steps `429 ×2, 200` / `200 ×1,234`.
    pub fn outcome_text(&self, red: &Redactor) -> String {
        self.outcomes
            .iter()
            .map(|(o, n)| {
                if *n > 1 {
                    format!("{} ×{}", o.text(red), thousands(*n))
                } else {
                    o.text(red)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The arrow's label: `#4 POST /token → 400 invalid_grant`, with the path scrubbed and
    /// cut to `max_path` characters.
    pub fn label(&self, red: &Redactor, max_path: usize) -> String {
        let mut s = format!(
            "{} {} {} → {}",
            self.numbers(),
            self.method,
            shorten(&red.scrub(&self.path), max_path),
            self.outcome_text(red)
        );
        if self.fold == Fold::Retries {
            s.push_str(" (retried)");
        }
        s
    }

    /// The step's name in the one-line flow: the endpoint kind, or for an unclassified
    /// exchange what it did.
    pub fn kind_name(&self, r: &Report<'_>) -> &'static str {
        match self.kind {
            Kind::Other => {
                let redirect = r
                    .exchanges
                    .get(self.first())
                    .and_then(|e| e.response.as_ref())
                    .is_some_and(|resp| resp.is_redirect());
                if redirect { "redirect" } else { "other" }
            }
            Kind::SignIn => "sign-in",
            k => k.as_str(),
        }
    }
}

/// Consecutive exchanges left out of a large picture, summarised.
#[derive(Debug, Clone)]
pub struct Gap {
    /// How many exchanges, and the first and last of them (zero-based).
    pub count: usize,
    pub first: usize,
    pub last: usize,
    /// The most frequent requests among them: (count, method, path), most frequent first.
    pub common: Vec<(usize, String, String)>,
}

#[derive(Debug, Clone)]
pub enum Item {
    Step(Step),
    Gap(Gap),
}

/// At most this many arrows in a picture of the whole capture; the rest becomes gaps.
pub const MAX_STEPS: usize = 120;

/// The sequence diagram of a capture, or of one flow of it.
#[derive(Debug)]
pub struct Picture {
    /// The lanes in use, in diagram order, each with the hosts seen on it.
    pub lanes: Vec<(Lane, Vec<String>)>,
    pub items: Vec<Item>,
    /// The exchange the top cause explains (zero-based), when it has one.
    pub focus: Option<usize>,
    /// For each exchange of the capture, the position in `items` that shows it.
    item_of: HashMap<usize, usize>,
}

impl Picture {
    /// The number outputs give exchange `i` (`#4`), when a step of the picture shows it.
    pub fn n(&self, i: usize) -> usize {
        match self.item_of.get(&i).and_then(|&k| self.items.get(k)) {
            Some(Item::Step(s)) => s.n(i),
            _ => i + 1,
        }
    }
}

/// The most probable cause: the first finding that is not latent.
pub fn top_finding<'a>(r: &Report<'a>) -> Option<&'a Finding> {
    r.findings.iter().find(|f| !f.latent)
}

impl Picture {
    /// Every exchange of the capture, folded; a capture with more than [`MAX_STEPS`] arrows
    /// keeps the steps the findings point at and summarises the rest in gaps.
    pub fn whole(r: &Report<'_>) -> Picture {
        let all: Vec<usize> = (0..r.exchanges.len()).collect();
        Picture::build(r, &all, MAX_STEPS)
    }

    /// The flow of the exchange the top cause explains — or, when nothing failed, the flow
    /// with the most OAuth exchanges — with the discovery and key-set fetches it relied on.
    pub fn focus_flow(r: &Report<'_>) -> Picture {
        Picture::focus_flow_within(r, MAX_STEPS)
    }

    /// [`Picture::focus_flow`] with at most `max` arrows.
    pub fn focus_flow_within(r: &Report<'_>, max: usize) -> Picture {
        let set = focus_exchanges(r);
        Picture::build(r, &set, max)
    }

    fn build(r: &Report<'_>, set: &[usize], max: usize) -> Picture {
        let roles = Roles::of(set.iter().filter_map(|&i| r.exchanges.get(i)));
        let focus = top_finding(r).and_then(|f| f.anchor);
        let steps = fold(r.exchanges, set, &roles, focus);
        let items = if steps.len() <= max {
            steps.into_iter().map(Item::Step).collect()
        } else {
            cut(r, steps, max, focus)
        };
        let mut item_of = HashMap::new();
        let mut lanes: Vec<(Lane, Vec<String>)> = Vec::new();
        for (pos, it) in items.iter().enumerate() {
            match it {
                Item::Step(s) => {
                    for &i in s.exchanges.iter().chain(&s.preflights) {
                        item_of.insert(i, pos);
                    }
                    for (lane, host) in [(s.from, None), (s.to, Some(&s.host))] {
                        let at = match lanes.iter().position(|(l, _)| *l == lane) {
                            Some(at) => at,
                            None => {
                                lanes.push((lane, Vec::new()));
                                lanes.len() - 1
                            }
                        };
                        if let Some(h) = host.filter(|h| !h.is_empty()) {
                            if !lanes[at].1.contains(h) {
                                lanes[at].1.push(h.clone());
                            }
                        }
                    }
                }
                Item::Gap(g) => {
                    for &i in set.iter().filter(|&&i| i >= g.first && i <= g.last) {
                        item_of.entry(i).or_insert(pos);
                    }
                }
            }
        }
        lanes.sort_by_key(|(l, _)| *l);
        Picture {
            lanes,
            items,
            focus,
            item_of,
        }
    }

    /// The id of the element that shows exchange `i` (zero-based): `ex-N` for the step it is
    /// folded into (N the step's first exchange number), `gap-N` for a gap.
    pub fn anchor_of(&self, i: usize) -> Option<String> {
        let pos = *self.item_of.get(&i)?;
        Some(match &self.items[pos] {
            Item::Step(s) => format!("ex-{}", s.first() + 1),
            Item::Gap(g) => format!("gap-{}", g.first + 1),
        })
    }

    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.items.iter().filter_map(|i| match i {
            Item::Step(s) => Some(s),
            Item::Gap(_) => None,
        })
    }

    /// The flow on one line, the middle of a long flow elided:
    /// `discovery #1 ✓ → authorize #2 ✓ → redirect #3 ✓ → token #4 ✗ 400 invalid_grant`.
    pub fn flow_line(&self, r: &Report<'_>) -> String {
        const KEEP_EACH_END: usize = 3;
        let red = r.redactor;
        let words: Vec<String> = self
            .items
            .iter()
            .map(|it| match it {
                Item::Step(s) => {
                    let mark = if s.failed { "✗" } else { "✓" };
                    let mut w = format!("{} {} {mark}", s.kind_name(r), s.numbers());
                    if s.failed || s.exchanges.len() > 1 {
                        w.push(' ');
                        w.push_str(&s.outcome_text(red));
                    }
                    w
                }
                Item::Gap(g) => format!("… {} more …", thousands(g.count)),
            })
            .collect();
        let focus_pos = self
            .focus
            .and_then(|f| self.item_of.get(&f).copied())
            .unwrap_or(words.len().saturating_sub(1));
        if words.len() <= 2 * KEEP_EACH_END + 1 {
            return words.join(" → ");
        }
        let mut keep: BTreeSet<usize> = (0..KEEP_EACH_END)
            .chain(words.len() - KEEP_EACH_END..words.len())
            .collect();
        keep.insert(focus_pos);
        keep.insert(focus_pos.saturating_sub(1));
        let mut out: Vec<String> = Vec::new();
        let mut skipped = 0;
        for (i, w) in words.into_iter().enumerate() {
            if keep.contains(&i) {
                if skipped > 0 {
                    out.push(format!("… {skipped} more …"));
                    skipped = 0;
                }
                out.push(w);
            } else {
                skipped += 1;
            }
        }
        out.join(" → ")
    }
}

/// The exchanges of the focus flow, in capture order.
fn focus_exchanges(r: &Report<'_>) -> Vec<usize> {
    let idx = r.index;
    let flow = match top_finding(r).and_then(|f| f.anchor) {
        Some(a) => idx.flow_of.get(a).copied(),
        None => idx
            .flows
            .iter()
            .max_by_key(|f| {
                let count = |keep: fn(Kind) -> bool| {
                    f.exchanges
                        .iter()
                        .filter(|&&i| r.exchanges.get(i).is_some_and(|e| keep(e.kind)))
                        .count()
                };
                // Requests of a grant first (a lone discovery fetch is no flow), then any
                // OAuth exchange; the first of equal flows wins.
                let grant = count(|k| {
                    !matches!(
                        k,
                        Kind::Other | Kind::Discovery | Kind::Jwks | Kind::Preflight
                    )
                });
                let oauth = count(|k| k != Kind::Other);
                (grant, oauth, std::cmp::Reverse(f.id))
            })
            .map(|f| f.id),
    };
    let Some(flow) = flow.and_then(|id| idx.flows.get(id)) else {
        return Vec::new();
    };
    let mut set: BTreeSet<usize> = flow.exchanges.iter().copied().collect();
    let (Some(&first), Some(&last)) = (set.first(), set.last()) else {
        return Vec::new();
    };
    let hosts: HashSet<String> = set
        .iter()
        .filter_map(|&i| r.exchanges.get(i))
        .map(host_of)
        .collect();
    for e in &r.exchanges[..=last.min(r.exchanges.len().saturating_sub(1))] {
        if matches!(e.kind, Kind::Discovery | Kind::Jwks) && hosts.contains(&host_of(e)) {
            set.insert(e.index);
        }
        // The user signing in at the provider between the flow's first and last steps.
        if e.kind == Kind::SignIn && e.index > first && hosts.contains(&host_of(e)) {
            set.insert(e.index);
        }
    }
    // The preflights that cleared a request of the flow.
    let members: Vec<usize> = set.iter().copied().collect();
    for m in members {
        for p in m.saturating_sub(PREFLIGHT_WINDOW)..m {
            if preflight_for(&r.exchanges[p], &r.exchanges[m]) {
                set.insert(p);
            }
        }
    }
    set.into_iter().collect()
}

/// A preflight clears a request that follows within this many exchanges.
const PREFLIGHT_WINDOW: usize = 3;

fn preflight_for(p: &Exchange, e: &Exchange) -> bool {
    p.kind == Kind::Preflight
        && e.kind != Kind::Preflight
        && p.request.endpoint() == e.request.endpoint()
}

/// Steps over the exchanges `set` (indexes in capture order): preflights folded into the
/// request they cleared, then consecutive same requests folded — retries after failures, and
/// runs with one outcome.
fn fold(ex: &[Exchange], set: &[usize], roles: &Roles, focus: Option<usize>) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    // request exchange → the preflights that cleared it
    let mut cleared: HashMap<usize, Vec<usize>> = HashMap::new();
    for (k, &i) in set.iter().enumerate() {
        let Some(e) = ex.get(i) else { continue };
        if e.kind == Kind::Preflight {
            let target = set[k + 1..]
                .iter()
                .take(PREFLIGHT_WINDOW)
                .find(|&&j| ex.get(j).is_some_and(|n| preflight_for(e, n)));
            if let Some(&j) = target {
                cleared.entry(j).or_default().push(i);
                continue;
            }
        }
        let preflights = cleared.remove(&i).unwrap_or_default();
        let (from, to) = (roles.source(e), roles.target(e));
        let outcome = Outcome::of(e);
        if let Some(s) = steps.last_mut() {
            let same = s.from == from && s.to == to && signature(&ex[s.first()]) == signature(e);
            let all_failed = s.outcomes.iter().all(|(o, _)| o.failed);
            let one_outcome = s.outcomes.len() == 1 && s.outcomes[0].0 == outcome;
            if same && (all_failed || one_outcome) {
                s.fold = if all_failed {
                    Fold::Retries
                } else {
                    Fold::Repeats
                };
                s.exchanges.push(i);
                s.preflights.extend(preflights);
                match s.outcomes.iter_mut().find(|(o, _)| *o == outcome) {
                    Some((_, n)) => *n += 1,
                    None => s.outcomes.push((outcome.clone(), 1)),
                }
                s.failed |= outcome.failed;
                s.failing |= focus == Some(i);
                continue;
            }
        }
        steps.push(single(e, roles, focus, preflights));
    }
    steps
}

fn single(e: &Exchange, roles: &Roles, focus: Option<usize>, preflights: Vec<usize>) -> Step {
    let outcome = Outcome::of(e);
    Step {
        exchanges: vec![e.index],
        preflights,
        from: roles.source(e),
        to: roles.target(e),
        kind: e.kind,
        method: e.request.method.clone(),
        host: host_of(e),
        path: path_of(e),
        failed: outcome.failed,
        outcomes: vec![(outcome, 1)],
        fold: Fold::Single,
        failing: focus == Some(e.index),
        offset: e.index - e.ordinal,
    }
}

/// The URL path, or the URL as captured when it does not parse.
fn path_of(e: &Exchange) -> String {
    match &e.request.parsed {
        Some(u) => u.path().to_string(),
        None => e
            .request
            .url
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .to_string(),
    }
}

/// What makes two exchanges the same request for folding: method, endpoint, kind, and the
/// grant of a token request.
fn signature(e: &Exchange) -> (String, String, Kind, Option<String>) {
    (
        e.request.method.clone(),
        e.request.endpoint(),
        e.kind,
        if e.kind == Kind::Token {
            e.request.param("grant_type")
        } else {
            None
        },
    )
}

/// Keep at most `max` steps: those the findings point at (by rank), the focus and its
/// neighbours, the first and last few; consecutive others become gaps.
fn cut(r: &Report<'_>, steps: Vec<Step>, max: usize, focus: Option<usize>) -> Vec<Item> {
    const ENDS: usize = 8;
    let mut step_of: HashMap<usize, usize> = HashMap::new();
    for (k, s) in steps.iter().enumerate() {
        for &i in &s.exchanges {
            step_of.insert(i, k);
        }
    }
    let mut keep: BTreeSet<usize> = BTreeSet::new();
    keep.extend(0..ENDS.min(steps.len()));
    keep.extend(steps.len().saturating_sub(ENDS)..steps.len());
    if let Some(k) = focus.and_then(|f| step_of.get(&f).copied()) {
        keep.extend(k.saturating_sub(2)..(k + 3).min(steps.len()));
    }
    'findings: for f in r.findings {
        for i in f
            .anchor
            .into_iter()
            .chain(f.evidence.iter().map(|e| e.exchange))
        {
            if keep.len() >= max {
                break 'findings;
            }
            if let Some(&k) = step_of.get(&i) {
                keep.insert(k);
            }
        }
    }
    let mut items = Vec::new();
    let mut gap: Vec<Step> = Vec::new();
    let flush = |gap: &mut Vec<Step>, items: &mut Vec<Item>| {
        if gap.is_empty() {
            return;
        }
        let mut counts: HashMap<(String, String), usize> = HashMap::new();
        let mut order: Vec<(String, String)> = Vec::new();
        let mut count = 0;
        for s in gap.iter() {
            count += s.exchanges.len() + s.preflights.len();
            let key = (s.method.clone(), s.path.clone());
            if !counts.contains_key(&key) {
                order.push(key.clone());
            }
            *counts.entry(key).or_default() += s.exchanges.len();
        }
        let mut common: Vec<(usize, String, String)> =
            order.into_iter().map(|k| (counts[&k], k.0, k.1)).collect();
        common.sort_by_key(|c| std::cmp::Reverse(c.0));
        common.truncate(3);
        let first = gap
            .iter()
            .flat_map(|s| s.exchanges.iter().chain(&s.preflights))
            .min()
            .copied()
            .unwrap_or(0);
        let last = gap
            .iter()
            .flat_map(|s| s.exchanges.iter().chain(&s.preflights))
            .max()
            .copied()
            .unwrap_or(0);
        items.push(Item::Gap(Gap {
            count,
            first,
            last,
            common,
        }));
        gap.clear();
    };
    for (k, s) in steps.into_iter().enumerate() {
        if keep.contains(&k) {
            flush(&mut gap, &mut items);
            items.push(Item::Step(s));
        } else {
            gap.push(s);
        }
    }
    flush(&mut gap, &mut items);
    items
}

/// `1,234`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `text` cut to `max` characters with an ellipsis in the middle.
pub fn shorten(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max || max < 5 {
        return text.to_string();
    }
    let head = (max - 1) / 2;
    let tail = max - 1 - head;
    let h: String = text.chars().take(head).collect();
    let t: String = text.chars().skip(n - tail).collect();
    format!("{h}…{t}")
}

/// `text` cut to its first `max` characters, saying how much was left out.
pub fn shorten_end(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max).collect();
    format!(
        "{head}\n… ({} more characters not shown)",
        thousands(n - max)
    )
}

// ---- the differential diagnosis -------------------------------------------------------------

/// The differential diagnosis of each failing exchange, as the analysis weighed it.
pub fn differentials<'a>(r: &Report<'a>) -> &'a [crate::diagnose::Diagnosis] {
    r.diagnoses
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture;
    use crate::rules::Options;
    use crate::{Analysis, RuleFilter, analyze};
    use serde_json::{Value, json};
    use std::sync::Arc;

    fn ex(
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
        status: u16,
        rheaders: &[(&str, &str)],
        rbody: &str,
    ) -> Value {
        let mut h: Vec<Value> = headers.iter().map(|(k, v)| json!([k, v])).collect();
        if body.is_some()
            && !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            h.push(json!(["Content-Type", "application/x-www-form-urlencoded"]));
        }
        let mut rh: Vec<Value> = rheaders.iter().map(|(k, v)| json!([k, v])).collect();
        if rbody.starts_with('{') {
            rh.push(json!(["Content-Type", "application/json"]));
        }
        json!({
            "request": {"method": method, "url": url, "headers": h, "body": body},
            "response": {"status": status, "headers": rh, "body": rbody},
        })
    }

    fn analysis(exchanges: Vec<Value>) -> Analysis {
        let doc = json!({ "exchanges": exchanges }).to_string();
        let loaded = capture::load_bytes(Arc::from("t.json"), doc.as_bytes()).unwrap();
        analyze(
            loaded.exchanges,
            &Options::default(),
            &RuleFilter::default(),
        )
    }

    fn with_report<T>(a: &Analysis, f: impl FnOnce(&Report<'_>) -> T) -> T {
        let red = Redactor::new(&a.exchanges, false);
        let inputs = vec!["t.json".to_string()];
        let r = Report {
            findings: &a.findings,
            exchanges: &a.exchanges,
            index: &a.index,
            diagnoses: &[],
            skipped: &[],
            inputs: &inputs,
            sanitized: false,
            ignored: 0,
            summarised: 0,
            groups: &[],
            redactor: &red,
        };
        f(&r)
    }

    const AUTHZ: &str = "https://idp.example.com/authorize?response_type=code&client_id=app&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=st-123456&scope=openid";

    fn code_flow(
        token_status: u16,
        token_body: &str,
        token_headers: &[(&str, &str)],
    ) -> Vec<Value> {
        vec![
            ex(
                "GET",
                "https://idp.example.com/.well-known/openid-configuration",
                &[],
                None,
                200,
                &[],
                r#"{"issuer":"https://idp.example.com","authorization_endpoint":"https://idp.example.com/authorize","token_endpoint":"https://idp.example.com/token"}"#,
            ),
            ex(
                "GET",
                AUTHZ,
                &[("Sec-Fetch-Mode", "navigate")],
                None,
                302,
                &[(
                    "Location",
                    "https://app.example.com/cb?code=c0de-abcdefghijkl&state=st-123456",
                )],
                "",
            ),
            ex(
                "GET",
                "https://app.example.com/cb?code=c0de-abcdefghijkl&state=st-123456",
                &[("Sec-Fetch-Mode", "navigate")],
                None,
                200,
                &[],
                "<html></html>",
            ),
            ex(
                "POST",
                "https://idp.example.com/token",
                token_headers,
                Some(
                    "grant_type=authorization_code&code=c0de-abcdefghijkl&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&client_id=app",
                ),
                token_status,
                &[],
                token_body,
            ),
        ]
    }

    #[test]
    fn lanes_follow_the_roles_of_the_hosts() {
        let a = analysis(code_flow(400, r#"{"error":"invalid_grant"}"#, &[]));
        let lanes: Vec<(Lane, Lane, Kind)> = a
            .exchanges
            .iter()
            .map(|e| {
                let roles = Roles::of(&a.exchanges);
                (roles.source(e), roles.target(e), e.kind)
            })
            .collect();
        assert_eq!(
            lanes,
            [
                (Lane::App, Lane::Provider, Kind::Discovery),
                (Lane::Browser, Lane::Provider, Kind::Authorize),
                (Lane::Browser, Lane::App, Kind::Callback),
                (Lane::App, Lane::Provider, Kind::Token),
            ]
        );
        with_report(&a, |r| {
            let p = Picture::whole(r);
            let lanes: Vec<Lane> = p.lanes.iter().map(|(l, _)| *l).collect();
            assert_eq!(lanes, [Lane::Browser, Lane::App, Lane::Provider]);
            assert_eq!(p.lanes[1].1, ["app.example.com"]);
            assert_eq!(p.lanes[2].1, ["idp.example.com"]);
        });
    }

    #[test]
    fn a_token_request_the_browser_sends_itself_starts_in_the_browser() {
        let a = analysis(code_flow(
            400,
            r#"{"error":"invalid_grant"}"#,
            &[("Origin", "https://app.example.com")],
        ));
        let roles = Roles::of(&a.exchanges);
        let token = &a.exchanges[3];
        assert_eq!(token.kind, Kind::Token);
        assert_eq!(
            (roles.source(token), roles.target(token)),
            (Lane::Browser, Lane::Provider)
        );
    }

    #[test]
    fn the_failing_exchange_is_marked_and_named_on_the_flow_line() {
        let a = analysis(code_flow(400, r#"{"error":"invalid_grant"}"#, &[]));
        with_report(&a, |r| {
            let p = Picture::focus_flow(r);
            assert_eq!(p.focus, Some(3));
            let failing: Vec<usize> = p.steps().filter(|s| s.failing).map(Step::first).collect();
            assert_eq!(failing, [3]);
            assert_eq!(
                p.flow_line(r),
                "discovery #1 ✓ → authorize #2 ✓ → callback #3 ✓ → token #4 ✗ 400 invalid_grant"
            );
            let label = p.steps().last().unwrap().label(r.redactor, 40);
            assert_eq!(label, "#4 POST /token → 400 invalid_grant");
        });
    }

    #[test]
    fn preflights_fold_into_the_request_they_cleared() {
        let mut x = code_flow(
            200,
            r#"{"access_token":"at-abcdefghijklmnop","token_type":"Bearer"}"#,
            &[("Origin", "https://app.example.com")],
        );
        x.insert(
            3,
            ex(
                "OPTIONS",
                "https://idp.example.com/token",
                &[
                    ("Origin", "https://app.example.com"),
                    ("Access-Control-Request-Method", "POST"),
                ],
                None,
                204,
                &[("Access-Control-Allow-Origin", "https://app.example.com")],
                "",
            ),
        );
        let a = analysis(x);
        assert_eq!(a.exchanges[3].kind, Kind::Preflight);
        with_report(&a, |r| {
            let p = Picture::whole(r);
            let steps: Vec<&Step> = p.steps().collect();
            assert_eq!(steps.len(), 4, "{steps:#?}");
            assert_eq!(steps[3].exchanges, [4]);
            assert_eq!(steps[3].preflights, [3]);
            assert_eq!(p.anchor_of(3).as_deref(), Some("ex-5"));
        });
    }

    #[test]
    fn a_preflight_with_nothing_after_it_stays_a_step() {
        let a = analysis(vec![ex(
            "OPTIONS",
            "https://idp.example.com/token",
            &[("Origin", "https://app.example.com")],
            None,
            403,
            &[],
            "",
        )]);
        with_report(&a, |r| {
            let p = Picture::whole(r);
            let steps: Vec<&Step> = p.steps().collect();
            assert_eq!(steps.len(), 1);
            assert_eq!(steps[0].kind, Kind::Preflight);
            assert_eq!(steps[0].from, Lane::Browser);
        });
    }

    fn cc(status: u16) -> Value {
        let body = if status == 200 {
            r#"{"access_token":"at-abcdefghijklmnop","token_type":"Bearer"}"#
        } else {
            r#"{"error":"too_many_requests"}"#
        };
        ex(
            "POST",
            "https://idp.example.com/token",
            &[],
            Some("grant_type=client_credentials&client_id=m2m&client_secret=s3cret-s3cret"),
            status,
            &[],
            body,
        )
    }

    #[test]
    fn retries_fold_into_one_step_until_one_goes_through() {
        let a = analysis(vec![cc(429), cc(429), cc(200), cc(200)]);
        with_report(&a, |r| {
            let p = Picture::whole(r);
            let steps: Vec<&Step> = p.steps().collect();
            assert_eq!(steps.len(), 2, "{steps:#?}");
            assert_eq!(steps[0].exchanges, [0, 1, 2]);
            assert_eq!(steps[0].fold, Fold::Retries);
            assert_eq!(
                steps[0].label(r.redactor, 40),
                "#1–#3 POST /token → 429 too_many_requests ×2, 200 (retried)"
            );
            assert_eq!(steps[1].exchanges, [3]);
            assert_eq!(steps[1].fold, Fold::Single);
        });
    }

    #[test]
    fn a_failure_after_a_success_is_not_folded_into_it() {
        let a = analysis(vec![cc(200), cc(429)]);
        with_report(&a, |r| {
            let p = Picture::whole(r);
            assert_eq!(p.steps().count(), 2);
            let failing: Vec<usize> = p.steps().filter(|s| s.failing).map(Step::first).collect();
            assert_eq!(failing, [1]);
        });
    }

    /// A call to the API with a token of its own: the loader keeps only the first successful
    /// call per token, so a capture of many kept calls presents many tokens.
    fn api_call(n: usize, status: u16) -> Value {
        ex(
            "GET",
            &format!("https://api.example.com/v1/items?page={n}"),
            &[("Authorization", &format!("Bearer at-{n}-abcdefghijklmnop"))],
            None,
            status,
            &[],
            "{}",
        )
    }

    #[test]
    fn runs_of_identical_calls_fold_into_one_counted_step() {
        let mut x = vec![cc(200)];
        x.extend((0..1234).map(|n| api_call(n, 200)));
        let loaded_count = x.len();
        let a = analysis(x);
        // The loader keeps every exchange of a dump.
        assert_eq!(a.exchanges.len(), loaded_count);
        with_report(&a, |r| {
            let p = Picture::whole(r);
            let steps: Vec<&Step> = p.steps().collect();
            assert_eq!(steps.len(), 2);
            assert_eq!(steps[1].fold, Fold::Repeats);
            assert_eq!(steps[1].to, Lane::Api);
            assert_eq!(
                steps[1].label(r.redactor, 40),
                "#2–#1235 GET /v1/items → 200 ×1,234"
            );
        });
    }

    #[test]
    fn a_large_capture_keeps_what_the_findings_point_at_and_summarises_the_rest() {
        // Alternating calls that cannot fold: 600 steps.
        let mut x = Vec::new();
        for n in 0..300 {
            x.push(api_call(n, 200));
            x.push(ex(
                "GET",
                "https://api.example.com/v1/other",
                &[(
                    "Authorization",
                    &format!("Bearer other-{n}-abcdefghijklmnop"),
                )],
                None,
                200,
                &[],
                "{}",
            ));
        }
        x.push(cc(429));
        let a = analysis(x);
        with_report(&a, |r| {
            let p = Picture::whole(r);
            let steps = p.steps().count();
            assert!(steps <= MAX_STEPS, "{steps}");
            let gaps: Vec<&Gap> = p
                .items
                .iter()
                .filter_map(|i| match i {
                    Item::Gap(g) => Some(g),
                    _ => None,
                })
                .collect();
            assert!(!gaps.is_empty());
            let shown: usize = p.steps().map(|s| s.exchanges.len()).sum::<usize>()
                + gaps.iter().map(|g| g.count).sum::<usize>();
            assert_eq!(
                shown,
                a.exchanges.len(),
                "every exchange is drawn or counted in a gap"
            );
            assert!(p.steps().last().unwrap().failing);
            assert_eq!(gaps[0].common[0].1, "GET");
            // Every exchange has an anchor: its step or its gap.
            assert!((0..a.exchanges.len()).all(|i| p.anchor_of(i).is_some()));
        });
    }

    #[test]
    fn a_long_flow_line_elides_its_middle_but_keeps_the_failure() {
        // One flow: each refresh issues the access token the next API call presents and the
        // refresh token the next refresh redeems.
        let mut x = Vec::new();
        for n in 0..6 {
            x.push(ex(
                "POST",
                "https://idp.example.com/token",
                &[],
                Some(&format!("grant_type=refresh_token&refresh_token=rt-{n}-abcdefghijkl&client_id=app")),
                200,
                &[],
                &format!(
                    r#"{{"access_token":"at-{n}-abcdefghijkl","token_type":"Bearer","refresh_token":"rt-{}-abcdefghijkl"}}"#,
                    n + 1
                ),
            ));
            x.push(ex(
                "GET",
                &format!("https://api.example.com/v1/r{n}"),
                &[("Authorization", &format!("Bearer at-{n}-abcdefghijkl"))],
                None,
                if n == 5 { 401 } else { 200 },
                if n == 5 {
                    &[("WWW-Authenticate", r#"Bearer error="invalid_token""#)]
                } else {
                    &[]
                },
                "",
            ));
        }
        let a = analysis(x);
        with_report(&a, |r| {
            let p = Picture::focus_flow(r);
            assert_eq!(p.steps().count(), 12);
            let line = p.flow_line(r);
            assert!(
                line.starts_with("token #1 ✓ → resource #2 ✓ → token #3 ✓ → … 6 more … → "),
                "{line}"
            );
            assert!(
                line.ends_with("resource #10 ✓ → token #11 ✓ → resource #12 ✗ 401 invalid_token"),
                "{line}"
            );
        });
    }

    #[test]
    fn numbers_are_written_with_thousands_separators() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(100000), "100,000");
        assert_eq!(shorten("/a/very/long/path/indeed", 10), "/a/v…ndeed");
    }
}
