//! `REDIR004` loopback-redirect-variance: loopback redirect with port or host-name variance.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a rejected loopback redirect URI (`http://localhost:PORT/…`,
    /// `http://127.0.0.1:PORT/…`, `http://[::1]:PORT/…`) and says whether the port or the
    /// host spelling differs from a loopback URI that worked for the same client in the
    /// capture.
    ///
    /// ## Why it fails
    /// Native apps listen on an ephemeral port, so RFC 8252 §7.3 says the server must accept
    /// any port for loopback redirect URIs. Many servers still compare the whole string: a new
    /// port, or `localhost` where `127.0.0.1` is registered (RFC 8252 §8.3 recommends the IP
    /// literal), is a mismatch.
    ///
    /// ## Example
    /// Registered `http://127.0.0.1:8400/callback`; the app sends
    /// `http://localhost:51234/callback` → `invalid_redirect_uri`.
    ///
    /// ## Fix
    /// Use `127.0.0.1` (or `[::1]`) rather than `localhost`; with a server that compares ports,
    /// register each port or use a fixed one; prefer a server that ignores the loopback port.
    ///
    /// ## References
    /// RFC 8252 §7.3, §8.3; RFC 9700 §2.1
    pub struct Redir004 {
        code: "REDIR004",
        name: "loopback-redirect-variance",
        title: "loopback redirect with port or host-name variance",
        category: RedirectUri,
        severity: Warning,
        kind: Diag,
        fix: "use `127.0.0.1` rather than `localhost`, and register the port or use a server that ignores loopback ports",
        references: ["RFC 8252 §7.3", "RFC 8252 §8.3", "RFC 9700 §2.1"],
    }
}

impl Rule for Redir004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let Some(ru) = e.request.param("redirect_uri") else {
                continue;
            };
            let Ok(u) = Url::parse(ru.trim()) else {
                continue;
            };
            let host = u.host_str().unwrap_or("").to_string();
            if !is_loopback(&host) {
                continue;
            }
            let Some(rej) = redirect_rejection(e) else {
                continue;
            };
            let client = e.request.param("client_id");
            let good: Vec<(usize, String)> =
                known_good_uris(cx, client.as_deref(), e.request.host())
                    .into_iter()
                    .filter(|(_, g)| {
                        Url::parse(g)
                            .ok()
                            .and_then(|p| p.host_str().map(is_loopback))
                            .unwrap_or(false)
                    })
                    .collect();
            let (msg, strength, other) = match closest(&ru, &good) {
                Some((i, reg, _)) => {
                    let g = Url::parse(&reg).ok();
                    let gh = g.as_ref().and_then(|p| p.host_str()).unwrap_or("");
                    let mut what = Vec::new();
                    if gh != host {
                        what.push(format!("host `{host}` instead of `{gh}`"));
                    }
                    if g.as_ref().and_then(Url::port_or_known_default) != u.port_or_known_default()
                    {
                        what.push(format!(
                            "port `{}` instead of `{}`",
                            u.port_or_known_default().unwrap_or(0),
                            g.as_ref().and_then(Url::port_or_known_default).unwrap_or(0)
                        ));
                    }
                    if what.is_empty() {
                        continue; // not a loopback variance: REDIR001 explains it
                    }
                    (
                        format!(
                            "loopback `redirect_uri` `{ru}` was rejected ({}) while `{reg}` worked in exchange {}: {}",
                            rej.what,
                            i + 1,
                            what.join(", ")
                        ),
                        Strength::Recomputed,
                        Some((i, reg)),
                    )
                }
                // Without a URI that worked, only a loopback URI with nothing else suspicious
                // (a trailing slash, a query…) points at the port or host spelling.
                None if uri_suspects(&ru).iter().any(|s| {
                    !(s.contains("localhost")
                        || s.contains("loopback")
                        || s.starts_with("the port"))
                }) =>
                {
                    continue;
                }
                None => (
                    format!(
                        "loopback `redirect_uri` `{ru}` was rejected ({}): the server compares {} literally{}",
                        rej.what,
                        if u.port().is_some() {
                            "the host spelling and the port"
                        } else {
                            "the host spelling"
                        },
                        if host == "localhost" {
                            "; `localhost` and `127.0.0.1` are different registrations"
                        } else {
                            ""
                        }
                    ),
                    Strength::Heuristic,
                    None,
                ),
            };
            let mut rep = cx.report(e.index, msg).strength(strength).text(
                e.index,
                "request.query.redirect_uri",
                ru.clone(),
            );
            if let Some((i, reg)) = other {
                rep = rep.text(i, "request.query.redirect_uri", reg);
            }
            if rej.explicit {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}
