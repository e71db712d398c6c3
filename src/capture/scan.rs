//! A streaming HAR reader: walks `log.entries` byte by byte from any reader in bounded chunks,
//! hands each entry's bytes to a callback together with a relevance verdict, and never holds more
//! than the current entry (plus one read buffer) in memory. Strings are skipped with `memchr`;
//! only short strings (URLs, header names and values, form bodies, small JSON bodies) are searched
//! for OAuth markers, so base64 images and script bundles cost almost nothing.
//!
//! The relevance verdict is the same function the in-memory reader applies
//! ([`entry_is_relevant`]), so both paths keep exactly the same exchanges.

use aho_corasick::AhoCorasick;
use std::io::Read;
use std::ops::ControlFlow;
use std::sync::LazyLock;

/// Strings longer than this are bodies the pre-filter does not search (images, bundles, pages,
/// API payloads); an OAuth exchange is recognised by its URL, headers, form body or status.
pub const SHORT_STRING: usize = 2 * 1024;

const READ_CHUNK: usize = 4 << 20;

/// Entries larger than this are not kept in memory: the scanner skips to their end and
/// reports them as oversized (a 1 GB download must not cost 1 GB of memory).
pub const MAX_ENTRY: usize = 64 << 20;

/// Strings outside entries longer than this are skipped without being kept.
const MAX_KEPT_STRING: usize = 1 << 20;

/// Byte patterns that make an entry worth parsing (searched in the escaped JSON text of short
/// strings): OAuth parameters, token and error members, auth schemes, well-known paths.
/// Markers that only show a token being presented (an API call with a bearer token). Such an
/// entry is kept when it failed, or the first time its token is seen.
const PRESENTATION: &[&str] = &["Bearer ", "bearer ", "BEARER ", "DPoP ", "Token ", "token "];

const MARKERS: &[&str] = &[
    "grant_type",
    "access_token",
    "refresh_token",
    "id_token",
    "client_id",
    "client_secret",
    "client_assertion",
    "code_verifier",
    "code_challenge",
    "response_type",
    "redirect_uri",
    "device_code",
    "user_code",
    "request_uri",
    "\\\"error\\\"",
    "error=",
    "error_description",
    "\\\"dpop",
    "Basic ",
    "basic ",
    "www-authenticate",
    "WWW-Authenticate",
    "Www-Authenticate",
    ".well-known",
    "jwks",
    "openid",
    "oauth",
    "OAuth",
    "/token",
    "/authorize",
    "userinfo",
    "introspect",
    "revoke",
    "code=",
    "state=",
    "keys\\\"",
    // A user's password sent to an identity provider's sign-in page or API (a form field, a
    // JSON member, a HAR `params` name).
    "password",
    "passwd",
];

/// Keys [`assess`] reads, found in the same pass as the markers: `"url"` (an entry without one
/// is kept, to be reported) and `"status"` (a failed call is kept). They cannot occur inside a
/// string's content, where quotes are escaped, so [`MATCHER`]'s answer on a string is that of
/// the markers alone.
const KEYS: &[&str] = &["\"url\"", "\"status\""];
const URL_KEY: usize = PRESENTATION.len() + MARKERS.len();
const STATUS_KEY: usize = URL_KEY + 1;

fn all_patterns() -> impl Iterator<Item = &'static &'static str> {
    PRESENTATION.iter().chain(MARKERS).chain(KEYS)
}

/// The portable matcher, used where the SIMD searcher is unavailable or the text is shorter
/// than its minimum. An NFA, asked for by name: left to choose, the crate builds a DFA, which
/// took 40 % of the instructions of a whole run on a small capture.
static MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .kind(Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
        .build(all_patterns())
        .expect("static marker set builds")
});

/// A SIMD (Teddy) searcher over the same patterns, when the CPU supports it.
static PACKED: LazyLock<Option<aho_corasick::packed::Searcher>> = LazyLock::new(|| {
    let mut b = aho_corasick::packed::Config::new()
        .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
        .builder();
    for p in all_patterns() {
        b.add(p);
    }
    b.build()
});

/// Leftmost-first matches in order, as (pattern index, end offset), until `f` says stop.
fn each_match(seg: &[u8], mut f: impl FnMut(usize, usize) -> ControlFlow<()>) {
    match PACKED.as_ref() {
        Some(p) if seg.len() >= p.minimum_len() => {
            for m in p.find_iter(seg) {
                if f(m.pattern().as_usize(), m.end()).is_break() {
                    return;
                }
            }
        }
        _ => {
            for m in MATCHER.find_iter(seg) {
                if f(m.pattern().as_usize(), m.end()).is_break() {
                    return;
                }
            }
        }
    }
}

/// Whether unescaped text (a URL, a header, a request body) holds an OAuth marker or presents
/// a token: the judging of [`assess`] applied to one part of an exchange already read.
pub fn has_marker(text: &str) -> bool {
    let mut found = false;
    each_match(text.as_bytes(), |pattern, _| {
        if pattern < URL_KEY {
            found = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    found
}

/// What the loader remembers across entries to drop repeated successful API calls.
#[derive(Default)]
pub struct Seen {
    tokens: std::collections::HashSet<u64>,
}

/// Why the stream could not be walked (the caller falls back to the exact parser for the error).
#[derive(Debug, PartialEq, Eq)]
pub enum ScanError {
    /// Not a HAR document (no `log.entries`), or not JSON at all.
    NotHar,
    /// The bytes end inside a value: (line, column) of the end.
    Truncated(usize, usize),
    /// A structural character that does not fit.
    Malformed(usize),
    Io(String),
}

/// One entry found by the scanner.
pub struct RawEntry<'a> {
    pub index: usize,
    /// Absolute byte offset of the entry's first byte in the (decompressed) input.
    pub offset: u64,
    /// 1-based line of the entry's first byte.
    pub line: usize,
    pub bytes: &'a [u8],
    /// Whether the entry passed the relevance filter (only when judged by the scanner).
    pub relevant: bool,
    /// Long strings inside the entry (offsets relative to `bytes`).
    pub longs: &'a [(usize, usize)],
    /// The entry is larger than [`MAX_ENTRY`]: `bytes` holds only its end.
    pub oversized: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Frame {
    Object,
    Array,
}

/// Number of `\n` bytes (SIMD, chosen at run time).
pub fn count_newlines(bytes: &[u8]) -> usize {
    bytecount::count(bytes, b'\n')
}

/// The bytes being scanned: read in chunks into an owned buffer, or a borrowed slice that holds
/// the whole input (a memory map), which is never copied.
enum Buf<'a> {
    Owned(Vec<u8>),
    Borrowed(&'a [u8]),
}

impl std::ops::Deref for Buf<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Buf::Owned(v) => v,
            Buf::Borrowed(b) => b,
        }
    }
}

impl Buf<'_> {
    /// Forget the first `k` bytes.
    fn drain_front(&mut self, k: usize) {
        match self {
            Buf::Owned(v) => {
                v.drain(..k);
            }
            Buf::Borrowed(b) => *b = &b[k..],
        }
    }
}

/// Streaming state.
struct Scanner<'a> {
    buf: Buf<'a>,
    /// Bytes of `buf` already consumed.
    pos: usize,
    eof: bool,
    /// Absolute offset of `buf[0]`.
    base: u64,
    line: usize,
    /// Position up to which newlines have been counted.
    counted: usize,
    /// Absolute offset of the first byte of the current line.
    line_start: u64,
    /// Judge relevance while scanning (off when another thread judges).
    judge: bool,
    /// The entry being skipped grew beyond [`MAX_ENTRY`]: its bytes are no longer kept.
    oversized: bool,
    /// Line feeds inside the entry just skipped, when the structural scan counted them.
    entry_feeds: Option<usize>,
}

impl Scanner<'_> {
    fn fill<R: Read>(&mut self, r: &mut R, keep_from: usize) -> Result<bool, ScanError> {
        // Count newlines of what is dropped, then drop it (callers rebase their offsets by
        // `keep_from` whatever the outcome).
        if keep_from > 0 {
            self.count_to(keep_from);
            self.buf.drain_front(keep_from);
            self.base += keep_from as u64;
            self.pos -= keep_from;
            self.counted = self.counted.saturating_sub(keep_from);
        }
        if self.eof {
            return Ok(false);
        }
        let Buf::Owned(buf) = &mut self.buf else {
            self.eof = true;
            return Ok(false);
        };
        // `read_to_end` on a `Take` fills spare capacity without zeroing it first.
        let n = r
            .take(READ_CHUNK as u64)
            .read_to_end(buf)
            .map_err(|e| ScanError::Io(e.to_string()))?;
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    fn count_to(&mut self, at: usize) {
        if at > self.counted {
            let range = &self.buf[self.counted..at];
            self.line += count_newlines(range);
            if let Some(p) = memchr::memrchr(b'\n', range) {
                self.line_start = self.base + (self.counted + p + 1) as u64;
            }
            self.counted = at;
        }
    }

    fn line_at(&mut self, at: usize) -> usize {
        self.count_to(at);
        self.line
    }

    /// Count the entry `buf[from..pos]` as read, with the line feeds the structural scan found
    /// in it (instead of a second pass over its bytes).
    fn count_entry(&mut self, from: usize, feeds: usize) {
        if self.counted != from {
            return;
        }
        self.line += feeds;
        if feeds > 0 {
            if let Some(p) = memchr::memrchr(b'\n', &self.buf[from..self.pos]) {
                self.line_start = self.base + (from + p + 1) as u64;
            }
        }
        self.counted = self.pos;
    }
}

/// Skip whitespace; returns the next byte (not consumed) or None at end of input.
fn peek<R: Read>(s: &mut Scanner, r: &mut R, mut keep: usize) -> Result<Option<u8>, ScanError> {
    loop {
        while s.pos < s.buf.len() {
            let b = s.buf[s.pos];
            if !b.is_ascii_whitespace() {
                return Ok(Some(b));
            }
            s.pos += 1;
        }
        let k = keep.min(s.pos);
        keep -= k;
        if !s.fill(r, k)? {
            return Ok(None);
        }
    }
}

/// Consume a string starting at `s.pos` (on the opening quote). Returns (start, end) of the raw
/// content (without quotes) relative to the buffer, valid until the next fill.
fn string<R: Read>(
    s: &mut Scanner,
    r: &mut R,
    mut keep: usize,
) -> Result<(usize, usize), ScanError> {
    debug_assert_eq!(s.buf[s.pos], b'"');
    let mut start = s.pos + 1;
    let mut i = start;
    // A long string is not kept: its content is not needed (keys are short, markers are only
    // searched in short strings), so it is dropped as it is read and reported as empty.
    let mut dropped = false;
    loop {
        match memchr::memchr2(b'"', b'\\', &s.buf[i..]) {
            Some(off) => {
                let j = i + off;
                if s.buf[j] == b'"' {
                    s.pos = j + 1;
                    return Ok(if dropped { (j, j) } else { (start, j) });
                }
                // An escape: skip the backslash and the escaped byte.
                if j + 1 < s.buf.len() {
                    i = j + 2;
                    continue;
                }
                i = j;
            }
            None => i = s.buf.len(),
        }
        dropped |= i - start > MAX_KEPT_STRING;
        let k = if dropped { i } else { keep.min(start - 1) };
        if dropped {
            s.pos = i;
        }
        keep = keep.saturating_sub(k);
        if !s.fill(r, k)? {
            return Err(ScanError::Truncated(0, 0));
        }
        start = start.saturating_sub(k);
        i -= k;
    }
}

/// Skip a scalar (number, true, false, null).
fn scalar<R: Read>(
    s: &mut Scanner,
    r: &mut R,
    mut keep: usize,
) -> Result<(usize, usize), ScanError> {
    let mut start = s.pos;
    loop {
        while s.pos < s.buf.len() {
            let b = s.buf[s.pos];
            if matches!(b, b',' | b']' | b'}') || b.is_ascii_whitespace() {
                return Ok((start, s.pos));
            }
            if !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.')) {
                return Err(ScanError::Malformed(s.base as usize + s.pos));
            }
            s.pos += 1;
        }
        let k = keep.min(start);
        keep -= k;
        if !s.fill(r, k)? {
            return Ok((start - k, s.pos));
        }
        start -= k;
    }
}

/// Relevance found while skipping one entry.
#[derive(Default)]
struct Verdict {
    marker: bool,
    failed_status: bool,
    /// `request.url` is a string (entries without one are parsed so they can be reported).
    has_url: bool,
}

impl Verdict {
    fn relevant(&self) -> bool {
        self.marker || self.failed_status || !self.has_url
    }
}

/// Skip one value starting at `s.pos`, searching short strings for markers and noting a
/// response `status` outside 100–399. `keep` is the buffer offset that must survive refills
/// (the entry's first byte); returns the (possibly shifted) keep offset.
fn skip_value<R: Read>(
    s: &mut Scanner,
    r: &mut R,
    mut keep: usize,
    v: &mut Verdict,
) -> Result<usize, ScanError> {
    let mut stack: Vec<Frame> = Vec::with_capacity(16);
    // Key tracking for `response.status` (entry-relative depth 1 key, depth 2 key).
    // At each object depth, the entry-level key we are under: 1 = response, 2 = request.
    let mut keys: Vec<u8> = Vec::with_capacity(16);
    let mut last_key_status = false;
    let mut last_key_url = false;
    let mut expect_key = false;
    loop {
        let before = s.base;
        let Some(b) = peek(s, r, keep)? else {
            return Err(ScanError::Truncated(0, 0));
        };
        keep = keep.saturating_sub((s.base - before) as usize);
        match b {
            b'{' => {
                s.pos += 1;
                stack.push(Frame::Object);
                keys.push(0);
                expect_key = true;
            }
            b'[' => {
                s.pos += 1;
                stack.push(Frame::Array);
                expect_key = false;
            }
            b'}' | b']' => {
                let want = if b == b'}' {
                    Frame::Object
                } else {
                    Frame::Array
                };
                if stack.pop() != Some(want) {
                    return Err(ScanError::Malformed(s.base as usize + s.pos));
                }
                if want == Frame::Object {
                    keys.pop();
                }
                s.pos += 1;
                expect_key = false;
                if stack.is_empty() {
                    return Ok(keep);
                }
            }
            b',' => {
                s.pos += 1;
                expect_key = stack.last() == Some(&Frame::Object);
            }
            b':' => {
                s.pos += 1;
                expect_key = false;
            }
            b'"' => {
                let before = s.base;
                let (a, z) = string(s, r, keep)?;
                keep = keep.saturating_sub((s.base - before) as usize);
                let text = &s.buf[a..z];
                if expect_key {
                    let depth = keys.len();
                    last_key_status = depth == 2 && keys[0] == 1 && text == b"status";
                    last_key_url = depth == 2 && keys[0] == 2 && text == b"url";
                    if depth == 1 {
                        keys[0] = match text {
                            b"response" => 1,
                            b"request" => 2,
                            _ => 0,
                        };
                    }
                } else {
                    if last_key_url {
                        v.has_url |= !text.is_empty();
                        last_key_url = false;
                    }
                    if !v.marker && text.len() <= SHORT_STRING && MATCHER.is_match(text) {
                        v.marker = true;
                    }
                }
                if stack.is_empty() {
                    return Ok(keep);
                }
            }
            _ => {
                let before = s.base;
                let (a, z) = scalar(s, r, keep)?;
                keep = keep.saturating_sub((s.base - before) as usize);
                if last_key_status {
                    let t = &s.buf[a..z];
                    let n: u32 = std::str::from_utf8(t)
                        .ok()
                        .and_then(|x| x.parse::<f64>().ok())
                        .map(|f| f as u32)
                        .unwrap_or(0);
                    if !(100..400).contains(&n) {
                        v.failed_status = true;
                    }
                    last_key_status = false;
                }
                if stack.is_empty() {
                    return Ok(keep);
                }
            }
        }
    }
}

/// Skip one entry value starting at `s.pos` as fast as possible: only brackets and strings
/// matter; strings longer than [`SHORT_STRING`] are noted so the relevance check can leave them
/// out. Returns the (possibly shifted) `keep` offset, i.e. the entry's first byte.
fn skip_entry<R: Read>(
    s: &mut Scanner,
    r: &mut R,
    mut keep: usize,
    longs: &mut Vec<(usize, usize)>,
) -> Result<usize, ScanError> {
    longs.clear();
    s.oversized = false;
    s.entry_feeds = None;
    // Only `"`, `{` and `}` matter to find where an object ends: arrays nest inside it, and
    // everything else between strings is punctuation, whitespace or scalars.
    if s.buf.get(s.pos) != Some(&b'{') {
        return skip_scalar_entry(s, r, keep);
    }
    // 64 bytes at a time, once the whole entry is in the buffer (at once, for a memory map).
    loop {
        if let Some(end) = super::structural::object_end(&s.buf, s.pos, longs) {
            s.pos = end.at;
            s.entry_feeds = Some(end.newlines);
            return Ok(keep);
        }
        longs.clear();
        if s.eof || s.buf.len() - keep > MAX_ENTRY {
            break;
        }
        // `fill` drops the bytes before the entry and moves `pos` back, whatever it returns.
        let more = s.fill(r, keep)?;
        keep = 0;
        if !more {
            break;
        }
    }
    // Truncated, or too large to hold: byte by byte, dropping what an oversized entry read.
    skip_object_bytewise(s, r, keep, longs)
}

/// [`skip_entry`] for an object without the structural scan: finds the end with `memchr`,
/// reading on and, past [`MAX_ENTRY`], dropping what it has read.
fn skip_object_bytewise<R: Read>(
    s: &mut Scanner,
    r: &mut R,
    mut keep: usize,
    longs: &mut Vec<(usize, usize)>,
) -> Result<usize, ScanError> {
    let mut depth: usize = 0;
    let mut i = s.pos;
    loop {
        let next = memchr::memchr3(b'"', b'{', b'}', &s.buf[i..]).map(|off| i + off);
        let Some(at) = next else {
            s.pos = s.buf.len();
            s.oversized |= s.buf.len() - keep > MAX_ENTRY;
            let k = if s.oversized { s.buf.len() } else { keep };
            if !s.fill(r, k)? {
                return Err(ScanError::Truncated(0, 0));
            }
            keep = 0;
            i = s.pos;
            continue;
        };
        i = at;
        match s.buf[i] {
            b'"' => {
                let start = i + 1;
                let mut j = start;
                loop {
                    match memchr::memchr2(b'"', b'\\', &s.buf[j..]) {
                        Some(off) if s.buf[j + off] == b'"' => {
                            j += off;
                            break;
                        }
                        Some(off) if j + off + 1 < s.buf.len() => j += off + 2,
                        found => {
                            // Need more bytes. Resume at a trailing backslash, or after
                            // everything searched (searching a long string again from its
                            // start after every read would be quadratic).
                            let consumed_j = match found {
                                Some(off) => j + off,
                                None => s.buf.len(),
                            };
                            s.oversized |= s.buf.len() - keep > MAX_ENTRY;
                            // An oversized entry drops everything read so far.
                            let k = if s.oversized { consumed_j } else { keep };
                            s.pos = if s.oversized { consumed_j } else { i };
                            if !s.fill(r, k)? {
                                return Err(ScanError::Truncated(0, 0));
                            }
                            keep = 0;
                            i = i.saturating_sub(k);
                            j = consumed_j - k;
                        }
                    }
                }
                let (a, z) = (i + 1, j);
                if z - a > SHORT_STRING && !s.oversized {
                    longs.push((a - keep, z - keep));
                }
                i = j + 1;
            }
            b'{' => {
                depth += 1;
                i += 1;
            }
            _ => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    s.pos = i;
                    return Ok(keep);
                }
            }
        }
    }
}

/// An entry that is not an object (`null`, a number, a string): skip to the next `,` or `]`.
fn skip_scalar_entry<R: Read>(s: &mut Scanner, r: &mut R, keep: usize) -> Result<usize, ScanError> {
    if s.buf.get(s.pos) == Some(&b'"') {
        let before = s.base;
        string(s, r, keep)?;
        return Ok(keep.saturating_sub((s.base - before) as usize));
    }
    if matches!(s.buf.get(s.pos), Some(b'[')) {
        let mut v = Verdict::default();
        return skip_value(s, r, keep, &mut v);
    }
    let before = s.base;
    scalar(s, r, keep)?;
    Ok(keep.saturating_sub((s.base - before) as usize))
}

/// The relevance of an entry's bytes, leaving out its long strings. An entry is relevant when
/// it carries an OAuth marker, failed (status 0 or ≥ 400), has no `url` (so that it is reported as
/// malformed), or presents a token not presented by an earlier entry.
pub fn judge(entry: &[u8], longs: &[(usize, usize)], seen: &mut Seen) -> bool {
    decide(assess(entry, longs), seen)
}

/// What [`judge`] reads from an entry's bytes, before it consults what earlier entries
/// presented: another thread can compute it.
pub struct Assessment {
    /// Relevant whatever came before (an OAuth marker, a failure, no URL).
    relevant: bool,
    /// Hashes of the tokens the entry presents.
    presented: Vec<u64>,
}

impl Assessment {
    /// Whether [`decide`] can keep the entry: relevant on its own, or presenting a token.
    pub fn may_keep(&self) -> bool {
        self.relevant || !self.presented.is_empty()
    }
}

/// The part of [`judge`] that depends on nothing but the entry: one leftmost-first pass over
/// the entry's bytes outside long strings, which stops at the first OAuth marker.
pub fn assess(entry: &[u8], longs: &[(usize, usize)]) -> Assessment {
    let mut v = Verdict::default();
    let mut presented: Vec<u64> = Vec::new();
    let mut check = |seg: &[u8]| {
        each_match(seg, |pattern, end| {
            match pattern {
                p if p < PRESENTATION.len() => {
                    let tok = &seg[end..];
                    let n = tok
                        .iter()
                        .take(8192)
                        .position(|b| !(b.is_ascii_alphanumeric() || b"-._~+/=".contains(b)))
                        .unwrap_or(tok.len().min(8192));
                    if n >= 8 {
                        use std::hash::{BuildHasher, BuildHasherDefault};
                        let h = BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(&tok[..n]);
                        presented.push(h);
                    }
                }
                URL_KEY => v.has_url = true,
                STATUS_KEY => {
                    let rest = &seg[end..];
                    let rest = rest
                        .iter()
                        .position(|b| !b.is_ascii_whitespace() && *b != b':')
                        .map_or(&rest[..0], |p| &rest[p..]);
                    let digits = rest
                        .iter()
                        .position(|b| !(b.is_ascii_digit() || *b == b'.'))
                        .map_or(rest, |n| &rest[..n]);
                    if let Some(n) = std::str::from_utf8(digits)
                        .ok()
                        .and_then(|d| d.parse::<f64>().ok())
                    {
                        if !(100.0..400.0).contains(&n) {
                            v.failed_status = true;
                        }
                    }
                }
                // An OAuth marker: relevant whatever follows, and no later token counts.
                _ => {
                    v.marker = true;
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        });
        !v.marker
    };
    let mut from = 0;
    let mut go_on = true;
    for &(a, z) in longs {
        go_on = check(&entry[from..a.min(entry.len())]);
        if !go_on {
            break;
        }
        from = z.min(entry.len());
    }
    if go_on {
        check(&entry[from..]);
    }
    Assessment {
        relevant: v.relevant(),
        presented,
    }
}

/// The verdict on an entry handed to another thread: oversized entries are never relevant;
/// the others are assessed here unless the reading thread already did.
pub fn settle(
    bytes: &[u8],
    longs: &[(usize, usize)],
    oversized: bool,
    assessed: Option<Assessment>,
    seen: &mut Seen,
) -> bool {
    !oversized && decide(assessed.unwrap_or_else(|| assess(bytes, longs)), seen)
}

/// The verdict on an assessed entry, in entry order: relevant on its own, or a successful call
/// presenting a token no earlier entry presented (the first one per token is kept).
fn decide(a: Assessment, seen: &mut Seen) -> bool {
    let mut new = false;
    for h in a.presented {
        new |= seen.tokens.insert(h);
    }
    a.relevant || new
}

/// Whether one entry (its raw JSON bytes) is worth turning into an exchange.
pub fn entry_is_relevant(bytes: &[u8], seen: &mut Seen) -> bool {
    seen.decide(assess_entry(bytes))
}

/// The order-independent part of [`entry_is_relevant`], which another thread can compute; an
/// entry the scanner cannot walk is relevant (to be reported).
pub fn assess_entry(bytes: &[u8]) -> Assessment {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let mut s = Scanner {
        buf: Buf::Borrowed(&bytes[start..]),
        pos: 0,
        eof: true,
        base: 0,
        line: 1,
        counted: 0,
        line_start: 0,
        judge: true,
        oversized: false,
        entry_feeds: None,
    };
    let mut empty: &[u8] = &[];
    let mut longs = Vec::new();
    match skip_entry(&mut s, &mut empty, 0, &mut longs) {
        Ok(keep) => assess(&s.buf[keep..s.pos], &longs),
        Err(_) => Assessment {
            relevant: true,
            presented: Vec::new(),
        },
    }
}

impl Seen {
    /// The verdict on an assessed entry, taken in entry order ([`decide`]).
    pub fn decide(&mut self, a: Assessment) -> bool {
        decide(a, self)
    }
}

/// Walk a HAR document from a reader, calling `on_entry` for every entry in order.
pub fn scan_har<R: Read>(r: R, on_entry: impl FnMut(RawEntry<'_>)) -> Result<usize, ScanError> {
    scan_with(
        Buf::Owned(Vec::with_capacity(READ_CHUNK * 2)),
        r,
        true,
        on_entry,
    )
}

/// [`scan_har`] that counts lines but leaves judging relevance to the caller (`relevant` is
/// false): another thread judges the entries it is handed.
pub fn scan_har_unjudged<R: Read>(
    r: R,
    on_entry: impl FnMut(RawEntry<'_>),
) -> Result<usize, ScanError> {
    scan_with(
        Buf::Owned(Vec::with_capacity(READ_CHUNK * 2)),
        r,
        false,
        on_entry,
    )
}

/// [`scan_har`] over bytes already in memory (a memory map): nothing is copied, and the
/// entries handed to `on_entry` borrow from `bytes`. With `judge_here` false the scanner does
/// not judge relevance (`relevant` is false): a second thread does it on the same bytes.
pub fn scan_har_slice(
    bytes: &[u8],
    judge_here: bool,
    on_entry: impl FnMut(RawEntry<'_>),
) -> Result<usize, ScanError> {
    scan_with(Buf::Borrowed(bytes), std::io::empty(), judge_here, on_entry)
}

fn scan_with<R: Read>(
    buf: Buf<'_>,
    mut r: R,
    judge_here: bool,
    on_entry: impl FnMut(RawEntry<'_>),
) -> Result<usize, ScanError> {
    let eof = matches!(buf, Buf::Borrowed(_));
    let mut s = Scanner {
        buf,
        pos: 0,
        eof,
        base: 0,
        line: 1,
        counted: 0,
        line_start: 0,
        judge: judge_here,
        oversized: false,
        entry_feeds: None,
    };
    match walk(&mut s, &mut r, on_entry) {
        Err(ScanError::Truncated(..)) => {
            let end = s.buf.len();
            let line = s.line_at(end);
            let col = (s.base + end as u64 - s.line_start) as usize + 1;
            Err(ScanError::Truncated(line, col))
        }
        other => other,
    }
}

fn walk<R: Read>(
    s: &mut Scanner,
    r: &mut R,
    mut on_entry: impl FnMut(RawEntry<'_>),
) -> Result<usize, ScanError> {
    // Skip a BOM.
    s.fill(r, 0)?;
    if s.buf.starts_with(&[0xef, 0xbb, 0xbf]) {
        s.pos = 3;
    }
    // Find `"log"` at depth 1, then `"entries"` inside it.
    expect(s, r, b'{')?;
    seek_key(s, r, b"log")?;
    expect(s, r, b'{')?;
    seek_key(s, r, b"entries")?;
    expect(s, r, b'[')?;
    let mut index = 0;
    let mut longs = Vec::new();
    let mut seen = Seen::default();
    loop {
        let here = s.pos;
        let Some(b) = peek(s, r, here)? else {
            return Err(ScanError::Truncated(0, 0));
        };
        match b {
            b']' => {
                s.pos += 1;
                break;
            }
            b',' => {
                s.pos += 1;
                continue;
            }
            _ => {}
        }
        let here = s.pos;
        let from = s.base + here as u64;
        let keep = skip_entry(s, r, here, &mut longs)?;
        // Something that cannot start a value (a `}` where an entry should be): every step
        // must move forward.
        if s.base + s.pos as u64 == from {
            return Err(ScanError::Malformed(from as usize));
        }
        // A borrowed buffer never runs dry inside an entry, so size it here.
        s.oversized |= s.pos - keep > MAX_ENTRY;
        let line = s.line_at(keep);
        if let Some(feeds) = s.entry_feeds.take() {
            s.count_entry(keep, feeds);
        }
        let bytes = &s.buf[keep..s.pos];
        let offset = s.base + keep as u64;
        let oversized = s.oversized;
        let relevant = !oversized && s.judge && judge(bytes, &longs, &mut seen);
        on_entry(RawEntry {
            index,
            offset,
            line,
            bytes,
            relevant,
            longs: &longs,
            oversized,
        });
        index += 1;
        // Let the buffer drop what has been consumed.
        if s.pos > READ_CHUNK {
            let p = s.pos;
            s.line_at(p);
            s.buf.drain_front(p);
            s.base += p as u64;
            s.pos = 0;
            s.counted = 0;
        }
    }
    Ok(index)
}

fn expect<R: Read>(s: &mut Scanner, r: &mut R, want: u8) -> Result<(), ScanError> {
    let here = s.pos;
    match peek(s, r, here)? {
        Some(b) if b == want => {
            s.pos += 1;
            Ok(())
        }
        Some(_) => Err(ScanError::NotHar),
        None => Err(ScanError::Truncated(0, 0)),
    }
}

/// Inside an object just opened: skip members until `key`, leaving the position after its colon.
fn seek_key<R: Read>(s: &mut Scanner, r: &mut R, key: &[u8]) -> Result<(), ScanError> {
    loop {
        let here = s.pos;
        match peek(s, r, here)? {
            Some(b'"') => {}
            Some(b',') => {
                s.pos += 1;
                continue;
            }
            Some(_) => return Err(ScanError::NotHar),
            None => return Err(ScanError::Truncated(0, 0)),
        }
        let here = s.pos;
        let (a, z) = string(s, r, here)?;
        let found = &s.buf[a..z] == key;
        expect(s, r, b':')?;
        if found {
            return Ok(());
        }
        let mut v = Verdict::default();
        let here = s.pos;
        skip_value(s, r, here, &mut v)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(doc: &str) -> Result<Vec<(usize, String, bool)>, ScanError> {
        let mut out = Vec::new();
        scan_har(doc.as_bytes(), |e| {
            out.push((
                e.line,
                String::from_utf8(e.bytes.to_vec()).unwrap(),
                e.relevant,
            ))
        })?;
        Ok(out)
    }

    #[test]
    fn finds_entries_and_relevance() {
        let doc = r#"{"log":{"version":"1.2","pages":[{"id":"p"}],"entries":[
  {"request":{"method":"GET","url":"https://cdn.example/a.png"},"response":{"status":200,"content":{"text":"iVBORw0"}}},
  {"request":{"method":"POST","url":"https://idp.example/t","postData":{"text":"grant_type=client_credentials"}},"response":{"status":200}},
  {"request":{"method":"GET","url":"https://x.example/missing"},"response":{"status":404}}
]}}"#;
        let e = scan(doc).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(
            e.iter().map(|x| x.2).collect::<Vec<_>>(),
            [false, true, true]
        );
        assert_eq!(e[1].0, 3);
        assert!(e[0].1.starts_with("{\"request\"") && e[0].1.ends_with("}}"));
        let mut seen = Seen::default();
        for (_, text, rel) in &e {
            assert_eq!(entry_is_relevant(text.as_bytes(), &mut seen), *rel);
        }
    }

    #[test]
    fn escaped_quotes_and_braces_in_strings_do_not_confuse_it() {
        let doc =
            r#"{"log":{"entries":[{"request":{"url":"a\"}]{[\\"},"response":{"status":200}}]}}"#;
        let e = scan(doc).unwrap();
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn reports_truncation_and_non_har() {
        assert_eq!(
            scan(r#"{"log":{"entries":[{"request":{"#).unwrap_err(),
            ScanError::Truncated(1, 32)
        );
        assert_eq!(scan(r#"{"exchanges":[]}"#).unwrap_err(), ScanError::NotHar);
        assert_eq!(
            scan(r#"{"log":{"entries":[}"#).unwrap_err(),
            ScanError::Malformed(19)
        );
        assert_eq!(scan(r#"[1,2]"#).unwrap_err(), ScanError::NotHar);
    }

    #[test]
    fn small_chunks_give_the_same_result() {
        struct Slow<'a>(&'a [u8]);
        impl Read for Slow<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(7);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let doc = r#"{"log":{"entries":[{"request":{"url":"https://idp/token?grant_type=x","x":"a\\\\b\"c\\\"d"},"response":{"status":200}},{"request":{"url":"b"},"response":{"status":0}}]}}"#;
        let mut a = Vec::new();
        scan_har(Slow(doc.as_bytes()), |e| {
            a.push((e.index, e.bytes.to_vec(), e.relevant))
        })
        .unwrap();
        let mut b = Vec::new();
        scan_har(doc.as_bytes(), |e| {
            b.push((e.index, e.bytes.to_vec(), e.relevant))
        })
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        assert!(a[1].2, "status 0 is relevant");
    }
}

#[cfg(test)]
mod structural_agrees {
    use super::*;
    use proptest::prelude::*;

    /// The byte-by-byte skipper's answer (`skip_entry` past its structural fast path): (end,
    /// line feeds before it, long strings), or None when incomplete.
    /// Where an object ends: (end, line feeds before it, long strings).
    type Ended = Option<(usize, usize, Vec<(usize, usize)>)>;

    fn scalar(bytes: &[u8]) -> Ended {
        let mut s = Scanner {
            buf: Buf::Borrowed(bytes),
            pos: 0,
            eof: true,
            base: 0,
            line: 1,
            counted: 0,
            line_start: 0,
            judge: false,
            oversized: false,
            entry_feeds: None,
        };
        let mut longs = Vec::new();
        let mut empty: &[u8] = &[];
        skip_object_bytewise(&mut s, &mut empty, 0, &mut longs).ok()?;
        let feeds = bytes[..s.pos].iter().filter(|b| **b == b'\n').count();
        Some((s.pos, feeds, longs))
    }

    fn fast(bytes: &[u8], simd: bool) -> Ended {
        let mut longs = Vec::new();
        let end = if simd {
            super::super::structural::object_end(bytes, 0, &mut longs)
        } else {
            super::super::structural::object_end_portable(bytes, 0, &mut longs)
        }?;
        Some((end.at, end.newlines, longs))
    }

    /// Any bytes that matter to the scan, in any order (invalid JSON included).
    fn any_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("{".to_string()),
            Just("}".to_string()),
            Just("\"".to_string()),
            Just("\\".to_string()),
            Just("[".to_string()),
            Just(" ".to_string()),
            Just("\n".to_string()),
            "[a-z]{1,70}",
            (2040usize..2060).prop_map(|n| "x".repeat(n)),
        ]
    }

    /// JSON-shaped text: backslashes only inside strings, strings short or long.
    fn json_piece() -> impl Strategy<Value = String> {
        let content = proptest::collection::vec(
            prop_oneof![
                Just("\\\\".to_string()),
                Just("\\\"".to_string()),
                Just("\\n".to_string()),
                Just("{}[]".to_string()),
                "[a-z ]{1,70}",
                (2040usize..2060).prop_map(|n| "x".repeat(n)),
            ],
            0..6,
        );
        prop_oneof![
            Just("{".to_string()),
            Just("}".to_string()),
            Just("[".to_string()),
            Just(":".to_string()),
            Just("\n    ".to_string()),
            "[a-z0-9 ]{1,70}",
            content.prop_map(|c| format!("\"{}\"", c.concat())),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]
        #[test]
        fn simd_and_portable_masks_agree_on_any_bytes(
            parts in proptest::collection::vec(any_piece(), 0..60)
        ) {
            let doc = format!("{{{}", parts.concat());
            prop_assert_eq!(fast(doc.as_bytes(), true), fast(doc.as_bytes(), false));
        }

        #[test]
        fn structural_scan_matches_the_byte_by_byte_skipper(
            parts in proptest::collection::vec(json_piece(), 0..60),
            cut in 0.0f64..1.2,
        ) {
            let doc = format!("{{{}", parts.concat());
            // Cut anywhere (ends inside strings and escapes), or keep it whole.
            let n = ((doc.len() as f64) * cut) as usize;
            let bytes = &doc.as_bytes()[..n.clamp(1, doc.len())];
            let want = scalar(bytes);
            prop_assert_eq!(fast(bytes, false), want.clone());
            prop_assert_eq!(fast(bytes, true), want);
        }
    }
}

#[cfg(test)]
mod bench {
    /// `cargo test --release --lib scan_speed -- --ignored --nocapture` with bench-data present.
    #[test]
    #[ignore]
    fn scan_speed() {
        let path = std::env::var("SCAN_FILE").unwrap_or_else(|_| "bench-data/big-100M.har".into());
        let f = std::fs::File::open(&path).unwrap();
        let t = std::time::Instant::now();
        let (mut n, mut rel) = (0, 0);
        super::scan_har(f, |e| {
            n += 1;
            rel += e.relevant as usize;
        })
        .unwrap();
        eprintln!("{path}: {n} entries, {rel} relevant, {:?}", t.elapsed());
    }
}
