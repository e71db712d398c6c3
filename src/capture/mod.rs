//! Turning inputs into [`Exchange`]s: HAR 1.2 in every exporter's dialect, the
//! `oauth-doctor/exchanges/v1` dump (object, array, `{"exchanges": …}`, NDJSON), from files or
//! stdin, plain, gzip or zlib. Formats are detected by content, never by file name. A malformed
//! entry is skipped and reported; only an unreadable input is an error.

mod decode;
pub mod detect;
mod entry;
mod ndjson;
pub mod retain;
pub mod scan;
mod structural;

/// Documents that are not HAR (dumps, NDJSON) are read whole, up to this size.
pub(crate) const MAX_DOCUMENT: u64 = 256 << 20;

/// Never inflate a compressed input beyond this (zip bombs).
pub(crate) const MAX_INFLATED: u64 = decode::MAX_INFLATED;

use crate::model::Exchange;
use std::io::Read;
use std::sync::Arc;

pub(crate) use decode::json_string;
pub use detect::Format;
pub(crate) use entry::parse_entry;

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

impl Skipped {
    /// Whether the entry's bytes could not be read: invalid JSON or UTF-8, a value that is not
    /// an entry, an entry too large, the input cut inside it. (An entry that reads well but
    /// holds no request, or no URL, is skipped too, but it was read: an exporter's placeholder.)
    pub fn unreadable(&self) -> bool {
        let r = self.reason.as_str();
        r.starts_with("line ")
            || r.starts_with("invalid JSON")
            || r.starts_with("invalid UTF-8")
            || r.starts_with("not an entry object")
            || r.starts_with("entry is larger than")
            || r.starts_with("truncated")
            || r.starts_with("and ")
    }
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
    /// Entries read but not OAuth-relevant (static assets, plain page loads): not analysed.
    pub ignored: usize,
    /// Line of the last complete entry (for truncation messages).
    pub last_line: Option<usize>,
    /// Skipped entries beyond [`MAX_SKIPPED`], counted in the last record of `skipped`.
    pub skipped_more: usize,
    /// Relevant exchanges read and judged but not kept in full: successful calls far from any
    /// failure, beyond the examples of their endpoint ([`retain`]). They count as analysed.
    pub summarised: usize,
    /// The input ended inside `log.entries`: the complete entries before the cut are in
    /// `exchanges`, and this is the error that names the cut (reported after the diagnosis).
    pub truncated: Option<CaptureError>,
    /// When set, what is kept in full is bounded ([`retain::Retention`]); else everything is.
    pub(crate) retention: Option<Box<retain::Retention>>,
}

/// At most this many skipped entries are listed one by one (hostile input can hold millions).
pub const MAX_SKIPPED: usize = 1000;

impl Loaded {
    /// An empty result that keeps in full only what [`retain`] keeps (bounded memory).
    pub(crate) fn retaining() -> Loaded {
        Loaded {
            retention: Some(Box::default()),
            ..Loaded::default()
        }
    }

    /// Add an exchange read from the input, in input order.
    pub(crate) fn add(&mut self, e: Exchange) {
        match &mut self.retention {
            Some(r) => r.push(e),
            None => self.exchanges.push(e),
        }
    }

    /// The end of the input: what retention kept becomes [`Loaded::exchanges`].
    pub(crate) fn finish(&mut self) {
        if let Some(mut r) = self.retention.take() {
            self.exchanges.extend(r.finish());
            self.summarised += r.summarised;
        }
    }

    /// Add what another input held (its exchanges after these, its counts to these).
    pub fn absorb(&mut self, l: Loaded) {
        self.format = self.format.or(l.format);
        self.sanitized |= l.sanitized;
        self.creator = self.creator.take().or(l.creator);
        if self.exchanges.is_empty() {
            self.exchanges = l.exchanges;
        } else {
            self.exchanges.extend(l.exchanges);
        }
        self.ignored += l.ignored;
        self.summarised += l.summarised;
        self.truncated = self.truncated.take().or(l.truncated);
        self.skipped_more += l.skipped_more;
        self.skipped.extend(l.skipped);
    }

    /// Entries that could not be read (malformed, oversized), listed or not.
    pub fn unreadable(&self) -> usize {
        self.skipped.len() - usize::from(self.skipped_more > 0) + self.skipped_more
    }

    /// Relevant exchanges analysed: kept in full or summarised.
    pub fn analysed(&self) -> usize {
        self.exchanges.len() + self.summarised
    }

    /// Note a skipped entry; beyond [`MAX_SKIPPED`] they are counted in one last record.
    pub(crate) fn skip(&mut self, s: Skipped) {
        if self.skipped.len() < MAX_SKIPPED {
            self.skipped.push(s);
            return;
        }
        self.skipped_more += 1;
        let reason = format!(
            "and {} more skipped entr(ies), not listed",
            self.skipped_more
        );
        if self.skipped_more == 1 {
            self.skipped.push(Skipped { reason, ..s });
        } else if let Some(last) = self.skipped.last_mut() {
            last.reason = reason;
        }
    }
}

/// When stdin is a pipe, ask for a 1 MiB pipe buffer instead of the default 64 KiB: the writer
/// (`cat`, `zcat`, `curl`) and this reader then wake each other 16 times less often. The
/// request may be refused (a system limit below 1 MiB); the default buffer still works.
fn widen_stdin_pipe() {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let fd = std::io::stdin().as_raw_fd();
        // SAFETY: fcntl on our own stdin descriptor; F_SETPIPE_SZ fails harmlessly on
        // anything that is not a pipe.
        unsafe {
            libc::fcntl(fd, libc::F_SETPIPE_SZ, 1 << 20);
        }
    }
}

/// Read a file, or stdin for `-`. HAR documents are streamed (memory does not grow with the
/// file); other formats are read whole.
pub fn load_path(path: &str) -> Result<Loaded, CaptureError> {
    let name: Arc<str> = if path == "-" {
        Arc::from("<stdin>")
    } else {
        Arc::from(path)
    };
    let io = |error| CaptureError::Io {
        file: name.to_string(),
        error,
    };
    if path == "-" {
        widen_stdin_pipe();
        return load_reader(name.clone(), Box::new(std::io::stdin().lock()), None);
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "is a directory",
        )));
    }
    if meta.len() == 0 {
        return Err(CaptureError::Empty {
            file: path.to_string(),
        });
    }
    // Large plain HAR files are memory-mapped and analysed by two threads: one finds the
    // entries, the other judges and parses them. Everything else goes through a reader.
    if meta.len() >= PARALLEL_MIN {
        // SAFETY: the map is only read. A file truncated while mapped raises SIGBUS, which the
        // README documents (do not analyse a capture that is still being written).
        if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
            let head = &map[..map.len().min(1 << 16)];
            if detect::compression(head).is_none() && detect::looks_like_har(head) {
                let creator = detect::har_creator(head);
                let mut loaded = stream_har_mapped(name.clone(), &map, creator)?;
                loaded.sanitized = entry::detect_sanitized(&loaded);
                return Ok(loaded);
            }
        }
    }
    load_reader(name.clone(), Box::new(file), Some(meta.len()))
}

/// Files at least this large take the two-thread memory-mapped path.
const PARALLEL_MIN: u64 = 4 << 20;

/// Scan a memory-mapped HAR on this thread while a second thread judges and parses entries.
fn stream_har_mapped(
    name: Arc<str>,
    map: &memmap2::Mmap,
    creator: Option<String>,
) -> Result<Loaded, CaptureError> {
    crate::alloc::large_input();
    let bytes: &[u8] = map;
    let bar_owned = progress_bar(Some(bytes.len() as u64));
    let bar = &bar_owned;
    // How far the worker has got: the scanner waits when it runs more than WINDOW ahead, so the
    // mapped pages between the two stay bounded.
    let done = std::sync::atomic::AtomicUsize::new(0);
    let done = &done;
    // How far the scanner has got: the worker maps the pages ahead of it.
    let scanned = std::sync::atomic::AtomicUsize::new(0);
    let scanned = &scanned;
    let (result, loaded) = std::thread::scope(|sc| {
        // Entries travel in batches: one wake-up of the worker per entry cost more than
        // finding the entries.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(Handed, usize)>>(64);
        let worker_name = name.clone();
        let worker = sc.spawn(move || {
            let mut loaded = Loaded {
                format: Some(Format::Har),
                creator,
                ..Loaded::retaining()
            };
            let mut seen = scan::Seen::default();
            let (mut released, mut populated) = (0usize, 0usize);
            for batch in rx {
                // The scanner waits on memory: map the pages it will read next from this
                // thread, which has time to spare, instead of taking the page faults there.
                let target = (scanned.load(std::sync::atomic::Ordering::Relaxed) + POPULATE_AHEAD)
                    .min(bytes.len());
                while populated < target {
                    let len = POPULATE_STEP.min(bytes.len() - populated);
                    let _ = map.advise_range(memmap2::Advice::PopulateRead, populated, len);
                    populated += len;
                }
                for (h, len) in batch {
                    let off = h.offset as usize;
                    h.push(&bytes[off..off + len], &mut loaded, &worker_name, &mut seen);
                    done.store(off + len, std::sync::atomic::Ordering::Release);
                    // Give back pages already analysed, so resident memory stays flat.
                    if off - released >= RELEASE_STEP {
                        if let Some(b) = bar {
                            b.set_position(off as u64);
                        }
                        let page = off & !(PAGE - 1);
                        if page > released {
                            // SAFETY: a read-only file mapping; pages dropped here are re-read
                            // from the page cache if touched again, nothing is lost.
                            let _ = unsafe {
                                map.unchecked_advise_range(
                                    memmap2::UncheckedAdvice::DontNeed,
                                    released,
                                    page - released,
                                )
                            };
                            released = page;
                        }
                    }
                }
            }
            loaded.finish();
            loaded
        });
        let mut batch: Vec<(Handed, usize)> = Vec::with_capacity(BATCH);
        let result = scan::scan_har_slice(bytes, false, |raw| {
            scanned.store(raw.offset as usize, std::sync::atomic::Ordering::Relaxed);
            let behind = || {
                (raw.offset as usize)
                    .saturating_sub(done.load(std::sync::atomic::Ordering::Acquire))
            };
            // The worker catches up only with the entries it has been sent: hand over the
            // batch so far before waiting (a run of large entries fills the window before it
            // fills a batch). (A worker that stopped, which only a bug could cause, must not
            // leave this thread waiting: its failure is reported after the scan.)
            if behind() > WINDOW {
                hand_over(&tx, &mut batch);
            }
            while behind() > WINDOW && !worker.is_finished() {
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
            // Finding where entries end is faster than judging them: when the worker falls
            // behind, this thread does the order-independent part of the judging too.
            let assessed = (!raw.oversized && behind() > SHARE_WHEN_BEHIND)
                .then(|| scan::assess(raw.bytes, raw.longs));
            // Reading an entry does not depend on the entries before it either: an entry that
            // may be kept is read here too (the worker drops it if it is not).
            let read = assessed
                .as_ref()
                .filter(|a| a.may_keep())
                .map(|_| entry::read_scanned(&name, &raw));
            let mut handed = Handed::new(&raw, assessed);
            handed.read = read;
            batch.push((handed, raw.bytes.len()));
            if batch.len() == BATCH {
                hand_over(&tx, &mut batch);
            }
        });
        hand_over(&tx, &mut batch);
        drop(tx);
        (result, worker.join())
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut loaded = match loaded {
        Ok(l) => l,
        Err(_) => {
            return Err(CaptureError::NotCapture {
                file: name.to_string(),
                what: "internal error while reading entries".into(),
            });
        }
    };
    match result {
        Ok(_) => Ok(loaded),
        Err(scan::ScanError::Truncated(..)) => {
            let line = scan::count_newlines(bytes) + 1;
            let column =
                bytes.len() - bytes.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1) + 1;
            cut(&name, line, column, &mut loaded);
            match loaded.truncated.take() {
                // Cut before its first complete entry: nothing to diagnose, only the error.
                Some(e) if loaded.skipped.len() == 1 && loaded.analysed() + loaded.ignored == 0 => {
                    Err(e)
                }
                t => {
                    loaded.truncated = t;
                    Ok(loaded)
                }
            }
        }
        Err(scan::ScanError::Malformed(offset)) => Err(CaptureError::NotJson {
            file: name.to_string(),
            what: "malformed JSON inside `log.entries`".into(),
            offset,
        }),
        Err(scan::ScanError::NotHar) => Err(CaptureError::NotCapture {
            file: name.to_string(),
            what: "a `log` object without an `entries` array".into(),
        }),
        Err(scan::ScanError::Io(msg)) => {
            loaded.exchanges.clear();
            Err(CaptureError::Io {
                file: name.to_string(),
                error: std::io::Error::other(msg),
            })
        }
    }
}

/// A HAR cut short at (`line`, `column`): its complete entries are still diagnosed; the cut is
/// recorded as a skipped entry (so the verdict cannot be `pass`) and as the error that names
/// where the input ends.
fn cut(name: &Arc<str>, line: usize, column: usize, loaded: &mut Loaded) {
    let complete = loaded.analysed() + loaded.unreadable() + loaded.ignored;
    loaded.truncated = Some(CaptureError::Json {
        file: name.to_string(),
        line,
        column,
        msg: format!(
            "truncated: the input ends inside `log.entries` after {complete} complete entr(ies); the report covers those"
        ),
    });
    loaded.skip(Skipped {
        file: name.clone(),
        entry: complete,
        reason: format!(
            "truncated at line {line}, column {column}: the input ends inside this entry"
        ),
    });
}

const PAGE: usize = 4096;
const RELEASE_STEP: usize = 2 << 20;
/// How far ahead of the worker the scanner may run in a memory map.
const WINDOW: usize = 4 << 20;
/// How far ahead of the scanner the worker maps pages, and how much at a time.
const POPULATE_AHEAD: usize = 2 << 20;
const POPULATE_STEP: usize = 512 << 10;
/// Send the entries batched so far to the worker (nothing when there are none).
fn hand_over(
    tx: &std::sync::mpsc::SyncSender<Vec<(Handed, usize)>>,
    batch: &mut Vec<(Handed, usize)>,
) {
    if !batch.is_empty() {
        let _ = tx.send(std::mem::replace(batch, Vec::with_capacity(BATCH)));
    }
}

/// Entries handed to the worker at a time.
const BATCH: usize = 32;
/// How far behind the worker must be for the scanner to help judging.
const SHARE_WHEN_BEHIND: usize = 1 << 20;

/// Inputs larger than this get a progress bar (when stderr is a terminal).
const PROGRESS_MIN: u64 = 8 << 20;

fn progress(reader: Box<dyn Read>, len: Option<u64>) -> Box<dyn Read> {
    match progress_bar(len) {
        Some(bar) => Box::new(ClearOnDrop(bar.wrap_read(reader))),
        None => reader,
    }
}

/// A progress bar on stderr for large inputs, only when stderr is a terminal.
fn progress_bar(len: Option<u64>) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() || len.is_some_and(|l| l < PROGRESS_MIN) {
        return None;
    }
    let bar = match len {
        Some(l) => indicatif::ProgressBar::new(l).with_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} reading {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        ),
        None => indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{spinner} reading {bytes} ({bytes_per_sec})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        ),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
    Some(bar)
}

/// Clears the progress bar when reading is done.
struct ClearOnDrop<R: Read>(indicatif::ProgressBarIter<R>);

impl<R: Read> Read for ClearOnDrop<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Drop for ClearOnDrop<R> {
    fn drop(&mut self) {
        self.0.progress.finish_and_clear();
    }
}

/// Read from any reader: decompress gzip/zlib, stream HAR documents, read other formats whole.
pub fn load_reader(
    name: Arc<str>,
    reader: Box<dyn Read>,
    len: Option<u64>,
) -> Result<Loaded, CaptureError> {
    let file = name.to_string();
    let io = |error| CaptureError::Io {
        file: file.clone(),
        error,
    };
    let mut br = std::io::BufReader::with_capacity(1 << 16, progress(reader, len));
    let head = fill_head(&mut br).map_err(io)?;
    let compressed = detect::compression(&head);
    let mut reader: Box<dyn std::io::BufRead> = match compressed {
        Some(detect::Compression::Gzip) => Box::new(std::io::BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(br),
        )),
        Some(detect::Compression::Zlib) => Box::new(std::io::BufReader::with_capacity(
            1 << 16,
            flate2::read::ZlibDecoder::new(br),
        )),
        None => Box::new(br),
    };
    let head = fill_head(&mut reader).map_err(|e| match compressed {
        Some(_) => CaptureError::Decompress {
            file: file.clone(),
            msg: e.to_string(),
        },
        None => io(e),
    })?;
    if detect::looks_like_har(&head) {
        let small = compressed.is_none() && len.is_some_and(|l| l < PARALLEL_MIN);
        let mut loaded = stream_har(
            name,
            reader,
            compressed.is_some(),
            small,
            detect::har_creator(&head),
        )?;
        loaded.sanitized = entry::detect_sanitized(&loaded);
        return Ok(loaded);
    }
    if detect::looks_like_ndjson(&head) {
        let mut loaded =
            ndjson::stream(name, &mut *reader, true).map_err(|e| match compressed {
                Some(_) => CaptureError::Decompress {
                    file: file.clone(),
                    msg: e.to_string(),
                },
                None => io(e),
            })?;
        loaded.sanitized = entry::detect_sanitized(&loaded);
        return Ok(loaded);
    }
    let mut all = Vec::new();
    reader
        .take(MAX_DOCUMENT + 1)
        .read_to_end(&mut all)
        .map_err(|e| match compressed {
            Some(_) => CaptureError::Decompress {
                file: file.clone(),
                msg: e.to_string(),
            },
            None => io(e),
        })?;
    if all.len() as u64 > MAX_DOCUMENT {
        return Err(CaptureError::NotJson {
            file,
            what: format!(
                "a document that is not HAR and larger than {} MiB (exchange dumps are read whole; use HAR for larger captures)",
                MAX_DOCUMENT >> 20
            ),
            offset: MAX_DOCUMENT as usize,
        });
    }
    parse_plain(name, &all, compressed.is_some(), true)
}

/// Peek up to 64 KiB without consuming.
fn fill_head<R: std::io::BufRead + ?Sized>(r: &mut R) -> std::io::Result<Vec<u8>> {
    loop {
        match r.fill_buf() {
            Ok(b) => return Ok(b.to_vec()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

fn stream_har(
    name: Arc<str>,
    mut reader: Box<dyn std::io::BufRead>,
    compressed: bool,
    small: bool,
    creator: Option<String>,
) -> Result<Loaded, CaptureError> {
    let mut loaded = Loaded {
        format: Some(Format::Har),
        creator,
        ..Loaded::default()
    };
    // An input of a few MiB is read whole and walked on this thread: a second thread, its
    // memory and the scanner's read buffer cost more than the walk. (Of a pipe, whose length
    // is not known, the start is read first: if the input ends there, it is small.)
    let mut start = Vec::new();
    let limit = if small { u64::MAX } else { PARALLEL_MIN };
    let result = match reader.by_ref().take(limit).read_to_end(&mut start) {
        Err(e) => Err(scan::ScanError::Io(e.to_string())),
        Ok(n) if small || (n as u64) < PARALLEL_MIN => scan_one_thread(&name, &start, &mut loaded),
        Ok(_) => {
            let rest: Box<dyn std::io::BufRead> =
                Box::new(std::io::Cursor::new(start).chain(reader));
            scan_two_threads(&name, rest, &mut loaded)
        }
    };
    match result {
        Ok(_) => {}
        Err(scan::ScanError::Io(msg)) if compressed => {
            return Err(CaptureError::Decompress {
                file: name.to_string(),
                msg,
            });
        }
        Err(scan::ScanError::Io(msg)) => {
            return Err(CaptureError::Io {
                file: name.to_string(),
                error: std::io::Error::other(msg),
            });
        }
        Err(scan::ScanError::Truncated(line, column)) => {
            cut(&name, line, column, &mut loaded);
            if loaded.skipped.len() == 1 && loaded.analysed() + loaded.ignored == 0 {
                // Cut before its first complete entry: nothing to diagnose, only the error.
                if let Some(e) = loaded.truncated.take() {
                    return Err(e);
                }
            }
        }
        Err(scan::ScanError::Malformed(offset)) => {
            return Err(CaptureError::NotJson {
                file: name.to_string(),
                what: "malformed JSON inside `log.entries`".into(),
                offset,
            });
        }
        Err(scan::ScanError::NotHar) => {
            return Err(CaptureError::NotCapture {
                file: name.to_string(),
                what: "a `log` object without an `entries` array".into(),
            });
        }
    }
    Ok(loaded)
}

/// One entry handed from the reading thread to the judging one (its bytes travel beside it:
/// a slice of the memory map, or a copy from a pipe).
struct Handed {
    index: usize,
    offset: u64,
    line: usize,
    longs: Vec<(usize, usize)>,
    oversized: bool,
    assessed: Option<scan::Assessment>,
    /// The entry already read, by the thread that found it.
    read: Option<Result<Exchange, String>>,
}

impl Handed {
    /// `raw` as handed over, with the judging already done on the reading thread, if any.
    fn new(raw: &scan::RawEntry<'_>, assessed: Option<scan::Assessment>) -> Handed {
        Handed {
            index: raw.index,
            offset: raw.offset,
            line: raw.line,
            longs: raw.longs.to_vec(),
            oversized: raw.oversized,
            assessed,
            read: None,
        }
    }

    /// Settle the entry's relevance (in entry order, on the judging thread) and add it to
    /// `loaded`.
    fn push(self, bytes: &[u8], loaded: &mut Loaded, name: &Arc<str>, seen: &mut scan::Seen) {
        let relevant = scan::settle(bytes, &self.longs, self.oversized, self.assessed, seen);
        entry::push_read(
            loaded,
            name,
            scan::RawEntry {
                index: self.index,
                offset: self.offset,
                line: self.line,
                bytes,
                relevant,
                longs: &self.longs,
                oversized: self.oversized,
            },
            self.read,
        );
    }
}

/// Walk a HAR already in memory on this thread: find, judge and read its entries.
fn scan_one_thread(
    name: &Arc<str>,
    bytes: &[u8],
    loaded: &mut Loaded,
) -> Result<usize, scan::ScanError> {
    let mut out = Loaded::retaining();
    let result = scan::scan_har_slice(bytes, true, |raw| {
        entry::push_read(&mut out, name, raw, None)
    });
    out.finish();
    merge_into(loaded, out);
    result
}

/// Stream a HAR from a reader with two threads: this one reads and finds entries, a second
/// judges and parses them; when the second falls behind, the first judges too.
fn scan_two_threads(
    name: &Arc<str>,
    reader: Box<dyn std::io::BufRead>,
    loaded: &mut Loaded,
) -> Result<usize, scan::ScanError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    crate::alloc::large_input();
    let queued = AtomicUsize::new(0);
    let queued = &queued;
    std::thread::scope(|sc| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Handed, Vec<u8>)>(1024);
        let worker = sc.spawn(move || {
            let mut seen = scan::Seen::default();
            let mut out = Loaded::retaining();
            for (h, bytes) in rx {
                queued.fetch_sub(1, Ordering::Relaxed);
                h.push(&bytes, &mut out, name, &mut seen);
            }
            out.finish();
            out
        });
        let result = scan::scan_har_unjudged(reader, |raw| {
            // Judging is the slower half: share it when the other thread has a backlog.
            let assessed = (!raw.oversized && queued.load(Ordering::Relaxed) > SHARE_BACKLOG)
                .then(|| scan::assess(raw.bytes, raw.longs));
            // An entry relevant on no count and presenting no token cannot become relevant:
            // its bytes need not travel.
            let needed = !raw.oversized && assessed.as_ref().is_none_or(scan::Assessment::may_keep);
            queued.fetch_add(1, Ordering::Relaxed);
            let bytes = if needed {
                raw.bytes.to_vec()
            } else {
                Vec::new()
            };
            let _ = tx.send((Handed::new(&raw, assessed), bytes));
        });
        drop(tx);
        match worker.join() {
            Ok(out) => merge_into(loaded, out),
            Err(_) => {
                return Err(scan::ScanError::Io(
                    "internal error while reading entries".into(),
                ));
            }
        }
        result
    })
}

/// What the judging thread read, into the (so far empty) result.
fn merge_into(into: &mut Loaded, from: Loaded) {
    into.exchanges = from.exchanges;
    into.summarised = from.summarised;
    into.skipped = from.skipped;
    into.skipped_more = from.skipped_more;
    into.ignored = from.ignored;
    into.last_line = from.last_line;
}

/// How many entries may wait for the judging thread before the reader judges some itself.
const SHARE_BACKLOG: usize = 64;

/// Parse bytes already in memory; every relevant exchange is kept in full (the documents are
/// bounded by [`MAX_DOCUMENT`]).
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
    parse_plain(name, bytes, compressed.is_some(), false)
}

/// Parse an uncompressed document held in memory (`retain`: see [`entry::parse_document`]).
fn parse_plain(
    name: Arc<str>,
    bytes: &[u8],
    compressed: bool,
    retain: bool,
) -> Result<Loaded, CaptureError> {
    let file = name.to_string();
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
            let what = if compressed {
                format!("{what} (after decompression)")
            } else {
                what
            };
            return Err(CaptureError::NotJson {
                file,
                what,
                offset: start,
            });
        }
    }
    entry::parse_document(name, bytes, retain)
}

/// Read several inputs and concatenate what they hold; fails on the first unreadable input.
pub fn load_all(paths: &[String]) -> Result<Loaded, CaptureError> {
    let mut all = Loaded::default();
    for p in paths {
        all.absorb(load_path(p)?);
    }
    Ok(all)
}

/// Every exchange of every fixture capture, in one list (for tests that need a large capture
/// made of real ones).
#[cfg(test)]
pub(crate) fn all_fixture_exchanges() -> Vec<Exchange> {
    let paths = fixture_paths();
    let mut exchanges = Vec::new();
    for p in &paths {
        if let Ok(l) = load_path(&p.to_string_lossy()) {
            exchanges.extend(l.exchanges);
        }
    }
    for (i, e) in exchanges.iter_mut().enumerate() {
        e.index = i;
    }
    exchanges
}

/// Every entry (HAR) or exchange (dump) of the fixtures as one line of JSON, with its file.
#[cfg(test)]
pub(crate) fn fixture_entries() -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    for path in fixture_paths() {
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let list = v
            .pointer("/log/entries")
            .or_else(|| v.get("exchanges"))
            .and_then(|l| l.as_array())
            .cloned()
            .unwrap_or_default();
        out.extend(list.iter().map(|e| (path.clone(), e.to_string())));
    }
    out
}

/// The HAR and dump fixtures, in order.
#[cfg(test)]
pub(crate) fn fixture_paths() -> Vec<std::path::PathBuf> {
    let mut paths = Vec::new();
    for dir in ["corpus", "providers", "rules", "har-dialects"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(dir);
        for f in std::fs::read_dir(dir).expect("fixtures are present") {
            let p = f.expect("readable fixture folder").path();
            if matches!(p.extension().and_then(|e| e.to_str()), Some("har" | "json")) {
                paths.push(p);
            }
        }
    }
    paths.sort();
    paths
}
