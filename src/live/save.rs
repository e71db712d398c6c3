//! `--save-capture`: the recorded exchanges as an `oauth-doctor/exchanges/v1` dump that `check`
//! reads again. Unless secrets are shown, the dump goes through the rewriter of
//! `oauth-doctor redact` ([`crate::redact::file::redact_dump`]): the saved file holds exactly
//! what `redact` writes for the dump saved with `--show-secrets`, and the same secret has the
//! same placeholder in both. What live mode verified itself (token signatures, see
//! [`crate::model::Verified`]) is not saved: a redacted token has no signature left to verify.
//! Annotation headers ([`super::ANNOTATION_PREFIX`]) are saved like any header.

use crate::capture::CaptureError;
use crate::model::{Exchange, Headers};
use serde_json::{Value, json};

/// The name a saved capture is redacted under (for error messages only).
const NAME: &str = "--save-capture";

/// The text of the file `--save-capture` writes: the dump of [`to_dump`], pretty-printed, with
/// every secret replaced unless `show_secrets`.
pub fn saved_capture(exchanges: &[Exchange], show_secrets: bool) -> Result<String, CaptureError> {
    let mut text = serde_json::to_string_pretty(&to_dump(exchanges)).map_err(|e| {
        CaptureError::NotCapture {
            file: NAME.into(),
            what: e.to_string(),
        }
    })?;
    text.push('\n');
    if show_secrets || exchanges.is_empty() {
        return Ok(text);
    }
    let redacted = crate::redact::file::redact_dump(NAME, text.as_bytes())?;
    Ok(String::from_utf8_lossy(&redacted).into_owned())
}

/// The exchanges as an `oauth-doctor/exchanges/v1` document, values as sent and received.
pub fn to_dump(exchanges: &[Exchange]) -> Value {
    let list: Vec<Value> = exchanges.iter().map(dump_exchange).collect();
    json!({
        "format": "oauth-doctor/exchanges/v1",
        "creator": concat!("oauth-doctor ", env!("CARGO_PKG_VERSION"), " (live)"),
        "exchanges": list,
    })
}

fn dump_exchange(e: &Exchange) -> Value {
    let r = &e.request;
    let mut req = json!({
        "method": r.method,
        "url": r.url,
        "headers": headers_json(&r.headers),
    });
    if let Some(b) = &r.body {
        req["body"] = Value::String(b.clone());
    }
    let mut out = json!({ "request": req });
    if let Some(t) = e.started_at {
        out["started_at"] = Value::String(t.to_string());
    }
    if let Some(ms) = e.duration_ms {
        out["time"] = json!(ms);
    }
    if let Some(resp) = &e.response {
        let mut o = json!({
            "status": resp.status,
            "headers": headers_json(&resp.headers),
        });
        if let Some(b) = &resp.body {
            o["body"] = Value::String(b.clone());
        }
        if let Some(t) = &resp.transport_error {
            o["_error"] = Value::String(t.clone());
        }
        out["response"] = o;
    }
    out
}

fn headers_json(h: &Headers) -> Value {
    Value::Array(h.iter().map(|(k, v)| json!([k, v])).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Provenance, Request, Response};
    use base64::Engine as _;
    use std::sync::Arc;

    fn exchange(i: usize, request: Request, response: Response) -> Exchange {
        Exchange {
            ordinal: 0,
            index: i,
            source: Provenance {
                file: Arc::from(super::super::SOURCE_NAME),
                entry: i,
                line: None,
            },
            started_at: Some("2026-11-29T10:00:00Z".parse().unwrap()),
            duration_ms: Some(12.5),
            request,
            response: Some(response),
            kind: Kind::Other,
            sanitized: false,
            provider: None,
            verified: Vec::new(),
        }
    }

    fn b64url(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    /// A token request with Basic credentials and a token response with a JWT and a refresh
    /// token.
    fn token_exchange() -> (Exchange, [String; 4]) {
        let secret = "s3cr%t+with/special:chars=".to_string();
        let jwt = format!(
            "{}.{}.{}",
            b64url(r#"{"alg":"RS256","kid":"k1"}"#),
            b64url(r#"{"iss":"https://idp.example","sub":"app"}"#),
            b64url("a-signature-of-some-length-0123456789")
        );
        let refresh = "refresh-token-value-0123456789".to_string();
        let code = "authorization-code-value-42".to_string();
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("app:{}", crate::oauth::basic::form_encode(&secret)));
        let req = Request::new(
            "POST",
            "https://idp.example/token",
            Headers::new(vec![
                ("Authorization".into(), format!("Basic {basic}")),
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
            ]),
            Some(format!(
                "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
            )),
        );
        let resp = Response::new(
            200,
            Headers::new(vec![("Content-Type".into(), "application/json".into())]),
            Some(format!(
                r#"{{"access_token":"{jwt}","token_type":"Bearer","refresh_token":"{refresh}","expires_in":300}}"#
            )),
        );
        (exchange(0, req, resp), [secret, jwt, refresh, code])
    }

    #[test]
    fn a_saved_capture_is_the_redact_command_applied_to_the_clear_one() {
        let (e, secrets) = token_exchange();
        let clear = saved_capture(std::slice::from_ref(&e), true).unwrap();
        // The client secret is inside the Basic credentials.
        for s in &secrets[1..] {
            assert!(clear.contains(s.as_str()), "{s}");
        }
        let saved = saved_capture(&[e], false).unwrap();
        // `oauth-doctor redact` on the clear file writes the same bytes.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clear.json");
        std::fs::write(&path, &clear).unwrap();
        let mut redacted = Vec::new();
        crate::redact::file::redact(path.to_str().unwrap(), &mut redacted).unwrap();
        assert_eq!(String::from_utf8(redacted).unwrap(), saved);
        // No secret is left, names and structure are.
        for s in &secrets[1..] {
            assert!(!saved.contains(s.as_str()), "{s} in\n{saved}");
        }
        let doc: Value = serde_json::from_str(&saved).unwrap();
        let basic = doc["exchanges"][0]["request"]["headers"][0][1]
            .as_str()
            .unwrap();
        let pair = crate::capture_support::decode_basic(basic.strip_prefix("Basic ").unwrap());
        let (id, secret) = pair.as_deref().unwrap().split_once(':').unwrap();
        assert_eq!(id, "app");
        let secret = crate::oauth::basic::form_decode(secret);
        assert!(crate::redact::is_redacted(&secret), "{secret}");
        assert_ne!(secret, secrets[0]);
        let body = doc["exchanges"][0]["response"]["body"].as_str().unwrap();
        let tokens: Value = serde_json::from_str(body).unwrap();
        let at = tokens["access_token"].as_str().unwrap();
        let jwt = &secrets[1];
        let (signed, sig) = jwt.rsplit_once('.').unwrap();
        assert_eq!(
            at,
            format!("{signed}.{}", crate::redact::placeholder(sig)),
            "header and claims kept, signature replaced"
        );
        assert_eq!(tokens["token_type"], "Bearer");
        assert!(crate::redact::is_redacted(
            tokens["refresh_token"].as_str().unwrap()
        ));
    }
}
