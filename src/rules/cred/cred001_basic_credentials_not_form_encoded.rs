//! `CRED001` basic-credentials-not-form-encoded: basic credentials not form-urlencoded before base64.

use super::*;

declare_rule! {
    /// ## What it does
    /// Decodes `Authorization: Basic` credentials at the token, PAR, introspection and revocation
    /// endpoints and checks the step RFC 6749 §2.3.1 adds to plain HTTP Basic: client_id and
    /// secret must each be `application/x-www-form-urlencoded` *before* they are joined with `:`
    /// and base64-encoded. It fires when a part that was evidently not encoded (it holds
    /// characters an encoder escapes, such as `/`, `:`, `=`, or a `%` that starts no escape)
    /// also holds a character that decoding changes (`+` becomes a space, `%XX` a byte), and the
    /// server rejected the client. It also fires when the client_id contains `:` unencoded, so
    /// the server splits the credentials in the wrong place.
    ///
    /// Evidence is upgraded to proof when the same secret is accepted elsewhere in the capture
    /// (sent in the body with `client_secret_post`, or correctly encoded), and confirmed when the
    /// server's description says the header is not properly encoded.
    ///
    /// ## Why it fails
    /// A server that follows §2.3.1 form-decodes both parts: a raw `+` in the secret becomes a
    /// space, `%2B` becomes `+`, a stray `%` is an invalid escape (some servers answer 500). The
    /// secret it compares is no longer the registered one, so it answers `invalid_client`. Most
    /// HTTP libraries implement RFC 7617 Basic, which has no such encoding step, so secrets with
    /// symbols break only at strict servers. A secret made only of letters, digits and
    /// `-._~` is the same encoded or not, and is never reported.
    ///
    /// (Why not every symbol: `+ % & = : / ? # space` and non-ASCII all change when
    /// form-encoded, but form-*decoding* leaves every character except `+` and `%` unchanged, so a raw `/` or `=`
    /// alone cannot make a decoding server see another secret. This rule uses the others only
    /// as proof that the value was not encoded, and the exception is a `:` inside the client_id,
    /// which moves the split point.)
    ///
    /// ## Example
    /// Secret `Zx+8/Qm…` (base64-looking): the client sends `base64("my-app:Zx+8/Qm…")` and gets
    /// `401 {"error":"invalid_client"}`; one second later the same secret in the body
    /// (`client_secret=Zx%2B8%2FQm…`) gets `200`.
    ///
    /// ## Fix
    /// Form-urlencode client_id and secret separately, join them with `:`, then base64-encode. If
    /// the server is known not to decode (a common deviation), send them raw, or switch to
    /// `client_secret_post` where the form encoding is unambiguous.
    ///
    /// ## References
    /// RFC 6749 §2.3.1, Appendix B; RFC 7617 §2
    pub struct Cred001 {
        code: "CRED001",
        name: "basic-credentials-not-form-encoded",
        title: "basic credentials not form-urlencoded before base64",
        category: Credentials,
        severity: Error,
        kind: Diag,
        fix: "form-urlencode client_id and secret separately, join them with `:`, then base64-encode; if the server does not decode them, send them raw or switch to `client_secret_post`",
        references: ["RFC 6749 §2.3.1", "RFC 6749 Appendix B", "RFC 7617 §2"],
        explains_errors: [("invalid_client", 2), ("unauthorized_client", 2)],
        explains_statuses: [
            (ClientAuthUnauthorized, 2), (IntrospectionRejected, 1), (TokenServerError, 1),
        ],
        absorbs: ["PROV001"],
    }
}

/// How a character is shown in a message.
fn show_char(c: char) -> String {
    match c {
        ' ' => "space".into(),
        '\n' => "`\\n`".into(),
        '\r' => "`\\r`".into(),
        '\t' => "tab".into(),
        '`' => "backtick".into(),
        c if !c.is_ascii() => format!("non-ASCII `{c}`"),
        c => format!("`{c}`"),
    }
}

fn show_chars(cs: &[char]) -> String {
    cs.iter()
        .map(|c| show_char(*c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Another exchange that accepted the secret the client meant (`raw`), proving that the Basic
/// value was read differently: the body secret or a correctly encoded Basic secret equals it.
fn contrast_success(ex: &[Exchange], e: &Exchange, raw: &str) -> Option<(usize, &'static str)> {
    ex.iter()
        .filter(|o| {
            o.index != e.index
                && o.kind.is_back_channel()
                && o.response.as_ref().is_some_and(|r| r.is_success())
                && !o.failed()
        })
        .find_map(|o| {
            if body_param(&o.request, "client_secret").as_deref() == Some(raw) {
                return Some((o.index, "request.body.client_secret"));
            }
            let b = o.request.basic_credentials()?;
            let (_, s) = b.raw_parts()?;
            (s != raw && basic::form_decode(s) == raw)
                .then_some((o.index, "request.headers.authorization"))
        })
}

impl Rule for Cred001 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.kind.is_back_channel()) {
            let Some(b) = e.request.basic_credentials() else {
                continue;
            };
            let Some((raw_id, raw_secret)) = b.raw_parts() else {
                continue;
            };
            let header = e.request.headers.get("authorization").unwrap_or("");
            let (_, desc) = server_error(e);
            let server_says = desc.contains("encod") && mentions_client_auth(&desc);
            // The client_id itself holds an unencoded `:`: the server splits inside it.
            let body_id = body_param(&e.request, "client_id").filter(|c| c.contains(':'));
            if let Some(cid) = body_id {
                let decoded = b.decoded.as_deref().unwrap_or("");
                if decoded.starts_with(&format!("{cid}:")) && raw_id != cid {
                    let message = format!(
                        "the client_id `{cid}` contains `:` and was not form-urlencoded in the Basic credentials, so the server reads the client_id as `{raw_id}` and the rest as the secret{}",
                        outcome(e)
                    );
                    let mut rep = cx
                        .report(e.index, message)
                        .strength(Strength::Recomputed)
                        .secret(e.index, "request.headers.authorization", header)
                        .text(e.index, "request.body.client_id", cid.clone());
                    rep = with_server_signal(rep, e);
                    rep.emit();
                    continue;
                }
            }
            let failed = client_auth_rejected(e)
                || server_error(e).0.as_deref() == Some("unauthorized_client");
            for (part, raw, at) in [
                (
                    "client_id",
                    raw_id,
                    "request.headers.authorization.username",
                ),
                (
                    "secret",
                    raw_secret,
                    "request.headers.authorization.password",
                ),
            ] {
                let decoded = basic::form_decode(raw);
                let changes = decoded != raw || raw.contains('%');
                let contrast = if part == "secret" && changes {
                    contrast_success(ex, e, raw)
                } else {
                    None
                };
                let unencoded = unencoded_chars(raw);
                let risky: Vec<char> = ['+', '%']
                    .into_iter()
                    .filter(|c| raw.contains(*c))
                    .collect();
                let evident = !unencoded.is_empty() && !risky.is_empty();
                if !(failed && (evident || contrast.is_some() || server_says && changes)) {
                    continue;
                }
                let mut msg = if part == "client_id" {
                    format!("the Basic client_id `{raw}` was not form-urlencoded before base64")
                } else {
                    format!(
                        "the Basic secret ({}) was not form-urlencoded before base64",
                        describe_secret(raw)
                    )
                };
                if !unencoded.is_empty() {
                    msg.push_str(&format!(
                        ": it holds {} that an encoder would have escaped",
                        show_chars(&unencoded)
                    ));
                }
                msg.push_str(&format!(
                    ", and a server that decodes it per RFC 6749 §2.3.1 changes its {}",
                    show_chars(&risky)
                ));
                if risky.contains(&'+') {
                    msg.push_str(" (`+` becomes a space)");
                }
                if let Some((o, _)) = contrast {
                    msg.push_str(&format!(
                        "; the same secret was accepted in exchange #{}",
                        o + 1
                    ));
                }
                msg.push_str(&outcome(e));
                let strength = if contrast.is_some() {
                    Strength::Recomputed
                } else {
                    Strength::Heuristic
                };
                let mut rep = cx
                    .report(e.index, msg)
                    .strength(strength)
                    .secret(e.index, "request.headers.authorization", header)
                    .secret(e.index, at, raw);
                if server_says {
                    rep = rep.confirmed();
                }
                if let Some((o, oat)) = contrast {
                    rep = rep.text(
                        o,
                        "response.status",
                        ex[o].status().unwrap_or(0).to_string(),
                    );
                    rep = rep.secret(o, oat, raw);
                }
                rep = with_server_signal(rep, e);
                rep.emit();
            }
        }
    }
}
