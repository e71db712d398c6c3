//! `PARAM001` body-not-form-encoded: request body not form-encoded.

use super::*;

declare_rule! {
    /// ## What it does
    /// Flags a rejected POST to a back-channel endpoint (token, PAR, introspection, revocation,
    /// device authorization) whose body is not `application/x-www-form-urlencoded`: a JSON body
    /// (whatever `Content-Type` says), `multipart/form-data`, another media type, or a body
    /// without `Content-Type`. Media-type parameters (`; charset=UTF-8`) are fine. It fires only
    /// when the server's answer is consistent with an unparsed body (`invalid_request`,
    /// `unsupported_grant_type`, `invalid_client`, 415, or a bare 400/500): servers that accept
    /// JSON (Auth0, GitHub) answer other errors, which this rule does not explain.
    ///
    /// ## Why it fails
    /// RFC 6749 §3.2 and §4.1.3 define the token request as a form body. A server that parses
    /// only forms sees no parameters at all, so it reports the first required one as missing
    /// (`grant_type`, client authentication) — misleading errors whose root cause is the
    /// encoding.
    ///
    /// ## Example
    /// `Content-Type: application/json` `{"grant_type":"authorization_code","code":"…"}` →
    /// `400 {"error":"invalid_request","error_description":"only application/x-www-form-urlencoded content-type bodies are supported"}`.
    ///
    /// ## Fix
    /// POST an `application/x-www-form-urlencoded` body (`URLSearchParams`, `data=` not `json=`);
    /// the same applies to PAR, introspection, revocation and device authorization.
    ///
    /// ## References
    /// RFC 6749 §3.2, §4.1.3, Appendix B; RFC 7662 §2.1; RFC 7009 §2.1; RFC 9126 §2.1; RFC 8628 §3.1
    pub struct Param001 {
        code: "PARAM001",
        name: "body-not-form-encoded",
        title: "request body not form-encoded",
        category: ContentTypeEncoding,
        severity: Error,
        kind: Diag,
        fix: "POST an `application/x-www-form-urlencoded` body to the token, PAR, introspection, revocation and device endpoints",
        references: ["RFC 6749 §3.2", "RFC 6749 §4.1.3", "RFC 6749 Appendix B"],
        explains_errors: [("invalid_request", 0), ("unsupported_grant_type", 1)],
        explains_statuses: [(TokenBadRequest, 0), (UnsupportedMediaType, 1), (TokenServerError, 0)],
        absorbs: ["GRANT001", "PARAM004", "CRED003", "STAT004", "PARAM002"],
    }
}

impl Rule for Param001 {
    fn check(&self, cx: &mut Context<'_>) {
        for e in cx.exchanges.iter().filter(|e| e.kind.is_back_channel()) {
            let req = &e.request;
            let body = req.body.as_deref().unwrap_or("");
            if req.method == "GET" || body.trim().is_empty() || !e.failed() {
                continue;
            }
            let (code, desc) = server_error(e);
            let status = e.status().unwrap_or(0);
            let consistent = match code.as_deref() {
                Some("invalid_request" | "unsupported_grant_type" | "invalid_client") => true,
                Some(_) => false,
                None => matches!(status, 400 | 415 | 500),
            } || status == 415;
            if !consistent {
                continue;
            }
            let media = req.headers.media_type();
            let declared = req.headers.get("content-type").unwrap_or("(none)");
            let (what, strength) = if req.json.is_some() {
                (
                    match media.as_deref() {
                        Some("application/x-www-form-urlencoded") => {
                            "the body is JSON although `Content-Type` says `application/x-www-form-urlencoded`".to_string()
                        }
                        _ => format!("the body is JSON (`Content-Type: {declared}`)"),
                    },
                    Strength::Direct,
                )
            } else {
                match media.as_deref() {
                    Some("application/x-www-form-urlencoded") => continue,
                    Some(m) if m.starts_with("multipart/") => (
                        format!("the body is `{m}`, not a urlencoded form"),
                        Strength::Direct,
                    ),
                    Some(m) => (
                        format!("the body is sent as `{m}`, not `application/x-www-form-urlencoded`"),
                        Strength::Direct,
                    ),
                    None => (
                        "the body has no `Content-Type`; servers parse only `application/x-www-form-urlencoded` bodies".to_string(),
                        Strength::Heuristic,
                    ),
                }
            };
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "{what}; the {} endpoint reads only form-encoded parameters{}",
                        e.kind.as_str(),
                        outcome(e)
                    ),
                )
                .strength(strength)
                .text(e.index, "request.headers.content-type", declared);
            if ["content-type", "content type", "urlencoded", "media type"]
                .iter()
                .any(|w| desc.contains(w))
            {
                rep = rep.confirmed();
            }
            rep = with_server_signal(rep, e);
            rep.emit();
        }
    }
}
