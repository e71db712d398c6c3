//! `CRED008` credential-whitespace-or-quotes: client credential has whitespace or quoting artifacts.

use super::*;

declare_rule! {
    /// ## What it does
    /// Looks for copy-and-paste artifacts in client credentials — the Basic username and
    /// password (after decoding), the body or query `client_id` and `client_secret`, and the
    /// `client_assertion`: leading or trailing spaces, tabs, `\r` or `\n`, a byte-order mark,
    /// a non-breaking space, or surrounding quotes. Legitimate characters such as base64 `=`
    /// padding at the end of a secret are not artifacts.
    ///
    /// ## Why it fails
    /// Servers compare client credentials exactly. A secret read from a file keeps its trailing
    /// newline, a `.env` value keeps its quotes, a secret store returns a value with a space:
    /// the server sees a different secret and answers `invalid_client`.
    ///
    /// ## Example
    /// `client_secret=Qm9…x%0A` (the secret file's trailing newline) →
    /// `401 {"error":"invalid_client"}`.
    ///
    /// ## Fix
    /// Trim values loaded from environment variables, files and secret stores; remove quotes
    /// copied with the value.
    ///
    /// ## References
    /// RFC 6749 §2.3.1, §2.2
    pub struct Cred008 {
        code: "CRED008",
        name: "credential-whitespace-or-quotes",
        title: "client credential has whitespace or quoting artifacts",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "trim the client_id and secret loaded from environment variables, files or secret stores, and remove copied quotes",
        references: ["RFC 6749 §2.3.1", "RFC 6749 §2.2"],
        explains_errors: [("invalid_client", 1)],
        explains_statuses: [(ClientAuthUnauthorized, 1), (IntrospectionRejected, 2)],
    }
}

fn body_at(name: &str) -> &'static str {
    match name {
        "client_id" => "request.body.client_id",
        "client_secret" => "request.body.client_secret",
        _ => "request.body.client_assertion",
    }
}

fn query_at(name: &str) -> &'static str {
    match name {
        "client_id" => "request.query.client_id",
        "client_secret" => "request.query.client_secret",
        _ => "request.query.client_assertion",
    }
}

impl Rule for Cred008 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let req = &e.request;
            let mut values: Vec<(&'static str, &'static str, String, bool)> = Vec::new();
            if let Some((id, secret)) = req
                .basic_credentials()
                .and_then(|b| b.raw_parts().map(|(a, s)| (a.to_string(), s.to_string())))
            {
                values.push((
                    "client_id",
                    "request.headers.authorization.username",
                    pct_decode(&id),
                    false,
                ));
                values.push((
                    "secret",
                    "request.headers.authorization.password",
                    pct_decode(&secret),
                    true,
                ));
            }
            for (name, secret) in [
                ("client_id", false),
                ("client_secret", true),
                ("client_assertion", true),
            ] {
                if let Some(v) = body_param(req, name) {
                    values.push((name, body_at(name), v, secret));
                } else if let Some(v) = req.query.get(name) {
                    values.push((name, query_at(name), v.to_string(), secret));
                }
            }
            for (what, at, v, secret) in values {
                if v.is_empty() {
                    continue;
                }
                let Some(found) = artifact(&v) else { continue };
                let shown = if secret {
                    format!("the {what} ({})", describe_secret(&v))
                } else {
                    format!("the {what} `{}`", v.escape_debug())
                };
                let mut rep = cx.report(e.index, format!("{shown} has {found}{}", outcome(e)));
                rep = if secret {
                    rep.secret(e.index, at, v)
                } else {
                    rep.text(e.index, at, v.escape_debug().to_string())
                };
                rep = with_server_signal(rep, e);
                rep.emit();
            }
        }
    }
}
