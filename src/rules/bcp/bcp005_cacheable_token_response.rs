//! `BCP005` cacheable-token-response: token response cacheable.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags successful token responses carrying tokens without `Cache-Control: no-store`.
    /// Reported once per token endpoint.
    ///
    /// ## Why it fails
    /// RFC 6749 §5.1 requires `Cache-Control: no-store` on responses with tokens or other
    /// sensitive data, so that shared caches, proxies and browser caches never keep them.
    /// An authorization-server defect; nothing fails on the client.
    ///
    /// ## Example
    /// `200 {"access_token":"…"}` with `Cache-Control: max-age=300` or no `Cache-Control`.
    ///
    /// ## Fix
    /// The authorization server should send `Cache-Control: no-store` (and `Pragma: no-cache`
    /// for old HTTP/1.0 caches) on every token response.
    ///
    /// ## References
    /// RFC 6749 §5.1, §5.2; RFC 9111 §5.2.2.5
    pub struct Bcp005 {
        code: "BCP005",
        name: "cacheable-token-response",
        title: "token response cacheable",
        category: Other,
        severity: Warning,
        kind: Lint,
        fix: "the authorization server should send `Cache-Control: no-store` (and `Pragma: no-cache`) with token responses",
        references: ["RFC 6749 §5.1", "RFC 9111 §5.2.2.5"],
    }
}

impl Rule for Bcp005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<String> = Vec::new();
        for e in ex.iter().filter(|e| e.kind == Kind::Token) {
            let Some(r) = &e.response else { continue };
            if !r.is_success()
                || !["access_token", "refresh_token", "id_token"]
                    .iter()
                    .any(|f| r.field(f).is_some())
            {
                continue;
            }
            let cc: Vec<String> = r
                .headers
                .get_all("cache-control")
                .map(|v| v.to_ascii_lowercase())
                .collect();
            if cc
                .iter()
                .any(|v| v.split(',').any(|d| d.trim() == "no-store"))
            {
                continue;
            }
            let ep = e.request.endpoint();
            if seen.contains(&ep) {
                continue;
            }
            seen.push(ep.clone());
            let shown = if cc.is_empty() {
                "(none)".to_string()
            } else {
                cc.join(", ")
            };
            let message = format!(
                "the token response from `{ep}` carries tokens without `Cache-Control: no-store` (`Cache-Control: {shown}`)"
            );
            cx.report(e.index, message)
                .strength(Strength::Direct)
                .text(e.index, "response.headers.cache-control", shown)
                .emit();
        }
    }
}
