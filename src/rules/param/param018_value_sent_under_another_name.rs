//! `PARAM018` value-sent-under-another-name: a token or code was sent as another kind of value.

use super::*;
use crate::model::ledger::Role;

declare_rule! {
    /// ## What it does
    /// Asks the capture's value ledger where each value a failing request sends came from. It
    /// reports a value sent under another name than the one it was issued as: the access token
    /// of a token response sent as `refresh_token`, a `user_code` sent as `device_code`, a
    /// refresh token presented as a bearer token, an authorization code sent as a refresh
    /// token. (An ID token presented as the access token is JWT005.)
    ///
    /// ## Why it fails
    /// Every value is only valid where it was issued for: the server looks the value up among
    /// the refresh tokens (or device codes) it issued and finds nothing, so it answers
    /// `invalid_grant` (RFC 6749 §5.2; RFC 8628 §3.4) or `invalid_token` (RFC 6750 §3.1). The
    /// client read the wrong field of a response, or stored two tokens under one key.
    ///
    /// ## Example
    /// `POST /token grant_type=refresh_token` → `200 {"access_token":"KK7L…","refresh_token":"8fQ2…"}`;
    /// later `POST /token grant_type=refresh_token&refresh_token=KK7L…` → `400 invalid_grant`.
    ///
    /// ## Fix
    /// Send each value under the name it was issued as: the `refresh_token` of the token
    /// response as `refresh_token`, the `device_code` (not the `user_code`) when polling.
    ///
    /// ## References
    /// RFC 6749 §5.1, §6; RFC 8628 §3.2, §3.4; RFC 6750 §2.1
    pub struct Param018 {
        code: "PARAM018",
        name: "value-sent-under-another-name",
        title: "value sent under another name than it was issued as",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send each value under the name it was issued as (the `refresh_token` as `refresh_token`, the `device_code` when polling)",
        references: ["RFC 6749 §5.1", "RFC 6749 §6", "RFC 8628 §3.4", "RFC 6750 §2.1"],
        explains_errors: [("invalid_grant", 3), ("invalid_token", 1), ("expired_token", 2)],
        absorbs: ["EXP005", "EXP001", "DEV004", "STAT009"],
    }
}

/// The values a request sends, each with the name it is sent under and where.
fn sent(e: &Exchange) -> Vec<(String, Role, &'static str)> {
    let mut out = Vec::new();
    if e.is_token_request() {
        for (name, role, at) in [
            ("code", Role::Code, "request.body.code"),
            (
                "refresh_token",
                Role::RefreshToken,
                "request.body.refresh_token",
            ),
            ("device_code", Role::DeviceCode, "request.body.device_code"),
        ] {
            if let Some(v) = e.request.param(name).filter(|v| !v.is_empty()) {
                out.push((v, role, at));
            }
        }
    }
    if matches!(e.kind, Kind::Resource | Kind::Userinfo) {
        if let Some(v) = e.request.presented_token() {
            out.push((v, Role::AccessToken, "request.headers.authorization"));
        }
    }
    out
}

impl Rule for Param018 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let ledger = cx.index.ledger(ex);
        for &i in cx.index.failures() {
            let e = &ex[i];
            let values = sent(e);
            if values.is_empty() {
                continue;
            }
            let mut issued_anywhere = false;
            let mut reported = false;
            for (v, as_role, at) in values {
                let Some(issue) = ledger.issued_before(&v, i) else {
                    continue;
                };
                issued_anywhere = true;
                if issue.role == as_role
                    || (issue.role == Role::IdToken && as_role == Role::AccessToken)
                {
                    continue;
                }
                let message = format!(
                    "the `{}` this request sends is {} exchange #{} issued (`{}`), not {}",
                    as_role.name(),
                    issue.role.described(),
                    issue.exchange + 1,
                    issue.role.name(),
                    as_role.described()
                );
                cx.report(i, message)
                    .strength(Strength::Recomputed)
                    .secret(i, at, v.clone())
                    .secret(issue.exchange, issue.at.clone(), v)
                    .emit();
                reported = true;
            }
            if !reported && issued_anywhere {
                cx.rule_out(i, "each value is sent under the name it was issued as");
            }
        }
    }
}
