//! `GRANT016` refresh-token-of-another-client: a refresh token sent by another client.

use super::*;
use crate::model::ledger::{Role, request_client};

declare_rule! {
    /// ## What it does
    /// Asks the capture's value ledger which client each refresh token was issued to, and
    /// reports a failing refresh that sends one as another client: the token response of
    /// exchange #N gave it to client `A`, the failing request authenticates as client `B`.
    /// (Authorization codes are GRANT005; device codes polled by another client, DEV007.)
    ///
    /// ## Why it fails
    /// A refresh token is bound to the client it was issued to (RFC 6749 §6, §10.4): the server
    /// refuses it from any other client with `invalid_grant`. Typical causes: two environments (staging, production) or two apps
    /// sharing one token store, a client_id that changed between deployments.
    ///
    /// ## Example
    /// `POST /token` as `webapp` → `200 {"refresh_token":"D-Ez…"}`; then
    /// `POST /token grant_type=refresh_token&refresh_token=D-Ez…` as `webapp-staging` →
    /// `400 invalid_grant`.
    ///
    /// ## Fix
    /// Refresh with the client the token was issued to; keep one token store per client.
    ///
    /// ## References
    /// RFC 6749 §6, §10.4
    pub struct Grant016 {
        code: "GRANT016",
        name: "refresh-token-of-another-client",
        title: "refresh token sent by another client",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "refresh with the client the token was issued to; keep one token store per client",
        references: ["RFC 6749 §6", "RFC 6749 §10.4"],
        explains_errors: [("invalid_grant", 4)],
        absorbs: ["EXP005"],
        grants: ["refresh_token"],
    }
}

impl Rule for Grant016 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let ledger = cx.index.ledger(ex);
        for &i in cx.index.failures() {
            let e = &ex[i];
            if !e.is_token_request() {
                continue;
            }
            if !e.is_refresh() {
                continue;
            }
            let (name, role) = ("refresh_token", Role::RefreshToken);
            let Some(v) = e.request.param(name).filter(|v| !v.is_empty()) else {
                continue;
            };
            let Some(issue) = ledger.issued_before(&v, i).filter(|x| x.role == role) else {
                cx.cannot_tell(i, format!("the `{name}` was not issued in the capture"));
                continue;
            };
            let (Some(to), Some(by)) = (issue.client.clone(), request_client(e)) else {
                cx.cannot_tell(i, "the capture does not name both clients");
                continue;
            };
            if to == by {
                cx.rule_out(
                    i,
                    format!("the `{name}` was issued to and sent by client `{by}`"),
                );
                continue;
            }
            let message = format!(
                "the `{name}` was issued to client `{to}` (exchange #{}) but this request authenticates as `{by}`",
                issue.exchange + 1
            );
            cx.report(i, message)
                .strength(Strength::Recomputed)
                .secret(i, format!("request.body.{name}"), v.clone())
                .secret(issue.exchange, issue.at.clone(), v)
                .text(issue.exchange, "request client", to)
                .text(i, "request client", by)
                .emit();
        }
    }
}
