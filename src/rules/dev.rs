//! DEV: the device authorization grant (RFC 8628, RULES.md §1.11) — the device authorization
//! request and response, and the client's polling: giving up on `authorization_pending`,
//! ignoring `slow_down` and the interval, polling past expiry or after a terminal answer, the
//! grant-type URN. Polls are grouped by `device_code`; gaps are measured between request start
//! times, the way the server sees them. Pure.

use super::common::{edit_distance, issued_access_token};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Strength};
use crate::model::{Exchange, Kind, Response};
use crate::oauth::errors::error_code;
use jiff::Timestamp;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Dev001, &Dev002, &Dev003, &Dev004, &Dev005, &Dev006, &Dev007, &Dev008,
];

/// The device-code grant type (RFC 8628 §3.4).
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Default polling interval (RFC 8628 §3.2).
const DEFAULT_INTERVAL: f64 = 5.0;
/// Clock tolerance for polling gaps, in seconds.
const GAP_TOLERANCE: f64 = 0.5;

/// A numeric member of a JSON (or form) response, tolerating numeric strings.
fn num_field(r: &Response, name: &str) -> Option<f64> {
    if let Some(v) = r.json.as_ref().and_then(|j| j.get(name)) {
        return v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()));
    }
    r.form.get(name).and_then(|s| s.trim().parse().ok())
}

fn secs_between(a: Timestamp, b: Timestamp) -> f64 {
    (b.as_millisecond() - a.as_millisecond()) as f64 / 1000.0
}

/// The error code a poll got, if any.
fn poll_error(e: &Exchange) -> Option<String> {
    error_code(e).map(|x| x.code)
}

/// A device-code poll: a token request that redeems a `device_code`.
fn is_poll(e: &Exchange) -> bool {
    e.kind == Kind::Token
        && (e
            .request
            .param("device_code")
            .is_some_and(|d| !d.is_empty())
            || e.request
                .param("grant_type")
                .is_some_and(|g| g == DEVICE_GRANT))
}

/// The device authorization response that issued `device_code`.
fn issuer_of<'a>(ex: &'a [Exchange], device_code: &str) -> Option<&'a Exchange> {
    ex.iter().find(|e| {
        e.response
            .as_ref()
            .and_then(|r| r.field("device_code"))
            .is_some_and(|d| d == device_code)
    })
}

/// The polls of one device code, in time order, with what the device authorization said.
struct Polling<'a> {
    device_code: String,
    polls: Vec<&'a Exchange>,
    authorization: Option<&'a Exchange>,
    interval: Option<f64>,
    expires_in: Option<f64>,
}

fn pollings(ex: &[Exchange]) -> Vec<Polling<'_>> {
    let mut out: Vec<Polling<'_>> = Vec::new();
    for e in ex.iter().filter(|e| is_poll(e)) {
        let dc = e.request.param("device_code").unwrap_or_default();
        match out.iter_mut().find(|p| p.device_code == dc) {
            Some(p) => p.polls.push(e),
            None => {
                let authorization = if dc.is_empty() {
                    None
                } else {
                    issuer_of(ex, &dc)
                };
                let resp = authorization.and_then(|a| a.response.as_ref());
                out.push(Polling {
                    device_code: dc,
                    polls: vec![e],
                    authorization,
                    interval: resp.and_then(|r| num_field(r, "interval")),
                    expires_in: resp.and_then(|r| num_field(r, "expires_in")),
                })
            }
        }
    }
    out
}

/// Errors after which polling must stop (RFC 8628 §3.5: anything but pending / slow_down).
fn is_terminal(code: &str) -> bool {
    !matches!(code, "authorization_pending" | "slow_down")
}

// ---------------------------------------------------------------------------------------------
// DEV001
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks the client's reaction to device-flow polling answers: it flags a client that
    /// stops at `authorization_pending` (the last poll of a device code answered pending and the
    /// client then started a new device authorization, or polled no more), and a client that
    /// keeps polling after a terminal answer (`expired_token`, `access_denied`, `invalid_grant`,
    /// …) or after it already got the tokens.
    ///
    /// ## Why it fails
    /// `authorization_pending` is not an error: the user has not finished at the verification
    /// page yet, and the client must keep polling at the interval. Every other error is final
    /// and polling must stop (RFC 8628 §3.5). A client that treats pending as a failure shows
    /// "login failed" seconds after displaying the code.
    ///
    /// ## Example
    /// `POST /token` `grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=…` →
    /// `400 {"error":"authorization_pending"}`, and no further poll.
    ///
    /// ## Fix
    /// Keep polling on `authorization_pending` and `slow_down` (adding 5 s for the latter);
    /// stop on anything else and on success.
    ///
    /// ## References
    /// RFC 8628 §3.4, §3.5
    pub struct Dev001 {
        code: "DEV001",
        name: "device-polling-reaction",
        title: "authorization_pending treated as failure",
        category: Other,
        severity: Warning,
        kind: Diag,
        fix: "keep polling on `authorization_pending` and `slow_down`; stop on any other answer and on success",
        references: ["RFC 8628 §3.4", "RFC 8628 §3.5"],
    }
}

impl Rule for Dev001 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        // Clients already reported for giving up (one finding per client is enough).
        let mut gave_up: Vec<Option<String>> = Vec::new();
        for p in pollings(ex) {
            // Polling after a terminal answer or after success.
            let mut stopped_at: Option<(usize, String)> = None;
            for e in &p.polls {
                if let Some((i, why)) = &stopped_at {
                    cx.report(
                        e.index,
                        format!(
                            "the client polled again after exchange {} had already answered {why}: polling must stop there",
                            i + 1
                        ),
                    )
                    .strength(Strength::Direct)
                    .text(*i, "response.body.error", why.trim_matches('`'))
                    .emit();
                    break;
                }
                if issued_access_token(e) {
                    stopped_at = Some((e.index, "with tokens".into()));
                } else if let Some(code) = poll_error(e).filter(|c| is_terminal(c)) {
                    stopped_at = Some((e.index, format!("`{code}`")));
                }
            }
            // Giving up on authorization_pending.
            let Some(last) = p.polls.last() else { continue };
            if poll_error(last).as_deref() != Some("authorization_pending") {
                continue;
            }
            let client = last.request.param("client_id");
            if gave_up.contains(&client) {
                continue;
            }
            gave_up.push(client.clone());
            let restarted = ex[last.index + 1..].iter().find(|x| {
                x.kind == Kind::DeviceAuthorization
                    && (client.is_none() || x.request.param("client_id") == client)
            });
            let pending_count = p
                .polls
                .iter()
                .filter(|x| poll_error(x).as_deref() == Some("authorization_pending"))
                .count();
            let (msg, strength) = match restarted {
                Some(r) => (
                    format!(
                        "the last poll for this device code got `authorization_pending` and the client started a new device authorization (exchange {}) instead of polling again",
                        r.number()
                    ),
                    Strength::Direct,
                ),
                None => {
                    // Still inside the code's lifetime when the capture ends?
                    let moved_on = ex[last.index + 1..].iter().any(|x| !is_poll(x));
                    (
                        format!(
                            "the client stopped polling after {pending_count} `authorization_pending` answer(s){}: pending means the user has not finished yet",
                            if moved_on {
                                " and went on with other requests"
                            } else {
                                " (the capture ends there)"
                            }
                        ),
                        if moved_on {
                            Strength::Direct
                        } else {
                            Strength::Heuristic
                        },
                    )
                }
            };
            cx.report(last.index, msg)
                .strength(strength)
                .text(last.index, "response.body.error", "authorization_pending")
                .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// DEV002 / DEV003: the polling interval
// ---------------------------------------------------------------------------------------------

/// A poll that came too early: (poll, gap in s, required interval in s, after a slow_down).
struct Early<'a> {
    poll: &'a Exchange,
    previous: &'a Exchange,
    gap: f64,
    required: f64,
    after_slow_down: bool,
}

/// Walk the polls of one device code with the interval RFC 8628 requires at each step.
fn early_polls<'a>(p: &Polling<'a>) -> Vec<Early<'a>> {
    let mut out = Vec::new();
    let mut interval = p.interval.filter(|i| *i > 0.0).unwrap_or(DEFAULT_INTERVAL);
    for w in p.polls.windows(2) {
        let (prev, cur) = (w[0], w[1]);
        let slowed = poll_error(prev).as_deref() == Some("slow_down");
        if slowed {
            interval += 5.0;
        }
        let (Some(a), Some(b)) = (prev.started_at, cur.started_at) else {
            continue;
        };
        let gap = secs_between(a, b);
        if gap + GAP_TOLERANCE < interval {
            out.push(Early {
                poll: cur,
                previous: prev,
                gap,
                required: interval,
                after_slow_down: slowed,
            });
        }
    }
    out
}

declare_rule! {
    /// ## What it does
    /// After a `slow_down` answer, checks that the next device-code poll waited at least the
    /// interval increased by 5 seconds (the increase accumulates with every `slow_down`).
    ///
    /// ## Why it fails
    /// `slow_down` means the client polls too often; RFC 8628 §3.5 requires it to add 5 seconds
    /// to the interval for this and all later polls. A client that does not keeps getting
    /// `slow_down` (or 429) and never receives the tokens, and may be blocked.
    ///
    /// ## Example
    /// `interval: 5`; poll → `slow_down`; next poll 5 s later (10 s required) → `slow_down`.
    ///
    /// ## Fix
    /// Add 5 seconds to the polling interval on every `slow_down` and keep the new interval for
    /// all later polls.
    ///
    /// ## References
    /// RFC 8628 §3.5
    pub struct Dev002 {
        code: "DEV002",
        name: "slow-down-ignored",
        title: "slow_down not honoured",
        category: RateLimit,
        severity: Error,
        kind: Diag,
        fix: "add 5 seconds to the polling interval on every `slow_down` and keep it for all later polls",
        references: ["RFC 8628 §3.5"],
    }
}

impl Rule for Dev002 {
    fn check(&self, cx: &mut Context<'_>) {
        for p in pollings(cx.exchanges) {
            let early: Vec<Early<'_>> = early_polls(&p)
                .into_iter()
                .filter(|x| x.after_slow_down)
                .collect();
            let Some(first) = early.first() else { continue };
            cx.report(
                first.poll.index,
                format!(
                    "after `slow_down` (exchange {}) the next poll came {:.1} s later; the interval had grown to {:.0} s{}",
                    first.previous.number(),
                    first.gap,
                    first.required,
                    if early.len() > 1 {
                        format!(" ({} polls ignored `slow_down`)", early.len())
                    } else {
                        String::new()
                    }
                ),
            )
            .strength(Strength::Recomputed)
            .text(first.previous.index, "response.body.error", "slow_down")
            .text(first.poll.index, "started_at", format!("+{:.1} s", first.gap))
            .emit();
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Measures the gap between consecutive device-code polls and flags polls that came
    /// sooner than the `interval` of the device authorization response (5 seconds when it has
    /// none). Gaps right after a `slow_down` are DEV002's.
    ///
    /// ## Why it fails
    /// The server enforces the interval: polls that come too early get `slow_down` or 429 and
    /// may get the client blocked (RFC 8628 §3.2, §3.5).
    ///
    /// ## Example
    /// Device authorization response `interval: 5`; polls 1 s apart → `slow_down`.
    ///
    /// ## Fix
    /// Wait at least `interval` seconds (default 5) between polls.
    ///
    /// ## References
    /// RFC 8628 §3.2, §3.5
    pub struct Dev003 {
        code: "DEV003",
        name: "polling-too-fast",
        title: "polling faster than the interval",
        category: RateLimit,
        severity: Warning,
        kind: Diag,
        fix: "wait at least the announced `interval` (default 5 s) between polls",
        references: ["RFC 8628 §3.2", "RFC 8628 §3.5"],
    }
}

impl Rule for Dev003 {
    fn check(&self, cx: &mut Context<'_>) {
        for p in pollings(cx.exchanges) {
            let early: Vec<Early<'_>> = early_polls(&p)
                .into_iter()
                .filter(|x| !x.after_slow_down)
                .collect();
            if early.is_empty() {
                continue;
            }
            // Anchor on the poll the server complained about, if any.
            let first = early
                .iter()
                .find(|x| {
                    x.poll.status() == Some(429)
                        || poll_error(x.poll).as_deref() == Some("slow_down")
                })
                .unwrap_or(&early[0]);
            let announced = match (p.interval, p.authorization) {
                (Some(i), Some(a)) => format!("`interval` {i:.0} s from exchange {}", a.number()),
                _ => "the default interval of 5 s".to_string(),
            };
            let mut rep = cx
                .report(
                    first.poll.index,
                    format!(
                        "{} of {} polls came sooner than {announced}; the poll of exchange {} followed the previous one after {:.1} s",
                        early.len(),
                        p.polls.len().saturating_sub(1),
                        first.poll.number(),
                        first.gap
                    ),
                )
                .strength(Strength::Recomputed)
                .text(first.poll.index, "started_at", format!("+{:.1} s", first.gap));
            if let Some(a) = p.authorization.filter(|_| p.interval.is_some()) {
                rep = rep.text(
                    a.index,
                    "response.body.interval",
                    format!("{:.0}", p.interval.unwrap_or(DEFAULT_INTERVAL)),
                );
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// DEV004
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a device-code poll answered `expired_token`, or made after the device code's
    /// lifetime (`expires_in` of the device authorization response, counted from that
    /// response) had run out, whatever the server answered then (some answer
    /// `invalid_grant`).
    ///
    /// ## Why it fails
    /// The device code and user code are short-lived (RFC 8628 §3.2). When the user does not
    /// finish in time, every later poll fails; polling on does not help.
    ///
    /// ## Example
    /// Device authorization response `expires_in: 600` at 10:00:00; poll at 10:10:05 →
    /// `400 {"error":"expired_token"}`.
    ///
    /// ## Fix
    /// Stop polling at `expires_in`, tell the user, and start a new device authorization when
    /// they ask.
    ///
    /// ## References
    /// RFC 8628 §3.2, §3.5
    pub struct Dev004 {
        code: "DEV004",
        name: "device-code-expired",
        title: "device code expired",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "stop polling at `expires_in`, tell the user, and start a new device authorization on request",
        references: ["RFC 8628 §3.2", "RFC 8628 §3.5"],
    }
}

impl Rule for Dev004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for p in pollings(ex) {
            // The code lives from the device authorization response on.
            let issued = p.authorization.and_then(|a| match a.started_at {
                Some(t) => Some(
                    a.duration_ms
                        .filter(|d| d.is_finite() && *d > 0.0)
                        .and_then(|d| {
                            t.checked_add(jiff::SignedDuration::from_millis(d as i64))
                                .ok()
                        })
                        .unwrap_or(t),
                ),
                None => a.judged_at(),
            });
            let deadline = match (issued, p.expires_in) {
                (Some(t), Some(e)) => Some((t, e)),
                _ => None,
            };
            let late = |e: &Exchange| -> Option<f64> {
                let (t0, life) = deadline?;
                let t = e.started_at.or_else(|| e.judged_at())?;
                let age = secs_between(t0, t);
                (age > life + 1.0).then_some(age)
            };
            let target = p.polls.iter().find(|e| {
                poll_error(e).as_deref() == Some("expired_token")
                    || (e.failed() && late(e).is_some())
            });
            let Some(e) = target else { continue };
            let said = poll_error(e);
            let age = late(e);
            let mut msg = match (&said, age) {
                (Some(c), Some(a)) if c == "expired_token" => format!(
                    "the poll got `expired_token`, {a:.0} s after the device authorization whose code lived {:.0} s",
                    p.expires_in.unwrap_or(0.0)
                ),
                (Some(c), _) if c == "expired_token" => {
                    "the poll got `expired_token`: the device code expired before the user finished"
                        .to_string()
                }
                (c, Some(a)) => format!(
                    "the poll came {a:.0} s after the device authorization, whose code lived only {:.0} s{}",
                    p.expires_in.unwrap_or(0.0),
                    c.as_deref()
                        .map(|c| format!("; the server answered `{c}`"))
                        .unwrap_or_default()
                ),
                (_, None) => continue,
            };
            if let Some(a) = p.authorization {
                msg.push_str(&format!(" (issued in exchange {})", a.number()));
            }
            let mut rep = cx.report(e.index, msg).strength(if age.is_some() {
                Strength::Recomputed
            } else {
                Strength::Direct
            });
            if said.as_deref() == Some("expired_token") {
                rep = rep
                    .confirmed()
                    .text(e.index, "response.body.error", "expired_token");
            }
            if let (Some(a), Some(life)) = (p.authorization, p.expires_in) {
                rep = rep.text(a.index, "response.body.expires_in", format!("{life:.0}"));
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// DEV005
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a device-code poll answered `access_denied`: the user (or a policy) refused the
    /// request at the verification page.
    ///
    /// ## Why it fails
    /// Nothing is broken: the user declined. The client must stop polling and say so instead of
    /// reporting an error or retrying.
    ///
    /// ## Example
    /// `POST /token` (device code) → `400 {"error":"access_denied"}`.
    ///
    /// ## Fix
    /// Stop polling and tell the user the request was declined; offer to start again.
    ///
    /// ## References
    /// RFC 8628 §3.5
    pub struct Dev005 {
        code: "DEV005",
        name: "device-request-denied",
        title: "user denied the device request",
        category: ScopeConsent,
        severity: Info,
        kind: Diag,
        fix: "stop polling and tell the user the request was declined",
        references: ["RFC 8628 §3.5"],
    }
}

impl Rule for Dev005 {
    fn check(&self, cx: &mut Context<'_>) {
        for p in pollings(cx.exchanges) {
            let Some(e) = p
                .polls
                .iter()
                .find(|e| poll_error(e).as_deref() == Some("access_denied"))
            else {
                continue;
            };
            cx.report(
                e.index,
                "the device-code poll got `access_denied`: the user or a policy declined the request at the verification page",
            )
            .strength(Strength::Direct)
            .confirmed()
            .text(e.index, "response.body.error", "access_denied")
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// DEV006
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a token request that redeems a device code (it carries `device_code`, or its
    /// `grant_type` mentions `device`) with a `grant_type` other than the exact URN
    /// `urn:ietf:params:oauth:grant-type:device_code`: the short `device_code`, `device`,
    /// a misspelt or differently cased URN, surrounding whitespace.
    ///
    /// ## Why it fails
    /// The grant type is compared as an exact string; anything else is an unknown grant and the
    /// server answers `unsupported_grant_type` (or `invalid_request`).
    ///
    /// ## Example
    /// `grant_type=device_code&device_code=…&client_id=…` → `400 {"error":"unsupported_grant_type"}`.
    ///
    /// ## Fix
    /// Send `grant_type=urn:ietf:params:oauth:grant-type:device_code`.
    ///
    /// ## References
    /// RFC 8628 §3.4; RFC 6749 §5.2
    pub struct Dev006 {
        code: "DEV006",
        name: "wrong-device-grant-type",
        title: "wrong device grant_type",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "send `grant_type=urn:ietf:params:oauth:grant-type:device_code`",
        references: ["RFC 8628 §3.4", "RFC 6749 §5.2"],
    }
}

impl Rule for Dev006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if !matches!(e.kind, Kind::Token | Kind::Other) || e.request.method != "POST" {
                continue;
            }
            let Some(gt) = e.request.param("grant_type") else {
                continue;
            };
            if gt == DEVICE_GRANT {
                continue;
            }
            let low = gt.trim().to_ascii_lowercase();
            let has_code = e.request.param("device_code").is_some();
            let near = gt.len() < 200 && edit_distance(&low, DEVICE_GRANT) <= 4;
            if !(has_code || low.contains("device") || near) {
                continue;
            }
            let why = if gt.trim() != gt {
                "it has surrounding whitespace".to_string()
            } else if low == DEVICE_GRANT {
                "the URN is compared case-sensitively".to_string()
            } else if matches!(low.as_str(), "device_code" | "device" | "devicecode") {
                format!("`{gt}` is a short name, not the registered URN")
            } else {
                format!(
                    "`{gt}` differs from the URN in {} character(s)",
                    edit_distance(&gt, DEVICE_GRANT)
                )
            };
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the device-code token request sends `grant_type` `{gt}` instead of `{DEVICE_GRANT}`: {why}"
                    ),
                )
                .strength(Strength::Direct)
                .text(e.index, "request.body.grant_type", gt.clone());
            if let Some(er) = error_code(e) {
                rep = rep.text(e.index, er.at, er.code);
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// DEV007
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks the device authorization request: not a POST (→ `endpoint_url`), a body that is
    /// not form-encoded (→ `content_type_encoding`), no `client_id` and no client
    /// authentication (→ `parameters`); a device authorization request sent to the token
    /// endpoint instead of `device_authorization_endpoint` (→ `endpoint_url`); and polls that
    /// redeem the device code with another `client_id` than the one it was issued to (→
    /// `grant_type`, the code belongs to another client). The category follows the defect.
    ///
    /// ## Why it fails
    /// RFC 8628 §3.1 requires a form-encoded POST with the `client_id` (public clients) to the
    /// device authorization endpoint; the device code is bound to that client, so a poll by
    /// another client gets `invalid_grant` (§3.5).
    ///
    /// ## Example
    /// `POST /oauth2/token` `client_id=tv-app&scope=openid` (no `grant_type`) →
    /// `400 {"error":"unsupported_grant_type"}` while the metadata announces
    /// `device_authorization_endpoint: …/oauth2/device_authorization`.
    ///
    /// ## Fix
    /// POST `client_id` (and `scope`) form-encoded to the `device_authorization_endpoint`, and
    /// poll with the same client.
    ///
    /// ## References
    /// RFC 8628 §3.1, §3.4, §3.5; RFC 8628 §4 (metadata)
    pub struct Dev007 {
        code: "DEV007",
        name: "device-authorization-request-malformed",
        title: "device authorization request malformed",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "POST `client_id` (and `scope`) form-encoded to the `device_authorization_endpoint`, and poll with the same client",
        references: ["RFC 8628 §3.1", "RFC 8628 §3.4", "RFC 8628 §3.5"],
    }
}

/// The client identity of a request: Basic user or `client_id` parameter.
fn client_of(e: &Exchange) -> Option<String> {
    crate::model::flow::token_client_id(e)
}

impl Rule for Dev007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let md = cx.index.metadata_doc();
        let da_endpoint = md
            .and_then(|m| m.get("device_authorization_endpoint"))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let token_endpoint = md
            .and_then(|m| m.get("token_endpoint"))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        for e in ex.iter().filter(|e| e.kind == Kind::DeviceAuthorization) {
            let r = &e.request;
            let (cat, msg, at, value) = if r.method != "POST" {
                (
                    Category::EndpointUrl,
                    format!(
                        "the device authorization request uses `{}`; the endpoint takes a form-encoded POST",
                        r.method
                    ),
                    "request.method",
                    r.method.clone(),
                )
            } else if r.json.is_some()
                || r.headers
                    .media_type()
                    .is_some_and(|m| m != "application/x-www-form-urlencoded")
                    && r.form.is_empty()
            {
                let ct = r
                    .headers
                    .get("content-type")
                    .unwrap_or("(none)")
                    .to_string();
                (
                    Category::ContentTypeEncoding,
                    format!(
                        "the device authorization request body is not form-encoded (`Content-Type: {ct}`)"
                    ),
                    "request.headers.content-type",
                    ct,
                )
            } else if client_of(e).is_none() && r.authorization().is_none() {
                (
                    Category::Parameters,
                    "the device authorization request has no `client_id` and no client authentication"
                        .to_string(),
                    "request.body.client_id",
                    "(absent)".to_string(),
                )
            } else {
                continue;
            };
            cx.report(e.index, msg)
                .category(cat)
                .strength(Strength::Direct)
                .text(e.index, at, value)
                .emit();
        }
        // A device authorization request sent to the token endpoint: a public client (client_id
        // in the body, no client authentication) posting only client parameters, no grant, to
        // the token endpoint of a server that has a device authorization endpoint, and using no
        // other grant in the capture. Indistinguishable in general from a request that forgot
        // its `grant_type` (GRANT001), hence only a suspicion.
        if let Some(da) = &da_endpoint {
            for e in ex {
                let r = &e.request;
                let to_token = token_endpoint
                    .as_deref()
                    .is_some_and(|t| strip_slash(t) == strip_slash(&r.endpoint()));
                let public = r.param("client_id").is_some_and(|c| !c.is_empty())
                    && r.authorization().is_none()
                    && r.param("client_secret").is_none()
                    && r.param("client_assertion").is_none();
                let only_client_params = r
                    .form
                    .iter()
                    .all(|(k, _)| matches!(k, "client_id" | "scope" | "audience" | "resource"));
                if !to_token
                    || r.method != "POST"
                    || !public
                    || r.form.is_empty()
                    || !only_client_params
                    || !e.failed()
                {
                    continue;
                }
                let client = r.param("client_id");
                let other_grants = ex.iter().any(|x| {
                    x.index != e.index
                        && x.kind == Kind::Token
                        && x.request.param("grant_type").is_some()
                        && !is_poll(x)
                        && x.request.param("client_id") == client
                });
                if other_grants {
                    continue;
                }
                cx.report(
                    e.index,
                    format!(
                        "public client `{}` posted only client parameters (no `grant_type`) to the token endpoint `{}` while the metadata announces `device_authorization_endpoint` `{da}`: a device authorization request sent to the wrong endpoint",
                        client.as_deref().unwrap_or(""),
                        r.endpoint()
                    ),
                )
                .category(Category::EndpointUrl)
                .strength(Strength::Heuristic)
                .text(e.index, "request.url", r.endpoint())
                .text(e.index, "metadata.device_authorization_endpoint", da.clone())
                .emit();
            }
        }
        // Polls by another client than the one the device code was issued to.
        for p in pollings(ex) {
            let Some(da) = p.authorization else { continue };
            let Some(issued_to) = client_of(da) else {
                continue;
            };
            let Some(e) = p
                .polls
                .iter()
                .find(|e| client_of(e).is_some_and(|c| c != issued_to))
            else {
                continue;
            };
            let used = client_of(e).unwrap_or_default();
            cx.report(
                e.index,
                format!(
                    "the device code was issued to client `{issued_to}` (exchange {}) but the poll redeems it as `{used}`",
                    da.number()
                ),
            )
            .category(Category::GrantType)
            .strength(Strength::Recomputed)
            .text(da.index, "request.body.client_id", issued_to.clone())
            .text(e.index, "request.body.client_id", used)
            .emit();
        }
    }
}

fn strip_slash(u: &str) -> String {
    u.split(['?', '#'])
        .next()
        .unwrap_or("")
        .trim_end_matches('/')
        .to_ascii_lowercase()
}

// ---------------------------------------------------------------------------------------------
// DEV008
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks a successful device authorization response for the members RFC 8628 §3.2
    /// requires — `device_code`, `user_code`, `verification_uri`, `expires_in` — and names the
    /// provider variants it finds instead (`verification_url`, `expires` …).
    ///
    /// ## Why it fails
    /// Standard client libraries parse the standard names; a response that uses
    /// `verification_url` (older Google and Microsoft endpoints) or lacks `expires_in` makes
    /// them fail before the user sees a code, or poll forever.
    ///
    /// ## Example
    /// `200 {"device_code":"…","user_code":"ABCD-EFGH","verification_url":"https://…/device","expires_in":1800}`.
    ///
    /// ## Fix
    /// Accept the known variants in the client (or use the provider's library); report the
    /// deviation to the provider.
    ///
    /// ## References
    /// RFC 8628 §3.2
    pub struct Dev008 {
        code: "DEV008",
        name: "device-authorization-response-non-standard",
        title: "device authorization response non-standard",
        category: Other,
        severity: Warning,
        kind: Diag,
        fix: "accept the known variants in the client (or use the provider's library) and report the deviation",
        references: ["RFC 8628 §3.2"],
    }
}

/// Standard member → provider variants seen in the wild.
const DA_MEMBERS: [(&str, &[&str]); 4] = [
    ("device_code", &["devicecode", "deviceCode"]),
    ("user_code", &["usercode", "userCode"]),
    (
        "verification_uri",
        &[
            "verification_url",
            "verificationUri",
            "verification_uri_complete",
        ],
    ),
    ("expires_in", &["expires", "expiresIn", "expires_at"]),
];

impl Rule for Dev008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.kind == Kind::DeviceAuthorization) {
            let Some(r) = &e.response else { continue };
            let Some(doc) = r.json.as_ref().filter(|_| r.is_success()) else {
                continue;
            };
            if doc.get("error").is_some() {
                continue;
            }
            let mut problems = Vec::new();
            for (std, variants) in DA_MEMBERS {
                if doc.get(std).is_some() {
                    continue;
                }
                match variants.iter().find(|v| doc.get(**v).is_some()) {
                    Some(v) => problems.push(format!("`{v}` instead of `{std}`")),
                    None => problems.push(format!("no `{std}`")),
                }
            }
            if problems.is_empty() {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "the device authorization response is not RFC 8628 shaped: {}",
                    problems.join(", ")
                ),
            )
            .strength(Strength::Direct)
            .text(e.index, "response.body", problems.join(", "))
            .emit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("abc", "abd"), 1);
        assert_eq!(
            edit_distance("urn:ietf:params:oauth:grant-type:device-code", DEVICE_GRANT),
            1
        );
        assert!(edit_distance("authorization_code", DEVICE_GRANT) > 4);
    }

    #[test]
    fn terminal_errors() {
        assert!(!is_terminal("authorization_pending"));
        assert!(!is_terminal("slow_down"));
        assert!(is_terminal("expired_token"));
        assert!(is_terminal("access_denied"));
    }
}

#[cfg(test)]
mod flow_tests {
    use super::super::testkit::*;

    const DA: &str = "https://idp.example.com/oauth2/device_authorization";
    const TOKEN: &str = "https://idp.example.com/oauth2/token";

    fn da(t: f64, rbody: &str) -> serde_json::Value {
        x(
            t,
            "POST",
            DA,
            &[],
            Some("client_id=tv&scope=openid"),
            200,
            &[],
            Some(rbody),
        )
    }

    fn poll(t: f64, status: u16, rbody: &str) -> serde_json::Value {
        x(
            t,
            "POST",
            TOKEN,
            &[],
            Some(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=DC1&client_id=tv",
            ),
            status,
            &[],
            Some(rbody),
        )
    }

    const DAR: &str = r#"{"device_code":"DC1","user_code":"ABCD-EFGH","verification_uri":"https://idp.example.com/device","expires_in":600,"interval":5}"#;
    const PENDING: &str = r#"{"error":"authorization_pending"}"#;
    const SLOW: &str = r#"{"error":"slow_down"}"#;
    const TOKENS: &str = r#"{"access_token":"at","token_type":"Bearer","expires_in":3600}"#;

    #[test]
    fn dev001_gives_up_on_pending() {
        let f = run(vec![da(0.0, DAR), poll(5.0, 400, PENDING), da(6.0, DAR)]);
        assert!(fired(&f, "DEV001"), "{}", summary(&f));
        let f = run(vec![
            da(0.0, DAR),
            poll(5.0, 400, PENDING),
            poll(10.0, 200, TOKENS),
        ]);
        assert!(!fired(&f, "DEV001"), "{}", summary(&f));
    }

    #[test]
    fn dev002_and_dev003_intervals() {
        let f = run(vec![
            da(0.0, DAR),
            poll(5.0, 400, PENDING),
            poll(10.0, 400, SLOW),
            poll(15.0, 400, SLOW),
        ]);
        assert!(fired(&f, "DEV002"), "{}", summary(&f));
        assert!(!fired(&f, "DEV003"), "{}", summary(&f));
        assert_eq!(top_category(&f), "rate_limit", "{}", summary(&f));
        let f = run(vec![
            da(0.0, DAR),
            poll(1.0, 400, PENDING),
            poll(2.0, 400, SLOW),
        ]);
        assert!(fired(&f, "DEV003"), "{}", summary(&f));
        let f = run(vec![
            da(0.0, DAR),
            poll(5.0, 400, PENDING),
            poll(10.2, 400, SLOW),
            poll(20.3, 200, TOKENS),
        ]);
        assert!(
            !fired(&f, "DEV002") && !fired(&f, "DEV003"),
            "{}",
            summary(&f)
        );
    }

    #[test]
    fn dev004_by_clock_and_by_code() {
        let short = r#"{"device_code":"DC1","user_code":"ABCD-EFGH","verification_uri":"https://idp.example.com/device","expires_in":3}"#;
        let f = run(vec![
            da(0.0, short),
            poll(0.1, 400, PENDING),
            poll(
                5.1,
                400,
                r#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
            ),
        ]);
        assert!(fired(&f, "DEV004"), "{}", summary(&f));
        assert_eq!(top_category(&f), "token_expiry", "{}", summary(&f));
        let f = run(vec![poll(0.0, 400, r#"{"error":"expired_token"}"#)]);
        assert_eq!(top_category(&f), "token_expiry", "{}", summary(&f));
    }

    #[test]
    fn dev005_denied() {
        let f = run(vec![
            da(0.0, DAR),
            poll(5.0, 400, r#"{"error":"access_denied"}"#),
        ]);
        assert!(fired(&f, "DEV005"), "{}", summary(&f));
    }

    #[test]
    fn dev006_short_grant_name() {
        let f = run(vec![x(
            0.0,
            "POST",
            TOKEN,
            &[],
            Some("grant_type=device_code&device_code=DC1&client_id=tv"),
            400,
            &[],
            Some(r#"{"error":"unsupported_grant_type"}"#),
        )]);
        assert!(fired(&f, "DEV006"), "{}", summary(&f));
        assert_eq!(top_category(&f), "grant_type", "{}", summary(&f));
    }

    #[test]
    fn dev007_poll_by_another_client() {
        let f = run(vec![
            da(0.0, DAR),
            x(
                5.0,
                "POST",
                TOKEN,
                &[],
                Some(
                    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=DC1&client_id=other",
                ),
                400,
                &[],
                Some(r#"{"error":"invalid_grant"}"#),
            ),
        ]);
        assert!(fired(&f, "DEV007"), "{}", summary(&f));
    }

    #[test]
    fn dev008_variant_names() {
        let f = run(vec![da(
            0.0,
            r#"{"device_code":"DC1","user_code":"ABCD","verification_url":"https://idp.example.com/device","expires_in":600}"#,
        )]);
        assert!(find(&f, "DEV008").message.contains("`verification_url`"));
        let f = run(vec![da(0.0, DAR)]);
        assert!(!fired(&f, "DEV008"));
    }
    #[test]
    fn dev007_device_request_to_the_token_endpoint() {
        let md = r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/oauth2/token","device_authorization_endpoint":"https://idp.example.com/oauth2/device_authorization"}"#;
        let discovery = get(0.0, DISCOVERY, 200, &[], Some(md));
        let f = run(vec![
            discovery.clone(),
            x(
                1.0,
                "POST",
                TOKEN,
                &[],
                Some("client_id=tv&scope=openid"),
                400,
                &[],
                Some(r#"{"error":"unsupported_grant_type"}"#),
            ),
        ]);
        assert_eq!(find(&f, "DEV007").category.as_str(), "endpoint_url");
        // A confidential client that forgot its grant_type is GRANT001's, not this.
        let f = run(vec![
            discovery,
            x(
                1.0,
                "POST",
                TOKEN,
                &[("Authorization", "Basic d2ViOnMzY3JldA==")],
                Some("scope=api"),
                400,
                &[],
                Some(r#"{"error":"invalid_request"}"#),
            ),
        ]);
        assert!(!fired(&f, "DEV007"), "{}", summary(&f));
    }
}
