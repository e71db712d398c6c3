//! `PROV001` provider-error-code: provider error code recognised.

use super::*;

declare_rule! {
    /// ## What it does
    /// Reads the identity provider's own error code in its own dialect — Entra `AADSTS…` codes
    /// in `error_description` and `error_codes`, Google reasons, GitHub `error` in a 200 form
    /// body, Facebook `code`/`error_subcode`, Slack `ok:false`, Okta `errorCode`, Cognito
    /// `__type`, … — and matches it against the knowledge base of documented provider errors.
    /// The finding takes the entry's root-cause category, title, fix and documentation link
    /// (`oauth-doctor explain CODE` prints the entry's full meaning and source).
    ///
    /// ## Why it fails
    /// The standard `error` value alone often names the wrong cause: Entra's `invalid_grant`
    /// with `AADSTS50076` is a missing MFA step, not a bad grant; Facebook's code 190 means
    /// "password changed" with subcode 460 and "expired" with 463; Keycloak says
    /// `unauthorized_client` or `invalid_client` for the same wrong secret depending on its
    /// version. The provider's code says what actually happened.
    ///
    /// ## Example
    /// `POST https://login.microsoftonline.com/{tenant}/oauth2/token` → `401`
    /// `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret
    /// provided. Ensure the secret being sent in the request is the client secret value, not
    /// the client secret ID…"}`: the secret's ID was pasted where its value belongs.
    ///
    /// ## Fix
    /// Apply the fix the entry gives (`oauth-doctor explain CODE` prints it with its source).
    /// When a code is ambiguous (Google "Bad Request", Okta "invalid or has expired"), the
    /// request evidence of other findings tells the causes apart.
    ///
    /// ## References
    /// RFC 6749 §5.2; docs/signatures.md; the provider's documentation linked in each finding
    pub struct Prov001 {
        code: "PROV001",
        name: "provider-error-code",
        title: "provider error code recognised",
        category: Other,
        severity: Error,
        kind: Diag,
        fix: "follow the provider's documented fix for the code (`oauth-doctor explain CODE`)",
        references: ["RFC 6749 §5.2"],
        absorbs: ["STAT002", "STAT016"],
    }
}

fn seen_phrase(e: &Exchange) -> String {
    match e.kind {
        Kind::Callback | Kind::Authorize => "the authorization response carried".to_string(),
        Kind::Resource => "the API call got".to_string(),
        Kind::Other => "the request got".to_string(),
        k => format!("the {} request got", k.as_str()),
    }
}

impl Rule for Prov001 {
    fn check(&self, cx: &mut Context<'_>) {
        let mut redirected: HashSet<(String, String)> = HashSet::new();
        for e in cx.exchanges {
            if !e.failed() || e.kind == Kind::Preflight {
                continue;
            }
            let Some(p) = provider_of(cx, e.index) else {
                continue;
            };
            let x = matcher::extract(p, e);
            if x.page && e.kind == Kind::Authorize {
                continue; // PROV004
            }
            let ms = matcher::best(p, &x);
            let Some(m) = ms.first() else {
                continue;
            };
            // An authorization error is seen twice: in the Location header and in the callback.
            if m.at == "response.headers.location" || m.at == "request.url.error" {
                let key = (m.code.to_lowercase(), x.description().unwrap_or_default());
                if !redirected.insert(key) {
                    continue;
                }
            }
            report_matches(cx, e, p, &ms, &x, &seen_phrase(e));
        }
    }
}
