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
