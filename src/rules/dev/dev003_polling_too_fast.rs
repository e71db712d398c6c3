//! `DEV003` polling-too-fast: polling faster than the interval.

use super::*;

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
        explains_errors: [("slow_down", 1)],
        explains_statuses: [(TooManyRequests, 1)],
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
            let message = format!(
                "{} of {} polls came sooner than {announced}; the poll of exchange {} followed the previous one after {:.1} s",
                early.len(),
                p.polls.len().saturating_sub(1),
                first.poll.number(),
                first.gap
            );
            let mut rep = cx
                .report(first.poll.index, message)
                .strength(Strength::Recomputed)
                .text(
                    first.poll.index,
                    "started_at",
                    format!("+{:.1} s", first.gap),
                );
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
