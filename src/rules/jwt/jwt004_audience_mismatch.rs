//! `JWT004` audience-mismatch: access token audience mismatch.

use super::*;

declare_rule! {
    /// ## What it does
    /// For an access token a resource server rejected, compares the token's `aud` with the
    /// resource server: an `aud` URL on another host, the client's own id, Keycloak's default
    /// `account` audience, or no `aud` at all while the server complains about the audience.
    ///
    /// ## Why it fails
    /// A resource server accepts only tokens minted for it (RFC 9068 §4). A token requested
    /// without `resource` / `audience` (or with the one of another API, copied configuration)
    /// is valid, but for somebody else.
    ///
    /// ## Example
    /// A token requested with `resource=https://orders.example.com` (`aud:
    /// https://orders.example.com`) sent to `https://inventory.example.com/v2/stock` → `401
    /// invalid_token` "The audience 'https://orders.example.com' is invalid".
    ///
    /// ## Fix
    /// Request the token for the API you call (`resource` RFC 8707, `audience`, or the API's
    /// scope prefix), or configure the expected audience of the resource server; in Keycloak add
    /// an audience mapper to the client scope.
    ///
    /// ## References
    /// RFC 7519 §4.1.3; RFC 9068 §4; RFC 8707 §2
    pub struct Jwt004 {
        code: "JWT004",
        name: "audience-mismatch",
        title: "access token audience mismatch",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "request the token for the API you call (`resource`, `audience` or the API's scope) or configure the resource server's expected audience",
        references: ["RFC 7519 §4.1.3", "RFC 9068 §4", "RFC 8707 §2"],
        explains_errors: [("invalid_token", 2)],
        explains_statuses: [(UserinfoUnauthorized, 2), (ResourceUnauthorized, 6)],
    }
}

impl Rule for Jwt004 {
    fn check(&self, cx: &mut Context<'_>) {
        for g in token_groups(cx).iter() {
            let Some(d) = g.decoded() else { continue };
            if id_token_evidence(cx, g, d).is_some() {
                continue; // JWT005
            }
            for p in g.presentations() {
                let e = &cx.exchanges[p.exchange];
                if p.role != Role::Access || !is_failure(e) {
                    continue;
                }
                if !matches!(e.status(), Some(401 | 403)) {
                    continue;
                }
                let mentions = server_says(
                    e,
                    &[],
                    &["audience", "aud ", "aud'", "aud\"", "aud claim", "\"aud\""],
                );
                let rs_host = e.request.host().map(str::to_ascii_lowercase);
                let aud = d.audiences();
                let url_auds: Vec<(&str, Option<String>)> = aud
                    .iter()
                    .filter(|a| a.starts_with("http://") || a.starts_with("https://"))
                    .map(|a| (*a, host_of(a)))
                    .collect();
                let matches_rs = url_auds.iter().any(|(_, h)| h.is_some() && *h == rs_host)
                    || rs_host
                        .as_deref()
                        .is_some_and(|h| aud.iter().any(|a| a.eq_ignore_ascii_case(h)));
                if matches_rs {
                    continue;
                }
                let client = d
                    .claim_str("client_id")
                    .or_else(|| d.claim_str("azp"))
                    .or_else(|| d.claim_str("appid"));
                let origin = e
                    .request
                    .parsed
                    .as_ref()
                    .map(|u| u.origin().ascii_serialization())
                    .unwrap_or_default();
                let auds = if aud.is_empty() {
                    "no `aud` claim".to_string()
                } else {
                    format!(
                        "`aud: {}`",
                        aud.iter()
                            .map(|a| a.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                // What the token's audience shows; the server naming the audience makes it a
                // direct observation, otherwise an API identifier need not be its URL.
                let why = if e.kind == Kind::Userinfo {
                    if !mentions {
                        continue;
                    }
                    "the UserInfo endpoint says the audience is wrong".to_string()
                } else if !url_auds.is_empty() && url_auds.len() == aud.len() {
                    format!("none of its audiences is the API at `{origin}`")
                } else if client.is_some_and(|c| aud.contains(&c)) {
                    "its audience is the client itself, not an API".to_string()
                } else if aud == ["account"] {
                    "`account` is Keycloak's default audience (no audience mapper for the API)"
                        .to_string()
                } else if mentions {
                    format!("the server rejects the audience and none of them names `{origin}`")
                } else {
                    continue;
                };
                let strength = if mentions {
                    Strength::Direct
                } else {
                    Strength::Heuristic
                };
                let confirmed = mentions || server_says(e, &["invalid_token"], &[]);
                let mut rep = cx
                    .report(
                        e.index,
                        format!(
                            "the access token sent to `{}` has {auds}: {why}",
                            e.request.endpoint()
                        ),
                    )
                    .strength(strength)
                    .text(e.index, "jwt.claims.aud", claims_text(d, &["aud"]))
                    .text(e.index, "request.url", e.request.endpoint())
                    .secret(e.index, p.at.clone(), g.value);
                if confirmed {
                    rep = rep.confirmed();
                }
                rep.emit();
            }
        }
    }
}
