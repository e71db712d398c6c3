//! `REDIR003` redirect-uri-without-tls: non-TLS redirect_uri.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a `redirect_uri` that uses plain `http` on a host that is not a loopback address
    /// (`localhost`, `127.0.0.1`, `[::1]`). Reported once per redirect URI, on the exchange it
    /// failed on if any.
    ///
    /// ## Why it fails
    /// The authorization code (or token) travels to the redirect URI in the clear, where
    /// anything on the path can read it. OAuth 2.1 and RFC 9700 require TLS for redirect URIs
    /// except loopback redirects of native apps (RFC 8252 §7.3), and strict servers reject
    /// `http` redirect URIs outright.
    ///
    /// ## Example
    /// `redirect_uri=http%3A%2F%2Fapp.example.com%2Fcallback`.
    ///
    /// ## Fix
    /// Serve the callback over https and register the `https` URI; use `http` only for
    /// `http://127.0.0.1:{port}` loopback redirects of native apps.
    ///
    /// ## References
    /// RFC 6749 §3.1.2.1; RFC 8252 §7.3, §8.3; RFC 9700 §2.1; OAuth 2.1 draft §2.3.1
    pub struct Redir003 {
        code: "REDIR003",
        name: "redirect-uri-without-tls",
        title: "non-TLS redirect_uri",
        category: RedirectUri,
        severity: Warning,
        kind: Both,
        fix: "serve the callback over https and register that URI; keep http only for loopback redirects of native apps",
        references: ["RFC 6749 §3.1.2.1", "RFC 8252 §7.3", "RFC 9700 §2.1"],
    }
}

impl Rule for Redir003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<String> = Vec::new();
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let Some(ru) = e.request.param("redirect_uri") else {
                continue;
            };
            let Ok(u) = Url::parse(ru.trim()) else {
                continue;
            };
            if u.scheme() != "http" || u.host_str().is_none_or(is_loopback) {
                continue;
            }
            if seen.contains(&ru) {
                continue;
            }
            seen.push(ru.clone());
            // Anchor on the first exchange with this URI that failed, else the first one.
            let anchor = ex
                .iter()
                .filter(|x| {
                    is_authz_request(x) && x.request.param("redirect_uri").as_deref() == Some(&ru)
                })
                .find(|x| x.failed())
                .unwrap_or(e);
            let rejection = redirect_rejection(anchor);
            let rejected = rejection.is_some();
            let for_tls = rejection
                .as_ref()
                .is_some_and(RedirectRejection::demands_https);
            let mut rep = cx
                .report(
                    anchor.index,
                    format!(
                        "`redirect_uri` `{ru}` uses plain http on the non-loopback host `{}`{}",
                        u.host_str().unwrap_or(""),
                        if for_tls {
                            "; the server rejected it and requires https"
                        } else if rejected {
                            "; the server rejected it"
                        } else {
                            ": the authorization response crosses the network unencrypted"
                        }
                    ),
                )
                .strength(Strength::Direct)
                .text(anchor.index, "request.query.redirect_uri", ru.clone());
            if for_tls {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
