//! `PARAM017` resource-call-without-credentials: a protected resource was called without any token.

use super::*;
use crate::model::Request;

declare_rule! {
    /// ## What it does
    /// Finds a failing call to a protected resource or to UserInfo that carries no credential
    /// at all: no `Authorization` header, no `access_token` parameter, no `DPoP` proof. The
    /// resource's answer (`401`, often with a bare `WWW-Authenticate: Bearer` challenge) says it
    /// wanted a token. When the capture shows an access token issued earlier, the finding names
    /// it: the client had a token and did not attach it. A call made before any token was
    /// issued (an app asking "who is signed in?") is not a failure and is not reported; nor is
    /// a call whose `Authorization` header a redirect dropped (STAT008).
    ///
    /// ## Why it fails
    /// RFC 6750 §3.1: a request without authentication information gets a challenge without an
    /// error code; the resource never saw a token to judge. Typical causes: the token is stored
    /// under another key than the one the API client reads, an interceptor is not registered for
    /// this base URL, the call runs before the token response was processed.
    ///
    /// ## Example
    /// `POST /token` → `200 {"access_token":"eyJ…"}`; then `GET https://api.example/profile`
    /// without `Authorization` → `401 WWW-Authenticate: Bearer realm="api"`.
    ///
    /// ## Fix
    /// Send the access token with every call to the API: `Authorization: Bearer <token>`.
    ///
    /// ## References
    /// RFC 6750 §2.1, §3.1
    pub struct Param017 {
        code: "PARAM017",
        name: "resource-call-without-credentials",
        title: "protected resource called without a token",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send the access token with every call to the API: `Authorization: Bearer <token>`",
        references: ["RFC 6750 §2.1", "RFC 6750 §3.1"],
        explains_errors: [("invalid_token", 12), ("invalid_request", 9)],
        explains_statuses: [
            (UserinfoUnauthorized, 0), (ResourceUnauthorized, 0), (ResourceForbidden, 4),
        ],
        absorbs: ["STAT007"],
    }
}

/// Whether a request carries any credential a resource could check.
fn carries_credential(req: &Request) -> bool {
    req.authorization().is_some()
        || req.presented_token().is_some()
        || req.headers.contains("dpop")
        || req.form.has("access_token")
}

impl Rule for Param017 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for &i in cx.index.failures() {
            let e = &ex[i];
            if !matches!(e.kind, Kind::Resource | Kind::Userinfo) {
                continue;
            }
            if carries_credential(&e.request) {
                cx.rule_out(i, "the request carries a credential");
                continue;
            }
            if e.sanitized {
                cx.cannot_tell(i, "the export removed the `Authorization` headers");
                continue;
            }
            // A resource that names an error other than `invalid_request` judged a token it
            // received (RFC 6750 §3.1): the capture lost the header, the client did not.
            if e.server_error()
                .is_some_and(|x| x.code != "invalid_request")
            {
                cx.rule_out(i, "the resource judged a token it received");
                continue;
            }
            // A redirect that dropped the header the client did send is STAT008's.
            let url = e.request.url.as_str();
            let dropped = ex[..i].iter().rev().take(8).any(|p| {
                carries_credential(&p.request)
                    && p.response
                        .as_ref()
                        .and_then(|r| r.location())
                        .is_some_and(|l| l == url)
            });
            if dropped {
                continue;
            }
            let issued = ex[..i].iter().rev().find(|t| {
                t.response
                    .as_ref()
                    .is_some_and(|r| r.is_success() && r.field("access_token").is_some())
            });
            let status = e.status().unwrap_or(0);
            let challenge = e
                .response
                .as_ref()
                .and_then(|r| r.headers.get("www-authenticate"))
                .map(str::to_string);
            let message = match issued {
                Some(t) => format!(
                    "the call to `{}` carries no access token (no `Authorization` header, no `access_token` parameter) and got {status}; exchange #{} issued one earlier: the client did not attach it",
                    e.request.endpoint(),
                    t.number()
                ),
                None => format!(
                    "the call to `{}` carries no access token (no `Authorization` header, no `access_token` parameter) and got {status}",
                    e.request.endpoint()
                ),
            };
            let mut rep = cx
                .report(i, message)
                .strength(Strength::Direct)
                .text(i, "request.headers.authorization", "(absent)")
                .text(i, "response.status", status.to_string());
            if let Some(c) = challenge {
                rep = rep.text(i, "response.headers.www-authenticate", c);
            }
            if let Some(t) = issued {
                if let Some(at) = t.response.as_ref().and_then(|r| r.field("access_token")) {
                    rep = rep.secret(t.index, "response.body.access_token", at);
                }
            }
            rep.emit();
        }
    }
}
