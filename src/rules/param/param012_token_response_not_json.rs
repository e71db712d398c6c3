//! `PARAM012` token-response-not-json: token response is not json.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a successful (2xx) token response whose body is not JSON: form-encoded
    /// (`access_token=…&token_type=bearer`, what GitHub-style servers send without
    /// `Accept: application/json`), an HTML page (a sign-in page, a WAF or proxy answering a wrong
    /// URL), or another unparsable body. Error bodies are STAT002's. Category: a form-encoded
    /// body is `content_type_encoding` (the client's `Accept` header), an HTML page
    /// `endpoint_url` (the request went to the wrong place).
    ///
    /// ## Why it fails
    /// RFC 6749 §5.1 defines the token response as JSON; a client's JSON parser fails
    /// ("Unexpected token a in JSON at position 0") although the HTTP exchange succeeded.
    ///
    /// ## Example
    /// `Accept: */*` → `200 Content-Type: application/x-www-form-urlencoded`
    /// `access_token=gho_…&scope=repo&token_type=bearer`.
    ///
    /// ## Fix
    /// Send `Accept: application/json`; verify the token endpoint URL (take it from metadata);
    /// inspect an HTML answer for a proxy or SSO interception.
    ///
    /// ## References
    /// RFC 6749 §5.1, §5.2
    pub struct Param012 {
        code: "PARAM012",
        name: "token-response-not-json",
        title: "token response is not json",
        category: ContentTypeEncoding,
        severity: Error,
        kind: Diag,
        fix: "send `Accept: application/json` and call the exact `token_endpoint` from metadata; inspect HTML answers for a proxy or SSO page",
        references: ["RFC 6749 §5.1", "RFC 6749 §5.2"],
    }
}

impl Rule for Param012 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind == Kind::Token) {
            let Some(r) = &e.response else { continue };
            if !r.is_success() || e.server_error().is_some() {
                continue;
            }
            let body = r.body.as_deref().unwrap_or("");
            if body.trim().is_empty() || r.json.is_some() {
                continue;
            }
            let ct = r
                .headers
                .get("content-type")
                .unwrap_or("(none)")
                .to_string();
            let accept = e
                .request
                .headers
                .get("accept")
                .unwrap_or("(none)")
                .to_string();
            let (msg, category) = if r.is_html() {
                (
                    format!(
                        "the token endpoint `{}` answered {} with an HTML page (`{ct}`) instead of JSON: a sign-in page, WAF or proxy answered a wrong URL",
                        e.request.endpoint(),
                        r.status
                    ),
                    Category::EndpointUrl,
                )
            } else if !r.form.is_empty() {
                (
                    format!(
                        "the token response is form-encoded (`{ct}`), not JSON; the request sent `Accept: {accept}` instead of `application/json`"
                    ),
                    Category::ContentTypeEncoding,
                )
            } else {
                (
                    format!("the token response body is not JSON (`{ct}`)"),
                    Category::ContentTypeEncoding,
                )
            };
            cx.report(e.index, msg)
                .category(category)
                .client_rejects()
                .text(e.index, "response.headers.content-type", ct)
                .text(e.index, "request.headers.accept", accept)
                .emit();
        }
    }
}
