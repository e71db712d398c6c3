//! The rule framework: a rule is a unit struct declared with [`declare_rule!`] (its doc comment
//! *is* its documentation, printed by `oauth-doctor explain`), with a pure `check` that reads the
//! capture through [`Context`] and reports findings into it. Rules never print and never do I/O.

pub mod bcp;
pub mod cred;
pub mod dev;
pub mod disc;
pub mod dpop;
pub mod exp;
pub mod grant;
pub mod jwt;
pub mod param;
pub mod pkce;
pub mod prov;
pub mod redir;
pub mod registry;
mod shared;
pub mod stat;
#[cfg(test)]
mod testkit;

use crate::diagnosis::{
    Category, Considered, Evidence, Finding, Severity, Standing, Strength, Value,
};
use crate::model::Exchange;
use crate::model::flow::Index;
use jiff::Timestamp;
use std::sync::{Arc, OnceLock};

pub use crate::diagnosis::Meta;

/// Gives a rule its static description; implemented by [`declare_rule!`].
pub trait Described {
    fn meta(&self) -> &'static Meta;
}

/// A check over a whole capture.
pub trait Rule: Described + Sync {
    fn check(&self, cx: &mut Context<'_>);
}

/// Declare a rule: a unit struct, its metadata, its doc comment and its ranking facts, kept
/// together. The optional fields default to nothing:
///
/// - `explains_errors: [("invalid_grant", 0)]`: standard `error` codes the rule explains, with
///   its place among the causes each admits (0 = the most likely);
/// - `explains_statuses: [(TokenBadRequest, 2)]`: the same for answers without an `error` code
///   ([`StatusClass`](crate::diagnosis::StatusClass));
/// - `absorbs: ["REDIR009", "JWT"]`: code prefixes of findings this rule's finding explains;
/// - `role: Restates` or `role: Fallback` ([`Role`](crate::diagnosis::Role)); `Cause` when
///   omitted;
/// - `grants: ["authorization_code"]`: the grant types whose token requests the cause concerns
///   (a failing request of another grant does not admit it); any request when omitted.
///
/// The family's tie-break place comes from the family module's `TIE_BREAK`.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            code: $code:literal,
            name: $slug:literal,
            title: $title:literal,
            category: $cat:ident,
            severity: $sev:ident,
            kind: $kind:ident,
            fix: $fix:literal,
            references: [$($r:literal),* $(,)?] $(,)?
            $(explains_errors: [$(($ec:literal, $ep:literal)),* $(,)?] $(,)?)?
            $(explains_statuses: [$(($sc:ident, $sp:literal)),* $(,)?] $(,)?)?
            $(absorbs: [$($ab:literal),* $(,)?] $(,)?)?
            $(role: $role:ident $(,)?)?
            $(grants: [$($gr:literal),* $(,)?] $(,)?)?
        }
    ) => {
        $(#[doc = $doc])*
        $vis struct $name;
        impl $crate::rules::Described for $name {
            fn meta(&self) -> &'static $crate::rules::Meta {
                static META: $crate::rules::Meta = $crate::rules::Meta {
                    code: $code,
                    name: $slug,
                    title: $title,
                    category: $crate::diagnosis::Category::$cat,
                    severity: $crate::diagnosis::Severity::$sev,
                    kind: $crate::diagnosis::RuleKind::$kind,
                    fix: $fix,
                    references: &[$($r),*],
                    docs: concat!($($doc, "\n"),*),
                    facts: $crate::diagnosis::Facts {
                        explains_errors: &[$($(($ec, $ep)),*)?],
                        explains_statuses: &[$($(($crate::diagnosis::StatusClass::$sc, $sp)),*)?],
                        absorbs: &[$($($ab),*)?],
                        role: $crate::__rule_role!($($role)?),
                        grants: &[$($($gr),*)?],
                        tie_break: super::TIE_BREAK,
                    },
                };
                &META
            }
        }
    };
}

/// The role of a rule in [`declare_rule!`]: `Cause` unless given.
#[doc(hidden)]
#[macro_export]
macro_rules! __rule_role {
    () => {
        $crate::diagnosis::Role::Cause
    };
    ($role:ident) => {
        $crate::diagnosis::Role::$role
    };
}

/// Options that change how rules judge a capture.
#[derive(Debug, Clone)]
pub struct Options {
    /// Clock tolerance in seconds.
    pub leeway: i64,
    /// Judge lifetimes as of this instant instead of the capture's own clock.
    pub now: Option<Timestamp>,
    /// The issuer tokens must come from (configuration).
    pub expected_issuer: Option<String>,
    /// The audience access tokens must carry (configuration).
    pub expected_audience: Option<String>,
    /// This application's client_id (configuration).
    pub client_id: Option<String>,
    /// JWS algorithms accepted for tokens (configuration); empty means not configured.
    pub allowed_algorithms: Vec<String>,
    /// Host → provider id hints (configuration).
    pub provider_hints: Vec<(String, String)>,
    /// Successful exchanges of the capture that were read and counted but not kept in full
    /// (`docs/performance.md`): when not zero, a count over the kept exchanges is a lower bound.
    pub summarised: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            leeway: 60,
            now: None,
            expected_issuer: None,
            expected_audience: None,
            client_id: None,
            allowed_algorithms: Vec::new(),
            provider_hints: Vec::new(),
            summarised: 0,
        }
    }
}

/// What a rule sees: the exchanges, the correlation index, the options; and where it reports.
pub struct Context<'a> {
    pub exchanges: &'a [Exchange],
    pub index: &'a Index,
    pub options: &'a Options,
    current: Option<&'static Meta>,
    findings: Vec<Finding>,
    considered: Vec<Considered>,
    /// Views of the capture several rules share, computed on first use (shared by the
    /// contexts of one run on several threads).
    memo: Arc<Memo<'a>>,
}

/// Views of the capture that several rules need, built once per run.
#[derive(Default)]
struct Memo<'a> {
    token_groups: OnceLock<Arc<Vec<jwt::Group<'a>>>>,
    /// Some exchange carries an `Authorization`, `Cookie` or `Set-Cookie` header.
    credential_headers: OnceLock<bool>,
}

/// Captures with fewer exchanges than this run their rules on one thread (a thread costs more
/// than the rules of a small capture).
const PARALLEL_RULES_MIN: usize = 256;

/// What the rules of one run report: their findings, and the causes they weighed for a failing
/// exchange without reporting them (excluded or undecidable, with the reason).
#[derive(Debug, Default)]
pub struct Output {
    pub findings: Vec<Finding>,
    pub considered: Vec<Considered>,
}

/// Run every rule `allows` admits over the capture and return what they report, in registry
/// order. Large captures spread the rules over two threads that share one [`Memo`]; the
/// findings are the same, in the same order, as a run on one thread.
pub fn run_all(
    exchanges: &[Exchange],
    index: &Index,
    options: &Options,
    allows: impl Fn(&'static str) -> bool + Sync,
) -> Output {
    let rules: Vec<&'static dyn Rule> = registry::all()
        .into_iter()
        .filter(|r| allows(r.meta().code))
        .collect();
    let two_threads = exchanges.len() >= PARALLEL_RULES_MIN
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    run_on(rules, two_threads, exchanges, index, options)
}

fn run_on(
    rules: Vec<&'static dyn Rule>,
    two_threads: bool,
    exchanges: &[Exchange],
    index: &Index,
    options: &Options,
) -> Output {
    let first = Context::new(exchanges, index, options);
    if !two_threads {
        let mut cx = first;
        for rule in rules {
            cx.run(rule);
        }
        return cx.into_output();
    }
    // Each thread takes the next rule not yet taken, so a slow rule does not hold the others.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = |mut cx: Context<'_>| {
        let mut out: Vec<(usize, Vec<Finding>, Vec<Considered>)> = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(rule) = rules.get(i) else {
                return out;
            };
            cx.run(*rule);
            out.push((
                i,
                std::mem::take(&mut cx.findings),
                std::mem::take(&mut cx.considered),
            ));
        }
    };
    let second = Context {
        memo: first.memo.clone(),
        ..Context::new(exchanges, index, options)
    };
    let mut per_rule = std::thread::scope(|sc| {
        let other = sc.spawn(|| work(second));
        let mut mine = work(first);
        // A rule that panicked on the other thread panics here too, as it would on one thread.
        mine.extend(
            other
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
        );
        mine
    });
    per_rule.sort_by_key(|(i, _, _)| *i);
    let mut out = Output::default();
    for (_, findings, considered) in per_rule {
        out.findings.extend(findings);
        out.considered.extend(considered);
    }
    out
}

impl<'a> Context<'a> {
    pub fn new(exchanges: &'a [Exchange], index: &'a Index, options: &'a Options) -> Self {
        Context {
            exchanges,
            index,
            options,
            current: None,
            findings: Vec::new(),
            considered: Vec::new(),
            memo: Arc::default(),
        }
    }

    /// Run one rule, attributing what it reports to it.
    pub fn run(&mut self, rule: &dyn Rule) {
        self.current = Some(rule.meta());
        rule.check(self);
        self.current = None;
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// The findings and the causes weighed without a finding.
    pub fn into_output(self) -> Output {
        Output {
            findings: self.findings,
            considered: self.considered,
        }
    }

    /// Whether exchange `i` is a failure the differential diagnosis weighs causes for
    /// ([`Index::failures`]): where a rule that explains it reports a finding, or says why its
    /// cause is ruled out or cannot be told.
    pub fn weighs(&self, i: usize) -> bool {
        self.index.is_failure(i)
    }

    /// The current rule's cause is excluded for failing exchange `anchor`, because of what the
    /// capture shows (`redirect_uri identical in #2 and #4`).
    pub fn rule_out(&mut self, anchor: usize, because: impl Into<String>) {
        self.weigh(anchor, Standing::RuledOut, because.into());
    }

    /// The current rule's cause can be neither proven nor excluded for failing exchange
    /// `anchor` (`the verifier is redacted`).
    pub fn cannot_tell(&mut self, anchor: usize, because: impl Into<String>) {
        self.weigh(anchor, Standing::Open, because.into());
    }

    fn weigh(&mut self, anchor: usize, standing: Standing, because: String) {
        if !self.weighs(anchor) {
            return;
        }
        let meta = self
            .current
            .expect("rule_out()/cannot_tell() called outside Context::run");
        self.considered.push(Considered {
            rule: meta.code,
            anchor,
            standing,
            because,
        });
    }

    /// Start a finding of the current rule about exchange `anchor`.
    pub fn report(&mut self, anchor: usize, message: impl Into<String>) -> Report<'_, 'a> {
        let meta = self.current.expect("report() called outside Context::run");
        let finding = Finding::from_meta(meta, anchor, message.into());
        Report { cx: self, finding }
    }

    /// The instant to judge an exchange's lifetimes by: `--now`, else the server `Date`, else
    /// the capture timestamp.
    pub fn judged_at(&self, e: &Exchange) -> Option<Timestamp> {
        self.options.now.or_else(|| e.judged_at())
    }

    /// [`judged_at`](Self::judged_at) in whole seconds since the epoch.
    pub fn judged_at_secs(&self, e: &Exchange) -> Option<i64> {
        self.judged_at(e).map(|t| t.as_second())
    }
}

/// A finding being built; dropped without `emit()` it is discarded.
pub struct Report<'c, 'a> {
    cx: &'c mut Context<'a>,
    finding: Finding,
}

impl Report<'_, '_> {
    pub fn strength(mut self, s: Strength) -> Self {
        self.finding.strength = s;
        self
    }
    pub fn category(mut self, c: Category) -> Self {
        self.finding.category = c;
        self
    }
    pub fn severity(mut self, s: Severity) -> Self {
        self.finding.severity = s;
        self
    }
    pub fn title(mut self, t: impl Into<String>) -> Self {
        self.finding.title = t.into();
        self
    }
    pub fn fix(mut self, f: impl Into<String>) -> Self {
        self.finding.fix = f.into();
        self
    }
    pub fn reference(mut self, r: impl Into<String>) -> Self {
        self.finding.references.push(r.into());
        self
    }
    /// The identity provider the finding concerns, when the rule recognised it from what the
    /// server sent (its dialect) and the exchange names none.
    pub fn provider(mut self, p: &str) -> Self {
        self.finding.provider = Some(p.to_string());
        self
    }
    /// The server itself confirmed this cause (a specific provider code or signal).
    pub fn confirmed(mut self) -> Self {
        self.finding.confirmed = true;
        self
    }
    /// The server's answer was well-formed, but a correct client must reject it: the exchange
    /// counts as a failure for ranking.
    pub fn client_rejects(mut self) -> Self {
        self.finding.client_side = true;
        self
    }
    /// Plain-text evidence.
    pub fn text(
        mut self,
        exchange: usize,
        at: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.finding.evidence.push(Evidence {
            exchange,
            at: at.into(),
            value: Value::Text(value.into()),
        });
        self
    }
    /// Evidence whose value is a secret: printed only as a fingerprint.
    pub fn secret(
        mut self,
        exchange: usize,
        at: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.finding.evidence.push(Evidence {
            exchange,
            at: at.into(),
            value: Value::Secret(value.into()),
        });
        self
    }
    pub fn emit(self) {
        // The absence of a value in a body the capture does not hold proves nothing: such a
        // finding is not reported, and its cause stays open.
        let unknown = self.finding.evidence.iter().find_map(|ev| {
            let absent = matches!(&ev.value, Value::Text(t) if t == "(absent)");
            let e = self.cx.exchanges.get(ev.exchange)?;
            let why = if ev.at.starts_with("request.body") {
                e.request.body_elsewhere.as_deref()
            } else if ev.at.starts_with("response.body") {
                e.response.as_ref()?.body_elsewhere.as_deref()
            } else {
                None
            };
            absent
                .then_some(why)
                .flatten()
                .map(|w| (ev.exchange, w.to_string()))
        });
        match unknown {
            Some((i, why)) => {
                let anchor = self.finding.anchor.unwrap_or(i);
                self.cx.cannot_tell(
                    anchor,
                    format!("the body of #{} is not in the capture: {why}", i + 1),
                );
            }
            None => self.cx.findings.push(self.finding),
        }
    }
}

#[cfg(test)]
mod parallel_tests {
    use super::*;

    /// Every fixture in one capture: two threads find what one thread finds, in the same order.
    #[test]
    fn two_threads_find_what_one_finds() {
        let mut exchanges = crate::capture::all_fixture_exchanges();
        assert!(exchanges.len() >= PARALLEL_RULES_MIN, "{}", exchanges.len());
        crate::model::kind::classify_all(&mut exchanges);
        crate::providers::detect_all(&mut exchanges);
        let index = Index::build(&exchanges);
        let options = Options::default();
        let one = run_on(registry::all(), false, &exchanges, &index, &options);
        let two = run_on(registry::all(), true, &exchanges, &index, &options);
        assert!(one.findings.len() > 100, "{}", one.findings.len());
        assert_eq!(format!("{one:?}"), format!("{two:?}"));
    }
}
