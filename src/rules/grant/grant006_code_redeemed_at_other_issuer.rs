//! `GRANT006` code-redeemed-at-other-issuer: code redeemed at a different authorization server or tenant.

use super::*;

declare_rule! {
    /// ## What it does
    /// For every failed authorization-code redemption, checks that the token request went to the
    /// authorization server that issued the code. With a discovery document in the capture that
    /// announces the authorization endpoint used, the token request must go to that document's
    /// `token_endpoint`; without one, the tenant, realm or custom authorization-server segment
    /// of the two URLs must agree (Keycloak `/realms/X`, Entra `/{tenant}/`, Okta
    /// `/oauth2/{id}/v1/`). Different hosts alone are not reported: several providers serve the
    /// two endpoints from different hosts (Google).
    ///
    /// ## Why it fails
    /// A code is only known to the server (tenant, realm) that issued it. A token URL hard-coded
    /// for another environment, realm or tenant turns every redemption into `invalid_grant`.
    /// Mixing issuers is also the mix-up attack of RFC 9700 §4.4 that RFC 9207 defends against.
    ///
    /// ## Example
    /// Authorize at `https://login.example.org/realms/acme/protocol/openid-connect/auth`; redeem at
    /// `https://login.example.org/realms/acme-staging/protocol/openid-connect/token` →
    /// `400 {"error":"invalid_grant","error_description":"Code not valid"}`.
    ///
    /// ## Fix
    /// Take the `token_endpoint` from the metadata of the same issuer as the
    /// `authorization_endpoint`.
    ///
    /// ## References
    /// RFC 9700 §4.4; RFC 9207; RFC 8414 §2
    pub struct Grant006 {
        code: "GRANT006",
        name: "code-redeemed-at-other-issuer",
        title: "code redeemed at a different authorization server or tenant",
        category: EndpointUrl,
        severity: Error,
        kind: Diag,
        fix: "use the `token_endpoint` from the metadata of the issuer whose `authorization_endpoint` issued the code",
        references: ["RFC 9700 §4.4", "RFC 9207", "RFC 8414 §2"],
        explains_errors: [("invalid_grant", 6)],
        grants: ["authorization_code"],
    }
}

const ENTRA_HOSTS: &[&str] = &[
    "login.microsoftonline.com",
    "login.microsoft.com",
    "login.windows.net",
    "sts.windows.net",
    "login.microsoftonline.us",
    "login.chinacloudapi.cn",
];

/// The tenant / realm / authorization-server id an endpoint URL names, when its shape is known.
fn tenant_of(u: &url::Url) -> Option<(String, &'static str)> {
    let segs: Vec<&str> = u.path_segments()?.filter(|s| !s.is_empty()).collect();
    if let Some(p) = segs.iter().position(|s| *s == "realms") {
        return segs.get(p + 1).map(|r| (r.to_string(), "realm"));
    }
    let host = u.host_str()?.to_ascii_lowercase();
    if ENTRA_HOSTS.contains(&host.as_str())
        || host.ends_with(".b2clogin.com")
        || host.ends_with(".ciamlogin.com")
    {
        let t = segs.first()?.to_ascii_lowercase();
        if matches!(t.as_str(), "common" | "organizations" | "consumers") {
            return None;
        }
        return Some((t, "tenant"));
    }
    if let Some(p) = segs.iter().position(|s| *s == "oauth2") {
        let next = segs.get(p + 1)?;
        if !matches!(
            *next,
            "v1" | "v2" | "v2.0" | "token" | "authorize" | "auth" | "default_token"
        ) && segs.get(p + 2).is_some_and(|s| *s == "v1")
        {
            return Some((next.to_string(), "authorization server"));
        }
        if segs.get(p + 1).is_some_and(|s| *s == "v1") {
            return Some(("(org)".to_string(), "authorization server"));
        }
    }
    None
}

impl Rule for Grant006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for e in ex.iter().filter(|e| e.is_code_redemption() && e.failed()) {
            // The server must have looked the code up and refused it (an OAuth error); a 404, a
            // redirect or a 405 is about the URL itself (STAT003, STAT001, STAT004).
            if err_of(e).is_none() || e.status() == Some(404) {
                continue;
            }
            let Some((az, link, _)) = idx.authorize_of(ex, e) else {
                cx.cannot_tell(e.index, "the authorization request is not in the capture");
                continue;
            };
            let az_url = az.request.endpoint();
            let tok_url = e.request.endpoint();
            if let Some((mi, doc)) = idx.metadata_announcing("authorization_endpoint", &az_url) {
                let te = doc.get("token_endpoint").and_then(Value::as_str);
                let alias = doc
                    .get("mtls_endpoint_aliases")
                    .and_then(|a| a.get("token_endpoint"))
                    .and_then(Value::as_str);
                let Some(te) = te else { continue };
                if crate::model::flow::same_endpoint(te, &tok_url)
                    || alias.is_some_and(|a| crate::model::flow::same_endpoint(a, &tok_url))
                {
                    cx.rule_out(
                        e.index,
                        format!(
                            "the code is redeemed at the token endpoint of the issuer #{} asked",
                            az.number()
                        ),
                    );
                    continue;
                }
                let strip = |u: &str| {
                    u.split_once("://")
                        .map(|(_, r)| r.to_string())
                        .unwrap_or_default()
                };
                if crate::model::flow::same_endpoint(&strip(te), &strip(&tok_url)) {
                    continue; // only the scheme differs: BCP004 / STAT001
                }
                let issuer = doc.get("issuer").and_then(Value::as_str).unwrap_or("");
                let other = idx
                    .metadata_announcing("token_endpoint", &tok_url)
                    .and_then(|(_, d)| d.get("issuer").and_then(Value::as_str))
                    .map(|i| format!(" (the token endpoint of issuer `{i}`)"))
                    .unwrap_or_default();
                let message = format!(
                    "the code came from issuer `{issuer}` (authorization request, exchange #{}) whose `token_endpoint` is `{te}`, but it was redeemed at `{tok_url}`{other}",
                    az.number()
                );
                cx.report(e.index, message)
                    .confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                    .strength(if link == Link::Code {
                        Strength::Recomputed
                    } else {
                        Strength::Direct
                    })
                    .text(az.index, "request.url", az_url.clone())
                    .text(*mi, "response.body.token_endpoint", te)
                    .text(e.index, "request.url", tok_url.clone())
                    .emit();
                continue;
            }
            let (Some(a), Some(t)) = (az.request.parsed.as_ref(), e.request.parsed.as_ref()) else {
                continue;
            };
            if a.host_str() != t.host_str() {
                continue;
            }
            let (Some((ta, what)), Some((tt, _))) = (tenant_of(a), tenant_of(t)) else {
                continue;
            };
            if ta.eq_ignore_ascii_case(&tt) {
                continue;
            }
            let message = format!(
                "the code came from {what} `{ta}` (authorization request, exchange #{}) but was redeemed at {what} `{tt}` (`{tok_url}`)",
                az.number()
            );
            cx.report(e.index, message)
                .confirmed_if(alias_signal(&ex[e.index], &["invalid_grant"]))
                .strength(if link == Link::Code {
                    Strength::Direct
                } else {
                    Strength::Heuristic
                })
                .text(az.index, "request.url", az_url)
                .text(e.index, "request.url", tok_url)
                .emit();
        }
    }
}
