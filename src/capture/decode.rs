//! Decoding helpers for captured data: decompression and lenient JSON string
//! unescaping that survives lone surrogates.

use super::detect::Compression;
use std::io::Read;

/// Never inflate beyond this (zip bombs).
pub(crate) const MAX_INFLATED: u64 = 8 << 30;

pub fn inflate(bytes: &[u8], kind: Compression) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let res = match kind {
        Compression::Gzip => flate2::read::MultiGzDecoder::new(bytes)
            .take(MAX_INFLATED)
            .read_to_end(&mut out),
        Compression::Zlib => flate2::read::ZlibDecoder::new(bytes)
            .take(MAX_INFLATED)
            .read_to_end(&mut out),
    };
    res.map(|_| out).map_err(|e| e.to_string())
}

/// Decode a raw JSON string literal (with quotes). Invalid escapes and lone surrogates become
/// U+FFFD instead of failing. `None` when the value is not a string.
pub fn json_string(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if !raw.starts_with('"') {
        return None;
    }
    if let Ok(s) = serde_json::from_str::<String>(raw) {
        return Some(s);
    }
    let inner = raw
        .strip_prefix('"')?
        .strip_suffix('"')
        .unwrap_or(&raw[1..]);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    let hex4 = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| -> Option<u32> {
        let s: String = (0..4).filter_map(|_| it.next()).collect();
        if s.len() == 4 {
            u32::from_str_radix(&s, 16).ok()
        } else {
            None
        }
    };
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => match hex4(&mut chars) {
                Some(hi @ 0xD800..=0xDBFF) => {
                    let mut clone = chars.clone();
                    if clone.next() == Some('\\') && clone.next() == Some('u') {
                        if let Some(lo @ 0xDC00..=0xDFFF) = hex4(&mut clone) {
                            chars = clone;
                            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                            continue;
                        }
                    }
                    out.push('\u{fffd}');
                }
                Some(cp) => out.push(char::from_u32(cp).unwrap_or('\u{fffd}')),
                None => out.push('\u{fffd}'),
            },
            Some(other) => out.push(other),
            None => break,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(json_string(r#""a\ud800b""#).as_deref(), Some("a\u{fffd}b"));
        assert_eq!(json_string(r#""\ud83d\ude00""#).as_deref(), Some("😀"));
        assert_eq!(json_string("12"), None);
    }
}
