//! `STAT014` authorization-error-response: authorization error redirected to the client.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an authorization response (the redirect back to the client) that carries `error`
    /// instead of `code`, and maps the code to its root cause.
    ///
    /// ## Why it fails
    /// `access_denied`: the user or a policy said no. `invalid_scope`, `unauthorized_client`,
    /// `unsupported_response_type`: client configuration. `login_required`, `consent_required`,
    /// `interaction_required`, `account_selection_required` after `prompt=none` are expected:
    /// the silent attempt could not finish without the user.
    ///
    /// ## Example
    /// `302 Location: https://app.example.com/cb?error=access_denied&state=…`
    ///
    /// ## Fix
    /// Map per code; for the `prompt=none` codes, fall back to an interactive login (iframes
    /// often lose third-party cookies).
    ///
    /// ## References
    /// RFC 6749 §4.1.2.1; OpenID Connect Core §3.1.2.6
    pub struct Stat014 {
        code: "STAT014",
        name: "authorization-error-response",
        title: "authorization error redirected to the client",
        category: ScopeConsent,
        severity: Error,
        kind: Diag,
        fix: "act on the error code: user or policy refusal, client configuration, or fall back to interactive login after prompt=none",
        references: ["RFC 6749 §4.1.2.1", "OpenID Connect Core §3.1.2.6"],
        explains_errors: [
            ("access_denied", 0), ("account_selection_required", 0), ("consent_required", 0),
            ("interaction_required", 0), ("login_required", 0),
        ],
        role: Restates,
    }
}

impl Rule for Stat014 {
    fn check(&self, cx: &mut Context<'_>) {
        for a in &cx.index.authz_responses {
            let Some(code) = a.params.get("error") else {
                continue;
            };
            let e = &cx.exchanges[a.exchange];
            let desc = a.params.get("error_description");
            let cat = crate::diagnosis::fallback_category(code, Kind::Authorize, None, desc);
            let msg = format!(
                "the authorization response carries `error={code}`{}",
                desc.map(|d| format!(": {d}")).unwrap_or_default()
            );
            cx.report(e.index, msg)
                .category(cat)
                .strength(Strength::Direct)
                .confirmed()
                .text(e.index, a.at("error"), code)
                .emit();
        }
    }
}
