//! `PARAM007` openid-scope-missing: openid connect request without the openid scope.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an authorization request that expects OpenID Connect — it sends a `nonce`, its
    /// `response_type` includes `id_token`, or the access token it yields is refused by UserInfo
    /// — but whose `scope` lacks `openid`. It follows the flow (code → token response →
    /// UserInfo call carrying that exact access token): when a UserInfo call fails, or the token
    /// response has no `id_token`, the finding is anchored there. A scope that contains `openid`
    /// with the wrong delimiter (`openid,profile`) is PARAM005's. (The catalogue lists the
    /// UserInfo case under both PARAM007 and PARAM015; both report it.)
    ///
    /// ## Why it fails
    /// Without `openid` the request is plain OAuth 2.0: the server issues no ID token, and
    /// UserInfo refuses the access token (`insufficient_scope`). The client then fails on a
    /// missing `id_token` or on UserInfo.
    ///
    /// ## Example
    /// `scope=profile email&nonce=…` → token response without `id_token`; `GET /userinfo` →
    /// `403 insufficient_scope`.
    ///
    /// ## Fix
    /// Include `openid` in `scope`.
    ///
    /// ## References
    /// OpenID Connect Core §3.1.2.1, §5.3
    pub struct Param007 {
        code: "PARAM007",
        name: "openid-scope-missing",
        title: "openid connect request without the openid scope",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "include `openid` in the `scope` of the authorization request",
        references: ["OpenID Connect Core §3.1.2.1", "OpenID Connect Core §5.3"],
        explains_errors: [("insufficient_scope", 1)],
        explains_statuses: [(UserinfoForbidden, 0)],
        absorbs: ["PARAM015"],
    }
}

/// Token exchanges that redeem a code of this authorization request.
fn token_exchanges_of<'a>(cx: &Context<'a>, az: &Exchange) -> Vec<&'a Exchange> {
    let ex = cx.exchanges;
    ex.iter()
        .filter(|t| {
            t.kind == Kind::Token
                && t.index > az.index
                && t.request.param("code").is_some()
                && cx
                    .index
                    .authorize_for_token(ex, t)
                    .is_some_and(|a| a.index == az.index)
        })
        .collect()
}

/// Userinfo or resource calls that present a token issued by token exchange `t`.
fn calls_with_token_of<'a>(cx: &Context<'a>, t: &Exchange) -> Vec<&'a Exchange> {
    let Some(at) = t.response.as_ref().and_then(|r| r.field("access_token")) else {
        return Vec::new();
    };
    cx.exchanges
        .iter()
        .filter(|x| {
            x.index > t.index
                && matches!(x.kind, Kind::Userinfo | Kind::Resource)
                && x.request.presented_token().as_deref() == Some(at)
        })
        .collect()
}

impl Rule for Param007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for az in ex
            .iter()
            .filter(|e| e.kind == Kind::Authorize || e.kind == Kind::Par)
        {
            let req = &az.request;
            let get = |n: &str| {
                if az.kind == Kind::Par {
                    body_param(req, n)
                } else {
                    req.query.get(n).map(str::to_string)
                }
            };
            let scope = get("scope").unwrap_or_default();
            // `openid` written with a wrong delimiter is PARAM005's finding, not a missing scope.
            if scope
                .split([' ', ',', ';', '+', '"', '[', ']'])
                .any(|t| t == "openid")
            {
                continue;
            }
            let nonce = get("nonce").is_some_and(|n| !n.is_empty());
            let id_token_rt =
                get("response_type").is_some_and(|r| r.split(' ').any(|t| t == "id_token"));
            // Follow the flow to where the missing openid scope shows.
            let tokens = token_exchanges_of(cx, az);
            if tokens.iter().any(|t| {
                t.response
                    .as_ref()
                    .is_some_and(|r| r.field("id_token").is_some())
            }) {
                continue; // the server issued an ID token anyway
            }
            let failing_call = tokens
                .iter()
                .flat_map(|t| calls_with_token_of(cx, t))
                .find(|c| c.failed() && c.kind == Kind::Userinfo);
            if !(nonce || id_token_rt || failing_call.is_some()) {
                continue;
            }
            let why = if id_token_rt {
                "`response_type` asks for an `id_token`"
            } else if nonce {
                "a `nonce` is sent, so the client expects an ID token"
            } else {
                "the client calls UserInfo, an OpenID Connect endpoint"
            };
            let (anchor, strength, tail) = if let Some(c) = failing_call {
                (
                    c.index,
                    Strength::Recomputed,
                    format!(
                        "; the access token issued for it was refused by `{}`{}",
                        c.request.endpoint(),
                        outcome(c)
                    ),
                )
            } else if let Some(t) = tokens.iter().find(|t| {
                t.response
                    .as_ref()
                    .is_some_and(|r| r.field("access_token").is_some())
            }) {
                (
                    t.index,
                    Strength::Direct,
                    format!(
                        "; the token response (exchange #{}) has no `id_token`",
                        t.number()
                    ),
                )
            } else {
                let a = authorize_anchor(cx, az);
                (a, Strength::Direct, outcome(&ex[a]))
            };
            let message = format!(
                "the authorization request's `scope` `{scope}` lacks `openid` although {why}{tail}"
            );
            let mut rep = cx.report(anchor, message).strength(strength).text(
                az.index,
                if az.kind == Kind::Par {
                    "request.body.scope"
                } else {
                    "request.query.scope"
                },
                scope.clone(),
            );
            rep = with_server_signal(rep, &ex[anchor]);
            rep.emit();
        }
    }
}
