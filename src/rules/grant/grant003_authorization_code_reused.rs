//! `GRANT003` authorization-code-reused: authorization code redeemed twice.

use super::*;

declare_rule! {
    /// ## What it does
    /// Finds the same authorization code sent to the token endpoint more than once and reports
    /// the later redemption that failed, when an earlier one succeeded, timed out or got a 5xx
    /// (so it may have consumed the code).
    ///
    /// ## Why it fails
    /// An authorization code is single-use (RFC 6749 §4.1.2, §10.5). The second redemption gets
    /// `invalid_grant`, and many servers then revoke every token issued for the first one
    /// (RFC 9700 §4.5). Typical causes: an HTTP client that retries after a timeout, a callback
    /// page loaded twice (prefetch, back button, double effect in a framework), two workers
    /// handling the same callback.
    ///
    /// ## Example
    /// `POST /token code=SplxlOBeZQ…` → `200` (10.4 s); the client timed out at 10 s and retried:
    /// `POST /token code=SplxlOBeZQ…` → `400 {"error":"invalid_grant","error_description":"authorization code has already been used"}`.
    ///
    /// ## Fix
    /// Redeem each code exactly once: make the callback idempotent and never retry a code
    /// redemption automatically; give the token request a timeout longer than the server's.
    ///
    /// ## References
    /// RFC 6749 §4.1.2, §10.5; RFC 9700 §4.5
    pub struct Grant003 {
        code: "GRANT003",
        name: "authorization-code-reused",
        title: "authorization code redeemed twice",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "redeem each authorization code exactly once: make the callback idempotent and never retry a code redemption",
        references: ["RFC 6749 §4.1.2", "RFC 6749 §10.5", "RFC 9700 §4.5"],
        explains_errors: [("invalid_grant", 2)],
        absorbs: ["EXP004", "PKCE001", "STAT006", "PROV001", "STAT018"],
        grants: ["authorization_code"],
    }
}

fn says_reused(err: &Option<ServerError>) -> bool {
    err.as_ref()
        .and_then(|x| x.description.as_deref())
        .filter(|d| !crate::diagnosis::is_generic_description(d))
        .is_some_and(|d| {
            let d = d.to_ascii_lowercase();
            [
                "already",
                "redeemed",
                "reuse",
                "replay",
                "used before",
                "been used",
            ]
            .iter()
            .any(|w| d.contains(w))
        })
}

fn outcome(e: &Exchange) -> String {
    match &e.response {
        None => "no response captured".to_string(),
        Some(r) if r.status == 0 => "no response (aborted)".to_string(),
        Some(r) if e.succeeded() => format!("{} with tokens", r.status),
        Some(r) => format!("{}", r.status),
    }
}

/// A callback of the app that failed quoting `invalid_grant` while an earlier load of the same
/// callback URL carried the same code: the app's back end redeemed the code twice (a reload,
/// the back button, a double submit), and the second redemption is outside the capture.
fn replayed_callbacks(cx: &mut Context<'_>) {
    let ex = cx.exchanges;
    for &i in cx.index.failures() {
        let e = &ex[i];
        if e.kind != Kind::Callback {
            continue;
        }
        let relayed = crate::model::signal::relayed_error(e);
        if relayed.as_ref().is_none_or(|x| x.code != "invalid_grant") {
            continue;
        }
        let Some(code) = e.request.query.get("code").filter(|c| !c.is_empty()) else {
            continue;
        };
        let endpoint = e.request.endpoint();
        let Some(first) = ex[..i].iter().rev().find(|p| {
            p.kind == Kind::Callback
                && p.request.endpoint() == endpoint
                && p.request.query.get("code") == Some(code)
        }) else {
            continue;
        };
        let message = format!(
            "the callback was loaded twice with the same authorization code (#{} and #{}); the second load got `invalid_grant` from the back end: it redeemed the code again",
            first.number(),
            e.number()
        );
        cx.report(i, message)
            .strength(Strength::Recomputed)
            .secret(first.index, "request.query.code", code.to_string())
            .secret(i, "request.query.code", code.to_string())
            .text(i, "response.body (relayed)", "invalid_grant")
            .emit();
    }
}

impl Rule for Grant003 {
    fn check(&self, cx: &mut Context<'_>) {
        replayed_callbacks(cx);
        let ex = cx.exchanges;
        for j in ex.iter().filter(|e| e.is_code_redemption() && e.failed()) {
            let Some(i) = cx.index.earlier_redemption(ex, j) else {
                match j.request.param("code") {
                    // The tool's own placeholders are fingerprints: equal values stay equal.
                    Some(c)
                        if crate::model::masked::is_masked(&c)
                            && !crate::model::masked::is_own_placeholder(&c) =>
                    {
                        cx.cannot_tell(j.index, "the code is redacted in the capture")
                    }
                    Some(c) => {
                        let times = cx.index.redemptions_of(ex, &c).count();
                        if times <= 1 {
                            cx.rule_out(j.index, "the code is redeemed once in the capture");
                        } else {
                            cx.rule_out(
                                j.index,
                                "no earlier redemption of this code succeeded or timed out",
                            );
                        }
                    }
                    None => cx.rule_out(j.index, "no `code` in the token request"),
                }
                continue;
            };
            let Some(code) = j.request.param("code") else {
                continue;
            };
            let err = err_of(j);
            let gap = i
                .sent_ms()
                .zip(j.sent_ms())
                .map(|(a, b)| format!(" {} later", human_duration((b - a) / 1000)))
                .unwrap_or_default();
            let overlap = i.done_ms().zip(j.sent_ms()).is_some_and(|(di, sj)| sj < di);
            let why = if overlap {
                "; it was sent before the first one's answer arrived: a retry after a client-side timeout"
            } else {
                ""
            };
            let got = err
                .as_ref()
                .map(|x| format!("`{}`", x.code))
                .unwrap_or_else(|| format!("{}", j.status().unwrap_or(0)));
            let message = format!(
                "the same authorization code was already sent in exchange #{} ({}); this redemption{gap} got {got}{why}",
                i.number(),
                outcome(i)
            );
            let mut rep = cx
                .report(j.index, message)
                .confirmed_if(alias_signal(&ex[j.index], &["invalid_grant"]))
                .strength(Strength::Recomputed)
                .secret(i.index, "request.body.code", code.clone())
                .secret(j.index, "request.body.code", code)
                .text(
                    i.index,
                    "response.status",
                    i.status().map(|s| s.to_string()).unwrap_or_default(),
                );
            if let Some(x) = &err {
                rep = rep.text(j.index, x.at, x.code.clone());
            }
            if says_reused(&err) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
