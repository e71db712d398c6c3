//! Server error signals: where a response says what went wrong (`error` in a JSON or form body,
//! `WWW-Authenticate`, an authorization response redirect, nested API error objects, Slack's
//! `ok:false`), and the knowledge of every standard OAuth / OIDC `error` value.

use crate::diagnosis::Category;
use crate::model::{Exchange, Kind, Params};

/// An error code the server sent, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    pub code: String,
    pub description: Option<String>,
    /// Location in the exchange, e.g. `response.body.error`.
    pub at: &'static str,
}

/// The error the server reported for this exchange, if any.
pub fn error_code(e: &Exchange) -> Option<ServerError> {
    let r = e.response.as_ref()?;
    if let Some(j) = &r.json {
        match j.get("error") {
            Some(serde_json::Value::String(s)) if !s.is_empty() => {
                return Some(ServerError {
                    code: s.clone(),
                    description: j
                        .get("error_description")
                        .and_then(|v| v.as_str())
                        .map(str::to_string),
                    at: "response.body.error",
                });
            }
            Some(serde_json::Value::Object(o)) => {
                // Google APIs, Microsoft Graph, Facebook: nested error objects.
                let code = o
                    .get("status")
                    .and_then(|v| v.as_str())
                    .or_else(|| o.get("code").and_then(|v| v.as_str()))
                    .or_else(|| o.get("type").and_then(|v| v.as_str()))
                    .map(str::to_string)
                    .or_else(|| {
                        o.get("code")
                            .and_then(|v| v.as_i64())
                            .map(|n| n.to_string())
                    });
                if let Some(code) = code {
                    return Some(ServerError {
                        code,
                        description: o
                            .get("message")
                            .and_then(|v| v.as_str())
                            .map(str::to_string),
                        at: "response.body.error",
                    });
                }
            }
            _ => {}
        }
        if j.get("ok").and_then(|v| v.as_bool()) == Some(false) {
            if let Some(s) = j.get("error").and_then(|v| v.as_str()) {
                return Some(ServerError {
                    code: s.to_string(),
                    description: None,
                    at: "response.body.error",
                });
            }
        }
    }
    if let Some(code) = r.form.get("error").filter(|s| !s.is_empty()) {
        return Some(ServerError {
            code: code.to_string(),
            description: r.form.get("error_description").map(str::to_string),
            at: "response.body.error",
        });
    }
    for h in r.headers.get_all("www-authenticate") {
        let c = super::www_auth::parse(h);
        if let Some(code) = c.get("error").filter(|s| !s.is_empty()) {
            return Some(ServerError {
                code: code.to_string(),
                description: c.get("error_description").map(str::to_string),
                at: "response.headers.www-authenticate",
            });
        }
    }
    if matches!(e.kind, Kind::Authorize | Kind::Other | Kind::Callback) {
        if let Some(loc) = r.location() {
            let p = location_params(loc);
            if let Some(code) = p.get("error").filter(|s| !s.is_empty()) {
                return Some(ServerError {
                    code: code.to_string(),
                    description: p.get("error_description").map(str::to_string),
                    at: "response.headers.location",
                });
            }
        }
    }
    if e.kind == Kind::Callback {
        let mut p = e.request.query.clone();
        if let Some(f) = e.request.parsed.as_ref().and_then(|u| u.fragment()) {
            p.0.extend(Params::parse(f).0);
        }
        p.0.extend(e.request.form.0.iter().cloned());
        if let Some(code) = p.get("error").filter(|s| !s.is_empty()) {
            return Some(ServerError {
                code: code.to_string(),
                description: p.get("error_description").map(str::to_string),
                at: "request.url.error",
            });
        }
    }
    None
}

/// Query and fragment parameters of a `Location` value.
pub fn location_params(loc: &str) -> Params {
    let after = loc.split_once('?').map(|(_, q)| q).unwrap_or("");
    let (q, f) = after.split_once('#').unwrap_or((after, ""));
    let mut p = Params::parse(q);
    if let Some((_, frag)) = loc.split_once('#') {
        p.0.extend(Params::parse(frag).0);
    }
    let _ = f;
    p
}

/// A standard OAuth / OpenID Connect error code and what it means.
#[derive(Debug)]
pub struct StandardError {
    pub code: &'static str,
    pub defined_in: &'static str,
    pub endpoints: &'static str,
    pub meaning: &'static str,
    pub causes: &'static str,
    pub fix: &'static str,
}

macro_rules! std_errors {
    ($({$code:literal, $def:literal, $ep:literal, $meaning:literal, $causes:literal, $fix:literal}),* $(,)?) => {
        /// Every standard error code, sorted by code.
        pub static STANDARD_ERRORS: &[StandardError] = &[
            $(StandardError { code: $code, defined_in: $def, endpoints: $ep, meaning: $meaning, causes: $causes, fix: $fix }),*
        ];
    };
}

std_errors! {
    {"access_denied", "RFC 6749 §4.1.2.1; RFC 8628 §3.5", "authorization response, device polling", "the resource owner or the authorization server denied the request", "the user clicked cancel; a policy (conditional access, group assignment, app not granted to the user) refused; the user denied the device request", "tell the user; check the user's assignment to the application and any access policy"},
    {"account_selection_required", "OIDC Core §3.1.2.6", "authorization response", "the user must choose an account, which `prompt=none` forbids", "a silent (prompt=none) request while several sessions exist", "fall back to an interactive login"},
    {"authorization_pending", "RFC 8628 §3.5", "device polling", "the user has not finished approving the device yet", "normal while the user is still at the verification page", "keep polling at the announced interval"},
    {"consent_required", "OIDC Core §3.1.2.6", "authorization response", "consent is needed, which `prompt=none` forbids", "a silent request for scopes the user never granted; admin consent missing", "send the user through an interactive consent, or grant admin consent"},
    {"expired_token", "RFC 8628 §3.5", "device polling", "the device_code expired before the user approved it", "polling too long; the user never completed the verification", "stop polling and start a new device authorization"},
    {"insufficient_scope", "RFC 6750 §3.1", "resource server, userinfo", "the access token lacks a scope the resource requires", "scope not requested, not granted, or granted by another audience", "request the scope the resource names in its challenge and check the granted `scope`"},
    {"interaction_required", "OIDC Core §3.1.2.6", "authorization response", "the authorization server needs user interaction, which `prompt=none` forbids", "MFA or a policy needs the user; the session is gone", "fall back to an interactive login"},
    {"invalid_authorization_details", "RFC 9396 §5", "authorization, token", "the `authorization_details` parameter is malformed or not allowed", "unknown type, missing fields, not permitted for the client", "send authorization_details the server supports for this client"},
    {"invalid_client", "RFC 6749 §5.2", "token, PAR, introspection, revocation", "client authentication failed", "wrong, rotated or expired secret; secret ID sent instead of the value; unknown client_id; wrong tenant; Basic credentials not form-urlencoded; more than one or no authentication method; bad client assertion", "send the registered credentials by the registered method; rotate the secret if it expired"},
    {"invalid_client_metadata", "RFC 7591 §3.2.2", "dynamic client registration", "a registration field is invalid", "unsupported auth method or grant, malformed URI", "fix the named metadata field"},
    {"invalid_dpop_proof", "RFC 9449 §5, §7.1", "token, resource server", "the DPoP proof was rejected", "htu/htm mismatch, stale iat, reused jti, wrong or missing ath, bad header", "sign a fresh proof per request with the exact method and URL"},
    {"invalid_grant", "RFC 6749 §5.2", "token", "the grant (code, refresh token, password, assertion) is invalid, expired, revoked, or was issued to another client or redirect URI", "code already redeemed or expired; redirect_uri differs from the authorization request; PKCE verifier does not match; refresh token rotated, expired or revoked; wrong user password", "read the request evidence: redeem each code once, immediately, with the same redirect_uri and the verifier of the same transaction"},
    {"invalid_redirect_uri", "RFC 7591 §3.2.2", "dynamic client registration", "a redirect URI in the registration is invalid", "fragment, wrong scheme, not allowed host", "register absolute https redirect URIs without fragments"},
    {"invalid_request", "RFC 6749 §4.1.2.1, §5.2", "authorization, token, PAR, introspection", "the request is missing a parameter, repeats one, has an invalid value or is otherwise malformed", "JSON body instead of a form; parameter in the query; missing or duplicated parameter; unencoded value", "send each required parameter once, form-encoded in the body"},
    {"invalid_request_object", "OIDC Core §3.1.2.6; RFC 9101", "authorization, PAR", "the request object is invalid", "bad signature, wrong audience, expired, unsupported algorithm", "sign the request object with a registered key for the server's issuer"},
    {"invalid_request_uri", "OIDC Core §3.1.2.6; RFC 9126 §4", "authorization", "the request_uri is invalid, expired or already used", "PAR request_uri used after expires_in, twice, or by another client", "push a new request for each authorization attempt"},
    {"invalid_scope", "RFC 6749 §4.1.2.1, §5.2", "authorization, token", "a requested scope is invalid, unknown, malformed or exceeds what was granted", "scope not configured or not allowed for the client; wrong delimiter; refresh asks for more than granted", "request only allowed scopes, space-separated"},
    {"invalid_target", "RFC 8707 §2; RFC 8693 §2.2.2", "token", "the requested resource or audience is invalid or not allowed", "unknown resource indicator; audience not allowed for this client", "request a resource/audience the server knows and permits"},
    {"invalid_token", "RFC 6750 §3.1; RFC 7009", "resource server, userinfo", "the access token is expired, revoked, malformed or invalid for this resource", "expired token; token for another audience or issuer; ID token sent instead of the access token; signature key not found", "refresh the token, and send the access token issued for this resource"},
    {"login_required", "OIDC Core §3.1.2.6", "authorization response", "the user must log in, which `prompt=none` forbids", "no session at the authorization server (expired, third-party cookies blocked in an iframe)", "fall back to an interactive login"},
    {"registration_not_supported", "OIDC Core §3.1.2.6", "authorization", "the `registration` parameter is not supported", "request uses the OIDC registration parameter", "register the client in advance"},
    {"request_not_supported", "OIDC Core §3.1.2.6", "authorization", "the `request` parameter (request object by value) is not supported", "server does not accept request objects", "send plain parameters or use PAR"},
    {"request_uri_not_supported", "OIDC Core §3.1.2.6", "authorization", "the `request_uri` parameter is not supported", "server does not accept request objects by reference", "send plain parameters"},
    {"server_error", "RFC 6749 §4.1.2.1", "authorization, token", "the authorization server hit an unexpected condition", "a bug or outage at the server, often triggered by malformed input", "retry idempotent calls with backoff; check the request for malformed values first"},
    {"slow_down", "RFC 8628 §3.5", "device polling", "the client polls too fast", "interval not honoured; slow_down not answered with +5 s", "add 5 seconds to the polling interval for this and all later polls"},
    {"temporarily_unavailable", "RFC 6749 §4.1.2.1", "authorization, token", "the authorization server is overloaded or in maintenance", "outage, throttling", "retry later; honour Retry-After"},
    {"unauthorized_client", "RFC 6749 §4.1.2.1, §5.2", "authorization, token", "the client is not allowed to use this grant or response type", "grant type not enabled in the client registration; some servers say so for undecodable Basic credentials", "enable the grant for the client or use one it is allowed"},
    {"unsupported_grant_type", "RFC 6749 §5.2", "token", "the grant type is not supported by the authorization server", "misspelled grant_type; grant_type missing because the body was JSON; grant not enabled", "send the exact grant_type string in a form-encoded body"},
    {"unsupported_response_type", "RFC 6749 §4.1.2.1", "authorization response", "the authorization server does not support this response type", "implicit flow disabled; typo in response_type", "use response_type=code with PKCE"},
    {"unsupported_token_type", "RFC 7009 §2.2.1", "revocation", "the server cannot revoke this token type", "revoking an access token at a server that revokes only refresh tokens; wrong token_type_hint", "omit or correct token_type_hint; revoke the refresh token"},
    {"use_dpop_nonce", "RFC 9449 §8, §9", "token, resource server", "the server requires a DPoP nonce", "first request without the server-provided nonce (expected once)", "retry with a proof whose `nonce` is the DPoP-Nonce header value"},
}

/// Look up a standard error code (case-sensitive per RFC, but tolerant here).
pub fn standard(code: &str) -> Option<&'static StandardError> {
    STANDARD_ERRORS
        .iter()
        .find(|s| s.code.eq_ignore_ascii_case(code))
}

/// The root-cause category a bare error code points to, given the endpoint and grant, before
/// any request evidence is weighed (RULES.md §2.10 fallback explanations).
pub fn fallback_category(
    code: &str,
    kind: Kind,
    grant_type: Option<&str>,
    description: Option<&str>,
) -> Category {
    use Category::*;
    let desc = description.unwrap_or("").to_ascii_lowercase();
    let by_desc = keyword_category(&desc);
    match code {
        "invalid_client" | "unauthorized" => Credentials,
        "invalid_grant" => {
            if let Some(c) = by_desc {
                return c;
            }
            match grant_type {
                Some("refresh_token") => TokenExpiry,
                Some("password") => Credentials,
                Some(g) if g.ends_with("jwt-bearer") => Credentials,
                Some(g) if g.ends_with("device_code") => TokenExpiry,
                _ => GrantType,
            }
        }
        "unauthorized_client" | "unsupported_grant_type" | "unsupported_response_type" => GrantType,
        "invalid_scope" | "insufficient_scope" | "consent_required" | "access_denied" => {
            ScopeConsent
        }
        "invalid_target" => AudienceIssuer,
        "invalid_token" => by_desc.unwrap_or(TokenExpiry),
        "expired_token" => TokenExpiry,
        "authorization_pending" => Other,
        "slow_down" => RateLimit,
        "server_error" | "temporarily_unavailable" => ServerError,
        "login_required" | "interaction_required" | "account_selection_required" => AccountState,
        "redirect_uri_mismatch" | "invalid_redirect_uri" => RedirectUri,
        "invalid_request" => by_desc.unwrap_or(Parameters),
        _ if kind == Kind::Resource => by_desc.unwrap_or(TokenExpiry),
        _ => by_desc.unwrap_or(Parameters),
    }
}

/// A category suggested by words in an error description (RULES.md §3.2 keyword boosts).
pub fn keyword_category(desc: &str) -> Option<Category> {
    use Category::*;
    let d = desc.to_ascii_lowercase();
    let has = |w: &[&str]| w.iter().any(|k| d.contains(k));
    if has(&[
        "redirect_uri",
        "redirect uri",
        "redirect url",
        "reply url",
        "redirect_url",
    ]) {
        Some(RedirectUri)
    } else if has(&[
        "code_verifier",
        "code verifier",
        "pkce",
        "code_challenge",
        "code challenge",
    ]) {
        Some(Pkce)
    } else if has(&[
        "not yet valid",
        "clock",
        "in the future",
        "issued in the future",
        "timeframe",
        "nbf",
    ]) {
        Some(ClockSkew)
    } else if has(&[
        "expired",
        "expir",
        "revoked",
        "no longer valid",
        "inactive",
        "not active",
    ]) {
        Some(TokenExpiry)
    } else if has(&[
        "already been used",
        "already redeemed",
        "already used",
        "reuse",
        "replay",
    ]) {
        Some(GrantType)
    } else if has(&["audience", " aud ", "aud claim", "resource", "issuer"]) {
        Some(AudienceIssuer)
    } else if has(&["signature", "kid", "signing key", "algorithm"]) {
        Some(SignatureKey)
    } else if has(&["scope", "consent", "permission"]) {
        Some(ScopeConsent)
    } else if has(&["rate limit", "too many", "throttl"]) {
        Some(RateLimit)
    } else if has(&[
        "client secret",
        "client_secret",
        "client authentication",
        "client credentials",
        "invalid client",
        "client assertion",
    ]) {
        Some(Credentials)
    } else {
        None
    }
}
