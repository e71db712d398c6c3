//! `DEV002` slow-down-ignored: slow_down not honoured.

use super::*;

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
        explains_errors: [("slow_down", 0)],
        explains_statuses: [(TooManyRequests, 2)],
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
            let message = format!(
                "after `slow_down` (exchange {}) the next poll came {:.1} s later; the interval had grown to {:.0} s{}",
                first.previous.number(),
                first.gap,
                first.required,
                if early.len() > 1 {
                    format!(" ({} polls ignored `slow_down`)", early.len())
                } else {
                    String::new()
                }
            );
            // The failure it explains: the last poll, when the polling ended in one.
            let anchor = p
                .polls
                .last()
                .map(|l| l.index)
                .filter(|&l| cx.weighs(l))
                .unwrap_or(first.poll.index);
            cx.report(anchor, message)
                .strength(Strength::Recomputed)
                .text(first.previous.index, "response.body.error", "slow_down")
                .text(
                    first.poll.index,
                    "started_at",
                    format!("+{:.1} s", first.gap),
                )
                .emit();
        }
    }
}
