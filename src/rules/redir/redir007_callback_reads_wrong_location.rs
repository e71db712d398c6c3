//! `REDIR007` callback-reads-wrong-location: callback reads the wrong response location.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a callback that failed because it looked for the authorization response in the
    /// wrong place: the server put `code`/`error` in the URL fragment (`response_mode=fragment`,
    /// or a hybrid/implicit `response_type`) which never reaches a server-side handler, or it
    /// POSTed them (`response_mode=form_post`) to a handler that only reads the query.
    ///
    /// ## Why it fails
    /// The response location follows the response mode: query for `code`, fragment for
    /// implicit and hybrid types, a form POST for `form_post`. A browser never sends the
    /// fragment to the server, and a GET-only route answers 404/405 to a POST. The callback
    /// reports "missing code" although the authorization succeeded.
    ///
    /// ## Example
    /// `302 Location: https://app.example.com/cb#code=…&state=…` then
    /// `GET https://app.example.com/cb` → `400 missing code`.
    ///
    /// ## Fix
    /// Align `response_mode` with the callback handler: `query` for server-side handlers,
    /// accept POST for `form_post`, read `location.hash` in browser code for `fragment`.
    ///
    /// ## References
    /// RFC 6749 §4.1.2, §4.2.2; OAuth 2.0 Multiple Response Type Encoding Practices §2, §5;
    /// OAuth 2.0 Form Post Response Mode §2
    pub struct Redir007 {
        code: "REDIR007",
        name: "callback-reads-wrong-location",
        title: "callback reads the wrong response location",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "align `response_mode` with the callback handler (query for server-side routes, accept POST for form_post, read the fragment in browser code)",
        references: [
            "RFC 6749 §4.1.2", "OAuth 2.0 Multiple Response Type Encoding Practices §5",
            "OAuth 2.0 Form Post Response Mode §2",
        ],
    }
}

/// The request to the callback endpoint the browser made after `after` (the first one).
fn callback_request_after<'a>(
    ex: &'a [Exchange],
    after: usize,
    endpoint: &str,
) -> Option<&'a Exchange> {
    ex.iter()
        .skip(after + 1)
        .find(|e| strip_uri(&e.request.endpoint()) == endpoint)
}

/// The callback handler complained about a missing code or response.
fn says_missing_code(e: &Exchange) -> bool {
    let Some(r) = &e.response else { return false };
    let body = r.body.as_deref().unwrap_or("");
    let t = if r.is_html() {
        page_text(body)
    } else {
        body.to_string()
    }
    .to_ascii_lowercase();
    [
        "missing code",
        "no code",
        "code is missing",
        "code missing",
        "missing authorization code",
        "no authorization code",
        "code not found",
        "missing required parameter: code",
        "missing_code",
    ]
    .iter()
    .any(|w| t.contains(w))
}

impl Rule for Redir007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for c in callbacks(cx) {
            // Fragment delivery followed by a server-side callback that found nothing.
            if let Some(li) = c.location {
                let Some(frag) = c.url.split_once('#').map(|(_, f)| f) else {
                    continue;
                };
                let fp = Params::parse(frag);
                if !(fp.has("code") || fp.has("error")) {
                    continue;
                }
                let Some(cb) = callback_request_after(ex, li, &c.endpoint) else {
                    continue;
                };
                if cb.request.query.has("code") || cb.request.query.has("error") {
                    continue;
                }
                let refused = cb.status().is_some_and(|s| s >= 400) || says_missing_code(cb);
                if !refused {
                    continue;
                }
                let az = request_for(ex, &c);
                let mode = az
                    .and_then(|a| a.request.param("response_mode"))
                    .map(|m| format!("`response_mode={m}`"))
                    .or_else(|| {
                        az.and_then(|a| a.request.param("response_type"))
                            .map(|t| format!("`response_type={t}`"))
                    })
                    .unwrap_or_else(|| "the server's default".into());
                let message = format!(
                    "the authorization response put `{}` in the URL fragment ({mode}), which the browser never sends to the server; the callback `{}` answered {} without it",
                    if fp.has("code") { "code" } else { "error" },
                    c.endpoint,
                    cb.status().unwrap_or(0)
                );
                cx.report(cb.index, message)
                    .strength(Strength::Direct)
                    .text(li, "response.headers.location", strip_uri(&c.url) + "#…")
                    .text(cb.index, "request.url", cb.request.url.clone())
                    .emit();
                continue;
            }
            // form_post delivery to a handler that does not take POST.
            let Some(ri) = c.request else { continue };
            let cb = &ex[ri];
            if cb.request.method != "POST"
                || !(cb.request.form.has("code") || cb.request.form.has("error"))
            {
                continue;
            }
            let status = cb.status().unwrap_or(0);
            if !(matches!(status, 404 | 405) || status >= 400 && says_missing_code(cb)) {
                continue;
            }
            let message = format!(
                "the authorization response was POSTed to `{}` (`response_mode=form_post`) but the handler answered {status}: it reads the query of a GET",
                c.endpoint
            );
            cx.report(ri, message)
                .strength(Strength::Direct)
                .text(ri, "request.method", "POST")
                .text(ri, "response.status", status.to_string())
                .emit();
        }
    }
}
