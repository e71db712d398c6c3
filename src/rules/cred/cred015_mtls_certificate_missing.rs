//! `CRED015` mtls-certificate-missing: mtls client certificate missing.

use super::*;

declare_rule! {
    /// ## What it does
    /// Two situations where a TLS client certificate (RFC 8705) is missing:
    ///
    /// - At the authorization server: a rejected request that carries no other credentials
    ///   (client_id only) went to the plain endpoint although the discovery document publishes
    ///   an `mtls_endpoint_aliases` entry for it — the host that asks for a client certificate.
    /// - At a resource server: a `401 invalid_token` for an access token bound to a certificate
    ///   (`cnf.x5t#S256`), while the capture cannot show which certificate, if any, was
    ///   presented.
    ///
    /// ## Why it fails
    /// With `tls_client_auth` / `self_signed_tls_client_auth` the certificate *is* the
    /// credential, and servers request it only on the mTLS hosts. A call to the plain endpoint,
    /// or a TLS-terminating proxy that does not forward the certificate, leaves the client
    /// unauthenticated (`invalid_client`) or the bound token unusable (`invalid_token`). HAR files
    /// do not record client certificates: the capture shows the endpoint choice, not the
    /// handshake.
    ///
    /// ## Example
    /// Metadata: `"mtls_endpoint_aliases": {"token_endpoint": "https://mtls.idp.example.com/oauth2/token"}`;
    /// the client posts `client_id=…` to `https://idp.example.com/oauth2/token` →
    /// `401 {"error":"invalid_client","error_description":"client certificate required"}`.
    ///
    /// ## Fix
    /// Call the mTLS alias endpoint and present the registered certificate; make sure
    /// TLS-terminating proxies forward it (for example with the `Client-Cert` header, RFC 9440).
    ///
    /// ## References
    /// RFC 8705 §2, §3, §3.1, §5; RFC 9440
    pub struct Cred015 {
        code: "CRED015",
        name: "mtls-certificate-missing",
        title: "mtls client certificate missing",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "call the `mtls_endpoint_aliases` endpoint with the registered client certificate, and make TLS-terminating proxies forward it",
        references: ["RFC 8705 §2", "RFC 8705 §3", "RFC 8705 §5", "RFC 9440"],
        explains_errors: [("invalid_client", 13), ("invalid_token", 9)],
        explains_statuses: [(ClientAuthUnauthorized, 13), (ResourceUnauthorized, 13)],
    }
}

impl Rule for Cred015 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if e.kind.is_back_channel() {
                if !client_auth_rejected(e) {
                    continue;
                }
                let Some((url, alias)) = mtls_alias_missed(cx.index, e) else {
                    continue;
                };
                let md = cx.index.metadata_for(e);
                let (_, desc) = server_error(e);
                let mentions_cert = ["certificate", "mtls", "tls"]
                    .iter()
                    .any(|w| desc.contains(w));
                let tls = advertises_tls_auth(md);
                if !tls && !mentions_cert {
                    continue;
                }
                let message = format!(
                    "the request carries no credentials other than a client_id and went to `{url}`, but the discovery document publishes the mTLS endpoint `{alias}` where the client certificate is requested{}",
                    outcome(e)
                );
                let mut rep = cx
                    .report(e.index, message)
                    .strength(if tls {
                        Strength::Direct
                    } else {
                        Strength::Heuristic
                    })
                    .text(e.index, "request.url", url.clone())
                    .text(e.index, "metadata.mtls_endpoint_aliases", alias.clone());
                if mentions_cert {
                    rep = rep.confirmed();
                }
                rep = with_server_signal(rep, e);
                rep.emit();
            } else if matches!(e.kind, Kind::Resource | Kind::Userinfo) {
                let Some(r) = &e.response else { continue };
                if r.status != 401 {
                    continue;
                }
                let (code, _) = server_error(e);
                if code.as_deref() != Some("invalid_token") {
                    continue;
                }
                let Some(token) = e.request.presented_token() else {
                    continue;
                };
                let Ok(d) = jwt::decode(&token) else { continue };
                let Some(thumb) = d
                    .claims
                    .get("cnf")
                    .and_then(|c| c.get("x5t#S256"))
                    .and_then(Value::as_str)
                else {
                    continue;
                };
                let message = format!(
                    "the access token is bound to a client certificate (`cnf.x5t#S256` `{thumb}`) and the resource answered `invalid_token`; the capture cannot show whether that certificate was presented (or forwarded by a proxy)"
                );
                let mut rep = cx
                    .report(e.index, message)
                    .strength(Strength::Absence)
                    .secret(
                        e.index,
                        "request.headers.authorization",
                        e.request.headers.get("authorization").unwrap_or(""),
                    )
                    .text(e.index, "access_token.claims.cnf.x5t#S256", thumb);
                rep = with_server_signal(rep, e);
                rep.emit();
            }
        }
    }
}
