//! `GRANT015` response-type-not-supported: response type not supported or not allowed.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags an authorization request refused because of its `response_type`: the authorization
    /// response carries `error=unsupported_response_type` (or `unauthorized_client` naming the
    /// response type), or the request failed and its `response_type` (compared as a set of
    /// space-separated values) is not in the discovery document's `response_types_supported`.
    ///
    /// ## Why it fails
    /// The server supports, and each client is allowed, only some response types (RFC 6749
    /// §3.1.1, RFC 8414 §2). The implicit (`token`) and hybrid (`code id_token`) types are often
    /// disabled, and OAuth 2.1 drops implicit altogether.
    ///
    /// ## Example
    /// `GET /authorize?response_type=token&…` → `303 Location: https://app.example.com/cb#error=unsupported_response_type&…`.
    ///
    /// ## Fix
    /// Use `response_type=code` with PKCE, or enable the response type for the client.
    ///
    /// ## References
    /// RFC 6749 §3.1.1, §4.1.2.1; RFC 8414 §2
    pub struct Grant015 {
        code: "GRANT015",
        name: "response-type-not-supported",
        title: "response type not supported or not allowed",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "use `response_type=code` with PKCE, or enable the response type for the client",
        references: ["RFC 6749 §3.1.1", "RFC 6749 §4.1.2.1", "RFC 8414 §2"],
        explains_errors: [("unauthorized_client", 1), ("unsupported_response_type", 0)],
    }
}

fn response_type_set(s: &str) -> BTreeSet<&str> {
    s.split_whitespace().collect()
}

impl Rule for Grant015 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for az in ex.iter().filter(|e| e.kind == Kind::Authorize) {
            let Some(rt) = idx.az_param(ex, az, "response_type") else {
                continue;
            };
            // The metadata of this authorization server (the document announcing this endpoint).
            let supported: Option<(usize, Vec<String>)> = idx
                .metadata_announcing("authorization_endpoint", &az.request.endpoint())
                .and_then(|(i, d)| {
                    let list = d.get("response_types_supported")?.as_array()?;
                    Some((
                        *i,
                        list.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect(),
                    ))
                });
            // The authorization response of this request: in its own Location, or a later one
            // with the same state.
            let azr = idx.azr_of(ex, az);
            let azr_err = azr.and_then(|a| a.params.get("error").map(|c| (a, c)));
            let desc = azr
                .and_then(|a| a.params.get("error_description"))
                .unwrap_or("")
                .to_ascii_lowercase();
            let not_listed = supported.as_ref().and_then(|(i, list)| {
                let want = response_type_set(&rt);
                (!list.iter().any(|s| response_type_set(s) == want)).then(|| (*i, list.join(", ")))
            });
            let (anchor, msg, strength) = match azr_err {
                Some((a, "unsupported_response_type")) => (
                    a.exchange,
                    format!(
                        "the authorization server answered `unsupported_response_type` to `response_type={rt}`"
                    ),
                    if not_listed.is_some() {
                        Strength::Recomputed
                    } else {
                        Strength::Direct
                    },
                ),
                Some((a, "unauthorized_client")) if desc.contains("response") => (
                    a.exchange,
                    format!(
                        "the client is not allowed `response_type={rt}` (`unauthorized_client`)"
                    ),
                    Strength::Direct,
                ),
                _ if not_listed.is_some() && (az.failed() || azr_err.is_some()) => (
                    azr_err.map(|(a, _)| a.exchange).unwrap_or(az.index),
                    format!(
                        "`response_type={rt}` is not in the server's `response_types_supported`"
                    ),
                    Strength::Recomputed,
                ),
                _ => continue,
            };
            let mut msg = msg;
            if let Some((_, list)) = &not_listed {
                msg.push_str(&format!(" (it lists `{list}`)"));
            }
            let mut rep = cx.report(anchor, msg).strength(strength).text(
                az.index,
                "request.query.response_type",
                rt,
            );
            if let Some((a, c)) = azr_err {
                rep = rep.text(a.exchange, a.at("error"), c);
            }
            if let Some((i, list)) = not_listed {
                rep = rep.text(i, "response.body.response_types_supported", list);
            }
            rep.emit();
        }
    }
}
