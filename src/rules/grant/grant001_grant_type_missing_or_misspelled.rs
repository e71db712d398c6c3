//! `GRANT001` grant-type-missing-or-misspelled: grant_type missing or misspelled.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks the `grant_type` of every failed token request: absent, or not one of the grant
    /// types of RFC 6749 (`authorization_code`, `refresh_token`, `client_credentials`,
    /// `password`) or a registered extension URI (`urn:ietf:params:oauth:grant-type:jwt-bearer`,
    /// `…:token-exchange`, `…:device_code`, `…:saml2-bearer`, `…:uma-ticket`). A misspelling gets
    /// the value it most likely meant (`client-credentials` → `client_credentials`, `code` →
    /// `authorization_code`, `refresh` → `refresh_token`).
    ///
    /// A missing `grant_type` is reported with the category `parameters` (a required parameter is
    /// missing), a misspelled one with `grant_type`. Extension grants under another namespace
    /// (absolute URIs such as `urn:openid:params:grant-type:ciba` or a provider's own URI) are
    /// accepted; misspelled device-flow values are left to DEV006. A missing `grant_type` is not
    /// reported when the server's error is about something else (GitHub accepts code
    /// redemptions without it).
    ///
    /// ## Why it fails
    /// The token endpoint dispatches on `grant_type` (RFC 6749 §4.1.3, §4.4.2, §6). Without it the
    /// server answers `invalid_request`; with an unknown value `unsupported_grant_type` (§5.2).
    ///
    /// ## Example
    /// `POST /oauth2/token` `grant_type=client-credentials&scope=orders.read` →
    /// `400 {"error":"unsupported_grant_type"}`.
    ///
    /// ## Fix
    /// Send the exact registered `grant_type` string in the form body.
    ///
    /// ## References
    /// RFC 6749 §4.1.3, §4.4.2, §6, §5.2
    pub struct Grant001 {
        code: "GRANT001",
        name: "grant-type-missing-or-misspelled",
        title: "grant_type missing or misspelled",
        category: GrantType,
        severity: Error,
        kind: Diag,
        fix: "send the exact `grant_type` value (`authorization_code`, `refresh_token`, `client_credentials`, or the full extension URI) in the form body",
        references: ["RFC 6749 §4.1.3", "RFC 6749 §4.4.2", "RFC 6749 §6", "RFC 6749 §5.2"],
        explains_errors: [("unsupported_grant_type", 0)],
    }
}

fn mentions_grant_type(err: &Option<ServerError>) -> bool {
    err.as_ref()
        .and_then(|x| x.description.as_deref())
        .is_some_and(|d| {
            let d = d.to_ascii_lowercase();
            d.contains("grant_type") || d.contains("grant type") || d.contains("granttype")
        })
}

fn param_names(p: &Params) -> String {
    let names: Vec<String> = p.iter().map(|(k, _)| format!("`{k}`")).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

impl Rule for Grant001 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let idx = cx.index;
        for e in ex {
            if !e.failed() {
                continue;
            }
            let err = err_of(e);
            let names_grant = mentions_grant_type(&err);
            let at_token_endpoint = e.request.method == "POST"
                && (e.is_token_request()
                    || idx
                        .metadata_announcing("token_endpoint", &e.request.endpoint())
                        .is_some()
                    || (matches!(e.kind, Kind::Other | Kind::Token) && names_grant));
            if !at_token_endpoint {
                continue;
            }
            match e.grant_type() {
                None => {
                    let body = e.request.body.as_deref().unwrap_or("").trim();
                    let media = e.request.headers.media_type();
                    let not_form = media
                        .as_deref()
                        .is_some_and(|m| m != "application/x-www-form-urlencoded" && !m.is_empty());
                    if (e.request.form.is_empty() && !body.is_empty()) || not_form {
                        continue; // the body is JSON, multipart or unreadable: PARAM001
                    }
                    let std = crate::providers::standard_code(e);
                    let code = std.as_deref().or(err.as_ref().map(|x| x.code.as_str()));
                    let about_it = names_grant
                        || matches!(
                            code,
                            Some("invalid_request" | "unsupported_grant_type") | None
                        );
                    if !about_it {
                        continue;
                    }
                    let message = format!(
                        "the token request has no `grant_type` parameter (body parameters: {})",
                        param_names(&e.request.form)
                    );
                    let mut rep = cx
                        .report(e.index, message)
                        .confirmed_if(alias_signal(
                            &ex[e.index],
                            &["unsupported_grant_type", "invalid_request"],
                        ))
                        .category(Category::Parameters)
                        .strength(Strength::Direct)
                        .text(e.index, "request.body.grant_type", "(absent)");
                    if let Some(x) = &err {
                        rep = rep.text(e.index, x.at, x.code.clone());
                    }
                    if names_grant || signal_is(e, &["invalid_request"]) {
                        rep = rep.confirmed();
                    }
                    rep.emit();
                }
                Some(g) => {
                    if grant_is_well_formed(&g) || g.to_ascii_lowercase().contains("device") {
                        continue;
                    }
                    if e.request.form.count("grant_type") > 1 {
                        continue; // duplicated parameter: PARAM
                    }
                    let hint = nearest_grant(&g)
                        .map(|k| format!("; did you mean `{k}`"))
                        .unwrap_or_default();
                    let mut rep = cx
                        .report(
                            e.index,
                            format!("`grant_type={g}` is not a defined grant type{hint}"),
                        )
                        .confirmed_if(alias_signal(
                            &ex[e.index],
                            &["unsupported_grant_type", "invalid_request"],
                        ))
                        .strength(Strength::Direct)
                        .text(e.index, "request.body.grant_type", g.clone());
                    if let Some(x) = &err {
                        rep = rep.text(e.index, x.at, x.code.clone());
                    }
                    if names_grant || signal_is(e, &["invalid_request"]) {
                        rep = rep.confirmed();
                    }
                    rep.emit();
                }
            }
        }
    }
}
