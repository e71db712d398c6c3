//! `PARAM011` revocation-token-type-hint: revocation token_type_hint wrong or unsupported.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks revocation requests (RFC 7009): a `token_type_hint` other than `access_token` or
    /// `refresh_token` (for example `id_token`), and any `unsupported_token_type` answer, which it
    /// explains with the hint and, when the capture shows where the token came from, its real
    /// type. A missing hint is fine (it is optional).
    ///
    /// ## Why it fails
    /// Only access and refresh tokens are revocable types (RFC 7009 §2.1); ID tokens are not
    /// tokens the server can revoke. Many servers also cannot revoke self-contained access
    /// tokens and answer `unsupported_token_type` (§2.2.1).
    ///
    /// ## Example
    /// `token=eyJ…&token_type_hint=id_token` →
    /// `400 {"error":"unsupported_token_type"}`.
    ///
    /// ## Fix
    /// Omit the hint or set it correctly; revoke the refresh token where access tokens cannot be
    /// revoked; end the session (RP-initiated logout) instead of "revoking" an ID token.
    ///
    /// ## References
    /// RFC 7009 §2.1, §2.2.1, §4.1.2
    pub struct Param011 {
        code: "PARAM011",
        name: "revocation-token-type-hint",
        title: "revocation token_type_hint wrong or unsupported",
        category: Parameters,
        severity: Warning,
        kind: Diag,
        fix: "omit `token_type_hint` or set it to `access_token`/`refresh_token`; revoke the refresh token where access tokens cannot be revoked",
        references: ["RFC 7009 §2.1", "RFC 7009 §2.2.1"],
        explains_errors: [("unsupported_token_type", 0)],
    }
}

impl Rule for Param011 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.kind == Kind::Revocation) {
            let req = &e.request;
            let hint = body_param(req, "token_type_hint");
            let (code, _) = server_error(e);
            let unsupported = code.as_deref() == Some("unsupported_token_type");
            let bad_hint = hint
                .as_deref()
                .is_some_and(|h| !matches!(h, "access_token" | "refresh_token"));
            if !(unsupported || bad_hint) {
                continue;
            }
            // What the token really is, when the capture shows it being issued.
            let token = body_param(req, "token").unwrap_or_default();
            let actual = ex[..e.index].iter().rev().find_map(|t| {
                let r = t.response.as_ref()?;
                if t.kind != Kind::Token {
                    return None;
                }
                ["access_token", "refresh_token", "id_token"]
                    .into_iter()
                    .find(|f| !token.is_empty() && r.field(f) == Some(token.as_str()))
            });
            let mut msg = match (&hint, bad_hint) {
                (Some(h), true) => format!(
                    "the revocation request says `token_type_hint={h}`, which is not a revocable token type (`access_token`, `refresh_token`)"
                ),
                (Some(h), false) => {
                    format!("the server cannot revoke the token sent with `token_type_hint={h}`")
                }
                (None, _) => "the server cannot revoke the token type sent".to_string(),
            };
            if let Some(a) = actual {
                msg.push_str(&format!(
                    "; the token is the `{a}` of an earlier token response"
                ));
                if a == "access_token" && unsupported {
                    msg.push_str(": revoke the refresh token instead");
                }
            }
            msg.push_str(&outcome(e));
            let mut rep = cx.report(e.index, msg).text(
                e.index,
                "request.body.token_type_hint",
                hint.clone().unwrap_or_else(|| "(absent)".into()),
            );
            if unsupported {
                rep = rep.confirmed();
            }
            if !token.is_empty() {
                rep = rep.secret(e.index, "request.body.token", token.clone());
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
