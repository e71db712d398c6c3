//! `JWT017` audience-not-configured: an access token is not meant for the
//! `expected_audience` of the configuration file.

use super::*;

declare_rule! {
    /// ## What it does
    /// When the configuration file sets `expected_audience`, checks that every access token in
    /// the capture that carries an `aud` claim lists it (a string, or one member of the array),
    /// exactly, and reports each token meant for another audience, whether or not the capture
    /// shows it rejected. Without `expected_audience` the rule does nothing.
    ///
    /// ## Why it fails
    /// A resource server accepts only access tokens whose `aud` names it. A token requested for
    /// another API (a missing or wrong `audience` / `resource` / `scope` in the token request,
    /// a default audience on the authorization server) is rejected with `invalid_token`, or
    /// accepted by an API that does not check `aud`, which is the bigger problem.
    ///
    /// ## Example
    /// `expected_audience = "https://api.example.com"`; the access token says
    /// `aud: https://graph.microsoft.com`.
    ///
    /// ## Fix
    /// Request the token for the configured API (`audience`, `resource` or the API's scope in
    /// the token request, the API's identifier on the authorization server), or correct
    /// `expected_audience`.
    ///
    /// ## References
    /// RFC 7519 §4.1.3; RFC 9068 §4; RFC 8707 §2
    pub struct Jwt017 {
        code: "JWT017",
        name: "audience-not-configured",
        title: "access token audience lacks the configured expected_audience",
        category: AudienceIssuer,
        severity: Error,
        kind: Both,
        fix: "request the token for the configured API (`audience`, `resource` or its scope), or correct `expected_audience`",
        references: ["RFC 7519 §4.1.3", "RFC 9068 §4", "RFC 8707 §2"],
    }
}

impl Rule for Jwt017 {
    fn check(&self, cx: &mut Context<'_>) {
        let Some(expected) = cx.options.expected_audience.clone() else {
            return;
        };
        let expected = expected.trim().to_string();
        if expected.is_empty() {
            return;
        }
        for g in token_groups(cx).iter() {
            if g.role() != Role::Access {
                continue;
            }
            let Some(d) = g.decoded() else { continue };
            let auds: Vec<String> = match d.claims.get("aud") {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => continue,
            };
            if auds.contains(&expected) {
                continue;
            }
            let (anchor, _) = anchor_of(cx, g);
            let first = g.first();
            let shown = auds
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let message = format!(
                "the access token is meant for {shown} (`aud`) but the configuration expects `expected_audience = {expected}`"
            );
            cx.report(anchor, message)
                .strength(Strength::Direct)
                .text(first.exchange, "jwt.claims.aud", auds.join(" "))
                .secret(first.exchange, first.at.clone(), g.value)
                .emit();
        }
    }
}
