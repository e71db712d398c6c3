//! `REDIR002` redirect-uri-not-absolute: redirect_uri not absolute or has a fragment.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an authorization or PAR request whose `redirect_uri` (after one URL decode) is not
    /// an absolute URI — no scheme, or an `http`/`https` URI without a host — or contains a
    /// fragment (`#`). Custom schemes of native apps (`com.example.app:/cb`) and URNs are
    /// absolute and are not flagged.
    ///
    /// ## Why it fails
    /// RFC 6749 §3.1.2 requires the redirection endpoint to be an absolute URI without a
    /// fragment component: the server appends the response to it and a fragment would swallow
    /// the query the response adds. Servers reject such values with `invalid_request` or an
    /// error page.
    ///
    /// ## Example
    /// `redirect_uri=/callback` or `redirect_uri=https%3A%2F%2Fapp.example.com%2F%23%2Fcallback`
    /// (`https://app.example.com/#/callback`, a single-page-app hash route).
    ///
    /// ## Fix
    /// Send an absolute URI without a fragment; for hash-routed single-page apps register a real
    /// path (`https://app.example.com/callback`) and route from there.
    ///
    /// ## References
    /// RFC 6749 §3.1.2; RFC 3986 §4.3
    pub struct Redir002 {
        code: "REDIR002",
        name: "redirect-uri-not-absolute",
        title: "redirect_uri not absolute or has a fragment",
        category: RedirectUri,
        severity: Error,
        kind: Diag,
        fix: "send an absolute redirect URI without a fragment (for hash-routed apps register a real path)",
        references: ["RFC 6749 §3.1.2", "RFC 3986 §4.3"],
        explains_statuses: [(AuthorizeRejected, 2)],
    }
}

/// The error description or error page text of a failed exchange, lower-cased.
fn failure_text(e: &Exchange) -> Option<String> {
    if !e.failed() {
        return None;
    }
    if let Some(er) = e.server_error() {
        return Some(
            format!("{} {}", er.code, er.description.unwrap_or_default()).to_ascii_lowercase(),
        );
    }
    let r = e.response.as_ref()?;
    let body = r.body.as_deref().unwrap_or("");
    Some(
        if r.is_html() {
            page_text(body)
        } else {
            body.to_string()
        }
        .to_ascii_lowercase(),
    )
}

/// The server's error (code, description or page) is about the redirect URI.
fn failure_mentions_redirect(e: &Exchange) -> bool {
    failure_text(e).is_some_and(|t| REDIRECT_WORDS.iter().any(|w| t.contains(w)))
}

impl Rule for Redir002 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let Some(ru) = e.request.param("redirect_uri") else {
                continue;
            };
            let Some(why) = not_absolute(&ru) else {
                continue;
            };
            if is_double_encoded(&ru) {
                continue; // an absolute URI encoded twice: REDIR001 / PARAM
            }
            let blamed = failure_mentions_redirect(e);
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "`redirect_uri` `{ru}` is not an absolute URI without fragment: {why}{}",
                        if blamed {
                            "; the server rejected the redirect URI"
                        } else {
                            ""
                        }
                    ),
                )
                .strength(Strength::Direct)
                .text(e.index, "request.query.redirect_uri", ru.clone());
            if blamed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
