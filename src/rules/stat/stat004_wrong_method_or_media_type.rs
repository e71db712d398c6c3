//! `STAT004` wrong-method-or-media-type: wrong HTTP method or media type.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags 405 (method not allowed) and 415 (unsupported media type) answers from OAuth
    /// endpoints.
    ///
    /// ## Why it fails
    /// Token, PAR, introspection, revocation and device endpoints take `POST` with an
    /// `application/x-www-form-urlencoded` body. A 405 usually follows a redirect that turned the
    /// POST into a GET, or a client that sends GET; a 415 means a JSON or multipart body.
    ///
    /// ## Example
    /// `GET https://idp.example.com/oauth2/token?grant_type=client_credentials` → `405 Allow: POST`.
    ///
    /// ## Fix
    /// POST a form-encoded body to back-channel endpoints; fix redirects that downgrade POST.
    ///
    /// ## References
    /// RFC 9110 §15.5.6, §15.5.16; RFC 6749 §3.2; RFC 9126 §2.3
    pub struct Stat004 {
        code: "STAT004",
        name: "wrong-method-or-media-type",
        title: "wrong HTTP method or media type",
        category: EndpointUrl,
        severity: Error,
        kind: Diag,
        fix: "POST `application/x-www-form-urlencoded` bodies to back-channel endpoints and fix redirects that turn POST into GET",
        references: ["RFC 9110 §15.5.6", "RFC 9110 §15.5.16", "RFC 6749 §3.2"],
        explains_statuses: [(MethodNotAllowed, 0), (UnsupportedMediaType, 0)],
    }
}

impl Rule for Stat004 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            match r.status {
                405 => {
                    let allow = r.headers.get("allow").unwrap_or("");
                    cx.report(
                        e.index,
                        format!(
                            "`{} {}` got 405 method not allowed{}",
                            e.request.method,
                            e.request.endpoint(),
                            if allow.is_empty() {
                                String::new()
                            } else {
                                format!(" (allowed: `{allow}`)")
                            }
                        ),
                    )
                    .text(e.index, "request.method", e.request.method.clone())
                    .text(e.index, "response.status", "405")
                    .emit();
                }
                415 => {
                    let ct = e
                        .request
                        .headers
                        .get("content-type")
                        .unwrap_or("(none)")
                        .to_string();
                    cx.report(
                        e.index,
                        format!(
                            "the server rejected the request body's media type `{ct}` with 415"
                        ),
                    )
                    .category(Category::ContentTypeEncoding)
                    .text(e.index, "request.headers.content-type", ct)
                    .text(e.index, "response.status", "415")
                    .emit();
                }
                _ => {}
            }
        }
    }
}
