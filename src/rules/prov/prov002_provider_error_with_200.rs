//! `PROV002` provider-error-with-200: provider answered an error with HTTP 200.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a recognised provider that answered an error with a success status: GitHub OAuth
    /// apps answer token-endpoint errors with HTTP 200 (form-encoded unless the request sent
    /// `Accept: application/json`), Slack answers every Web API error with HTTP 200 and
    /// `{"ok":false,"error":…}`.
    ///
    /// ## Why it fails
    /// Clients that trust the status parse the body as a token response and then report a
    /// missing `access_token` (or "Unexpected token e" when the form-encoded body meets a JSON
    /// parser) instead of the real error, which hides the cause.
    ///
    /// ## Example
    /// `POST https://github.com/login/oauth/access_token` (no `Accept` header) → `200`
    /// `error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.`
    ///
    /// ## Fix
    /// Read `error` (Slack: `ok`) before anything else, whatever the status; ask GitHub for
    /// JSON with `Accept: application/json`.
    ///
    /// ## References
    /// RFC 6749 §5.2; GitHub "Troubleshooting OAuth app access token request errors"; Slack
    /// "Web API: evaluating responses"
    pub struct Prov002 {
        code: "PROV002",
        name: "provider-error-with-200",
        title: "provider answered an error with HTTP 200",
        category: Other,
        severity: Warning,
        kind: Diag,
        fix: "check `error` (Slack: `ok`) in every response body before reading tokens; send `Accept: application/json` to GitHub",
        references: [
            "RFC 6749 §5.2",
            "https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors",
            "https://api.slack.com/web#evaluating_responses",
        ],
    }
}

impl Rule for Prov002 {
    fn check(&self, cx: &mut Context<'_>) {
        // One finding per provider and body shape: device-flow polling repeats the same quirk.
        let mut groups: Vec<((&'static str, &'static str), Vec<usize>)> = Vec::new();
        for e in cx.exchanges {
            let Some(r) = &e.response else { continue };
            if !r.is_success()
                || e.server_error()
                    .is_none_or(|er| er.at != "response.body.error")
            {
                continue;
            }
            let Some(p) = provider_of(cx, e.index) else {
                continue;
            };
            let shape = match &r.json {
                Some(j) if j.get("ok").and_then(|v| v.as_bool()) == Some(false) => "ok-false",
                Some(_) => "json",
                None => "form",
            };
            match groups.iter_mut().find(|(k, _)| *k == (p, shape)) {
                Some((_, v)) => v.push(e.index),
                None => groups.push(((p, shape), vec![e.index])),
            }
        }
        let ex = cx.exchanges;
        for ((p, shape), idx) in groups {
            let e = &ex[idx[0]];
            let Some(err) = e.server_error() else {
                continue;
            };
            let status = e.status().unwrap_or(200);
            let name = display_name(p);
            let mut message = match shape {
                "ok-false" => format!(
                    "a {status} response from {name} carries `{{\"ok\":false,\"error\":\"{}\"}}`: the error travels in a success response",
                    err.code
                ),
                "form" => format!(
                    "a {status} response from {name} carries the form-encoded error `{}`; the request's `Accept` was `{}`, so a client expecting a JSON token response sees no `access_token`",
                    err.code,
                    e.request.headers.get("accept").unwrap_or("(none)")
                ),
                _ => format!(
                    "a {status} response from {name} carries the JSON error `{}`: the error travels in a success response",
                    err.code
                ),
            };
            if idx.len() > 1 {
                message.push_str(&format!(" ({} responses like this)", idx.len()));
            }
            let fix = match shape {
                "ok-false" => {
                    "check `ok` in every Slack response before using it: errors come with HTTP 200"
                }
                "form" => {
                    "send `Accept: application/json` and check `error` before reading `access_token`, whatever the status"
                }
                _ => {
                    "check `error` in every response body before reading tokens, whatever the status"
                }
            };
            let mut rep = cx
                .report(e.index, message)
                .fix(fix)
                .strength(Strength::Direct)
                .text(e.index, "response.status", status.to_string())
                .text(e.index, err.at, err.code);
            for &j in idx.iter().skip(1).take(3) {
                if let Some(other) = ex[j].server_error() {
                    rep = rep.text(j, other.at, other.code);
                }
            }
            rep.emit();
        }
    }
}
