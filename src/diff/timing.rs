//! Times against lifetimes and clocks, GOOD against BAD: how long after its issue each capture
//! redeems its authorization code, whether an access token is used after it expired, how far the
//! recording clock is from the servers' `Date`, and how far the `iat` of what the client mints
//! (client assertions, DPoP proofs, request objects) is from the server's time. Only the
//! captures' own clocks are used, never the machine's.

use super::align::{Pair, StepKind};
use super::{Aspect, Capture, DiffOptions, Difference};
use crate::diagnosis::Category;
use crate::model::{Exchange, human_duration as human};

/// The median of (server `Date` − capture timestamp) over a capture's exchanges, in seconds:
/// how far the clock that recorded the capture is behind (positive) or ahead of its servers.
fn clock_offset(c: &Capture) -> Option<(i64, usize)> {
    let mut v: Vec<(i64, usize)> = c
        .analysis
        .exchanges
        .iter()
        .filter_map(|e| {
            let d = e.response.as_ref()?.date()?;
            let s = e.started_at?;
            Some((d.as_second() - s.as_second(), e.index))
        })
        .collect();
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[v.len() / 2])
}

fn describe_offset(off: i64) -> String {
    if off.abs() <= 1 {
        "agrees with the servers' `Date`".into()
    } else if off > 0 {
        format!("is {} behind the servers' `Date`", human(off))
    } else {
        format!("is {} ahead of the servers' `Date`", human(off))
    }
}

/// JWTs the client mints in a request: (where, iat, exp).
fn minted(e: &Exchange) -> Vec<(&'static str, i64, Option<i64>)> {
    let r = &e.request;
    let mut out = Vec::new();
    let mut add = |name: &'static str, v: Option<String>| {
        if let Some(d) = v.and_then(|v| crate::oauth::jwt::decode(v.trim()).ok()) {
            if let Some(iat) = d.claim_time("iat") {
                out.push((name, iat, d.claim_time("exp")));
            }
        }
    };
    add("client_assertion", r.param("client_assertion"));
    add("assertion", r.param("assertion"));
    add("request", r.param("request"));
    add("DPoP", r.headers.get("dpop").map(str::to_string));
    out
}

/// The server's time of an exchange: its `Date` header.
fn server_time(e: &Exchange) -> Option<i64> {
    e.response.as_ref()?.date().map(|d| d.as_second())
}

/// When the code a token request redeems was issued in the same capture, in seconds before the
/// request.
fn code_age(c: &Capture, token: &Exchange) -> Option<i64> {
    let code = token.request.param("code")?;
    let a = c.analysis.index.authz_responses_with_code(&code).next()?;
    let issued = c.exchange(a.exchange)?.started_at?;
    Some(token.started_at?.as_second() - issued.as_second())
}

/// How long after its expiry (positive) or before it (negative) a request used its token.
fn past_expiry(c: &Capture, e: &Exchange) -> Option<(i64, String)> {
    let token = e.request.presented_token()?;
    let used = e.judged_at()?.as_second();
    if let Ok(d) = crate::oauth::jwt::decode(&token) {
        if let Some(exp) = d.claim_time("exp") {
            return Some((used - exp, "its `exp`".into()));
        }
    }
    let issuer = match c.issued.get(&token) {
        Some(("access_token", i)) => c.exchange(*i)?,
        _ => return None,
    };
    let r = issuer.response.as_ref()?;
    let expires_in = r.json.as_ref()?.get("expires_in").and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    })?;
    let issued = issuer.judged_at()?.as_second();
    Some((
        used - (issued + expires_in),
        format!("`expires_in` {expires_in} of #{}", issuer.index + 1),
    ))
}

fn before_after(secs: i64, what: &str) -> String {
    if secs > 0 {
        format!("{} after {what}", human(secs))
    } else {
        format!("{} before {what}", human(secs))
    }
}

/// Compare timings of the whole captures and of each aligned pair.
pub fn compare(
    good: &Capture,
    bad: &Capture,
    pairs: &[Pair],
    options: &DiffOptions,
    out: &mut Vec<Difference>,
) {
    let leeway = options.leeway.max(1);
    if let (Some((go, _)), Some((bo, bx))) = (clock_offset(good), clock_offset(bad)) {
        if (bo - go).abs() > leeway {
            let mut d = Difference::new(Aspect::Timing, "clock", Category::ClockSkew)
                .text(
                    format!("the recording clock {}", describe_offset(go)),
                    format!("the recording clock {}", describe_offset(bo)),
                )
                .message(format!(
                    "BAD was recorded on a clock that {}; GOOD's {}",
                    describe_offset(bo),
                    describe_offset(go)
                ))
                .fix("synchronise the client machine's clock (NTP): what it mints is judged by the server's clock")
                .reason(Some("clock"))
                .keys(&["date", "started_at", "iat", "exp", "nbf", "clock"])
                .weight(27);
            d.bad_exchange = Some(bx);
            out.push(d);
        }
    }
    for (i, p) in pairs.iter().enumerate() {
        let (Some(gi), Some(bi)) = (p.good, p.bad) else {
            continue;
        };
        let (gs, bs) = (&good.steps[gi], &bad.steps[bi]);
        let (Some(g), Some(b)) = (good.exchange(gs.exchange), bad.exchange(bs.exchange)) else {
            continue;
        };
        if gs.kind == StepKind::AuthorizationResponse {
            continue;
        }
        let label = bs.label();
        let at = |d: Difference| {
            let mut d = d;
            d.pair = Some(i);
            d.good_exchange = Some(g.index);
            d.bad_exchange = Some(b.index);
            d
        };
        // What the client mints, against the server's clock.
        let (gm, bm) = (minted(g), minted(b));
        if let (Some(gt), Some(bt)) = (server_time(g), server_time(b)) {
            for (name, biat, bexp) in &bm {
                let Some((_, giat, _)) = gm.iter().find(|(n, _, _)| n == name) else {
                    continue;
                };
                let (gskew, bskew) = (giat - gt, biat - bt);
                if (bskew - gskew).abs() <= leeway {
                    continue;
                }
                let dir = |s: i64| {
                    if s.abs() <= 1 {
                        "at the server's time".to_string()
                    } else if s < 0 {
                        format!("{} before the server's time", human(s))
                    } else {
                        format!("{} after the server's time", human(s))
                    }
                };
                let expired = bexp.is_some_and(|e| e < bt);
                out.push(at(Difference::new(
                    Aspect::Timing,
                    format!("{name} iat"),
                    Category::ClockSkew,
                )
                .text(
                    format!("`iat` {}", dir(gskew)),
                    format!("`iat` {}", dir(bskew)),
                )
                .message(format!(
                    "BAD's `{name}` in {label} was minted {} (its `iat`){}; GOOD's {}",
                    dir(bskew),
                    if expired {
                        ", and had expired by the server's clock when it arrived"
                    } else if bskew > leeway {
                        ", so it is not yet valid for the server"
                    } else {
                        ""
                    },
                    dir(gskew)
                ))
                .fix("mint it with a synchronised clock (NTP), as GOOD's client does")
                .reason(Some("clock"))
                .keys(&[
                    if *name == "DPoP" { "dpop" } else { name },
                    "iat",
                    "exp",
                    "nbf",
                    "clock",
                ])
                .weight(25)));
            }
        }
        // The age of the code at its redemption.
        if gs.kind == StepKind::Token && bs.grant == "authorization_code" {
            match (code_age(good, g), code_age(bad, b)) {
                (Some(ga), Some(ba)) if ba - ga > 30 && ba > 2 * ga.max(0) => {
                    out.push(at(Difference::new(
                        Aspect::Timing,
                        "code age",
                        Category::TokenExpiry,
                    )
                    .text(
                        format!("redeemed {} after its issue", human(ga)),
                        format!("redeemed {} after its issue", human(ba)),
                    )
                    .message(format!(
                        "BAD redeems the authorization code {} after it was issued, GOOD after {}",
                        human(ba),
                        human(ga)
                    ))
                    .fix("redeem the code as soon as the callback receives it, as GOOD does")
                    .reason(Some("code-lifetime"))
                    .keys(&["code", "age", "expires"])
                    .weight(26)));
                }
                (Some(ga), None) if b.request.param("code").is_some() => {
                    out.push(at(Difference::new(
                        Aspect::Timing,
                        "code origin",
                        Category::GrantType,
                    )
                    .text(
                        format!("issued {} earlier in the capture", human(ga)),
                        "issued by no authorization response of the capture".to_string(),
                    )
                    .message(
                        "BAD redeems a code that no authorization response in its capture issued; GOOD redeems the code it just obtained",
                    )
                    .fix("redeem the code of the authorization response this login received")
                    .reason(Some("code-origin"))
                    .keys(&["code"])
                    .weight(29)));
                }
                _ => {}
            }
        }
        // Tokens used against their lifetime.
        if matches!(
            gs.kind,
            StepKind::Resource | StepKind::Userinfo | StepKind::Introspection
        ) {
            if let (Some((gover, _)), Some((bover, what))) =
                (past_expiry(good, g), past_expiry(bad, b))
            {
                if bover > 0 && gover <= 0 {
                    out.push(at(Difference::new(
                        Aspect::Timing,
                        "token age",
                        Category::TokenExpiry,
                    )
                    .text(
                        format!("used {}", before_after(gover, "it expired")),
                        format!("used {}", before_after(bover, "it expired")),
                    )
                    .message(format!(
                        "BAD uses its access token in {label} {} ({what}); GOOD uses its token {}",
                        before_after(bover, "it expired"),
                        before_after(gover, "it expired")
                    ))
                    .fix("refresh or obtain a new access token before it expires, as GOOD's is")
                    .reason(Some("token-lifetime"))
                    .keys(&["authorization", "exp", "expires_in", "access_token"])
                    .weight(24)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_like_people_say_them() {
        assert_eq!(super::human(95), "95 s");
        assert_eq!(super::human(-600), "10 min");
        assert_eq!(super::human(723), "12 min 3 s");
        assert_eq!(super::human(7500), "2 h 5 min");
    }
}
