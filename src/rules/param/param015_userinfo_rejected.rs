//! `PARAM015` userinfo-rejected: userinfo call rejected.

use super::*;

declare_rule! {
    /// ## What it does
    /// Explains a rejected UserInfo call (401 or 403) by tracing the presented token back
    /// through the capture: an ID token sent instead of the access token (`audience_issuer`);
    /// an access token whose grant lacks the `openid` scope (`parameters`); a JWT access token
    /// whose `aud` names another resource, not this server (`audience_issuer`). A token from the
    /// `client_credentials` grant is GRANT012's finding and is left to it. Without such evidence it
    /// stays quiet. (The missing-`openid` case is also PARAM007's, which the catalogue defines
    /// with the same evidence.)
    ///
    /// ## Why it fails
    /// UserInfo (OpenID Connect Core §5.3) returns claims about the end-user to the holder of an
    /// access token obtained with `openid`; it answers `invalid_token` for tokens it does not
    /// accept and `insufficient_scope` for tokens without `openid`.
    ///
    /// ## Example
    /// Authorization with `scope=orders.read profile`, then `GET /userinfo` with that access
    /// token → `403 WWW-Authenticate: Bearer error="insufficient_scope"`.
    ///
    /// ## Fix
    /// Call UserInfo with the access token (not the ID token) from an authorization that
    /// requested `openid`, issued for the server itself.
    ///
    /// ## References
    /// OpenID Connect Core §5.3, §5.3.1, §5.3.3; RFC 6750 §3.1
    pub struct Param015 {
        code: "PARAM015",
        name: "userinfo-rejected",
        title: "userinfo call rejected",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "call UserInfo with the access token (not the ID token) from an authorization that requested `openid`",
        references: ["OpenID Connect Core §5.3.1", "OpenID Connect Core §5.3.3", "RFC 6750 §3.1"],
        explains_statuses: [(UserinfoForbidden, 1)],
    }
}

impl Rule for Param015 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.kind == Kind::Userinfo) {
            if !matches!(e.status(), Some(401 | 403)) {
                continue;
            }
            let Some(token) = e.request.presented_token() else {
                continue;
            };
            let (_, desc) = server_error(e);
            // 1. an ID token
            if let Some(t) = ex[..e.index].iter().rev().find(|t| {
                t.kind == Kind::Token
                    && t.response.as_ref().and_then(|r| r.field("id_token")) == Some(token.as_str())
            }) {
                let message = format!(
                    "UserInfo was called with the `id_token` of exchange #{} instead of its `access_token`{}",
                    t.number(),
                    outcome(e)
                );
                let mut rep = cx
                    .report(e.index, message)
                    .category(Category::AudienceIssuer)
                    .strength(Strength::Recomputed)
                    .secret(e.index, "request.headers.authorization", token.clone());
                rep = with_server_signal(rep, e);
                rep.emit();
                continue;
            }
            let issuer = cx.index.issued_by(&token).map(|i| &ex[i]);
            if let Some(t) = issuer {
                let grant = t.request.param("grant_type").unwrap_or_default();
                // A `client_credentials` token has no user at all: GRANT012's finding, not a
                // missing scope.
                if grant == "client_credentials" {
                    continue;
                }
                // 2. a grant without openid
                let granted = t
                    .response
                    .as_ref()
                    .and_then(|r| r.field("scope"))
                    .map(str::to_string);
                let az = cx.index.authorize_for_token(ex, t);
                let requested = az.and_then(|a| a.request.query.get("scope").map(str::to_string));
                let scope = granted.clone().or(requested.clone());
                if let Some(s) = scope.filter(|s| !scope_tokens(s).contains(&"openid")) {
                    let message = format!(
                        "UserInfo was called with an access token whose scope `{s}` lacks `openid` ({} in exchange #{}){}",
                        if granted.is_some() {
                            "granted"
                        } else {
                            "requested"
                        },
                        if granted.is_some() {
                            t.number()
                        } else {
                            az.map(|a| a.number()).unwrap_or(t.number())
                        },
                        outcome(e)
                    );
                    let mut rep = cx
                        .report(e.index, message)
                        .strength(Strength::Recomputed)
                        .secret(e.index, "request.headers.authorization", token.clone())
                        .text(t.index, "response.body.scope", s.clone());
                    rep = with_server_signal(rep, e);
                    rep.emit();
                    continue;
                }
            }
            // 3. a JWT access token for another audience
            let Ok(d) = jwt::decode(&token) else { continue };
            let auds = d.audiences();
            if auds.is_empty() {
                continue;
            }
            let md = cx.index.metadata_for(e);
            let host = e.request.host().unwrap_or("").to_ascii_lowercase();
            let issuer = md
                .and_then(|m| m.get("issuer"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let host_of = |u: &str| {
                url::Url::parse(u)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            };
            let ours = auds.iter().any(|a| {
                *a == issuer
                    || host_of(a).is_some_and(|h| h == host)
                    || d.claim_str("iss").is_some_and(|i| i == *a)
            });
            if ours {
                continue;
            }
            let message = format!(
                "UserInfo at `{}` was called with an access token for another audience (`aud` {}){}",
                e.request.endpoint(),
                auds.iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                outcome(e)
            );
            let mut rep = cx
                .report(e.index, message)
                .category(Category::AudienceIssuer)
                .secret(e.index, "request.headers.authorization", token.clone())
                .text(e.index, "access_token.claims.aud", auds.join(" "));
            if desc.contains("aud") {
                rep = rep.confirmed();
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
