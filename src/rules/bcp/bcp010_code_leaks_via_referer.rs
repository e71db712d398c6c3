//! `BCP010` code-leaks-via-referer: callback leaks the code via Referer or history.

use super::*;

declare_rule! {
    /// ## What it does
    /// Follows the callback URL that carried an authorization `code` and flags later requests
    /// to another origin whose `Referer` header still contains that code, naming whether the
    /// callback page set a `Referrer-Policy` or redirected to a clean URL. (The catalogue also
    /// lists a callback response without `Referrer-Policy` that does not redirect; alone that
    /// is not flagged, because current browsers default to `strict-origin-when-cross-origin`,
    /// which sends only the origin cross-site — the leak has to be seen in the capture.)
    ///
    /// ## Why it fails
    /// A callback page that renders at the URL with `?code=…&state=…` leaks both to every
    /// third-party resource it loads (analytics, fonts, ads) through `Referer`, and keeps them
    /// in browser history (RFC 9700 §4.2). A leaked code can be injected or, without PKCE,
    /// redeemed.
    ///
    /// ## Example
    /// `GET https://app.example.com/cb?code=…&state=…` → `200` (no `Referrer-Policy`), then
    /// `GET https://analytics.example.net/collect` with `Referer: https://app.example.com/cb?code=…`.
    ///
    /// ## Fix
    /// Send `Referrer-Policy: no-referrer` on the callback response and redirect to a URL
    /// without the code as soon as it is read.
    ///
    /// ## References
    /// RFC 9700 §4.2, §4.2.4, §4.3
    pub struct Bcp010 {
        code: "BCP010",
        name: "code-leaks-via-referer",
        title: "callback leaks the code via Referer or history",
        category: Other,
        severity: Warning,
        kind: Lint,
        fix: "send `Referrer-Policy: no-referrer` on the callback response and redirect to a URL without the code",
        references: ["RFC 9700 §4.2", "RFC 9700 §4.3"],
    }
}

impl Rule for Bcp010 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        // Callback requests with a code: (request exchange, code, origin).
        type Origin<'a> = (&'a str, &'a str, Option<u16>);
        let cbs: Vec<(usize, String, Origin<'_>)> = callbacks(cx)
            .into_iter()
            .filter_map(|c| {
                let ri = c.request?;
                let code = c.params.get("code").filter(|v| !v.is_empty())?.to_string();
                Some((ri, code, ex[ri].request.origin()?))
            })
            .collect();
        if cbs.is_empty() {
            return;
        }
        // The first later request to another origin whose Referer holds the code: every
        // Referer is searched once for all codes.
        let Ok(codes) = aho_corasick::AhoCorasick::new(cbs.iter().map(|(_, c, _)| c)) else {
            return;
        };
        let mut leaks: Vec<Option<usize>> = vec![None; cbs.len()];
        for x in ex {
            let Some(r) = x.request.headers.get("referer") else {
                continue;
            };
            for m in codes.find_overlapping_iter(r) {
                let i = m.pattern().as_usize();
                let (ri, _, origin) = cbs[i];
                if leaks[i].is_none()
                    && x.index > ri
                    && x.request.origin().is_some_and(|o| o != origin)
                {
                    leaks[i] = Some(x.index);
                }
            }
        }
        for ((ri, _, _), leak) in cbs.iter().zip(leaks) {
            let ri = *ri;
            let cb = &ex[ri];
            let Some(leak) = leak.map(|i| &ex[i]) else {
                continue;
            };
            let policy = cb
                .response
                .as_ref()
                .and_then(|r| r.headers.get("referrer-policy"))
                .map(str::to_string);
            let redirected = cb.response.as_ref().is_some_and(|r| r.is_redirect());
            let host = leak.request.host().unwrap_or("").to_string();
            let message = format!(
                "a request to `{host}` (exchange {}) carries the callback URL with the authorization code in its `Referer`; the callback response {} and {}",
                leak.number(),
                match &policy {
                    Some(p) => format!("sets `Referrer-Policy: {p}`"),
                    None => "sets no `Referrer-Policy`".to_string(),
                },
                if redirected {
                    "redirects"
                } else {
                    "renders at the URL with the code"
                }
            );
            cx.report(ri, message)
                .strength(Strength::Recomputed)
                .secret(
                    leak.index,
                    "request.headers.referer",
                    leak.request
                        .headers
                        .get("referer")
                        .unwrap_or("")
                        .to_string(),
                )
                .text(
                    ri,
                    "response.headers.referrer-policy",
                    policy.unwrap_or_else(|| "(absent)".into()),
                )
                .emit();
        }
    }
}
