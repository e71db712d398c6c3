//! `STAT002` success-status-with-error: 200 response carrying an error.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a successful (2xx) response from an authorization-server endpoint whose body is
    /// an error: an `error` member in JSON or in a form-encoded body, or an HTML page where
    /// tokens were expected.
    ///
    /// ## Why it fails
    /// Some providers (GitHub OAuth apps, Slack) answer errors with HTTP 200. Clients that only
    /// look at the status then report "no access_token in response" instead of the real error.
    ///
    /// ## Example
    /// `POST https://github.com/login/oauth/access_token` → `200`
    /// `error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.`
    ///
    /// ## Fix
    /// Always check the body for `error`; send `Accept: application/json`; diagnose by the error
    /// code, not the status.
    ///
    /// ## References
    /// RFC 6749 §5.2
    pub struct Stat002 {
        code: "STAT002",
        name: "success-status-with-error",
        title: "200 response carrying an error",
        category: Other,
        severity: Error,
        kind: Diag,
        fix: "check every response body for `error` and diagnose by the error code, not the status; send `Accept: application/json`",
        references: ["RFC 6749 §5.2"],
        role: Restates,
    }
}

impl Rule for Stat002 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            if !r.is_success()
                || !matches!(
                    e.kind,
                    Kind::Token
                        | Kind::Introspection
                        | Kind::Revocation
                        | Kind::DeviceAuthorization
                        | Kind::Par
                )
            {
                continue;
            }
            if let Some(err) = e.server_error() {
                let cat = crate::diagnosis::fallback_category(
                    &err.code,
                    e.kind,
                    e.request.param("grant_type").as_deref(),
                    err.description.as_deref(),
                );
                let shape = if r.json.is_some() {
                    "JSON"
                } else {
                    "form-encoded"
                };
                let mut rep = cx
                    .report(
                        e.index,
                        format!(
                            "the server answered {} with a {} error `{}`{}",
                            r.status,
                            shape,
                            err.code,
                            err.description
                                .as_deref()
                                .map(|d| format!(": {}", d.trim()))
                                .unwrap_or_default()
                        ),
                    )
                    .category(cat)
                    .strength(Strength::Direct)
                    .confirmed()
                    .text(e.index, "response.status", status_text(e))
                    .text(e.index, err.at, err.code.clone());
                if let Some(d) = &err.description {
                    rep = rep.text(e.index, "response.body.error_description", d.trim());
                }
                rep.emit();
            } else if e.kind == Kind::Token && r.is_html() {
                let message = format!(
                    "the token endpoint answered {} with an HTML page instead of JSON: a login page, a WAF or a wrong URL",
                    r.status
                );
                cx.report(e.index, message)
                    .category(Category::EndpointUrl)
                    .client_rejects()
                    .text(
                        e.index,
                        "response.headers.content-type",
                        r.headers.get("content-type").unwrap_or(""),
                    )
                    .emit();
            }
        }
    }
}
