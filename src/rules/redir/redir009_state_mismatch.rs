//! `REDIR009` state-mismatch: state missing or mismatched in the authorization response.

use super::*;

declare_rule! {
    /// ## What it does
    /// Compares the `state` of each authorization response with the `state` of the
    /// authorization request it answers: absent, altered by an extra encoding or decoding step,
    /// belonging to an earlier authorization request (parallel logins, several tabs), or simply
    /// different. A `state` that still holds percent-escapes after the URL decode is reported
    /// when the callback failed (the client encoded it twice before sending it).
    ///
    /// ## Why it fails
    /// The client stores `state` per transaction and must reject a response whose `state` does
    /// not match (CSRF protection). A second login in another tab overwrites the stored value,
    /// a lost session cookie loses it, and an encoding step on one side changes it.
    ///
    /// ## Example
    /// Authorization request `state=a1b2+c3` (sent as `a1b2%2Bc3`, the client encoded the `+`
    /// twice as `%252B`); callback `state=a1b2%2Bc3` → "state mismatch".
    ///
    /// ## Fix
    /// Store `state` per transaction (keyed by its value, not one slot per session), encode it
    /// exactly once, and make sure the session cookie reaches the callback (see REDIR010).
    ///
    /// ## References
    /// RFC 6749 §4.1.1, §4.1.2, §10.12; RFC 9700 §4.7
    pub struct Redir009 {
        code: "REDIR009",
        name: "state-mismatch",
        title: "state missing or mismatched in the authorization response",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "store `state` per transaction, URL-encode it exactly once, and keep the session cookie available on the callback",
        references: ["RFC 6749 §4.1.2", "RFC 6749 §10.12", "RFC 9700 §4.7"],
    }
}

/// Percent-decode repeatedly (at most 3 times) until stable.
fn fully_decoded(s: &str) -> String {
    let mut cur = s.to_string();
    for _ in 0..3 {
        let next = form_decode(&cur);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

/// The callback's error page names a cause other than `state`.
fn names_other_cause(e: &Exchange) -> bool {
    let Some(r) = &e.response else { return false };
    let body = r.body.as_deref().unwrap_or("").to_ascii_lowercase();
    [
        "invalid_grant",
        "invalid_client",
        "pkce",
        "code_verifier",
        "code verifier",
        "access_denied",
        "nonce",
        "unauthorized_client",
        "invalid_scope",
        "server_error",
    ]
    .iter()
    .any(|w| body.contains(w))
}

impl Rule for Redir009 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for c in callbacks(cx) {
            let first = c.location.or(c.request).unwrap_or(0);
            let before = &ex[..(first + 1).min(ex.len())];
            let Some(latest) = latest_request_to(before, &c.endpoint) else {
                continue;
            };
            let Some(sent) = latest.request.param("state") else {
                continue;
            };
            let anchor = c.anchor();
            let cb = &ex[anchor];
            // The client refused the callback, and not for a reason it names itself (a failed
            // code exchange, a PKCE error).
            let refused = c.request.is_some()
                && (says_state_error(cb)
                    || cb.status().is_some_and(|s| s >= 400) && !names_other_cause(cb));
            let at = if c.request.is_some() {
                "request.query.state"
            } else {
                "response.headers.location.state"
            };
            let got = c.params.get("state");
            // Masked by whoever shared the capture: unknown (the tool's own fingerprints stay
            // comparable).
            let unknown = |v: &str| {
                crate::model::masked::is_masked(v) && !crate::model::masked::is_own_placeholder(v)
            };
            if got.is_some_and(unknown) || unknown(&sent) {
                continue; // an anonymised capture
            }
            // An encoding difference is a `content_type_encoding` root cause (docs/json-output.md, "Categories").
            let encoding = got.is_some_and(|g| {
                g != sent && fully_decoded(g) == fully_decoded(&sent)
                    || g == sent && has_percent_escape(&sent)
            });
            let (msg, strength) = match got {
                None => (
                    format!(
                        "the authorization request (exchange {}) sent `state` but the authorization response carries none",
                        latest.number()
                    ),
                    Strength::Direct,
                ),
                Some(g) if g == sent => {
                    if !(refused && has_percent_escape(&sent)) {
                        continue;
                    }
                    (
                        format!(
                            "`state` `{sent}` still holds percent-escapes after URL decoding: the client encoded it twice, so its own comparison fails (the callback answered {})",
                            cb.status().unwrap_or(0)
                        ),
                        Strength::Heuristic,
                    )
                }
                Some(g) if fully_decoded(g) == fully_decoded(&sent) => {
                    let how = if form_decode(g) == sent {
                        "the server (or a proxy) URL-encoded it once more on the way back"
                    } else if form_decode(&sent) == g {
                        "the value lost one URL-encoding level on the way back"
                    } else {
                        "an extra URL-encoding or decoding step changed it"
                    };
                    (
                        format!(
                            "`state` came back as `{g}` but was sent as `{sent}` (exchange {}): {how}",
                            latest.number()
                        ),
                        Strength::Recomputed,
                    )
                }
                Some(g) => {
                    let earlier = before.iter().rev().find(|e| {
                        e.index != latest.index
                            && e.kind == Kind::Authorize
                            && e.request.param("state").as_deref() == Some(g)
                    });
                    match earlier {
                        Some(x) => {
                            if !refused {
                                continue; // parallel transactions handled correctly
                            }
                            (
                                format!(
                                    "the authorization response carries the `state` of an earlier authorization request (exchange {}), not of the latest one (exchange {}): parallel logins or tabs share one stored state",
                                    x.number(),
                                    latest.number()
                                ),
                                Strength::Recomputed,
                            )
                        }
                        None => (
                            format!(
                                "the authorization response carries `state` `{g}` but the authorization request (exchange {}) sent `{sent}`",
                                latest.number()
                            ),
                            Strength::Recomputed,
                        ),
                    }
                }
            };
            let mut rep = cx
                .report(anchor, msg)
                .strength(strength)
                .text(latest.index, "request.query.state", sent.clone())
                .text(anchor, at, got.unwrap_or("(absent)"));
            if encoding {
                rep = rep.category(Category::ContentTypeEncoding);
            }
            if refused {
                rep = rep.text(
                    anchor,
                    "response.status",
                    cb.status().unwrap_or(0).to_string(),
                );
            }
            rep.emit();
        }
    }
}
