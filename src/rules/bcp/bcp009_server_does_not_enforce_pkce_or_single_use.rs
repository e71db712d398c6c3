//! `BCP009` server-does-not-enforce-pkce-or-single-use: authorization server fails to enforce PKCE or single-use codes.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an authorization server that issued tokens although it should have refused: the
    /// authorization request had a `code_challenge` and the token request sent no
    /// `code_verifier` or one whose transform does not equal the challenge (recomputed); the
    /// token request sent a `code_verifier` for an authorization request without challenge
    /// (PKCE downgrade); or the same authorization code was redeemed successfully twice. The
    /// authorization request is found through the code (authorization response → `state`), never
    /// guessed.
    ///
    /// ## Why it fails
    /// These are the checks that make PKCE and single-use codes protect anything (RFC 7636
    /// §4.6, RFC 9700 §2.1.1, §4.8.2, RFC 6749 §4.1.2). A server that skips them accepts stolen
    /// or injected codes. The client's exchange succeeded; the defect is on the server.
    ///
    /// ## Example
    /// Authorization request with `code_challenge=E9Mel…&code_challenge_method=S256`; token
    /// request without `code_verifier` → `200 {"access_token":"…"}`.
    ///
    /// ## Fix
    /// An authorization-server defect: enable PKCE enforcement and single-use codes, or upgrade
    /// or report the server. The client should still send the matching verifier.
    ///
    /// ## References
    /// RFC 7636 §4.6; RFC 9700 §2.1.1, §4.8.2; RFC 6749 §4.1.2, §10.5
    pub struct Bcp009 {
        code: "BCP009",
        name: "server-does-not-enforce-pkce-or-single-use",
        title: "authorization server fails to enforce PKCE or single-use codes",
        category: Pkce,
        severity: Error,
        kind: Lint,
        fix: "enable PKCE enforcement and single-use authorization codes at the authorization server (upgrade or report it)",
        references: ["RFC 7636 §4.6", "RFC 9700 §2.1.1", "RFC 9700 §4.8.2", "RFC 6749 §10.5"],
    }
}

impl Rule for Bcp009 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let cbs = callbacks(cx);
        let redemptions: Vec<&Exchange> = ex
            .iter()
            .filter(|e| {
                e.kind == Kind::Token
                    && e.request.param("grant_type").as_deref() == Some("authorization_code")
            })
            .collect();
        let mut double_reported: Vec<String> = Vec::new();
        for e in &redemptions {
            let Some(code) = e.request.param("code").filter(|c| !c.is_empty()) else {
                continue;
            };
            if !issued_access_token(e) {
                continue;
            }
            // Same code redeemed successfully before.
            if let Some(first) = redemptions.iter().find(|x| {
                x.index < e.index
                    && x.request.param("code").as_deref() == Some(&code)
                    && issued_access_token(x)
            }) {
                if !double_reported.contains(&code) {
                    double_reported.push(code.clone());
                    let message = format!(
                        "the same authorization code was redeemed successfully twice (exchanges {} and {}): codes are not single-use at this server",
                        first.number(),
                        e.number()
                    );
                    cx.report(e.index, message)
                        .category(Category::GrantType)
                        .strength(Strength::Recomputed)
                        .secret(first.index, "request.body.code", code.clone())
                        .secret(e.index, "request.body.code", code.clone())
                        .emit();
                }
                continue;
            }
            let Some(cb) = cbs
                .iter()
                .find(|c| c.params.get("code") == Some(code.as_str()))
            else {
                continue;
            };
            let Some(az) = request_for(ex, cb) else {
                continue;
            };
            let challenge = az.request.param("code_challenge").filter(|v| !v.is_empty());
            let method = az
                .request
                .param("code_challenge_method")
                .unwrap_or_else(|| "plain".into());
            let verifier = e.request.param("code_verifier").filter(|v| !v.is_empty());
            let problem = match (&challenge, &verifier) {
                (Some(_), None) => Some(format!(
                    "the authorization request (exchange {}) sent a `code_challenge` but the token request has no `code_verifier`, and the server issued tokens",
                    az.number()
                )),
                // An unknown method cannot be recomputed (PKCE's own rules report it).
                (Some(_), Some(_))
                    if !(method.eq_ignore_ascii_case("S256") || method == "plain") =>
                {
                    None
                }
                (Some(ch), Some(v)) => {
                    let computed = if method.eq_ignore_ascii_case("S256") {
                        pkce::s256(v)
                    } else {
                        v.clone()
                    };
                    (computed != *ch).then(|| {
                        format!(
                            "the `code_verifier` does not match the `code_challenge` of exchange {} ({method} of the verifier is `{computed}`, the challenge `{ch}`), and the server issued tokens",
                            az.number()
                        )
                    })
                }
                (None, Some(_)) => Some(format!(
                    "the token request sent a `code_verifier` but the authorization request (exchange {}) had no `code_challenge` (PKCE downgrade), and the server issued tokens",
                    az.number()
                )),
                (None, None) => None,
            };
            let Some(msg) = problem else { continue };
            let mut rep = cx.report(e.index, msg).strength(Strength::Recomputed).text(
                az.index,
                "request.query.code_challenge",
                challenge.clone().unwrap_or_else(|| "(absent)".into()),
            );
            rep = match &verifier {
                Some(v) => rep.secret(e.index, "request.body.code_verifier", v.clone()),
                None => rep.text(e.index, "request.body.code_verifier", "(absent)"),
            };
            rep.emit();
        }
    }
}
