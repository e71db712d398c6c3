//! `REDIR008` authorization-response-iss: iss in authorization response missing or wrong.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks the `iss` parameter of authorization responses (RFC 9207): it must equal the
    /// `issuer` of the metadata of the server the authorization request was sent to, and must
    /// be present when that metadata says `authorization_response_iss_parameter_supported:
    /// true`.
    ///
    /// ## Why it fails
    /// `iss` is the client's defence against mix-up attacks: a response whose issuer is not the
    /// one the client started with may come from another (possibly malicious) authorization
    /// server, and the client must reject it. A missing `iss` from a server that announced it
    /// also fails strict clients.
    ///
    /// ## Example
    /// Metadata `issuer: https://login.example.com/realms/acme`; callback
    /// `…/cb?code=…&state=…&iss=https%3A%2F%2Flogin.example.com%2Frealms%2Fother`.
    ///
    /// ## Fix
    /// Reject the response (possible mix-up); check which server the client really talks to and
    /// compare `iss` with the issuer the authorization request was sent to.
    ///
    /// ## References
    /// RFC 9207 §2, §2.4, §3; RFC 9700 §4.4
    pub struct Redir008 {
        code: "REDIR008",
        name: "authorization-response-iss",
        title: "iss in authorization response missing or wrong",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "reject the response (possible mix-up) and compare `iss` with the issuer the authorization request was sent to",
        references: ["RFC 9207 §2.4", "RFC 9207 §3", "RFC 9700 §4.4"],
    }
}

impl Rule for Redir008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for c in callbacks(cx) {
            let Some(az) = request_for(ex, &c) else {
                continue;
            };
            let Some(md) = az_metadata(cx, az) else {
                continue;
            };
            let Some(issuer) = md.get("issuer").and_then(|v| v.as_str()) else {
                continue;
            };
            let supported = md
                .get("authorization_response_iss_parameter_supported")
                .and_then(|v| v.as_bool())
                == Some(true);
            let at = if c.request.is_some() {
                "request.query.iss"
            } else {
                "response.headers.location.iss"
            };
            match c.params.get("iss") {
                Some(iss) if iss != issuer => {
                    let message = format!(
                        "the authorization response names issuer `{iss}` but the authorization request went to `{issuer}`"
                    );
                    cx.report(c.anchor(), message)
                        .strength(Strength::Recomputed)
                        .text(c.anchor(), at, iss)
                        .text(az.index, "metadata.issuer", issuer)
                        .emit();
                }
                None if supported => {
                    let message = format!(
                        "the authorization response has no `iss` although `{issuer}` announces `authorization_response_iss_parameter_supported`"
                    );
                    cx.report(c.anchor(), message)
                        .strength(Strength::Direct)
                        .text(c.anchor(), at, "(absent)")
                        .text(
                            az.index,
                            "metadata.authorization_response_iss_parameter_supported",
                            "true",
                        )
                        .emit();
                }
                _ => {}
            }
        }
    }
}
