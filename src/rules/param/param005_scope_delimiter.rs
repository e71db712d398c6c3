//! `PARAM005` scope-delimiter: scope list uses the wrong delimiter.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks the syntax of the `scope` value of authorization, PAR, token and device requests:
    /// scopes are separated by single spaces (RFC 6749 §3.3). It reports a JSON array
    /// (`["a","b"]`), a literal `+` (the request carried `%2B`, so `+` was encoded instead of
    /// meaning a space), a `%20` left after decoding (double encoding), and — on a failed
    /// request — commas or semicolons used as separators. Providers that document comma
    /// separators (GitHub, Facebook, Slack) are not reported for commas. URI scopes with `:` and
    /// `/` are fine.
    ///
    /// ## Why it fails
    /// The server splits on spaces only, so `openid,profile,email` is one unknown scope and the
    /// request fails with `invalid_scope` (or the token silently lacks the scopes).
    ///
    /// ## Example
    /// `scope=openid%2Bprofile%2Bemail` (the single value `openid+profile+email`) →
    /// `error=invalid_scope`.
    ///
    /// ## Fix
    /// Join scopes with single spaces and let the URL or form encoder encode them (`%20` or
    /// `+`).
    ///
    /// ## References
    /// RFC 6749 §3.3, Appendix B
    pub struct Param005 {
        code: "PARAM005",
        name: "scope-delimiter",
        title: "scope list uses the wrong delimiter",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "join scopes with single spaces and let the encoder encode them (`%20` or `+`)",
        references: ["RFC 6749 §3.3", "RFC 6749 Appendix B"],
        explains_errors: [("invalid_scope", 0)],
    }
}

impl Rule for Param005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in cx.exchanges {
            let az = is_authorize_like(e);
            if !(az || e.kind.is_back_channel()) {
                continue;
            }
            let Some(scope) = (if az {
                e.request.query.get("scope").map(str::to_string)
            } else {
                body_param(&e.request, "scope")
            }) else {
                continue;
            };
            let anchor = if az { authorize_anchor(cx, e) } else { e.index };
            let failed = ex[anchor].failed();
            let Some((mut what, mut strength, category)) =
                scope_delimiter_problem(&scope, failed, e.provider)
            else {
                continue;
            };
            // Proof: the value as a whole is unknown, its parts split on the wrong delimiter
            // are all advertised scopes.
            if let Some(list) = md_list(cx.index.metadata_for(e), "scopes_supported") {
                let parts: Vec<&str> = scope
                    .split([',', ';', '+', ' ', '"', '[', ']'])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect();
                if !list.contains(&scope.as_str())
                    && parts.len() > 1
                    && parts.iter().all(|p| list.contains(p))
                {
                    strength = Strength::Recomputed;
                    what.push_str(&format!(
                        "; split on spaces it would be {}, all listed in `scopes_supported`",
                        parts
                            .iter()
                            .map(|p| format!("`{p}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            let mut rep = cx
                .report(anchor, format!("{what}{}", outcome(&ex[anchor])))
                .strength(strength)
                .category(category)
                .text(
                    e.index,
                    if az {
                        "request.query.scope"
                    } else {
                        "request.body.scope"
                    },
                    scope.clone(),
                );
            rep = with_server_signal(rep, &ex[anchor]);
            rep.emit();
        }
    }
}
