//! `STAT018` back-end-relays-provider-error: the app's own endpoint failed and quotes the identity provider's error.

use super::*;
use crate::model::signal::relayed_error;

declare_rule! {
    /// ## What it does
    /// Finds a failing answer of the client's own endpoint — its callback, or another page of
    /// the app — whose page or JSON quotes a standard OAuth error: a back end that redeems the
    /// code itself (a "back end for front end") and shows what the identity provider said. The
    /// finding takes the category that error points to (`invalid_client` → credentials …) and
    /// says that the token exchange happened in the app's back end, outside the capture.
    ///
    /// ## Why it fails
    /// A browser capture of such an app never shows the token request: the browser only sees
    /// the app's callback answer an error page. The quoted error is the only evidence of the
    /// cause; the request that caused it is in the back end's own traffic.
    ///
    /// ## Example
    /// `GET https://app.example/callback?code=…&state=…` → `502` with the page
    /// "token request failed: 401 invalid_client: client authentication failed".
    ///
    /// ## Fix
    /// Act on the quoted error (`oauth-doctor explain CODE`); to tell its causes apart, capture
    /// the back end's token request (a proxy such as mitmproxy, or the dump format from the
    /// back end's HTTP client) and check that capture.
    ///
    /// ## References
    /// RFC 6749 §4.1.3, §5.2
    pub struct Stat018 {
        code: "STAT018",
        name: "back-end-relays-provider-error",
        title: "the app's back end relays the identity provider's error",
        category: Other,
        severity: Error,
        kind: Diag,
        fix: "act on the quoted error; capture the back end's own token request to tell its causes apart",
        references: ["RFC 6749 §4.1.3", "RFC 6749 §5.2"],
        explains_statuses: [(ServerError, 0)],
        absorbs: ["STAT006"],
    }
}

impl Rule for Stat018 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for &i in cx.index.failures() {
            let e = &ex[i];
            // The client's own endpoints: the callback, the redirect URI, an unclassified page.
            if !matches!(e.kind, Kind::Callback | Kind::Other) {
                continue;
            }
            if e.server_error().is_some() {
                continue;
            }
            let Some(relayed) = relayed_error(e) else {
                continue;
            };
            let status = e.status().unwrap_or(0);
            let cat = crate::diagnosis::fallback_category(
                &relayed.code,
                Kind::Token,
                Some("authorization_code"),
                relayed.description.as_deref(),
            );
            let fix = errors::standard(&relayed.code)
                .map(|s| {
                    format!(
                        "{}; the token request itself is in the app's back end: capture it (a proxy, or the dump format) to tell the causes apart",
                        s.fix
                    )
                })
                .unwrap_or_else(|| crate::rules::Described::meta(self).fix.to_string());
            let message = format!(
                "`{} {}` answered {status} and quotes the identity provider's `{}`{}: the app's back end redeems the code, and its token request is not in the capture",
                e.request.method,
                e.request.endpoint(),
                relayed.code,
                relayed
                    .description
                    .as_deref()
                    .map(|d| format!(" (\"{d}\")"))
                    .unwrap_or_default()
            );
            let mut rep = cx
                .report(i, message)
                .category(cat)
                .fix(fix)
                .strength(Strength::Direct)
                .text(i, "response.status", status.to_string())
                .text(i, relayed.at, relayed.code.clone());
            if let Some(d) = relayed.description {
                rep = rep.text(i, "response.body", d);
            }
            rep.emit();
        }
    }
}
