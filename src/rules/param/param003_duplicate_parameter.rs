//! `PARAM003` duplicate-parameter: duplicate request parameter.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a parameter that appears more than once in an authorization request's query or a
    /// back-channel request's body, or once in the query and once in the body. `resource` and
    /// `audience` may legitimately repeat (RFC 8707, RFC 8693) and are not reported.
    ///
    /// ## Why it fails
    /// RFC 6749 §3.1 and §3.2: request parameters must not be included more than once. Servers
    /// reject the request with `invalid_request` (or silently take one of the values). It
    /// usually comes from a wrapper library that adds a parameter the caller already set.
    ///
    /// ## Example
    /// `grant_type=client_credentials&scope=api&grant_type=client_credentials` →
    /// `400 {"error":"invalid_request","error_description":"'grant_type' parameter must not be provided twice"}`.
    ///
    /// ## Fix
    /// Send each parameter once; check what the library adds by default.
    ///
    /// ## References
    /// RFC 6749 §3.1, §3.2; RFC 8707 §2; RFC 8693 §2.1
    pub struct Param003 {
        code: "PARAM003",
        name: "duplicate-parameter",
        title: "duplicate request parameter",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send each parameter once; check which parameters the client library adds by itself",
        references: ["RFC 6749 §3.1", "RFC 6749 §3.2"],
        explains_errors: [("invalid_request", 2)],
        explains_statuses: [(TokenBadRequest, 3)],
    }
}

const REPEATABLE: &[&str] = &["resource", "audience"];

impl Rule for Param003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in cx.exchanges {
            let req = &e.request;
            let mut dups: Vec<(String, &'static str)> = Vec::new();
            let mut push = |name: &str, where_: &'static str| {
                if !REPEATABLE.contains(&name) && !dups.iter().any(|(n, _)| n == name) {
                    dups.push((name.to_string(), where_));
                }
            };
            if is_authorize_like(e) || e.kind == Kind::Par || e.kind.is_back_channel() {
                for (k, _) in req.query.iter() {
                    if req.query.count(k) > 1 {
                        push(k, "query");
                    }
                }
            }
            if e.kind.is_back_channel() {
                for (k, _) in req.form.iter() {
                    if req.form.count(k) > 1 {
                        push(k, "body");
                    } else if req.query.has(k) {
                        push(k, "query and body");
                    }
                }
            }
            if dups.is_empty() {
                continue;
            }
            let list: Vec<String> = dups.iter().map(|(n, w)| format!("`{n}` ({w})")).collect();
            let first = &dups[0].0;
            let values: Vec<&str> = req
                .query
                .iter()
                .chain(req.form.iter())
                .filter(|(k, _)| k == first)
                .map(|(_, v)| v)
                .collect();
            let same = values.windows(2).all(|w| w[0] == w[1]);
            let (code, desc) = server_error(e);
            let anchor = if is_authorize_like(e) {
                authorize_anchor(cx, e)
            } else {
                e.index
            };
            let mut rep = cx.report(
                anchor,
                format!(
                    "the {} request repeats {}{}{}",
                    e.kind.as_str(),
                    list.join(", "),
                    if values.len() > 1 {
                        if same {
                            format!("; the `{first}` values are identical")
                        } else {
                            format!("; the `{first}` values differ")
                        }
                    } else {
                        String::new()
                    },
                    outcome(&ex[anchor])
                ),
            );
            if code.is_some()
                && (desc.contains("twice")
                    || desc.contains("duplicate")
                    || desc.contains("more than once"))
            {
                rep = rep.confirmed();
            }
            rep = if is_secret_param(first) {
                rep.text(
                    e.index,
                    format!("request.{first}"),
                    format!("{} values", values.len()),
                )
            } else {
                rep.text(e.index, format!("request.{first}"), values.join(" | "))
            };
            rep = with_server_signal(rep, &ex[anchor]);
            rep.emit();
        }
    }
}
