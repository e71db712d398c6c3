//! `PARAM006` scope-not-allowed: scope not allowed or unknown.

use super::*;

declare_rule! {
    /// ## What it does
    /// Explains an `invalid_scope` answer (from the token endpoint, PAR, device authorization or
    /// the authorization response): it names the scopes that were requested and those absent
    /// from the discovery document's `scopes_supported` (advisory: the list may be partial). A
    /// server that grants fewer scopes than requested without an error is allowed to (RFC 6749
    /// §3.3) and is not reported. Malformed scope lists are PARAM005's.
    ///
    /// ## Why it fails
    /// The scope is unknown to the server, or not allowed for this client (not configured, not
    /// consented, not granted to the application).
    ///
    /// ## Example
    /// `scope=openid profile orders.admin` → `error=invalid_scope`; `orders.admin` is not in
    /// `scopes_supported`.
    ///
    /// ## Fix
    /// Request only scopes the client is allowed; configure and consent the API permissions for
    /// the client.
    ///
    /// ## References
    /// RFC 6749 §3.3, §4.1.2.1, §5.2; RFC 8414 §2
    pub struct Param006 {
        code: "PARAM006",
        name: "scope-not-allowed",
        title: "scope not allowed or unknown",
        category: ScopeConsent,
        severity: Error,
        kind: Diag,
        fix: "request only scopes the client is allowed, and configure or consent the missing permissions for the client",
        references: ["RFC 6749 §3.3", "RFC 6749 §5.2", "RFC 8414 §2"],
        explains_errors: [("insufficient_scope", 2), ("invalid_scope", 1)],
        explains_statuses: [(ResourceForbidden, 2)],
    }
}

impl Rule for Param006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut reported_states: Vec<String> = Vec::new();
        for e in ex {
            let (Some(code), _) = server_error(e) else {
                continue;
            };
            if code != "invalid_scope" {
                continue;
            }
            // Where the requested scope is: this request, or the authorization request whose
            // response this is.
            let (source, scope): (&Exchange, Option<String>) = if is_authorize_like(e) {
                (e, e.request.query.get("scope").map(str::to_string))
            } else if e.kind.is_back_channel() {
                (e, body_param(&e.request, "scope"))
            } else {
                let state = cx
                    .index
                    .authz_responses
                    .iter()
                    .find(|a| a.exchange == e.index)
                    .and_then(|a| a.params.get("state"))
                    .map(str::to_string);
                let Some(state) = state else { continue };
                if reported_states.contains(&state) {
                    continue;
                }
                let Some(az) = ex[..e.index].iter().rev().find(|x| {
                    is_authorize_like(x) && x.request.query.get("state") == Some(state.as_str())
                }) else {
                    continue;
                };
                (az, az.request.query.get("scope").map(str::to_string))
            };
            if let Some(s) = source.request.query.get("state") {
                reported_states.push(s.to_string());
            }
            if let Some(s) = &scope {
                if scope_delimiter_problem(s, true, source.provider).is_some() {
                    continue; // PARAM005 explains it
                }
            }
            let md = cx.index.metadata_for(source);
            let supported = md_list(md, "scopes_supported");
            let requested: Vec<&str> = scope.as_deref().map(scope_tokens).unwrap_or_default();
            let unknown: Vec<&str> = match &supported {
                Some(list) => requested
                    .iter()
                    .copied()
                    .filter(|s| !list.contains(s))
                    .collect(),
                None => Vec::new(),
            };
            let msg = match (&scope, unknown.is_empty()) {
                (None, _) => format!(
                    "the server answered `invalid_scope` to a {} request that names no scope: the client's default scope is not allowed",
                    source.kind.as_str()
                ),
                (Some(s), true) => format!(
                    "the server answered `invalid_scope` for `scope={s}`: one of these scopes is not allowed for this client{}",
                    if supported.is_some() {
                        " (all of them are in `scopes_supported`, so it is a client permission or consent issue)"
                    } else {
                        ""
                    }
                ),
                (Some(s), false) => format!(
                    "the server answered `invalid_scope` for `scope={s}`; `{}` {} not in the discovery document's `scopes_supported`",
                    unknown.join("`, `"),
                    if unknown.len() == 1 { "is" } else { "are" }
                ),
            };
            let mut rep = cx.report(e.index, msg).text(
                source.index,
                if is_authorize_like(source) {
                    "request.query.scope"
                } else {
                    "request.body.scope"
                },
                scope.clone().unwrap_or_else(|| "(absent)".into()),
            );
            if let Some(list) = supported {
                rep = rep.text(source.index, "metadata.scopes_supported", list.join(" "));
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
