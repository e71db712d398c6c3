//! NDJSON (one exchange or HAR entry per line) from a reader, in bounded memory and on two
//! cores: this thread cuts the input into batches of whole lines, two workers judge and read
//! the lines of alternate batches, and a third thread takes their results in input order,
//! settles what depends on earlier lines (a token presented before) and hands the exchanges to
//! retention ([`super::retain`]). A small input is read on this thread alone.
//!
//! A line that is not JSON is skipped with its line number and the lines after it are still
//! read; blank lines are ignored; a line longer than [`MAX_ENTRY`] is skipped unread.

use super::entry::{oauth_relevant, parse_entry_text};
use super::scan::{Assessment, MAX_ENTRY, Seen, assess_entry, count_newlines};
use super::{Format, Loaded, Skipped};
use crate::model::Exchange;
use serde_json::value::RawValue;
use std::io::BufRead;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Lines travel in batches of about this many bytes.
const BATCH: usize = 256 << 10;

/// Inputs that end within this many bytes are read on one thread.
const PARALLEL_MIN: usize = 4 << 20;

/// Worker threads reading lines.
const WORKERS: usize = 2;

/// What the cutting thread hands over.
enum Batch {
    /// Whole lines, the first of them numbered `first_line`.
    Lines(Vec<u8>, usize),
    /// A line longer than [`MAX_ENTRY`], skipped unread.
    TooLong(usize),
}

/// What one line holds, read without the lines before it. (Nearly every line is an exchange:
/// boxing it would cost an allocation per line for the rare line that is not.)
#[allow(clippy::large_enum_variant)]
enum LineRead {
    Blank,
    /// Not an exchange: why, phrased with its line.
    Unreadable(String),
    /// An object: its judging, and, when it may be kept, the exchange read from it (`None`
    /// when its parts show it is not OAuth's), or why it is not an exchange.
    Object {
        assessed: Assessment,
        read: Option<Result<Option<Exchange>, String>>,
    },
}

/// Read NDJSON from `reader`; with `retain`, what is kept in full is bounded.
pub(super) fn stream(
    name: Arc<str>,
    reader: &mut dyn BufRead,
    retain: bool,
) -> std::io::Result<Loaded> {
    stream_from(name, reader, retain, PARALLEL_MIN)
}

/// [`stream`], with the input read on several threads once it passes `parallel_min` bytes.
fn stream_from(
    name: Arc<str>,
    reader: &mut dyn BufRead,
    retain: bool,
    parallel_min: usize,
) -> std::io::Result<Loaded> {
    let mut loaded = if retain {
        Loaded::retaining()
    } else {
        Loaded::default()
    };
    loaded.format = Some(Format::Ndjson);
    let mut merge = Merge {
        loaded,
        seen: Seen::default(),
        entry: 0,
        name: name.clone(),
    };
    let mut cut = Cut {
        carry: Vec::with_capacity(BATCH * 2),
        next_line: 1,
        skipping: false,
        searched: 0,
    };
    // Read the start on this thread: an input that ends early is read here alone.
    let mut first = Vec::new();
    let mut read = 0;
    let mut ended = false;
    while read < parallel_min {
        match cut.next(reader)? {
            Some(b) => {
                if let Batch::Lines(bytes, _) = &b {
                    read += bytes.len();
                }
                first.push(b);
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    if ended && parallel_min > 0 {
        for b in first {
            merge.batch(read_batch(&name, b));
        }
        return Ok(merge.finish());
    }
    crate::alloc::large_input();
    std::thread::scope(|sc| {
        let mut to_workers: Vec<SyncSender<Batch>> = Vec::new();
        let mut from_workers: Vec<Receiver<Vec<(usize, LineRead)>>> = Vec::new();
        let mut workers = Vec::new();
        for _ in 0..WORKERS {
            let (tx, rx) = sync_channel::<Batch>(1);
            let (rtx, rrx) = sync_channel::<Vec<(usize, LineRead)>>(1);
            let name = name.clone();
            workers.push(sc.spawn(move || {
                for b in rx {
                    if rtx.send(read_batch(&name, b)).is_err() {
                        break;
                    }
                }
            }));
            to_workers.push(tx);
            from_workers.push(rrx);
        }
        let merger = sc.spawn(move || {
            // Batch k went to worker k mod WORKERS, which answers its batches in order: the
            // results are taken round the workers, and the first worker with nothing left
            // marks the end.
            'all: loop {
                for rx in &from_workers {
                    match rx.recv() {
                        Ok(lines) => merge.batch(lines),
                        Err(_) => break 'all,
                    }
                }
            }
            merge.finish()
        });
        let mut k = 0usize;
        let mut send = |b: Batch| {
            let ok = to_workers[k % WORKERS].send(b).is_ok();
            k += 1;
            ok
        };
        let mut result = Ok(());
        for b in first {
            send(b);
        }
        loop {
            match cut.next(reader) {
                Ok(Some(b)) => {
                    if !send(b) {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        drop(to_workers);
        // A worker that stopped (only a bug could make one) ends the merge early: its lines
        // must not go missing without a word.
        let internal = || std::io::Error::other("internal error while reading lines");
        let loaded = merger.join().map_err(|_| internal())?;
        for w in workers {
            w.join().map_err(|_| internal())?;
        }
        result.map(|()| loaded)
    })
}

/// Cuts the input into batches of whole lines.
struct Cut {
    carry: Vec<u8>,
    /// The line number of the first line in `carry`.
    next_line: usize,
    /// Inside a line longer than [`MAX_ENTRY`], dropping its bytes up to its end.
    skipping: bool,
    /// How many bytes at the start of `carry` are known to hold no line feed.
    searched: usize,
}

impl Cut {
    /// The next batch, or `None` at the end of the input.
    fn next(&mut self, reader: &mut dyn BufRead) -> std::io::Result<Option<Batch>> {
        loop {
            let chunk = match reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                if self.carry.is_empty() {
                    return Ok(None);
                }
                let lines = std::mem::take(&mut self.carry);
                return Ok(Some(Batch::Lines(lines, self.next_line)));
            }
            let n = chunk.len();
            if self.skipping {
                match memchr::memchr(b'\n', chunk) {
                    Some(p) => {
                        reader.consume(p + 1);
                        self.skipping = false;
                        self.next_line += 1;
                    }
                    None => reader.consume(n),
                }
                continue;
            }
            self.carry.extend_from_slice(chunk);
            reader.consume(n);
            if self.carry.len() < BATCH {
                continue;
            }
            // Only the bytes not yet searched: a long line is searched once, not once per read.
            let from = self.searched;
            self.searched = self.carry.len();
            match memchr::memrchr(b'\n', &self.carry[from..]).map(|p| from + p) {
                Some(p) => {
                    let rest = self.carry[p + 1..].to_vec();
                    self.searched = rest.len();
                    let mut lines = std::mem::replace(&mut self.carry, rest);
                    lines.truncate(p + 1);
                    let first = self.next_line;
                    self.next_line += count_newlines(&lines);
                    return Ok(Some(Batch::Lines(lines, first)));
                }
                None if self.carry.len() >= MAX_ENTRY => {
                    let line = self.next_line;
                    self.carry = Vec::with_capacity(BATCH * 2);
                    self.searched = 0;
                    self.skipping = true;
                    return Ok(Some(Batch::TooLong(line)));
                }
                None => {}
            }
        }
    }
}

/// Read every line of a batch (on a worker).
fn read_batch(name: &Arc<str>, b: Batch) -> Vec<(usize, LineRead)> {
    match b {
        Batch::TooLong(line) => vec![(line, too_long(line))],
        Batch::Lines(bytes, first) => {
            let mut out = Vec::with_capacity(bytes.len() / 512 + 1);
            let mut line = first;
            let mut from = 0;
            while from < bytes.len() {
                let end = memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |p| from + p);
                if end - from >= MAX_ENTRY {
                    // (A reader that hands over its whole input at once brings such a line
                    // here instead of [`Cut`] skipping it.)
                    out.push((line, too_long(line)));
                    line += 1;
                    from = end + 1;
                    continue;
                }
                let text = bytes[from..end].trim_ascii();
                let text = if line == 1 {
                    super::detect::strip_bom(text).trim_ascii_start()
                } else {
                    text
                };
                out.push((line, read_line(name, text, line)));
                line += 1;
                from = end + 1;
            }
            out
        }
    }
}

fn too_long(line: usize) -> LineRead {
    LineRead::Unreadable(format!(
        "line {line}: longer than {} MiB: not analysed",
        MAX_ENTRY >> 20
    ))
}

/// Read one line (trimmed): its judging, and the exchange when it may be kept.
fn read_line(name: &Arc<str>, text: &[u8], line: usize) -> LineRead {
    if text.is_empty() {
        return LineRead::Blank;
    }
    // JSON that is not an object, or no JSON at all.
    let invalid = |text: &[u8]| match serde_json::from_slice::<&RawValue>(text) {
        Ok(_) => None,
        Err(e) => Some(format!(
            "line {line}, column {}: invalid JSON: {}",
            e.column(),
            e.to_string().split(" at line ").next().unwrap_or("")
        )),
    };
    if text[0] != b'{' {
        return LineRead::Unreadable(
            invalid(text).unwrap_or_else(|| format!("line {line}: not an exchange object")),
        );
    }
    let assessed = assess_entry(text);
    if !assessed.may_keep() {
        return match invalid(text) {
            Some(why) => LineRead::Unreadable(why),
            None => LineRead::Object {
                assessed,
                read: None,
            },
        };
    }
    let read = std::str::from_utf8(text)
        .map_err(|_| String::new())
        .and_then(|t| parse_entry_text(name, 0, t));
    match read {
        // Confirmed by its parts here, on a worker (see `entry::oauth_relevant`).
        Ok(e) if !oauth_relevant(&e) => LineRead::Object {
            assessed,
            read: Some(Ok(None)),
        },
        Ok(mut e) => {
            e.source.line = Some(line);
            LineRead::Object {
                assessed,
                read: Some(Ok(Some(e))),
            }
        }
        // A line that is not JSON is reported as such, whatever its relevance.
        Err(reason) => match invalid(text) {
            Some(why) => LineRead::Unreadable(why),
            None => LineRead::Object {
                assessed,
                read: Some(Err(reason)),
            },
        },
    }
}

/// Takes the lines in input order.
struct Merge {
    loaded: Loaded,
    seen: Seen,
    /// The entry number of the next non-blank line.
    entry: usize,
    name: Arc<str>,
}

impl Merge {
    fn batch(&mut self, lines: Vec<(usize, LineRead)>) {
        for (_, l) in lines {
            match l {
                LineRead::Blank => continue,
                LineRead::Unreadable(reason) => self.loaded.skip(Skipped {
                    file: self.name.clone(),
                    entry: self.entry,
                    reason,
                }),
                LineRead::Object { assessed, read } => {
                    if !self.seen.decide(assessed) {
                        self.loaded.ignored += 1;
                    } else {
                        match read {
                            Some(Ok(Some(mut e))) => {
                                e.source.entry = self.entry;
                                self.loaded.add(e);
                            }
                            Some(Ok(None)) => self.loaded.ignored += 1,
                            Some(Err(reason)) => self.loaded.skip(Skipped {
                                file: self.name.clone(),
                                entry: self.entry,
                                reason,
                            }),
                            // Decided relevant only what may be kept, which was read.
                            None => self.loaded.ignored += 1,
                        }
                    }
                }
            }
            self.entry += 1;
        }
    }

    fn finish(mut self) -> Loaded {
        self.loaded.finish();
        self.loaded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every exchange of every fixture as an NDJSON line, many times over (the same tokens
    /// presented again, which only the order can judge), with blank lines, lines that are not
    /// JSON, JSON that is not an object, and CRLF line ends among them.
    fn long_log() -> Vec<u8> {
        let lines: Vec<String> = crate::capture::fixture_entries()
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        let mut out = Vec::new();
        let mut n = 0usize;
        while out.len() < 3 * BATCH * WORKERS {
            for l in &lines {
                out.extend_from_slice(l.as_bytes());
                n += 1;
                out.extend_from_slice(match n % 97 {
                    0 => b"\n\n".as_slice(),
                    1 => b"\r\n{\"bad\n".as_slice(),
                    2 => b"\n[1,2]\n".as_slice(),
                    _ => b"\n".as_slice(),
                });
            }
        }
        out
    }

    fn summary(l: &Loaded) -> String {
        format!(
            "{} kept, {} summarised, {} ignored, {:?}, {:?}",
            l.exchanges.len(),
            l.summarised,
            l.ignored,
            l.skipped
                .iter()
                .map(|s| (s.entry, s.reason.clone()))
                .collect::<Vec<_>>(),
            l.exchanges
                .iter()
                .map(|e| format!("{e:?}"))
                .collect::<Vec<_>>()
        )
    }

    /// Read on one thread or on several, a log gives the same exchanges, the same skipped
    /// lines with the same numbers, and the same counts.
    #[test]
    fn one_thread_and_several_read_the_same_log() {
        let log = long_log();
        let name: Arc<str> = Arc::from("log.ndjson");
        for retain in [false, true] {
            let one = stream_from(name.clone(), &mut &log[..], retain, usize::MAX).unwrap();
            let several = stream_from(name.clone(), &mut &log[..], retain, 0).unwrap();
            assert!(one.exchanges.len() > 400, "{}", one.exchanges.len());
            assert!(one.skipped.len() > 10, "{:?}", one.skipped);
            assert!(one.ignored > 0);
            assert_eq!(summary(&one), summary(&several), "retain {retain}");
        }
    }

    /// A line longer than the largest entry is skipped unread, with its number, and the lines
    /// after it are read.
    #[test]
    fn a_line_too_long_is_skipped_and_the_next_ones_read() {
        let ok = r#"{"request":{"method":"POST","url":"https://idp.test/token","body":"grant_type=client_credentials&client_id=a"},"response":{"status":401,"body":"{\"error\":\"invalid_client\"}"}}"#;
        let mut log = format!("{ok}\n{ok}\n").into_bytes();
        log.push(b'{');
        log.extend(std::iter::repeat_n(b'x', MAX_ENTRY + 10));
        log.extend_from_slice(format!("\n{ok}\n").as_bytes());
        for parallel_min in [usize::MAX, 0] {
            let l = stream_from(Arc::from("t"), &mut &log[..], false, parallel_min).unwrap();
            assert_eq!(l.exchanges.len(), 3, "{parallel_min}");
            assert_eq!(l.exchanges[2].source.entry, 3);
            assert_eq!(l.skipped.len(), 1);
            assert_eq!(l.skipped[0].entry, 2);
            assert!(
                l.skipped[0].reason.starts_with("line 3: longer than"),
                "{}",
                l.skipped[0].reason
            );
        }
    }
}
