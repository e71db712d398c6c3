//! `CRED017` registration-without-initial-access-token: dynamic client registration refused
//! because the request carried no initial access token, or one the server does not accept.

use super::*;

declare_rule! {
    /// ## What it does
    /// Reports a dynamic client registration request (RFC 7591 §3.1: client metadata POSTed
    /// to the registration endpoint, or to the `registration_endpoint` the metadata names)
    /// that the authorization server refused with an answer about authorization rather than
    /// about the metadata: `401`/`403`, `invalid_token`, `access_denied`, `invalid_client`,
    /// a `Bearer` challenge, a description that speaks of a token. It says whether the
    /// request carried an `Authorization` header, and so whether the initial access token was
    /// missing or refused. A sanitized browser export drops that header: the finding then
    /// says that whether one was sent cannot be told.
    ///
    /// ## Why it fails
    /// RFC 7591 §3 lets an authorization server accept registrations only with an initial
    /// access token, issued out of band by its administrator. Many servers (ForgeRock / Ping
    /// AIC, Keycloak, Entra) work that way by default. A client that registers itself on the
    /// fly — every MCP client, after reading the protected resource metadata and the server's
    /// `registration_endpoint` — sends none and is refused before any authorization request.
    ///
    /// ## Example
    /// `POST https://am.example.com/am/oauth2/alpha/register`
    /// `{"redirect_uris":["http://localhost:6274/oauth/callback"],"client_name":"MCP Inspector",…}`
    /// without `Authorization` → `400 {"error":"access_denied","error_description":"Access
    /// Token not valid"}`.
    ///
    /// ## Fix
    /// Send the initial access token the server's administrator issued as
    /// `Authorization: Bearer …`, enable open (anonymous) dynamic registration on the server
    /// if that is acceptable, or register the client in advance and configure its `client_id`
    /// in the client instead of registering at run time.
    ///
    /// ## References
    /// RFC 7591 §1.2, §3, §3.1; RFC 6750 §3.1
    pub struct Cred017 {
        code: "CRED017",
        name: "registration-without-initial-access-token",
        title: "client registration refused without a valid initial access token",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "send the initial access token issued by the server's administrator as `Authorization: Bearer …`, enable open dynamic registration on the server, or register the client in advance and configure its `client_id`",
        references: ["RFC 7591 §3", "RFC 7591 §3.1", "RFC 6750 §3.1"],
        absorbs: ["STAT016", "STAT007", "PARAM017"],
    }
}

/// Error codes of a registration refused for its authorization (RFC 6750 §3.1, and what
/// servers answer in practice), not for its metadata (RFC 7591 §3.2.2).
const AUTHORIZATION_CODES: &[&str] = &[
    "invalid_token",
    "access_denied",
    "invalid_client",
    "unauthorized",
    "unauthorized_client",
    "insufficient_scope",
];

/// Words of a description that speak of the registration's authorization.
fn mentions_token(d: &str) -> bool {
    [
        "token",
        "unauthori",
        "not authori",
        "authentication",
        "bearer",
        "access",
    ]
    .iter()
    .any(|w| d.contains(w))
}

impl Rule for Cred017 {
    fn check(&self, cx: &mut Context<'_>) {
        let exchanges = cx.exchanges;
        for e in exchanges
            .iter()
            .filter(|e| e.kind == Kind::Registration && e.request.method == "POST")
        {
            if !cx.weighs(e.index) {
                continue;
            }
            let Some(r) = &e.response else { continue };
            let (code, desc) = server_error(e);
            let bearer_challenge = r.challenges_for_a_token();
            let about_authorization = match code.as_deref() {
                Some(c) if AUTHORIZATION_CODES.contains(&c) => true,
                Some(_) => false,
                None => matches!(r.status, 401 | 403) || bearer_challenge || mentions_token(&desc),
            };
            if !about_authorization {
                continue;
            }
            let presented = e.request.authorization();
            let stripped = presented.is_none() && headers_may_be_stripped(cx, e);
            let said = match e.server_error() {
                Some(er) => match er.description {
                    Some(d) => format!("`{}` (\"{d}\")", er.code),
                    None => format!("`{}`", er.code),
                },
                None => r.status.to_string(),
            };
            let (message, strength) = match presented {
                Some((scheme, _)) => (
                    format!(
                        "the registration request to `{}` sent an `Authorization: {scheme}` token and the server answered {said}: it does not accept that initial access token (expired, already used, or not one it issued for registration)",
                        e.request.endpoint()
                    ),
                    Strength::Direct,
                ),
                None if stripped => (
                    format!(
                        "the registration request to `{}` was refused with {said}: the server requires an initial access token (RFC 7591 §3); this export removed `Authorization` headers, so whether the client sent one cannot be told",
                        e.request.endpoint()
                    ),
                    // The server's answer names the cause; only whether a token was sent at
                    // all is unknown.
                    Strength::Direct,
                ),
                None => (
                    format!(
                        "the registration request to `{}` carried no `Authorization` header and the server answered {said}: it accepts registrations only with an initial access token (RFC 7591 §3)",
                        e.request.endpoint()
                    ),
                    Strength::Direct,
                ),
            };
            let mut rep = cx.report(e.index, message).strength(strength).confirmed();
            rep = with_server_signal(rep, e);
            if let Some(er) = e.server_error() {
                if let Some(d) = er.description {
                    rep = rep.text(e.index, "response.body.error_description", d);
                }
            }
            if presented.is_none() && !stripped {
                rep = rep.text(e.index, "request.headers.authorization", "(absent)");
            }
            rep.emit();
        }
    }
}
