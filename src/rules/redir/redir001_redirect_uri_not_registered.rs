//! `REDIR001` redirect-uri-not-registered: redirect_uri not registered or not an exact match.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an authorization (or pushed authorization) request whose `redirect_uri` the
    /// authorization server rejected — `redirect_uri_mismatch`, `invalid_redirect_uri`, an
    /// `invalid_request` whose description blames the redirect URI, or an error page saying so
    /// (Entra `AADSTS50011`, Keycloak "Invalid parameter: redirect_uri", Google "Error 400:
    /// redirect_uri_mismatch") — and says how the sent value differs from a registered one.
    /// When the same capture shows another redirect URI working for the same client, the two
    /// are compared component by component (scheme, host, `localhost` vs `127.0.0.1`, port,
    /// trailing slash, path case, query, percent-encoding); otherwise the features that usually
    /// differ from the registration are listed.
    ///
    /// ## Why it fails
    /// The authorization server compares the redirect URI with the client's registered URIs by
    /// simple string comparison (RFC 9700 §2.1, OAuth 2.1): `https://app.example.com/cb/` is not
    /// `https://app.example.com/cb`, `http://localhost:3000` is not `http://127.0.0.1:3000`. It
    /// must not redirect to an unverified URI, so the user sees an error page and the client
    /// gets nothing back.
    ///
    /// ## Example
    /// `GET /authorize?client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback%2F…`
    /// → `400 {"error":"invalid_redirect_uri"}` while `https://app.example.com/callback` is
    /// registered.
    ///
    /// ## Fix
    /// Register the exact URI the client sends, or make the client send a registered URI byte
    /// for byte (same scheme, host, port, path, trailing slash and no extra query).
    ///
    /// ## References
    /// RFC 6749 §3.1.2.2–§3.1.2.4; RFC 9700 §2.1, §4.1; OAuth 2.1 draft §2.3.1
    pub struct Redir001 {
        code: "REDIR001",
        name: "redirect-uri-not-registered",
        title: "redirect_uri not registered or not an exact match",
        category: RedirectUri,
        severity: Error,
        kind: Diag,
        fix: "register the exact redirect URI the client sends, or send a registered one byte for byte (scheme, host, port, path, trailing slash)",
        references: ["RFC 6749 §3.1.2.2", "RFC 6749 §3.1.2.4", "RFC 9700 §2.1", "RFC 9700 §4.1"],
        explains_statuses: [(AuthorizeRejected, 1)],
    }
}

/// An `http` URI on a host that is not a loopback address.
fn plain_http_remote(uri: &str) -> bool {
    Url::parse(uri.trim())
        .is_ok_and(|u| u.scheme() == "http" && u.host_str().is_some_and(|h| !is_loopback(h)))
}

/// Two loopback URIs that differ only in the host spelling or the port (REDIR004's case).
fn loopback_variance_only(sent: &str, reg: &str) -> bool {
    let (Ok(a), Ok(b)) = (Url::parse(sent.trim()), Url::parse(reg)) else {
        return false;
    };
    let lo = |u: &Url| u.host_str().is_some_and(is_loopback);
    lo(&a) && lo(&b) && a.scheme() == b.scheme() && a.path() == b.path() && a.query() == b.query()
}

impl Rule for Redir001 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let Some(rej) = redirect_rejection(e) else {
                continue;
            };
            let Some(sent) = e.request.param("redirect_uri") else {
                continue; // REDIR006
            };
            // A more specific rule explains the rejection: not absolute or with a fragment
            // (REDIR002), plain http refused as such (REDIR003).
            if not_absolute(&sent).is_some() && !is_double_encoded(&sent)
                || plain_http_remote(&sent) && rej.demands_https()
            {
                continue;
            }
            let client = e.request.param("client_id");
            let good = known_good_uris(cx, client.as_deref(), e.request.host());
            // A value still percent-encoded after one decode: a double-encoding root cause.
            let double_encoded = is_double_encoded(&sent);
            let (msg, strength, other) = match closest(&sent, &good) {
                // Only the loopback port or host spelling differ: REDIR004.
                Some((_, reg, _)) if loopback_variance_only(&sent, &reg) => continue,
                Some((i, reg, diff)) => (
                    format!(
                        "the authorization server rejected `redirect_uri` `{sent}` ({}); `{reg}` worked for the same client in exchange {}: they differ in {}",
                        rej.what,
                        i + 1,
                        diff.join("; ")
                    ),
                    Strength::Recomputed,
                    Some((i, reg)),
                ),
                None => {
                    let suspects = uri_suspects(&sent);
                    let hint = if suspects.is_empty() {
                        "it is not among the client's registered URIs (compared byte for byte)"
                            .to_string()
                    } else {
                        format!(
                            "it must equal a registered URI byte for byte; check {}",
                            suspects.join("; ")
                        )
                    };
                    (
                        format!(
                            "the authorization server rejected `redirect_uri` `{sent}` ({}): {hint}",
                            rej.what
                        ),
                        if rej.explicit {
                            Strength::Direct
                        } else {
                            Strength::Heuristic
                        },
                        None,
                    )
                }
            };
            let at = if e.request.query.has("redirect_uri") {
                "request.query.redirect_uri"
            } else {
                "request.body.redirect_uri"
            };
            let mut rep = cx
                .report(e.index, msg)
                .strength(strength)
                .text(e.index, at, sent.clone())
                .text(e.index, rej.at.clone(), rej.what.clone());
            if rej.explicit {
                rep = rep.confirmed();
            }
            if double_encoded {
                rep = rep.category(Category::ContentTypeEncoding);
            }
            if let Some((i, reg)) = other {
                rep = rep.text(i, "request.query.redirect_uri", reg);
            }
            rep.emit();
        }
    }
}
