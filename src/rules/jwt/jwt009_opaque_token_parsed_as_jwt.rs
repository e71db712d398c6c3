//! `JWT009` opaque-token-parsed-as-jwt: opaque or encrypted token parsed as jwt.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an opaque access token (no dots) or an encrypted one (a five-part JWE) that a
    /// resource server rejected while saying it could not parse a JWT ("jwt malformed", "must
    /// have three segments").
    ///
    /// ## Why it fails
    /// Access tokens are opaque to clients (RFC 6749 §1.4) and not every authorization server
    /// issues JWTs: reference tokens must be introspected (RFC 7662), and an encrypted token is
    /// meant for its issuer — Auth0, for example, issues an encrypted token for its own UserInfo
    /// endpoint when the authorization request names no API `audience`. The rule fires only on
    /// a rejected call whose answer says a JWT could not be parsed, so it is reported as an
    /// error there (the catalogue's warning covers the general risk). An encrypted token is
    /// filed under `audience_issuer` (it was minted for another audience), an opaque one under
    /// `other` (the resource server must introspect).
    ///
    /// ## Example
    /// IdentityServer returns a 64-hex-character reference token; the API, configured for JWTs,
    /// answers `401 invalid_token` "a JWT must have three segments separated by dots".
    ///
    /// ## Fix
    /// Ask for a token meant for the API (its `audience` / `resource`) or configure the
    /// resource server to introspect opaque tokens; never parse access tokens in clients.
    ///
    /// ## References
    /// RFC 6749 §1.4; RFC 7516 §9; RFC 7662 §2
    pub struct Jwt009 {
        code: "JWT009",
        name: "opaque-token-parsed-as-jwt",
        title: "opaque or encrypted token parsed as jwt",
        category: Other,
        severity: Warning,
        kind: Diag,
        fix: "request a token meant for the API (`audience` / `resource`) or introspect opaque tokens; never parse access tokens in clients",
        references: ["RFC 6749 §1.4", "RFC 7516 §9", "RFC 7662 §2"],
    }
}

impl Rule for Jwt009 {
    fn check(&self, cx: &mut Context<'_>) {
        for g in token_groups(cx).iter() {
            let v = g.value.trim();
            let parts = v.split('.').count();
            // A well-formed credential (RFC 6750 b64token); a quoted or split value is a
            // malformed header (PARAM013 / JWT008), not an opaque token.
            let b64token = !v.is_empty()
                && v.trim_end_matches('=').bytes().all(|c| {
                    c.is_ascii_alphanumeric()
                        || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
                });
            let jwe = parts == 5 && b64token;
            let opaque = parts == 1 && !v.starts_with("eyJ") && b64token;
            if !(jwe || opaque) {
                continue;
            }
            for p in g.presentations() {
                let e = &cx.exchanges[p.exchange];
                if p.role != Role::Access
                    || !is_failure(e)
                    || !matches!(e.status(), Some(400 | 401))
                {
                    continue;
                }
                if !server_says(
                    e,
                    &[],
                    &[
                        "jwt",
                        "malformed",
                        "segment",
                        "decode",
                        "parse",
                        "dots",
                        "jws",
                        "compact",
                    ],
                ) {
                    continue;
                }
                let issuing = g
                    .occ
                    .iter()
                    .find(|s| !s.presented)
                    .map(|s| &cx.exchanges[s.exchange]);
                let asked_audience = issuing.is_some_and(|t| {
                    t.request.param("audience").is_some() || t.request.param("resource").is_some()
                });
                let (what, category) = if jwe {
                    (
                        format!(
                            "an encrypted five-part JWE{}: a token meant for its issuer, not for this API",
                            if issuing.is_some() && !asked_audience {
                                " issued without an API `audience`"
                            } else {
                                ""
                            }
                        ),
                        Category::AudienceIssuer,
                    )
                } else {
                    (
                        format!(
                            "an opaque reference token ({} characters, no dots) that must be introspected",
                            v.len()
                        ),
                        Category::Other,
                    )
                };
                cx.report(
                    e.index,
                    format!(
                        "`{}` tried to parse the access token as a JWT, but it is {what}",
                        e.request.endpoint()
                    ),
                )
                .category(category)
                // The server's answer shows this broke the call: an error, not a warning.
                .severity(Severity::Error)
                .strength(Strength::Direct)
                .confirmed()
                .text(e.index, "token.parts", parts.to_string())
                .secret(e.index, p.at.clone(), g.value)
                .emit();
            }
        }
    }
}
