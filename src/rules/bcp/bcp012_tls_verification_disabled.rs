//! `BCP012` tls-verification-disabled: server certificate not verified (TLS verification disabled).

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags exchanges made with TLS certificate verification switched off: live mode records
    /// `--insecure` in the response header `x-oauth-doctor-tls-verify: off`, which a saved
    /// capture keeps. Not in the original catalogue; added at the end of the BCP family.
    ///
    /// ## Why it fails
    /// Without certificate verification anyone on the path can impersonate the authorization
    /// server and collect client secrets, codes and tokens. A check that passes only with
    /// `--insecure` will fail for every real client.
    ///
    /// ## Example
    /// `oauth-doctor check --token-url https://idp.test/token --insecure …` against a server with
    /// a self-signed certificate.
    ///
    /// ## Fix
    /// Give the server a certificate from a trusted CA, or trust its private CA explicitly
    /// (`--cacert FILE`), and drop `--insecure`.
    ///
    /// ## References
    /// RFC 9700 §2.6; RFC 6749 §10.9; RFC 8446 §4.4.2
    pub struct Bcp012 {
        code: "BCP012",
        name: "tls-verification-disabled",
        title: "server certificate not verified (TLS verification disabled)",
        category: Other,
        severity: Warning,
        kind: Lint,
        fix: "use a certificate the client trusts, or trust the private CA with `--cacert`, and drop `--insecure`",
        references: ["RFC 9700 §2.6", "RFC 6749 §10.9", "RFC 8446 §4.4.2"],
    }
}

impl Rule for Bcp012 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            let Some(r) = &e.response else { continue };
            let Some(v) = r.headers.get("x-oauth-doctor-tls-verify") else {
                continue;
            };
            if !v.trim_start().to_ascii_lowercase().starts_with("off") {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "`{} {}` was made without verifying the server's TLS certificate ({v})",
                    e.request.method,
                    e.request.endpoint()
                ),
            )
            .text(e.index, "response.headers.x-oauth-doctor-tls-verify", v)
            .emit();
        }
    }
}
