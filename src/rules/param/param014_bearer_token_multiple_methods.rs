//! `PARAM014` bearer-token-multiple-methods: bearer token sent by more than one method.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a resource or UserInfo call that presents its access token in more than one way:
    /// the `Authorization` header together with an `access_token` query parameter or form body
    /// parameter (or the query and the body together).
    ///
    /// ## Why it fails
    /// RFC 6750 §2 forbids using more than one method per request; resource servers answer
    /// `400 invalid_request`. A token in the URL also leaks into logs.
    ///
    /// ## Example
    /// `GET /v1/orders?access_token=…` with `Authorization: Bearer …` →
    /// `400 WWW-Authenticate: Bearer error="invalid_request"`.
    ///
    /// ## Fix
    /// Send the token only in the `Authorization` header.
    ///
    /// ## References
    /// RFC 6750 §2, §2.3, §5.3
    pub struct Param014 {
        code: "PARAM014",
        name: "bearer-token-multiple-methods",
        title: "bearer token sent by more than one method",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send the access token only in the `Authorization: Bearer` header",
        references: ["RFC 6750 §2", "RFC 6750 §5.3"],
        explains_statuses: [(ResourceBadRequest, 1)],
    }
}

impl Rule for Param014 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges {
            if !matches!(e.kind, Kind::Resource | Kind::Userinfo) {
                continue;
            }
            let req = &e.request;
            let header = req.authorization().is_some_and(|(s, c)| {
                (s.eq_ignore_ascii_case("bearer") || s.eq_ignore_ascii_case("dpop"))
                    && !c.is_empty()
            });
            let query = req.query.non_empty("access_token").is_some();
            let form = req.form.non_empty("access_token").is_some();
            let mut methods = Vec::new();
            if header {
                methods.push("the `Authorization` header");
            }
            if query {
                methods.push("the `access_token` query parameter");
            }
            if form {
                methods.push("the `access_token` body parameter");
            }
            if methods.len() < 2 {
                continue;
            }
            let mut rep = cx.report(
                e.index,
                format!(
                    "the call to `{}` presents the access token in {}{}",
                    req.endpoint(),
                    methods.join(" and "),
                    outcome(e)
                ),
            );
            if let Some(v) = req.query.get("access_token") {
                rep = rep.secret(e.index, "request.query.access_token", v);
            }
            if let Some(v) = req.form.get("access_token") {
                rep = rep.secret(e.index, "request.body.access_token", v);
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
