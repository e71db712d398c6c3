//! `PARAM016` unencoded-parameter-value: unencoded reserved characters in a parameter value.

use super::*;

declare_rule! {
    /// ## What it does
    /// Reads the raw (undecoded) query of authorization requests and the raw form body of
    /// back-channel requests for values that were not percent-encoded: a literal space or
    /// non-ASCII character, a `%` that starts no escape, a segment without `=` (a value split
    /// at an unencoded `&`), a URL value with its own unencoded query followed by parameters no
    /// specification defines (its `&` cut it short — proved when the authorization request
    /// carried the full value), and a raw `+` inside a value that never contains spaces (code,
    /// secret, verifier, redirect_uri…), which the server decodes as a space.
    ///
    /// ## Why it fails
    /// In `application/x-www-form-urlencoded` data `&` separates parameters, `+` means a space
    /// and `%` starts an escape (RFC 6749 Appendix B, RFC 3986 §2). An unencoded value is cut
    /// or altered, so the server sees a different `redirect_uri`, secret or code and rejects
    /// it — often as a redirect_uri mismatch whose root cause is the encoding.
    ///
    /// ## Example
    /// `…&redirect_uri=https://app.example.com/cb?tenant=acme&region=eu&code_verifier=…` → the
    /// server reads `redirect_uri=https://app.example.com/cb?tenant=acme` and a stray `region`,
    /// and answers `invalid_grant`.
    ///
    /// ## Fix
    /// Percent-encode each value with a URL/form builder (`URLSearchParams`, `urlencode`) instead
    /// of string concatenation.
    ///
    /// ## References
    /// RFC 3986 §2.1, §2.2; RFC 6749 Appendix B; WHATWG URL §5.1
    pub struct Param016 {
        code: "PARAM016",
        name: "unencoded-parameter-value",
        title: "unencoded reserved characters in a parameter value",
        category: ContentTypeEncoding,
        severity: Error,
        kind: Diag,
        fix: "percent-encode every parameter value with a URL or form builder instead of concatenating strings",
        references: ["RFC 3986 §2.1", "RFC 6749 Appendix B"],
        explains_errors: [("invalid_request", 7)],
        explains_statuses: [(TokenBadRequest, 4), (TokenServerError, 3), (AuthorizeRejected, 4)],
        absorbs: ["GRANT004", "REDIR001"],
    }
}

impl Rule for Param016 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            let req = &e.request;
            let (raw, place) = if is_authorize_like(e) {
                (req.raw_query.clone().unwrap_or_default(), "query")
            } else if e.kind.is_back_channel() && req.json.is_none() {
                let media = req.headers.media_type();
                if media
                    .as_deref()
                    .is_some_and(|m| m != "application/x-www-form-urlencoded")
                {
                    continue;
                }
                (req.body.clone().unwrap_or_default(), "body")
            } else {
                continue;
            };
            if raw.is_empty() {
                continue;
            }
            let az = if e.kind == Kind::Token {
                cx.index.authorize_for_token(ex, e)
            } else {
                None
            };
            let full = |name: &str| az.and_then(|a| a.request.query.get(name).map(str::to_string));
            let Some((what, param, strength)) = encoding_defect(&raw, full) else {
                continue;
            };
            let anchor = if is_authorize_like(e) {
                authorize_anchor(cx, e)
            } else {
                e.index
            };
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "in the {} request {place}, {what}{}",
                        e.kind.as_str(),
                        outcome(&ex[anchor])
                    ),
                )
                .strength(strength);
            let at = format!("request.{place}.{param}");
            rep = match req.param(&param) {
                Some(v) if is_secret_param(&param) => rep.secret(e.index, at, v),
                Some(v) => rep.text(e.index, at, v),
                None => rep.text(e.index, at, "(absent)"),
            };
            if let Some(a) = az {
                if let Some(v) = a.request.query.get(&param) {
                    if !is_secret_param(&param) {
                        rep = rep.text(a.index, format!("request.query.{param}"), v);
                    }
                }
            }
            rep = with_server_signal(rep, &ex[anchor]);
            rep.emit();
        }
    }
}
