//! `BCP006` token-in-url: bearer token in URL query.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags requests that carry an access token in the URL query (`?access_token=…`), e.g. to
    /// a resource server or the UserInfo endpoint. Reported once per endpoint.
    ///
    /// ## Why it fails
    /// URLs end up in server and proxy logs, browser history and Referer headers; RFC 6750 §2.3
    /// allows the query method only when nothing else is possible, RFC 9700 and OAuth 2.1 forbid
    /// it. Many resource servers no longer accept it.
    ///
    /// ## Example
    /// `GET https://api.example.com/v1/me?access_token=eyJ…`.
    ///
    /// ## Fix
    /// Send `Authorization: Bearer <token>`, and treat tokens that were in URLs as leaked
    /// (revoke or let them expire quickly).
    ///
    /// ## References
    /// RFC 6750 §2.3, §5.3; RFC 9700 §4.3.2; OAuth 2.1 draft §5.2
    pub struct Bcp006 {
        code: "BCP006",
        name: "token-in-url",
        title: "bearer token in URL query",
        category: Parameters,
        severity: Warning,
        kind: Lint,
        fix: "send the token in `Authorization: Bearer`, and treat tokens that were in URLs as leaked",
        references: ["RFC 6750 §2.3", "RFC 6750 §5.3", "RFC 9700 §4.3.2"],
    }
}

impl Rule for Bcp006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<String> = Vec::new();
        for e in ex {
            let Some(tok) = e.request.query.non_empty("access_token") else {
                continue;
            };
            // An implicit-flow callback URL is BCP001's; everything else is a request that
            // presents the token.
            if e.kind == Kind::Callback {
                continue;
            }
            let ep = e.request.endpoint();
            if seen.contains(&ep) {
                continue;
            }
            seen.push(ep.clone());
            cx.report(
                e.index,
                format!("the request to `{ep}` carries the access token in the URL query"),
            )
            .strength(Strength::Direct)
            .secret(e.index, "request.query.access_token", tok)
            .emit();
        }
    }
}
