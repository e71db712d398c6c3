//! `CRED005` client-secret-in-url: client secret in the URL query.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags any request whose URL query carries `client_secret` or `client_assertion`: token
    /// requests with credentials in the query string, authorization requests with the secret
    /// appended, API calls with `?client_id=…&client_secret=…`.
    ///
    /// ## Why it fails
    /// RFC 6749 §2.3.1 forbids client credentials in the request URI. URLs are written to proxy
    /// and server access logs, browser history and `Referer` headers: the secret must be treated
    /// as leaked even when the server accepted the request. Many servers also ignore query
    /// credentials and answer `invalid_client`.
    ///
    /// ## Example
    /// `POST https://idp.example.com/oauth2/token?client_id=…&client_secret=…` with
    /// `grant_type=client_credentials` in the body → `200`, and the secret is in the access log.
    ///
    /// ## Fix
    /// Send the credentials in the `Authorization: Basic` header or the POST body; rotate the
    /// secret, which is now in logs and history.
    ///
    /// ## References
    /// RFC 6749 §2.3.1; RFC 9700 §4.3
    pub struct Cred005 {
        code: "CRED005",
        name: "client-secret-in-url",
        title: "client secret in the URL query",
        category: Credentials,
        severity: Error,
        kind: Lint,
        fix: "send client credentials in the `Authorization` header or the POST body, and rotate the secret: it is now in logs and browser history",
        references: ["RFC 6749 §2.3.1", "RFC 9700 §4.3"],
    }
}

impl Rule for Cred005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        // One finding per leaked value, on the first request that carried it: a lint explains no
        // failure, so it is anchored where the leak started.
        let mut seen: Vec<String> = Vec::new();
        for e in ex {
            if e.kind == Kind::Callback {
                continue;
            }
            for name in ["client_secret", "client_assertion"] {
                let Some(v) = e.request.query.non_empty(name) else {
                    continue;
                };
                if seen.iter().any(|s| s == v) {
                    continue;
                }
                seen.push(v.to_string());
                let count = ex
                    .iter()
                    .filter(|x| x.request.query.get(name) == Some(v))
                    .count();
                let message = format!(
                    "`{}` carries `{name}` in its URL query ({}){}; it is now in access logs and history",
                    e.request.endpoint(),
                    describe_secret(v),
                    if count > 1 {
                        format!(", and {} more request(s) repeat it", count - 1)
                    } else {
                        String::new()
                    }
                );
                cx.report(e.index, message)
                    .secret(e.index, format!("request.query.{name}"), v)
                    .emit();
            }
        }
    }
}
