//! `oauth-doctor diff GOOD BAD`: what differs, by meaning, between a capture that works and one
//! that fails. Both captures are loaded and analysed as `check` analyses them; their OAuth steps
//! are aligned by kind ([`align`]); each aligned pair is compared on what matters to OAuth
//! ([`compare`], [`timing`]), values that differ on every run only by their [`shape`]; and the
//! differences are ranked ([`rank`]): those that can explain BAD's failure first, each linked to
//! the rule BAD's own diagnosis reports or to a documented reason ([`reasons`]). The printers
//! ([`text`], [`json`], [`markdown`]) render through one [`Redactor`] that knows the secrets of
//! both captures. This module decides no exit status beyond returning it to `app`.

pub mod align;
pub mod compare;
pub mod json;
pub mod markdown;
pub mod rank;
pub mod reasons;
pub mod shape;
pub mod text;
pub mod timing;

use crate::capture::Skipped;
use crate::diagnosis::{Category, Value};
use crate::model::Exchange;
use crate::redact::Redactor;
use crate::rules::Options;
use crate::{Analysis, RuleFilter, analyze, capture};
use align::{Pair, Step};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::io::Write;

/// Exit statuses (the same as `check`'s): 0 no difference can explain a failure, 1 one can.
pub const EXIT_NOTHING_EXPLAINS: i32 = 0;
pub const EXIT_EXPLAINED: i32 = 1;

/// `--format` of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// What part of a step differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    /// A step one capture has and the other has not.
    Step,
    /// Scheme, host, port, tenant, version, path or method.
    Endpoint,
    /// How the client authenticates, and how it encodes its credentials.
    ClientAuthentication,
    /// Form, JSON or multipart body; `Content-Type`.
    BodyEncoding,
    /// A request parameter: present, absent, duplicated, its place, its value or its shape.
    Parameter,
    /// `Authorization` scheme, the presented token, `DPoP`, `Origin`, `Accept`.
    Header,
    /// Times against lifetimes and clocks.
    Timing,
    /// Status, error, and what a successful response granted.
    Response,
}

impl Aspect {
    pub fn as_str(self) -> &'static str {
        match self {
            Aspect::Step => "step",
            Aspect::Endpoint => "endpoint",
            Aspect::ClientAuthentication => "client_authentication",
            Aspect::BodyEncoding => "body_encoding",
            Aspect::Parameter => "parameter",
            Aspect::Header => "header",
            Aspect::Timing => "timing",
            Aspect::Response => "response",
        }
    }
}

/// What a difference means for BAD's failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// It can explain the failure: a rule of BAD's diagnosis or a documented reason says so,
    /// and it happens at or before the failing step.
    Cause,
    /// A difference that explains nothing here (after the failure, or of no known effect).
    Other,
    /// The failure itself: BAD's response differs from GOOD's.
    Symptom,
    /// A step GOOD performs after the point where BAD failed: BAD never got there.
    NotReached,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Cause => "cause",
            Role::Other => "other",
            Role::Symptom => "symptom",
            Role::NotReached => "not_reached",
        }
    }
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    Query,
    Fragment,
    Body,
    Header,
}

impl Place {
    pub fn as_str(self) -> &'static str {
        match self {
            Place::Query => "query",
            Place::Fragment => "fragment",
            Place::Body => "body",
            Place::Header => "header",
        }
    }
}

/// A finding of BAD's own diagnosis that names a difference.
#[derive(Debug, Clone)]
pub struct Link {
    pub rule: &'static str,
    pub title: String,
    pub message: String,
    pub fix: String,
    pub references: Vec<String>,
    /// The finding's rank in BAD's diagnosis.
    pub rank: usize,
}

/// One difference between GOOD and BAD.
#[derive(Debug, Clone)]
pub struct Difference {
    /// The aligned pair of steps (index into [`Diff::pairs`]); `None` for the whole capture.
    pub pair: Option<usize>,
    /// The exchanges involved (zero-based, in their own capture).
    pub good_exchange: Option<usize>,
    pub bad_exchange: Option<usize>,
    pub aspect: Aspect,
    /// What differs: a parameter or header name, `host`, `tenant`, `method`, `clock` …
    pub field: String,
    pub place: Option<Place>,
    pub good: Option<Value>,
    pub bad: Option<Value>,
    /// What BAD does differently, in one sentence.
    pub message: String,
    /// What to change in BAD when no rule of BAD's diagnosis says it.
    pub fix: String,
    pub category: Category,
    /// Evidence names that tie a rule's finding to this difference (`redirect_uri`,
    /// `authorization`, `content-type` …).
    pub keys: Vec<&'static str>,
    /// Further root-cause categories of BAD's findings this difference can account for (another
    /// tenant or host does not know the client: a `credentials` finding there is this).
    pub also_categories: Vec<Category>,
    /// The documented reason this kind of difference can make a request fail (an id of
    /// [`reasons::REASONS`]); `None` when it is not known to matter.
    pub reason: Option<&'static str>,
    /// Order among differences that no rule links: lower first.
    pub weight: u8,
    pub role: Role,
    pub link: Option<Link>,
    /// 1-based, set by ranking.
    pub rank: usize,
    /// Other steps where the very same difference occurs: (pair, GOOD's exchange, BAD's).
    pub also: Vec<(usize, Option<usize>, Option<usize>)>,
}

impl Difference {
    pub fn new(aspect: Aspect, field: impl Into<String>, category: Category) -> Difference {
        Difference {
            pair: None,
            good_exchange: None,
            bad_exchange: None,
            aspect,
            field: field.into(),
            place: None,
            good: None,
            bad: None,
            message: String::new(),
            fix: String::new(),
            category,
            keys: Vec::new(),
            also_categories: Vec::new(),
            reason: None,
            weight: 50,
            role: Role::Other,
            link: None,
            rank: 0,
            also: Vec::new(),
        }
    }

    pub fn message(mut self, m: impl Into<String>) -> Self {
        self.message = m.into();
        self
    }

    pub fn fix(mut self, f: impl Into<String>) -> Self {
        self.fix = f.into();
        self
    }

    pub fn values(mut self, good: Option<Value>, bad: Option<Value>) -> Self {
        self.good = good;
        self.bad = bad;
        self
    }

    pub fn text(self, good: impl Into<String>, bad: impl Into<String>) -> Self {
        self.values(
            Some(Value::Text(good.into())),
            Some(Value::Text(bad.into())),
        )
    }

    pub fn reason(mut self, r: Option<&'static str>) -> Self {
        self.reason = r;
        self
    }

    pub fn weight(mut self, w: u8) -> Self {
        self.weight = w;
        self
    }

    pub fn keys(mut self, k: &[&'static str]) -> Self {
        self.keys = k.to_vec();
        self
    }

    pub fn place(mut self, p: Option<Place>) -> Self {
        self.place = p;
        self
    }

    /// Whether this difference can explain BAD's failure.
    pub fn explains(&self) -> bool {
        self.role == Role::Cause
    }
}

/// One capture, loaded, analysed and cut into steps.
pub struct Capture {
    /// The name the user gave (`<stdin>` for `-`).
    pub name: String,
    pub analysis: Analysis,
    pub skipped: Vec<Skipped>,
    pub steps: Vec<Step>,
    /// Token value → (the response field that issued it, the exchange): the first issue.
    pub issued: HashMap<String, (&'static str, usize)>,
}

impl Capture {
    /// Analyse loaded exchanges as `check` does and find their steps.
    pub fn new(name: &str, loaded: capture::Loaded, options: &Options) -> Capture {
        let analysis = analyze(loaded.exchanges, options, &RuleFilter::default());
        let steps = align::steps(&analysis.exchanges, &analysis.index);
        let mut issued = HashMap::new();
        for e in &analysis.exchanges {
            let Some(r) = &e.response else { continue };
            for f in ["access_token", "id_token", "refresh_token"] {
                if let Some(v) = r.field(f) {
                    issued.entry(v.to_string()).or_insert((f, e.index));
                }
            }
        }
        Capture {
            name: name.to_string(),
            analysis,
            skipped: loaded.skipped,
            steps,
            issued,
        }
    }

    pub fn exchange(&self, i: usize) -> Option<&Exchange> {
        self.analysis.exchanges.get(i)
    }
}

/// Options of a comparison.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// Clock tolerance in seconds.
    pub leeway: i64,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions { leeway: 60 }
    }
}

/// The comparison of two captures.
pub struct Diff {
    pub good: Capture,
    pub bad: Capture,
    pub pairs: Vec<Pair>,
    /// Ranked: causes first, then other differences, symptoms, steps not reached.
    pub differences: Vec<Difference>,
    /// The pair where BAD first fails and GOOD does not fail the same way.
    pub failure: Option<usize>,
}

impl Diff {
    /// Compare GOOD and BAD.
    pub fn new(mut good: Capture, mut bad: Capture, options: &DiffOptions) -> Diff {
        align::adopt(
            &good.analysis.exchanges,
            &mut good.steps,
            &bad.analysis.exchanges,
            &bad.steps,
        );
        align::adopt(
            &bad.analysis.exchanges,
            &mut bad.steps,
            &good.analysis.exchanges,
            &good.steps,
        );
        let pairs = align::align(&good.steps, &bad.steps);
        let mut differences = Vec::new();
        for (i, p) in pairs.iter().enumerate() {
            compare::compare_pair(&good, &bad, i, p, &mut differences);
        }
        timing::compare(&good, &bad, &pairs, options, &mut differences);
        let labels: Vec<String> = pairs
            .iter()
            .map(|p| match (p.good, p.bad) {
                (_, Some(b)) => bad.steps[b].label(),
                (Some(g), None) => good.steps[g].label(),
                (None, None) => String::new(),
            })
            .collect();
        let mut differences = merge(differences, &labels);
        let failure = rank::first_failure(&good, &bad, &pairs);
        rank::rank(&good, &bad, &pairs, failure, &mut differences);
        Diff {
            good,
            bad,
            pairs,
            differences,
            failure,
        }
    }

    /// Whether some difference can explain BAD's failure.
    pub fn explained(&self) -> bool {
        self.differences.iter().any(Difference::explains)
    }

    /// `token (authorization_code)` for a pair.
    pub fn step_label(&self, pair: usize) -> String {
        let Some(p) = self.pairs.get(pair) else {
            return "capture".into();
        };
        match (p.good, p.bad) {
            (_, Some(b)) => self.bad.steps[b].label(),
            (Some(g), None) => self.good.steps[g].label(),
            (None, None) => String::new(),
        }
    }

    /// A redactor that knows every secret of both captures: equal values show equal
    /// fingerprints whichever capture they come from.
    pub fn redactor(&self, show: bool) -> Redactor {
        let mut set = BTreeSet::new();
        let mut chosen = BTreeSet::new();
        if !show {
            for e in self
                .good
                .analysis
                .exchanges
                .iter()
                .chain(&self.bad.analysis.exchanges)
            {
                crate::redact::secrets_of(e, &mut set);
                crate::redact::chosen_of(e, &mut chosen);
            }
        }
        // One salt for both captures: a secret both hold shows one fingerprint.
        Redactor::from_secrets(set, show).with_chosen(chosen)
    }
}

/// One difference repeated on several steps (the same other port on every request, the same
/// other client_id in the authorization and the token request) is one difference: the first
/// occurrence is kept and names the other steps.
fn merge(diffs: Vec<Difference>, labels: &[String]) -> Vec<Difference> {
    let mut out: Vec<Difference> = Vec::with_capacity(diffs.len());
    let mut first: HashMap<String, usize> = HashMap::new();
    for d in diffs {
        let mergeable = d.pair.is_some()
            && matches!(
                d.aspect,
                Aspect::Endpoint
                    | Aspect::ClientAuthentication
                    | Aspect::BodyEncoding
                    | Aspect::Parameter
                    | Aspect::Header
            );
        if !mergeable {
            out.push(d);
            continue;
        }
        let key = format!(
            "{:?}\u{0}{}\u{0}{:?}\u{0}{:?}",
            d.aspect, d.field, d.good, d.bad
        );
        match (first.get(&key), d.pair) {
            (Some(&i), Some(p)) => out[i].also.push((p, d.good_exchange, d.bad_exchange)),
            _ => {
                first.insert(key, out.len());
                out.push(d);
            }
        }
    }
    for d in &mut out {
        if !d.also.is_empty() {
            let mut names: Vec<&str> = Vec::new();
            for (p, _, _) in &d.also {
                if let Some(l) = labels.get(*p) {
                    if !names.contains(&l.as_str()) {
                        names.push(l);
                    }
                }
            }
            let n = d.also.len();
            d.message.push_str(&if n == names.len() {
                format!("; the same in {}", names.join(", "))
            } else {
                format!("; the same in {n} more step(s): {}", names.join(", "))
            });
        }
    }
    out
}

/// The `Authorization: Basic` credentials of a request. The one place this module asks for
/// them.
pub(crate) fn basic_of(r: &crate::model::Request) -> Option<crate::oauth::basic::BasicCredentials> {
    r.basic_credentials()
}

/// The OAuth error a server reported for an exchange, wherever it put it (body, challenge,
/// error redirect): its code and description. The one place this module asks for it.
pub(crate) fn server_error(e: &Exchange) -> Option<(String, Option<String>)> {
    e.server_error().map(|x| (x.code, x.description))
}

/// A capture that cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(
        "{0}: no OAuth exchange to compare (no discovery, authorization, token, userinfo or API call with a token)"
    )]
    NoSteps(String),
    #[error("GOOD and BAD cannot both be read from stdin: give `-` for one of them only")]
    BothStdin,
}

/// `oauth-doctor diff`: load, compare, print; returns the exit status.
pub fn run(args: &crate::cli::DiffArgs, out: &mut dyn Write) -> anyhow::Result<i32> {
    if args.good == "-" && args.bad == "-" {
        return Err(DiffError::BothStdin.into());
    }
    if args.leeway < 0 {
        anyhow::bail!("--leeway must be zero or more seconds");
    }
    let options = Options {
        leeway: args.leeway,
        ..Options::default()
    };
    let load = |path: &str| -> anyhow::Result<Capture> {
        let loaded = capture::load_path(path)?;
        let name = if path == "-" { "<stdin>" } else { path };
        let c = Capture::new(name, loaded, &options);
        if c.steps.is_empty() {
            return Err(DiffError::NoSteps(name.to_string()).into());
        }
        Ok(c)
    };
    let good = load(&args.good)?;
    let bad = load(&args.bad)?;
    let diff = Diff::new(
        good,
        bad,
        &DiffOptions {
            leeway: args.leeway,
        },
    );
    let red = diff.redactor(args.show_secrets);
    for c in [&diff.good, &diff.bad] {
        for s in &c.skipped {
            eprintln!(
                "oauth-doctor: note: skipped {} entry {}: {}",
                s.file,
                s.entry + 1,
                red.scrub(&s.reason)
            );
        }
    }
    match args.format {
        Format::Text => text::print(&diff, &red, out)?,
        Format::Json => json::print(&diff, &red, out)?,
        Format::Markdown => markdown::print(&diff, &red, out)?,
    }
    Ok(if diff.explained() {
        EXIT_EXPLAINED
    } else {
        EXIT_NOTHING_EXPLAINS
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn capture(name: &str, secret: &str, answer: &str) -> Capture {
        let doc = serde_json::json!([{
            "started_at": "2026-11-29T10:00:00Z",
            "request": {
                "method": "POST",
                "url": "https://idp.example/oauth/token",
                "headers": [["Content-Type", "application/x-www-form-urlencoded"]],
                "body": format!("grant_type=client_credentials&client_id=billing&client_secret={secret}")
            },
            "response": {
                "status": if answer.is_empty() { 200 } else { 401 },
                "headers": [["Content-Type", "application/json"]],
                "body": if answer.is_empty() {
                    r#"{"access_token":"at-5Hq2xZ8vN1mK7pL3rT9w","token_type":"Bearer","expires_in":3600}"#.to_string()
                } else {
                    serde_json::json!({"error": "invalid_client", "error_description": answer}).to_string()
                }
            }
        }]);
        let loaded = capture::load_bytes(Arc::from(name), doc.to_string().as_bytes()).unwrap();
        Capture::new(name, loaded, &Options::default())
    }

    /// Secrets of GOOD and BAD are known to the one redactor: a server that echoes BAD's secret
    /// in its error text does not leak it, and the echo shows the same fingerprint as the value.
    #[test]
    fn one_redactor_hides_the_secrets_of_both_captures_with_equal_fingerprints() {
        let good = capture("good.json", "s3cret-Good-2026", "");
        let bad = capture(
            "bad.json",
            "s3cret-Stale-2025",
            "client secret s3cret-Stale-2025 has expired",
        );
        let diff = Diff::new(good, bad, &DiffOptions::default());
        let red = diff.redactor(false);
        let first = &diff.differences[0];
        assert_eq!(first.field, "client_secret");
        assert!(first.explains());
        let stale = red.value(first.bad.as_ref().unwrap());
        assert!(!stale.contains("s3cret"), "{stale}");
        for format in [Format::Text, Format::Json, Format::Markdown] {
            let mut out = Vec::new();
            match format {
                Format::Text => text::print(&diff, &red, &mut out).unwrap(),
                Format::Json => json::print(&diff, &red, &mut out).unwrap(),
                Format::Markdown => markdown::print(&diff, &red, &mut out).unwrap(),
            }
            let out = String::from_utf8(out).unwrap();
            assert!(!out.contains("s3cret-"), "{format:?}:\n{out}");
            // The value and the server's echo of it: one fingerprint, twice at least.
            assert!(
                out.matches(stale.as_str()).count() >= 2,
                "{format:?}:\n{out}"
            );
        }
        let shown = diff.redactor(true);
        assert_eq!(
            shown.value(first.bad.as_ref().unwrap()),
            "s3cret-Stale-2025"
        );
    }
}
