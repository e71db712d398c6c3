//! `EXP003` clock-skew: client and server clocks disagree.

use super::*;

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
        explains_statuses: [(ResourceUnauthorized, 5)],
    }
}

/// Words of an error description that point at a time condition.
fn says_time(err: &Option<ServerError>) -> bool {
    let Some(d) = err.as_ref().and_then(|x| x.description.as_deref()) else {
        return false;
    };
    if crate::diagnosis::is_generic_description(d) {
        return false;
    }
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
    let (lo, hi) = (e.sent_ms()? - 1000, e.done_ms()? + 1000);
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
                None => match members.iter().map(|&i| &ex[i]).find(|e| e.succeeded()) {
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
                human_duration(skew_s),
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
