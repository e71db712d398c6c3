//! `oauth-doctor redact`: writes the same capture with every secret replaced — HAR stays HAR
//! with all its entries (also those `check` ignores), a dump stays a dump — as
//! [`super::rewrite`] renders them.
//!
//! HAR documents are streamed twice through the capture scanner ([`crate::capture::scan`]): the
//! first pass learns every secret (so that a value echoed in a body before the request that sent
//! it is found too) and finds malformed input before anything is written; the second rewrites
//! each entry. Memory holds one entry at a time plus the set of secrets. Stdin and compressed
//! input are first spooled (decompressed) to a private temporary file.
//!
//! This module performs no printing: the summary is returned to the caller.

use super::MAX_KNOWN;
use super::rewrite::Rewriter;
use crate::capture::{self, CaptureError, detect, scan};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Documents that are not HAR are rewritten in memory up to this size.
const MAX_DOCUMENT: u64 = capture::MAX_DOCUMENT;

/// What was replaced, by kind (`authorization`, `cookie`, `code`, `jwt signature`, …).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub counts: BTreeMap<String, usize>,
    pub entries: usize,
    /// Entries in which something was replaced.
    pub changed: usize,
    pub format: &'static str,
}

impl Summary {
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }
}

/// Redact `input` (a path or `-` for stdin) into `out`.
pub fn redact(input: &str, out: &mut dyn Write) -> Result<Summary, CaptureError> {
    let name = if input == "-" { "<stdin>" } else { input };
    let io = |error| CaptureError::Io {
        file: name.to_string(),
        error,
    };
    let source: Box<dyn Read> = if input == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(input).map_err(io)?;
        if f.metadata().map_err(io)?.is_dir() {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "is a directory",
            )));
        }
        Box::new(f)
    };
    let mut br = BufReader::with_capacity(1 << 16, source);
    let head = br.fill_buf().map_err(io)?.to_vec();
    let compressed = detect::compression(&head);
    // A plain, seekable file to read twice: the input itself, or a private spool.
    let mut spool = None;
    let path: PathBuf = if input != "-" && compressed.is_none() {
        PathBuf::from(input)
    } else {
        let reader: Box<dyn Read> = match compressed {
            Some(detect::Compression::Gzip) => Box::new(flate2::read::MultiGzDecoder::new(br)),
            Some(detect::Compression::Zlib) => Box::new(flate2::read::ZlibDecoder::new(br)),
            None => Box::new(br),
        };
        let s = Spool::create().map_err(io)?;
        let mut w = BufWriter::new(s.file.try_clone().map_err(io)?);
        std::io::copy(&mut reader.take(capture::MAX_INFLATED), &mut w).map_err(
            |e| match compressed {
                Some(_) => CaptureError::Decompress {
                    file: name.to_string(),
                    msg: e.to_string(),
                },
                None => io(e),
            },
        )?;
        w.flush().map_err(io)?;
        let p = s.path.clone();
        spool = Some(s);
        p
    };
    let result = redact_plain(name, &path, out);
    drop(spool);
    result
}

/// A temporary file only this user can read (it holds the clear capture), removed on drop.
struct Spool {
    path: PathBuf,
    file: std::fs::File,
}

impl Spool {
    fn create() -> std::io::Result<Spool> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "oauth-doctor-redact-{}-{nanos}.tmp",
            std::process::id()
        ));
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(&path)?;
        Ok(Spool { path, file })
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn redact_plain(name: &str, path: &Path, out: &mut dyn Write) -> Result<Summary, CaptureError> {
    let io = |error| CaptureError::Io {
        file: name.to_string(),
        error,
    };
    let mut f = BufReader::with_capacity(1 << 16, std::fs::File::open(path).map_err(io)?);
    let head = f.fill_buf().map_err(io)?.to_vec();
    if detect::strip_bom(&head)
        .iter()
        .all(|b| b.is_ascii_whitespace())
    {
        return Err(CaptureError::Empty {
            file: name.to_string(),
        });
    }
    if detect::looks_like_har(&head) {
        return redact_har(name, path, out);
    }
    // Dumps and NDJSON are read whole, like `check` does.
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_DOCUMENT {
        return Err(CaptureError::NotCapture {
            file: name.to_string(),
            what: format!(
                "a {len}-byte document that is not HAR: exchange dumps are read whole, up to {MAX_DOCUMENT} bytes"
            ),
        });
    }
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).map_err(io)?;
    redact_document(name, &bytes, out)
}

/// Redact an exchange dump or NDJSON held in memory (live mode's `--save-capture` document):
/// the bytes `oauth-doctor redact` writes for the same document read from a file.
pub fn redact_dump(name: &str, bytes: &[u8]) -> Result<Vec<u8>, CaptureError> {
    let mut out = Vec::with_capacity(bytes.len());
    redact_document(name, bytes, &mut out)?;
    Ok(out)
}

/// A dump or NDJSON document, read whole (as `check` reads it), rewritten in memory.
fn redact_document(name: &str, bytes: &[u8], out: &mut dyn Write) -> Result<Summary, CaptureError> {
    let io = |error| CaptureError::Io {
        file: name.to_string(),
        error,
    };
    // Validate the way `check` reads it: an unreadable document is an error, not a copy.
    let loaded = capture::load_bytes(Arc::from(name), bytes)?;
    let mut known = BTreeSet::new();
    for e in &loaded.exchanges {
        super::secrets_of(e, &mut known);
    }
    let text = String::from_utf8_lossy(detect::strip_bom(bytes));
    let mut learn = Rewriter::new(BTreeSet::new());
    let _ = learn.document(&text);
    known.extend(std::mem::take(&mut learn.learned));
    let mut rw = Rewriter::new(known).learned_from(&learn);
    let mut summary = Summary {
        format: loaded.format.map(|f| f.as_str()).unwrap_or("dump"),
        entries: loaded.exchanges.len() + loaded.skipped.len() + loaded.ignored,
        ..Summary::default()
    };
    let before = rw.total();
    let new = rw.document(&text);
    if rw.total() > before {
        summary.changed = summary.entries.max(1);
    }
    out.write_all(new.as_bytes()).map_err(io)?;
    out.flush().map_err(io)?;
    summary.counts = rw.counts;
    Ok(summary)
}

fn scan_error(name: &str, e: scan::ScanError) -> CaptureError {
    match e {
        scan::ScanError::Io(msg) => CaptureError::Io {
            file: name.to_string(),
            error: std::io::Error::other(msg),
        },
        scan::ScanError::Truncated(line, column) => CaptureError::Json {
            file: name.to_string(),
            line,
            column,
            msg: "truncated: the input ends inside `log.entries`".into(),
        },
        scan::ScanError::Malformed(offset) => CaptureError::NotJson {
            file: name.to_string(),
            what: "malformed JSON inside `log.entries`".into(),
            offset,
        },
        scan::ScanError::NotHar => CaptureError::NotCapture {
            file: name.to_string(),
            what: "a `log` object without an `entries` array".into(),
        },
    }
}

fn redact_har(name: &str, path: &Path, out: &mut dyn Write) -> Result<Summary, CaptureError> {
    let io = |error| CaptureError::Io {
        file: name.to_string(),
        error,
    };
    let file_name: Arc<str> = Arc::from(name);
    // Pass 1: learn the secrets; malformed input fails here, before anything is written.
    let mut known = BTreeSet::new();
    let mut learn = Rewriter::new(BTreeSet::new());
    let f = std::fs::File::open(path).map_err(io)?;
    scan::scan_har(f, |raw| {
        if raw.oversized {
            return;
        }
        if raw.relevant {
            if let Ok(e) = std::str::from_utf8(raw.bytes)
                .map_err(|e| e.to_string())
                .and_then(|t| {
                    serde_json::from_str::<&serde_json::value::RawValue>(t)
                        .map_err(|e| e.to_string())
                })
                .and_then(|v| capture::parse_entry(&file_name, raw.index, v))
            {
                if known.len() < MAX_KNOWN {
                    super::secrets_of(&e, &mut known);
                }
            }
        }
        // Headers, cookies, URLs and parameters of every entry (bodies of unrelated entries
        // are only searched in pass 2).
        if learn.learned.len() < MAX_KNOWN {
            learn.skip_bodies = !raw.relevant;
            let text = String::from_utf8_lossy(raw.bytes);
            let _ = learn.document(&text);
        }
    })
    .map_err(|e| scan_error(name, e))?;
    known.extend(std::mem::take(&mut learn.learned));
    // Pass 2: rewrite every entry, copy what lies between them.
    let mut rw = Rewriter::new(known).learned_from(&learn);
    let mut gaps = std::fs::File::open(path).map_err(io)?;
    let mut w = BufWriter::with_capacity(1 << 16, out);
    let mut copied: u64 = 0;
    let mut summary = Summary {
        format: "HAR",
        ..Summary::default()
    };
    let mut failure: Option<std::io::Error> = None;
    let f = std::fs::File::open(path).map_err(io)?;
    scan::scan_har(f, |raw| {
        if failure.is_some() {
            return;
        }
        summary.entries += 1;
        if raw.oversized {
            // Not held in memory: copied with the text between entries, in chunks, with
            // free-text scrubbing only.
            *rw.counts
                .entry("oversized entry, scrubbed as text".into())
                .or_default() += 1;
            return;
        }
        let res = (|| -> std::io::Result<()> {
            copy_gap(&mut gaps, &mut w, copied, raw.offset, &mut rw)?;
            let text = String::from_utf8_lossy(raw.bytes);
            let before = rw.total();
            let new = rw.document(&text);
            if rw.total() > before {
                summary.changed += 1;
            }
            w.write_all(new.as_bytes())?;
            copied = raw.offset + raw.bytes.len() as u64;
            Ok(())
        })();
        if let Err(e) = res {
            failure = Some(e);
        }
    })
    .map_err(|e| scan_error(name, e))?;
    if let Some(e) = failure {
        return Err(io(e));
    }
    let end = std::fs::metadata(path).map_err(io)?.len();
    copy_gap(&mut gaps, &mut w, copied, end, &mut rw).map_err(io)?;
    w.flush().map_err(io)?;
    summary.counts = std::mem::take(&mut rw.counts);
    Ok(summary)
}

/// Copy `[from, to)` of the input (the document around and between entries: `log.pages`
/// titles may hold a callback URL; an oversized entry), scrubbing the content of its strings
/// only — a known secret may equal a run of JSON syntax (`": [`).
fn copy_gap(
    f: &mut std::fs::File,
    w: &mut dyn Write,
    from: u64,
    to: u64,
    rw: &mut Rewriter,
) -> std::io::Result<()> {
    if to <= from {
        return Ok(());
    }
    f.seek(SeekFrom::Start(from))?;
    let mut left = to - from;
    let mut buf = vec![0u8; (left.min(8 << 20)) as usize];
    let mut gap = GapScrubber::default();
    while left > 0 {
        let n = (left.min(buf.len() as u64)) as usize;
        f.read_exact(&mut buf[..n])?;
        let mut out = Vec::with_capacity(n);
        gap.feed(&buf[..n], rw, &mut out);
        w.write_all(&out)?;
        left -= n as u64;
    }
    let mut out = Vec::new();
    gap.finish(rw, &mut out);
    w.write_all(&out)
}

/// String-aware scrubbing of JSON text that arrives in chunks (the state survives a chunk
/// boundary; a string longer than [`GAP_STRING`] is scrubbed in pieces of that size). Object
/// keys are copied as they are: only values are text a secret can hide in.
#[derive(Default)]
struct GapScrubber {
    in_string: bool,
    escape: bool,
    /// Raw (still escaped) content of the current string.
    pending: Vec<u8>,
    /// A string just ended: its closing quote and the whitespace after it, held until the next
    /// byte says whether the string was a key (`:`) or a value.
    closed: Option<Vec<u8>>,
}

const GAP_STRING: usize = 1 << 20;

impl GapScrubber {
    fn feed(&mut self, bytes: &[u8], rw: &mut Rewriter, out: &mut Vec<u8>) {
        let mut i = 0;
        while i < bytes.len() {
            if let Some(trail) = &mut self.closed {
                if bytes[i].is_ascii_whitespace() {
                    trail.push(bytes[i]);
                    i += 1;
                } else {
                    // The byte is read again below, outside the string.
                    self.settle(bytes[i] == b':', rw, out);
                }
                continue;
            }
            if !self.in_string {
                match memchr::memchr(b'"', &bytes[i..]) {
                    Some(off) => {
                        out.extend_from_slice(&bytes[i..i + off + 1]);
                        i += off + 1;
                        self.in_string = true;
                    }
                    None => {
                        out.extend_from_slice(&bytes[i..]);
                        return;
                    }
                }
                continue;
            }
            let b = bytes[i];
            i += 1;
            if self.escape {
                self.escape = false;
                self.pending.push(b);
            } else if b == b'\\' {
                self.escape = true;
                self.pending.push(b);
            } else if b == b'"' {
                self.in_string = false;
                self.closed = Some(vec![b'"']);
            } else {
                self.pending.push(b);
                if self.pending.len() >= GAP_STRING && !self.escape {
                    self.flush(rw, out);
                }
            }
        }
    }

    /// The string that just ended was a key (copied) or a value (scrubbed).
    fn settle(&mut self, key: bool, rw: &mut Rewriter, out: &mut Vec<u8>) {
        if key {
            out.append(&mut self.pending);
        } else {
            self.flush(rw, out);
        }
        out.extend(self.closed.take().unwrap_or_default());
    }

    fn flush(&mut self, rw: &mut Rewriter, out: &mut Vec<u8>) {
        if self.pending.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.pending);
        out.extend_from_slice(rw.free_text(&text, "free text").as_bytes());
        self.pending.clear();
    }

    fn finish(&mut self, rw: &mut Rewriter, out: &mut Vec<u8>) {
        if self.closed.is_some() {
            self.settle(false, rw, out);
        } else {
            self.flush(rw, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_scrubbed_inside_strings_only() {
        // Found by cargo-fuzz: a learned "secret" equal to a run of JSON syntax.
        let known: BTreeSet<String> = ["\": [\n".to_string(), "s3cr3t-value".to_string()]
            .into_iter()
            .collect();
        let mut r = Rewriter::new(known);
        // A key that happens to equal a secret stays: keys are structure, not values.
        let text = b"{\"log\": [\n{\"title\": \"https://a/cb?x=s3cr3t-value\", \"t\": \": [\n\", \"s3cr3t-value\" :\"s3cr3t-value\"}";
        for split in 0..text.len() {
            let mut g = GapScrubber::default();
            let mut out = Vec::new();
            g.feed(&text[..split], &mut r, &mut out);
            g.feed(&text[split..], &mut r, &mut out);
            g.finish(&mut r, &mut out);
            let out = String::from_utf8(out).unwrap();
            assert!(out.starts_with("{\"log\": [\n{\"title\": "), "{out}");
            assert!(out.contains(", \"s3cr3t-value\" :\"REDACTED-"), "{out}");
            assert_eq!(out.matches("s3cr3t-value").count(), 1, "{out}");
        }
        // A string that ends the text is a value.
        let mut g = GapScrubber::default();
        let mut out = Vec::new();
        g.feed(b"\"s3cr3t-value\"", &mut r, &mut out);
        g.finish(&mut r, &mut out);
        assert!(String::from_utf8(out).unwrap().starts_with("\"REDACTED-"));
    }
}
