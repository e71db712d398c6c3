//! `REDIR005` redirect-uri-pattern-or-open-redirect: pattern or open-redirecting redirect_uri.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags redirect URIs that look like patterns (a `*` wildcard) or that carry a return
    /// target pointing to another site in their own query (`next=`, `url=`, `return=`,
    /// `returnTo=`, `continue=`, `redirect=`, …). (The catalogue also mentions registered URIs
    /// with wildcards in the client configuration; a capture does not hold the registration,
    /// so only the URIs sent are checked.)
    ///
    /// ## Why it fails
    /// Pattern matching of redirect URIs and open redirectors on the client let an attacker
    /// steer the authorization code or token to a site they control (RFC 9700 §4.1, §4.11).
    /// Nothing fails today; the flow is exploitable.
    ///
    /// ## Example
    /// `redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fnext%3Dhttps%3A%2F%2Fevil.example`.
    ///
    /// ## Fix
    /// Register exact redirect URIs; keep the post-login destination in the session (or in
    /// `state`) and validate it against a list of local paths.
    ///
    /// ## References
    /// RFC 9700 §4.1, §4.11; RFC 6749 §10.15
    pub struct Redir005 {
        code: "REDIR005",
        name: "redirect-uri-pattern-or-open-redirect",
        title: "pattern or open-redirecting redirect_uri",
        category: RedirectUri,
        severity: Warning,
        kind: Lint,
        fix: "register exact redirect URIs and keep the post-login destination in the session, validated against local paths",
        references: ["RFC 9700 §4.1", "RFC 9700 §4.11", "RFC 6749 §10.15"],
    }
}

const RETURN_PARAMS: [&str; 16] = [
    "next",
    "url",
    "return",
    "returnto",
    "return_to",
    "returnurl",
    "return_url",
    "redirect",
    "redirect_uri",
    "redirect_url",
    "redirectto",
    "continue",
    "dest",
    "destination",
    "goto",
    "target",
];

impl Rule for Redir005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<String> = Vec::new();
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let Some(ru) = e.request.param("redirect_uri") else {
                continue;
            };
            if seen.contains(&ru) {
                continue;
            }
            let mut why = None;
            if ru.contains('*') {
                why = Some("it contains a `*` wildcard".to_string());
            } else if let Ok(u) = Url::parse(ru.trim()) {
                let host = u.host_str().unwrap_or("").to_ascii_lowercase();
                for (k, v) in u.query_pairs() {
                    if !RETURN_PARAMS.contains(&k.to_ascii_lowercase().as_str()) {
                        continue;
                    }
                    let target = if v.starts_with("//") {
                        Url::parse(&format!("https:{v}")).ok()
                    } else {
                        Url::parse(&v).ok()
                    };
                    if let Some(t) = target.filter(|t| matches!(t.scheme(), "http" | "https")) {
                        let th = t.host_str().unwrap_or("").to_ascii_lowercase();
                        if !th.is_empty() && th != host && !th.ends_with(&format!(".{host}")) {
                            why = Some(format!(
                                "its query parameter `{k}` sends the browser on to `{th}`, another site"
                            ));
                            break;
                        }
                    }
                }
            }
            let Some(why) = why else { continue };
            seen.push(ru.clone());
            cx.report(
                e.index,
                format!("`redirect_uri` `{ru}` can be abused as a redirector: {why}"),
            )
            .strength(Strength::Direct)
            .text(e.index, "request.query.redirect_uri", ru.clone())
            .emit();
        }
    }
}
