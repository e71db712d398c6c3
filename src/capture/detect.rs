//! Content sniffing: compression magic bytes, byte-order marks, and which capture format a JSON
//! document is.

/// The capture formats oauth-doctor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Har,
    /// `oauth-doctor/exchanges/v1`: one object, an array, or `{"exchanges": [...]}`.
    Dump,
    /// One dump exchange (or HAR entry) per line.
    Ndjson,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Har => "HAR",
            Format::Dump => "exchange dump",
            Format::Ndjson => "NDJSON",
        }
    }
}

/// Compression detected from magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zlib,
}

pub fn compression(b: &[u8]) -> Option<Compression> {
    match b {
        [0x1f, 0x8b, ..] => Some(Compression::Gzip),
        [0x78, 0x01 | 0x5e | 0x9c | 0xda, ..] => Some(Compression::Zlib),
        _ => None,
    }
}

pub fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(b)
}

/// True when a document starts like a HAR file: `{` then the key `"log"` (after an optional BOM
/// and whitespace). Such documents are streamed.
pub fn looks_like_har(head: &[u8]) -> bool {
    let b = strip_bom(head);
    let mut it = b.iter().copied().skip_while(|c| c.is_ascii_whitespace());
    if it.next() != Some(b'{') {
        return false;
    }
    let rest: Vec<u8> = it.skip_while(|c| c.is_ascii_whitespace()).take(5).collect();
    rest == b"\"log\""
}

/// The exporter's name (`log.creator.name`) when it appears in the first bytes of a HAR.
pub fn har_creator(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    let at = text.find("\"creator\"")?;
    let rest = &text[at..];
    let name = rest.find("\"name\"")?;
    let after = rest[name + 6..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    let value = after.strip_prefix('"')?;
    let end = value.find('"')?;
    Some(value[..end].to_string())
}

/// True when a document starts like NDJSON: a first line that is a whole JSON object, then
/// more lines. (A pretty-printed dump's first line is not a whole object.)
pub fn looks_like_ndjson(head: &[u8]) -> bool {
    let b = strip_bom(head);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let b = &b[start..];
    if b.first() != Some(&b'{') {
        return false;
    }
    let Some(nl) = memchr::memchr(b'\n', b) else {
        return false;
    };
    if serde_json::from_slice::<serde::de::IgnoredAny>(&b[..nl]).is_err() {
        return false;
    }
    b[nl + 1..].iter().any(|c| !c.is_ascii_whitespace())
}
