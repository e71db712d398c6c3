//! BCP: security best current practice (RULES.md §1.10) — RFC 9700 / OAuth 2.1 lint over the
//! captured traffic: implicit and password grants, CSRF protection, TLS, cacheable token
//! responses, tokens in URLs, refresh-token rotation, mix-up defence, servers that do not
//! enforce PKCE or single-use codes, Referer leaks and 307 redirects after a credential POST.
//! Most of these do not explain the current failure; they are reported as risks. Pure.

use super::common::issued_access_token;
use super::redir::{
    callbacks, is_authz_request, is_loopback, metadata_for, origin_of, request_for,
};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Strength};
use crate::model::flow::strip_uri;
use crate::model::{Exchange, Kind};
use crate::oauth::errors::error_code;
use crate::oauth::pkce;
use url::Url;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Bcp001, &Bcp002, &Bcp003, &Bcp004, &Bcp005, &Bcp006, &Bcp007, &Bcp008, &Bcp009, &Bcp010,
    &Bcp011, &Bcp012,
];

/// Where to report a lint that several exchanges show: an exchange that succeeded (a risk, not
/// the cause of a failure), else the first one.
fn lint_anchor<'a>(candidates: &[&'a Exchange]) -> Option<&'a Exchange> {
    candidates
        .iter()
        .find(|e| !e.failed())
        .or_else(|| candidates.first())
        .copied()
}

// ---------------------------------------------------------------------------------------------
// BCP001
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags authorization requests whose `response_type` contains `token`: the implicit grant
    /// (`token`, `id_token token`) or a hybrid flow returning an access token in the front
    /// channel (`code token`, `code id_token token`). `id_token` alone is not flagged.
    ///
    /// ## Why it fails
    /// Access tokens in the redirect URI fragment leak through browser history, Referer headers
    /// and injected scripts, cannot be sender-constrained and cannot be refreshed safely. RFC
    /// 9700 says clients should not use the implicit grant; OAuth 2.1 removes it, and many
    /// servers now answer `unsupported_response_type`.
    ///
    /// ## Example
    /// `GET /authorize?response_type=token&client_id=spa&redirect_uri=…`.
    ///
    /// ## Fix
    /// Use the authorization code grant with PKCE (`response_type=code`), also in single-page
    /// apps.
    ///
    /// ## References
    /// RFC 9700 §2.1.2; OAuth 2.1 draft §10.1; RFC 6749 §4.2
    pub struct Bcp001 {
        code: "BCP001",
        name: "implicit-grant",
        title: "implicit grant in use",
        category: GrantType,
        severity: Warning,
        kind: Lint,
        fix: "use the authorization code grant with PKCE (`response_type=code`)",
        references: ["RFC 9700 §2.1.2", "OAuth 2.1 draft §10.1", "RFC 6749 §4.2"],
    }
}

impl Rule for Bcp001 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<(Option<String>, String)> = Vec::new();
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let Some(rt) = e.request.param("response_type") else {
                continue;
            };
            if !rt.split_whitespace().any(|t| t == "token") {
                continue;
            }
            let key = (e.request.param("client_id"), rt.clone());
            if seen.contains(&key) {
                continue;
            }
            let same: Vec<&Exchange> = ex
                .iter()
                .filter(|x| {
                    is_authz_request(x)
                        && x.request.param("client_id") == key.0
                        && x.request.param("response_type").as_deref() == Some(rt.as_str())
                })
                .collect();
            seen.push(key);
            // A server that refused the response type confirms the risk is also the failure.
            let refused = same
                .iter()
                .copied()
                .find(|x| error_code(x).is_some_and(|er| er.code == "unsupported_response_type"));
            let Some(anchor) = refused.or_else(|| lint_anchor(&same)) else {
                continue;
            };
            let what = if rt.split_whitespace().any(|t| t == "code") {
                "a hybrid flow that returns an access token in the front channel"
            } else {
                "the implicit grant"
            };
            cx.report(
                anchor.index,
                format!(
                    "the authorization request asks for `response_type={rt}`: {what}{}",
                    if refused.is_some() {
                        "; the server refused it with `unsupported_response_type`"
                    } else {
                        ""
                    }
                ),
            )
            .strength(Strength::Direct)
            .text(anchor.index, "request.query.response_type", rt.clone())
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BCP002
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags token requests with `grant_type=password` (resource owner password credentials).
    /// When such a request failed, the finding names what the server's answer points to: the
    /// grant disabled for the client (`unsupported_grant_type`, `unauthorized_client` →
    /// `grant_type`), multi-factor authentication or another interaction the password grant
    /// cannot perform (→ `account_state`), or the user's password or account rejected
    /// (`invalid_grant` → `credentials`, the category DESIGN.md gives a wrong user password).
    /// On a successful request it is a risk only.
    ///
    /// ## Why it fails
    /// The password grant exposes the user's password to the client, cannot do MFA, federation
    /// or consent, and is deprecated by RFC 9700 and removed in OAuth 2.1. Providers disable it
    /// per client or tenant, and it fails for federated or MFA-protected users.
    ///
    /// ## Example
    /// `POST /token` `grant_type=password&username=…&password=…` →
    /// `400 {"error":"invalid_grant","error_description":"AADSTS50076: … multi-factor authentication …"}`.
    ///
    /// ## Fix
    /// Use the authorization code grant with PKCE for users, the device authorization grant for
    /// input-constrained devices, and client credentials for services.
    ///
    /// ## References
    /// RFC 9700 §2.4; OAuth 2.1 draft §10; RFC 6749 §4.3
    pub struct Bcp002 {
        code: "BCP002",
        name: "password-grant",
        title: "resource owner password grant in use",
        category: GrantType,
        severity: Warning,
        kind: Both,
        fix: "use the authorization code grant with PKCE (device flow for input-constrained devices, client credentials for services)",
        references: ["RFC 9700 §2.4", "OAuth 2.1 draft §10", "RFC 6749 §4.3"],
    }
}

const MFA_WORDS: [&str; 9] = [
    "multi-factor",
    "multifactor",
    "mfa",
    "two-factor",
    "2fa",
    "aadsts50076",
    "aadsts50079",
    "aadsts50158",
    "conditional access",
];

impl Rule for Bcp002 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let pw: Vec<&Exchange> = ex
            .iter()
            .filter(|e| {
                e.kind == Kind::Token
                    && e.request.param("grant_type").as_deref() == Some("password")
            })
            .collect();
        let mut reported_ok = false;
        for e in &pw {
            if !e.failed() {
                if reported_ok || pw.iter().any(|x| x.failed()) {
                    continue;
                }
                reported_ok = true;
                cx.report(
                    e.index,
                    "the client uses the resource owner password grant: it handles the user's password and cannot do MFA, federation or consent",
                )
                .strength(Strength::Direct)
                .text(e.index, "request.body.grant_type", "password")
                .emit();
                continue;
            }
            let err = error_code(e);
            let code = err.as_ref().map(|x| x.code.as_str()).unwrap_or("");
            let desc = err
                .as_ref()
                .and_then(|x| x.description.clone())
                .unwrap_or_default()
                .to_ascii_lowercase();
            let (cat, strength, confirmed, why) = if matches!(
                code,
                "unsupported_grant_type" | "unauthorized_client"
            ) {
                (
                    Category::GrantType,
                    Strength::Direct,
                    true,
                    format!(
                        "the password grant failed: the server refused the grant itself (`{code}`), it is disabled for this client or tenant"
                    ),
                )
            } else if code == "interaction_required" || MFA_WORDS.iter().any(|w| desc.contains(w)) {
                (
                    Category::AccountState,
                    Strength::Direct,
                    true,
                    format!(
                        "the password grant failed: the server requires multi-factor authentication or another interaction (`{code}`), which the password grant cannot perform"
                    ),
                )
            } else if code == "invalid_grant" {
                (
                    Category::Credentials,
                    Strength::Heuristic,
                    false,
                    "the password grant failed: the server rejected the user's credentials (`invalid_grant`), a wrong password, a locked or federated account, or a grant the provider blocks".to_string(),
                )
            } else {
                (
                    Category::GrantType,
                    Strength::Absence,
                    false,
                    format!(
                        "the client uses the deprecated password grant (no MFA, federation or consent); this request failed for another reason (`{}`)",
                        if code.is_empty() {
                            "no error code"
                        } else {
                            code
                        }
                    ),
                )
            };
            let mut rep = cx
                .report(e.index, why)
                .category(cat)
                .strength(strength)
                .text(e.index, "request.body.grant_type", "password");
            if let Some(er) = &err {
                rep = rep.text(e.index, er.at, er.code.clone());
            }
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BCP003
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags authorization requests that carry none of `state`, `code_challenge` and `nonce`,
    /// i.e. nothing that binds the response to the browser session that started the flow.
    /// Requests passing parameters by reference (`request_uri`, `request`) are skipped.
    ///
    /// ## Why it fails
    /// Without one of them an attacker can inject their own authorization response (login CSRF,
    /// code injection). PKCE protects the code exchange; `state` or `nonce` bound to the session
    /// protect the callback. Nothing fails today; the flow is attackable.
    ///
    /// ## Example
    /// `GET /authorize?response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb`.
    ///
    /// ## Fix
    /// Use PKCE (`code_challenge` with S256) and a per-transaction `state` (or `nonce` for OpenID
    /// Connect) bound to the user's session.
    ///
    /// ## References
    /// RFC 6749 §10.12; RFC 9700 §2.1, §4.7
    pub struct Bcp003 {
        code: "BCP003",
        name: "no-csrf-protection",
        title: "no CSRF protection on the authorization request",
        category: Parameters,
        severity: Warning,
        kind: Lint,
        fix: "send a PKCE `code_challenge` (S256) and a per-transaction `state` or `nonce` bound to the session",
        references: ["RFC 6749 §10.12", "RFC 9700 §2.1", "RFC 9700 §4.7"],
    }
}

impl Rule for Bcp003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<Option<String>> = Vec::new();
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let r = &e.request;
            if r.param("response_type").is_none()
                || r.param("request_uri").is_some()
                || r.param("request").is_some()
            {
                continue;
            }
            let has = |n: &str| r.param(n).is_some_and(|v| !v.is_empty());
            if has("state") || has("code_challenge") || has("nonce") {
                continue;
            }
            let client = r.param("client_id");
            if seen.contains(&client) {
                continue;
            }
            seen.push(client.clone());
            cx.report(
                e.index,
                format!(
                    "the authorization request{} has no `state`, no `code_challenge` and no `nonce`: nothing binds the response to this browser session",
                    client
                        .as_deref()
                        .map(|c| format!(" of client `{c}`"))
                        .unwrap_or_default()
                ),
            )
            .strength(Strength::Direct)
            .text(e.index, "request.query", "no state, code_challenge or nonce")
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BCP004
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags OAuth endpoints called over plain `http` on a host that is not a loopback address:
    /// authorization, token, PAR, device authorization, introspection, revocation and UserInfo
    /// endpoints, and resource calls that carry a token. Reported once per endpoint.
    ///
    /// ## Why it fails
    /// Client secrets, authorization codes, passwords and bearer tokens then cross the network
    /// in the clear (RFC 6749 §10.9, RFC 6750 §5.3). It also breaks flows: servers redirect
    /// `http` to `https`, and the client re-sends the POST as a GET without its body (STAT001).
    ///
    /// ## Example
    /// `POST http://idp.example.com/oauth2/token` → `301 Location: https://idp.example.com/oauth2/token`.
    ///
    /// ## Fix
    /// Use `https` for every endpoint that carries credentials or tokens (take the URLs from
    /// the issuer's metadata).
    ///
    /// ## References
    /// RFC 6749 §3.1, §3.2, §10.9; RFC 6750 §5.3; RFC 9700 §2
    pub struct Bcp004 {
        code: "BCP004",
        name: "plain-http-endpoint",
        title: "oauth endpoint called over plain http",
        category: EndpointUrl,
        severity: Error,
        kind: Lint,
        fix: "use https for every endpoint that carries credentials or tokens",
        references: ["RFC 6749 §3.1", "RFC 6749 §3.2", "RFC 6749 §10.9", "RFC 6750 §5.3"],
    }
}

impl Rule for Bcp004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<String> = Vec::new();
        for e in ex {
            let carries = match e.kind {
                Kind::Authorize
                | Kind::Token
                | Kind::Par
                | Kind::DeviceAuthorization
                | Kind::Introspection
                | Kind::Revocation
                | Kind::Userinfo => true,
                Kind::Resource => e.request.presented_token().is_some(),
                _ => false,
            };
            if !carries {
                continue;
            }
            let Some(u) = &e.request.parsed else { continue };
            if u.scheme() != "http" || u.host_str().is_none_or(is_loopback) {
                continue;
            }
            let ep = e.request.endpoint();
            if seen.contains(&ep) {
                continue;
            }
            seen.push(ep.clone());
            let same: Vec<&Exchange> = ex
                .iter()
                .filter(|x| x.request.endpoint() == ep && x.kind == e.kind)
                .collect();
            // A redirect to https is the failure this lint explains.
            let upgraded = same.iter().copied().find(|x| {
                x.response.as_ref().is_some_and(|r| {
                    r.is_redirect() && r.location().is_some_and(|l| l.starts_with("https://"))
                })
            });
            let Some(anchor) = upgraded.or_else(|| lint_anchor(&same)) else {
                continue;
            };
            let what = match e.kind {
                Kind::Resource => "a resource call carrying a bearer token",
                Kind::Authorize => "the authorization endpoint",
                _ => "an authorization-server endpoint",
            };
            cx.report(
                anchor.index,
                format!(
                    "`{ep}` ({what}) is called over plain http{}",
                    if upgraded.is_some() {
                        "; the server redirects to https, and a client that follows drops the POST body"
                    } else {
                        ": credentials and tokens cross the network unencrypted"
                    }
                ),
            )
            .strength(Strength::Direct)
            .text(anchor.index, "request.url", ep.clone())
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BCP005
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags successful token responses carrying tokens without `Cache-Control: no-store`.
    /// Reported once per token endpoint.
    ///
    /// ## Why it fails
    /// RFC 6749 §5.1 requires `Cache-Control: no-store` on responses with tokens or other
    /// sensitive data, so that shared caches, proxies and browser caches never keep them.
    /// An authorization-server defect; nothing fails on the client.
    ///
    /// ## Example
    /// `200 {"access_token":"…"}` with `Cache-Control: max-age=300` or no `Cache-Control`.
    ///
    /// ## Fix
    /// The authorization server should send `Cache-Control: no-store` (and `Pragma: no-cache`
    /// for old HTTP/1.0 caches) on every token response.
    ///
    /// ## References
    /// RFC 6749 §5.1, §5.2; RFC 9111 §5.2.2.5
    pub struct Bcp005 {
        code: "BCP005",
        name: "cacheable-token-response",
        title: "token response cacheable",
        category: Other,
        severity: Warning,
        kind: Lint,
        fix: "the authorization server should send `Cache-Control: no-store` (and `Pragma: no-cache`) with token responses",
        references: ["RFC 6749 §5.1", "RFC 9111 §5.2.2.5"],
    }
}

impl Rule for Bcp005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<String> = Vec::new();
        for e in ex.iter().filter(|e| e.kind == Kind::Token) {
            let Some(r) = &e.response else { continue };
            if !r.is_success()
                || !["access_token", "refresh_token", "id_token"]
                    .iter()
                    .any(|f| r.field(f).is_some())
            {
                continue;
            }
            let cc: Vec<String> = r
                .headers
                .get_all("cache-control")
                .map(|v| v.to_ascii_lowercase())
                .collect();
            if cc
                .iter()
                .any(|v| v.split(',').any(|d| d.trim() == "no-store"))
            {
                continue;
            }
            let ep = e.request.endpoint();
            if seen.contains(&ep) {
                continue;
            }
            seen.push(ep.clone());
            let shown = if cc.is_empty() {
                "(none)".to_string()
            } else {
                cc.join(", ")
            };
            cx.report(
                e.index,
                format!(
                    "the token response from `{ep}` carries tokens without `Cache-Control: no-store` (`Cache-Control: {shown}`)"
                ),
            )
            .strength(Strength::Direct)
            .text(e.index, "response.headers.cache-control", shown)
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BCP006
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags requests that carry an access token in the URL query (`?access_token=…`), e.g. to
    /// a resource server or the UserInfo endpoint. Reported once per endpoint.
    ///
    /// ## Why it fails
    /// URLs end up in server and proxy logs, browser history and Referer headers; RFC 6750 §2.3
    /// allows the query method only when nothing else is possible, RFC 9700 and OAuth 2.1 forbid
    /// it. Many resource servers no longer accept it.
    ///
    /// ## Example
    /// `GET https://api.example.com/v1/me?access_token=eyJ…`.
    ///
    /// ## Fix
    /// Send `Authorization: Bearer <token>`, and treat tokens that were in URLs as leaked
    /// (revoke or let them expire quickly).
    ///
    /// ## References
    /// RFC 6750 §2.3, §5.3; RFC 9700 §4.3.2; OAuth 2.1 draft §5.2
    pub struct Bcp006 {
        code: "BCP006",
        name: "token-in-url",
        title: "bearer token in URL query",
        category: Parameters,
        severity: Warning,
        kind: Lint,
        fix: "send the token in `Authorization: Bearer`, and treat tokens that were in URLs as leaked",
        references: ["RFC 6750 §2.3", "RFC 6750 §5.3", "RFC 9700 §4.3.2"],
    }
}

impl Rule for Bcp006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<String> = Vec::new();
        for e in ex {
            let Some(tok) = e.request.query.non_empty("access_token") else {
                continue;
            };
            // An implicit-flow callback URL is BCP001's; everything else is a request that
            // presents the token.
            if e.kind == Kind::Callback {
                continue;
            }
            let ep = e.request.endpoint();
            if seen.contains(&ep) {
                continue;
            }
            seen.push(ep.clone());
            cx.report(
                e.index,
                format!("the request to `{ep}` carries the access token in the URL query"),
            )
            .strength(Strength::Direct)
            .secret(e.index, "request.query.access_token", tok)
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BCP007
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a refresh by a public client (no `Authorization` header, no `client_secret`, no
    /// `client_assertion`) whose successful response returned no new refresh token, or the same
    /// one, while the token is not sender-constrained (no `DPoP` proof, `token_type` not
    /// `DPoP`). Certificate binding (mTLS) is not visible in a capture and is not assumed.
    ///
    /// ## Why it fails
    /// A public client cannot authenticate, so a stolen refresh token works for whoever holds
    /// it. RFC 9700 §4.14.2 requires refresh tokens of public clients to be sender-constrained
    /// or rotated, so that reuse is detected and the grant revoked.
    ///
    /// ## Example
    /// `POST /token` `grant_type=refresh_token&refresh_token=R1&client_id=spa` →
    /// `200 {"access_token":"…","refresh_token":"R1"}`.
    ///
    /// ## Fix
    /// Enable refresh-token rotation for public clients at the authorization server, or bind the
    /// tokens with DPoP.
    ///
    /// ## References
    /// RFC 9700 §2.2.2, §4.14.2; OAuth 2.1 draft §4.3.1; RFC 9449 §5
    pub struct Bcp007 {
        code: "BCP007",
        name: "public-refresh-token-not-rotated",
        title: "public-client refresh token neither rotated nor bound",
        category: GrantType,
        severity: Warning,
        kind: Lint,
        fix: "enable refresh-token rotation for public clients, or sender-constrain the tokens with DPoP",
        references: ["RFC 9700 §2.2.2", "RFC 9700 §4.14.2", "RFC 9449 §5"],
    }
}

impl Rule for Bcp007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<String> = Vec::new();
        for e in ex.iter().filter(|e| e.kind == Kind::Token) {
            let r = &e.request;
            if r.param("grant_type").as_deref() != Some("refresh_token") {
                continue;
            }
            let Some(rt) = r.param("refresh_token").filter(|v| !v.is_empty()) else {
                continue;
            };
            let Some(resp) = e.response.as_ref().filter(|x| x.is_success()) else {
                continue;
            };
            if resp.field("access_token").is_none() {
                continue;
            }
            let authenticated = r.authorization().is_some()
                || r.param("client_secret").is_some()
                || r.param("client_assertion").is_some();
            let bound = r.headers.contains("dpop")
                || resp
                    .field("token_type")
                    .is_some_and(|t| t.eq_ignore_ascii_case("dpop"));
            if authenticated || bound {
                continue;
            }
            let new = resp.field("refresh_token");
            if new.is_some_and(|n| n != rt) {
                continue;
            }
            let client = r.param("client_id").unwrap_or_default();
            if seen.contains(&client) {
                continue;
            }
            seen.push(client.clone());
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "public client `{client}` refreshed without authentication and the response {}; the token is not sender-constrained",
                        if new.is_some() {
                            "returned the same refresh token (no rotation)"
                        } else {
                            "returned no new refresh token (no rotation)"
                        }
                    ),
                )
                .strength(Strength::Recomputed)
                .secret(e.index, "request.body.refresh_token", rt.clone());
            if let Some(n) = new {
                rep = rep.secret(e.index, "response.body.refresh_token", n);
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BCP008
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a client that sends authorization requests to two or more authorization servers
    /// with the same `redirect_uri` while the authorization responses carry no `iss`
    /// parameter. Servers are told apart by the metadata `issuer` when the capture holds it,
    /// else by the authorization endpoint URL.
    ///
    /// ## Why it fails
    /// With one shared redirect URI and no issuer in the response, the client cannot tell which
    /// server a code came from, so an attacker-controlled server can make it redeem an honest
    /// server's code at the attacker's token endpoint (mix-up attack, RFC 9700 §4.4).
    ///
    /// ## Example
    /// Authorization requests to `https://login.idp-a.example/authorize` and
    /// `https://accounts.idp-b.example/o/oauth2/auth`, both with
    /// `redirect_uri=https://app.example.com/callback`; callbacks with `code` and `state` only.
    ///
    /// ## Fix
    /// Use a distinct redirect URI per authorization server, or check the RFC 9207 `iss`
    /// parameter (and the issuer the transaction started with) on every response.
    ///
    /// ## References
    /// RFC 9700 §4.4; RFC 9207 §2, §2.4
    pub struct Bcp008 {
        code: "BCP008",
        name: "no-mix-up-defence",
        title: "no mix-up defence with multiple authorization servers",
        category: AudienceIssuer,
        severity: Warning,
        kind: Lint,
        fix: "use a distinct redirect URI per authorization server, or validate the RFC 9207 `iss` parameter on every response",
        references: ["RFC 9700 §4.4", "RFC 9207 §2.4"],
    }
}

impl Rule for Bcp008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        // redirect endpoint → [(issuer, exchange)]
        let mut by_uri: Vec<(String, Vec<(String, usize)>)> = Vec::new();
        for e in ex.iter().filter(|e| e.kind == Kind::Authorize) {
            let Some(ru) = e.request.param("redirect_uri") else {
                continue;
            };
            let issuer = metadata_for(cx, e)
                .and_then(|m| m.get("issuer").and_then(|v| v.as_str()))
                .map(str::to_string)
                .unwrap_or_else(|| e.request.endpoint());
            let key = strip_uri(&ru);
            match by_uri.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => {
                    if !v.iter().any(|(i, _)| *i == issuer) {
                        v.push((issuer, e.index));
                    }
                }
                None => by_uri.push((key, vec![(issuer, e.index)])),
            }
        }
        let cbs = callbacks(cx);
        for (uri, issuers) in by_uri {
            if issuers.len() < 2 {
                continue;
            }
            let responses: Vec<_> = cbs.iter().filter(|c| c.endpoint == uri).collect();
            if responses.is_empty() || responses.iter().any(|c| c.params.has("iss")) {
                continue;
            }
            let anchor = responses
                .iter()
                .map(|c| c.anchor())
                .find(|&i| !ex[i].failed())
                .unwrap_or(issuers[1].1);
            let names: Vec<String> = issuers.iter().map(|(i, _)| format!("`{i}`")).collect();
            let mut rep = cx
                .report(
                    anchor,
                    format!(
                        "{} authorization servers ({}) redirect to the same `{uri}` and no authorization response carries `iss`: the client cannot tell which server a code came from",
                        issuers.len(),
                        names.join(", ")
                    ),
                )
                .strength(Strength::Direct);
            for (iss, i) in &issuers {
                rep = rep.text(*i, "request.url", iss.clone());
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BCP009
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags an authorization server that issued tokens although it should have refused: the
    /// authorization request had a `code_challenge` and the token request sent no
    /// `code_verifier` or one whose transform does not equal the challenge (recomputed); the
    /// token request sent a `code_verifier` for an authorization request without challenge
    /// (PKCE downgrade); or the same authorization code was redeemed successfully twice. The
    /// authorization request is found through the code (authorization response → `state`), never
    /// guessed.
    ///
    /// ## Why it fails
    /// These are the checks that make PKCE and single-use codes protect anything (RFC 7636
    /// §4.6, RFC 9700 §2.1.1, §4.8.2, RFC 6749 §4.1.2). A server that skips them accepts stolen
    /// or injected codes. The client's exchange succeeded; the defect is on the server.
    ///
    /// ## Example
    /// Authorization request with `code_challenge=E9Mel…&code_challenge_method=S256`; token
    /// request without `code_verifier` → `200 {"access_token":"…"}`.
    ///
    /// ## Fix
    /// An authorization-server defect: enable PKCE enforcement and single-use codes, or upgrade
    /// or report the server. The client should still send the matching verifier.
    ///
    /// ## References
    /// RFC 7636 §4.6; RFC 9700 §2.1.1, §4.8.2; RFC 6749 §4.1.2, §10.5
    pub struct Bcp009 {
        code: "BCP009",
        name: "server-does-not-enforce-pkce-or-single-use",
        title: "authorization server fails to enforce PKCE or single-use codes",
        category: Pkce,
        severity: Error,
        kind: Lint,
        fix: "enable PKCE enforcement and single-use authorization codes at the authorization server (upgrade or report it)",
        references: ["RFC 7636 §4.6", "RFC 9700 §2.1.1", "RFC 9700 §4.8.2", "RFC 6749 §10.5"],
    }
}

impl Rule for Bcp009 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let cbs = callbacks(cx);
        let redemptions: Vec<&Exchange> = ex
            .iter()
            .filter(|e| {
                e.kind == Kind::Token
                    && e.request.param("grant_type").as_deref() == Some("authorization_code")
            })
            .collect();
        let mut double_reported: Vec<String> = Vec::new();
        for e in &redemptions {
            let Some(code) = e.request.param("code").filter(|c| !c.is_empty()) else {
                continue;
            };
            if !issued_access_token(e) {
                continue;
            }
            // Same code redeemed successfully before.
            if let Some(first) = redemptions.iter().find(|x| {
                x.index < e.index
                    && x.request.param("code").as_deref() == Some(&code)
                    && issued_access_token(x)
            }) {
                if !double_reported.contains(&code) {
                    double_reported.push(code.clone());
                    cx.report(
                        e.index,
                        format!(
                            "the same authorization code was redeemed successfully twice (exchanges {} and {}): codes are not single-use at this server",
                            first.number(),
                            e.number()
                        ),
                    )
                    .category(Category::GrantType)
                    .strength(Strength::Recomputed)
                    .secret(first.index, "request.body.code", code.clone())
                    .secret(e.index, "request.body.code", code.clone())
                    .emit();
                }
                continue;
            }
            let Some(cb) = cbs
                .iter()
                .find(|c| c.params.get("code") == Some(code.as_str()))
            else {
                continue;
            };
            let Some(az) = request_for(ex, cb) else {
                continue;
            };
            let challenge = az.request.param("code_challenge").filter(|v| !v.is_empty());
            let method = az
                .request
                .param("code_challenge_method")
                .unwrap_or_else(|| "plain".into());
            let verifier = e.request.param("code_verifier").filter(|v| !v.is_empty());
            let problem = match (&challenge, &verifier) {
                (Some(_), None) => Some(format!(
                    "the authorization request (exchange {}) sent a `code_challenge` but the token request has no `code_verifier`, and the server issued tokens",
                    az.number()
                )),
                // An unknown method cannot be recomputed (PKCE's own rules report it).
                (Some(_), Some(_))
                    if !(method.eq_ignore_ascii_case("S256") || method == "plain") =>
                {
                    None
                }
                (Some(ch), Some(v)) => {
                    let computed = if method.eq_ignore_ascii_case("S256") {
                        pkce::s256(v)
                    } else {
                        v.clone()
                    };
                    (computed != *ch).then(|| {
                        format!(
                            "the `code_verifier` does not match the `code_challenge` of exchange {} ({method} of the verifier is `{computed}`, the challenge `{ch}`), and the server issued tokens",
                            az.number()
                        )
                    })
                }
                (None, Some(_)) => Some(format!(
                    "the token request sent a `code_verifier` but the authorization request (exchange {}) had no `code_challenge` (PKCE downgrade), and the server issued tokens",
                    az.number()
                )),
                (None, None) => None,
            };
            let Some(msg) = problem else { continue };
            let mut rep = cx.report(e.index, msg).strength(Strength::Recomputed).text(
                az.index,
                "request.query.code_challenge",
                challenge.clone().unwrap_or_else(|| "(absent)".into()),
            );
            rep = match &verifier {
                Some(v) => rep.secret(e.index, "request.body.code_verifier", v.clone()),
                None => rep.text(e.index, "request.body.code_verifier", "(absent)"),
            };
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BCP010
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Follows the callback URL that carried an authorization `code` and flags later requests
    /// to another origin whose `Referer` header still contains that code, naming whether the
    /// callback page set a `Referrer-Policy` or redirected to a clean URL. (The catalogue also
    /// lists a callback response without `Referrer-Policy` that does not redirect; alone that
    /// is not flagged, because current browsers default to `strict-origin-when-cross-origin`,
    /// which sends only the origin cross-site — the leak has to be seen in the capture.)
    ///
    /// ## Why it fails
    /// A callback page that renders at the URL with `?code=…&state=…` leaks both to every
    /// third-party resource it loads (analytics, fonts, ads) through `Referer`, and keeps them
    /// in browser history (RFC 9700 §4.2). A leaked code can be injected or, without PKCE,
    /// redeemed.
    ///
    /// ## Example
    /// `GET https://app.example.com/cb?code=…&state=…` → `200` (no `Referrer-Policy`), then
    /// `GET https://analytics.example.net/collect` with `Referer: https://app.example.com/cb?code=…`.
    ///
    /// ## Fix
    /// Send `Referrer-Policy: no-referrer` on the callback response and redirect to a URL
    /// without the code as soon as it is read.
    ///
    /// ## References
    /// RFC 9700 §4.2, §4.2.4, §4.3
    pub struct Bcp010 {
        code: "BCP010",
        name: "code-leaks-via-referer",
        title: "callback leaks the code via Referer or history",
        category: Other,
        severity: Warning,
        kind: Lint,
        fix: "send `Referrer-Policy: no-referrer` on the callback response and redirect to a URL without the code",
        references: ["RFC 9700 §4.2", "RFC 9700 §4.3"],
    }
}

impl Rule for Bcp010 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        // Callback requests with a code: (request exchange, code, origin).
        type Origin<'a> = (&'a str, &'a str, Option<u16>);
        let cbs: Vec<(usize, String, Origin<'_>)> = callbacks(cx)
            .into_iter()
            .filter_map(|c| {
                let ri = c.request?;
                let code = c.params.get("code").filter(|v| !v.is_empty())?.to_string();
                Some((ri, code, ex[ri].request.origin()?))
            })
            .collect();
        if cbs.is_empty() {
            return;
        }
        // The first later request to another origin whose Referer holds the code: every
        // Referer is searched once for all codes.
        let Ok(codes) = aho_corasick::AhoCorasick::new(cbs.iter().map(|(_, c, _)| c)) else {
            return;
        };
        let mut leaks: Vec<Option<usize>> = vec![None; cbs.len()];
        for x in ex {
            let Some(r) = x.request.headers.get("referer") else {
                continue;
            };
            for m in codes.find_overlapping_iter(r) {
                let i = m.pattern().as_usize();
                let (ri, _, origin) = cbs[i];
                if leaks[i].is_none()
                    && x.index > ri
                    && x.request.origin().is_some_and(|o| o != origin)
                {
                    leaks[i] = Some(x.index);
                }
            }
        }
        for ((ri, _, _), leak) in cbs.iter().zip(leaks) {
            let ri = *ri;
            let cb = &ex[ri];
            let Some(leak) = leak.map(|i| &ex[i]) else {
                continue;
            };
            let policy = cb
                .response
                .as_ref()
                .and_then(|r| r.headers.get("referrer-policy"))
                .map(str::to_string);
            let redirected = cb.response.as_ref().is_some_and(|r| r.is_redirect());
            let host = leak.request.host().unwrap_or("").to_string();
            cx.report(
                ri,
                format!(
                    "a request to `{host}` (exchange {}) carries the callback URL with the authorization code in its `Referer`; the callback response {} and {}",
                    leak.number(),
                    match &policy {
                        Some(p) => format!("sets `Referrer-Policy: {p}`"),
                        None => "sets no `Referrer-Policy`".to_string(),
                    },
                    if redirected {
                        "redirects"
                    } else {
                        "renders at the URL with the code"
                    }
                ),
            )
            .strength(Strength::Recomputed)
            .secret(leak.index, "request.headers.referer", leak.request.headers.get("referer").unwrap_or("").to_string())
            .text(
                ri,
                "response.headers.referrer-policy",
                policy.unwrap_or_else(|| "(absent)".into()),
            )
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BCP011
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a POST of a login form (a body with a password field) answered with `307` or
    /// `308` to another origin — the client's redirect URI or any third party.
    ///
    /// ## Why it fails
    /// `307` and `308` make the browser repeat the POST with the same body at the new location,
    /// so the user's username and password are sent to the client or whoever the redirect
    /// points to (RFC 9700 §4.12). Authorization servers must use `303 See Other`.
    ///
    /// ## Example
    /// `POST https://idp.example.com/login` `username=…&password=…` →
    /// `307 Location: https://app.example.com/cb?code=…`.
    ///
    /// ## Fix
    /// An authorization-server defect: the server must answer the login POST with `303`.
    ///
    /// ## References
    /// RFC 9700 §4.12; RFC 9110 §15.4.4, §15.4.8
    pub struct Bcp011 {
        code: "BCP011",
        name: "credential-post-307",
        title: "307 redirect after a credential POST",
        category: Other,
        severity: Error,
        kind: Lint,
        fix: "the authorization server must answer the login POST with `303 See Other`, never 307/308",
        references: ["RFC 9700 §4.12", "RFC 9110 §15.4.4"],
    }
}

const PASSWORD_FIELDS: [&str; 6] = [
    "password",
    "passwd",
    "pwd",
    "pass",
    "j_password",
    "credential",
];

impl Rule for Bcp011 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if e.request.method != "POST" || e.kind == Kind::Token {
                continue;
            }
            let Some(r) = &e.response else { continue };
            if !matches!(r.status, 307 | 308) {
                continue;
            }
            let field = e.request.form.iter().map(|(k, _)| k).find(|k| {
                let k = k.to_ascii_lowercase();
                PASSWORD_FIELDS.iter().any(|f| {
                    k == *f || k.ends_with(&format!("[{f}]")) || k.ends_with(&format!(".{f}"))
                })
            });
            let Some(field) = field else { continue };
            let Some(loc) = r.location() else { continue };
            let target = e
                .request
                .parsed
                .as_ref()
                .and_then(|u| u.join(loc).ok())
                .or_else(|| Url::parse(loc).ok());
            let Some(target) = target else { continue };
            let from = origin_of(&e.request.url);
            let to = origin_of(target.as_str());
            if from == to {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "the login POST with field `{field}` was answered {} to `{}`: the browser re-posts the credentials there",
                    r.status,
                    to.unwrap_or_default()
                ),
            )
            .strength(Strength::Direct)
            .text(e.index, "response.status", r.status.to_string())
            .text(e.index, "response.headers.location", strip_uri(loc))
            .emit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use crate::oauth::pkce;

    const TOKEN: &str = "https://idp.example.com/oauth2/token";

    fn basic() -> (&'static str, &'static str) {
        ("Authorization", "Basic d2ViOnMzY3JldA==")
    }

    #[test]
    fn bcp001_implicit_grant() {
        let f = run(vec![get(
            0.0,
            "https://idp.example.com/authorize?client_id=spa&response_type=id_token%20token&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s&nonce=n",
            302,
            &[(
                "Location",
                "https://app.example.com/cb#access_token=at&token_type=Bearer&state=s",
            )],
            None,
        )]);
        assert!(fired(&f, "BCP001"), "{}", summary(&f));
        let f = run(vec![get(
            0.0,
            "https://idp.example.com/authorize?client_id=spa&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s&nonce=n",
            302,
            &[("Location", "https://app.example.com/cb?code=c&state=s")],
            None,
        )]);
        assert!(!fired(&f, "BCP001"));
    }

    #[test]
    fn bcp002_category_follows_the_server() {
        let pw = |rbody: &str| {
            run(vec![x(
                0.0,
                "POST",
                TOKEN,
                &[],
                Some("grant_type=password&client_id=cli&username=alice&password=pw"),
                400,
                &[],
                Some(rbody),
            )])
        };
        let f = pw(
            r#"{"error":"invalid_grant","error_description":"AADSTS50076: you must use multi-factor authentication"}"#,
        );
        assert_eq!(find(&f, "BCP002").category.as_str(), "account_state");
        let f = pw(r#"{"error":"unsupported_grant_type"}"#);
        assert_eq!(find(&f, "BCP002").category.as_str(), "grant_type");
        let f =
            pw(r#"{"error":"invalid_grant","error_description":"invalid username or password"}"#);
        assert_eq!(find(&f, "BCP002").category.as_str(), "credentials");
        assert_eq!(top_category(&f), "credentials", "{}", summary(&f));
    }

    #[test]
    fn bcp003_no_state_no_pkce_no_nonce() {
        let f = run(vec![get(
            0.0,
            "https://idp.example.com/authorize?client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb",
            302,
            &[("Location", "https://idp.example.com/login")],
            None,
        )]);
        assert!(fired(&f, "BCP003"));
    }

    #[test]
    fn bcp004_plain_http_token_endpoint_redirected() {
        let f = run(vec![x(
            0.0,
            "POST",
            "http://idp.example.com/oauth2/token",
            &[basic()],
            Some("grant_type=client_credentials"),
            301,
            &[("Location", "https://idp.example.com/oauth2/token")],
            None,
        )]);
        assert!(fired(&f, "BCP004"), "{}", summary(&f));
        assert_eq!(top_category(&f), "endpoint_url", "{}", summary(&f));
        let f = run(vec![x(
            0.0,
            "POST",
            "http://127.0.0.1:8080/oauth2/token",
            &[basic()],
            Some("grant_type=client_credentials"),
            200,
            &[("Cache-Control", "no-store")],
            Some(r#"{"access_token":"at","token_type":"Bearer","expires_in":60}"#),
        )]);
        assert!(!fired(&f, "BCP004"));
    }

    #[test]
    fn bcp005_and_bcp006() {
        let f = run(vec![
            x(
                0.0,
                "POST",
                TOKEN,
                &[basic()],
                Some("grant_type=client_credentials"),
                200,
                &[("Cache-Control", "max-age=300")],
                Some(r#"{"access_token":"at-123","token_type":"Bearer","expires_in":60}"#),
            ),
            get(
                1.0,
                "https://api.example.com/v1/me?access_token=at-123",
                200,
                &[],
                Some(r#"{"id":1}"#),
            ),
        ]);
        assert!(fired(&f, "BCP005"), "{}", summary(&f));
        assert!(fired(&f, "BCP006"), "{}", summary(&f));
        let b6 = find(&f, "BCP006");
        assert!(
            b6.evidence
                .iter()
                .all(|e| matches!(e.value, crate::diagnosis::Value::Secret(_)))
        );
    }

    #[test]
    fn bcp007_same_refresh_token_back() {
        let refresh = |rt_back: &str| {
            run(vec![x(
                0.0,
                "POST",
                TOKEN,
                &[],
                Some("grant_type=refresh_token&refresh_token=R1&client_id=spa"),
                200,
                &[("Cache-Control", "no-store")],
                Some(&format!(
                    r#"{{"access_token":"at","token_type":"Bearer","expires_in":60,"refresh_token":"{rt_back}"}}"#
                )),
            )])
        };
        assert!(fired(&refresh("R1"), "BCP007"));
        assert!(!fired(&refresh("R2"), "BCP007"));
    }

    #[test]
    fn bcp009_tokens_without_the_verifier() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = pkce::s256(verifier);
        let flow = |body: &str| {
            run(vec![
                get(
                    0.0,
                    &format!(
                        "https://idp.example.com/authorize?client_id=spa&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s1&code_challenge={challenge}&code_challenge_method=S256"
                    ),
                    302,
                    &[("Location", "https://app.example.com/cb?code=C1&state=s1")],
                    None,
                ),
                x(
                    2.0,
                    "POST",
                    TOKEN,
                    &[],
                    Some(body),
                    200,
                    &[("Cache-Control", "no-store")],
                    Some(r#"{"access_token":"at","token_type":"Bearer","expires_in":60}"#),
                ),
            ])
        };
        let f = flow(
            "grant_type=authorization_code&code=C1&client_id=spa&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb",
        );
        assert!(fired(&f, "BCP009"), "{}", summary(&f));
        let f = flow(&format!(
            "grant_type=authorization_code&code=C1&client_id=spa&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code_verifier={verifier}"
        ));
        assert!(!fired(&f, "BCP009"), "{}", summary(&f));
    }

    #[test]
    fn bcp010_code_in_third_party_referer() {
        let f = run(vec![
            get(
                0.0,
                "https://app.example.com/cb?code=C1&state=s1",
                200,
                &[],
                Some("<html>welcome</html>"),
            ),
            x(
                1.0,
                "GET",
                "https://analytics.example.net/collect?v=1",
                &[("Referer", "https://app.example.com/cb?code=C1&state=s1")],
                None,
                204,
                &[],
                None,
            ),
        ]);
        assert!(fired(&f, "BCP010"), "{}", summary(&f));
    }

    #[test]
    fn bcp011_login_post_answered_307() {
        let f = run(vec![x(
            0.0,
            "POST",
            "https://idp.example.com/login",
            &[],
            Some("username=alice&password=secret"),
            307,
            &[("Location", "https://app.example.com/cb?code=C1&state=s")],
            None,
        )]);
        assert!(fired(&f, "BCP011"), "{}", summary(&f));
        let f = run(vec![x(
            0.0,
            "POST",
            "https://idp.example.com/login",
            &[],
            Some("username=alice&password=secret"),
            303,
            &[("Location", "https://app.example.com/cb?code=C1&state=s")],
            None,
        )]);
        assert!(!fired(&f, "BCP011"));
    }
}

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
