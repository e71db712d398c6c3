//! `GRANT013` token-exchange-types: token exchange token types missing or wrong.

use super::*;

declare_rule! {
    /// ## What it does
    /// Checks failed token-exchange requests (`grant_type=urn:ietf:params:oauth:grant-type:token-exchange`):
    /// `subject_token` and `subject_token_type` present; `actor_token_type` sent with
    /// `actor_token`; type URNs under `urn:ietf:params:oauth:token-type:` spelled as defined
    /// (`access_token`, `refresh_token`, `id_token`, `saml1`, `saml2`, `jwt`); and the declared
    /// type consistent with the token itself — an ID token (`nonce`, `at_hash`, or the `id_token`
    /// of a captured token response) declared as `access_token`, or an opaque value declared
    /// `jwt` / `id_token`.
    ///
    /// ## Why it fails
    /// RFC 8693 §2.1 requires `subject_token` and `subject_token_type`, and `actor_token_type`
    /// whenever `actor_token` is present; servers validate the token according to the declared
    /// type and answer `invalid_request` when it is missing or wrong.
    ///
    /// ## Example
    /// `grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=eyJ…&audience=https://billing.example.com`
    /// (no `subject_token_type`) → `400 invalid_request`.
    ///
    /// ## Fix
    /// Send `subject_token` with its exact `subject_token_type` (and `actor_token_type` with
    /// `actor_token`); exchange the access token, not the ID token.
    ///
    /// ## References
    /// RFC 8693 §2.1, §3
    pub struct Grant013 {
        code: "GRANT013",
        name: "token-exchange-types",
        title: "token exchange token types missing or wrong",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "send `subject_token` with its exact `subject_token_type` (and `actor_token_type` with `actor_token`)",
        references: ["RFC 8693 §2.1", "RFC 8693 §3"],
        explains_errors: [("invalid_grant", 16), ("invalid_request", 8)],
        grants: ["urn:ietf:params:oauth:grant-type:token-exchange"],
    }
}

const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

const TOKEN_TYPE_PREFIX: &str = "urn:ietf:params:oauth:token-type:";

const TOKEN_TYPES: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "saml1",
    "saml2",
    "jwt",
];

/// What a token value says about its own type, when it contradicts the declared one.
fn token_type_conflict(ex: &[Exchange], declared: &str, value: &str) -> Option<String> {
    let suffix = declared.strip_prefix(TOKEN_TYPE_PREFIX)?;
    let decoded = jwt::decode(value).ok();
    match suffix {
        "access_token" => {
            let issued_as_id = ex.iter().any(|e| {
                e.response
                    .as_ref()
                    .and_then(|r| r.field("id_token"))
                    .is_some_and(|t| t == value)
            });
            if issued_as_id {
                return Some(
                    "the value is the `id_token` of a token response in the capture".into(),
                );
            }
            let d = decoded?;
            let marks: Vec<&str> = ["nonce", "at_hash", "c_hash"]
                .into_iter()
                .filter(|c| d.claims.contains_key(*c))
                .collect();
            (!marks.is_empty()).then(|| {
                format!(
                    "the JWT carries ID-token claims ({}), so it is an ID token",
                    marks
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        }
        "jwt" | "id_token" => decoded
            .is_none()
            .then(|| "the value is not a JWT (not three base64url segments of JSON)".to_string()),
        _ => None,
    }
}

impl Rule for Grant013 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.is_token_request() && e.failed()) {
            if e.grant_type().as_deref() != Some(TOKEN_EXCHANGE) {
                continue;
            }
            let p = |n: &str| e.request.param(n).filter(|v| !v.is_empty());
            let mut problems: Vec<(String, &'static str, String, bool)> = Vec::new();
            for (tok, typ) in [
                ("subject_token", "subject_token_type"),
                ("actor_token", "actor_token_type"),
            ] {
                let (value, declared) = (p(tok), p(typ));
                match (&value, &declared) {
                    (None, _) if tok == "subject_token" => problems.push((
                        "`subject_token` is missing".into(),
                        "request.body.subject_token",
                        "(absent)".into(),
                        false,
                    )),
                    (Some(_), None) => problems.push((
                        format!("`{tok}` is sent without `{typ}`"),
                        if tok == "subject_token" {
                            "request.body.subject_token_type"
                        } else {
                            "request.body.actor_token_type"
                        },
                        "(absent)".into(),
                        false,
                    )),
                    (Some(v), Some(d)) => {
                        if let Some(s) = d.strip_prefix(TOKEN_TYPE_PREFIX) {
                            if !TOKEN_TYPES.contains(&s) {
                                problems.push((
                                    format!("`{typ}={d}` is not a defined token type"),
                                    if tok == "subject_token" {
                                        "request.body.subject_token_type"
                                    } else {
                                        "request.body.actor_token_type"
                                    },
                                    d.clone(),
                                    false,
                                ));
                                continue;
                            }
                        }
                        if let Some(why) = token_type_conflict(ex, d, v) {
                            problems.push((
                                format!("`{typ}` says `{d}` but {why}"),
                                if tok == "subject_token" {
                                    "request.body.subject_token"
                                } else {
                                    "request.body.actor_token"
                                },
                                v.clone(),
                                true,
                            ));
                        }
                    }
                    _ => {}
                }
            }
            if problems.is_empty() {
                continue;
            }
            let msg = format!(
                "token exchange request: {}",
                problems
                    .iter()
                    .map(|p| p.0.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            let mut rep = cx
                .report(e.index, msg)
                .confirmed_if(alias_signal(&ex[e.index], &["invalid_request"]))
                .strength(Strength::Direct);
            for (_, at, v, secret) in problems {
                rep = if secret {
                    rep.secret(e.index, at, v)
                } else {
                    rep.text(e.index, at, v)
                };
            }
            if let Some(x) = err_of(e) {
                rep = rep.text(e.index, x.at, x.code);
            }
            rep.emit();
        }
    }
}
