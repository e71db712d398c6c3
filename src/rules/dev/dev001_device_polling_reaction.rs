//! `DEV001` device-polling-reaction: authorization_pending treated as failure.

use super::*;

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
        explains_errors: [("authorization_pending", 0)],
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
                    let message = format!(
                        "the client polled again after exchange {} had already answered {why}: polling must stop there",
                        i + 1
                    );
                    cx.report(e.index, message)
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
