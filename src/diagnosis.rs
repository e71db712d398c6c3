//! Findings and their ranking (RULES.md §3). `Finding` is the only contract between analysis
//! and reporting: rules create findings, `rank` orders them, printers render them. Nothing here
//! formats for a terminal.

use crate::model::{Exchange, Kind};
use crate::oauth::errors;
use serde::Serialize;
use std::fmt;

/// The root-cause vocabulary of DESIGN.md (fixed; do not add values without changing it).
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

/// Whether a rule explains an observed failure, lints for a latent one, or both (RULES.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Diag,
    Lint,
    Both,
}

/// How strong the evidence behind a finding is (RULES.md §3.2 `S_evidence`).
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
}

impl Finding {
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
        }
    }
}

/// The fallback rule that restates a server error code; any specific finding on the same
/// exchange replaces it.
pub const FALLBACK_RULE: &str = "STAT016";

/// Rules that restate what the server said (an error code, a 200 carrying an error, an
/// `invalid_token` challenge): any specific finding on the same exchange replaces them.
pub const RESTATING_RULES: &[&str] = &["STAT016", "STAT009", "STAT002", "STAT014"];

/// Family order for tie-breaking (RULES.md §3.2).
fn family_rank(code: &str) -> usize {
    const ORDER: [&str; 13] = [
        "PROV", "STAT", "PARAM", "CRED", "PKCE", "REDIR", "GRANT", "DPOP", "EXP", "JWT", "DISC",
        "DEV", "BCP",
    ];
    ORDER
        .iter()
        .position(|p| code.starts_with(p))
        .unwrap_or(ORDER.len())
}

/// Root causes and the symptoms they explain (RULES.md §3.3): (root, symptom prefixes).
const SUPPRESSION: &[(&str, &[&str])] = &[
    ("STAT001", &["STAT004", "PARAM002", "GRANT001", "STAT003"]),
    (
        "PARAM001",
        &["GRANT001", "PARAM004", "CRED003", "STAT004", "PARAM002"],
    ),
    ("STAT012", &["STAT", "EXP", "JWT"]),
    ("STAT008", &["EXP001", "JWT", "STAT009"]),
    ("DISC001", &["STAT003", "JWT003"]),
    ("DISC002", &["STAT003", "JWT003"]),
    ("DISC005", &["STAT003", "JWT003"]),
    ("GRANT009", &["GRANT008", "EXP005"]),
    ("GRANT003", &["EXP004", "PKCE001", "STAT006", "PROV001"]),
    ("REDIR010", &["REDIR009", "JWT011", "PKCE002", "PKCE001"]),
    ("JWT005", &["JWT004", "JWT006", "STAT009", "PARAM015"]),
    ("DPOP010", &["DPOP009", "DPOP011"]),
    ("GRANT007", &["GRANT003"]),
    ("PKCE001", &["REDIR009", "GRANT005"]),
    ("PROV001", &["STAT002", "STAT016"]),
    ("PROV004", &["STAT013"]),
    ("DISC008", &["STAT006"]),
    ("EXP007", &["EXP001"]),
    ("PARAM016", &["GRANT004", "REDIR001"]),
    ("PARAM007", &["PARAM015"]),
    ("PARAM013", &["STAT008", "STAT007"]),
    ("EXP004", &["PROV001"]),
    ("STAT017", &["STAT012", "EXP", "JWT"]),
    ("PARAM004", &["GRANT001"]),
];

fn suppresses(root: &str, symptom: &str) -> bool {
    SUPPRESSION
        .iter()
        .any(|(r, s)| *r == root && s.iter().any(|p| symptom.starts_with(p) && symptom != root))
}

/// Candidate rules for an endpoint kind and HTTP status without an `error` code (RULES.md §2.1–2.9).
pub fn status_candidates(kind: Kind, status: u16) -> &'static [&'static str] {
    use Kind::*;
    match (kind, status) {
        (Token | Par | DeviceAuthorization | Introspection | Revocation, 300..=399) => {
            &["STAT001", "BCP004", "STAT003"]
        }
        (Token, 400) => &[
            "PARAM001", "PARAM002", "PARAM004", "PARAM003", "PARAM016", "STAT015",
        ],
        (Token | Par | Revocation | DeviceAuthorization, 401) => &[
            "CRED003", "CRED008", "CRED001", "CRED007", "CRED004", "CRED006", "CRED002", "CRED009",
            "CRED012", "CRED013", "CRED014", "CRED011", "CRED010", "CRED015",
        ],
        (Introspection, 400 | 401) => &["PARAM010", "CRED001", "CRED008"],
        (_, 403) if kind.is_back_channel() => &["STAT003", "STAT012"],
        (Token | Par | Introspection | Revocation | DeviceAuthorization | Authorize, 404) => {
            &["STAT003", "DISC005", "DISC002", "DISC008"]
        }
        (_, 405) => &["STAT004", "STAT001", "PARAM002"],
        (_, 415) => &["STAT004", "PARAM001"],
        (_, 429) => &["STAT005", "DEV003", "DEV002"],
        (Token, 500) => &["PARAM001", "CRED001", "PKCE004", "PARAM016", "STAT006"],
        (_, 500..=599) => &["STAT006", "STAT015"],
        (_, 0) => &["STAT017", "STAT012"],
        (Authorize, 200 | 400) => &[
            "STAT013", "REDIR001", "REDIR002", "REDIR006", "PARAM016", "PARAM008", "PARAM009",
        ],
        (Authorize | Resource, 413 | 414 | 431) => &["STAT015"],
        (Userinfo, 401) => &[
            "EXP001", "JWT005", "JWT004", "STAT008", "DPOP010", "STAT007", "PARAM013",
        ],
        (Userinfo, 403) => &["PARAM007", "PARAM015", "GRANT012"],
        (Resource, 401) => &[
            "STAT008", "STAT007", "PARAM013", "EXP001", "EXP002", "EXP003", "JWT004", "JWT003",
            "JWT002", "JWT005", "JWT006", "JWT008", "DPOP010", "CRED015", "EXP007", "EXP008",
            "STAT009", "DISC009",
        ],
        (Resource, 403) => &["STAT010", "STAT011", "PARAM006", "GRANT012"],
        (Resource, 400) => &["PARAM013", "PARAM014"],
        (Discovery | Jwks, 300..=399 | 200) => &["DISC003", "DISC006"],
        (Discovery | Jwks, 404) => &["DISC002", "STAT003", "DISC006"],
        _ => &[],
    }
}

/// Score, suppress and order findings (RULES.md §3). Deterministic.
/// `flow_of[i]` is the flow of exchange `i` (symptoms on later exchanges are attached to a root
/// cause only within the same flow).
pub fn rank(mut findings: Vec<Finding>, exchanges: &[Exchange], flow_of: &[usize]) -> Vec<Finding> {
    let same_flow = |a: Option<usize>, b: Option<usize>| match (a, b) {
        (Some(a), Some(b)) => flow_of.get(a).is_some_and(|fa| flow_of.get(b) == Some(fa)),
        _ => false,
    };
    for f in &mut findings {
        score(f, exchanges);
    }
    let n = findings.len();
    let mut absorbed_by: Vec<Option<usize>> = vec![None; n];
    // The fallback restating an error code gives way to any specific finding on the same
    // exchange, whatever their scores: the specific rule names the cause, the fallback only the
    // class. The failure stays a failure: the specific finding takes the fallback's severity.
    for j in 0..n {
        if !RESTATING_RULES.contains(&findings[j].rule) {
            continue;
        }
        let best = (0..n)
            .filter(|&i| {
                let f = &findings[i];
                !RESTATING_RULES.contains(&f.rule)
                    && !f.latent
                    && f.anchor.is_some()
                    && f.anchor == findings[j].anchor
                    && (f.strength >= Strength::Direct || f.score >= findings[j].score)
            })
            .max_by(|&a, &b| {
                findings[a]
                    .score
                    .partial_cmp(&findings[b].score)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(b.cmp(&a))
            });
        if let Some(i) = best {
            absorbed_by[j] = Some(i);
            if findings[i].severity < findings[j].severity {
                findings[i].severity = findings[j].severity;
            }
        }
    }
    // The root-cause table (RULES.md §3.3) applies whatever the scores: the root takes the
    // symptom's place when the symptom scored higher.
    for j in 0..n {
        if absorbed_by[j].is_some() {
            continue;
        }
        let root = (0..n).find(|&i| {
            let (r, s) = (&findings[i], &findings[j]);
            i != j
                && absorbed_by[i].is_none()
                && !r.latent
                && suppresses(r.rule, s.rule)
                && !suppresses(s.rule, r.rule)
                && r.anchor.is_some()
                && (r.anchor == s.anchor
                    || (s.anchor > r.anchor && !s.latent && same_flow(r.anchor, s.anchor)))
        });
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
    // Suppression: a root cause absorbs its symptoms on the same exchange or flow chain.
    let order = sorted_indices(&findings, exchanges);
    for (pos, &i) in order.iter().enumerate() {
        if absorbed_by[i].is_some() {
            continue;
        }
        for &j in &order[pos + 1..] {
            if absorbed_by[j].is_some() || i == j {
                continue;
            }
            let (root, sym) = (&findings[i], &findings[j]);
            let same_anchor = root.anchor.is_some() && root.anchor == sym.anchor;
            let explains = suppresses(root.rule, sym.rule)
                && (same_anchor
                    || (sym.anchor >= root.anchor
                        && !sym.latent
                        && same_flow(root.anchor, sym.anchor)))
                || (sym.rule == FALLBACK_RULE
                    && same_anchor
                    && root.rule != FALLBACK_RULE
                    && !root.latent
                    && root.severity >= sym.severity)
                || (same_anchor && root.rule == sym.rule && root.category == sym.category);
            if explains && !root.latent {
                absorbed_by[j] = Some(i);
            }
        }
    }
    let mut consequences: Vec<Vec<&'static str>> = vec![Vec::new(); n];
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
    }
    let mut kept: Vec<Finding> = Vec::new();
    for i in order {
        if absorbed_by[i].is_none() {
            let mut f = findings[i].clone();
            f.consequences = std::mem::take(&mut consequences[i]);
            f.consequences.sort_unstable();
            kept.push(f);
        }
    }
    findings.clear();
    for (r, f) in kept.iter_mut().enumerate() {
        f.rank = r + 1;
    }
    kept
}

fn sorted_indices(findings: &[Finding], _ex: &[Exchange]) -> Vec<usize> {
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
            .then(family_rank(fa.rule).cmp(&family_rank(fb.rule)))
            .then(fa.rule.cmp(fb.rule))
            .then(fa.message.cmp(&fb.message))
    });
    idx
}

fn score(f: &mut Finding, ex: &[Exchange]) {
    let anchor = f.anchor.and_then(|i| ex.get(i));
    let failed = anchor.is_some_and(Exchange::failed) || (anchor.is_some() && f.client_side);
    let (signal, keyword_bonus, chain_bonus) = match anchor {
        Some(e) if failed => {
            let err = errors::error_code(e);
            let mut signal: f64 = 0.5;
            let mut position_penalty = 0.0;
            if f.confirmed {
                signal = 1.0;
            } else if let Some(std) = err.as_ref().and_then(|er| errors::standard(&er.code)) {
                if let Some(p) = std.rules.iter().position(|r| *r == f.rule) {
                    signal = 1.0;
                    position_penalty = p as f64 * 0.005;
                }
            }
            if signal < 1.0 {
                let status = e.status().unwrap_or(0);
                if let Some(p) = status_candidates(e.kind, status)
                    .iter()
                    .position(|r| *r == f.rule)
                {
                    signal = signal.max(0.7);
                    position_penalty = p as f64 * 0.005;
                }
            }
            let desc = err
                .as_ref()
                .and_then(|er| er.description.clone())
                .unwrap_or_default();
            let kw = if !desc.is_empty() && errors::keyword_category(&desc) == Some(f.category) {
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
        // Lint never outranks a diagnosis (RULES.md §3.1.5) unless the server's code names it.
        f.score = f.strength.value() * 0.4 * f.severity.weight();
        f.confidence = (f.score.clamp(0.0, 1.0) * 100.0).round() / 100.0;
        return;
    }
    if f.latent && f.kind == RuleKind::Diag {
        // A diagnostic rule on a succeeded exchange: contradicted by the server.
        f.score = 0.1 * f.strength.value() * f.severity.weight();
    } else {
        f.score = f.strength.value() * signal * f.severity.weight() + keyword_bonus + chain_bonus;
    }
    f.confidence = (f.score.clamp(0.0, 1.0) * 100.0).round() / 100.0;
}
