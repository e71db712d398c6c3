//! `DPOP012` dpop-not-bound: authorization server issued bearer although dpop was sent.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a token request that carried a DPoP proof but whose successful response says
    /// `token_type: Bearer`: the authorization server did not bind the token. When that token
    /// later fails at a resource server, the finding explains that failure.
    ///
    /// ## Why it fails
    /// A server that does not support or has not enabled DPoP for the client ignores the proof
    /// (RFC 9449 §5, §5.1). A client that assumes binding then sends `Authorization: DPoP` with
    /// a bearer token, or the resource server expects a bound token and gets none. When a
    /// later call with that token fails, the finding explains it and is an error (the
    /// catalogue's warning covers the unbound token alone); the root cause is then the client
    /// ignoring the returned `token_type`, hence the `parameters` category.
    ///
    /// ## Example
    /// `POST /token` with a `DPoP` header → `200 {"token_type":"Bearer",…}`.
    ///
    /// ## Fix
    /// Use the `token_type` the response returns; enable DPoP for the client (or the whole
    /// server) when sender-constrained tokens are required.
    ///
    /// ## References
    /// RFC 9449 §5, §5.1
    pub struct Dpop012 {
        code: "DPOP012",
        name: "dpop-not-bound",
        title: "authorization server issued bearer although dpop was sent",
        category: Parameters,
        severity: Warning,
        kind: Diag,
        fix: "use the `token_type` actually returned; enable DPoP for the client when bound tokens are required",
        references: ["RFC 9449 §5", "RFC 9449 §5.1"],
    }
}

impl Rule for Dpop012 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if e.kind != Kind::Token || !e.request.headers.contains("dpop") {
                continue;
            }
            let Some(r) = &e.response else { continue };
            if !r.is_success() {
                continue;
            }
            let Some(tt) = r.field("token_type") else {
                continue;
            };
            if !tt.eq_ignore_ascii_case("bearer") {
                continue;
            }
            let at = r.field("access_token");
            let later = at.and_then(|t| {
                ex[e.index + 1..].iter().find(|x| {
                    x.request.authorization().is_some_and(|(_, c)| c == t) && is_failure(x)
                })
            });
            let anchor = later.map(|x| x.index).unwrap_or(e.index);
            let message = format!(
                "the token request to `{}` sent a DPoP proof but the server returned `token_type: {tt}`: the token is not bound{}",
                e.request.endpoint(),
                later
                    .map(|x| format!(
                        "; exchange {} then presented it {}",
                        x.number(),
                        x.request
                            .authorization()
                            .map(|(s, _)| format!("with the `{s}` scheme"))
                            .unwrap_or_default()
                    ))
                    .unwrap_or_default()
            );
            let mut rep = cx.report(anchor, message).strength(Strength::Direct).text(
                e.index,
                "response.body.token_type",
                tt,
            );
            if let Some(t) = at {
                rep = rep.secret(e.index, "response.body.access_token", t.to_string());
            }
            if let Some(x) = later {
                // The unbound token broke a later call: an error, confirmed when the resource
                // server names the binding.
                rep = rep.severity(Severity::Error);
                let t = failure_text(x);
                if error_is(x, "invalid_token") || t.contains("dpop") || t.contains("bound") {
                    rep = rep.confirmed();
                }
            }
            rep.emit();
        }
    }
}
