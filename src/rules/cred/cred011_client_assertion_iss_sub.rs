//! `CRED011` client-assertion-iss-sub: client assertion iss or sub is not the client_id.

use super::*;

declare_rule! {
    /// ## What it does
    /// Decodes the `client_assertion` JWT and checks its `iss` and `sub` claims: both must be
    /// present, equal, and equal to the client_id of the request (the body `client_id` or the
    /// Basic username, when sent).
    ///
    /// ## Why it fails
    /// For client authentication the assertion's issuer and subject are the client itself
    /// (RFC 7523 §3, OpenID Connect Core §9). A service-account name, an application URL or
    /// another client's id in either claim makes the server reject the client with
    /// `invalid_client`.
    ///
    /// ## Example
    /// `{"iss":"reporting-batch","sub":"svc-reporting","aud":"https://idp.example.com",…}` →
    /// `401 {"error":"invalid_client"}`.
    ///
    /// ## Fix
    /// Set both `iss` and `sub` to the client_id.
    ///
    /// ## References
    /// RFC 7523 §3; OpenID Connect Core §9
    pub struct Cred011 {
        code: "CRED011",
        name: "client-assertion-iss-sub",
        title: "client assertion iss or sub is not the client_id",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "set both `iss` and `sub` of the client assertion to the client_id",
        references: ["RFC 7523 §3", "OpenID Connect Core §9"],
        explains_errors: [("invalid_client", 11)],
        explains_statuses: [(ClientAuthUnauthorized, 11)],
    }
}

impl Rule for Cred011 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let Some((a, at)) = client_assertion(&e.request) else {
                continue;
            };
            let Ok(d) = jwt::decode(&a) else { continue };
            let iss = d.claim_str("iss");
            let sub = d.claim_str("sub");
            let client = body_param(&e.request, "client_id")
                .filter(|c| !c.is_empty())
                .or_else(|| e.request.basic_credentials().and_then(|b| b.decoded_id()));
            let show = |v: Option<&str>| {
                v.map(|s| format!("`{s}`"))
                    .unwrap_or_else(|| "absent".into())
            };
            let problem = match (iss, sub, client.as_deref()) {
                (None, _, _) | (_, None, _) => Some(format!(
                    "the client assertion lacks {}: `iss` is {}, `sub` is {}",
                    if iss.is_none() && sub.is_none() {
                        "`iss` and `sub`"
                    } else if iss.is_none() {
                        "`iss`"
                    } else {
                        "`sub`"
                    },
                    show(iss),
                    show(sub)
                )),
                (Some(i), Some(s), Some(c)) if i != c || s != c => Some(format!(
                    "the client assertion has `iss` {} and `sub` {}, but the client_id is `{c}`; both must equal it",
                    show(Some(i)),
                    show(Some(s))
                )),
                (Some(i), Some(s), None) if i != s => Some(format!(
                    "the client assertion has `iss` `{i}` and `sub` `{s}`; both must be the client_id"
                )),
                _ => None,
            };
            let Some(msg) = problem else { continue };
            let mut rep = cx
                .report(e.index, format!("{msg}{}", outcome(e)))
                .secret(e.index, at, a.clone())
                .text(
                    e.index,
                    "client_assertion.claims.iss",
                    iss.unwrap_or("(absent)"),
                )
                .text(
                    e.index,
                    "client_assertion.claims.sub",
                    sub.unwrap_or("(absent)"),
                );
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
