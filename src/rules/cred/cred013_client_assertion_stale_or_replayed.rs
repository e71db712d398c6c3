//! `CRED013` client-assertion-stale-or-replayed: client assertion expired, not yet valid or replayed.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks the lifetime claims of a `client_assertion` against the server's own clock (the
    /// response `Date`, else the capture time; `--leeway` applies): `exp` missing or in the
    /// past, `nbf` or `iat` in the future, and the same assertion or the same `jti` sent in an
    /// earlier request of the capture (a replay). On a rejected request it also reports a
    /// lifetime (`exp − iat`) above 300 seconds and a missing `jti`, limits many servers apply.
    ///
    /// Category: an expired, replayed or over-long assertion is a `credentials` problem; an
    /// assertion minted in the future (`nbf`/`iat` ahead of the server's `Date`), or minted at
    /// the request's own time by a client whose clock differs from the server's `Date` by more
    /// than the leeway (so it is expired by server time), is reported as `clock_skew`, the root
    /// cause to fix.
    ///
    /// ## Why it fails
    /// A client assertion is single-use and short-lived (RFC 7523 §3): caching one and sending it
    /// again after it expired, or retrying with the same `jti`, makes the server reject the
    /// client with `invalid_client`.
    ///
    /// ## Example
    /// `iat` 70 minutes before the server's `Date`, `exp = iat + 300` →
    /// `401 {"error":"invalid_client","error_description":"client_assertion has expired"}`.
    ///
    /// ## Fix
    /// Mint a fresh assertion with a new random `jti` for every request, with a short lifetime
    /// (60–300 s); keep the client's clock synchronised.
    ///
    /// ## References
    /// RFC 7523 §3; RFC 7519 §4.1.4, §4.1.5, §4.1.6, §4.1.7
    pub struct Cred013 {
        code: "CRED013",
        name: "client-assertion-stale-or-replayed",
        title: "client assertion expired, not yet valid or replayed",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "mint a fresh client assertion with a new random `jti` for every request, valid for 60–300 s, and keep the clock synchronised",
        references: ["RFC 7523 §3", "RFC 7519 §4.1.4", "RFC 7519 §4.1.7"],
        explains_errors: [("invalid_client", 9)],
        explains_statuses: [(ClientAuthUnauthorized, 9)],
    }
}

/// The largest age (seconds between `iat` and the request) read as a clock that is behind
/// rather than an assertion kept and sent again: clocks drift by seconds to minutes, stored
/// assertions are hours old.
const MINUTES_OF_SKEW: i64 = 15 * 60;

impl Rule for Cred013 {
    fn check(&self, cx: &mut Context<'_>) {
        let leeway = cx.options.leeway;
        let mut seen_assertion: HashMap<String, usize> = HashMap::new();
        let mut seen_jti: HashMap<(String, String), usize> = HashMap::new();
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let Some((a, at)) = client_assertion(&e.request) else {
                continue;
            };
            let Ok(d) = jwt::decode(&a) else { continue };
            let now = cx.judged_at_secs(e);
            let exp = d.claim_time("exp");
            let nbf = d.claim_time("nbf");
            let iat = d.claim_time("iat");
            let jti = d.claim_str("jti").map(str::to_string);
            let earlier_same = seen_assertion.get(&a).copied();
            let earlier_jti = jti.as_ref().and_then(|j| {
                seen_jti
                    .get(&(d.claim_str("iss").unwrap_or("").to_string(), j.clone()))
                    .copied()
            });
            seen_assertion.entry(a.clone()).or_insert(e.index);
            if let Some(j) = &jti {
                seen_jti
                    .entry((d.claim_str("iss").unwrap_or("").to_string(), j.clone()))
                    .or_insert(e.index);
            }
            let failed = client_auth_rejected(e);
            let (msg, strength, category, reference) = if let Some(p) = earlier_same {
                (
                    format!(
                        "the identical client assertion was already sent in exchange #{}; assertions are single-use",
                        p + 1
                    ),
                    Strength::Recomputed,
                    Category::Credentials,
                    p,
                )
            } else if let Some(p) = earlier_jti {
                (
                    format!(
                        "the client assertion reuses `jti` `{}` already sent in exchange #{}",
                        jti.as_deref().unwrap_or(""),
                        p + 1
                    ),
                    Strength::Recomputed,
                    Category::Credentials,
                    p,
                )
            } else if let Some((x, n)) = exp.zip(now).filter(|(x, n)| *x < *n - leeway) {
                // Minted "now" by a client whose clock disagrees with the server's `Date`: the
                // root cause is the clock, not a cached assertion.
                let client_clock = e.started_at.map(|t| t.as_second());
                let server_clock = e
                    .response
                    .as_ref()
                    .and_then(|r| r.date())
                    .map(|t| t.as_second());
                let skewed = match (client_clock, server_clock, iat) {
                    (Some(c), Some(s), Some(i)) if cx.options.now.is_none() => {
                        ((s - c).abs() > leeway && (i - c).abs() <= leeway).then_some(s - c)
                    }
                    _ => None,
                };
                match skewed {
                    Some(skew) => (
                        format!(
                            "the client assertion was minted with the client's clock (`iat` {} equals the request time), which is {} {} the server's `Date`; by the server's clock it expired {} ago",
                            iat.unwrap_or(0),
                            human_duration(skew),
                            if skew > 0 { "behind" } else { "ahead of" },
                            human_duration(n - x)
                        ),
                        Strength::Recomputed,
                        Category::ClockSkew,
                        e.index,
                    ),
                    None => {
                        // How long before it was sent the assertion was minted, by its own
                        // `iat`: minutes point at a clock that is behind (clients mint one per
                        // request), hours at a stored assertion sent again.
                        let sent = client_clock.or(server_clock).unwrap_or(n);
                        let age = iat.map(|i| sent - i);
                        match age {
                            Some(a) if a > leeway && a <= MINUTES_OF_SKEW => (
                                format!(
                                    "the client assertion was minted {} before it was sent (`iat` {}) and expired {} before the server's clock: a client that mints one assertion per request does so on a clock about {} behind",
                                    human_duration(a),
                                    iat.unwrap_or(0),
                                    human_duration(n - x),
                                    human_duration(a)
                                ),
                                Strength::Direct,
                                Category::ClockSkew,
                                e.index,
                            ),
                            Some(a) if a > MINUTES_OF_SKEW => (
                                format!(
                                    "the client assertion was minted {} before it was sent (`iat` {}) and expired {} before the server's clock: a stored assertion was sent again instead of a fresh one",
                                    human_duration(a),
                                    iat.unwrap_or(0),
                                    human_duration(n - x)
                                ),
                                Strength::Recomputed,
                                Category::Credentials,
                                e.index,
                            ),
                            _ => (
                                format!(
                                    "the client assertion expired {} before the server's clock (`exp` {x}, server time {n}, leeway {leeway} s)",
                                    human_duration(n - x)
                                ),
                                Strength::Recomputed,
                                Category::Credentials,
                                e.index,
                            ),
                        }
                    }
                }
            } else if let Some((claim, v, n)) = now.and_then(|n| {
                nbf.filter(|v| *v > n + leeway)
                    .map(|v| ("nbf", v, n))
                    .or_else(|| iat.filter(|v| *v > n + leeway).map(|v| ("iat", v, n)))
            }) {
                (
                    format!(
                        "the client assertion's `{claim}` is {} ahead of the server's clock (`{claim}` {v}, server time {n}): the client's clock is fast",
                        human_duration(v - n)
                    ),
                    Strength::Recomputed,
                    Category::ClockSkew,
                    e.index,
                )
            } else if exp.is_none() {
                (
                    "the client assertion has no `exp` claim".to_string(),
                    Strength::Direct,
                    Category::Credentials,
                    e.index,
                )
            } else if let (true, Some(x), Some(i)) = (failed, exp, iat) {
                if x - i > 300 {
                    (
                        format!(
                            "the client assertion is valid for {} (`exp − iat`); many servers reject lifetimes above 5 minutes",
                            human_duration(x - i)
                        ),
                        Strength::Heuristic,
                        Category::Credentials,
                        e.index,
                    )
                } else if jti.is_none() {
                    (
                        "the client assertion has no `jti`, which servers need for replay protection".to_string(),
                        Strength::Heuristic,
                        Category::Credentials,
                        e.index,
                    )
                } else {
                    continue;
                }
            } else if failed && jti.is_none() {
                (
                    "the client assertion has no `jti`, which servers need for replay protection"
                        .to_string(),
                    Strength::Heuristic,
                    Category::Credentials,
                    e.index,
                )
            } else {
                continue;
            };
            let mut rep = cx
                .report(e.index, format!("{msg}{}", outcome(e)))
                .strength(strength)
                .category(category)
                .secret(e.index, at, a.clone());
            for (name, v) in [("exp", exp), ("nbf", nbf), ("iat", iat)] {
                if let Some(v) = v {
                    rep = rep.text(
                        e.index,
                        format!("client_assertion.claims.{name}"),
                        v.to_string(),
                    );
                }
            }
            if reference != e.index {
                rep = rep.secret(reference, at, a.clone());
            }
            if let Some(d) = date_header(e) {
                rep = rep.text(e.index, "response.headers.date", d);
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
