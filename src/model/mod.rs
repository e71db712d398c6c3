//! The data model every later stage reads: an [`Exchange`] is one HTTP request and its response,
//! with provenance (file and entry) and the decoded views rules need (query, form, JSON).
//! Owns parsing of bodies and parameters; it performs no I/O and prints nothing.

pub mod flow;
mod headers;
pub mod kind;
pub mod ledger;
pub mod masked;
pub mod sign_in;
pub mod signal;
mod verified;

pub use headers::Headers;
pub use kind::Kind;
pub use verified::{Verification, Verified};

use jiff::Timestamp;
use serde_json::Value;
use std::sync::Arc;
use url::Url;

/// Where an exchange came from: the input's display name and the entry index inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub file: Arc<str>,
    /// Zero-based index of the entry in its input (HAR `entries[n]`, dump array item, NDJSON line).
    pub entry: usize,
    /// 1-based line of the entry's first byte in the (decompressed) input, when known.
    pub line: Option<usize>,
}

/// Ordered name/value parameters (query string, form body).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// Parse `application/x-www-form-urlencoded` text (also query strings).
    pub fn parse(s: &str) -> Params {
        Params(
            url::form_urlencoded::parse(s.as_bytes())
                .filter(|(k, _)| !k.is_empty())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// First value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// First non-empty value of `name` (`name=` counts as absent).
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    pub fn count(&self, name: &str) -> usize {
        self.0.iter().filter(|(k, _)| k == name).count()
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// A captured request.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// The URL exactly as captured.
    pub url: String,
    /// The parsed URL, when it parses.
    pub parsed: Option<Url>,
    pub headers: Headers,
    /// Body text (decoded from base64 when the capture stored it so); `None` when absent.
    pub body: Option<String>,
    /// Decoded query string parameters.
    pub query: Params,
    /// Raw query string as captured (for encoding checks).
    pub raw_query: Option<String>,
    /// Form parameters when the body is a form (by content type or by shape).
    pub form: Params,
    /// The body parsed as JSON, when it is JSON.
    pub json: Option<Value>,
    /// Why the body is not in the capture although the request had one (an attachment file
    /// that is not there); `None` when the capture holds the body or there was none.
    pub body_elsewhere: Option<String>,
    /// What the browser fetched it for, as the exporter recorded it (Chrome's `_resourceType`:
    /// `document`, `xhr`, `fetch`, `script` …), lower-cased; `None` when not recorded.
    pub destination: Option<String>,
}

impl Request {
    pub fn new(method: &str, url: &str, headers: Headers, body: Option<String>) -> Request {
        let parsed = Url::parse(url).ok();
        let raw_query = parsed
            .as_ref()
            .and_then(|u| u.query().map(str::to_string))
            .or_else(|| {
                url.split_once('?')
                    .map(|(_, q)| q.split('#').next().unwrap_or("").to_string())
            });
        let query = raw_query.as_deref().map(Params::parse).unwrap_or_default();
        let media = headers.media_type();
        let mut form = Params::default();
        let mut json = None;
        if let Some(b) = body.as_deref() {
            let t = b.trim_start();
            if t.starts_with('{') || t.starts_with('[') {
                json = serde_json::from_str(b).ok();
            }
            let form_like = media.as_deref() == Some("application/x-www-form-urlencoded")
                || (json.is_none() && looks_like_form(b));
            if form_like && json.is_none() {
                form = Params::parse(b);
            }
        }
        Request {
            method: method.to_ascii_uppercase(),
            url: url.to_string(),
            parsed,
            headers,
            body,
            query,
            raw_query,
            form,
            json,
            body_elsewhere: None,
            destination: None,
        }
    }

    /// A top-level navigation of the browser: a page load, which follows redirects and is not
    /// subject to CORS (WHATWG Fetch, "navigate" mode). Known from the exporter's resource type
    /// or from the `Sec-Fetch-Mode` / `Sec-Fetch-Dest` headers the browser sent.
    pub fn is_navigation(&self) -> bool {
        if let Some(d) = self.destination.as_deref() {
            return d == "document";
        }
        self.headers
            .get("sec-fetch-mode")
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("navigate"))
            || self
                .headers
                .get("sec-fetch-dest")
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("document"))
    }

    /// A parameter from the form body, else from a JSON body (as string), else from the query.
    pub fn param(&self, name: &str) -> Option<String> {
        if let Some(v) = self.form.get(name) {
            return Some(v.to_string());
        }
        if let Some(v) = self.json.as_ref().and_then(|j| j.get(name)) {
            return Some(match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        }
        self.query.get(name).map(str::to_string)
    }

    pub fn host(&self) -> Option<&str> {
        self.parsed.as_ref().and_then(|u| u.host_str())
    }

    pub fn path(&self) -> &str {
        self.parsed.as_ref().map(|u| u.path()).unwrap_or("")
    }

    /// scheme, host and explicit non-default port: two requests share an origin when these are
    /// equal. Compares without allocating, for rules that match every exchange to every callback.
    pub fn origin(&self) -> Option<(&str, &str, Option<u16>)> {
        let u = self.parsed.as_ref()?;
        Some((u.scheme(), u.host_str()?, u.port()))
    }

    /// scheme://host[:port]/path — the URL without query and fragment.
    pub fn endpoint(&self) -> String {
        match &self.parsed {
            Some(u) => u[..url::Position::AfterPath].to_string(),
            None => self.url.split(['?', '#']).next().unwrap_or("").to_string(),
        }
    }

    /// The `Authorization` header split into (scheme, credentials).
    /// The decoded `Authorization: Basic` credentials, if the request sends them.
    pub fn basic_credentials(&self) -> Option<crate::oauth::basic::BasicCredentials> {
        let (scheme, cred) = self.authorization()?;
        crate::oauth::basic::BasicCredentials::parse(scheme, cred)
    }

    pub fn authorization(&self) -> Option<(&str, &str)> {
        let v = self.headers.get("authorization")?.trim();
        Some(match v.split_once(char::is_whitespace) {
            Some((s, rest)) => (s, rest.trim()),
            None => (v, ""),
        })
    }

    /// The bearer (or DPoP) access token this request presents, if any.
    pub fn presented_token(&self) -> Option<String> {
        if let Some((scheme, cred)) = self.authorization() {
            let token_scheme = ["bearer", "dpop", "token", "oauth", "jwt"]
                .iter()
                .any(|s| scheme.eq_ignore_ascii_case(s));
            if token_scheme && !cred.is_empty() {
                return Some(cred.to_string());
            }
        }
        self.query.get("access_token").map(str::to_string)
    }
}

/// A path segment that names one resource, not an endpoint: a number, a long identifier (a
/// UUID, a hash) or anything longer than 24 characters. Folded to `*` where endpoints are
/// compared by shape.
pub fn looks_like_id(seg: &str) -> bool {
    seg.len() > 24
        || seg.bytes().all(|b| b.is_ascii_digit())
        || (seg.len() >= 16 && seg.bytes().any(|b| b.is_ascii_digit()))
}

/// A body that reads as `application/x-www-form-urlencoded` whatever its content type says:
/// `name=value` pairs joined by `&`, names of URL-safe characters, no whitespace.
pub fn looks_like_form(b: &str) -> bool {
    let b = b.trim();
    !b.is_empty()
        && !b.contains(char::is_whitespace)
        && b.split('&').all(|kv| {
            let k = kv.split('=').next().unwrap_or("");
            !k.is_empty()
                && k.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"_-.%[]".contains(&c))
        })
        && b.contains('=')
}

/// A captured response.
#[derive(Debug, Clone, Default)]
pub struct Response {
    /// HTTP status; 0 when the request never got one (aborted, CORS, network error).
    pub status: u16,
    pub headers: Headers,
    /// Body text; `None` when the capture holds no body.
    pub body: Option<String>,
    /// JSON body, when the body is JSON.
    pub json: Option<Value>,
    /// Form-encoded body (GitHub answers so without `Accept: application/json`).
    pub form: Params,
    /// A transport error noted by the exporter (HAR `_error`) or by live mode.
    pub transport_error: Option<String>,
    /// Why the body is not in the capture although the server sent one (left out by the
    /// exporter, or stored in an attachment that is not there): unknown, never empty.
    pub body_elsewhere: Option<String>,
}

impl Response {
    /// Whether a `WWW-Authenticate` header asks for a token: the `Bearer` or `DPoP` scheme.
    pub fn challenges_for_a_token(&self) -> bool {
        self.headers.get_all("www-authenticate").any(|h| {
            let h = h.trim_start();
            let scheme = h.split([' ', ',']).next().unwrap_or("");
            scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("dpop")
        })
    }

    pub fn new(status: u16, headers: Headers, body: Option<String>) -> Response {
        let mut json = None;
        let mut form = Params::default();
        if let Some(b) = body.as_deref() {
            let t = b.trim_start();
            if t.starts_with('{') || t.starts_with('[') {
                json = serde_json::from_str(b).ok();
            } else if looks_like_form(b) {
                form = Params::parse(b.trim());
            }
        }
        Response {
            status,
            headers,
            body,
            json,
            form,
            transport_error: None,
            body_elsewhere: None,
        }
    }

    /// A string member of the JSON body (top level), or of a form-encoded body.
    pub fn field(&self, name: &str) -> Option<&str> {
        if let Some(v) = self
            .json
            .as_ref()
            .and_then(|j| j.get(name))
            .and_then(Value::as_str)
        {
            return Some(v);
        }
        self.form.get(name)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn is_redirect(&self) -> bool {
        (300..400).contains(&self.status)
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get("location")
    }

    pub fn is_html(&self) -> bool {
        self.headers
            .media_type()
            .is_some_and(|m| m.contains("html"))
            || self.body.as_deref().is_some_and(|b| {
                let t = b.trim_start().get(..15).unwrap_or("").to_ascii_lowercase();
                t.starts_with("<!doctype html") || t.starts_with("<html")
            })
    }

    /// The server's `Date` header as an instant.
    pub fn date(&self) -> Option<Timestamp> {
        self.headers.get("date").and_then(parse_http_date)
    }
}

/// A `Location` that points at an interactive login page.
pub fn looks_like_login(loc: &str) -> bool {
    let l = loc.to_ascii_lowercase();
    [
        "login", "signin", "sign-in", "sign_in", "/sso", "/saml", "logon",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// A loopback host (RFC 8252 §7.3, RFC 6761 §6.3): `localhost` and `*.localhost`, 127.0.0.0/8
/// and `::1`, written as a URL's host is (`[::1]`), in any letter case, with or without the
/// root's trailing dot.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    h == "localhost"
        || h.ends_with(".localhost")
        || h.parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
        || h.parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Parse an HTTP date (`Sun, 29 Nov 2026 10:00:00 GMT`, RFC 9110 IMF-fixdate).
pub fn parse_http_date(s: &str) -> Option<Timestamp> {
    jiff::fmt::rfc2822::parse(s.trim())
        .ok()
        .map(|z| z.timestamp())
}

/// Parse a capture timestamp: RFC 3339 with `Z` or an offset, 0–9 fractional digits.
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    // Python isoformat without offset, or a space separator.
    let fixed = s.replace(' ', "T");
    if let Ok(t) = fixed.parse::<Timestamp>() {
        return Some(t);
    }
    format!("{fixed}Z").parse::<Timestamp>().ok()
}

/// One request/response pair as captured, with its classification.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Zero-based position among all exchanges of this run.
    pub index: usize,
    /// Zero-based position in its own capture: with several inputs, each file's exchanges are
    /// numbered from 1 (`#N`, docs/json-output.md), while `index` runs across the run.
    pub ordinal: usize,
    pub source: Provenance,
    pub started_at: Option<Timestamp>,
    /// Total time in milliseconds, when known.
    pub duration_ms: Option<f64>,
    pub request: Request,
    pub response: Option<Response>,
    pub kind: Kind,
    /// The exporter dropped sensitive headers (sanitized export).
    pub sanitized: bool,
    /// The identity provider recognised for this exchange (docs/json-output.md, "Provider ids").
    pub provider: Option<&'static str>,
    /// What live mode verified itself about this exchange (empty for a capture).
    pub verified: Vec<Verified>,
}

impl Exchange {
    /// Human number used in reports (1-based).
    pub fn number(&self) -> usize {
        self.ordinal + 1
    }

    pub fn status(&self) -> Option<u16> {
        self.response.as_ref().map(|r| r.status)
    }

    /// The instant to judge lifetimes by: the server `Date`, else the capture timestamp.
    pub fn judged_at(&self) -> Option<Timestamp> {
        self.response
            .as_ref()
            .and_then(Response::date)
            .or(self.started_at)
    }

    /// The error the server reported for this exchange, wherever the response carries it.
    pub fn server_error(&self) -> Option<signal::ServerError> {
        signal::error_code(self)
    }

    /// Whether `inner` was sent while this exchange was waiting for its answer: a server that
    /// makes calls of its own to answer (a web app's callback redeeming the code) shows them
    /// inside its own time span.
    pub fn contains_in_time(&self, inner: &Exchange) -> bool {
        let (Some(o), Some(i), Some(ms)) = (self.started_at, inner.started_at, self.duration_ms)
        else {
            return false;
        };
        let start = o.as_millisecond();
        let t = i.as_millisecond();
        t >= start && (t as f64) <= start as f64 + ms
    }

    /// A response the browser received but did not hand to the page (the CORS protocol, WHATWG
    /// Fetch §3.2): the exporter noted a status together with a network error
    /// (`net::ERR_FAILED`) on a cross-origin call whose answer grants the page's origin no
    /// access (no `Access-Control-Allow-Origin`). A page load is not subject to CORS.
    pub fn blocked_by_browser(&self) -> bool {
        let Some(r) = &self.response else {
            return false;
        };
        !self.request.is_navigation()
            && r.status != 0
            && r.transport_error
                .as_deref()
                .is_some_and(|x| x.contains("ERR_FAILED") || x.contains("CORS"))
            && self.request.headers.contains("origin")
            && !r.headers.contains("access-control-allow-origin")
    }

    /// True when the exchange got a 2xx answer without an error in it.
    pub fn succeeded(&self) -> bool {
        self.response.as_ref().is_some_and(|r| r.is_success()) && !self.failed()
    }

    /// A token-endpoint request: classified so, or an unclassified POST that carries a grant
    /// parameter and got a token-endpoint-shaped answer (GitHub answers form-encoded bodies).
    pub fn is_token_request(&self) -> bool {
        match self.kind {
            Kind::Token => true,
            Kind::Other => {
                let r = &self.request;
                r.method == "POST"
                    && ["grant_type", "code", "refresh_token", "device_code"]
                        .iter()
                        .any(|p| {
                            r.form.has(p) || r.json.as_ref().is_some_and(|j| j.get(*p).is_some())
                        })
                    && self.response.as_ref().is_some_and(|resp| {
                        resp.field("access_token").is_some()
                            || resp.field("error").is_some()
                            || self.server_error().is_some()
                    })
            }
            _ => false,
        }
    }

    /// The `grant_type` a token request sends.
    pub fn grant_type(&self) -> Option<String> {
        self.request.param("grant_type")
    }

    /// An authorization-code redemption (`grant_type=authorization_code`, or a `code` without
    /// any grant_type, as GitHub accepts).
    pub fn is_code_redemption(&self) -> bool {
        self.is_token_request()
            && match self.grant_type().as_deref() {
                Some(g) => g == "authorization_code",
                None => self.request.param("code").is_some(),
            }
    }

    /// A refresh-token grant request.
    pub fn is_refresh(&self) -> bool {
        self.is_token_request() && self.grant_type().as_deref() == Some("refresh_token")
    }

    /// Milliseconds since the epoch at which the client sent the request (capture clock).
    pub fn sent_ms(&self) -> Option<i64> {
        self.started_at.map(|t| t.as_millisecond())
    }

    /// Milliseconds since the epoch at which the response was complete (capture clock).
    pub fn done_ms(&self) -> Option<i64> {
        self.sent_ms()
            .map(|s| s.saturating_add(self.duration_ms.unwrap_or(0.0).max(0.0) as i64))
    }

    /// The refresh token a request sends, unless it is an unset-variable literal
    /// ([`is_unset_literal`]).
    pub fn sent_refresh(&self) -> Option<String> {
        self.request
            .param("refresh_token")
            .filter(|v| !is_unset_literal(v))
    }

    /// The JSON object a successful answer carries (metadata, introspection), if any.
    pub fn answer_object(&self) -> Option<&serde_json::Map<String, Value>> {
        self.response
            .as_ref()
            .filter(|r| r.is_success())
            .and_then(|r| r.json.as_ref())
            .and_then(Value::as_object)
    }

    /// The refresh token a successful token-endpoint response issued, if any.
    pub fn issued_refresh(&self) -> Option<&str> {
        self.response
            .as_ref()
            .filter(|r| r.is_success())
            .and_then(|r| r.field("refresh_token"))
            .filter(|v| !v.is_empty())
    }

    /// A page load whose response the exporter did not record (status 0 with no error, or
    /// `net::ERR_ABORTED` because another navigation replaced it): a redirect hop or a page the
    /// user left, not a failure. A navigation is not subject to CORS (WHATWG Fetch, "navigate"
    /// mode), so status 0 there is not a blocked call either.
    pub fn navigation_unrecorded(&self) -> bool {
        self.request.is_navigation()
            && self.response.as_ref().is_some_and(|r| {
                r.status == 0
                    && r.transport_error
                        .as_deref()
                        .is_none_or(|t| t.contains("ERR_ABORTED"))
            })
    }

    /// True when the exchange failed at the HTTP or OAuth level.
    pub fn failed(&self) -> bool {
        match &self.response {
            None => false,
            Some(r) => {
                (r.status == 0 && !self.navigation_unrecorded())
                    || self.blocked_by_browser()
                    || r.status >= 400
                    || self.server_error().is_some()
                    || sign_in::refusal(self).is_some()
                    || (self.kind.is_back_channel() && r.is_redirect())
                    || (matches!(self.kind, Kind::Resource | Kind::Userinfo)
                        && r.is_redirect()
                        && looks_like_login(r.location().unwrap_or("")))
            }
        }
    }
}

/// A duration for people, in whole units, sign dropped: `45 s`, `12 min 26 s`, `65 min`,
/// `3 h`, `3 h 5 min`, `4 d 2 h`.
pub fn human_duration(secs: i64) -> String {
    let s = secs.unsigned_abs();
    if s < 120 {
        format!("{s} s")
    } else if s < 7200 {
        if s % 60 == 0 {
            format!("{} min", s / 60)
        } else {
            format!("{} min {} s", s / 60, s % 60)
        }
    } else if s < 172_800 {
        match (s / 3600, (s % 3600) / 60) {
            (h, 0) => format!("{h} h"),
            (h, m) => format!("{h} h {m} min"),
        }
    } else {
        match (s / 86_400, (s % 86_400) / 3600) {
            (d, 0) => format!("{d} d"),
            (d, h) => format!("{d} d {h} h"),
        }
    }
}

/// What a program sends when the variable that should hold a value was never set
/// (`refresh_token=undefined`, `code=null`, `[object Object]`, an empty string): the value is
/// the diagnosis, not a secret.
pub fn is_unset_literal(v: &str) -> bool {
    unset_literal_kind(v).is_some()
}

/// How an unset-variable literal ([`is_unset_literal`]) came about, for messages that must
/// not repeat it (the parameter may be one the redactor hides).
pub fn unset_literal_kind(v: &str) -> Option<&'static str> {
    let t = v.trim().to_ascii_lowercase();
    Some(match t.as_str() {
        "" => "an empty string",
        "\"\"" | "''" | "{}" => "quotes or braces with nothing inside",
        "undefined" => "the literal JavaScript prints for an unset variable",
        "null" | "none" | "nil" => "a null literal printed as text",
        "nan" => "a not-a-number literal",
        "[object object]" => "an object converted to text",
        "false" => "a boolean literal",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human_duration(45), "45 s");
        assert_eq!(human_duration(-600), "10 min");
        assert_eq!(human_duration(746), "12 min 26 s");
        assert_eq!(human_duration(3900), "65 min");
        assert_eq!(human_duration(7500), "2 h 5 min");
        assert_eq!(human_duration(3 * 3600 + 59), "3 h");
        assert_eq!(human_duration(5 * 86_400 + 7200), "5 d 2 h");
        assert_eq!(human_duration(5 * 86_400 + 60), "5 d");
    }

    #[test]
    fn unset_literals_are_recognised_and_described() {
        for v in [
            "undefined",
            "null",
            "None",
            " nil ",
            "NaN",
            "[object Object]",
            "{}",
            "",
            "''",
        ] {
            assert!(is_unset_literal(v), "{v:?}");
        }
        assert!(!is_unset_literal("abc") && !is_unset_literal("0"));
        assert_eq!(
            unset_literal_kind("undefined"),
            Some("the literal JavaScript prints for an unset variable")
        );
    }

    #[test]
    fn form_and_query_are_decoded() {
        let r = Request::new(
            "post",
            "https://idp.example/token?x=1",
            Headers::new(vec![(
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            )]),
            Some("grant_type=authorization_code&redirect_uri=https%3A%2F%2Fa.example%2Fcb".into()),
        );
        assert_eq!(r.method, "POST");
        assert_eq!(r.form.get("redirect_uri"), Some("https://a.example/cb"));
        assert_eq!(r.query.get("x"), Some("1"));
        assert_eq!(r.endpoint(), "https://idp.example/token");
    }

    #[test]
    fn json_body_is_not_a_form() {
        let r = Request::new(
            "POST",
            "https://idp.example/token",
            Headers::default(),
            Some(r#"{"grant_type":"client_credentials"}"#.into()),
        );
        assert!(r.form.is_empty());
        assert_eq!(r.param("grant_type").as_deref(), Some("client_credentials"));
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "127.0.0.1",
            "127.9.9.9",
            "localhost",
            "LocalHost.",
            "api.localhost",
            "[::1]",
            "::1",
            "[0:0:0:0:0:0:0:1]",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "10.0.0.1",
            "idp.example",
            "127.0.0.1.nip.io",
            "localhost.example",
            "",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn dates_parse_in_every_dialect() {
        for s in [
            "2026-11-29T10:00:00Z",
            "2026-11-29T10:00:00.123Z",
            "2026-11-29T12:00:00.1234567+02:00",
            "2026-11-29T10:00:00.123456+00:00",
        ] {
            assert!(parse_timestamp(s).is_some(), "{s}");
        }
        assert!(parse_http_date("Sun, 29 Nov 2026 10:00:00 GMT").is_some());
    }
}
