//! `DEV004` device-code-expired: device code expired.

use super::*;

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
        explains_errors: [("expired_token", 0)],
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
