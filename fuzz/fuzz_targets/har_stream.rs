//! The streaming HAR reader (scanner, relevance filter, tolerant entry parsing) on arbitrary
//! bytes, fed in small chunks so that every refill path runs. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_doctor::capture;
use std::io::Read;
use std::sync::Arc;

/// A reader that hands out at most `n` bytes per call.
struct Chunks(Vec<u8>, usize, usize);

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = &self.0[self.2..];
        let n = rest.len().min(buf.len()).min(self.1);
        buf[..n].copy_from_slice(&rest[..n]);
        self.2 += n;
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let (chunk, rest) = match data.split_first() {
        Some((c, r)) => (*c as usize % 64 + 1, r),
        None => (1, data),
    };
    // Always take the streaming path: make it start like a HAR document.
    let mut doc = b"{\"log\":{\"entries\":[".to_vec();
    doc.extend_from_slice(rest);
    let _ = capture::scan::scan_har(Chunks(doc.clone(), chunk, 0), |e| {
        let _ = capture::scan::entry_is_relevant(e.bytes, &mut Default::default());
    });
    let _ = capture::load_reader(Arc::from("fuzz"), Box::new(Chunks(doc, chunk, 0)), None);
    // The same bytes as given (gzip, dumps, NDJSON), read from a stream.
    let _ = capture::load_reader(
        Arc::from("fuzz"),
        Box::new(Chunks(rest.to_vec(), chunk, 0)),
        None,
    );
});
