//! Tolerant decoding of documents and entries: every field but `request.method` and
//! `request.url` may be missing, `null` or of the wrong type; bodies stay raw until needed.

use super::decode::json_string;
use super::{CaptureError, Format, Loaded, Skipped};
use crate::capture_support::base64_body;
use crate::model::{Exchange, Headers, Kind, Provenance, Request, Response, parse_timestamp};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::sync::Arc;

type Raw<'a> = Option<&'a RawValue>;

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow, default)]
    log: Raw<'a>,
    #[serde(borrow, default)]
    exchanges: Raw<'a>,
    #[serde(borrow, default)]
    entries: Raw<'a>,
    #[serde(borrow, default)]
    request: Raw<'a>,
}

#[derive(Deserialize)]
struct HarLog<'a> {
    #[serde(borrow, default)]
    entries: Raw<'a>,
    #[serde(borrow, default)]
    creator: Raw<'a>,
}

/// An entry, its `request` a `Q` and its `response` an `S`: read where they stand in one pass
/// ([`EntryIn`]: a long body is walked once, not once per level), or kept raw to be read level
/// by level ([`RawEntry`]).
#[derive(Deserialize)]
#[serde(bound(deserialize = "Q: Deserialize<'de> + Default, S: Deserialize<'de> + Default"))]
struct Entry<'a, Q, S> {
    #[serde(borrow, default, alias = "startedDateTime")]
    started_at: Raw<'a>,
    #[serde(borrow, default)]
    time: Raw<'a>,
    #[serde(default)]
    request: Q,
    #[serde(default)]
    response: S,
    #[serde(borrow, default, rename = "_error")]
    error: Raw<'a>,
    #[serde(borrow, default, rename = "_resourceType")]
    resource_type: Raw<'a>,
}

/// A request, its `postData` a `P`.
#[derive(Deserialize)]
#[serde(bound(deserialize = "P: Deserialize<'de> + Default"))]
struct RequestOf<'a, P> {
    #[serde(borrow, default)]
    method: Raw<'a>,
    #[serde(borrow, default)]
    url: Raw<'a>,
    #[serde(borrow, default)]
    headers: Raw<'a>,
    #[serde(default, rename = "postData")]
    post_data: P,
    #[serde(borrow, default)]
    body: Raw<'a>,
    #[serde(borrow, default)]
    body_base64: Raw<'a>,
}

/// A response, its `content` a `C`.
#[derive(Deserialize)]
#[serde(bound(deserialize = "C: Deserialize<'de> + Default"))]
struct ResponseOf<'a, C> {
    #[serde(borrow, default)]
    status: Raw<'a>,
    #[serde(borrow, default)]
    headers: Raw<'a>,
    #[serde(default)]
    content: C,
    #[serde(borrow, default)]
    body: Raw<'a>,
    #[serde(borrow, default)]
    body_base64: Raw<'a>,
    #[serde(borrow, default, rename = "redirectURL")]
    redirect_url: Raw<'a>,
    #[serde(borrow, default, rename = "_error")]
    error: Raw<'a>,
}

type RequestIn<'a> = RequestOf<'a, Member<RawPostData<'a>>>;
type ResponseIn<'a> = ResponseOf<'a, Member<RawContent<'a>>>;
type EntryIn<'a> = Entry<'a, Member<RequestIn<'a>>, Member<ResponseIn<'a>>>;
/// The same entry read level by level, each object a second pass over its text: slower, but
/// it takes what the one-pass reader refuses (a repeated member, a number out of range where
/// an object should be) exactly as it always did.
type RawEntry<'a> = Entry<'a, Raw<'a>, Raw<'a>>;

/// A member that should be an object, read in its parent's pass: absent, `null`, of another
/// type (reported or ignored by the caller), or the object.
#[derive(Default)]
enum Member<T> {
    #[default]
    Absent,
    Null,
    NotObject,
    Object(T),
}

impl<T> Member<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Member<U> {
        match self {
            Member::Absent => Member::Absent,
            Member::Null => Member::Null,
            Member::NotObject => Member::NotObject,
            Member::Object(t) => Member::Object(f(t)),
        }
    }

    fn object(self) -> Option<T> {
        match self {
            Member::Object(t) => Some(t),
            _ => None,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Member<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{MapAccess, SeqAccess, Visitor};
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Member<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Member<T>, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(m)).map(Member::Object)
            }
            // An array is read as the members in order, as the level-by-level reader (serde's
            // derived structs) reads it.
            fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<Member<T>, A::Error> {
                T::deserialize(serde::de::value::SeqAccessDeserializer::new(s)).map(Member::Object)
            }
            fn visit_unit<E>(self) -> Result<Member<T>, E> {
                Ok(Member::Null)
            }
            fn visit_none<E>(self) -> Result<Member<T>, E> {
                Ok(Member::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Member<T>, E> {
                Ok(Member::NotObject)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Member<T>, E> {
                Ok(Member::NotObject)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Member<T>, E> {
                Ok(Member::NotObject)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Member<T>, E> {
                Ok(Member::NotObject)
            }
            fn visit_str<E>(self, _: &str) -> Result<Member<T>, E> {
                Ok(Member::NotObject)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct RawPostData<'a> {
    #[serde(borrow, default)]
    text: Raw<'a>,
    #[serde(borrow, default, rename = "_file")]
    file: Raw<'a>,
    #[serde(borrow, default)]
    params: Raw<'a>,
    #[serde(borrow, default)]
    encoding: Raw<'a>,
}

#[derive(Deserialize)]
struct RawContent<'a> {
    #[serde(borrow, default)]
    text: Raw<'a>,
    #[serde(borrow, default, rename = "_file")]
    file: Raw<'a>,
    #[serde(borrow, default)]
    size: Raw<'a>,
    #[serde(borrow, default)]
    comment: Raw<'a>,
    #[serde(borrow, default)]
    encoding: Raw<'a>,
}

fn json_error(file: &str, bytes: &[u8], e: &serde_json::Error) -> CaptureError {
    let _ = bytes;
    CaptureError::Json {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        msg: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or("")
            .to_string(),
    }
}

/// Parse a whole document (HAR, dump or NDJSON).
/// With `retain`, what is kept in full is bounded ([`super::retain`]); else every relevant
/// exchange is kept.
pub fn parse_document(name: Arc<str>, bytes: &[u8], retain: bool) -> Result<Loaded, CaptureError> {
    let mut loaded = parse_document_all(name, bytes, retain)?;
    loaded.finish();
    Ok(loaded)
}

fn parse_document_all(name: Arc<str>, bytes: &[u8], retain: bool) -> Result<Loaded, CaptureError> {
    let file = name.to_string();
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<&RawValue>();
    let first = match stream.next() {
        Some(Ok(v)) => v,
        Some(Err(e)) => return Err(json_error(&file, bytes, &e)),
        None => return Err(CaptureError::Empty { file }),
    };
    let second = stream.next();
    if second.is_some() && super::detect::looks_like_ndjson(bytes) {
        let mut cursor = std::io::Cursor::new(bytes);
        return super::ndjson::stream(name, &mut cursor, retain)
            .map_err(|error| CaptureError::Io { file, error });
    }
    let mut loaded = if retain {
        Loaded::retaining()
    } else {
        Loaded::default()
    };
    let mut lines = Lines {
        bytes,
        pos: 0,
        line: 1,
        seen: super::scan::Seen::default(),
    };
    if let Some(second) = second {
        // NDJSON: one exchange per line; a bad line is skipped, not fatal.
        loaded.format = Some(Format::Ndjson);
        let mut items: Vec<Result<&RawValue, String>> = vec![Ok(first)];
        items.push(second.map_err(|e| e.to_string()));
        let mut rest = stream;
        loop {
            match rest.next() {
                None => break,
                Some(Ok(v)) => items.push(Ok(v)),
                Some(Err(e)) => {
                    items.push(Err(e.to_string()));
                    break;
                }
            }
        }
        for (i, it) in items.into_iter().enumerate() {
            match it {
                Ok(v) => push_entry(&mut loaded, &mut lines, &name, i, v),
                Err(msg) => loaded.skip(Skipped {
                    file: name.clone(),
                    entry: i,
                    reason: format!("invalid JSON: {msg}"),
                }),
            }
        }
        return Ok(loaded);
    }
    let text = first.get();
    if text.starts_with('[') {
        loaded.format = Some(Format::Dump);
        let items: Vec<&RawValue> =
            serde_json::from_str(text).map_err(|e| json_error(&file, bytes, &e))?;
        // An array with no object in it (`[1,2,3]`) is JSON, but not a capture.
        if !items.is_empty() && !items.iter().any(|v| v.get().starts_with('{')) {
            return Err(CaptureError::NotCapture {
                file,
                what: "a JSON array with no exchange object in it".into(),
            });
        }
        for (i, v) in items.into_iter().enumerate() {
            push_entry(&mut loaded, &mut lines, &name, i, v);
        }
        return Ok(loaded);
    }
    let top: Top<'_> = serde_json::from_str(text).map_err(|e| json_error(&file, bytes, &e))?;
    if let Some(log) = top.log {
        loaded.format = Some(Format::Har);
        let log: HarLog<'_> =
            serde_json::from_str(log.get()).map_err(|_| CaptureError::NotCapture {
                file: file.clone(),
                what: "`log` is not an object".into(),
            })?;
        loaded.creator = log
            .creator
            .and_then(|c| serde_json::from_str::<serde_json::Value>(c.get()).ok())
            .and_then(|c| c.get("name").and_then(|n| n.as_str()).map(str::to_string));
        let entries = log.entries.map(|e| e.get()).unwrap_or("[]");
        let items: Vec<Option<&RawValue>> =
            serde_json::from_str(entries).map_err(|_| CaptureError::NotCapture {
                file: file.clone(),
                what: "`log.entries` is not an array".into(),
            })?;
        for (i, v) in items.into_iter().enumerate() {
            match v {
                Some(v) => push_entry(&mut loaded, &mut lines, &name, i, v),
                None => loaded.skip(Skipped {
                    file: name.clone(),
                    entry: i,
                    reason: "entry is null".into(),
                }),
            }
        }
        loaded.sanitized = detect_sanitized(&loaded);
        return Ok(loaded);
    }
    if let Some(list) = top.exchanges.or(top.entries) {
        loaded.format = Some(Format::Dump);
        let items: Vec<Option<&RawValue>> =
            serde_json::from_str(list.get()).map_err(|_| CaptureError::NotCapture {
                file: file.clone(),
                what: "`exchanges` is not an array".into(),
            })?;
        for (i, v) in items.into_iter().enumerate() {
            match v {
                Some(v) => push_entry(&mut loaded, &mut lines, &name, i, v),
                None => loaded.skip(Skipped {
                    file: name.clone(),
                    entry: i,
                    reason: "entry is null".into(),
                }),
            }
        }
        return Ok(loaded);
    }
    if top.request.is_some() {
        loaded.format = Some(Format::Dump);
        push_entry(&mut loaded, &mut lines, &name, 0, first);
        return Ok(loaded);
    }
    Err(CaptureError::NotCapture {
        file,
        what: "a JSON object without `log` (HAR), `exchanges` or `request` (exchange dump)".into(),
    })
}

/// Top-level members of the answers the rules read (RFC 6749 §5.1, §5.2; OpenID Connect Core
/// §5.3.2; RFC 7662 §2.2; RFC 8414 §2; RFC 7517 §5; RFC 8628 §3.2; RFC 9126 §2.2), and Slack's
/// `ok`. A member whose name ends in `_endpoint` counts too (metadata).
const OAUTH_MEMBERS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "token_type",
    "expires_in",
    "error",
    "error_description",
    "error_codes",
    "issuer",
    "keys",
    "device_code",
    "user_code",
    "request_uri",
    "active",
    "sub",
    "ok",
];

fn is_oauth_member(k: &str) -> bool {
    OAUTH_MEMBERS.contains(&k) || k.ends_with("_endpoint")
}

/// Whether a response body has an OAuth member at its top level: the names of a JSON object's
/// members (read without building a tree; values are skipped), or of a form-encoded body's
/// fields. A name nested deeper (`{"data": {"error": null}}`) does not count.
pub(super) fn has_oauth_members(body: &str) -> bool {
    /// Sets its flag at the first OAuth member, and stops there.
    struct Keys<'f>(&'f mut bool);
    impl<'de> serde::de::Visitor<'de> for Keys<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
            while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                if is_oauth_member(&k) {
                    *self.0 = true;
                    return Err(serde::de::Error::custom("found"));
                }
                m.next_value::<serde::de::IgnoredAny>()?;
            }
            Ok(())
        }
    }
    let t = body.trim_start();
    if t.starts_with('{') {
        use serde::Deserializer;
        // A body cut short still tells its first members.
        let mut found = false;
        let _ = serde_json::Deserializer::from_str(t).deserialize_map(Keys(&mut found));
        return found;
    }
    if t.starts_with('[') {
        return false;
    }
    crate::model::looks_like_form(t)
        && crate::model::Params::parse(t)
            .iter()
            .any(|(k, _)| is_oauth_member(k))
}

/// Chrome's default export drops `Authorization`, `Cookie` and `Set-Cookie` everywhere.
pub(super) fn detect_sanitized(l: &Loaded) -> bool {
    if l.exchanges.len() < 2 {
        return false;
    }
    let has = |e: &Exchange| {
        e.request.headers.contains("authorization")
            || e.request.headers.contains("cookie")
            || e.response
                .as_ref()
                .is_some_and(|r| r.headers.contains("set-cookie"))
    };
    let browser = l
        .creator
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("WebInspector"));
    browser && !l.exchanges.iter().any(has)
}

/// Line numbers of entries, counted incrementally (entries arrive in document order).
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    /// Tokens presented by earlier entries (for the relevance filter).
    seen: super::scan::Seen,
}

impl Lines<'_> {
    fn at(&mut self, v: &RawValue) -> Option<usize> {
        let start = self.bytes.as_ptr() as usize;
        let off = (v.get().as_ptr() as usize).checked_sub(start)?;
        if off > self.bytes.len() || off < self.pos {
            return None;
        }
        self.line += memchr::memchr_iter(b'\n', &self.bytes[self.pos..off]).count();
        self.pos = off;
        Some(self.line)
    }
}

/// The exchange an entry found by the scanner describes (with its line), or why it is none.
pub(super) fn read_scanned(
    name: &Arc<str>,
    raw: &super::scan::RawEntry<'_>,
) -> Result<Exchange, String> {
    std::str::from_utf8(raw.bytes)
        .map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))
        .and_then(|t| parse_entry_text(name, raw.index, t))
        .map(|mut e| {
            e.source.line = Some(raw.line);
            e
        })
}

/// Whether an exchange judged relevant on its raw bytes is OAuth's by its parts: it failed, it
/// presents a token, its URL, headers or request body carry an OAuth marker, its answer's
/// top-level members are an OAuth answer's, or its answer is a page that speaks of OAuth (an
/// identity provider's sign-in page). (The raw judging also searches other short response
/// bodies, where an image's base64 can spell `jwks` and an API payload can nest an `error`:
/// those alone do not make an exchange OAuth's.)
pub(super) fn oauth_relevant(e: &Exchange) -> bool {
    use super::scan::has_marker;
    let r = &e.request;
    let headers = |h: &crate::model::Headers| h.iter().any(|(n, v)| has_marker(n) || has_marker(v));
    // Cheapest first: most relevant exchanges are decided by their status or URL.
    let failed = e
        .response
        .as_ref()
        .is_none_or(|resp| !(100..400).contains(&resp.status));
    failed
        || has_marker(&r.url)
        || headers(&r.headers)
        || r.body.as_deref().is_some_and(has_marker)
        || r.presented_token().is_some()
        || e.response.as_ref().is_some_and(|resp| {
            headers(&resp.headers)
                || resp.body.as_deref().is_some_and(|b| {
                    has_oauth_members(b) || (is_page(&resp.headers, b) && has_marker(b))
                })
        })
}

/// A page: HTML by its content type, or by its first character when it has none.
fn is_page(headers: &crate::model::Headers, body: &str) -> bool {
    match headers.media_type() {
        Some(m) => m == "text/html" || m == "application/xhtml+xml",
        None => body.trim_start().starts_with('<'),
    }
}

/// Add an exchange judged relevant on its raw bytes: kept when it is OAuth's by its parts,
/// else counted with the entries that are not.
pub(super) fn add_relevant(loaded: &mut Loaded, e: Exchange) {
    if oauth_relevant(&e) {
        loaded.add(e);
    } else {
        loaded.ignored += 1;
    }
}

/// Add an entry found by the scanner: skipped when oversized, counted when not relevant, else
/// read (unless another thread already read it, `read`) and added.
pub(super) fn push_read(
    loaded: &mut Loaded,
    name: &Arc<str>,
    raw: super::scan::RawEntry<'_>,
    read: Option<Result<Exchange, String>>,
) {
    loaded.last_line = Some(raw.line);
    if raw.oversized {
        loaded.skip(Skipped {
            file: name.clone(),
            entry: raw.index,
            reason: format!(
                "entry is larger than {} MiB: not analysed",
                super::scan::MAX_ENTRY >> 20
            ),
        });
        return;
    }
    if !raw.relevant {
        loaded.ignored += 1;
        return;
    }
    match read.unwrap_or_else(|| read_scanned(name, &raw)) {
        Ok(e) => add_relevant(loaded, e),
        Err(reason) => loaded.skip(Skipped {
            file: name.clone(),
            entry: raw.index,
            reason,
        }),
    }
}

fn push_entry(loaded: &mut Loaded, lines: &mut Lines<'_>, name: &Arc<str>, i: usize, v: &RawValue) {
    let line = lines.at(v);
    push_value(loaded, &mut lines.seen, name, i, v, line);
}

/// Judge one entry and add it, parsed, when it is relevant.
fn push_value(
    loaded: &mut Loaded,
    seen: &mut super::scan::Seen,
    name: &Arc<str>,
    i: usize,
    v: &RawValue,
    line: Option<usize>,
) {
    if !super::scan::entry_is_relevant(v.get().as_bytes(), seen) {
        loaded.ignored += 1;
        return;
    }
    match parse_entry(name, i, v) {
        Ok(mut e) => {
            e.source.line = line;
            add_relevant(loaded, e)
        }
        Err(reason) => loaded.skip(Skipped {
            file: name.clone(),
            entry: i,
            reason,
        }),
    }
}

/// A raw member as text, borrowed from the capture when it is a string without escapes (most
/// are: methods, URLs, header values), decoded otherwise; a number as written; `null` as absent.
fn raw_str<'a>(r: Raw<'a>) -> Option<std::borrow::Cow<'a, str>> {
    let t = r?.get();
    if t.len() >= 2 && t.starts_with('"') && !t.contains('\\') {
        // A valid JSON string without a backslash holds its text verbatim between its quotes.
        return Some(std::borrow::Cow::Borrowed(&t[1..t.len() - 1]));
    }
    raw_string(r).map(std::borrow::Cow::Owned)
}

fn raw_string(r: Raw<'_>) -> Option<String> {
    let r = r?;
    let t = r.get();
    if t.starts_with('"') {
        json_string(t)
    } else if t == "null" {
        None
    } else {
        Some(t.to_string())
    }
}

fn raw_number(r: Raw<'_>) -> Option<f64> {
    let t = r?.get().trim();
    t.parse::<f64>()
        .ok()
        .or_else(|| json_string(t).and_then(|s| s.trim().parse().ok()))
}

/// A header as every HAR exporter writes it (extra members such as `comment` ignored).
#[derive(Deserialize)]
struct NameValue<'a> {
    #[serde(borrow)]
    name: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    value: std::borrow::Cow<'a, str>,
}

fn parse_headers(r: Raw<'_>) -> Headers {
    let Some(r) = r else {
        return Headers::default();
    };
    // The common shape, read without building a JSON tree: an array of objects whose `name`
    // and `value` are strings. Anything else takes the tolerant path below.
    if let Ok(items) = serde_json::from_str::<Vec<NameValue<'_>>>(r.get()) {
        let mut h = Headers::with_capacity(
            items.len(),
            items.iter().map(|p| p.name.len() + p.value.len()).sum(),
        );
        for p in items.iter().filter(|p| !p.name.is_empty()) {
            h.push(&p.name, &p.value);
        }
        return h;
    }
    parse_headers_tolerant(r)
}

/// Headers in any shape exporters produce: pairs, objects of names, numbers and `null`s.
fn parse_headers_tolerant(r: &RawValue) -> Headers {
    let v: serde_json::Value = match serde_json::from_str(r.get()) {
        Ok(v) => v,
        Err(_) => return Headers::default(),
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    };
    let mut out = Vec::new();
    match v {
        serde_json::Value::Array(items) => {
            for it in items {
                match it {
                    serde_json::Value::Object(o) => {
                        if let (Some(n), Some(val)) =
                            (o.get("name").and_then(text), o.get("value").and_then(text))
                        {
                            if !n.is_empty() {
                                out.push((n, val));
                            }
                        }
                    }
                    serde_json::Value::Array(pair) if pair.len() == 2 => {
                        if let (Some(n), Some(val)) = (text(&pair[0]), text(&pair[1])) {
                            out.push((n, val));
                        }
                    }
                    _ => {}
                }
            }
        }
        serde_json::Value::Object(o) => {
            for (k, val) in o {
                match val {
                    serde_json::Value::Array(vals) => {
                        out.extend(vals.iter().filter_map(text).map(|x| (k.clone(), x)))
                    }
                    other => {
                        if let Some(x) = text(&other) {
                            out.push((k, x));
                        }
                    }
                }
            }
        }
        _ => {}
    }
    Headers::new(out)
}

/// Largest body read from an attachment file.
const MAX_ATTACHMENT: u64 = 16 << 20;

/// A body stored beside the capture (Playwright's `_file`, recorded with `content: 'attach'`):
/// read from the capture's directory when it is there, else why it is not in the capture. Only
/// a bare file name is read, never a path.
fn attachment(capture: &str, file: &str) -> Result<String, String> {
    let outside = |why: &str| format!("it is in the attachment `{file}`, {why}");
    let bare = !file.contains(['/', '\\']) && file != ".." && file != ".";
    let dir = std::path::Path::new(capture)
        .parent()
        .filter(|_| capture != "-" && bare);
    let Some(dir) = dir else {
        return Err(outside("which is not in the capture"));
    };
    let path = dir.join(file);
    match std::fs::metadata(&path) {
        Ok(m) if m.len() > MAX_ATTACHMENT => Err(outside(&format!(
            "larger than {} MiB: not read",
            MAX_ATTACHMENT >> 20
        ))),
        Ok(_) => std::fs::read(&path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| outside(&format!("which could not be read ({e})"))),
        Err(_) => Err(outside("which is not next to the capture")),
    }
}

fn decode_body(text: Raw<'_>, encoding: Raw<'_>) -> Option<String> {
    let t = raw_str(text)?;
    if raw_str(encoding).is_some_and(|e| e.eq_ignore_ascii_case("base64")) {
        let bytes = base64_body(&t)?;
        return Some(String::from_utf8_lossy(&bytes).into_owned());
    }
    Some(t.into_owned())
}

fn body_from_params(params: Raw<'_>) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(params?.get()).ok()?;
    let items = v.as_array()?;
    if items.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    for it in items {
        let n = it.get("name").and_then(|x| x.as_str()).unwrap_or("");
        if n.is_empty() {
            continue;
        }
        let val = it.get("value").and_then(|x| x.as_str()).unwrap_or("");
        // Exporters disagree on whether params are percent-decoded: keep encoded values as-is.
        let enc = |s: &str| {
            let already = s.contains('%')
                && s.split('%')
                    .skip(1)
                    .all(|p| p.len() >= 2 && p[..2].chars().all(|c| c.is_ascii_hexdigit()));
            if already && !s.contains(' ') {
                s.to_string()
            } else {
                crate::oauth::basic::form_encode(s)
            }
        };
        parts.push(format!("{}={}", enc(n), enc(val)));
    }
    Some(parts.join("&"))
}

pub(crate) fn parse_entry(name: &Arc<str>, i: usize, v: &RawValue) -> Result<Exchange, String> {
    parse_entry_text(name, i, v.get())
}

/// An entry the one-pass reader refused, read level by level as it always was: a repeated
/// member or a number out of range where an object belongs costs a second pass, not the entry.
fn entry_level_by_level(text: &str) -> Result<EntryIn<'_>, String> {
    let e: RawEntry<'_> = serde_json::from_str(text).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            format!("invalid JSON ({e})")
        } else {
            format!("not an entry object ({e})")
        }
    })?;
    let request = member::<RequestOf<'_, Raw<'_>>>(e.request).map(|r| RequestOf {
        method: r.method,
        url: r.url,
        headers: r.headers,
        post_data: member(r.post_data),
        body: r.body,
        body_base64: r.body_base64,
    });
    let response = member::<ResponseOf<'_, Raw<'_>>>(e.response).map(|r| ResponseOf {
        status: r.status,
        headers: r.headers,
        content: member(r.content),
        body: r.body,
        body_base64: r.body_base64,
        redirect_url: r.redirect_url,
        error: r.error,
    });
    Ok(Entry {
        started_at: e.started_at,
        time: e.time,
        request,
        response,
        error: e.error,
        resource_type: e.resource_type,
    })
}

/// A member whose members are all raw values, read from its own text (JSON `null` is absent:
/// a [`Raw`] holds none).
fn member<'a, T: Deserialize<'a>>(r: Raw<'a>) -> Member<T> {
    match r.map(|r| serde_json::from_str::<T>(r.get())) {
        None => Member::Absent,
        Some(Ok(t)) => Member::Object(t),
        Some(Err(_)) => Member::NotObject,
    }
}

/// [`parse_entry`] on text not yet known to be JSON (the streaming scanner's entries): the one
/// pass that reads the entry also finds its syntax errors, reported as invalid JSON.
pub(super) fn parse_entry_text(name: &Arc<str>, i: usize, text: &str) -> Result<Exchange, String> {
    let e = match serde_json::from_str::<EntryIn<'_>>(text) {
        Ok(e) => e,
        Err(_) => entry_level_by_level(text)?,
    };
    exchange_from(name, i, e)
}

/// The exchange an entry describes, however it was read.
fn exchange_from(name: &Arc<str>, i: usize, e: EntryIn<'_>) -> Result<Exchange, String> {
    let req = match e.request {
        Member::Object(r) => r,
        Member::Absent | Member::Null => return Err("no `request`".into()),
        Member::NotObject => return Err("`request` is not an object".into()),
    };
    let method = raw_str(req.method)
        .filter(|m| !m.is_empty())
        .ok_or("request has no method")?;
    let url = raw_str(req.url)
        .filter(|u| !u.is_empty())
        .ok_or("request has no url")?;
    if method.len() > 32 || !method.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-') {
        return Err(format!(
            "request method `{}` is not an HTTP method",
            method.chars().take(32).collect::<String>()
        ));
    }
    let headers = parse_headers(req.headers);
    let mut body = None;
    let mut request_elsewhere = None;
    if let Some(pd) = req.post_data.object() {
        body = decode_body(pd.text, pd.encoding)
            .filter(|t| !t.is_empty())
            .or_else(|| body_from_params(pd.params));
        if body.is_none() {
            if let Some(f) = raw_str(pd.file).filter(|f| !f.is_empty()) {
                match attachment(name, &f) {
                    Ok(b) => body = Some(b),
                    Err(why) => request_elsewhere = Some(why),
                }
            }
        }
    }
    if body.is_none() {
        body = raw_string(req.body).or_else(|| {
            raw_string(req.body_base64)
                .and_then(|b| base64_body(&b))
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        });
    }
    let mut request = Request::new(&method, &url, headers, body);
    request.body_elsewhere = request_elsewhere;
    request.destination = raw_str(e.resource_type)
        .filter(|t| !t.is_empty())
        .map(|t| t.to_ascii_lowercase());
    let response = match e.response {
        Member::Absent | Member::Null => None,
        Member::NotObject => return Err("`response` is not an object".into()),
        Member::Object(rr) => {
            let status = raw_number(rr.status)
                .map(|s| {
                    if (0.0..1000.0).contains(&s) {
                        s as u16
                    } else {
                        0
                    }
                })
                .unwrap_or(0);
            let mut headers = parse_headers(rr.headers);
            let mut body = None;
            let mut elsewhere = None;
            if let Some(c) = rr.content.object() {
                let size = raw_number(c.size).unwrap_or(0.0);
                let comment = raw_string(c.comment).filter(|c| !c.is_empty());
                body = decode_body(c.text, c.encoding);
                if body.is_none() {
                    if let Some(f) = raw_str(c.file).filter(|f| !f.is_empty()) {
                        match attachment(name, &f) {
                            Ok(b) => body = Some(b),
                            Err(why) => elsewhere = Some(why),
                        }
                    } else if let Some(c) = comment {
                        elsewhere = Some(format!("the exporter left it out (\"{c}\")"));
                    } else if size > 0.0 {
                        elsewhere = Some(format!(
                            "the exporter left out its {size} bytes (`content.size` without \
                             `content.text`)"
                        ));
                    }
                } else if body.as_deref() == Some("") && size > 0.0 {
                    body = None;
                    elsewhere = Some(format!(
                        "the exporter left out its {size} bytes (`content.size` with an empty \
                         `content.text`)"
                    ));
                }
            }
            if body.is_none() {
                body = raw_string(rr.body).or_else(|| {
                    raw_string(rr.body_base64)
                        .and_then(|b| base64_body(&b))
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                });
            }
            if let Some(loc) = raw_str(rr.redirect_url).filter(|s| !s.is_empty()) {
                if !headers.contains("location") {
                    headers.push("Location", &loc);
                }
            }
            // Only what the rules need is kept: the payload of a successful API call that
            // presents a token is dropped before it is parsed, unless one of its top-level
            // members is one an OAuth response has (userinfo, introspection, an error).
            let api_payload = (200..300).contains(&status) && request.presented_token().is_some();
            let body = body.filter(|b| !api_payload || b.len() <= 64 || has_oauth_members(b));
            let mut resp = Response::new(status, headers, body);
            resp.body_elsewhere = elsewhere;
            resp.transport_error = raw_string(rr.error)
                .or_else(|| raw_string(e.error))
                .filter(|s| !s.is_empty());
            Some(resp)
        }
    };
    Ok(Exchange {
        ordinal: 0,
        index: 0,
        source: Provenance {
            file: name.clone(),
            entry: i,
            line: None,
        },
        started_at: raw_str(e.started_at).and_then(|s| parse_timestamp(&s)),
        duration_ms: raw_number(e.time).filter(|t| *t >= 0.0),
        request,
        response,
        kind: Kind::Other,
        sanitized: false,
        provider: None,
        verified: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass reader and the level-by-level one make the same exchange of every entry of
    /// every fixture, and of entries only the second accepts.
    #[test]
    fn one_pass_and_level_by_level_readers_agree() {
        let name: Arc<str> = Arc::from("t");
        let both = |text: &str| {
            let one = serde_json::from_str::<EntryIn<'_>>(text)
                .map_err(|e| e.to_string())
                .and_then(|e| exchange_from(&name, 0, e));
            let two = entry_level_by_level(text).and_then(|e| exchange_from(&name, 0, e));
            (format!("{one:?}"), format!("{two:?}"))
        };
        let mut entries = 0;
        for (path, text) in crate::capture::fixture_entries() {
            let (one, two) = both(&text);
            assert_eq!(one, two, "{}", path.display());
            entries += 1;
        }
        assert!(entries > 400, "only {entries} entries read");
        // What the one-pass reader refuses, the level-by-level one still reads.
        let repeated = r#"{"request":{"method":"GET","url":"https://a/","url":"https://b/"},"response":{"status":401}}"#;
        assert!(serde_json::from_str::<EntryIn<'_>>(repeated).is_err());
        let e = parse_entry_text(&name, 0, repeated);
        assert!(e.is_err(), "{e:?}");
        // An array where an object belongs is read as its members in order by both.
        for text in [
            r#"{"request":["GET","https://idp/token"],"response":{"status":400}}"#,
            r#"{"request":{"method":"POST","url":"https://idp/token","postData":["grant_type=x"]},"response":["401"]}"#,
        ] {
            let (one, two) = both(text);
            assert_eq!(one, two, "{text}");
        }
        let out_of_range = r#"{"request":{"method":"GET","url":"https://a/","postData":1e400},"response":{"status":401}}"#;
        assert!(serde_json::from_str::<EntryIn<'_>>(out_of_range).is_err());
        let e = parse_entry_text(&name, 0, out_of_range).unwrap();
        assert_eq!(e.request.url, "https://a/");
        assert_eq!(e.response.unwrap().status, 401);
    }

    /// A marker that only a response body spells (an image's base64, a nested API member)
    /// does not make an exchange OAuth's; a sign-in page, a top-level OAuth member, a failure
    /// and a presented token do.
    #[test]
    fn relevance_is_confirmed_by_the_parts_of_the_exchange() {
        let entry = |url: &str, status: u16, mime: &str, text: &str, headers: &str| {
            format!(
                r#"{{"request":{{"method":"GET","url":"{url}","headers":[{headers}]}},"response":{{"status":{status},"headers":[{{"name":"Content-Type","value":"{mime}"}}],"content":{{"mimeType":"{mime}","text":{}}}}}}}"#,
                serde_json::to_string(text).unwrap()
            )
        };
        let cases = [
            (
                entry(
                    "https://cdn.test/a.png",
                    200,
                    "image/png",
                    "iVBORw0KGgoAAjwksAAoauthZ",
                    "",
                ),
                false,
            ),
            (
                entry(
                    "https://api.test/orders",
                    200,
                    "application/json",
                    r#"{"data":{"error":null,"refresh_token":null}}"#,
                    "",
                ),
                false,
            ),
            (
                entry(
                    "https://api.test/session",
                    200,
                    "application/json",
                    r#"{"access_token":"x","token_type":"Bearer"}"#,
                    "",
                ),
                true,
            ),
            (
                entry(
                    "https://login.test/kmsi",
                    200,
                    "text/html",
                    "<html><script>$Config={urlPost:'/oauth2/authorize'}</script>",
                    "",
                ),
                true,
            ),
            (
                entry("https://cdn.test/b.png", 404, "image/png", "jwks", ""),
                true,
            ),
            (
                entry(
                    "https://api.test/orders",
                    200,
                    "application/json",
                    "{}",
                    r#"{"name":"Authorization","value":"Bearer abcdefgh12345678"}"#,
                ),
                true,
            ),
        ];
        for (e, relevant) in cases {
            let doc = format!(r#"{{"log":{{"entries":[{e}]}}}}"#);
            let l = parse_document(Arc::from("t.har"), doc.as_bytes(), false).unwrap();
            assert_eq!(l.exchanges.len() == 1, relevant, "{e}");
            assert_eq!(l.ignored == 1, !relevant, "{e}");
        }
    }

    #[test]
    fn body_relevance_is_read_from_top_level_members_only() {
        assert!(has_oauth_members(
            r#"{"sub":"248289761001","email":"j@example.com"}"#
        ));
        assert!(has_oauth_members(r#"{"active":true,"scope":"read"}"#));
        assert!(has_oauth_members(
            r#"{"data":[1,2],"error":"invalid_token"}"#
        ));
        assert!(has_oauth_members(
            r#"{"issuer":"https://idp","token_endpoint":"x"}"#
        ));
        assert!(has_oauth_members("access_token=gho_x&token_type=bearer"));
        // OAuth-looking names inside an API payload do not make it an OAuth answer.
        assert!(!has_oauth_members(
            r#"{"data":{"active":true,"error":null,"access_token":"x"},"items":[{"sub":1}]}"#
        ));
        assert!(!has_oauth_members(r#"[{"error":"x"}]"#));
        assert!(!has_oauth_members(
            r#"{"note":"the "error" and "active" words"}"#
        ));
        // A body cut short still tells its first members.
        assert!(has_oauth_members(
            r#"{"error":"invalid_token","error_descr"#
        ));
    }

    /// The fast header path gives what the tolerant path gives, on every shape it accepts.
    #[test]
    fn header_fast_path_agrees_with_the_tolerant_path() {
        let cases = [
            r#"[{"name":"Content-Type","value":"application/json"},{"name":"X","value":""}]"#,
            r#"[{"name":"A","value":"1","comment":"c"},{"name":"a","value":"2"}]"#,
            r#"[{"name":"","value":"dropped"},{"name":"Esc\"aped","value":"line\nbreak \u00e9"}]"#,
            r#"[]"#,
        ];
        for text in cases {
            let raw: &RawValue = serde_json::from_str(text).unwrap();
            assert!(
                serde_json::from_str::<Vec<NameValue<'_>>>(text).is_ok(),
                "{text}"
            );
            assert_eq!(
                parse_headers(Some(raw)),
                parse_headers_tolerant(raw),
                "{text}"
            );
        }
        // Shapes only the tolerant path reads.
        let raw: &RawValue =
            serde_json::from_str(r#"[{"name":"N","value":7},["P","v"],{"name":"Z","value":null}]"#)
                .unwrap();
        let h = parse_headers(Some(raw));
        assert_eq!(h.get("n"), Some("7"));
        assert_eq!(h.get("p"), Some("v"));
        assert!(!h.contains("z"));
    }
}
