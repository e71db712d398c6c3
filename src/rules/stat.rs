//! STAT: HTTP-level symptoms — redirects, 4xx/5xx, CORS, missing challenges — and the fallback
//! that turns any server `error` code into a ranked diagnosis (RULES.md §1.5, §2).

use super::common::page_text;
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Severity, Strength};
use crate::model::{Exchange, Kind};
use crate::oauth::errors::{self, error_code};
use crate::oauth::www_auth;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Stat001, &Stat002, &Stat003, &Stat004, &Stat005, &Stat006, &Stat007, &Stat008, &Stat009,
    &Stat010, &Stat011, &Stat012, &Stat013, &Stat014, &Stat015, &Stat016, &Stat017,
];

fn responses(ex: &[Exchange]) -> impl Iterator<Item = (&Exchange, &crate::model::Response)> {
    ex.iter()
        .filter_map(|e| e.response.as_ref().map(|r| (e, r)))
}

fn status_text(e: &Exchange) -> String {
    e.status().map(|s| s.to_string()).unwrap_or_default()
}

declare_rule! {
    /// ## What it does
    /// Flags a token, PAR, introspection, revocation or device-authorization request that was
    /// answered with a redirect (301/302/303/307/308).
    ///
    /// ## Why it fails
    /// Back-channel OAuth endpoints never redirect. A redirect means the URL is wrong: `http`
    /// upgraded to `https` (clients then re-send the POST as a GET and the body is lost), a
    /// trailing-slash normalisation, or a gateway sending the call to an SSO login page.
    ///
    /// ## Example
    /// `POST http://idp.example.com/oauth2/token` → `301 Location: https://idp.example.com/oauth2/token`,
    /// then `GET https://idp.example.com/oauth2/token` → `405`.
    ///
    /// ## Fix
    /// Call the exact `token_endpoint` from the issuer's metadata over https; never follow
    /// redirects for token requests; exempt back-channel calls from SSO gateways.
    ///
    /// ## References
    /// RFC 6749 §3.2; RFC 9110 §15.4
    pub struct Stat001 {
        code: "STAT001",
        name: "back-channel-redirect",
        title: "token endpoint answered with a redirect",
        category: EndpointUrl,
        severity: Error,
        kind: Diag,
        fix: "call the exact https `token_endpoint` from the issuer's metadata and do not follow redirects on token requests",
        references: ["RFC 6749 §3.2", "RFC 9110 §15.4"],
    }
}

impl Rule for Stat001 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            if !e.kind.is_back_channel() || !r.is_redirect() {
                continue;
            }
            let loc = r.location().unwrap_or("");
            let from = e.request.endpoint();
            let detail = if from.starts_with("http://") && loc.starts_with("https://") {
                "the server upgrades http to https; the client re-sends the POST as a GET and the body is lost"
            } else if loc.trim_end_matches('/') == from.trim_end_matches('/') {
                "the server normalises a trailing slash"
            } else if ["login", "signin", "sso", "auth"]
                .iter()
                .any(|w| loc.to_ascii_lowercase().contains(w))
            {
                "the request was sent to a login page: a wrong URL or a gateway intercepting back-channel calls"
            } else {
                "back-channel endpoints never redirect; the URL is not the token endpoint"
            };
            cx.report(
                e.index,
                format!(
                    "`{} {}` got {} to `{}`: {}",
                    e.request.method, from, r.status, loc, detail
                ),
            )
            .text(e.index, "response.status", status_text(e))
            .text(e.index, "response.headers.location", loc)
            .emit();
        }
    }
}

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
            if let Some(err) = error_code(e) {
                let cat = errors::fallback_category(
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
                cx.report(e.index, format!("the token endpoint answered {} with an HTML page instead of JSON: a login page, a WAF or a wrong URL", r.status))
                    .category(Category::EndpointUrl)
                    .client_rejects()
                    .text(e.index, "response.headers.content-type", r.headers.get("content-type").unwrap_or(""))
                    .emit();
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a 404 from an authorization-server endpoint (token, authorize, introspection,
    /// revocation, PAR, device authorization) and compares the URL with the endpoint the
    /// capture's discovery document announces.
    ///
    /// ## Why it fails
    /// The URL was hand-built: a wrong tenant or realm segment, a wrong API version path
    /// (`/oauth2/v2.0/token` vs `/oauth2/token`), a missing custom authorization-server id.
    ///
    /// ## Example
    /// `POST https://login.example.org/realms/acme/token` → `404`, while discovery says
    /// `token_endpoint: https://login.example.org/realms/acme/protocol/openid-connect/token`.
    ///
    /// ## Fix
    /// Take endpoint URLs from the issuer's metadata (`/.well-known/openid-configuration`).
    ///
    /// ## References
    /// RFC 8414 §2; OpenID Connect Discovery §3
    pub struct Stat003 {
        code: "STAT003",
        name: "endpoint-not-found",
        title: "404 on an authorization-server endpoint",
        category: EndpointUrl,
        severity: Error,
        kind: Diag,
        fix: "take endpoint URLs from the issuer's metadata instead of building them by hand",
        references: ["RFC 8414 §2", "OpenID Connect Discovery §3"],
    }
}

impl Rule for Stat003 {
    fn check(&self, cx: &mut Context<'_>) {
        let md = cx.index.metadata_doc().cloned();
        for (e, r) in responses(cx.exchanges) {
            if r.status != 404 || !(e.kind.is_back_channel() || e.kind == Kind::Authorize) {
                continue;
            }
            let field = match e.kind {
                Kind::Token => "token_endpoint",
                Kind::Authorize => "authorization_endpoint",
                Kind::Introspection => "introspection_endpoint",
                Kind::Revocation => "revocation_endpoint",
                Kind::Par => "pushed_authorization_request_endpoint",
                _ => "device_authorization_endpoint",
            };
            let announced = md
                .as_ref()
                .and_then(|m| m.get(field))
                .and_then(|v| v.as_str())
                .map(str::to_string);
            let url = e.request.endpoint();
            let mut rep = match &announced {
                Some(a) if a.trim_end_matches('/') != url.trim_end_matches('/') => cx
                    .report(e.index, format!("the {} request went to `{url}` and got 404; the discovery document announces `{field}` `{a}`", e.kind.as_str()))
                    .strength(Strength::Recomputed),
                _ => cx.report(e.index, format!("the {} request to `{url}` got 404: the path, tenant or realm in the URL is wrong", e.kind.as_str())),
            };
            rep = rep.text(e.index, "request.url", url.clone()).text(
                e.index,
                "response.status",
                "404",
            );
            if let Some(a) = announced {
                rep = rep.text(e.index, field, a);
            }
            rep.emit();
        }
    }
}

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

declare_rule! {
    /// ## What it does
    /// Flags 429 (too many requests) answers and counts how often the same client asked for
    /// tokens in the capture.
    ///
    /// ## Why it fails
    /// Providers throttle clients that fetch a new token for every API call or poll too fast.
    ///
    /// ## Example
    /// Twelve `client_credentials` requests within a minute, the last ones answered
    /// `429 Retry-After: 30`.
    ///
    /// ## Fix
    /// Cache tokens until shortly before they expire; honour `Retry-After` with backoff and
    /// jitter.
    ///
    /// ## References
    /// RFC 6585 §4; RFC 9126 §2.3
    pub struct Stat005 {
        code: "STAT005",
        name: "rate-limited",
        title: "rate limited (429)",
        category: RateLimit,
        severity: Error,
        kind: Diag,
        fix: "cache tokens until shortly before they expire and honour `Retry-After` with backoff and jitter",
        references: ["RFC 6585 §4"],
    }
}

impl Rule for Stat005 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            if r.status != 429 {
                continue;
            }
            let same = cx
                .exchanges
                .iter()
                .filter(|x| {
                    x.kind == e.kind
                        && x.request.endpoint() == e.request.endpoint()
                        && x.index <= e.index
                })
                .count();
            let mut rep = cx.report(e.index, format!(
                "`{}` answered 429 too many requests; the capture holds {same} request(s) to that endpoint up to this one",
                e.request.endpoint()
            ))
            .text(e.index, "response.status", "429");
            if let Some(ra) = r.headers.get("retry-after") {
                rep = rep.text(e.index, "response.headers.retry-after", ra);
            }
            rep.emit();
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags 5xx answers and `server_error` / `temporarily_unavailable` error codes from OAuth
    /// endpoints, noting gateway pages (502/504 HTML) and latency.
    ///
    /// ## Why it fails
    /// The authorization server, or a proxy in front of it, failed. Look for a client-side cause
    /// elsewhere in the capture first (a code redeemed twice behind a proxy that turns the
    /// `invalid_grant` into a 502): it outranks this rule when present.
    ///
    /// ## Example
    /// `POST /oauth/token` → `502 Bad Gateway` with an nginx HTML page after 60 s.
    ///
    /// ## Fix
    /// Retry idempotent calls with backoff, but never blindly retry an authorization-code
    /// redemption; check the server's health and its upstreams.
    ///
    /// ## References
    /// RFC 6749 §4.1.2.1, §5.2; RFC 7009 §2.2.1
    pub struct Stat006 {
        code: "STAT006",
        name: "server-fault",
        title: "the authorization server or a gateway failed",
        category: ServerError,
        severity: Error,
        kind: Diag,
        fix: "retry idempotent calls with backoff (never an authorization-code redemption) and check the server and its gateway",
        references: ["RFC 6749 §4.1.2.1", "RFC 6749 §5.2"],
    }
}

impl Rule for Stat006 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            let err = error_code(e);
            let code_says = err
                .as_ref()
                .is_some_and(|x| x.code == "server_error" || x.code == "temporarily_unavailable");
            if !(r.status >= 500 || code_says) || matches!(e.kind, Kind::Other | Kind::Preflight) {
                continue;
            }
            let gateway = matches!(r.status, 502 | 504) && r.is_html();
            let mut msg = format!(
                "`{} {}` answered {}",
                e.request.method,
                e.request.endpoint(),
                r.status
            );
            if let Some(x) = &err {
                msg.push_str(&format!(" with `{}`", x.code));
            }
            if gateway {
                msg.push_str(" from a gateway (HTML error page)");
            }
            if let Some(ms) = e.duration_ms.filter(|ms| *ms >= 10_000.0) {
                msg.push_str(&format!(
                    " after {:.0} s, close to a proxy timeout",
                    ms / 1000.0
                ));
            }
            let mut rep = cx
                .report(e.index, msg)
                .text(e.index, "response.status", status_text(e));
            if let Some(x) = err {
                rep = rep.text(e.index, x.at, x.code);
            }
            rep.emit();
        }
    }
}

fn challenges(r: &crate::model::Response) -> Vec<www_auth::Challenge> {
    r.headers
        .get_all("www-authenticate")
        .map(www_auth::parse)
        .collect()
}

declare_rule! {
    /// ## What it does
    /// Flags a 401 from a resource server that carries no `Bearer`/`DPoP` challenge: no
    /// `WWW-Authenticate` at all, or a `Basic`/`Negotiate` one, or a redirect to a login page.
    ///
    /// ## Why it fails
    /// An OAuth resource server answers 401 with a `Bearer` challenge. Anything else means the
    /// request was refused outside the OAuth layer: a gateway, a cookie-session web app, a wrong
    /// route.
    ///
    /// ## Example
    /// `GET https://api.example.com/v1/items` with a bearer token → `401 WWW-Authenticate: Basic realm="internal"`.
    ///
    /// ## Fix
    /// Check which component answered (gateway, app server) and route the call to the OAuth
    /// protected API.
    ///
    /// ## References
    /// RFC 9110 §11.6.1; RFC 6750 §3
    pub struct Stat007 {
        code: "STAT007",
        name: "resource-401-without-bearer-challenge",
        title: "resource 401 without a Bearer challenge",
        category: Other,
        severity: Warning,
        kind: Diag,
        fix: "find which component answered (gateway, application) and route the call to the OAuth-protected API",
        references: ["RFC 9110 §11.6.1", "RFC 6750 §3"],
    }
}

impl Rule for Stat007 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            if !matches!(e.kind, Kind::Resource | Kind::Userinfo) {
                continue;
            }
            if r.is_redirect() && crate::model::looks_like_login(r.location().unwrap_or("")) {
                cx.report(
                    e.index,
                    format!(
                        "`{}` answered {} with a redirect to a login page (`{}`): a cookie-session web route, not a bearer-token API",
                        e.request.endpoint(),
                        r.status,
                        r.location().unwrap_or("")
                    ),
                )
                .text(e.index, "response.status", status_text(e))
                .text(e.index, "response.headers.location", r.location().unwrap_or(""))
                .emit();
                continue;
            }
            if r.status != 401 {
                continue;
            }
            let ch = challenges(r);
            if ch.iter().any(|c| {
                c.scheme.eq_ignore_ascii_case("bearer") || c.scheme.eq_ignore_ascii_case("dpop")
            }) {
                continue;
            }
            if error_code(e).is_some() {
                continue;
            }
            let what = match ch.first() {
                Some(c) => format!("a `{}` challenge", c.scheme),
                None => "no `WWW-Authenticate` header".to_string(),
            };
            cx.report(
                e.index,
                format!(
                    "`{}` answered 401 with {what}: the refusal came from outside the OAuth layer",
                    e.request.endpoint()
                ),
            )
            .strength(Strength::Heuristic)
            .text(e.index, "response.status", "401")
            .emit();
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a resource call that sent `Authorization` but got a `Bearer` challenge with no
    /// `error` parameter — the server's way of saying it received no token at all.
    ///
    /// ## Why it fails
    /// RFC 6750 §3 says a request without credentials gets a challenge without an error code. If
    /// the client did send a token, something between them dropped the header: a proxy or app
    /// server not forwarding `Authorization`, or a redirect to another host (clients strip
    /// credentials on cross-host redirects).
    ///
    /// ## Example
    /// `GET /api/me` with `Authorization: Bearer eyJ…` → `401 WWW-Authenticate: Bearer realm="api"`.
    ///
    /// ## Fix
    /// Configure the proxy / app server to pass `Authorization` through; call the final URL
    /// directly instead of following a redirect.
    ///
    /// ## References
    /// RFC 6750 §3
    pub struct Stat008 {
        code: "STAT008",
        name: "authorization-not-received",
        title: "authorization header not received by the resource",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "make the proxy or application server forward the `Authorization` header and avoid redirects before the API",
        references: ["RFC 6750 §3"],
    }
}

impl Rule for Stat008 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            if !matches!(e.kind, Kind::Resource | Kind::Userinfo) || r.status != 401 {
                continue;
            }
            if e.request.authorization().is_none() {
                continue;
            }
            let ch = challenges(r);
            let bare = ch.iter().any(|c| {
                (c.scheme.eq_ignore_ascii_case("bearer") || c.scheme.eq_ignore_ascii_case("dpop"))
                    && c.get("error").is_none()
            });
            let body = r.body.as_deref().unwrap_or("").to_ascii_lowercase();
            let says_missing = [
                "missing",
                "no token",
                "not provided",
                "no authorization",
                "credentials_missing",
            ]
            .iter()
            .any(|w| body.contains(w));
            if !(says_missing || bare && error_code(e).is_none()) {
                continue;
            }
            let (scheme, _) = e.request.authorization().unwrap_or(("", ""));
            cx.report(e.index, format!(
                "the request sent `Authorization: {scheme} …` but the server answered as if no credentials arrived{}: something in front of the API dropped the header",
                if says_missing { " (its body says the credential is missing)" } else { " (challenge without `error`)" }
            ))
            .category(Category::ServerError)
            .text(e.index, "response.headers.www-authenticate", r.headers.get("www-authenticate").unwrap_or("(none)"))
            .emit();
        }
        // A redirect to another host: clients drop `Authorization` when they follow it.
        for (e, r) in responses(cx.exchanges) {
            if e.request.authorization().is_none() || !r.is_redirect() {
                continue;
            }
            let Some(loc) = r.location() else { continue };
            let Some(target) = e.request.parsed.as_ref().and_then(|u| u.join(loc).ok()) else {
                continue;
            };
            if target.host_str() == e.request.host() {
                continue;
            }
            let target_s = target
                .as_str()
                .split(['?', '#'])
                .next()
                .unwrap_or("")
                .to_string();
            let follow = cx.exchanges[e.index + 1..]
                .iter()
                .find(|x| x.request.endpoint() == target_s && x.request.authorization().is_none());
            let Some(f) = follow else { continue };
            if !f.status().is_some_and(|s| s == 401 || s == 403) {
                continue;
            }
            cx.report(
                f.index,
                format!(
                    "`{}` redirected to another host (`{}`); the client followed without `Authorization` (clients drop credentials on cross-host redirects) and got {}",
                    e.request.endpoint(),
                    target_s,
                    f.status().unwrap_or(0)
                ),
            )
            .category(Category::EndpointUrl)
            .strength(Strength::Recomputed)
            .text(e.index, "response.headers.location", loc)
            .text(f.index, "response.status", status_text(f))
            .fix("call the final URL directly (update the API base URL) instead of following a redirect that drops the token")
            .emit();
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a resource-server 401 whose challenge says `error="invalid_token"` and points the
    /// other checkers (expiry, audience, issuer, signature, DPoP) at the presented token.
    ///
    /// ## Why it fails
    /// The token was expired, revoked, malformed, signed by an unknown key or issued for another
    /// resource. When none of the specific checks finds the defect in the capture, the token was
    /// most likely revoked or is meant for another API.
    ///
    /// ## Example
    /// `401 WWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"`.
    ///
    /// ## Fix
    /// Fix the specific defect; otherwise refresh the token once and retry, and check which
    /// audience it was issued for.
    ///
    /// ## References
    /// RFC 6750 §3.1
    pub struct Stat009 {
        code: "STAT009",
        name: "resource-invalid-token",
        title: "resource rejected the token (invalid_token)",
        category: TokenExpiry,
        severity: Error,
        kind: Diag,
        fix: "refresh the token once and retry; if that fails, check the token's audience, issuer and signature",
        references: ["RFC 6750 §3.1"],
    }
}

impl Rule for Stat009 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            if !matches!(e.kind, Kind::Resource | Kind::Userinfo) {
                continue;
            }
            let Some(err) = error_code(e) else { continue };
            if err.code != "invalid_token" {
                continue;
            }
            let cat = errors::fallback_category(
                "invalid_token",
                e.kind,
                None,
                err.description.as_deref(),
            );
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "`{}` rejected the presented token with `invalid_token`{}",
                        e.request.endpoint(),
                        err.description
                            .as_deref()
                            .map(|d| format!(": {d}"))
                            .unwrap_or_default()
                    ),
                )
                .category(cat)
                .strength(Strength::Heuristic)
                .confirmed()
                .text(e.index, err.at, "invalid_token");
            if let Some(d) = &err.description {
                rep = rep.text(e.index, "error_description", d.clone());
            }
            rep.emit();
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a 403 with `error="insufficient_scope"` and compares the scope the resource asks for
    /// with what the token response granted.
    ///
    /// ## Why it fails
    /// The token does not carry a scope the API requires: it was not requested, not consented,
    /// or the authorization server granted fewer scopes than requested (RFC 6749 §3.3).
    ///
    /// ## Example
    /// `403 WWW-Authenticate: Bearer error="insufficient_scope", scope="orders:write"`.
    ///
    /// ## Fix
    /// Request the needed scope in a new authorization and check the granted `scope` in the token
    /// response.
    ///
    /// ## References
    /// RFC 6750 §3.1; RFC 6749 §3.3
    pub struct Stat010 {
        code: "STAT010",
        name: "insufficient-scope",
        title: "resource requires a scope the token lacks",
        category: ScopeConsent,
        severity: Error,
        kind: Diag,
        fix: "request the scope the resource names (new authorization) and check the `scope` granted in the token response",
        references: ["RFC 6750 §3.1", "RFC 6749 §3.3"],
    }
}

impl Rule for Stat010 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            let Some(err) = error_code(e) else { continue };
            if err.code != "insufficient_scope" {
                continue;
            }
            let needed = challenges(r)
                .iter()
                .find_map(|c| c.get("scope").map(str::to_string));
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "`{}` answered `insufficient_scope`{}",
                        e.request.endpoint(),
                        needed
                            .as_deref()
                            .map(|s| format!("; it requires scope `{s}`"))
                            .unwrap_or_default()
                    ),
                )
                .confirmed()
                .text(e.index, err.at, "insufficient_scope");
            if let Some(s) = needed {
                rep = rep.text(e.index, "response.headers.www-authenticate.scope", s);
            }
            rep.emit();
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a 403 from a resource server with no OAuth error in challenge or body.
    ///
    /// ## Why it fails
    /// The token was accepted; the application refused the action: roles, tenant, IP policy,
    /// WAF, CSRF protection. This is not a token problem.
    ///
    /// ## Example
    /// `GET /admin/users` with a valid token → `403 {"message":"Forbidden"}`.
    ///
    /// ## Fix
    /// Check the application's authorisation rules (roles, groups, tenant) for this user.
    ///
    /// ## References
    /// RFC 9110 §15.5.4
    pub struct Stat011 {
        code: "STAT011",
        name: "resource-403-application",
        title: "resource 403 without an OAuth error",
        category: Other,
        severity: Info,
        kind: Diag,
        fix: "check the application's own authorisation rules (roles, tenant, IP policy) for this user",
        references: ["RFC 9110 §15.5.4"],
    }
}

impl Rule for Stat011 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            if e.kind != Kind::Resource || r.status != 403 || error_code(e).is_some() {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "`{}` answered 403 without an OAuth error: the application refused the action",
                    e.request.endpoint()
                ),
            )
            .strength(Strength::Heuristic)
            .text(e.index, "response.status", "403")
            .emit();
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags browser requests that never got a response (HAR status 0 or an exporter `_error`),
    /// especially cross-origin calls with an `Origin` header, and failing CORS preflights.
    ///
    /// ## Why it fails
    /// The browser blocked the call: the server did not answer the preflight or did not send
    /// `Access-Control-Allow-Origin` for the single-page app's origin. The JavaScript sees a
    /// network error and no body.
    ///
    /// ## Example
    /// `POST https://idp.example.com/oauth2/token` with `Origin: https://app.example.com` →
    /// status 0, `_error: net::ERR_FAILED`.
    ///
    /// ## Fix
    /// Enable CORS for the app's origin at the authorization server (public clients) or make the
    /// token call from a backend.
    ///
    /// ## References
    /// WHATWG Fetch (CORS protocol); RFC 6749 §3.2
    pub struct Stat012 {
        code: "STAT012",
        name: "browser-blocked-call",
        title: "browser blocked the call (CORS / status 0)",
        category: Other,
        severity: Error,
        kind: Diag,
        fix: "allow the app's origin in the server's CORS settings, or make the call from a backend",
        references: ["WHATWG Fetch §3.2 (CORS protocol)", "RFC 6749 §3.2"],
    }
}

impl Rule for Stat012 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            let preflight_failed = e.kind == Kind::Preflight
                && (r.status >= 400
                    || (r.status != 0 && !r.headers.contains("access-control-allow-origin")));
            if !(r.status == 0 || preflight_failed) {
                continue;
            }
            // Only OAuth calls: a blocked analytics beacon or image is not the user's problem,
            // nor is a request an extension blocked on purpose.
            if e.kind == Kind::Other
                || r.transport_error
                    .as_deref()
                    .is_some_and(|x| x.contains("BLOCKED_BY_CLIENT"))
            {
                continue;
            }
            // A connection-level failure outside a browser is STAT017's.
            if r.status == 0
                && r.transport_error.is_some()
                && !e.request.headers.contains("origin")
                && e.kind != Kind::Preflight
            {
                continue;
            }
            if r.status == 0
                && e.request.headers.get("origin").is_none()
                && r.transport_error.is_none()
                && e.kind == Kind::Other
            {
                continue;
            }
            let why = r
                .transport_error
                .clone()
                .unwrap_or_else(|| "no response".into());
            cx.report(
                e.index,
                format!(
                    "`{} {}` never got a usable response ({why}){}",
                    e.request.method,
                    e.request.endpoint(),
                    if e.request.headers.contains("origin") {
                        "; it is a cross-origin browser call"
                    } else {
                        ""
                    }
                ),
            )
            .strength(if e.request.headers.contains("origin") {
                Strength::Direct
            } else {
                Strength::Heuristic
            })
            .text(e.index, "response.status", status_text(e))
            .emit();
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags an authorization request answered with an error page (200/400 HTML, no redirect
    /// back to the client) and reads the page for what it blames.
    ///
    /// ## Why it fails
    /// When the `client_id` is unknown or the `redirect_uri` is not registered, the
    /// authorization server must not redirect (it cannot trust the URI), so it shows an error
    /// page: "Invalid parameter: redirect_uri", "redirect_uri_mismatch", "invalid_client".
    ///
    /// ## Example
    /// `GET /realms/acme/protocol/openid-connect/auth?…&redirect_uri=http://localhost:3000/cb`
    /// → `400` HTML "We are sorry… Invalid parameter: redirect_uri".
    ///
    /// ## Fix
    /// Register the exact redirect URI (or send the registered one byte for byte) and check the
    /// client_id belongs to this realm / tenant.
    ///
    /// ## References
    /// RFC 6749 §3.1.2.4, §4.1.2.1
    pub struct Stat013 {
        code: "STAT013",
        name: "authorize-error-page",
        title: "authorization endpoint showed an error page instead of redirecting",
        category: RedirectUri,
        severity: Error,
        kind: Diag,
        fix: "register the exact redirect_uri (or send the registered one byte for byte) and check the client_id exists in this tenant or realm",
        references: ["RFC 6749 §3.1.2.4", "RFC 6749 §4.1.2.1"],
    }
}

impl Rule for Stat013 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            if e.kind != Kind::Authorize
                || r.is_redirect()
                || r.status < 200
                || !(r.status == 200 || (400..500).contains(&r.status))
            {
                continue;
            }
            let body = r.body.as_deref().unwrap_or("");
            if r.status == 200 && !r.is_html() {
                continue;
            }
            let text = page_text(body);
            let low = text.to_ascii_lowercase();
            let error_page = r.status >= 400
                || [
                    "error",
                    "sorry",
                    "invalid",
                    "mismatch",
                    "not registered",
                    "doesn't",
                    "does not",
                ]
                .iter()
                .any(|w| low.contains(w));
            if !error_page {
                continue; // a login page
            }
            let (cat, blame) = if ["redirect", "reply url", "callback"]
                .iter()
                .any(|w| low.contains(w))
            {
                (Category::RedirectUri, "the redirect URI")
            } else if ["client", "application", "app "]
                .iter()
                .any(|w| low.contains(w))
            {
                (Category::Credentials, "the client_id")
            } else if low.contains("scope") {
                (Category::ScopeConsent, "the scope")
            } else {
                (Category::Parameters, "a request parameter")
            };
            let snippet: String = text.chars().take(160).collect();
            cx.report(e.index, format!("the authorization request got a {} error page instead of a redirect; the page blames {blame}: \"{snippet}\"", r.status))
                .category(cat)
                .strength(Strength::Heuristic)
                .text(e.index, "response.status", status_text(e))
                .text(e.index, "request.query.redirect_uri", e.request.query.get("redirect_uri").unwrap_or("(none)"))
                .emit();
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags an authorization response (the redirect back to the client) that carries `error`
    /// instead of `code`, and maps the code to its root cause.
    ///
    /// ## Why it fails
    /// `access_denied`: the user or a policy said no. `invalid_scope`, `unauthorized_client`,
    /// `unsupported_response_type`: client configuration. `login_required`, `consent_required`,
    /// `interaction_required`, `account_selection_required` after `prompt=none` are expected:
    /// the silent attempt could not finish without the user.
    ///
    /// ## Example
    /// `302 Location: https://app.example.com/cb?error=access_denied&state=…`
    ///
    /// ## Fix
    /// Map per code; for the `prompt=none` codes, fall back to an interactive login (iframes
    /// often lose third-party cookies).
    ///
    /// ## References
    /// RFC 6749 §4.1.2.1; OpenID Connect Core §3.1.2.6
    pub struct Stat014 {
        code: "STAT014",
        name: "authorization-error-response",
        title: "authorization error redirected to the client",
        category: ScopeConsent,
        severity: Error,
        kind: Diag,
        fix: "act on the error code: user or policy refusal, client configuration, or fall back to interactive login after prompt=none",
        references: ["RFC 6749 §4.1.2.1", "OpenID Connect Core §3.1.2.6"],
    }
}

impl Rule for Stat014 {
    fn check(&self, cx: &mut Context<'_>) {
        for a in &cx.index.authz_responses {
            let Some(code) = a.params.get("error") else {
                continue;
            };
            let e = &cx.exchanges[a.exchange];
            let desc = a.params.get("error_description");
            let cat = errors::fallback_category(code, Kind::Authorize, None, desc);
            let msg = format!(
                "the authorization response carries `error={code}`{}",
                desc.map(|d| format!(": {d}")).unwrap_or_default()
            );
            cx.report(e.index, msg)
                .category(cat)
                .strength(Strength::Direct)
                .confirmed()
                .text(e.index, a.at("error"), code)
                .emit();
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags 413, 414 and 431 answers, and 400s to requests with a very long URL or
    /// `Authorization` header.
    ///
    /// ## Why it fails
    /// A request object passed by value, a huge `state`, a token bloated with group claims or
    /// accumulated cookies exceed the server's or proxy's limits.
    ///
    /// ## Example
    /// `GET /authorize?request=eyJ…(12 KB)` → `414 URI Too Long`.
    ///
    /// ## Fix
    /// Use PAR (`request_uri`), shrink `state`, trim token claims or use reference tokens.
    ///
    /// ## References
    /// RFC 9110 §15.5.15; RFC 6585 §5; RFC 9126 §2.3
    pub struct Stat015 {
        code: "STAT015",
        name: "request-too-large",
        title: "request URI or headers too large",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "use PAR (`request_uri`) for large authorization requests, shrink `state`, trim token claims or cookies",
        references: ["RFC 9110 §15.5.15", "RFC 6585 §5", "RFC 9126 §2.3"],
    }
}

impl Rule for Stat015 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            let url_len = e.request.url.len();
            let auth_len = e.request.headers.get("authorization").map_or(0, str::len);
            let cookie_len: usize = e.request.headers.get_all("cookie").map(str::len).sum();
            let too_big = matches!(r.status, 413 | 414 | 431 | 494)
                || (r.status == 400 && (url_len > 8000 || auth_len > 8000 || cookie_len > 8000));
            if !too_big {
                continue;
            }
            let url_problem =
                r.status == 414 || (url_len > 8000 && auth_len <= 8000 && cookie_len <= 8000);
            cx.report(e.index, format!(
                "the server answered {} to a request with a {url_len}-byte URL, {auth_len}-byte Authorization header and {cookie_len} bytes of cookies",
                r.status
            ))
            .category(if url_problem { Category::Parameters } else { Category::Other })
            .text(e.index, "response.status", status_text(e))
            .emit();
        }
    }
}

declare_rule! {
    /// ## What it does
    /// The fallback of the error-code index (RULES.md §2.10): any failing exchange whose server
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
    }
}

impl Rule for Stat016 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            if !e.failed() || e.kind == Kind::Preflight {
                continue;
            }
            let grant = e.request.param("grant_type");
            if let Some(err) = error_code(e) {
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
                let cat = errors::fallback_category(
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
                            "the {} request{} got `{}`{}; usual causes: {explained}",
                            e.kind.as_str(),
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
                    .title(format!(
                        "the server rejected the {} request with `{}`",
                        e.kind.as_str(),
                        err.code
                    ))
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
            } else if let Some(status) = e.status().filter(|s| matches!(s, 400 | 401 | 403)) {
                if !(e.kind.is_authorization_server() || e.kind == Kind::Resource) {
                    continue;
                }
                let (cat, what) = match (e.kind, status) {
                    (Kind::Resource | Kind::Userinfo, 401) => {
                        (Category::TokenExpiry, "the token was not accepted")
                    }
                    (_, 401) => (Category::Credentials, "client authentication failed"),
                    (_, 403) => (Category::Other, "the request was refused by policy"),
                    _ => (Category::Parameters, "the request was malformed"),
                };
                cx.report(
                    e.index,
                    format!(
                        "the {} request got {status} without an error code: {what}",
                        e.kind.as_str()
                    ),
                )
                .title(format!(
                    "the server answered {status} without an error code"
                ))
                .category(cat)
                .severity(Severity::Error)
                .strength(Strength::Absence)
                .text(e.index, "response.status", status.to_string())
                .emit();
            }
        }
    }
}

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
    }
}

impl Rule for Stat017 {
    fn check(&self, cx: &mut Context<'_>) {
        for (e, r) in responses(cx.exchanges) {
            let Some(err) = r.transport_error.as_deref() else {
                continue;
            };
            if r.status != 0 || e.request.headers.contains("origin") || e.kind == Kind::Preflight {
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
