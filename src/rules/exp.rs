//! EXP: lifetimes and clocks — access tokens used after `exp` / `expires_in`, tokens not yet
//! valid, client/server clock skew, authorization codes and PAR `request_uri`s used too late,
//! refresh tokens that expired or were revoked (RULES.md §1.2). Every time comparison uses the
//! capture's own clock: the server `Date` header, else the capture timestamp (never the
//! machine's clock), with `--leeway` tolerance.

use super::common::{
    Lookup, ReportExt, alias_signal, date_header, done_ms, err_of, human, is_code_redemption,
    is_refresh, is_token_request, sent_ms, sent_refresh, signal_is, succeeded,
};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Severity, Strength};
use crate::model::{Exchange, Kind};
use crate::oauth::errors::ServerError;
use crate::oauth::jwt;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Exp001, &Exp002, &Exp003, &Exp004, &Exp005, &Exp006, &Exp007, &Exp008, &Exp009,
];

/// Seconds between the moments two exchanges were judged, on one clock: both server `Date`
/// headers when both have one, else both capture timestamps.
fn seconds_between(earlier: &Exchange, later: &Exchange) -> Option<i64> {
    let date = |e: &Exchange| e.response.as_ref().and_then(|r| r.date());
    match (date(earlier), date(later)) {
        (Some(a), Some(b)) => Some(b.as_second() - a.as_second()),
        _ => Some((sent_ms(later)? - done_ms(earlier)?) / 1000),
    }
}

/// An RFC 3339 rendering of a NumericDate.
fn at(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| secs.to_string())
}

/// A numeric member of a JSON (or form) token response, tolerating numeric strings.
fn number_field(e: &Exchange, name: &str) -> Option<i64> {
    let r = e.response.as_ref()?;
    match r.json.as_ref().and_then(|j| j.get(name)) {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => r.form.get(name).and_then(|s| s.trim().parse().ok()),
    }
}

fn is_api_call(e: &Exchange) -> bool {
    matches!(e.kind, Kind::Resource | Kind::Userinfo) && e.request.presented_token().is_some()
}

/// A resource call the server refused because of its token.
fn token_refused(e: &Exchange) -> bool {
    if !is_api_call(e) || !e.failed() {
        return false;
    }
    let code = err_of(e).map(|x| x.code);
    e.status() == Some(401) || code.as_deref() == Some("invalid_token")
}

/// Words of an error description that point at a time condition.
fn says_time(err: &Option<ServerError>) -> bool {
    let Some(d) = err.as_ref().and_then(|x| x.description.as_deref()) else {
        return false;
    };
    let d = d.to_ascii_lowercase();
    if [
        "not yet valid",
        "not valid yet",
        "not valid before",
        "in the future",
        "timeframe",
    ]
    .iter()
    .any(|p| d.contains(p))
    {
        return true;
    }
    d.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        matches!(
            w,
            "iat"
                | "nbf"
                | "exp"
                | "expired"
                | "expiry"
                | "expires"
                | "clock"
                | "skew"
                | "stale"
                | "future"
        )
    })
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// For every resource or UserInfo call refused with 401 / `invalid_token`, checks whether the
    /// presented access token had expired at the time of the call: a JWT's `exp` against the
    /// response's `Date` header (or `--now`), else — for an opaque token — the `expires_in` of the
    /// token response in the capture that issued it. The `--leeway` tolerance (default 60 s)
    /// applies.
    ///
    /// ## Why it fails
    /// Access tokens are short-lived (RFC 6749 §5.1 `expires_in`, RFC 7519 §4.1.4 `exp`). A client
    /// that keeps a token in memory and never refreshes gets `401 WWW-Authenticate: Bearer
    /// error="invalid_token"` once it expires (RFC 6750 §3.1).
    ///
    /// ## Example
    /// Token issued 09:00 with `exp` 10:00; `GET /v1/orders` at 10:20 →
    /// `401 Bearer error="invalid_token", error_description="The access token expired"`.
    ///
    /// ## Fix
    /// Refresh before expiry (`expires_in` minus a margin); on `401 invalid_token` refresh once
    /// and retry.
    ///
    /// ## References
    /// RFC 6750 §3.1; RFC 7519 §4.1.4; RFC 6749 §5.1
    pub struct Exp001 {
        code: "EXP001",
        name: "access-token-expired",
        title: "access token expired at time of use",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "refresh the access token before it expires (`expires_in` minus a margin) and refresh once on `401 invalid_token`",
        references: ["RFC 6750 §3.1", "RFC 7519 §4.1.4", "RFC 6749 §5.1"],
    }
}

/// One piece of evidence to attach: (exchange, location, value).
type Ev = (usize, &'static str, String);

/// Why a presented access token was expired at the time of `e`: (message, evidence).
fn expired_at_use(
    cx: &Context<'_>,
    lk: &Lookup<'_>,
    e: &Exchange,
    token: &str,
) -> Option<(String, Vec<Ev>)> {
    let leeway = cx.options.leeway;
    let now = cx.judged_at_secs(e)?;
    if let Ok(d) = jwt::decode(token) {
        if let Some(exp) = d.claim_time("exp") {
            if now > exp.saturating_add(leeway) {
                return Some((
                    format!(
                        "the access token's `exp` ({}) is {} before this request was judged ({})",
                        at(exp),
                        human(now.saturating_sub(exp)),
                        at(now)
                    ),
                    vec![(
                        e.index,
                        "request.headers.authorization.exp",
                        exp.to_string(),
                    )],
                ));
            }
            return None;
        }
    }
    let x = lk.issuer(token)?;
    let life = number_field(x, "expires_in")?;
    let age = match cx.options.now {
        Some(n) => n.as_second() - cx.judged_at(x)?.as_second(),
        None => seconds_between(x, e)?,
    };
    (age > life.saturating_add(leeway)).then(|| {
        (
            format!(
                "the access token was issued by exchange #{} with `expires_in` {life} and used {} later ({} after it expired)",
                x.number(),
                human(age),
                human(age.saturating_sub(life))
            ),
            vec![(x.index, "response.body.expires_in", life.to_string())],
        )
    })
}

impl Rule for Exp001 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let lk = Lookup::new(ex, cx.index);
        for e in ex.iter().filter(|e| token_refused(e)) {
            let Some(t) = e.request.presented_token() else {
                continue;
            };
            let Some((msg, ev)) = expired_at_use(cx, &lk, e, &t) else {
                continue;
            };
            let mut rep = cx
                .report(e.index, msg)
                .confirmed_if(alias_signal(&ex[e.index], &["invalid_token"]))
                .strength(Strength::Recomputed)
                .secret(e.index, "request.headers.authorization", t);
            for (i, at, v) in ev {
                rep = rep.text(i, at, v);
            }
            if let Some(d) = date_header(e) {
                rep = rep.text(e.index, "response.headers.date", d);
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// For every failed request that carries a JWT — the access token of a resource or UserInfo
    /// call, the `assertion` of a JWT-bearer grant, the `subject_token` / `actor_token` of a
    /// token exchange — compares `nbf` and `iat` with the server's `Date` for that response (or
    /// `--now`): a value more than `--leeway` seconds in the future means the token is not yet
    /// valid for that server. Client assertions (`client_assertion`) are CRED013's.
    ///
    /// ## Why it fails
    /// A JWT must not be accepted before `nbf` (RFC 7519 §4.1.5), and validators reject an `iat`
    /// in the future (§4.1.6). The issuer's clock runs ahead of the validator's, or the validator's
    /// clock is behind: the fix is clock synchronisation, not the token.
    ///
    /// ## Example
    /// Token `nbf` = 11:00:00 (issuer clock); the API's `Date` is 10:55:02 →
    /// `401 invalid_token` "IDX10222: Lifetime validation failed. The token is not yet valid."
    ///
    /// ## Fix
    /// Synchronise clocks with NTP on the issuer and the validator; allow a small leeway (at most
    /// 60 s) in validators.
    ///
    /// ## References
    /// RFC 7519 §4.1.5, §4.1.6
    pub struct Exp002 {
        code: "EXP002",
        name: "token-not-yet-valid",
        title: "token not yet valid (nbf/iat in the future)",
        category: ClockSkew,
        severity: Error,
        kind: Diag,
        fix: "synchronise the issuer's and the validator's clocks (NTP) and allow a small leeway (at most 60 s)",
        references: ["RFC 7519 §4.1.5", "RFC 7519 §4.1.6"],
    }
}

impl Rule for Exp002 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let leeway = cx.options.leeway;
        for e in ex.iter().filter(|e| e.failed()) {
            let mut jwts: Vec<(String, &'static str, &'static str)> = Vec::new();
            if is_api_call(e) {
                if let Some(t) = e.request.presented_token() {
                    jwts.push((t, "request.headers.authorization", "the access token"));
                }
            } else if is_token_request(e) {
                for (p, at, what) in [
                    ("assertion", "request.body.assertion", "the grant assertion"),
                    (
                        "subject_token",
                        "request.body.subject_token",
                        "the `subject_token`",
                    ),
                    (
                        "actor_token",
                        "request.body.actor_token",
                        "the `actor_token`",
                    ),
                ] {
                    if let Some(v) = e.request.param(p) {
                        jwts.push((v, at, what));
                    }
                }
            }
            let Some(now) = cx.judged_at_secs(e) else {
                continue;
            };
            for (t, at_, what) in jwts {
                let Ok(d) = jwt::decode(&t) else { continue };
                let hit = ["nbf", "iat"].into_iter().find_map(|c| {
                    d.claim_time(c)
                        .filter(|v| *v > now.saturating_add(leeway))
                        .map(|v| (c, v))
                });
                let Some((claim, v)) = hit else { continue };
                cx.report(
                    e.index,
                    format!(
                        "{what}'s `{claim}` ({}) is {} after the server's time for this request ({}): it is not valid yet for this server",
                        at(v),
                        human(v.saturating_sub(now)),
                        at(now)
                    ),
                )
.confirmed_if(alias_signal(&ex[e.index], &["invalid_token"]))
                .strength(Strength::Recomputed)
                .secret(e.index, at_, t)
                .text(e.index, format!("{at_}.{claim}"), v.to_string())
                .text(
                    e.index,
                    "response.headers.date",
                    date_header(e).unwrap_or("(none)"),
                )
                .emit();
                break;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// Where a response's `Date` lies outside the interval the exchange took on the capture clock
/// (1 s tolerance for the header's resolution): positive = the server is ahead. Milliseconds.
/// Only OAuth exchanges count, and never a response served from a cache (`Age`, 304): its
/// `Date` is the origin's time of first delivery.
fn clock_offset_ms(e: &Exchange) -> Option<i64> {
    let r = e.response.as_ref()?;
    if matches!(e.kind, Kind::Other | Kind::Preflight)
        || r.status == 304
        || r.headers.get("age").is_some_and(|a| a.trim() != "0")
    {
        return None;
    }
    let date = r.date()?.as_millisecond();
    let (lo, hi) = (sent_ms(e)? - 1000, done_ms(e)? + 1000);
    Some(if date < lo {
        date - lo
    } else if date > hi {
        date - hi
    } else {
        0
    })
}

/// A request whose acceptance depends on time: it carries a JWT (assertion, token) or a DPoP
/// proof.
fn carries_time_bound_token(e: &Exchange) -> bool {
    let r = &e.request;
    r.headers.contains("dpop")
        || ["client_assertion", "assertion", "subject_token"]
            .iter()
            .any(|p| r.param(p).is_some_and(|v| jwt::looks_like_jwt(&v)))
        || r.presented_token().is_some_and(|t| jwt::looks_like_jwt(&t))
}

declare_rule! {
    /// ## What it does
    /// Compares every response's `Date` header with the capture's own timestamps for that
    /// exchange (the client's clock), per server host. Only OAuth exchanges count (not page
    /// assets), and responses served from a cache (`Age`, 304) are skipped: their `Date` is the
    /// time of first delivery. When other servers agree with the capture's clock, the odd server
    /// is blamed instead of the client. When every response of a host is more
    /// than 30 s off in the same direction, reports the skew once: as an error when it exceeds
    /// 120 s and a failed exchange on that host is time-related (its error mentions expiry,
    /// `iat`, `nbf` or the clock, or it carries a JWT or DPoP proof), otherwise as a warning.
    ///
    /// ## Why it fails
    /// Lifetimes are checked against the validator's clock; assertions, DPoP proofs and tokens
    /// carry the minting machine's time (RFC 7519 §4.1.4 leeway, RFC 9110 §6.6.1 `Date`). A client
    /// clock minutes off mints assertions that are already expired or not yet valid for the
    /// server, and judges the server's tokens wrongly.
    ///
    /// ## Example
    /// Every `Date` is 10 minutes ahead of the capture's timestamps; the client's
    /// `private_key_jwt` assertion (`exp` = its clock + 300 s) →
    /// `401 invalid_client` "The client_assertion token is expired."
    ///
    /// ## Fix
    /// Synchronise the clocks (NTP) of the client and server machines; never compensate by
    /// disabling `exp` checks.
    ///
    /// ## References
    /// RFC 7519 §4.1.4; RFC 9110 §6.6.1
    pub struct Exp003 {
        code: "EXP003",
        name: "clock-skew",
        title: "client and server clocks disagree",
        category: ClockSkew,
        severity: Warning,
        kind: Both,
        fix: "synchronise the clocks of the client and server machines (NTP); never disable `exp` checks to compensate",
        references: ["RFC 7519 §4.1.4", "RFC 9110 §6.6.1"],
    }
}

impl Rule for Exp003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut by_host: BTreeMap<String, Vec<(usize, i64)>> = BTreeMap::new();
        for e in ex {
            if let (Some(h), Some(off)) = (e.request.host(), clock_offset_ms(e)) {
                by_host
                    .entry(h.to_ascii_lowercase())
                    .or_default()
                    .push((e.index, off));
            }
        }
        // Hosts whose every response is more than 30 s off in one direction, grouped by sign.
        let mut groups: BTreeMap<bool, Vec<(String, i64, Vec<usize>)>> = BTreeMap::new();
        // Hosts whose clock agrees with the capture's: then the skewed server is the odd one out.
        let agreeing: Vec<String> = by_host
            .iter()
            .filter(|(_, s)| s.iter().all(|(_, o)| o.abs() <= 5_000))
            .map(|(h, _)| h.clone())
            .collect();
        for (host, samples) in by_host {
            let ahead = samples.iter().all(|(_, o)| *o > 30_000);
            let behind = samples.iter().all(|(_, o)| *o < -30_000);
            if !(ahead || behind) {
                continue;
            }
            let mut offs: Vec<i64> = samples.iter().map(|(_, o)| *o).collect();
            offs.sort_unstable();
            let median = offs[offs.len() / 2];
            let idxs = samples.iter().map(|(i, _)| *i).collect();
            groups.entry(ahead).or_default().push((host, median, idxs));
        }
        for (ahead, hosts) in groups {
            let mut offs: Vec<i64> = hosts.iter().map(|(_, m, _)| *m).collect();
            offs.sort_unstable();
            let skew_s = offs[offs.len() / 2] / 1000;
            let members: Vec<usize> = {
                let mut v: Vec<usize> = hosts.iter().flat_map(|(_, _, i)| i.clone()).collect();
                v.sort_unstable();
                v
            };
            let time_failure = members
                .iter()
                .map(|&i| &ex[i])
                .find(|e| e.failed() && (says_time(&err_of(e)) || carries_time_bound_token(e)));
            let (anchor, severity, strength, confirmed) = match time_failure {
                Some(e) => (
                    e.index,
                    if skew_s.abs() > 120 {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    Strength::Recomputed,
                    says_time(&err_of(e)),
                ),
                None => match members.iter().map(|&i| &ex[i]).find(|e| succeeded(e)) {
                    Some(e) => (e.index, Severity::Warning, Strength::Recomputed, false),
                    None => (members[0], Severity::Warning, Strength::Heuristic, false),
                },
            };
            let names = hosts
                .iter()
                .map(|(h, _, _)| format!("`{h}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let n = members.len();
            let whose = if agreeing.is_empty() {
                format!(
                    "the clock of the machine that made the capture (the client) is {} by about that much",
                    if ahead { "slow" } else { "fast" }
                )
            } else {
                format!(
                    "other servers (`{}`) agree with the capture, so the clock of {names} is {}",
                    agreeing.join("`, `"),
                    if ahead { "fast" } else { "slow" }
                )
            };
            let mut msg = format!(
                "the `Date` header of {n} response(s) from {names} is {} {} the capture's timestamps: {whose}",
                human(skew_s),
                if ahead { "ahead of" } else { "behind" },
            );
            if let Some(e) = time_failure {
                msg.push_str(&format!(
                    "; exchange #{} failed on a time check{}",
                    e.number(),
                    err_of(e)
                        .map(|x| format!(" (`{}`)", x.code))
                        .unwrap_or_default()
                ));
            }
            let first = &ex[members[0]];
            let mut rep = cx
                .report(anchor, msg)
                .severity(severity)
                .strength(strength)
                .text(
                    first.index,
                    "response.headers.date",
                    date_header(first).unwrap_or(""),
                )
                .text(
                    first.index,
                    "started_at",
                    first.started_at.map(|t| t.to_string()).unwrap_or_default(),
                );
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// For every failed authorization-code redemption, measures the time between the
    /// authorization response that delivered the code and the token request (capture clock).
    /// More than 600 s is reported as an error; more than 60 s as an error too when the server
    /// answered `invalid_grant` (the catalogue has it as info: several servers — Keycloak, Okta
    /// — keep codes for about a minute), and not reported otherwise.
    ///
    /// ## Why it fails
    /// Authorization codes are short-lived: RFC 6749 §4.1.2 recommends at most 10 minutes and
    /// many servers use 30–60 s. A backend that queues the redemption behind user interaction or
    /// a slow job gets `invalid_grant`.
    ///
    /// ## Example
    /// Code delivered at 10:00:05, redeemed at 10:12:31 (746 s) →
    /// `400 {"error":"invalid_grant","error_description":"authorization code expired"}`.
    ///
    /// ## Fix
    /// Redeem the code immediately in the callback handler; do not queue it behind user
    /// interaction.
    ///
    /// ## References
    /// RFC 6749 §4.1.2
    pub struct Exp004 {
        code: "EXP004",
        name: "authorization-code-redeemed-late",
        title: "authorization code redeemed too late",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "redeem the authorization code immediately in the callback instead of queueing it",
        references: ["RFC 6749 §4.1.2"],
    }
}

impl Rule for Exp004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        for e in ex.iter().filter(|e| is_code_redemption(e) && e.failed()) {
            let Some(code) = e.request.param("code") else {
                continue;
            };
            let Some(a) = lk.azr_for_code(&code) else {
                continue;
            };
            let Some(src) = ex.get(a.exchange) else {
                continue;
            };
            let delivered = if a.via_location {
                done_ms(src)
            } else {
                sent_ms(src)
            };
            let (Some(d), Some(s)) = (delivered, sent_ms(e)) else {
                continue;
            };
            let gap = (s - d) / 1000;
            let invalid_grant = signal_is(e, &["invalid_grant"]);
            let strength = if gap > 600 {
                Strength::Recomputed
            } else if gap > 60 && invalid_grant {
                Strength::Heuristic
            } else {
                continue;
            };
            let limit = if gap > 600 {
                "beyond the 10-minute maximum RFC 6749 recommends"
            } else {
                "longer than the one-minute code lifetime several servers use"
            };
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the code was redeemed {} after the authorization response delivered it (exchange #{}), {limit}",
                        human(gap),
                        a.exchange + 1
                    ),
                )
.confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                .strength(strength)
                .text(
                    a.exchange,
                    "started_at",
                    src.started_at.map(|t| t.to_string()).unwrap_or_default(),
                )
                .text(
                    e.index,
                    "started_at",
                    e.started_at.map(|t| t.to_string()).unwrap_or_default(),
                );
            if let Some(x) = err_of(e) {
                rep = rep.text(e.index, x.at, x.code);
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a refresh request answered `invalid_grant` when the capture shows no other cause:
    /// no rotation or concurrent refresh with the same token (GRANT008/GRANT009), no placeholder
    /// value (GRANT011), no replayed authorization code that would have revoked the grant
    /// (GRANT003). Adds what the capture tells about the token: its age since the response that
    /// issued it, a `refresh_expires_in` it exceeded (Keycloak), or a revocation request for it.
    /// Also quiet when the error description names another cause (client, DPoP binding, scope)
    /// or the refresh proof uses another DPoP key than the one the token was issued to
    /// (DPOP011). The catalogue's "long gap since the RT was issued" is reported as evidence,
    /// not required: revocation can happen seconds after issue.
    ///
    /// ## Why it fails
    /// Refresh tokens expire (absolute or idle lifetime), and servers revoke them on logout,
    /// password change, consent withdrawal or policy (RFC 6749 §6, §10.4). The server answers
    /// `invalid_grant` (§5.2); retrying does not help.
    ///
    /// ## Example
    /// Refresh token issued 09:00 with `refresh_expires_in` 1800; refresh at 09:47 →
    /// `400 {"error":"invalid_grant","error_description":"Token is not active"}`.
    ///
    /// ## Fix
    /// Send the user through authorization again; treat `invalid_grant` on refresh as terminal,
    /// not retryable.
    ///
    /// ## References
    /// RFC 6749 §6, §5.2, §10.4
    pub struct Exp005 {
        code: "EXP005",
        name: "refresh-token-expired-or-revoked",
        title: "refresh token expired, idle-timed-out or revoked",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "send the user through authorization again; treat `invalid_grant` on refresh as terminal",
        references: ["RFC 6749 §6", "RFC 6749 §5.2", "RFC 6749 §10.4"],
    }
}

impl Rule for Exp005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        let revocations = revocations(ex);
        for e in ex.iter().filter(|e| is_refresh(e)) {
            let Some(err) = err_of(e) else { continue };
            if !signal_is(e, &["invalid_grant"]) {
                continue;
            }
            let Some(rt) = sent_refresh(e) else {
                continue;
            };
            if lk.refresh_conflict(e).is_some() {
                continue;
            }
            // The server named another cause (client, DPoP binding, scope…).
            let desc = err
                .description
                .as_deref()
                .unwrap_or("")
                .to_ascii_lowercase();
            let other_cause = desc.contains("dpop")
                || crate::oauth::errors::keyword_category(&desc)
                    .is_some_and(|c| !matches!(c, Category::TokenExpiry | Category::GrantType));
            if other_cause {
                continue;
            }
            let issuer = lk.issuer(&rt);
            if issuer.is_some_and(|x| dpop_key_changed(x, e)) {
                continue; // DPOP011: the refresh token is bound to another key
            }
            // The grant was revoked because its code was redeemed twice (GRANT003).
            if issuer.is_some_and(|x| {
                is_code_redemption(x)
                    && x.request.param("code").is_some_and(|c| {
                        lk.redemptions_of(&c).any(|j| {
                            j.index > x.index
                                && j.failed()
                                && lk.earlier_redemption(j).is_some_and(|i| i.index == x.index)
                        })
                    })
            }) {
                continue;
            }
            let revoked = revocations
                .get(rt.as_str())
                .filter(|&&r| r < e.index)
                .map(|&r| &ex[r]);
            let mut strength = Strength::Heuristic;
            let mut msg = "the refresh token was rejected with `invalid_grant` and the capture shows no rotation, race or replay".to_string();
            let mut ev: Vec<Ev> = Vec::new();
            if let Some(r) = revoked {
                strength = Strength::Recomputed;
                msg = format!(
                    "the refresh token was revoked by exchange #{} before this refresh",
                    r.number()
                );
                ev.push((r.index, "request.body.token", String::new()));
            } else if let Some(x) = issuer {
                let age = seconds_between(x, e);
                let limit = number_field(x, "refresh_expires_in").filter(|l| *l > 0);
                match (age, limit) {
                    (Some(a), Some(l)) if a > l => {
                        strength = Strength::Recomputed;
                        msg = format!(
                            "the refresh token issued by exchange #{} had `refresh_expires_in` {l} and was used {} later ({} past it)",
                            x.number(),
                            human(a),
                            human(a.saturating_sub(l))
                        );
                        ev.push((x.index, "response.body.refresh_expires_in", l.to_string()));
                    }
                    (Some(a), _) => {
                        msg = format!(
                            "the refresh token issued by exchange #{} was rejected {} later with `invalid_grant`; the capture shows no rotation, race or replay: it expired (idle or absolute lifetime) or was revoked",
                            x.number(),
                            human(a)
                        );
                    }
                    _ => {}
                }
            } else {
                msg.push_str(
                    "; it was issued before the capture began, so it expired or was revoked",
                );
            }
            let mut rep = cx
                .report(e.index, msg)
                .confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                .strength(strength)
                .secret(e.index, "request.body.refresh_token", rt.clone())
                .text(e.index, err.at, err.code.clone());
            for (i, at, v) in ev {
                rep = if at == "request.body.token" {
                    rep.secret(i, at, rt.clone())
                } else {
                    rep.text(i, at, v)
                };
            }
            rep.emit();
        }
    }
}

/// Tokens revoked by a successful revocation request: token → first such exchange.
fn revocations(ex: &[Exchange]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in ex.iter().filter(|r| {
        r.kind == Kind::Revocation && r.response.as_ref().is_some_and(|x| x.is_success())
    }) {
        if let Some(t) = r.request.param("token") {
            m.entry(t).or_insert(r.index);
        }
    }
    m
}

/// The public key (`jwk` header) of a request's DPoP proof.
fn dpop_key(e: &Exchange) -> Option<Value> {
    let proof = e.request.headers.get("dpop")?;
    jwt::decode(proof).ok()?.header.get("jwk").cloned()
}

/// Both requests carry DPoP proofs, signed with different keys.
fn dpop_key_changed(a: &Exchange, b: &Exchange) -> bool {
    matches!((dpop_key(a), dpop_key(b)), (Some(x), Some(y)) if x != y)
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a successful token response that carries an `access_token` but no `expires_in`,
    /// when the access token is not a JWT with an `exp` claim either.
    ///
    /// ## Why it fails
    /// `expires_in` is only RECOMMENDED (RFC 6749 §5.1). Without it the client cannot know when
    /// to refresh and learns about expiry only from a failing API call.
    ///
    /// ## Example
    /// `200 {"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer"}`.
    ///
    /// ## Fix
    /// Assume a conservative lifetime and handle `401 invalid_token` by refreshing once; ask the
    /// server operator to send `expires_in`.
    ///
    /// ## References
    /// RFC 6749 §5.1
    pub struct Exp006 {
        code: "EXP006",
        name: "token-response-without-expires-in",
        title: "token response lacks expires_in",
        category: TokenExpiry,
        severity: Info,
        kind: Lint,
        fix: "assume a conservative lifetime and refresh on `401 invalid_token`; ask the server to send `expires_in`",
        references: ["RFC 6749 §5.1"],
    }
}

impl Rule for Exp006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| is_token_request(e) && succeeded(e)) {
            let Some(r) = e.response.as_ref() else {
                continue;
            };
            let Some(at_) = r.field("access_token") else {
                continue;
            };
            let has_expires = r
                .json
                .as_ref()
                .and_then(|j| j.get("expires_in"))
                .is_some_and(|v| !v.is_null())
                || r.form.has("expires_in");
            if has_expires {
                continue;
            }
            if jwt::decode(at_).is_ok_and(|d| d.claim_time("exp").is_some()) {
                continue;
            }
            cx.report(
                e.index,
                "the token response has an `access_token` without `expires_in`, and the token is not a JWT with `exp`: the client cannot tell when it expires",
            )
            .strength(Strength::Direct)
            .text(e.index, "response.body.expires_in", "(absent)")
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// For every resource or UserInfo call refused with 401 / `invalid_token`, checks whether a
    /// newer access token had already been issued for the same grant (a refresh that used the
    /// refresh token of the response that issued the presented token, or a new
    /// `client_credentials` token for the same client) before the call, while the presented one
    /// was expired (`exp` or `expires_in`, with leeway) or revoked.
    ///
    /// ## Why it fails
    /// One process refreshed and stored the new token; another (a worker, a second instance, a
    /// cached HTTP client) kept the old one and keeps calling with it after it expired
    /// (RFC 6749 §5.1, §6).
    ///
    /// ## Example
    /// Token A at 09:00 (`expires_in` 3600); refresh at 09:55 returns B; a worker calls the API
    /// with A at 10:05 → `401 invalid_token`.
    ///
    /// ## Fix
    /// Update the token store atomically after every token response and share it between
    /// workers; read the current token for every call.
    ///
    /// ## References
    /// RFC 6749 §5.1, §6
    pub struct Exp007 {
        code: "EXP007",
        name: "stale-token-after-refresh",
        title: "stale token still used after a newer one was issued",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "update the token store atomically after every token response and read the current token for every call",
        references: ["RFC 6749 §5.1", "RFC 6749 §6"],
    }
}

impl Rule for Exp007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        let lk = Lookup::new(ex, idx);
        let revocations = revocations(ex);
        let mut cc_by_client: HashMap<String, Vec<usize>> = HashMap::new();
        for y in ex.iter().filter(|y| {
            is_token_request(y)
                && succeeded(y)
                && super::common::grant_of(y).as_deref() == Some("client_credentials")
        }) {
            if let Some((c, _)) = super::common::token_identity(y) {
                cc_by_client.entry(c).or_default().push(y.index);
            }
        }
        for e in ex.iter().filter(|e| token_refused(e)) {
            let Some(a) = e.request.presented_token() else {
                continue;
            };
            let Some(x) = lk.issuer(&a) else {
                continue;
            };
            // Follow the grant forward from X: refreshes using a token of the chain.
            let mut chain: Vec<String> = x
                .response
                .as_ref()
                .and_then(|r| r.field("refresh_token"))
                .map(|s| vec![s.to_string()])
                .unwrap_or_default();
            let client = super::common::token_identity(x).map(|(c, _)| c);
            let x_cc = super::common::grant_of(x).as_deref() == Some("client_credentials");
            // Candidates: the exchanges correlated with X (its refresh chain), and the other
            // client_credentials token requests of the same client.
            let mut cand: Vec<usize> = idx
                .flow_of
                .get(x.index)
                .and_then(|f| idx.flows.get(*f))
                .map(|f| f.exchanges.clone())
                .unwrap_or_default();
            if x_cc {
                if let Some(c) = &client {
                    cand.extend(cc_by_client.get(c).into_iter().flatten());
                }
            }
            cand.sort_unstable();
            cand.dedup();
            let mut newer: Option<&Exchange> = None;
            for y in cand.into_iter().map(|i| &ex[i]).filter(|y| {
                y.index > x.index && y.index < e.index && is_token_request(y) && succeeded(y)
            }) {
                let same_grant = y
                    .request
                    .param("refresh_token")
                    .is_some_and(|r| chain.contains(&r))
                    || (super::common::grant_of(x).as_deref() == Some("client_credentials")
                        && super::common::grant_of(y).as_deref() == Some("client_credentials")
                        && super::common::token_identity(y).map(|(c, _)| c) == client);
                if !same_grant {
                    continue;
                }
                if let Some(r) = super::common::issued_refresh(y) {
                    chain.push(r.to_string());
                }
                if y.response
                    .as_ref()
                    .and_then(|r| r.field("access_token"))
                    .is_some_and(|b| b != a)
                {
                    newer = Some(y);
                }
            }
            let Some(y) = newer else { continue };
            let revoked = revocations
                .get(a.as_str())
                .filter(|&&r| r < e.index)
                .map(|&r| &ex[r]);
            let why = match (revoked, expired_at_use(cx, &lk, e, &a)) {
                (Some(r), _) => format!("it was revoked by exchange #{}", r.number()),
                (None, Some((m, _))) => m,
                (None, None) => continue,
            };
            cx.report(
                e.index,
                format!(
                    "this call presents the access token from exchange #{}, although exchange #{} had already issued a newer one for the same grant; {why}",
                    x.number(),
                    y.number()
                ),
            )
.confirmed_if(alias_signal(&ex[e.index], &["invalid_token"]))
            .strength(Strength::Recomputed)
            .secret(e.index, "request.headers.authorization", a)
            .text(y.index, "response.body.access_token", "(a newer token)")
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags an introspection response `200 {"active": false}` and anchors it on the resource call
    /// that was refused with the same token (the introspection was made for it), adding what
    /// the capture shows about the token: an earlier revocation request, or a JWT `exp` in the
    /// past.
    ///
    /// ## Why it fails
    /// The authorization server says the token is not usable: expired, revoked (logout,
    /// revocation request), issued by another server, or unknown (RFC 7662 §2.2). The resource
    /// server must then answer `401 invalid_token`.
    ///
    /// ## Example
    /// `POST /revoke token=…` → `200`; two minutes later the API introspects the same token →
    /// `200 {"active":false}` and answers `401 invalid_token`.
    ///
    /// ## Fix
    /// Obtain a new token (refresh or re-authorize); resource servers must map `active:false` to
    /// `401 invalid_token`, not to a 500.
    ///
    /// ## References
    /// RFC 7662 §2.2
    pub struct Exp008 {
        code: "EXP008",
        name: "introspection-inactive",
        title: "introspection reports inactive token",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "obtain a new token; resource servers must answer `401 invalid_token` for `active:false`",
        references: ["RFC 7662 §2.2"],
    }
}

impl Rule for Exp008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let revocations = revocations(ex);
        let leeway = cx.options.leeway;
        for i in ex.iter().filter(|e| e.kind == Kind::Introspection) {
            let inactive = i
                .response
                .as_ref()
                .filter(|r| r.is_success())
                .and_then(|r| r.json.as_ref())
                .and_then(|j| j.get("active"))
                .is_some_and(|v| v == &Value::Bool(false));
            if !inactive {
                continue;
            }
            let Some(t) = i.request.param("token") else {
                continue;
            };
            let anchor = ex
                .iter()
                .filter(|e| {
                    token_refused(e) && e.request.presented_token().as_deref() == Some(t.as_str())
                })
                .min_by_key(|e| {
                    sent_ms(e)
                        .zip(sent_ms(i))
                        .map(|(a, b)| (a - b).abs())
                        .unwrap_or(i64::MAX)
                });
            let mut why = String::new();
            if let Some(r) = revocations
                .get(t.as_str())
                .filter(|&&r| r < i.index)
                .map(|&r| &ex[r])
            {
                why = format!("; exchange #{} revoked it", r.number());
            } else if let (Ok(d), Some(now)) = (jwt::decode(&t), cx.judged_at_secs(i)) {
                if let Some(exp) = d
                    .claim_time("exp")
                    .filter(|x| now > x.saturating_add(leeway))
                {
                    why = format!(
                        "; its `exp` passed {} earlier",
                        human(now.saturating_sub(exp))
                    );
                }
            }
            let anchor_ix = anchor.map(|a| a.index).unwrap_or(i.index);
            let on = anchor
                .map(|a| format!(" for the call in exchange #{}", a.number()))
                .unwrap_or_default();
            cx.report(
                anchor_ix,
                format!(
                    "the introspection endpoint (exchange #{}) reports the token inactive (`active: false`){on}{why}",
                    i.number()
                ),
            )
.confirmed_if(alias_signal(&ex[anchor_ix], &["invalid_token"]))
            .strength(Strength::Direct)
            .secret(i.index, "request.body.token", t)
            .text(i.index, "response.body.active", "false")
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// For every pushed authorization request (PAR) in the capture, finds the authorization
    /// request that used its `request_uri` and compares the time between the PAR response and
    /// that request with the PAR response's `expires_in`; reports it when the authorization
    /// request failed.
    ///
    /// ## Why it fails
    /// A `request_uri` is short-lived (RFC 9126 §2.2, typically 60 s) and single-use (§4). A
    /// browser sent to the authorization endpoint late (a slow page, a queued redirect) or a
    /// `request_uri` reused on a second attempt gets `invalid_request_uri`.
    ///
    /// ## Example
    /// PAR at 10:00:00 → `201 {"request_uri":"urn:ietf:params:oauth:request_uri:…","expires_in":60}`;
    /// authorization request with it at 10:02:31 → `error=invalid_request_uri`.
    ///
    /// ## Fix
    /// Redirect the browser right after the PAR call and push a new request for each attempt.
    ///
    /// ## References
    /// RFC 9126 §2.2, §4
    pub struct Exp009 {
        code: "EXP009",
        name: "par-request-uri-expired",
        title: "pushed request_uri expired before use",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "redirect the browser immediately after the PAR call and push a new request for every attempt",
        references: ["RFC 9126 §2.2", "RFC 9126 §4"],
    }
}

impl Rule for Exp009 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for p in ex.iter().filter(|e| e.kind == Kind::Par && succeeded(e)) {
            let Some(uri) = p.response.as_ref().and_then(|r| r.field("request_uri")) else {
                continue;
            };
            let Some(life) = number_field(p, "expires_in") else {
                continue;
            };
            for az in ex.iter().filter(|a| {
                a.kind == Kind::Authorize && a.request.query.get("request_uri") == Some(uri)
            }) {
                let (Some(d), Some(s)) = (done_ms(p), sent_ms(az)) else {
                    continue;
                };
                let gap = (s - d) / 1000;
                if gap <= life {
                    continue;
                }
                // The failure: on the authorization request itself, or the next authorization
                // response.
                let anchor = if az.failed() {
                    Some(az.index)
                } else {
                    idx.authz_responses
                        .iter()
                        .filter(|a| a.exchange >= az.index && a.params.has("error"))
                        .map(|a| a.exchange)
                        .next()
                };
                let Some(anchor) = anchor else { continue };
                let says_request = ex
                    .get(anchor)
                    .is_some_and(|x| signal_is(x, &["invalid_request"]));
                cx.report(
                    anchor,
                    format!(
                        "the `request_uri` pushed in exchange #{} (`expires_in` {life}) was used {} later, {} after it expired",
                        p.number(),
                        human(gap),
                        human(gap.saturating_sub(life))
                    ),
                )
                .strength(Strength::Recomputed)
                .confirmed_if(says_request)
                .text(p.index, "response.body.expires_in", life.to_string())
                .text(az.index, "request.query.request_uri", uri)
                .emit();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use crate::diagnosis::Category;

    /// An access token JWS of raw claims text (numbers JSON cannot hold survive).
    fn at_jwt(claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            b64url(r#"{"alg":"RS256","typ":"at+jwt"}"#),
            b64url(claims)
        )
    }

    #[test]
    fn exp001_jwt_and_opaque() {
        let mut c = Cap::new();
        let t = at_jwt(&format!(
            r#"{{"sub":"x","iat":{},"exp":{}}}"#,
            T0,
            T0 + 3600
        ));
        c.wait(4800.0);
        c.bearer_call("https://api.example.com/v1/orders", &t, 401, INVALID_TOKEN);
        let f = c.run();
        assert_eq!(of(&f, "EXP001").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::TokenExpiry);

        // opaque: expires_in 3600, used 65 minutes later
        let mut c = Cap::new();
        c.token(
            "grant_type=client_credentials&client_id=a&client_secret=b",
            200,
            r#"{"access_token":"opaque-token-123","token_type":"Bearer","expires_in":3600}"#,
        );
        c.wait(3900.0);
        c.bearer_call(
            "https://api.example.com/v1/orders",
            "opaque-token-123",
            401,
            INVALID_TOKEN,
        );
        assert_eq!(of(&c.run(), "EXP001").len(), 1);

        // within leeway: quiet
        let mut c = Cap::new();
        let t = at_jwt(&format!(r#"{{"sub":"x","exp":{}}}"#, T0 - 30));
        c.bearer_call("https://api.example.com/v1/orders", &t, 401, INVALID_TOKEN);
        assert!(of(&c.run(), "EXP001").is_empty());
    }

    #[test]
    fn hostile_times_do_not_panic() {
        for claims in [
            r#"{"exp":-9223372036854775808,"nbf":9223372036854775807,"iat":1e300}"#,
            r#"{"exp":9223372036854775807}"#,
            r#"{"exp":"soon","nbf":null}"#,
        ] {
            let mut c = Cap::new();
            let t = at_jwt(claims);
            c.token("grant_type=client_credentials&client_id=a&client_secret=b", 200,
                &format!(r#"{{"access_token":"{t}","token_type":"Bearer","expires_in":9223372036854775807}}"#));
            c.bearer_call("https://api.example.com/v1/x", &t, 401, INVALID_TOKEN);
            c.post(
                "https://idp.example.com/introspect",
                vec![],
                &format!("token={t}"),
                200,
                r#"{"active":false}"#,
            );
            let _ = c.run();
        }
    }

    #[test]
    fn exp002_and_exp003() {
        let mut c = Cap::new();
        let t = at_jwt(&format!(
            r#"{{"sub":"x","iat":{},"nbf":{},"exp":{}}}"#,
            T0 + 300,
            T0 + 300,
            T0 + 3600
        ));
        c.bearer_call(
            "https://api.example.com/v1/orders",
            &t,
            401,
            r#"Bearer error="invalid_token", error_description="token not valid yet""#,
        );
        let f = c.run();
        assert_eq!(of(&f, "EXP002").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::ClockSkew);

        let mut c = Cap::new();
        c.add_full("GET", DISCOVERY, vec![], None, 200,
            vec![("Content-Type", "application/json")], r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token"}"#, 600);
        c.add_full("POST", TOK, vec![("Content-Type", "application/x-www-form-urlencoded")],
            Some("grant_type=client_credentials&client_id=a&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJhIn0.c2ln"),
            401, vec![("Content-Type", "application/json")], r#"{"error":"invalid_client","error_description":"The client_assertion token is expired."}"#, 600);
        let f = c.run();
        let g = of(&f, "EXP003");
        assert_eq!(g.len(), 1);
        assert!(!g[0].latent);
        assert_eq!(g[0].severity, crate::diagnosis::Severity::Error);

        let mut c = Cap::new();
        c.add_full(
            "GET",
            "https://idp.example.com/x",
            vec![],
            None,
            200,
            vec![],
            "",
            20,
        );
        assert!(of(&c.run(), "EXP003").is_empty());
    }

    #[test]
    fn exp004_005_009() {
        let mut c = Cap::new();
        c.authorize(
            &format!("response_type=code&client_id=web&redirect_uri={CB_ENC}&state=s"),
            &format!("{CB}?code=c1&state=s"),
        );
        c.wait(746.0);
        c.token(
            &format!("grant_type=authorization_code&code=c1&redirect_uri={CB_ENC}&client_id=web"),
            400,
            r#"{"error":"invalid_grant"}"#,
        );
        let f = c.run();
        assert_eq!(of(&f, "EXP004").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::TokenExpiry);

        let mut c = Cap::new();
        c.token(
            "grant_type=refresh_token&refresh_token=old-token-xyz&client_id=web",
            400,
            r#"{"error":"invalid_grant","error_description":"The refresh token has expired."}"#,
        );
        let f = c.run();
        assert_eq!(of(&f, "EXP005").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::TokenExpiry);

        let mut c = Cap::new();
        c.post(
            "https://idp.example.com/par",
            vec![],
            "response_type=code&client_id=web&state=s",
            201,
            r#"{"request_uri":"urn:ietf:params:oauth:request_uri:abc","expires_in":60}"#,
        );
        c.wait(151.0);
        c.authorize(
            "client_id=web&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc",
            &format!("{CB}?error=invalid_request_uri"),
        );
        let f = c.run();
        assert_eq!(of(&f, "EXP009").len(), 1);
    }

    #[test]
    fn exp006_007_008() {
        let mut c = Cap::new();
        c.token(
            "grant_type=client_credentials&client_id=a&client_secret=b",
            200,
            r#"{"access_token":"opaque","token_type":"Bearer"}"#,
        );
        let f = c.run();
        assert_eq!(of(&f, "EXP006").len(), 1);
        assert!(of(&f, "EXP006")[0].latent);

        let mut c = Cap::new();
        c.token("grant_type=authorization_code&code=c1&client_id=web", 200,
            r#"{"access_token":"AT-A-1","token_type":"Bearer","expires_in":3600,"refresh_token":"RT-1"}"#);
        c.wait(3300.0);
        c.token("grant_type=refresh_token&refresh_token=RT-1&client_id=web", 200,
            r#"{"access_token":"AT-B-2","token_type":"Bearer","expires_in":3600,"refresh_token":"RT-2"}"#);
        c.wait(600.0);
        c.bearer_call("https://api.example.com/v1/x", "AT-A-1", 401, INVALID_TOKEN);
        let f = c.run();
        assert_eq!(of(&f, "EXP007").len(), 1);

        let mut c = Cap::new();
        c.bearer_call("https://api.example.com/v1/x", "AT-A-1", 401, INVALID_TOKEN);
        c.post(
            "https://idp.example.com/introspect",
            vec![("Authorization", "Basic YTpi")],
            "token=AT-A-1",
            200,
            r#"{"active":false}"#,
        );
        let f = c.run();
        let g = of(&f, "EXP008");
        assert_eq!(g.len(), 1);
        assert!(!g[0].latent);
    }
}
