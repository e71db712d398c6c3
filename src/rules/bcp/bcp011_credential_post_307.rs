//! `BCP011` credential-post-307: 307 redirect after a credential POST.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a POST of a login form (a body with a password field) answered with `307` or
    /// `308` to another origin — the client's redirect URI or any third party.
    ///
    /// ## Why it fails
    /// `307` and `308` make the browser repeat the POST with the same body at the new location,
    /// so the user's username and password are sent to the client or whoever the redirect
    /// points to (RFC 9700 §4.12). Authorization servers must use `303 See Other`.
    ///
    /// ## Example
    /// `POST https://idp.example.com/login` `username=…&password=…` →
    /// `307 Location: https://app.example.com/cb?code=…`.
    ///
    /// ## Fix
    /// An authorization-server defect: the server must answer the login POST with `303`.
    ///
    /// ## References
    /// RFC 9700 §4.12; RFC 9110 §15.4.4, §15.4.8
    pub struct Bcp011 {
        code: "BCP011",
        name: "credential-post-307",
        title: "307 redirect after a credential POST",
        category: Other,
        severity: Error,
        kind: Lint,
        fix: "the authorization server must answer the login POST with `303 See Other`, never 307/308",
        references: ["RFC 9700 §4.12", "RFC 9110 §15.4.4"],
    }
}

const PASSWORD_FIELDS: [&str; 6] = [
    "password",
    "passwd",
    "pwd",
    "pass",
    "j_password",
    "credential",
];

impl Rule for Bcp011 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex {
            if e.request.method != "POST" || e.kind == Kind::Token {
                continue;
            }
            let Some(r) = &e.response else { continue };
            if !matches!(r.status, 307 | 308) {
                continue;
            }
            let field = e.request.form.iter().map(|(k, _)| k).find(|k| {
                let k = k.to_ascii_lowercase();
                PASSWORD_FIELDS.iter().any(|f| {
                    k == *f || k.ends_with(&format!("[{f}]")) || k.ends_with(&format!(".{f}"))
                })
            });
            let Some(field) = field else { continue };
            let Some(loc) = r.location() else { continue };
            let target = e
                .request
                .parsed
                .as_ref()
                .and_then(|u| u.join(loc).ok())
                .or_else(|| Url::parse(loc).ok());
            let Some(target) = target else { continue };
            let from = origin_of(&e.request.url);
            let to = origin_of(target.as_str());
            if from == to {
                continue;
            }
            let message = format!(
                "the login POST with field `{field}` was answered {} to `{}`: the browser re-posts the credentials there",
                r.status,
                to.unwrap_or_default()
            );
            cx.report(e.index, message)
                .strength(Strength::Direct)
                .text(e.index, "response.status", r.status.to_string())
                .text(e.index, "response.headers.location", strip_uri(loc))
                .emit();
        }
    }
}
