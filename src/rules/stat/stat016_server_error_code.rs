//! `STAT016` server-error-code: the server rejected the request.

use super::*;

declare_rule! {
    /// ## What it does
    /// The fallback for error codes no specific rule explains: any failing exchange whose server
    /// `error` code (or bare 4xx status) no more specific rule explains gets a diagnosis from the
    /// code itself, the endpoint and the grant — `invalid_client` → credentials,
    /// `invalid_grant` on a refresh → expired or revoked refresh token, and so on. Its category
    /// therefore varies with the error code; any specific finding on the same exchange replaces
    /// it. (Not in the original catalogue; added at the end of the STAT family.)
    ///
    /// ## Why it fails
    /// The server named the class of problem but the capture holds no further evidence of the
    /// exact cause.
    ///
    /// ## Example
    /// `POST /token` (client_credentials, Basic auth, well-formed) → `401 {"error":"invalid_client"}`:
    /// the secret is wrong, rotated or expired, or the client_id is unknown.
    ///
    /// ## Fix
    /// Follow the explanation for the error code (`oauth-doctor explain CODE`).
    ///
    /// ## References
    /// RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1
    pub struct Stat016 {
        code: "STAT016",
        name: "server-error-code",
        title: "the server rejected the request",
        category: Other,
        severity: Error,
        kind: Diag,
        fix: "follow the explanation for the error code",
        references: ["RFC 6749 §5.2"],
        role: Fallback,
    }
}

impl Rule for Stat016 {
    fn check(&self, cx: &mut Context<'_>) {
        for &i in cx.index.failures() {
            let e = &cx.exchanges[i];
            let grant = e.request.param("grant_type");
            // `the token request`, `the request` for an endpoint of no known kind.
            let req = match e.kind {
                Kind::Other => "request".to_string(),
                k => format!("{} request", k.as_str()),
            };
            let elsewhere = e
                .response
                .as_ref()
                .and_then(|r| r.body_elsewhere.as_deref());
            if let Some(err) = e.server_error() {
                // Intermediate device-flow answers followed by another poll are expected.
                if matches!(err.code.as_str(), "authorization_pending" | "slow_down") {
                    let dc = e.request.param("device_code");
                    let polled_again = cx.exchanges[e.index + 1..]
                        .iter()
                        .any(|x| x.kind == Kind::Token && x.request.param("device_code") == dc);
                    if polled_again {
                        continue;
                    }
                }
                let cat = crate::diagnosis::fallback_category(
                    &err.code,
                    e.kind,
                    grant.as_deref(),
                    err.description.as_deref(),
                );
                let explained = errors::standard(&err.code)
                    .map(|s| s.causes)
                    .unwrap_or("the provider's own error code; see its documentation");
                let fix = errors::standard(&err.code)
                    .map(|s| s.fix.to_string())
                    .unwrap_or_else(|| format!("look up `{}` in the provider's documentation (`oauth-doctor explain {}`)", err.code, err.code));
                let mut rep = cx
                    .report(
                        e.index,
                        format!(
                            "the {req}{} got `{}`{}; usual causes: {explained}",
                            grant
                                .as_deref()
                                .map(|g| format!(" (grant `{g}`)"))
                                .unwrap_or_default(),
                            err.code,
                            err.description
                                .as_deref()
                                .map(|d| format!(
                                    " (\"{}\")",
                                    d.lines().next().unwrap_or("").trim()
                                ))
                                .unwrap_or_default(),
                        ),
                    )
                    .title(format!("the server rejected the {req} with `{}`", err.code))
                    .category(cat)
                    .fix(fix)
                    .strength(Strength::Absence)
                    .confirmed()
                    .text(e.index, err.at, err.code.clone());
                if let Some(d) = err.description {
                    rep = rep.text(
                        e.index,
                        "error_description",
                        d.lines().next().unwrap_or("").trim().to_string(),
                    );
                }
                rep.emit();
            } else if let Some(status) = e.status().filter(|s| *s >= 400 || *s == 0) {
                let (cat, what) = match (e.kind, status) {
                    (Kind::Resource | Kind::Userinfo, 401) => {
                        (Category::TokenExpiry, "the token was not accepted")
                    }
                    (_, 401) => (Category::Credentials, "client authentication failed"),
                    (_, 403) => (Category::Other, "the request was refused by policy"),
                    (_, 404 | 405 | 410) => (
                        Category::EndpointUrl,
                        "the URL or method is not one this server serves",
                    ),
                    (_, 429) => (Category::RateLimit, "the server is throttling the client"),
                    (_, 0) => (
                        Category::Other,
                        "no answer reached the client (refused, reset, timed out or blocked)",
                    ),
                    (_, 500..) => (
                        Category::ServerError,
                        "the server (or a gateway in front of it) failed",
                    ),
                    _ => (Category::Parameters, "the request was malformed"),
                };
                let got = if status == 0 {
                    "no response".to_string()
                } else if elsewhere.is_some() {
                    format!("{status}")
                } else {
                    format!("{status} without an error code")
                };
                let unread = elsewhere
                    .map(|w| format!("; the body that may say why is not in the capture: {w}"))
                    .unwrap_or_default();
                let mut rep = cx
                    .report(e.index, format!("the {req} got {got}: {what}{unread}"))
                    .title(if status == 0 {
                        "the request got no response".to_string()
                    } else if elsewhere.is_some() {
                        format!("the server answered {status}; its body is not in the capture")
                    } else {
                        format!("the server answered {status} without an error code")
                    });
                if elsewhere.is_some() {
                    rep = rep.fix(
                        "read the server's error from the response body: share the capture with \
                         its body files, or export it again with bodies included",
                    );
                }
                rep.category(cat)
                    .severity(Severity::Error)
                    .strength(Strength::Absence)
                    .text(e.index, "response.status", status.to_string())
                    .emit();
            }
        }
    }
}
