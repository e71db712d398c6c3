//! `CRED010` client-assertion-type-wrong: client_assertion_type missing or wrong.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks that a request carrying `client_assertion` also carries
    /// `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`, exactly,
    /// and that `client_assertion_type` is not sent without an assertion. The RFC 7523 §2.1
    /// *authorization grant* (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with an
    /// `assertion` parameter) is a different mechanism and is not reported.
    ///
    /// ## Why it fails
    /// The server dispatches on `client_assertion_type`; when it is absent, misspelled, or set to
    /// the *grant-type* URN (`…:grant-type:jwt-bearer`, an easy mix-up), the assertion is not
    /// recognised and the request fails with `invalid_request` or `invalid_client`.
    ///
    /// ## Example
    /// `client_assertion_type=urn:ietf:params:oauth:grant-type:jwt-bearer&client_assertion=eyJ…`
    /// → `400 {"error":"invalid_request","error_description":"unsupported client_assertion_type"}`.
    ///
    /// ## Fix
    /// Send `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` with
    /// every `client_assertion`.
    ///
    /// ## References
    /// RFC 7521 §4.2; RFC 7523 §2.2
    pub struct Cred010 {
        code: "CRED010",
        name: "client-assertion-type-wrong",
        title: "client_assertion_type missing or wrong",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "send `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` with the `client_assertion`",
        references: ["RFC 7521 §4.2", "RFC 7523 §2.2"],
        explains_errors: [("invalid_client", 12), ("invalid_request", 6)],
        explains_statuses: [(ClientAuthUnauthorized, 12)],
    }
}

impl Rule for Cred010 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let req = &e.request;
            let cat = body_param(req, "client_assertion_type")
                .or_else(|| req.query.get("client_assertion_type").map(str::to_string));
            let assertion = client_assertion(req);
            let msg = match (&assertion, cat.as_deref()) {
                (Some(_), Some(JWT_BEARER_CAT)) | (None, None) => continue,
                (Some(_), None) => {
                    "the request sends `client_assertion` without `client_assertion_type`"
                        .to_string()
                }
                (Some(_), Some("")) => {
                    "the request sends `client_assertion` with an empty `client_assertion_type`"
                        .to_string()
                }
                (Some(_), Some(t)) if t == "urn:ietf:params:oauth:grant-type:jwt-bearer" => {
                    format!(
                        "`client_assertion_type` is the grant-type URN `{t}` instead of `{JWT_BEARER_CAT}`"
                    )
                }
                (Some(_), Some(t)) => {
                    format!("`client_assertion_type` is `{t}` instead of `{JWT_BEARER_CAT}`")
                }
                (None, Some(t)) => {
                    if body_param(req, "assertion").is_some() {
                        format!(
                            "`client_assertion_type` `{t}` is sent with an `assertion` parameter; client authentication needs `client_assertion`"
                        )
                    } else {
                        format!(
                            "`client_assertion_type` `{t}` is sent without a `client_assertion`"
                        )
                    }
                }
            };
            let mut rep = cx.report(e.index, format!("{msg}{}", outcome(e))).text(
                e.index,
                "request.body.client_assertion_type",
                cat.unwrap_or_else(|| "(absent)".into()),
            );
            if let Some((a, at)) = assertion {
                rep = rep.secret(e.index, at, a);
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
