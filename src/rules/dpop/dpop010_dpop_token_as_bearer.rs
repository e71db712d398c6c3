//! `DPOP010` dpop-token-as-bearer: dpop-bound token sent with bearer scheme.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a resource request that presents a DPoP-bound access token with the `Bearer`
    /// scheme: the token response that issued it said `token_type: DPoP`, or the token is a JWT
    /// with `cnf.jkt`.
    ///
    /// ## Why it fails
    /// A DPoP-bound token is only valid with `Authorization: DPoP <token>` and a proof (RFC 9449
    /// §7.1); resource servers reject it as a bearer token (§7.2), usually with
    /// `invalid_token`.
    ///
    /// ## Example
    /// Token response `"token_type":"DPoP"`; API call `Authorization: Bearer <token>` without a
    /// `DPoP` header → `401 WWW-Authenticate: DPoP error="invalid_token"`.
    ///
    /// ## Fix
    /// Send `Authorization: DPoP <token>` plus a fresh `DPoP` proof with `ath`; use the
    /// `token_type` the token response returns.
    ///
    /// ## References
    /// RFC 9449 §7.1, §7.2
    pub struct Dpop010 {
        code: "DPOP010",
        name: "dpop-token-as-bearer",
        title: "dpop-bound token sent with bearer scheme",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send `Authorization: DPoP <token>` with a fresh `DPoP` proof",
        references: ["RFC 9449 §7.1", "RFC 9449 §7.2"],
        explains_errors: [("invalid_token", 8)],
        explains_statuses: [(UserinfoUnauthorized, 4), (ResourceUnauthorized, 12)],
        absorbs: ["DPOP009", "DPOP011"],
    }
}

impl Rule for Dpop010 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if !matches!(e.kind, Kind::Resource | Kind::Userinfo) || !relevant(e) {
                continue;
            }
            let Some((scheme, token)) = e.request.authorization() else {
                continue;
            };
            if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
                continue;
            }
            let issued = issuing_exchange(cx, "access_token", token).filter(|t| {
                t.response
                    .as_ref()
                    .and_then(|r| r.field("token_type"))
                    .is_some_and(|tt| tt.eq_ignore_ascii_case("dpop"))
            });
            let jkt = jose::decode(token).ok().and_then(|d| {
                d.claims
                    .get("cnf")
                    .and_then(|c| c.get("jkt"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
            let (why, strength) = match (issued, &jkt) {
                (Some(t), _) => (
                    format!("exchange {} issued it with `token_type: DPoP`", t.number()),
                    Strength::Recomputed,
                ),
                (None, Some(j)) => (
                    format!("it is bound to a key (`cnf.jkt: {j}`)"),
                    Strength::Direct,
                ),
                (None, None) => continue,
            };
            let message = format!(
                "the access token sent to `{}` with `Authorization: Bearer` is DPoP-bound: {why}{}",
                e.request.endpoint(),
                if e.request.headers.contains("dpop") {
                    ""
                } else {
                    "; no `DPoP` proof was sent"
                }
            );
            let mut rep = cx.report(e.index, message).strength(strength).secret(
                e.index,
                "request.headers.authorization",
                token.to_string(),
            );
            if let Some(t) = issued {
                rep = rep.text(t.index, "response.body.token_type", "DPoP");
            }
            if is_failure(e) && (error_is(e, "invalid_token") || failure_text(e).contains("dpop")) {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
