//! What every rule family's tests share: small captures built in the dump format, the whole
//! pipeline run over them, and the findings picked out of the result.
//!
//! Two builders: [`Cap`], a capture with its own clock (exchanges 100 ms apart unless told to
//! wait), and [`x`], one exchange at a given second with content types filled in.

use crate::diagnosis::Finding;
use crate::rules::Options;
use crate::{RuleFilter, analyze, capture};
use base64::Engine;
use serde_json::{Value, json};
use std::sync::Arc;

/// 2026-11-29T10:00:00Z, where every test capture starts (seconds since the epoch).
pub const T0: i64 = 1_795_946_400;

pub const TOK: &str = "https://idp.example.com/token";
pub const CB: &str = "https://app.example.com/cb";
pub const CB_ENC: &str = "https%3A%2F%2Fapp.example.com%2Fcb";
pub const OK_TOKENS: &str = r#"{"access_token":"at-1-aaaaaaaaaaaaaaaaaaaaaaa","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-1-bbbbbbbbbbbbbbbbbbbbbbbb","scope":"openid profile"}"#;
pub const DISCOVERY: &str = "https://idp.example.com/.well-known/openid-configuration";
/// The `WWW-Authenticate` of a resource that refused an access token.
pub const INVALID_TOKEN: &str = r#"Bearer error="invalid_token""#;

// ---------------------------------------------------------------------------------------------
// Running the pipeline
// ---------------------------------------------------------------------------------------------

/// Analyse a capture document (a dump, or a bare exchange or array of them, as text or JSON)
/// with options `o`.
pub fn run_doc_with(doc: impl ToString, o: &Options) -> Vec<Finding> {
    let loaded = capture::load_bytes(Arc::from("test.json"), doc.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("test capture: {e}"));
    analyze(loaded.exchanges, o, &RuleFilter::default()).findings
}

/// Analyse a capture document with the default options.
pub fn run_doc(doc: impl ToString) -> Vec<Finding> {
    run_doc_with(doc, &Options::default())
}

/// Analyse a capture made of `exchanges` (a JSON array, or a `Vec` of exchanges) with options `o`.
pub fn run_with(exchanges: impl Into<Value>, o: &Options) -> Vec<Finding> {
    run_doc_with(json!({ "exchanges": exchanges.into() }), o)
}

/// Analyse a capture made of `exchanges` with the default options.
pub fn run(exchanges: impl Into<Value>) -> Vec<Finding> {
    run_with(exchanges, &Options::default())
}

// ---------------------------------------------------------------------------------------------
// Picking findings
// ---------------------------------------------------------------------------------------------

/// The findings of one rule (those absorbed into another as consequences are not included).
pub fn of<'a>(f: &'a [Finding], code: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.rule == code).collect()
}

/// The top non-latent finding.
pub fn top(f: &[Finding]) -> Option<&Finding> {
    f.iter().find(|x| !x.latent)
}

/// The finding of `code`, or the one it was attached to as a consequence.
pub fn finding<'a>(f: &'a [Finding], code: &str) -> Option<&'a Finding> {
    f.iter()
        .find(|x| x.rule == code || x.consequences.contains(&code))
}

/// Whether `code` fired, also as a consequence of another finding.
pub fn fired(f: &[Finding], code: &str) -> bool {
    finding(f, code).is_some()
}

/// The finding of `code` itself; panics with the list of findings when it did not fire.
pub fn find<'a>(f: &'a [Finding], code: &str) -> &'a Finding {
    f.iter()
        .find(|x| x.rule == code)
        .unwrap_or_else(|| panic!("{code} did not fire: {}", summary(f)))
}

/// Category of the top non-latent finding.
pub fn top_category(f: &[Finding]) -> &'static str {
    top(f).map(|x| x.category.as_str()).unwrap_or("(none)")
}

/// The findings in one line, for assertion messages.
pub fn summary(f: &[Finding]) -> String {
    f.iter()
        .map(|x| {
            format!(
                "{}:{}{} {:.2}",
                x.rule,
                x.category,
                if x.latent { "(latent)" } else { "" },
                x.score
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// Building captures
// ---------------------------------------------------------------------------------------------

/// An HTTP `Date` header value (IMF-fixdate) for an instant.
fn http_date(t: jiff::Timestamp) -> String {
    jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&t)
        .unwrap_or_default()
}

/// Text in base64url without padding, as JWS segments are encoded.
pub fn b64url(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// A JSON value in base64url without padding.
pub fn b64(v: &Value) -> String {
    b64url(&v.to_string())
}

/// A compact JWS with a dummy signature.
pub fn jwt(h: Value, c: Value) -> String {
    format!("{}.{}.c2lnbmF0dXJl", b64(&h), b64(&c))
}

/// One exchange `t` seconds after [`T0`]. A JSON body gets a JSON content type, anything else
/// HTML (responses) or a form (requests).
#[allow(clippy::too_many_arguments)]
pub fn x(
    t: f64,
    method: &str,
    url: &str,
    req_headers: &[(&str, &str)],
    body: Option<&str>,
    status: u16,
    resp_headers: &[(&str, &str)],
    rbody: Option<&str>,
) -> Value {
    let start = jiff::Timestamp::from_millisecond(T0 * 1000 + (t * 1000.0) as i64)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let mut rh: Vec<Value> = resp_headers.iter().map(|(k, v)| json!([k, v])).collect();
    rh.push(json!(["Date", http_date(start)]));
    if let Some(b) = rbody {
        let ct = if b.trim_start().starts_with('{') {
            "application/json"
        } else {
            "text/html; charset=utf-8"
        };
        rh.push(json!(["Content-Type", ct]));
    }
    let mut qh: Vec<Value> = req_headers.iter().map(|(k, v)| json!([k, v])).collect();
    if let Some(b) = body {
        if !req_headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            let ct = if b.trim_start().starts_with('{') {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            };
            qh.push(json!(["Content-Type", ct]));
        }
    }
    json!({
        "started_at": start.to_string(),
        "request": {"method": method, "url": url, "headers": qh, "body": body},
        "response": {"status": status, "headers": rh, "body": rbody},
    })
}

/// A GET without request headers, `t` seconds after [`T0`] (see [`x`]).
pub fn get(
    t: f64,
    url: &str,
    status: u16,
    resp_headers: &[(&str, &str)],
    rbody: Option<&str>,
) -> Value {
    x(t, "GET", url, &[], None, status, resp_headers, rbody)
}

/// A capture under construction: exchanges 100 ms apart unless told to wait.
pub struct Cap {
    pub ex: Vec<Value>,
    /// The capture clock, milliseconds since the epoch.
    pub t: i64,
}

impl Cap {
    pub fn new() -> Cap {
        Cap {
            ex: Vec::new(),
            t: T0 * 1000,
        }
    }
    /// Advance the capture clock.
    pub fn wait(&mut self, secs: f64) -> &mut Self {
        self.t += (secs * 1000.0) as i64;
        self
    }
    /// Add an exchange; `date_skew` shifts the server `Date` header (seconds).
    #[allow(clippy::too_many_arguments)]
    pub fn add_full(
        &mut self,
        method: &str,
        url: &str,
        headers: Vec<(&str, &str)>,
        body: Option<&str>,
        status: u16,
        rheaders: Vec<(&str, &str)>,
        rbody: &str,
        date_skew: i64,
    ) -> &mut Self {
        let at = |ms: i64| jiff::Timestamp::from_millisecond(ms).unwrap();
        let mut rh: Vec<Value> = rheaders.iter().map(|(k, v)| json!([k, v])).collect();
        rh.push(json!(["Date", http_date(at(self.t + date_skew * 1000))]));
        let mut req = json!({
            "method": method, "url": url,
            "headers": headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        });
        if let Some(b) = body {
            req["body"] = json!(b);
        }
        self.ex.push(json!({
            "started_at": at(self.t).to_string(),
            "request": req,
            "response": {"status": status, "headers": rh, "body": rbody},
        }));
        self.t += 100;
        self
    }
    pub fn get(
        &mut self,
        url: &str,
        status: u16,
        rheaders: Vec<(&str, &str)>,
        rbody: &str,
    ) -> &mut Self {
        self.add_full("GET", url, vec![], None, status, rheaders, rbody, 0)
    }
    /// A form POST answered with JSON.
    pub fn post(
        &mut self,
        url: &str,
        headers: Vec<(&str, &str)>,
        body: &str,
        status: u16,
        rbody: &str,
    ) -> &mut Self {
        let mut h = vec![("Content-Type", "application/x-www-form-urlencoded")];
        h.extend(headers);
        self.add_full(
            "POST",
            url,
            h,
            Some(body),
            status,
            vec![("Content-Type", "application/json")],
            rbody,
            0,
        )
    }
    /// A token request to [`TOK`] without extra headers.
    pub fn token(&mut self, body: &str, status: u16, rbody: &str) -> &mut Self {
        self.post(TOK, vec![], body, status, rbody)
    }
    /// A GET presenting `token` as a bearer token, answered `status` with `www` as its
    /// `WWW-Authenticate` and no body.
    pub fn bearer_call(&mut self, url: &str, token: &str, status: u16, www: &str) -> &mut Self {
        self.add_full(
            "GET",
            url,
            vec![("Authorization", &format!("Bearer {token}"))],
            None,
            status,
            vec![("WWW-Authenticate", www)],
            "",
            0,
        )
    }
    /// Authorization request answered with a redirect to `location`.
    pub fn authorize(&mut self, query: &str, location: &str) -> &mut Self {
        self.get(
            &format!("https://idp.example.com/authorize?{query}"),
            302,
            vec![("Location", location)],
            "",
        )
    }
    pub fn run(&self) -> Vec<Finding> {
        self.run_with(&Options::default())
    }
    pub fn run_with(&self, o: &Options) -> Vec<Finding> {
        run_with(self.ex.clone(), o)
    }
}
