//! `CRED012` client-assertion-audience: client assertion aud does not identify the authorization server.

use super::*;

declare_rule! {
    /// ## What it does
    /// Decodes the `client_assertion` JWT and checks that its `aud` (a string or an array)
    /// contains a value that identifies the authorization server: the `issuer` of the capture's
    /// discovery document, the exact URL the request was sent to, or the metadata's
    /// `token_endpoint` (or its mTLS alias). Comparison is exact; the message names the
    /// difference: a trailing slash, `http` vs `https`, another endpoint's URL (PAR,
    /// introspection), another path (tenant, realm) or another host. Without a discovery
    /// document only the request URL and its prefixes can be trusted, so the finding is then a
    /// heuristic.
    ///
    /// ## Why it fails
    /// RFC 7523 §3 requires the audience to identify the authorization server; servers compare
    /// it as a string. Reusing the assertion built for the PAR endpoint at the token endpoint, or
    /// adding a trailing slash to the issuer, makes the server reject it with `invalid_client`.
    ///
    /// (Catalogue note: which value a server accepts varies — OpenID Connect Core §9 says the
    /// token endpoint URL, draft-ietf-oauth-rfc7523bis says the issuer; this rule accepts both.)
    ///
    /// ## Example
    /// `aud: "https://login.example.org/realms/acme/protocol/openid-connect/ext/par/request"` at
    /// `…/protocol/openid-connect/token` → `401 {"error":"invalid_client","error_description":"Invalid token audience"}`.
    ///
    /// ## Fix
    /// Use the value the server documents: preferably its issuer identifier as a single string,
    /// else the exact `token_endpoint` from its metadata.
    ///
    /// ## References
    /// RFC 7523 §3; OpenID Connect Core §9; RFC 9126 §2; draft-ietf-oauth-rfc7523bis
    pub struct Cred012 {
        code: "CRED012",
        name: "client-assertion-audience",
        title: "client assertion aud does not identify the authorization server",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "set the assertion's `aud` to the server's issuer identifier (a single string) or the exact `token_endpoint` from its metadata",
        references: ["RFC 7523 §3", "OpenID Connect Core §9", "RFC 9126 §2"],
        explains_errors: [("invalid_client", 8)],
        explains_statuses: [(ClientAuthUnauthorized, 8)],
    }
}

/// How an audience value differs from the closest accepted one.
fn audience_difference(
    aud: &str,
    accepted: &[(String, &'static str)],
    md: Option<&Value>,
) -> String {
    if let Some(m) = md.and_then(Value::as_object) {
        for (k, v) in m {
            if k.ends_with("_endpoint") && k != "token_endpoint" {
                if let Some(u) = v.as_str() {
                    if u == aud {
                        return format!(
                            "it is the `{k}` URL, not the issuer or the token endpoint"
                        );
                    }
                }
            }
        }
    }
    let parse = |s: &str| url::Url::parse(s).ok();
    for (a, what) in accepted {
        if a.trim_end_matches('/') == aud.trim_end_matches('/') {
            return format!("it differs from the {what} `{a}` only by a trailing slash");
        }
        if let (Some(x), Some(y)) = (parse(aud), parse(a)) {
            if x.scheme() != y.scheme() && x.host_str() == y.host_str() && x.path() == y.path() {
                return format!(
                    "it uses `{}` where the {what} `{a}` uses `{}`",
                    x.scheme(),
                    y.scheme()
                );
            }
        }
        if a.eq_ignore_ascii_case(aud) {
            return format!("it differs from the {what} `{a}` in letter case");
        }
    }
    let first = accepted.first();
    match (parse(aud), first.and_then(|(a, _)| parse(a))) {
        (Some(x), Some(y)) if x.host_str() == y.host_str() => format!(
            "it has another path than the {} `{}` (tenant, realm or endpoint)",
            first.map(|f| f.1).unwrap_or("issuer"),
            first.map(|f| f.0.as_str()).unwrap_or("")
        ),
        (Some(_), Some(_)) => format!(
            "it names another host than the {} `{}`",
            first.map(|f| f.1).unwrap_or("issuer"),
            first.map(|f| f.0.as_str()).unwrap_or("")
        ),
        _ => "it is not a URL of this server".to_string(),
    }
}

impl Rule for Cred012 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let Some((a, at)) = client_assertion(&e.request) else {
                continue;
            };
            let Ok(d) = jwt::decode(&a) else { continue };
            let auds: Vec<String> = d.audiences().into_iter().map(str::to_string).collect();
            let md = cx.index.metadata_for(e);
            let endpoint = e.request.endpoint();
            let mut accepted: Vec<(String, &'static str)> = Vec::new();
            if let Some(i) = md_str(md, "issuer") {
                accepted.push((i.to_string(), "issuer"));
            }
            if let Some(t) = md_str(md, "token_endpoint") {
                accepted.push((t.to_string(), "token endpoint"));
            }
            if let Some(t) = md
                .and_then(|m| m.get("mtls_endpoint_aliases"))
                .and_then(|m| m.get("token_endpoint"))
                .and_then(Value::as_str)
            {
                accepted.push((t.to_string(), "mTLS token endpoint"));
            }
            accepted.push((endpoint.clone(), "request URL"));
            if auds.iter().any(|x| accepted.iter().any(|(a, _)| a == x)) {
                continue;
            }
            // Without metadata an issuer is unknown: accept a prefix of the request URL.
            if md.is_none()
                && auds.iter().any(|x| {
                    let p = x.trim_end_matches('/');
                    !p.is_empty() && endpoint.starts_with(p)
                })
            {
                continue;
            }
            let msg = if auds.is_empty() {
                "the client assertion has no `aud` claim".to_string()
            } else {
                let diffs: Vec<String> = auds
                    .iter()
                    .map(|x| format!("`{x}`: {}", audience_difference(x, &accepted, md)))
                    .collect();
                format!(
                    "the client assertion's `aud` does not identify this server — {}",
                    diffs.join("; ")
                )
            };
            let mut rep = cx
                .report(e.index, format!("{msg}{}", outcome(e)))
                .strength(if md.is_some() {
                    Strength::Recomputed
                } else {
                    Strength::Heuristic
                })
                .secret(e.index, at, a.clone())
                .text(
                    e.index,
                    "client_assertion.claims.aud",
                    d.claims
                        .get("aud")
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "(absent)".into()),
                );
            if let Some(i) = md_str(md, "issuer") {
                rep = rep.text(e.index, "metadata.issuer", i);
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
