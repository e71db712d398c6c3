//! The standard OAuth / OpenID Connect `error` codes and what each means (RFC 6749 §4.1.2.1,
//! §5.2; RFC 6750 §3.1; RFC 8628 §3.5; OpenID Connect Core §3.1.2.6 …). Knowledge only: where
//! a response carries its error is read by [`crate::model::Exchange::server_error`]; which
//! rules explain a code, each rule declares.

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
