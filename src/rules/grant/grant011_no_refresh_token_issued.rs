//! `GRANT011` no-refresh-token-issued: no refresh token issued.

use super::*;
use crate::model::{is_unset_literal, unset_literal_kind};

declare_rule! {
    /// ## What it does
    /// Flags a failed refresh request whose `refresh_token` is absent, empty or a placeholder a
    /// program prints for an unset variable (`undefined`, `null`, `None`, `nil`,
    /// `[object Object]`), and shows why there was no refresh token: the token responses in the
    /// capture carry none, and the authorization request did not ask for `offline_access`.
    /// Reported with the category `parameters` (the request carries no usable refresh token);
    /// the catalogue's severity is `warning`, raised to `error` here because the server rejected
    /// the request.
    ///
    /// ## Why it fails
    /// A refresh token is optional in a token response (RFC 6749 §5.1). OpenID Connect providers
    /// issue one only for the `offline_access` scope (OIDC Core §11) or a provider flag
    /// (`access_type=offline` at Google). A client that assumes one always exists later sends
    /// `refresh_token=undefined` and gets `invalid_grant` or `invalid_request`.
    ///
    /// ## Example
    /// Authorization with `scope=openid profile email`, token response without `refresh_token`;
    /// 55 minutes later `grant_type=refresh_token&refresh_token=undefined` → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Request `offline_access` (with `prompt=consent` where the provider requires it) or the
    /// provider's offline flag, and handle a missing refresh token by sending the user through
    /// authorization again.
    ///
    /// ## References
    /// RFC 6749 §5.1, §6; OpenID Connect Core §11
    pub struct Grant011 {
        code: "GRANT011",
        name: "no-refresh-token-issued",
        title: "no refresh token issued",
        category: Parameters,
        severity: Warning,
        kind: Diag,
        fix: "request `offline_access` (or the provider's offline flag) to get a refresh token, and handle its absence by re-authorizing",
        references: ["RFC 6749 §5.1", "RFC 6749 §6", "OpenID Connect Core §11"],
    }
}

impl Rule for Grant011 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for e in ex.iter().filter(|e| e.is_refresh() && e.failed()) {
            let value = e.request.param("refresh_token");
            // The value is described, not quoted: the redactor treats every refresh_token
            // value as a secret and would scrub it from the message.
            let shown = match value.as_deref() {
                None => "no `refresh_token` parameter".to_string(),
                Some(v) if v.trim().is_empty() => "an empty `refresh_token`".to_string(),
                Some(v) if is_unset_literal(v) => format!(
                    "a placeholder instead of a refresh token ({})",
                    unset_literal_kind(v).unwrap_or_default()
                ),
                Some(_) => continue,
            };
            let client = token_identity(e).map(|(c, _)| c);
            let earlier: Vec<&Exchange> = ex[..e.index]
                .iter()
                .filter(|x| {
                    x.is_token_request()
                        && x.succeeded()
                        && x.response
                            .as_ref()
                            .is_some_and(|r| r.field("access_token").is_some())
                        && (client.is_none() || token_identity(x).map(|(c, _)| c) == client)
                })
                .collect();
            let without: Vec<&&Exchange> = earlier
                .iter()
                .filter(|x| x.issued_refresh().is_none())
                .collect();
            let mut why = String::new();
            if !earlier.is_empty() && without.len() == earlier.len() {
                // Successes only counted, not kept, are not known not to have issued one.
                let among = if cx.options.summarised > 0 {
                    "among the exchanges kept in full"
                } else {
                    "in the capture"
                };
                why.push_str(&format!(
                    "; no token response {among} issued a refresh token (exchange #{} has none)",
                    without.last().map(|x| x.number()).unwrap_or(0)
                ));
            }
            let az = earlier
                .iter()
                .rev()
                .find(|x| x.is_code_redemption())
                .and_then(|x| idx.authorize_of(ex, x))
                .map(|(a, _, _)| a);
            let mut scope_ev = None;
            if let Some(a) = az {
                if let Some(scope) = idx.az_param(ex, a, "scope") {
                    if !scope_set(&scope).contains("offline_access")
                        && idx.az_param(ex, a, "access_type").as_deref() != Some("offline")
                    {
                        why.push_str(&format!(
                            "; the authorization request (exchange #{}) asked for `{scope}` without `offline_access`",
                            a.number()
                        ));
                        scope_ev = Some((a.index, scope));
                    }
                }
            }
            let mut rep = cx
                .report(e.index, format!("the refresh request sends {shown}{why}"))
                .severity(Severity::Error)
                .strength(Strength::Direct)
                .text(
                    e.index,
                    "request.body.refresh_token",
                    value.unwrap_or_else(|| "(absent)".into()),
                );
            if let Some((i, scope)) = scope_ev {
                rep = rep.text(i, "request.query.scope", scope);
            }
            if let Some(x) = without.last() {
                rep = rep.text(x.index, "response.body.refresh_token", "(absent)");
            }
            let err = err_of(e);
            if signal_is(e, &["invalid_request"]) {
                rep = rep.confirmed();
            }
            if let Some(x) = err {
                rep = rep.text(e.index, x.at, x.code);
            }
            rep.emit();
        }
    }
}
