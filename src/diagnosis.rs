//! Findings and their ranking (docs/architecture.md, "Ranking"). `Finding` is the only contract between analysis
//! and reporting: rules create findings, `rank` orders them, printers render them. Nothing here
//! formats for a terminal.

use crate::model::flow::Index;
use crate::model::{Exchange, Kind};
use crate::oauth::errors;
use serde::Serialize;
use std::fmt;

/// The root-cause vocabulary (docs/json-output.md, "Categories"): closed; a new value is a new
/// version of the report schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Credentials,
    TokenExpiry,
    GrantType,
    Parameters,
    RedirectUri,
    Pkce,
    ScopeConsent,
    ServerError,
    RateLimit,
    ClockSkew,
    SignatureKey,
    AudienceIssuer,
    ContentTypeEncoding,
    EndpointUrl,
    AccountState,
    Other,
}

impl Category {
    pub const ALL: [Category; 16] = [
        Category::Credentials,
        Category::TokenExpiry,
        Category::GrantType,
        Category::Parameters,
        Category::RedirectUri,
        Category::Pkce,
        Category::ScopeConsent,
        Category::ServerError,
        Category::RateLimit,
        Category::ClockSkew,
        Category::SignatureKey,
        Category::AudienceIssuer,
        Category::ContentTypeEncoding,
        Category::EndpointUrl,
        Category::AccountState,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Credentials => "credentials",
            Category::TokenExpiry => "token_expiry",
            Category::GrantType => "grant_type",
            Category::Parameters => "parameters",
            Category::RedirectUri => "redirect_uri",
            Category::Pkce => "pkce",
            Category::ScopeConsent => "scope_consent",
            Category::ServerError => "server_error",
            Category::RateLimit => "rate_limit",
            Category::ClockSkew => "clock_skew",
            Category::SignatureKey => "signature_key",
            Category::AudienceIssuer => "audience_issuer",
            Category::ContentTypeEncoding => "content_type_encoding",
            Category::EndpointUrl => "endpoint_url",
            Category::AccountState => "account_state",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    fn weight(self) -> f64 {
        match self {
            Severity::Error => 1.0,
            Severity::Warning => 0.6,
            Severity::Info => 0.3,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a rule explains an observed failure, lints for a latent one, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Diag,
    Lint,
    Both,
}

/// How strong the evidence behind a finding is (docs/architecture.md, "Ranking").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Nothing in the capture shows it; only the absence of evidence.
    Absence,
    /// A suspicion: suspicious characters, timing near a limit.
    Heuristic,
    /// A direct field condition: parameter missing, wrong content type, `alg: none`.
    Direct,
    /// Recomputed or byte-exact proof: S256 digest, redirect_uri diff, same code twice.
    Recomputed,
    /// The provider's own, specific error code says so.
    ProviderCode,
}

impl Strength {
    fn value(self) -> f64 {
        match self {
            Strength::Absence => 0.3,
            Strength::Heuristic => 0.5,
            Strength::Direct => 0.8,
            Strength::Recomputed => 1.0,
            Strength::ProviderCode => 1.1,
        }
    }
}

/// Static description of a rule, declared with the rule (`declare_rule!`).
#[derive(Debug)]
pub struct Meta {
    pub code: &'static str,
    pub name: &'static str,
    pub title: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub kind: RuleKind,
    pub fix: &'static str,
    pub references: &'static [&'static str],
    /// The doc comment: What it does / Why it fails / Example / Fix / References.
    pub docs: &'static str,
    /// What ranking must know about the rule.
    pub facts: Facts,
}

/// A value shown as evidence: plain text, or a secret that only the redactor may render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Secret(String),
}

/// One piece of evidence: which exchange, where in it, what value.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Zero-based exchange index.
    pub exchange: usize,
    /// Location in the exchange, e.g. `request.body.grant_type`.
    pub at: String,
    pub value: Value,
}

/// How a cause that a failure's signal admits stands against the capture (the differential
/// diagnosis of a failing exchange).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The capture proves it: the server named it, or it was recomputed byte for byte.
    Confirmed,
    /// The capture points to it.
    Supported,
    /// The capture can neither prove nor exclude it (a value is redacted or not captured).
    Open,
    /// The capture excludes it.
    RuledOut,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Confirmed => "confirmed",
            Standing::Supported => "supported",
            Standing::Open => "open",
            Standing::RuledOut => "ruled_out",
        }
    }

    /// The standing in words: `ruled out`.
    pub fn label(self) -> &'static str {
        match self {
            Standing::RuledOut => "ruled out",
            s => s.as_str(),
        }
    }
}

/// What a rule found when it weighed its cause for a failing exchange and did not report it:
/// the cause is excluded, or cannot be told, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Considered {
    pub rule: &'static str,
    /// The failing exchange (zero-based).
    pub anchor: usize,
    pub standing: Standing,
    /// Why, in a few words that cite the exchanges (`redirect_uri identical in #2 and #4`).
    pub because: String,
}

/// A diagnosis produced by one rule.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// In [0, 1], set by ranking.
    pub confidence: f64,
    pub title: String,
    pub message: String,
    pub evidence: Vec<Evidence>,
    pub fix: String,
    pub provider: Option<String>,
    pub references: Vec<String>,
    /// The exchange whose outcome this finding explains (or lints).
    pub anchor: Option<usize>,
    pub strength: Strength,
    pub kind: RuleKind,
    /// The server confirmed this very cause (a provider code, a rule-specific signal).
    pub confirmed: bool,
    /// The server's answer was well-formed HTTP but a correct client must reject it (metadata
    /// with another issuer, an HTML page instead of metadata): the exchange counts as failed.
    pub client_side: bool,
    /// Lower-ranked findings this one explains (rule codes), attached by ranking.
    pub consequences: Vec<&'static str>,
    /// Found on an exchange that succeeded: a latent problem, not the cause of a failure.
    pub latent: bool,
    /// 1-based rank, set by ranking.
    pub rank: usize,
    pub score: f64,
    /// What the rule that made this finding declared for ranking.
    pub facts: &'static Facts,
    /// The exchanges (zero-based) of the lower-ranked findings this one took in, set by ranking:
    /// the failures it explains besides its anchor.
    pub explains: Vec<usize>,
}

impl Finding {
    /// A finding of the rule `meta` describes, about exchange `anchor`, with the rule's title,
    /// category, severity, fix and references; evidence is added by the caller.
    pub fn from_meta(meta: &'static Meta, anchor: usize, message: String) -> Finding {
        Finding {
            rule: meta.code,
            category: meta.category,
            severity: meta.severity,
            confidence: 0.0,
            title: meta.title.to_string(),
            message,
            evidence: Vec::new(),
            fix: meta.fix.to_string(),
            provider: None,
            references: meta.references.iter().map(|s| s.to_string()).collect(),
            anchor: Some(anchor),
            strength: Strength::Direct,
            kind: meta.kind,
            confirmed: false,
            client_side: false,
            consequences: Vec::new(),
            latent: false,
            rank: 0,
            score: 0.0,
            facts: &meta.facts,
            explains: Vec::new(),
        }
    }

    /// The exchange number (1-based) of the anchor, for display.
    pub fn exchange_number(&self) -> Option<usize> {
        self.anchor.map(|i| i + 1)
    }
}

/// Overall outcome of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
    /// Entries could not be read (malformed, or the input was cut short) and nothing read
    /// explains a failure: the unread part may hold it.
    Incomplete,
}

impl Verdict {
    pub fn of(findings: &[Finding]) -> Verdict {
        match findings.iter().map(|f| f.severity).max() {
            Some(Severity::Error) => Verdict::Fail,
            Some(Severity::Warning) => Verdict::Warn,
            _ => Verdict::Pass,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
            Verdict::Incomplete => "incomplete",
        }
    }
}

/// What a rule's finding is to the ranking, besides its evidence (declared with the rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Names a cause.
    Cause,
    /// Restates what the server said (an error code, a 200 carrying an error, an
    /// `invalid_token` challenge): any specific finding on the same exchange replaces it.
    Restates,
    /// The last resort that restates a server error code: it also gives way, on its exchange,
    /// to any cause of at least its severity that ranks above it.
    Fallback,
}

/// A class of HTTP answers without an OAuth `error` code, by endpoint kind and status
/// (RFC 6749 §5.2, RFC 6750 §3.1, RFC 9110 §15): the signal a rule may declare it explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// A 3xx from a back-channel endpoint (token, PAR, device, introspection, revocation).
    BackChannelRedirect,
    /// A 400 from the token endpoint.
    TokenBadRequest,
    /// A 401 from an endpoint that authenticates the client (token, PAR, revocation, device).
    ClientAuthUnauthorized,
    /// A 400 or 401 from the introspection endpoint.
    IntrospectionRejected,
    /// A 403 from a back-channel endpoint.
    BackChannelForbidden,
    /// A 404 from an OAuth endpoint (token, PAR, introspection, revocation, device, authorize).
    EndpointNotFound,
    /// A 405 from any endpoint.
    MethodNotAllowed,
    /// A 415 from any endpoint.
    UnsupportedMediaType,
    /// A 429 from any endpoint.
    TooManyRequests,
    /// A 500 from the token endpoint.
    TokenServerError,
    /// Any other 5xx.
    ServerError,
    /// No response at all (status 0: refused, reset, blocked, timed out).
    NoResponse,
    /// An authorization request answered with a page (200) or a 400 instead of a redirect.
    AuthorizeRejected,
    /// 413, 414 or 431 from the authorization endpoint or a resource.
    TooLarge,
    /// A 401 from the userinfo endpoint.
    UserinfoUnauthorized,
    /// A 403 from the userinfo endpoint.
    UserinfoForbidden,
    /// A 401 from a resource server.
    ResourceUnauthorized,
    /// A 403 from a resource server.
    ResourceForbidden,
    /// A 400 from a resource server.
    ResourceBadRequest,
    /// A discovery document or key set answered with a redirect or a 200 that is not one.
    MetadataNotUsable,
    /// A 404 for a discovery document or key set.
    MetadataNotFound,
}

impl StatusClass {
    /// The class of an answer: the first that fits, in the order above.
    pub fn of(kind: Kind, status: u16) -> Option<StatusClass> {
        use Kind::*;
        use StatusClass as S;
        Some(match (kind, status) {
            (Token | Par | DeviceAuthorization | Introspection | Revocation, 300..=399) => {
                S::BackChannelRedirect
            }
            (Token, 400) => S::TokenBadRequest,
            (Token | Par | Revocation | DeviceAuthorization, 401) => S::ClientAuthUnauthorized,
            (Introspection, 400 | 401) => S::IntrospectionRejected,
            (_, 403) if kind.is_back_channel() => S::BackChannelForbidden,
            (Token | Par | Introspection | Revocation | DeviceAuthorization | Authorize, 404) => {
                S::EndpointNotFound
            }
            (_, 405) => S::MethodNotAllowed,
            (_, 415) => S::UnsupportedMediaType,
            (_, 429) => S::TooManyRequests,
            (Token, 500) => S::TokenServerError,
            (_, 500..=599) => S::ServerError,
            (_, 0) => S::NoResponse,
            (Authorize, 200 | 400) => S::AuthorizeRejected,
            (Authorize | Resource, 413 | 414 | 431) => S::TooLarge,
            (Userinfo, 401) => S::UserinfoUnauthorized,
            (Userinfo, 403) => S::UserinfoForbidden,
            (Resource, 401) => S::ResourceUnauthorized,
            (Resource, 403) => S::ResourceForbidden,
            (Resource, 400) => S::ResourceBadRequest,
            (Discovery | Jwks, 300..=399 | 200) => S::MetadataNotUsable,
            (Discovery | Jwks, 404) => S::MetadataNotFound,
            _ => return None,
        })
    }
}

/// What ranking knows about a rule, declared in the rule's own file: the server signals it
/// explains (with its place among the causes each signal admits, 0 = the most likely), the
/// findings it explains when both are present (code prefixes), its role, and its family's
/// place in tie-breaks.
#[derive(Debug)]
pub struct Facts {
    /// Standard `error` codes this rule explains: (code, place among its causes).
    pub explains_errors: &'static [(&'static str, u8)],
    /// Answers without an `error` code this rule explains: (class, place among its causes).
    pub explains_statuses: &'static [(StatusClass, u8)],
    /// Code prefixes of the findings this rule's finding explains (they become its
    /// consequences when both concern the same exchange or flow).
    pub absorbs: &'static [&'static str],
    pub role: Role,
    /// The grant types whose token requests this rule's cause concerns; empty for any request.
    /// A failing token request of another grant does not admit it.
    pub grants: &'static [&'static str],
    /// The family's place when two findings tie on everything else (0 first).
    pub tie_break: u8,
}

impl Facts {
    /// No declared facts (a finding made outside a rule).
    pub const NONE: Facts = Facts {
        explains_errors: &[],
        explains_statuses: &[],
        absorbs: &[],
        role: Role::Cause,
        grants: &[],
        tie_break: u8::MAX,
    };

    /// The place among the causes of standard error `code`, if this rule explains it.
    pub fn place_for_error(&self, code: &str) -> Option<u8> {
        self.explains_errors
            .iter()
            .find(|(c, _)| *c == code)
            .map(|&(_, p)| p)
    }

    /// The place among the causes of a status class, if this rule explains it.
    pub fn place_for_status(&self, class: StatusClass) -> Option<u8> {
        self.explains_statuses
            .iter()
            .find(|(c, _)| *c == class)
            .map(|&(_, p)| p)
    }

    fn restates(&self) -> bool {
        self.role != Role::Cause
    }

    /// Whether this rule's cause concerns a request of grant type `grant` (`None`: not a token
    /// request, or one without `grant_type`).
    pub fn concerns_grant(&self, grant: Option<&str>) -> bool {
        self.grants.is_empty() || grant.is_some_and(|g| self.grants.contains(&g))
    }

    /// The rule names a cause (it does not only restate what the server said).
    pub fn role_is_cause(&self) -> bool {
        self.role == Role::Cause
    }
}

/// Orders findings `a` and `b` by score, the earlier one winning a tie.
fn higher_score(findings: &[Finding], a: usize, b: usize) -> std::cmp::Ordering {
    findings[a]
        .score
        .partial_cmp(&findings[b].score)
        .unwrap_or(std::cmp::Ordering::Equal)
        .then(b.cmp(&a))
}

/// Score, suppress and order findings (docs/architecture.md, "Ranking"). Deterministic, and
/// near linear in the number of findings: every step looks findings up by anchor, by flow and
/// rule, never by scanning all pairs. Symptoms on later exchanges are attached to a root cause
/// only within the same flow (`index.flow_of`); a finding counts as explaining a failure only on
/// an exchange of `index.failures()` (or one a correct client must reject).
pub fn rank(mut findings: Vec<Finding>, exchanges: &[Exchange], index: &Index) -> Vec<Finding> {
    use std::collections::HashMap;
    let flow_of = &index.flow_of;
    let flow = |a: Option<usize>| a.and_then(|a| flow_of.get(a).copied());
    for f in &mut findings {
        score(f, exchanges, index);
    }
    let n = findings.len();
    let mut absorbed_by: Vec<Option<usize>> = vec![None; n];
    let mut by_anchor: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if let Some(a) = f.anchor {
            by_anchor.entry(a).or_default().push(i);
        }
    }
    // The fallback restating an error code gives way to any specific finding on the same
    // exchange, whatever their scores: the specific rule names the cause, the fallback only the
    // class. The failure stays a failure: the specific finding takes the fallback's severity.
    for j in 0..n {
        if !findings[j].facts.restates() {
            continue;
        }
        let Some(a) = findings[j].anchor else {
            continue;
        };
        let best = by_anchor[&a]
            .iter()
            .copied()
            .filter(|&i| {
                let f = &findings[i];
                !f.facts.restates()
                    && !f.latent
                    && (f.strength >= Strength::Direct || f.score >= findings[j].score)
            })
            .max_by(|&a, &b| higher_score(&findings, a, b));
        if let Some(i) = best {
            absorbed_by[j] = Some(i);
            if findings[i].severity < findings[j].severity {
                findings[i].severity = findings[j].severity;
            }
        }
    }
    // A finding about a failure that is the symptom of another (a callback's 502 while its back
    // end's token request failed) is a consequence of what explains that other failure.
    for j in 0..n {
        if absorbed_by[j].is_some() {
            continue;
        }
        let Some(cause) = findings[j].anchor.and_then(|a| index.symptom_of(a)) else {
            continue;
        };
        let best = by_anchor
            .get(&cause)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| absorbed_by[i].is_none() && !findings[i].latent)
            .max_by(|&a, &b| higher_score(&findings, a, b));
        if let Some(i) = best {
            absorbed_by[j] = Some(i);
        }
    }
    // Findings by (flow, rule), in finding order: where a symptom looks for its roots.
    let mut by_flow_rule: HashMap<(usize, &'static str), Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if let Some(fl) = flow(f.anchor) {
            by_flow_rule.entry((fl, f.rule)).or_default().push(i);
        }
    }
    // For each rule code, the rules whose declared `absorbs` take it in.
    let mut roots_of: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
    {
        let mut rules: Vec<(&'static str, &'static Facts)> =
            findings.iter().map(|f| (f.rule, f.facts)).collect();
        rules.sort_unstable_by_key(|(r, _)| *r);
        rules.dedup_by_key(|(r, _)| *r);
        for &(sym, _) in &rules {
            let roots = rules
                .iter()
                .filter(|(root, facts)| {
                    facts.absorbs.iter().any(|p| sym.starts_with(p)) && *root != sym
                })
                .map(|(root, _)| *root)
                .collect();
            roots_of.insert(sym, roots);
        }
    }
    let absorbs = |root: &Finding, sym: &Finding| {
        root.rule != sym.rule && root.facts.absorbs.iter().any(|p| sym.rule.starts_with(p))
    };
    // Declared absorption applies whatever the scores: the root takes the symptom's place when
    // the symptom scored higher.
    for j in 0..n {
        if absorbed_by[j].is_some() {
            continue;
        }
        let s = &findings[j];
        let Some(fl) = flow(s.anchor) else { continue };
        let mut root: Option<usize> = None;
        for r in &roots_of[s.rule] {
            for &i in by_flow_rule
                .get(&(fl, *r))
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                let rf = &findings[i];
                let fits = absorbed_by[i].is_none()
                    && !rf.latent
                    && !absorbs(s, rf)
                    && rf.anchor.is_some()
                    && (rf.anchor == s.anchor || (s.anchor > rf.anchor && !s.latent));
                if fits {
                    if root.is_none_or(|x| i < x) {
                        root = Some(i);
                    }
                    break;
                }
            }
        }
        if let Some(i) = root {
            absorbed_by[j] = Some(i);
            if findings[j].score > findings[i].score {
                findings[i].score = findings[j].score;
                findings[i].confidence = findings[j].confidence;
            }
            if findings[i].severity < findings[j].severity {
                findings[i].severity = findings[j].severity;
            }
        }
    }
    // Suppression in rank order: a root cause absorbs its symptoms on the same exchange or
    // flow chain, a specific finding the fallback on its exchange, a finding its own repeats.
    let order = sorted_indices(&findings);
    let mut pos = vec![0; n];
    for (p, &i) in order.iter().enumerate() {
        pos[i] = p;
    }
    // Kept, non-latent findings seen so far in rank order: per (flow, rule) for declared
    // absorption, per anchor for the fallback, per (anchor, rule, category) for repeats.
    let mut kept_roots: HashMap<(usize, &'static str), Vec<usize>> = HashMap::new();
    let mut kept_at: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut first_of: HashMap<(usize, &'static str, Category), usize> = HashMap::new();
    for &j in &order {
        if absorbed_by[j].is_some() {
            continue;
        }
        let sym = &findings[j];
        // The first kept finding in rank order that explains this one, if any.
        let mut root: Option<usize> = None;
        let mut consider = |i: usize| {
            if root.is_none_or(|x| pos[i] < pos[x]) {
                root = Some(i);
            }
        };
        if let (Some(a), Some(fl)) = (sym.anchor, flow(sym.anchor)) {
            for r in &roots_of[sym.rule] {
                let list = kept_roots.get(&(fl, *r)).map(Vec::as_slice).unwrap_or(&[]);
                if let Some(&i) = list.iter().find(|&&i| {
                    findings[i].anchor == Some(a) || (findings[i].anchor < Some(a) && !sym.latent)
                }) {
                    consider(i);
                }
            }
            if sym.facts.role == Role::Fallback {
                let here = kept_at.get(&a).map(Vec::as_slice).unwrap_or(&[]);
                if let Some(&i) = here.iter().find(|&&i| {
                    findings[i].facts.role != Role::Fallback && findings[i].severity >= sym.severity
                }) {
                    consider(i);
                }
            }
            if let Some(&i) = first_of.get(&(a, sym.rule, sym.category)) {
                consider(i);
            }
        }
        if let Some(i) = root {
            absorbed_by[j] = Some(i);
            continue;
        }
        if sym.latent {
            continue;
        }
        if let (Some(a), Some(fl)) = (sym.anchor, flow(sym.anchor)) {
            kept_roots.entry((fl, sym.rule)).or_default().push(j);
            kept_at.entry(a).or_default().push(j);
            first_of.entry((a, sym.rule, sym.category)).or_insert(j);
        }
    }
    let mut consequences: Vec<Vec<&'static str>> = vec![Vec::new(); n];
    let mut explains: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (j, a) in absorbed_by.iter().enumerate() {
        let Some(mut i) = *a else { continue };
        // Follow the chain to the finding that is kept (a root may itself be explained).
        let mut hops = 0;
        while let Some(next) = absorbed_by[i] {
            i = next;
            hops += 1;
            if hops > n {
                break;
            }
        }
        if !consequences[i].contains(&findings[j].rule) && findings[j].rule != findings[i].rule {
            consequences[i].push(findings[j].rule);
        }
        if let Some(a) = findings[j].anchor {
            if findings[i].anchor != Some(a) && !explains[i].contains(&a) {
                explains[i].push(a);
            }
        }
    }
    let mut kept: Vec<Finding> = Vec::new();
    for i in order {
        if absorbed_by[i].is_none() {
            let mut f = std::mem::replace(&mut findings[i], placeholder());
            f.consequences = std::mem::take(&mut consequences[i]);
            f.consequences.sort_unstable();
            f.explains = std::mem::take(&mut explains[i]);
            f.explains.sort_unstable();
            kept.push(f);
        }
    }
    for (r, f) in kept.iter_mut().enumerate() {
        f.rank = r + 1;
    }
    kept
}

/// What a moved-out finding leaves behind.
fn placeholder() -> Finding {
    Finding {
        rule: "",
        category: Category::Other,
        severity: Severity::Info,
        confidence: 0.0,
        title: String::new(),
        message: String::new(),
        evidence: Vec::new(),
        fix: String::new(),
        provider: None,
        references: Vec::new(),
        anchor: None,
        strength: Strength::Absence,
        kind: RuleKind::Diag,
        confirmed: false,
        client_side: false,
        consequences: Vec::new(),
        latent: false,
        rank: 0,
        score: 0.0,
        facts: &Facts::NONE,
        explains: Vec::new(),
    }
}

fn sorted_indices(findings: &[Finding]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..findings.len()).collect();
    idx.sort_by(|&a, &b| {
        let (fa, fb) = (&findings[a], &findings[b]);
        fa.latent
            .cmp(&fb.latent)
            .then(
                fb.score
                    .partial_cmp(&fa.score)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
            .then(fb.severity.cmp(&fa.severity))
            .then(fa.anchor.cmp(&fb.anchor))
            .then(fa.facts.tie_break.cmp(&fb.facts.tie_break))
            .then(fa.rule.cmp(fb.rule))
            .then(fa.message.cmp(&fb.message))
    });
    idx
}

fn score(f: &mut Finding, ex: &[Exchange], index: &Index) {
    let anchor = f.anchor.and_then(|i| ex.get(i));
    let failed = anchor
        .is_some_and(|e| index.is_failure(e.index) || index.is_symptom(e.index) || f.client_side);
    let (signal, keyword_bonus, chain_bonus) = match anchor {
        Some(e) if failed => {
            let err = e.server_error();
            let mut signal: f64 = 0.5;
            let mut position_penalty = 0.0;
            if f.confirmed {
                signal = 1.0;
            } else if let Some(std) = err.as_ref().and_then(|er| errors::standard(&er.code)) {
                if let Some(p) = f.facts.place_for_error(std.code) {
                    signal = 1.0;
                    position_penalty = f64::from(p) * 0.005;
                }
            }
            if signal < 1.0 {
                let status = e.status().unwrap_or(0);
                if let Some(p) =
                    StatusClass::of(e.kind, status).and_then(|c| f.facts.place_for_status(c))
                {
                    signal = signal.max(0.7);
                    position_penalty = f64::from(p) * 0.005;
                }
            }
            let desc = err
                .as_ref()
                .and_then(|er| er.description.clone())
                .unwrap_or_default();
            let kw = if !desc.is_empty()
                && crate::diagnosis::keyword_category(&desc) == Some(f.category)
            {
                0.15
            } else {
                0.0
            };
            (signal - position_penalty, kw, 0.1)
        }
        Some(_) => {
            f.latent = true;
            (0.4, 0.0, 0.0)
        }
        None => {
            f.latent = true;
            (0.4, 0.0, 0.0)
        }
    };
    if f.latent && f.severity == Severity::Error {
        f.severity = Severity::Warning;
    }
    if !f.latent && f.kind == RuleKind::Lint && !f.confirmed && signal < 1.0 {
        // Lint never outranks a diagnosis unless the server's code names it: its score stays
        // below the least a diagnosis of a failure gets (absence, info: 0.3 × 0.5 × 0.3 + 0.1).
        f.score = f.strength.value() * 0.4 * f.severity.weight() * 0.3;
        f.confidence = (f.score.clamp(0.0, 1.0) * 100.0).round() / 100.0;
        return;
    }
    let recovered = anchor.is_some_and(Exchange::failed);
    if f.latent && f.kind == RuleKind::Diag && !recovered {
        // A diagnostic rule on a succeeded exchange: contradicted by the server. (On a failure
        // the client recovered from by retrying, it still explains that first failure.)
        f.score = 0.1 * f.strength.value() * f.severity.weight();
    } else {
        f.score = f.strength.value() * signal * f.severity.weight() + keyword_bonus + chain_bonus;
    }
    f.confidence = (f.score.clamp(0.0, 1.0) * 100.0).round() / 100.0;
}

/// The root-cause category a bare error code points to, given the endpoint and grant, before
/// any request evidence is weighed.
pub fn fallback_category(
    code: &str,
    kind: Kind,
    grant_type: Option<&str>,
    description: Option<&str>,
) -> Category {
    use Category::*;
    let desc = description.unwrap_or("").to_ascii_lowercase();
    let by_desc = keyword_category(&desc);
    match code {
        "invalid_client" | "unauthorized" => Credentials,
        "invalid_grant" => {
            if let Some(c) = by_desc {
                return c;
            }
            match grant_type {
                Some("refresh_token") => TokenExpiry,
                Some("password") => Credentials,
                Some(g) if g.ends_with("jwt-bearer") => Credentials,
                Some(g) if g.ends_with("device_code") => TokenExpiry,
                _ => GrantType,
            }
        }
        "unauthorized_client" | "unsupported_grant_type" | "unsupported_response_type" => GrantType,
        "invalid_scope" | "insufficient_scope" | "consent_required" | "access_denied" => {
            ScopeConsent
        }
        "invalid_target" => AudienceIssuer,
        "invalid_token" => by_desc.unwrap_or(TokenExpiry),
        "expired_token" => TokenExpiry,
        "authorization_pending" => Other,
        "slow_down" => RateLimit,
        "server_error" | "temporarily_unavailable" => ServerError,
        "login_required" | "interaction_required" | "account_selection_required" => AccountState,
        "redirect_uri_mismatch" | "invalid_redirect_uri" => RedirectUri,
        "invalid_request" => by_desc.unwrap_or(Parameters),
        _ if kind == Kind::Resource => by_desc.unwrap_or(TokenExpiry),
        _ => by_desc.unwrap_or(Parameters),
    }
}

/// An error description that lists the causes an error code admits instead of naming one:
/// RFC 6749 §5.2's wording of `invalid_grant` ("invalid, expired, revoked, does not match the
/// redirection URI …, or was issued to another client"), Google's "expired, revoked, malformed,
/// or invalid for other reasons". Such a description says nothing a single word of it seems to
/// say.
pub fn is_generic_description(desc: &str) -> bool {
    let d = desc.to_ascii_lowercase();
    if [
        "for other reasons",
        "was issued to another client",
        "or otherwise invalid",
    ]
    .iter()
    .any(|p| d.contains(p))
    {
        return true;
    }
    let alternatives = [
        "invalid",
        "expired",
        "revoked",
        "malformed",
        "does not match",
        "redirection uri",
        "another client",
        "not found",
    ];
    let named = alternatives.iter().filter(|w| d.contains(*w)).count();
    named >= 3 && (d.contains(" or ") || d.contains(", "))
}

/// A category suggested by words in an error description: the one category its words name.
/// A description that names several (or a generic one, [`is_generic_description`]) suggests
/// none.
pub fn keyword_category(desc: &str) -> Option<Category> {
    use Category::*;
    const WORDS: &[(Category, &[&str])] = &[
        (
            RedirectUri,
            &[
                "redirect_uri",
                "redirect uri",
                "redirect url",
                "reply url",
                "redirect_url",
            ],
        ),
        (
            Pkce,
            &[
                "code_verifier",
                "code verifier",
                "pkce",
                "code_challenge",
                "code challenge",
            ],
        ),
        (
            ClockSkew,
            &[
                "not yet valid",
                "clock",
                "in the future",
                "issued in the future",
                "timeframe",
                "nbf",
            ],
        ),
        (
            TokenExpiry,
            &[
                "expired",
                "expir",
                "revoked",
                "no longer valid",
                "inactive",
                "not active",
            ],
        ),
        (
            GrantType,
            &[
                "already been used",
                "already redeemed",
                "already used",
                "reuse",
                "replay",
            ],
        ),
        (
            AudienceIssuer,
            &["audience", " aud ", "aud claim", "resource", "issuer"],
        ),
        (
            SignatureKey,
            &["signature", "kid", "signing key", "algorithm"],
        ),
        (ScopeConsent, &["scope", "consent", "permission"]),
        (RateLimit, &["rate limit", "too many", "throttl"]),
        (
            Credentials,
            &[
                "client secret",
                "client_secret",
                "client authentication",
                "client credentials",
                "invalid client",
                "client assertion",
            ],
        ),
    ];
    if is_generic_description(desc) {
        return None;
    }
    let d = desc.to_ascii_lowercase();
    let mut named = WORDS
        .iter()
        .filter(|(_, words)| words.iter().any(|w| d.contains(w)))
        .map(|(c, _)| *c);
    // Several causes named at once: the first in the order above.
    named.next()
}

#[cfg(test)]
mod tests {
    //! Ranking on hand-made findings over hand-made exchanges: each test names the ranking
    //! behaviour docs/architecture.md ("Ranking") describes and builds the smallest case that
    //! shows it.

    use super::*;
    use crate::model::{Headers, Provenance, Request, Response};
    use std::sync::Arc;

    #[test]
    fn a_description_that_lists_causes_names_none() {
        for d in [
            "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
            "Token has been expired or revoked, malformed, or invalid for other reasons.",
        ] {
            assert!(is_generic_description(d), "{d}");
            assert_eq!(keyword_category(d), None, "{d}");
        }
        for (d, c) in [
            ("Token has been expired or revoked.", Category::TokenExpiry),
            (
                "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
                Category::RedirectUri,
            ),
            ("PKCE verification failed", Category::Pkce),
            (
                "authorization code has already been used",
                Category::GrantType,
            ),
        ] {
            assert!(!is_generic_description(d), "{d}");
            assert_eq!(keyword_category(d), Some(c), "{d}");
        }
    }

    /// A token-endpoint exchange answered `status` with `body` (JSON).
    fn token_exchange(index: usize, status: u16, body: &str) -> Exchange {
        Exchange {
            ordinal: 0,
            index,
            source: Provenance {
                file: Arc::from("test.json"),
                entry: index,
                line: None,
            },
            started_at: None,
            duration_ms: None,
            request: Request::new(
                "POST",
                "https://idp.example.com/oauth2/token",
                Headers::new(vec![(
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                )]),
                Some("grant_type=authorization_code&code=abc&client_id=web".into()),
            ),
            response: Some(Response::new(
                status,
                Headers::new(vec![("Content-Type".into(), "application/json".into())]),
                Some(body.into()),
            )),
            kind: Kind::Token,
            sanitized: false,
            provider: None,
            verified: Vec::new(),
        }
    }

    const INVALID_GRANT: &str = r#"{"error":"invalid_grant"}"#;
    const TOKENS: &str = r#"{"access_token":"at","token_type":"Bearer","expires_in":3600}"#;

    /// `n` token exchanges that all failed with `invalid_grant`.
    fn failed(n: usize) -> Vec<Exchange> {
        (0..n)
            .map(|i| token_exchange(i, 400, INVALID_GRANT))
            .collect()
    }

    /// Each exchange its own flow.
    fn own_flows(ex: &[Exchange]) -> Vec<usize> {
        (0..ex.len()).collect()
    }

    const fn facts(role: Role, tie_break: u8) -> Facts {
        Facts {
            explains_errors: &[],
            explains_statuses: &[],
            absorbs: &[],
            role,
            grants: &[],
            tie_break,
        }
    }

    static CAUSE: Facts = facts(Role::Cause, 5);
    static RESTATES: Facts = Facts {
        explains_errors: &[("invalid_grant", 9)],
        ..facts(Role::Restates, 12)
    };
    static NAMED_BY_INVALID_GRANT: Facts = Facts {
        explains_errors: &[("invalid_grant", 0)],
        ..facts(Role::Cause, 5)
    };
    static ROOT_OF_SYM: Facts = Facts {
        absorbs: &["SYM"],
        ..facts(Role::Cause, 5)
    };
    static FAMILY_0: Facts = facts(Role::Cause, 0);
    static FAMILY_1: Facts = facts(Role::Cause, 1);

    /// An error-severity diagnosis with direct evidence, anchored at `anchor`.
    fn finding(rule: &'static str, anchor: usize, facts: &'static Facts) -> Finding {
        Finding {
            rule,
            category: Category::Other,
            severity: Severity::Error,
            confidence: 0.0,
            title: String::new(),
            message: format!("{rule} saw something"),
            evidence: Vec::new(),
            fix: String::new(),
            provider: None,
            references: Vec::new(),
            anchor: Some(anchor),
            strength: Strength::Direct,
            kind: RuleKind::Diag,
            confirmed: false,
            client_side: false,
            consequences: Vec::new(),
            latent: false,
            rank: 0,
            score: 0.0,
            facts,
            explains: Vec::new(),
        }
    }

    fn with(mut f: Finding, strength: Strength, severity: Severity) -> Finding {
        f.strength = strength;
        f.severity = severity;
        f
    }

    /// The kept findings as `(rank, rule, consequences)`.
    fn outline(kept: &[Finding]) -> Vec<(usize, &'static str, Vec<&'static str>)> {
        kept.iter()
            .map(|f| (f.rank, f.rule, f.consequences.clone()))
            .collect()
    }

    #[test]
    fn ranks_run_from_one_to_the_number_of_findings_kept() {
        let ex = failed(4);
        let kept = rank(
            vec![
                finding("AAA001", 3, &CAUSE),
                finding("AAA002", 2, &CAUSE),
                finding("AAA003", 1, &CAUSE),
                finding("STAT999", 1, &RESTATES),
                finding("AAA004", 0, &CAUSE),
            ],
            &ex,
            &Index::with_flows(&ex, &own_flows(&ex)),
        );
        let ranks: Vec<usize> = kept.iter().map(|f| f.rank).collect();
        assert_eq!(ranks, [1, 2, 3, 4], "{:?}", outline(&kept));
        assert!(rank(Vec::new(), &ex, &Index::with_flows(&ex, &own_flows(&ex))).is_empty());
    }

    #[test]
    fn a_restating_finding_gives_way_to_a_specific_one_on_the_same_exchange() {
        let ex = failed(2);
        let restated = finding("STAT999", 0, &RESTATES);
        let specific = with(
            finding("PKCE999", 0, &CAUSE),
            Strength::Direct,
            Severity::Warning,
        );
        let elsewhere = finding("STAT999", 1, &RESTATES);
        let kept = rank(
            vec![restated, specific, elsewhere],
            &ex,
            &Index::with_flows(&ex, &own_flows(&ex)),
        );
        // The restatement scored higher (it explains `invalid_grant`), yet the specific finding
        // is what is kept on exchange 0, carrying the restatement and its severity; on
        // exchange 1 nothing specific was found and the restatement stays.
        assert_eq!(
            outline(&kept),
            [(1, "STAT999", vec![]), (2, "PKCE999", vec!["STAT999"]),]
        );
        assert_eq!(kept[0].anchor, Some(1));
        assert_eq!(kept[1].severity, Severity::Error);
    }

    #[test]
    fn a_hunch_does_not_silence_what_the_server_said() {
        // A heuristic finding scoring below the restatement does not replace it.
        let ex = failed(1);
        let kept = rank(
            vec![
                finding("STAT999", 0, &RESTATES),
                with(
                    finding("EXP999", 0, &CAUSE),
                    Strength::Heuristic,
                    Severity::Warning,
                ),
            ],
            &ex,
            &Index::with_flows(&ex, &own_flows(&ex)),
        );
        assert_eq!(
            outline(&kept),
            [(1, "STAT999", vec![]), (2, "EXP999", vec![])]
        );
    }

    #[test]
    fn a_root_cause_absorbs_its_symptoms_on_its_exchange_and_later_in_its_flow_only() {
        let ex = failed(4);
        // Exchanges 0, 1 and 2 are one flow, exchange 3 another.
        let flow_of = [0, 0, 0, 1];
        let hunch = |rule, anchor| {
            with(
                finding(rule, anchor, &CAUSE),
                Strength::Heuristic,
                Severity::Error,
            )
        };
        let kept = rank(
            vec![
                finding("SYM001", 1, &CAUSE), // same exchange as the root
                hunch("SYM002", 2),           // later in the same flow
                hunch("SYM003", 0),           // earlier in the same flow
                hunch("SYM004", 3),           // later, in another flow
                hunch("ROOT001", 1),
            ]
            .into_iter()
            .map(|mut f| {
                if f.rule == "ROOT001" {
                    f.facts = &ROOT_OF_SYM;
                }
                f
            })
            .collect(),
            &ex,
            &Index::with_flows(&ex, &flow_of),
        );
        assert_eq!(
            outline(&kept),
            [
                (1, "ROOT001", vec!["SYM001", "SYM002"]),
                (2, "SYM003", vec![]),
                (3, "SYM004", vec![]),
            ]
        );
        // The root, a hunch itself, takes the place of the direct symptom it absorbed.
        let alone = rank(
            vec![finding("SYM001", 1, &CAUSE)],
            &ex,
            &Index::with_flows(&ex, &flow_of),
        );
        assert_eq!(kept[0].confidence, alone[0].confidence);
        assert!(kept[0].confidence > kept[1].confidence);
    }

    #[test]
    fn a_latent_root_absorbs_nothing() {
        // The root is on an exchange that succeeded: it is latent and explains no failure.
        let ex = vec![
            token_exchange(0, 200, TOKENS),
            token_exchange(1, 400, INVALID_GRANT),
        ];
        let kept = rank(
            vec![
                finding("ROOT001", 0, &ROOT_OF_SYM),
                finding("SYM001", 1, &CAUSE),
            ],
            &ex,
            &Index::with_flows(&ex, &[0, 0]),
        );
        assert_eq!(
            outline(&kept),
            [(1, "SYM001", vec![]), (2, "ROOT001", vec![])]
        );
        assert!(kept[1].latent);
    }

    #[test]
    fn latent_findings_never_outrank_failures() {
        let ex = vec![
            token_exchange(0, 200, TOKENS),
            token_exchange(1, 400, INVALID_GRANT),
        ];
        // A lint with the strongest evidence, on the exchange that succeeded, scores above the
        // weakest diagnosis of the failure; it still comes second.
        let mut strong_latent = with(
            finding("JWT999", 0, &NAMED_BY_INVALID_GRANT),
            Strength::ProviderCode,
            Severity::Error,
        );
        strong_latent.kind = RuleKind::Lint;
        let weak_failure = with(
            finding("EXP999", 1, &CAUSE),
            Strength::Absence,
            Severity::Info,
        );
        let kept = rank(
            vec![strong_latent, weak_failure],
            &ex,
            &Index::with_flows(&ex, &own_flows(&ex)),
        );
        assert_eq!(
            outline(&kept),
            [(1, "EXP999", vec![]), (2, "JWT999", vec![])]
        );
        assert!(!kept[0].latent && kept[1].latent);
        assert!(
            kept[1].score > kept[0].score,
            "{:?}",
            (kept[0].score, kept[1].score)
        );
        // A latent problem is a warning, not an error.
        assert_eq!(kept[1].severity, Severity::Warning);
        // A finding without an anchor is latent too.
        let mut unanchored = finding("DISC999", 0, &CAUSE);
        unanchored.anchor = None;
        let kept = rank(
            vec![
                unanchored,
                with(
                    finding("EXP999", 1, &CAUSE),
                    Strength::Absence,
                    Severity::Info,
                ),
            ],
            &ex,
            &Index::with_flows(&ex, &own_flows(&ex)),
        );
        assert_eq!(kept[0].rule, "EXP999");
        assert!(kept[1].latent);
    }

    #[test]
    fn a_lint_ranks_below_a_diagnosis_unless_the_server_names_it() {
        let ex = failed(1);
        let diagnosis = finding("GRANT999", 0, &CAUSE);
        let mut lint = with(
            finding("BCP999", 0, &CAUSE),
            Strength::Recomputed,
            Severity::Error,
        );
        lint.kind = RuleKind::Lint;
        let kept = rank(
            vec![lint.clone(), diagnosis.clone()],
            &ex,
            &Index::with_flows(&ex, &own_flows(&ex)),
        );
        assert_eq!(
            outline(&kept),
            [(1, "GRANT999", vec![]), (2, "BCP999", vec![])]
        );
        // The server's error code is one the lint's rule explains: it may come first.
        let mut named = lint.clone();
        named.facts = &NAMED_BY_INVALID_GRANT;
        let kept = rank(
            vec![diagnosis.clone(), named],
            &ex,
            &Index::with_flows(&ex, &own_flows(&ex)),
        );
        assert_eq!(kept[0].rule, "BCP999");
        // So may a lint the server confirmed.
        let mut confirmed = lint;
        confirmed.confirmed = true;
        let kept = rank(
            vec![diagnosis, confirmed],
            &ex,
            &Index::with_flows(&ex, &own_flows(&ex)),
        );
        assert_eq!(kept[0].rule, "BCP999");
    }

    /// docs/architecture.md says a lint never outranks a diagnosis unless the server's code
    /// names it, even one with direct evidence against a heuristic diagnosis.
    #[test]
    fn a_lint_ranks_below_even_a_heuristic_diagnosis() {
        let ex = failed(1);
        let hunch = with(
            finding("EXP999", 0, &CAUSE),
            Strength::Heuristic,
            Severity::Warning,
        );
        let mut lint = finding("BCP999", 0, &CAUSE);
        lint.kind = RuleKind::Lint;
        let kept = rank(
            vec![lint, hunch],
            &ex,
            &Index::with_flows(&ex, &own_flows(&ex)),
        );
        assert_eq!(kept[0].rule, "EXP999");
    }

    #[test]
    fn a_diagnosis_the_error_code_names_outranks_one_it_does_not() {
        let ex = failed(1);
        let kept = rank(
            vec![
                finding("CRED999", 0, &CAUSE),
                finding("PKCE999", 0, &NAMED_BY_INVALID_GRANT),
            ],
            &ex,
            &Index::with_flows(&ex, &own_flows(&ex)),
        );
        assert_eq!(kept[0].rule, "PKCE999");
        assert!(kept[0].confidence > kept[1].confidence);
    }

    #[test]
    fn ties_are_broken_by_anchor_then_family_then_code() {
        let ex = failed(2);
        let kept = rank(
            vec![
                finding("BBB001", 1, &FAMILY_0),
                finding("ZZZ001", 0, &FAMILY_1),
                finding("AAA002", 0, &FAMILY_0),
                finding("AAA001", 0, &FAMILY_0),
            ],
            &ex,
            &Index::with_flows(&ex, &own_flows(&ex)),
        );
        let order: Vec<&str> = kept.iter().map(|f| f.rule).collect();
        // Exchange 0 before exchange 1; on exchange 0 the family placed first, then the code.
        assert_eq!(order, ["AAA001", "AAA002", "ZZZ001", "BBB001"]);
        let scores: Vec<f64> = kept.iter().map(|f| f.score).collect();
        assert!(scores.windows(2).all(|w| w[0] == w[1]), "{scores:?}");
    }

    #[test]
    fn the_same_rule_twice_on_one_exchange_is_reported_once() {
        let ex = failed(1);
        let mut second = finding("GRANT999", 0, &CAUSE);
        second.message = "GRANT999 saw it again".into();
        let kept = rank(
            vec![finding("GRANT999", 0, &CAUSE), second],
            &ex,
            &Index::with_flows(&ex, &own_flows(&ex)),
        );
        assert_eq!(outline(&kept), [(1, "GRANT999", vec![])]);
    }
}
