//! `GRANT014` token-exchange-target-rejected: token exchange target rejected.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a token request answered `invalid_target` and lists the `audience` and `resource`
    /// values it asked for, noting any `resource` that is not an absolute URI or carries a
    /// fragment.
    ///
    /// ## Why it fails
    /// The server does not know the requested audience or resource, or does not allow this client
    /// (and subject) to obtain tokens for it (RFC 8693 §2.2.2, RFC 8707 §2). A `resource` must be
    /// an absolute URI without a fragment.
    ///
    /// ## Example
    /// Token exchange with `audience=https://payments.example.com` → `400 invalid_target`
    /// "the client is not allowed to request tokens for audience https://payments.example.com".
    ///
    /// ## Fix
    /// Request an audience or resource the server allows for this client and subject, or have it
    /// added to the client's policy.
    ///
    /// ## References
    /// RFC 8693 §2.2.2; RFC 8707 §2
    pub struct Grant014 {
        code: "GRANT014",
        name: "token-exchange-target-rejected",
        title: "token exchange target rejected",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "request an `audience` / `resource` the server allows for this client and subject",
        references: ["RFC 8693 §2.2.2", "RFC 8707 §2"],
        explains_errors: [("invalid_target", 0)],
        grants: ["urn:ietf:params:oauth:grant-type:token-exchange"],
    }
}

impl Rule for Grant014 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.is_token_request()) {
            let Some(err) = err_of(e) else { continue };
            if err.code != "invalid_target" {
                continue;
            }
            let mut asked = Vec::new();
            let mut notes = Vec::new();
            for name in ["audience", "resource"] {
                for (k, v) in e.request.form.iter().chain(e.request.query.iter()) {
                    if k != name {
                        continue;
                    }
                    asked.push((name, v.to_string()));
                    if name == "resource" {
                        match url::Url::parse(v) {
                            Err(_) => {
                                notes.push(format!("`resource` `{v}` is not an absolute URI"))
                            }
                            Ok(u) if u.fragment().is_some() => {
                                notes.push(format!("`resource` `{v}` carries a fragment"))
                            }
                            Ok(_) => {}
                        }
                    }
                }
            }
            let what = if asked.is_empty() {
                "no `audience` or `resource` parameter".to_string()
            } else {
                asked
                    .iter()
                    .map(|(k, v)| format!("`{k}={v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut msg =
                format!("the server rejected the requested target ({what}) with `invalid_target`");
            if !notes.is_empty() {
                msg.push_str(&format!("; {}", notes.join("; ")));
            }
            let mut rep = cx
                .report(e.index, msg)
                .strength(Strength::Direct)
                .confirmed()
                .text(e.index, err.at, "invalid_target");
            for (k, v) in asked {
                rep = rep.text(e.index, format!("request.body.{k}"), v);
            }
            rep.emit();
        }
    }
}
