//! `BCP008` no-mix-up-defence: no mix-up defence with multiple authorization servers.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a client that sends authorization requests to two or more authorization servers
    /// with the same `redirect_uri` while the authorization responses carry no `iss`
    /// parameter. Servers are told apart by the metadata `issuer` when the capture holds it,
    /// else by the authorization endpoint URL.
    ///
    /// ## Why it fails
    /// With one shared redirect URI and no issuer in the response, the client cannot tell which
    /// server a code came from, so an attacker-controlled server can make it redeem an honest
    /// server's code at the attacker's token endpoint (mix-up attack, RFC 9700 §4.4).
    ///
    /// ## Example
    /// Authorization requests to `https://login.idp-a.example/authorize` and
    /// `https://accounts.idp-b.example/o/oauth2/auth`, both with
    /// `redirect_uri=https://app.example.com/callback`; callbacks with `code` and `state` only.
    ///
    /// ## Fix
    /// Use a distinct redirect URI per authorization server, or check the RFC 9207 `iss`
    /// parameter (and the issuer the transaction started with) on every response.
    ///
    /// ## References
    /// RFC 9700 §4.4; RFC 9207 §2, §2.4
    pub struct Bcp008 {
        code: "BCP008",
        name: "no-mix-up-defence",
        title: "no mix-up defence with multiple authorization servers",
        category: AudienceIssuer,
        severity: Warning,
        kind: Lint,
        fix: "use a distinct redirect URI per authorization server, or validate the RFC 9207 `iss` parameter on every response",
        references: ["RFC 9700 §4.4", "RFC 9207 §2.4"],
    }
}

impl Rule for Bcp008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        // redirect endpoint → [(issuer, exchange)]
        let mut by_uri: Vec<(String, Vec<(String, usize)>)> = Vec::new();
        for e in ex.iter().filter(|e| e.kind == Kind::Authorize) {
            let Some(ru) = e.request.param("redirect_uri") else {
                continue;
            };
            let issuer = az_metadata(cx, e)
                .and_then(|m| m.get("issuer").and_then(|v| v.as_str()))
                .map(str::to_string)
                .unwrap_or_else(|| e.request.endpoint());
            let key = strip_uri(&ru);
            match by_uri.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => {
                    if !v.iter().any(|(i, _)| *i == issuer) {
                        v.push((issuer, e.index));
                    }
                }
                None => by_uri.push((key, vec![(issuer, e.index)])),
            }
        }
        let cbs = callbacks(cx);
        for (uri, issuers) in by_uri {
            if issuers.len() < 2 {
                continue;
            }
            let responses: Vec<_> = cbs.iter().filter(|c| c.endpoint == uri).collect();
            if responses.is_empty() || responses.iter().any(|c| c.params.has("iss")) {
                continue;
            }
            let anchor = responses
                .iter()
                .map(|c| c.anchor())
                .find(|&i| !ex[i].failed())
                .unwrap_or(issuers[1].1);
            let names: Vec<String> = issuers.iter().map(|(i, _)| format!("`{i}`")).collect();
            let message = format!(
                "{} authorization servers ({}) redirect to the same `{uri}` and no authorization response carries `iss`: the client cannot tell which server a code came from",
                issuers.len(),
                names.join(", ")
            );
            let mut rep = cx.report(anchor, message).strength(Strength::Direct);
            for (iss, i) in &issuers {
                rep = rep.text(*i, "request.url", iss.clone());
            }
            rep.emit();
        }
    }
}
