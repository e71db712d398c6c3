//! `JWT010` id-token-audience: id token audience or azp does not match client.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks the `aud` and `azp` of every ID token a client received against the `client_id` of
    /// the authorization request (else the token request's client): `aud` must contain it, and
    /// `azp`, when present, must equal it. An `aud` with several values and no `azp` is reported
    /// as information (OIDC Core errata set 2 dropped the `azp` requirement, older certified
    /// validators still reject it).
    ///
    /// ## Why it fails
    /// A client must reject an ID token not issued for it (OIDC Core §3.1.3.7 steps 3–5): the
    /// response may belong to another client's flow (mix-up), the client may be configured with
    /// the wrong client id, or the authorization server overrides the audience.
    ///
    /// ## Example
    /// Authorization request `client_id=acme-web`; ID token `aud: https://app.example.com` → the
    /// client fails with "aud mismatch, expected acme-web".
    ///
    /// ## Fix
    /// Make sure the token came from this client's own flow and the client is configured with
    /// the client id the authorization server uses as audience.
    ///
    /// ## References
    /// OIDC Core §2, §3.1.3.7
    pub struct Jwt010 {
        code: "JWT010",
        name: "id-token-audience",
        title: "id token audience or azp does not match client",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "check that the token came from this client's flow and that the client is configured with the client id the server uses as audience",
        references: ["OIDC Core §2", "OIDC Core §3.1.3.7"],
    }
}

/// The client id a token response was meant for: the authorization request's `client_id`, else
/// the token request's client identity.
fn client_of_token_exchange(cx: &Context<'_>, t: &Exchange) -> Option<String> {
    if t.request.form.get("code").is_some() {
        if let Some(az) = cx.index.authorize_for_token(cx.exchanges, t) {
            if let Some(c) = az.request.param("client_id") {
                return Some(c);
            }
        }
    }
    crate::model::flow::token_client_id(t)
}

impl Rule for Jwt010 {
    fn check(&self, cx: &mut Context<'_>) {
        for (t, v, d) in received_id_tokens(cx) {
            let Some(client) = client_of_token_exchange(cx, t) else {
                continue;
            };
            let aud = d.audiences();
            let azp = d.claim_str("azp");
            let (why, severity) = if !aud.contains(&client.as_str()) {
                (
                    format!(
                        "`aud` ({}) does not contain the client id `{client}`",
                        if aud.is_empty() {
                            "absent".to_string()
                        } else {
                            aud.iter()
                                .map(|a| format!("`{a}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    ),
                    Severity::Error,
                )
            } else if let Some(azp) = azp.filter(|a| *a != client) {
                (
                    format!("`azp: {azp}` is not the client id `{client}`"),
                    Severity::Error,
                )
            } else if aud.len() > 1 && azp.is_none() {
                (
                    format!(
                        "`aud` has {} values and there is no `azp`; validators older than OIDC Core errata set 2 reject it",
                        aud.len()
                    ),
                    Severity::Info,
                )
            } else {
                continue;
            };
            let (anchor, outcome) = id_token_anchor(cx, t);
            if outcome == Outcome::Accepted && severity == Severity::Error {
                continue;
            }
            let a = &cx.exchanges[anchor];
            let confirmed = is_failure(a) && server_says(a, &[], &["aud", "azp", "audience"]);
            let mut rep = cx
                .report(
                    anchor,
                    format!("the ID token from `{}`: {why}", t.request.endpoint()),
                )
                .severity(severity)
                .strength(Strength::Recomputed)
                .text(t.index, "jwt.claims", claims_text(&d, &["aud", "azp"]))
                .text(t.index, "client_id", client.clone())
                .secret(t.index, "response.body.id_token", v);
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
