//! `STAT017` transport-failure: the request never got an HTTP response (connection, DNS, TLS or timeout).

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a request that never got an HTTP response because the connection failed: refused,
    /// DNS lookup failed, TLS handshake failed, or no answer before the timeout. It reads status 0
    /// with a transport error (live mode, HAR `_error`) on a request that is not a cross-origin
    /// browser call (no `Origin`; those are STAT012's). Not in the original catalogue; added at
    /// the end of the STAT family for live mode and proxy captures.
    ///
    /// ## Why it fails
    /// Nothing reached the OAuth layer: the host or port is wrong, the service is down or
    /// firewalled, the certificate is not trusted for that name (self-signed, private CA, wrong
    /// host, expired), https was sent to a plain-http port, or the server hangs.
    ///
    /// ## Example
    /// `POST https://login.example.com:8443/oauth2/token` → connection refused;
    /// `POST https://idp.internal/token` → TLS handshake failed: invalid peer certificate: UnknownIssuer.
    ///
    /// ## Fix
    /// Check host, port and scheme against the issuer's metadata; fix the server's certificate
    /// chain or trust its CA explicitly; for timeouts, check the server and any proxy between.
    ///
    /// ## References
    /// RFC 9110 §4.3; RFC 8446 §6.2; RFC 6749 §3.2
    pub struct Stat017 {
        code: "STAT017",
        name: "transport-failure",
        title: "the request never got an HTTP response (connection, DNS, TLS or timeout)",
        category: EndpointUrl,
        severity: Error,
        kind: Diag,
        fix: "check host, port and scheme against the issuer's metadata; fix or explicitly trust the server's certificate; for timeouts check the server's health",
        references: ["RFC 9110 §4.3", "RFC 8446 §6.2", "RFC 6749 §3.2"],
        explains_statuses: [(NoResponse, 0)],
        absorbs: ["STAT012", "EXP", "JWT"],
    }
}

impl Rule for Stat017 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            let Some(err) = r.transport_error.as_deref() else {
                continue;
            };
            // A cross-origin call the browser refused is STAT012's; a page load is not subject
            // to CORS, and one another navigation replaced is no failure at all.
            let cross_origin = e.request.headers.contains("origin") && !e.request.is_navigation();
            if r.status != 0
                || cross_origin
                || e.kind == Kind::Preflight
                || e.navigation_unrecorded()
            {
                continue;
            }
            if e.kind == Kind::Other {
                continue; // an unrelated request that failed (a beacon, an image)
            }
            let l = err.to_ascii_lowercase();
            let category = if l.contains("waiting for the server")
                || l.contains("timed out")
                || l.contains("timeout")
                || l.contains("closed the connection")
                || l.contains("reset")
                || l.contains("err_empty_response")
            {
                Category::ServerError
            } else if (l.contains("tls") || l.contains("certificate") || l.contains("err_cert_"))
                && !(l.contains("host name") || l.contains("does not speak tls"))
            {
                Category::Other
            } else {
                Category::EndpointUrl
            };
            cx.report(
                e.index,
                format!(
                    "`{} {}` got no HTTP response: {err}",
                    e.request.method,
                    e.request.endpoint()
                ),
            )
            .category(category)
            .strength(Strength::Direct)
            .confirmed()
            .text(e.index, "response._error", err)
            .emit();
        }
    }
}
