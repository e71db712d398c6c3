//! `PARAM009` par-request-uri-misuse: pushed authorization request_uri misused.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks how a pushed authorization request's `request_uri` is used: the authorization
    /// request must also carry `client_id`; a `request_uri` is single-use, so the same value in
    /// two authorization requests is reported; parameters repeated in the authorization URL must
    /// not contradict the pushed ones (identical repeats, as OpenID Connect libraries send, are
    /// fine); and a PAR request itself must not contain a `request_uri`.
    ///
    /// ## Why it fails
    /// RFC 9126 §4 requires `client_id` next to `request_uri` and makes the URI one-time; the
    /// server answers `invalid_request` or `invalid_request_uri` (often on a page reload or a
    /// retried navigation).
    ///
    /// ## Example
    /// `GET /authorize?request_uri=urn:ietf:params:oauth:request_uri:6esc…` (no `client_id`) →
    /// `400` error page "missing required parameter 'client_id'".
    ///
    /// ## Fix
    /// Push once per authorization attempt, then send exactly `client_id` and `request_uri`.
    ///
    /// ## References
    /// RFC 9126 §2.1, §2.2, §4; RFC 9101 §5
    pub struct Param009 {
        code: "PARAM009",
        name: "par-request-uri-misuse",
        title: "pushed authorization request_uri misused",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "push once per authorization attempt, then send exactly `client_id` and the fresh `request_uri`",
        references: ["RFC 9126 §2.1", "RFC 9126 §4", "RFC 9101 §5"],
        explains_errors: [
            ("invalid_request_object", 0), ("invalid_request_uri", 1),
            ("request_not_supported", 0), ("request_uri_not_supported", 0),
        ],
        explains_statuses: [(AuthorizeRejected, 6)],
    }
}

impl Rule for Param009 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        // A PAR body that itself holds a request_uri.
        for p in ex.iter().filter(|e| e.kind == Kind::Par) {
            if let Some(u) = body_param(&p.request, "request_uri") {
                let message = format!(
                    "the pushed authorization request itself contains `request_uri` `{u}`; PAR takes the authorization parameters, not a reference{}",
                    outcome(p)
                );
                let mut rep = cx.report(p.index, message).text(
                    p.index,
                    "request.body.request_uri",
                    u.clone(),
                );
                rep = with_server_signal(rep, p);
                rep.emit();
            }
        }
        let mut seen: Vec<(String, usize)> = Vec::new();
        for az in ex.iter().filter(|e| is_authorize_like(e)) {
            let q = &az.request.query;
            let Some(uri) = q.non_empty("request_uri").map(str::to_string) else {
                continue;
            };
            let earlier = seen.iter().find(|(u, _)| *u == uri).map(|(_, i)| *i);
            seen.push((uri.clone(), az.index));
            let par = ex[..az.index].iter().rev().find(|p| {
                p.kind == Kind::Par
                    && p.response
                        .as_ref()
                        .and_then(|r| r.field("request_uri"))
                        .is_some_and(|u| u == uri)
            });
            let conflicts: Vec<String> = match par {
                Some(p) => q
                    .iter()
                    .filter(|(k, _)| !matches!(*k, "client_id" | "request_uri"))
                    .filter_map(|(k, v)| {
                        let pushed = body_param(&p.request, k)?;
                        (pushed != v).then(|| {
                            format!(
                                "`{k}` is `{v}` in the URL but `{pushed}` in the pushed request"
                            )
                        })
                    })
                    .collect(),
                None => Vec::new(),
            };
            let (msg, strength) = if let Some(first) = earlier {
                (
                    format!(
                        "the `request_uri` was already used by the authorization request in exchange #{}; it is single-use",
                        first + 1
                    ),
                    Strength::Recomputed,
                )
            } else if q.non_empty("client_id").is_none() {
                (
                    "the authorization request carries a `request_uri` but no `client_id`"
                        .to_string(),
                    Strength::Direct,
                )
            } else if !conflicts.is_empty() {
                (
                    format!(
                        "the authorization URL contradicts the pushed request: {}",
                        conflicts.join("; ")
                    ),
                    Strength::Recomputed,
                )
            } else {
                continue;
            };
            let anchor = authorize_anchor(cx, az);
            let mut rep = cx
                .report(anchor, format!("{msg}{}", outcome(&ex[anchor])))
                .strength(strength)
                .text(az.index, "request.query.request_uri", uri.clone());
            if let Some(first) = earlier {
                rep = rep.text(first, "request.query.request_uri", uri.clone());
            }
            rep = with_server_signal(rep, &ex[anchor]);
            rep.emit();
        }
    }
}
