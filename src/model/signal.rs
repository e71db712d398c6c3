//! What a response says went wrong: the `error` of a JSON or form body, `WWW-Authenticate`,
//! an authorization response redirect, nested API error objects, Slack's `ok:false`. Reads
//! the exchange only; what the codes mean is [`crate::oauth::errors`].

use super::{Exchange, Kind, Params};
/// An error code the server sent, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    pub code: String,
    pub description: Option<String>,
    /// Location in the exchange, e.g. `response.body.error`.
    pub at: &'static str,
}

/// The error the server reported for this exchange, if any.
pub(super) fn error_code(e: &Exchange) -> Option<ServerError> {
    let r = e.response.as_ref()?;
    if let Some(j) = &r.json {
        match j.get("error") {
            Some(serde_json::Value::String(s)) if !s.is_empty() => {
                return Some(ServerError {
                    code: s.clone(),
                    description: j
                        .get("error_description")
                        .and_then(|v| v.as_str())
                        .map(str::to_string),
                    at: "response.body.error",
                });
            }
            Some(serde_json::Value::Object(o)) => {
                // Google APIs, Microsoft Graph, Facebook: nested error objects.
                let code = o
                    .get("status")
                    .and_then(|v| v.as_str())
                    .or_else(|| o.get("code").and_then(|v| v.as_str()))
                    .or_else(|| o.get("type").and_then(|v| v.as_str()))
                    .map(str::to_string)
                    .or_else(|| {
                        o.get("code")
                            .and_then(|v| v.as_i64())
                            .map(|n| n.to_string())
                    });
                if let Some(code) = code {
                    return Some(ServerError {
                        code,
                        description: o
                            .get("message")
                            .and_then(|v| v.as_str())
                            .map(str::to_string),
                        at: "response.body.error",
                    });
                }
            }
            _ => {}
        }
        // Provider APIs that name the error in their own member, on an error status: Okta
        // (`errorCode`, `errorSummary`), Amazon Cognito and other AWS JSON APIs (`__type`,
        // `message`).
        if r.status >= 400 {
            for (code, desc, at) in [
                ("errorCode", "errorSummary", "response.body.errorCode"),
                ("__type", "message", "response.body.__type"),
            ] {
                if let Some(c) = j
                    .get(code)
                    .and_then(|v| v.as_str())
                    .filter(|c| !c.is_empty())
                {
                    return Some(ServerError {
                        code: c.rsplit('#').next().unwrap_or(c).to_string(),
                        description: j.get(desc).and_then(|v| v.as_str()).map(str::to_string),
                        at,
                    });
                }
            }
        }
        if j.get("ok").and_then(|v| v.as_bool()) == Some(false) {
            if let Some(s) = j.get("error").and_then(|v| v.as_str()) {
                return Some(ServerError {
                    code: s.to_string(),
                    description: None,
                    at: "response.body.error",
                });
            }
        }
    }
    if let Some(code) = r.form.get("error").filter(|s| !s.is_empty()) {
        return Some(ServerError {
            code: code.to_string(),
            description: r.form.get("error_description").map(str::to_string),
            at: "response.body.error",
        });
    }
    for h in r.headers.get_all("www-authenticate") {
        let c = crate::oauth::www_auth::parse(h);
        if let Some(code) = c.get("error").filter(|s| !s.is_empty()) {
            return Some(ServerError {
                code: code.to_string(),
                description: c.get("error_description").map(str::to_string),
                at: "response.headers.www-authenticate",
            });
        }
    }
    if matches!(e.kind, Kind::Authorize | Kind::Other | Kind::Callback) {
        if let Some(loc) = r.location() {
            let p = location_params(loc);
            if let Some(code) = p.get("error").filter(|s| !s.is_empty()) {
                return Some(ServerError {
                    code: code.to_string(),
                    description: p.get("error_description").map(str::to_string),
                    at: "response.headers.location",
                });
            }
        }
    }
    if e.kind == Kind::Callback {
        let mut p = e.request.query.clone();
        if let Some(f) = e.request.parsed.as_ref().and_then(|u| u.fragment()) {
            p.0.extend(Params::parse(f).0);
        }
        p.0.extend(e.request.form.0.iter().cloned());
        if let Some(code) = p.get("error").filter(|s| !s.is_empty()) {
            return Some(ServerError {
                code: code.to_string(),
                description: p.get("error_description").map(str::to_string),
                at: "request.url.error",
            });
        }
    }
    None
}

/// Query and fragment parameters of a `Location` value.
pub fn location_params(loc: &str) -> Params {
    let after = loc.split_once('?').map(|(_, q)| q).unwrap_or("");
    let (q, f) = after.split_once('#').unwrap_or((after, ""));
    let mut p = Params::parse(q);
    if let Some((_, frag)) = loc.split_once('#') {
        p.0.extend(Params::parse(frag).0);
    }
    let _ = f;
    p
}

/// Visible text of an HTML page (tags removed, whitespace collapsed), bounded.
pub fn page_text(body: &str) -> String {
    let mut out = String::with_capacity(body.len().min(4096));
    let mut in_tag = false;
    for c in body.chars().take(200_000) {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The standard OAuth `error` codes a page can quote.
const RELAYED_CODES: [&str; 12] = [
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "invalid_request",
    "access_denied",
    "invalid_token",
    "insufficient_scope",
    "temporarily_unavailable",
    "server_error",
    "invalid_target",
];

/// An identity provider's error that a client's own endpoint relays on its failure page or in
/// its JSON error: a back end that redeems the code itself and shows what the provider said
/// (`token request failed: 401 invalid_client: client authentication failed`). The code is a
/// standard OAuth error quoted as a word; the description is the text around it.
pub fn relayed_error(e: &Exchange) -> Option<ServerError> {
    let r = e.response.as_ref()?;
    if r.status < 400 && r.status != 200 {
        return None;
    }
    let body = r.body.as_deref()?;
    // The page's text, one line per text node (HTML) or per line (JSON, text).
    let lines: Vec<String> = if r.is_html() {
        body.split('<')
            .filter_map(|seg| seg.split_once('>').map(|(_, t)| t))
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|t| !t.is_empty())
            .take(5_000)
            .collect()
    } else {
        body.lines()
            .take(5_000)
            .map(|l| l.trim().to_string())
            .collect()
    };
    for line in &lines {
        let lower = line.to_ascii_lowercase();
        for code in RELAYED_CODES {
            let mut from = 0;
            while let Some(p) = lower[from..].find(code) {
                let at = from + p;
                let end = at + code.len();
                let b = lower.as_bytes();
                let word = |i: usize| b[i].is_ascii_alphanumeric() || b[i] == b'_';
                if (at == 0 || !word(at - 1)) && (end >= b.len() || !word(end)) {
                    let description: String = line.chars().take(240).collect();
                    return Some(ServerError {
                        code: code.to_string(),
                        description: Some(description.trim_matches('"').to_string()),
                        at: "response.body (relayed)",
                    });
                }
                from = end;
            }
        }
    }
    None
}
