//! Turning inputs into [`Exchange`]s: HAR 1.2 in every exporter's dialect, the
//! `oauth-doctor/exchanges/v1` dump (object, array, `{"exchanges": …}`, NDJSON), from files or
//! stdin, plain, gzip or zlib. Formats are detected by content, never by file name. A malformed
//! entry is skipped and reported; only an unreadable input is an error.

mod decode;
pub mod detect;
mod entry;
pub mod live;

use crate::model::Exchange;
use std::io::Read;
use std::sync::Arc;

pub use detect::Format;

/// Why an input could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("{file}: cannot read: {error}")]
    Io { file: String, error: std::io::Error },
    #[error("{file}: empty input: no capture to read")]
    Empty { file: String },
    #[error("{file}: not a capture: {what} at byte {offset}")]
    NotJson {
        file: String,
        what: String,
        offset: usize,
    },
    #[error("{file}: invalid JSON at line {line}, column {column}: {msg}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        msg: String,
    },
    #[error("{file}: not a capture: {what}")]
    NotCapture { file: String, what: String },
    #[error("{file}: cannot decompress: {msg}")]
    Decompress { file: String, msg: String },
}

/// An entry that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: Arc<str>,
    pub entry: usize,
    pub reason: String,
}

/// What one input held.
#[derive(Debug, Default)]
pub struct Loaded {
    pub exchanges: Vec<Exchange>,
    pub skipped: Vec<Skipped>,
    pub format: Option<Format>,
    /// The exporter removed `Authorization`/`Cookie` headers (Chrome's sanitized export).
    pub sanitized: bool,
    pub creator: Option<String>,
}

/// Read a file, or stdin for `-`.
pub fn load_path(path: &str) -> Result<Loaded, CaptureError> {
    let name: Arc<str> = if path == "-" {
        Arc::from("<stdin>")
    } else {
        Arc::from(path)
    };
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|error| CaptureError::Io {
                file: name.to_string(),
                error,
            })?;
        return load_bytes(name, &buf);
    }
    let file = std::fs::File::open(path).map_err(|error| CaptureError::Io {
        file: path.to_string(),
        error,
    })?;
    let meta = file.metadata().map_err(|error| CaptureError::Io {
        file: path.to_string(),
        error,
    })?;
    if meta.is_dir() {
        return Err(CaptureError::Io {
            file: path.to_string(),
            error: std::io::Error::new(std::io::ErrorKind::InvalidInput, "is a directory"),
        });
    }
    if meta.len() == 0 {
        return Err(CaptureError::Empty {
            file: path.to_string(),
        });
    }
    // SAFETY: the map is read-only; a file truncated while mapped can raise SIGBUS, which is
    // documented in the README (do not analyse a capture that is still being written).
    let map = unsafe { memmap2::Mmap::map(&file) };
    match map {
        Ok(m) => load_bytes(name, &m),
        Err(_) => {
            let buf = std::fs::read(path).map_err(|error| CaptureError::Io {
                file: path.to_string(),
                error,
            })?;
            load_bytes(name, &buf)
        }
    }
}

/// Parse bytes already in memory.
pub fn load_bytes(name: Arc<str>, bytes: &[u8]) -> Result<Loaded, CaptureError> {
    let file = name.to_string();
    let inflated;
    let compressed = detect::compression(bytes);
    let bytes = match compressed {
        Some(kind) => {
            inflated = decode::inflate(bytes, kind).map_err(|msg| CaptureError::Decompress {
                file: file.clone(),
                msg,
            })?;
            &inflated[..]
        }
        None => bytes,
    };
    let bytes = detect::strip_bom(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Err(CaptureError::Empty { file });
    };
    match bytes[start] {
        b'{' | b'[' => {}
        other => {
            let head = &bytes[start..bytes.len().min(start + 512)];
            let binary = head.contains(&0)
                || std::str::from_utf8(head).is_err_and(|e| e.error_len().is_some());
            let what = if !binary && other.is_ascii_graphic() {
                format!("expected a JSON object or array, found `{}`", other as char)
            } else {
                "binary data, expected a JSON object or array".to_string()
            };
            let what = match compressed {
                Some(_) => format!("{what} (after decompression)"),
                None => what,
            };
            return Err(CaptureError::NotJson {
                file,
                what,
                offset: start,
            });
        }
    }
    entry::parse_document(name, bytes)
}

/// Read several inputs and concatenate what they hold; fails on the first unreadable input.
pub fn load_all(paths: &[String]) -> Result<Loaded, CaptureError> {
    let mut all = Loaded::default();
    for p in paths {
        let l = load_path(p)?;
        all.format = all.format.or(l.format);
        all.sanitized |= l.sanitized;
        all.creator = all.creator.or(l.creator);
        all.exchanges.extend(l.exchanges);
        all.skipped.extend(l.skipped);
    }
    Ok(all)
}
