//! `STAT005` rate-limited: rate limited (429).

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags 429 (too many requests) answers and counts how often the same client asked for
    /// tokens in the capture.
    ///
    /// ## Why it fails
    /// Providers throttle clients that fetch a new token for every API call or poll too fast.
    ///
    /// ## Example
    /// Twelve `client_credentials` requests within a minute, the last ones answered
    /// `429 Retry-After: 30`.
    ///
    /// ## Fix
    /// Cache tokens until shortly before they expire; honour `Retry-After` with backoff and
    /// jitter.
    ///
    /// ## References
    /// RFC 6585 §4; RFC 9126 §2.3
    pub struct Stat005 {
        code: "STAT005",
        name: "rate-limited",
        title: "rate limited (429)",
        category: RateLimit,
        severity: Error,
        kind: Diag,
        fix: "cache tokens until shortly before they expire and honour `Retry-After` with backoff and jitter",
        references: ["RFC 6585 §4"],
        explains_statuses: [(TooManyRequests, 0)],
    }
}

impl Rule for Stat005 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            if r.status != 429 {
                continue;
            }
            let same = cx
                .exchanges
                .iter()
                .filter(|x| {
                    x.kind == e.kind
                        && x.request.endpoint() == e.request.endpoint()
                        && x.index <= e.index
                })
                .count();
            // Summarised successes are counted, not kept: the count is then a lower bound.
            let at_least = if cx.options.summarised > 0 {
                "at least "
            } else {
                ""
            };
            let message = format!(
                "`{}` answered 429 too many requests; the capture holds {at_least}{same} request(s) to that endpoint up to this one",
                e.request.endpoint()
            );
            let mut rep = cx
                .report(e.index, message)
                .text(e.index, "response.status", "429");
            if let Some(ra) = r.headers.get("retry-after") {
                rep = rep.text(e.index, "response.headers.retry-after", ra);
            }
            rep.emit();
        }
    }
}
