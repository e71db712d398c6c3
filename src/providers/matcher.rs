//! Reading a provider's own error codes out of a response and matching them against the
//! knowledge base, exactly as `docs/signatures.md` describes: which codes each provider's answer
//! yields (`AADSTS…` in descriptions and `error_codes`, Google reasons, Facebook code/subcode,
//! Slack `ok:false`, Okta `errorCode`, Cognito `__type`, error pages, …), which text `contains`
//! is searched in, longest `contains` first, the most specific code wins. Tolerates bodies that
//! are truncated or redacted into invalid JSON. Judges nothing: rules decide what a match means.

use super::signatures::{self, Signature};
use crate::model::{Exchange, Kind, Params, Response};
use crate::oauth::www_auth;
use serde_json::{Map, Value};

/// How specific a code is (docs/signatures.md, matching rule 3): a higher level wins.
pub mod level {
    /// The bare RFC-style `error` value (also from forms, challenges, redirects, error pages).
    pub const ERROR: u8 = 0;
    /// A provider's own code family: Facebook `code`, Google `error.status`, Okta `errorCode`,
    /// Graph `error.code`, Cognito `__type`, Entra `suberror`, GitHub REST `message`, …
    pub const PROVIDER: u8 = 1;
    /// The most specific code: `AADSTS…`, Google `reason`, Facebook `code/subcode`, LinkedIn
    /// `code`.
    pub const SPECIFIC: u8 = 2;
}

/// One code read from a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub value: String,
    /// Where it was found, e.g. `response.body.error_codes`.
    pub at: &'static str,
    pub level: u8,
    /// Order of appearance (later codes in an Entra description are the more specific ones).
    pub pos: usize,
}

/// Everything a response says about its failure, in the provider's dialect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    pub codes: Vec<Code>,
    /// Text searched by `contains`, most relevant first (`error_description`, `message`, …).
    pub descriptions: Vec<String>,
    /// Where each description was read.
    pub description_at: Vec<&'static str>,
    /// Read from an HTML or plain-text error page rather than a structured body.
    pub page: bool,
    /// The body was not valid JSON and was read leniently (truncated or redacted capture).
    pub lenient: bool,
}

impl Extracted {
    fn code(&mut self, value: &str, at: &'static str, level: u8) {
        let value = value.trim();
        if value.is_empty() || value.len() > 200 {
            return;
        }
        let pos = self.codes.len();
        self.codes.push(Code {
            value: value.to_string(),
            at,
            level,
            pos,
        });
    }

    fn describe(&mut self, at: &'static str, text: &str) {
        let t = text.trim();
        if !t.is_empty() && !self.descriptions.iter().any(|d| d == t) {
            self.descriptions.push(t.to_string());
            self.description_at.push(at);
        }
    }

    /// The primary description, first line only (Entra appends trace ids on later lines).
    pub fn description(&self) -> Option<String> {
        let d = self.descriptions.first()?;
        let line = d.lines().map(str::trim).find(|l| !l.is_empty())?;
        let line = line
            .split(" Trace ID:")
            .next()
            .unwrap_or(line)
            .trim_end_matches(['\r', ' ']);
        let mut s: String = line.chars().take(240).collect();
        if line.chars().count() > 240 {
            s.push('…');
        }
        Some(s)
    }

    /// Where the primary description was read.
    pub fn description_location(&self) -> &'static str {
        self.description_at
            .first()
            .copied()
            .unwrap_or("response.body")
    }

    /// All description text, for `contains`.
    pub fn text(&self) -> String {
        self.descriptions.join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// A knowledge-base entry that a response matched.
#[derive(Debug, Clone)]
pub struct Match {
    pub signature: &'static Signature,
    /// The code as the response spelled it.
    pub code: String,
    pub at: &'static str,
    pub level: u8,
    /// The entry matched through its `contains` text (not as the code's fallback).
    pub by_contains: bool,
}

/// Match one exchange's response (and, for a callback, its request) for its detected provider.
pub fn matches(e: &Exchange) -> Vec<Match> {
    match e.provider {
        Some(p) => best(p, &extract(p, e)),
        None => Vec::new(),
    }
}

/// The codes an exchange carries, read in `provider`'s dialect.
pub fn extract(provider: &str, e: &Exchange) -> Extracted {
    let mut x = Extracted::default();
    if let Some(r) = &e.response {
        read_response(provider, r, &mut x);
    }
    if e.kind == Kind::Callback {
        let mut p = e.request.query.clone();
        if let Some(f) = e.request.parsed.as_ref().and_then(|u| u.fragment()) {
            p.0.extend(Params::parse(f).0);
        }
        p.0.extend(e.request.form.0.iter().cloned());
        read_params(&p, "request.url.error", &mut x);
    }
    finish(provider, &mut x);
    x
}

/// The codes of an authorization response (redirect parameters) in `provider`'s dialect.
pub fn extract_params(provider: &str, params: &Params, at: &'static str) -> Extracted {
    let mut x = Extracted::default();
    read_params(params, at, &mut x);
    finish(provider, &mut x);
    x
}

/// Apply the matching rules of docs/signatures.md to extracted codes: per code, the longest
/// `contains` found in the description beats the fallback; across codes, only the most specific
/// level that matched anything is kept. The primary match comes first.
pub fn best(provider: &str, x: &Extracted) -> Vec<Match> {
    let text = x.text().to_lowercase();
    let mut found: Vec<(Match, usize)> = Vec::new();
    for c in &x.codes {
        let mut by_contains: Option<&'static Signature> = None;
        let mut fallback: Option<&'static Signature> = None;
        for s in signatures::for_code(provider, &c.value) {
            match &s.contains {
                Some(needle) if text.contains(&needle.to_lowercase()) => {
                    let longer = by_contains.is_none_or(|b| {
                        needle.chars().count() > b.contains.as_deref().unwrap_or("").chars().count()
                    });
                    if longer {
                        by_contains = Some(s);
                    }
                }
                Some(_) => {}
                None => fallback = fallback.or(Some(s)),
            }
        }
        let Some(sig) = by_contains.or(fallback) else {
            continue;
        };
        if found
            .iter()
            .any(|(m, _)| std::ptr::eq(m.signature, sig) && m.level >= c.level)
        {
            continue;
        }
        found.retain(|(m, _)| !std::ptr::eq(m.signature, sig));
        found.push((
            Match {
                signature: sig,
                code: c.value.clone(),
                at: c.at,
                level: c.level,
                by_contains: by_contains.is_some(),
            },
            c.pos,
        ));
    }
    let Some(top) = found.iter().map(|(m, _)| m.level).max() else {
        return Vec::new();
    };
    found.retain(|(m, _)| m.level == top);
    found.sort_by(|(a, pa), (b, pb)| b.by_contains.cmp(&a.by_contains).then(pb.cmp(pa)));
    found.into_iter().map(|(m, _)| m).collect()
}

/// Location of an error page's text.
const PAGE: &str = "response.body (error page)";

fn desc_at_of(code_at: &str) -> &'static str {
    match code_at {
        "response.headers.location" => "response.headers.location.error_description",
        "request.url.error" => "request.url.error_description",
        _ => "error_description",
    }
}

fn key_at(k: &str) -> &'static str {
    match k {
        "error_description" => "response.body.error_description",
        "reason" => "response.body.reason",
        "error_hint" => "response.body.error_hint",
        _ => "response.body.error_debug",
    }
}

fn read_params(p: &Params, at: &'static str, x: &mut Extracted) {
    if let Some(code) = p.get("error").filter(|s| !s.is_empty()) {
        x.code(code, at, level::ERROR);
        if let Some(d) = p.get("error_description") {
            x.describe(desc_at_of(at), d);
        }
    }
}

fn read_response(provider: &str, r: &Response, x: &mut Extracted) {
    let body = r.body.as_deref().unwrap_or("");
    let lenient;
    let json = match &r.json {
        Some(j) => Some(j),
        None if body.trim_start().starts_with('{') => {
            lenient = lenient_object(body);
            x.lenient = lenient.is_some();
            lenient.as_ref()
        }
        None => None,
    };
    if let Some(Value::Object(o)) = json {
        read_json(provider, o, x);
    }
    if let Some(code) = r.form.get("error").filter(|s| !s.is_empty()) {
        x.code(code, "response.body.error", level::ERROR);
        if let Some(d) = r.form.get("error_description") {
            x.describe("response.body.error_description", d);
        }
    }
    for h in r.headers.get_all("www-authenticate") {
        let c = www_auth::parse(h);
        if let Some(code) = c.get("error").filter(|s| !s.is_empty()) {
            x.code(code, "response.headers.www-authenticate", level::ERROR);
            if let Some(d) = c.get("error_description") {
                x.describe("response.headers.www-authenticate", d);
            }
        }
    }
    if let Some(loc) = r.location() {
        read_params(
            &crate::model::signal::location_params(loc),
            "response.headers.location",
            x,
        );
    }
    if json.is_none() && r.form.is_empty() && !body.trim().is_empty() && !r.is_redirect() {
        read_page(provider, r, body, x);
    }
}

fn str_of<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    o.get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn num_of(o: &Map<String, Value>, k: &str) -> Option<String> {
    match o.get(k)? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(s.clone())
        }
        _ => None,
    }
}

fn messages_of(arr: Option<&Value>, key: &str) -> Vec<String> {
    arr.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.get(key).and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

fn read_json(provider: &str, o: &Map<String, Value>, x: &mut Extracted) {
    match o.get("error") {
        Some(Value::String(s)) if !s.is_empty() => {
            x.code(s, "response.body.error", level::ERROR);
        }
        Some(Value::Object(inner)) => read_nested_error(provider, inner, x),
        _ => {}
    }
    // Descriptions, most specific field first; Zoom puts its description in `reason`.
    for k in ["error_description", "reason", "error_hint", "error_debug"] {
        if let Some(d) = str_of(o, k) {
            x.describe(key_at(k), d);
        }
    }
    match provider {
        "entra" => {
            if let Some(arr) = o.get("error_codes").and_then(Value::as_array) {
                for n in arr.iter().filter_map(Value::as_u64) {
                    let code = format!("AADSTS{n}");
                    x.code(&code, "response.body.error_codes", level::SPECIFIC);
                }
            }
            if let Some(s) = str_of(o, "suberror") {
                x.code(s, "response.body.suberror", level::PROVIDER);
            }
        }
        "okta" => {
            if let Some(c) = str_of(o, "errorCode") {
                x.code(c, "response.body.errorCode", level::PROVIDER);
            }
            if let Some(d) = str_of(o, "errorSummary") {
                x.describe("response.body.errorSummary", d);
            }
            for d in messages_of(o.get("errorCauses"), "errorSummary") {
                x.describe("response.body.errorCauses.errorSummary", &d);
            }
        }
        "cognito" => {
            if let Some(t) = str_of(o, "__type") {
                let t = t.rsplit('#').next().unwrap_or(t);
                x.code(t, "response.body.__type", level::PROVIDER);
            }
            if let Some(d) = str_of(o, "message").or_else(|| str_of(o, "Message")) {
                x.describe("response.body.message", d);
            }
        }
        "github" if !o.contains_key("error") => {
            if let Some(m) = str_of(o, "message") {
                x.code(m, "response.body.message", level::PROVIDER);
                x.describe("response.body.message", m);
            }
        }
        "dropbox" => {
            if let Some(summary) = str_of(o, "error_summary") {
                let tag = summary.split('/').next().unwrap_or(summary);
                x.code(tag, "response.body.error_summary", level::PROVIDER);
                x.describe("response.body.error_summary", summary);
            }
        }
        "linkedin" => {
            if let Some(n) = num_of(o, "serviceErrorCode") {
                x.code(&n, "response.body.serviceErrorCode", level::PROVIDER);
            }
            if let Some(c) = str_of(o, "code") {
                x.code(c, "response.body.code", level::SPECIFIC);
            }
            if let Some(m) = str_of(o, "message") {
                x.describe("response.body.message", m);
            }
        }
        "twitter" => {
            if let Some(arr) = o.get("errors").and_then(Value::as_array) {
                for e in arr {
                    if let Some(n) = e.as_object().and_then(|m| num_of(m, "code")) {
                        x.code(&n, "response.body.errors.code", level::PROVIDER);
                    }
                    if let Some(m) = e.get("message").and_then(Value::as_str) {
                        x.describe("response.body.errors.message", m);
                    }
                }
            }
        }
        "zoom" | "atlassian" => {
            if let Some(n) = num_of(o, "code") {
                x.code(&n, "response.body.code", level::PROVIDER);
            }
            if let Some(m) = str_of(o, "message") {
                x.describe("response.body.message", m);
            }
        }
        "ping" => {
            if let Some(c) = str_of(o, "code") {
                x.code(c, "response.body.code", level::PROVIDER);
            }
            if let Some(m) = str_of(o, "message") {
                x.describe("response.body.message", m);
            }
            for d in messages_of(o.get("details"), "message") {
                x.describe("response.body.details.message", &d);
            }
        }
        _ => {}
    }
    if let Some(m) = str_of(o, "message") {
        x.describe("response.body.message", m);
    }
}

/// `{"error": {…}}`: Microsoft Graph, Google APIs, Facebook, Dropbox, Spotify's Web API.
fn read_nested_error(provider: &str, o: &Map<String, Value>, x: &mut Extracted) {
    match provider {
        "entra" => {
            if let Some(c) = str_of(o, "code") {
                x.code(c, "response.body.error.code", level::PROVIDER);
            }
        }
        "google" => {
            if let Some(s) = str_of(o, "status") {
                x.code(s, "response.body.error.status", level::PROVIDER);
            }
            for key in ["errors", "details"] {
                for reason in messages_of(o.get(key), "reason") {
                    let at = if key == "errors" {
                        "response.body.error.errors.reason"
                    } else {
                        "response.body.error.details.reason"
                    };
                    x.code(&reason, at, level::SPECIFIC);
                }
            }
        }
        "facebook" => {
            if let Some(c) = num_of(o, "code") {
                if let Some(sub) = num_of(o, "error_subcode") {
                    x.code(
                        &format!("{c}/{sub}"),
                        "response.body.error.error_subcode",
                        level::SPECIFIC,
                    );
                }
                x.code(&c, "response.body.error.code", level::PROVIDER);
            }
        }
        "dropbox" => {
            if let Some(t) = str_of(o, ".tag") {
                x.code(t, "response.body.error..tag", level::PROVIDER);
            }
        }
        _ => {}
    }
    if let Some(m) = str_of(o, "message") {
        x.describe("response.body.error.message", m);
    }
    for m in messages_of(o.get("errors"), "message") {
        x.describe("response.body.error.errors.message", &m);
    }
}

/// An HTML or plain-text error page: Entra "Sorry, but we're having trouble signing you in",
/// Google "400. That's an error." with `Error 400: <code>`, Spotify `INVALID_CLIENT: …`,
/// node-oidc-provider's "oops! something went wrong", Keycloak event lines pasted as text.
fn read_page(provider: &str, r: &Response, body: &str, x: &mut Extracted) {
    let html = r.is_html() || body.trim_start().starts_with('<');
    let text = if html {
        visible_text(body)
    } else {
        collapse(body)
    };
    let before = x.codes.len();
    match provider {
        "google" => {
            if let Some(code) = google_page_code(&text) {
                x.code(&code, PAGE, level::ERROR);
            }
        }
        "spotify" => {
            if let Some(code) = leading_upper_token(&text) {
                x.code(&code, PAGE, level::ERROR);
            }
        }
        "keycloak" => {
            if let Some(code) = keycloak_event_error(body) {
                x.code(&code, "response.body (event log)", level::PROVIDER);
            }
        }
        "node-oidc-provider" => {
            if let Some(code) = oidc_provider_page_field(body, "error") {
                x.code(&code, PAGE, level::ERROR);
            }
            if let Some(d) = oidc_provider_page_field(body, "error_description") {
                x.describe(PAGE, &d);
            }
        }
        _ => {}
    }
    let entra_codes = provider == "entra" && body.contains("AADSTS");
    if x.codes.len() > before || entra_codes {
        x.page = true;
        if entra_codes && !text.contains("AADSTS") {
            // A script-rendered page: the message sits in embedded JSON, not in visible text.
            if let Some(i) = body.find("AADSTS") {
                let snippet: String = body[i..]
                    .chars()
                    .take_while(|c| !matches!(c, '"' | '<' | '\n'))
                    .collect();
                x.describe(PAGE, &snippet);
            }
        }
        x.describe(PAGE, &text.chars().take(4000).collect::<String>());
        if entra_codes {
            scan_aadsts(body, PAGE, x);
        }
    }
}

/// Provider-wide finishing: Entra codes hidden in any description.
fn finish(provider: &str, x: &mut Extracted) {
    if provider == "entra" {
        let descs: Vec<(String, &'static str)> = x
            .descriptions
            .iter()
            .cloned()
            .zip(x.description_at.iter().copied())
            .collect();
        for (d, at) in &descs {
            scan_aadsts(d, at, x);
        }
    }
}

fn scan_aadsts(text: &str, at: &'static str, x: &mut Extracted) {
    let mut rest = text;
    while let Some(i) = rest.find("AADSTS") {
        let after = &rest[i + 6..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            x.code(&format!("AADSTS{digits}"), at, level::SPECIFIC);
        }
        rest = after;
    }
}

/// `Error 400: redirect_uri_mismatch` / `Error: invalid_client` on Google's error page.
fn google_page_code(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(i) = rest.find("Error") {
        let after = rest[i + 5..].trim_start_matches(' ');
        let after = after.trim_start_matches(|c: char| c.is_ascii_digit());
        if let Some(tail) = after.strip_prefix(':') {
            let code: String = tail
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !code.is_empty()
                && (code.contains('_') || code.chars().all(|c| c.is_ascii_lowercase()))
            {
                return Some(code);
            }
        }
        rest = &rest[i + 5..];
    }
    None
}

/// Spotify's authorize error page: `INVALID_CLIENT: Invalid redirect URI`.
fn leading_upper_token(text: &str) -> Option<String> {
    text.split_whitespace().find_map(|w| {
        let t = w.strip_suffix(':')?;
        (t.len() >= 4 && t.contains('_') && t.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .then(|| t.to_string())
    })
}

/// The `error=…` of a Keycloak event log line (`type=LOGIN_ERROR, realmId=…, error=…` or the
/// quoted form of newer versions).
fn keycloak_event_error(body: &str) -> Option<String> {
    for line in body.lines() {
        if !line.contains("type=") {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("error=") {
            let boundary = i == 0
                || rest[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c == ' ' || c == ',' || c == '\t');
            let value: String = rest[i + 6..]
                .trim_start_matches('"')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if boundary && !value.is_empty() {
                return Some(value);
            }
            rest = &rest[i + 6..];
        }
    }
    None
}

/// A field of node-oidc-provider's default error page: `<pre><strong>error</strong>: …</pre>`.
fn oidc_provider_page_field(body: &str, key: &str) -> Option<String> {
    let marker = format!("<strong>{key}</strong>:");
    let i = body.find(&marker)?;
    let rest = &body[i + marker.len()..];
    let end = rest.find("</pre>").unwrap_or(rest.len());
    let v = decode_entities(rest[..end].trim());
    (!v.is_empty()).then_some(v)
}

/// Visible text of an HTML page: tags, scripts and styles removed, entities decoded,
/// whitespace collapsed.
pub fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len().min(8192));
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    let bytes = html.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let skip_to = ["script", "style"].iter().find_map(|tag| {
                lower[i + 1..].starts_with(tag).then(|| {
                    let close = format!("</{tag}");
                    lower[i..]
                        .find(&close)
                        .map(|j| i + j)
                        .unwrap_or(bytes.len())
                })
            });
            let from = skip_to.unwrap_or(i);
            match html[from..].find('>') {
                Some(j) => i = from + j + 1,
                None => break,
            }
            out.push(' ');
            continue;
        }
        let next = html[i..].find('<').map(|j| i + j).unwrap_or(bytes.len());
        out.push_str(&html[i..next]);
        i = next;
        if out.len() > 200_000 {
            break;
        }
    }
    collapse(&decode_entities(&out))
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&rsquo;", "’")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// Read the error fields of a JSON object that does not parse (truncated, or redacted into
/// invalid JSON such as `"error_codes":[redacted:id]`).
fn lenient_object(body: &str) -> Option<Value> {
    let mut o = Map::new();
    for key in [
        "error",
        "error_description",
        "suberror",
        "message",
        "errorCode",
        "errorSummary",
        "__type",
        "reason",
    ] {
        if let Some(v) = lenient_string(body, key) {
            o.insert(key.to_string(), Value::String(v));
        }
    }
    if let Some(codes) = lenient_numbers(body, "error_codes") {
        o.insert("error_codes".into(), Value::Array(codes));
    }
    (!o.is_empty()).then_some(Value::Object(o))
}

/// Position just after `"key"` and its colon.
fn after_key(body: &str, key: &str) -> Option<usize> {
    let needle = format!("\"{key}\"");
    let mut from = 0;
    while let Some(i) = body[from..].find(&needle) {
        let j = from + i + needle.len();
        let rest = body[j..].trim_start();
        if let Some(r) = rest.strip_prefix(':') {
            return Some(body.len() - r.len());
        }
        from = j;
    }
    None
}

fn lenient_string(body: &str, key: &str) -> Option<String> {
    let start = after_key(body, key)?;
    let rest = body[start..].trim_start().strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        out.push(ch);
                    }
                }
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    (!out.trim().is_empty()).then_some(out)
}

fn lenient_numbers(body: &str, key: &str) -> Option<Vec<Value>> {
    let start = after_key(body, key)?;
    let rest = body[start..].trim_start().strip_prefix('[')?;
    let inner = rest.split(']').next().unwrap_or(rest);
    let nums: Vec<Value> = inner
        .split(',')
        .filter_map(|t| t.trim().parse::<u64>().ok())
        .map(Value::from)
        .collect();
    (!nums.is_empty()).then_some(nums)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Headers;

    fn response(status: u16, ct: &str, body: &str) -> Response {
        Response::new(
            status,
            Headers::new(vec![("Content-Type".into(), ct.into())]),
            Some(body.into()),
        )
    }

    fn codes(provider: &str, r: &Response) -> Vec<(String, u8)> {
        let mut x = Extracted::default();
        read_response(provider, r, &mut x);
        finish(provider, &mut x);
        x.codes.into_iter().map(|c| (c.value, c.level)).collect()
    }

    #[test]
    fn entra_codes_come_from_description_and_error_codes() {
        let r = response(
            401,
            "application/json",
            r#"{"error":"invalid_client","error_description":"AADSTS70002: Error validating credentials. AADSTS50012: Invalid client secret is provided.\r\nTrace ID: x","error_codes":[70002,50012]}"#,
        );
        let c = codes("entra", &r);
        assert!(c.contains(&("invalid_client".into(), level::ERROR)));
        assert!(c.contains(&("AADSTS70002".into(), level::SPECIFIC)));
        assert!(c.contains(&("AADSTS50012".into(), level::SPECIFIC)));
    }

    #[test]
    fn redacted_json_is_read_leniently() {
        let r = response(
            400,
            "application/json",
            r#"{"error":"interaction_required","error_description":"AADSTS50076: Due to a configuration change you must use multi-factor authentication. Trace ID: redacted:id","error_codes":[redacted:id],"trace_id":"redacted:id","error_uri":"redacted:url"#,
        );
        assert!(r.json.is_none());
        let c = codes("entra", &r);
        assert!(c.contains(&("AADSTS50076".into(), level::SPECIFIC)));
        assert!(c.contains(&("interaction_required".into(), level::ERROR)));
    }

    #[test]
    fn facebook_subcode_is_more_specific() {
        let r = response(
            400,
            "application/json",
            r#"{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":460,"fbtrace_id":"A"}}"#,
        );
        let c = codes("facebook", &r);
        assert_eq!(
            c,
            vec![
                ("190/460".to_string(), level::SPECIFIC),
                ("190".to_string(), level::PROVIDER)
            ]
        );
    }

    #[test]
    fn error_pages_yield_their_codes() {
        let g = response(
            400,
            "text/html",
            "<html><body><p>400. That’s an error.</p><p>Error 400: redirect_uri_mismatch</p></body></html>",
        );
        assert_eq!(
            codes("google", &g),
            vec![("redirect_uri_mismatch".into(), 0)]
        );
        let g2 = response(
            401,
            "text/html",
            "401. That’s an error.\n\nError: invalid_client\n\nThe OAuth client was not found.",
        );
        assert_eq!(codes("google", &g2), vec![("invalid_client".into(), 0)]);
        let s = response(400, "text/html", "INVALID_CLIENT: Invalid redirect URI");
        assert_eq!(codes("spotify", &s), vec![("INVALID_CLIENT".into(), 0)]);
        let k = response(
            400,
            "text/plain",
            "WARN [org.keycloak.events] type=LOGIN_ERROR, realmId=master, clientId=dashy, userId=null, error=invalid_redirect_uri, redirect_uri=https://x",
        );
        assert_eq!(
            codes("keycloak", &k),
            vec![("invalid_redirect_uri".into(), level::PROVIDER)]
        );
        let n = response(
            400,
            "text/html",
            "<!DOCTYPE html><html><head><title>oops! something went wrong</title></head><body><div><h1>oops! something went wrong</h1><pre><strong>error</strong>: invalid_redirect_uri</pre><pre><strong>error_description</strong>: redirect_uri did not match any of the client&#39;s registered redirect_uris</pre></div></body></html>",
        );
        assert_eq!(
            codes("node-oidc-provider", &n),
            vec![("invalid_redirect_uri".into(), 0)]
        );
    }

    #[test]
    fn visible_text_drops_scripts_and_styles() {
        let t = visible_text(
            "<html><head><style>p{x:y}</style><script>var a='<b>';</script></head><body><p>Hello &amp; bye</p></body></html>",
        );
        assert_eq!(t, "Hello & bye");
    }
}
