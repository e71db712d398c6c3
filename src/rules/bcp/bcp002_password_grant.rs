//! `BCP002` password-grant: resource owner password grant in use.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags token requests with `grant_type=password` (resource owner password credentials).
    /// When such a request failed, the finding names what the server's answer points to: the
    /// grant disabled for the client (`unsupported_grant_type`, `unauthorized_client` →
    /// `grant_type`), multi-factor authentication or another interaction the password grant
    /// cannot perform (→ `account_state`), or the user's password or account rejected
    /// (`invalid_grant` → `credentials`, the category of a wrong user password (docs/json-output.md, "Categories")).
    /// On a successful request it is a risk only.
    ///
    /// ## Why it fails
    /// The password grant exposes the user's password to the client, cannot do MFA, federation
    /// or consent, and is deprecated by RFC 9700 and removed in OAuth 2.1. Providers disable it
    /// per client or tenant, and it fails for federated or MFA-protected users.
    ///
    /// ## Example
    /// `POST /token` `grant_type=password&username=…&password=…` →
    /// `400 {"error":"invalid_grant","error_description":"AADSTS50076: … multi-factor authentication …"}`.
    ///
    /// ## Fix
    /// Use the authorization code grant with PKCE for users, the device authorization grant for
    /// input-constrained devices, and client credentials for services.
    ///
    /// ## References
    /// RFC 9700 §2.4; OAuth 2.1 draft §10; RFC 6749 §4.3
    pub struct Bcp002 {
        code: "BCP002",
        name: "password-grant",
        title: "resource owner password grant in use",
        category: GrantType,
        severity: Warning,
        kind: Both,
        fix: "use the authorization code grant with PKCE (device flow for input-constrained devices, client credentials for services)",
        references: ["RFC 9700 §2.4", "OAuth 2.1 draft §10", "RFC 6749 §4.3"],
        explains_errors: [("invalid_grant", 15)],
        grants: ["password"],
    }
}

const MFA_WORDS: [&str; 9] = [
    "multi-factor",
    "multifactor",
    "mfa",
    "two-factor",
    "2fa",
    "aadsts50076",
    "aadsts50079",
    "aadsts50158",
    "conditional access",
];

impl Rule for Bcp002 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let pw: Vec<&Exchange> = ex
            .iter()
            .filter(|e| {
                e.kind == Kind::Token
                    && e.request.param("grant_type").as_deref() == Some("password")
            })
            .collect();
        let mut reported_ok = false;
        for e in &pw {
            if !e.failed() {
                if reported_ok || pw.iter().any(|x| x.failed()) {
                    continue;
                }
                reported_ok = true;
                let message = "the client uses the resource owner password grant: it handles the user's password and cannot do MFA, federation or consent";
                cx.report(e.index, message)
                    .strength(Strength::Direct)
                    .text(e.index, "request.body.grant_type", "password")
                    .emit();
                continue;
            }
            let err = e.server_error();
            let code = err.as_ref().map(|x| x.code.as_str()).unwrap_or("");
            let desc = err
                .as_ref()
                .and_then(|x| x.description.clone())
                .unwrap_or_default()
                .to_ascii_lowercase();
            let (cat, strength, confirmed, why) = if matches!(
                code,
                "unsupported_grant_type" | "unauthorized_client"
            ) {
                (
                    Category::GrantType,
                    Strength::Direct,
                    true,
                    format!(
                        "the password grant failed: the server refused the grant itself (`{code}`), it is disabled for this client or tenant"
                    ),
                )
            } else if code == "interaction_required" || MFA_WORDS.iter().any(|w| desc.contains(w)) {
                (
                    Category::AccountState,
                    Strength::Direct,
                    true,
                    format!(
                        "the password grant failed: the server requires multi-factor authentication or another interaction (`{code}`), which the password grant cannot perform"
                    ),
                )
            } else if code == "invalid_grant" {
                (
                    Category::Credentials,
                    Strength::Heuristic,
                    false,
                    "the password grant failed: the server rejected the user's credentials (`invalid_grant`), a wrong password, a locked or federated account, or a grant the provider blocks".to_string(),
                )
            } else {
                (
                    Category::GrantType,
                    Strength::Absence,
                    false,
                    format!(
                        "the client uses the deprecated password grant (no MFA, federation or consent); this request failed for another reason (`{}`)",
                        if code.is_empty() {
                            "no error code"
                        } else {
                            code
                        }
                    ),
                )
            };
            let mut rep = cx
                .report(e.index, why)
                .category(cat)
                .strength(strength)
                .text(e.index, "request.body.grant_type", "password");
            if let Some(er) = &err {
                rep = rep.text(e.index, er.at, er.code.clone());
            }
            if confirmed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
