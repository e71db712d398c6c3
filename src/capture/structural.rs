//! Where a JSON object ends, 64 bytes at a time: the bit-parallel structural scan of simdjson's
//! first stage (quote, backslash and brace masks, escapes resolved with carries, strings found
//! by a prefix XOR), reduced to what the HAR scanner needs — the end of one entry and the
//! strings in it longer than [`SHORT_STRING`].
//!
//! On JSON it gives exactly the answer of the byte-by-byte skipper in `scan.rs` (a property
//! test compares them). Without AVX2 the same walk builds its masks byte by byte, so every
//! machine splits even broken input (a backslash outside a string) the same way.

use super::scan::SHORT_STRING;

const ODD_BITS: u64 = 0xAAAA_AAAA_AAAA_AAAA;

/// Where an object ends, found by [`object_end`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct End {
    /// One past the closing `}`.
    pub at: usize,
    /// Line feeds between the opening `{` and `at` (counted in the same pass).
    pub newlines: usize,
}

/// The end of the object starting at `buf[start]`, which must be `{`, and the content spans
/// of its strings longer than [`SHORT_STRING`] (relative to `start`, pushed to `longs`).
/// `None` when the object does not end inside `buf`.
pub fn object_end(buf: &[u8], start: usize, longs: &mut Vec<(usize, usize)>) -> Option<End> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
            && std::arch::is_x86_feature_detected!("bmi1")
        {
            // SAFETY: AVX2, POPCNT and BMI1 are present (checked just above).
            return unsafe { avx2::object_end(buf, start, longs) };
        }
    }
    object_end_portable(buf, start, longs)
}

/// Bits of the bytes escaped by a backslash, carrying a trailing odd backslash run into the
/// next block (simdjson's `json_escape_scanner`).
struct Escapes {
    next_is_escaped: u64,
}

impl Escapes {
    fn next(&mut self, backslash: u64) -> u64 {
        if backslash == 0 {
            let escaped = self.next_is_escaped;
            self.next_is_escaped = 0;
            return escaped;
        }
        let potential = backslash & !self.next_is_escaped;
        let maybe_escaped = potential << 1;
        let code = (maybe_escaped | ODD_BITS).wrapping_sub(potential) ^ ODD_BITS;
        let escaped = code ^ (backslash | self.next_is_escaped);
        let escape = code & backslash;
        self.next_is_escaped = escape >> 63;
        escaped
    }
}

/// Bit i set when an odd number of bits at or below i are set (inside a string).
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The per-block masks: (quote, backslash, open brace, close brace, line feed).
type Masks = (u64, u64, u64, u64, u64);

/// Walk blocks from `start`, with `masks` computing a block's masks from 64 readable bytes.
#[inline(always)]
fn walk(
    buf: &[u8],
    start: usize,
    longs: &mut Vec<(usize, usize)>,
    masks: impl Fn(&[u8; 64]) -> Masks,
) -> Option<End> {
    let mut esc = Escapes { next_is_escaped: 0 };
    let mut in_string: u64 = 0; // all ones when the previous block ended inside a string
    let mut string_from = 0usize; // content start of the string still open
    let mut depth: u64 = 0;
    let mut newlines = 0usize;
    let mut at = start;
    let mut tail = [b' '; 64];
    while at < buf.len() {
        // Ask for the bytes 1 KiB ahead: the hardware prefetcher stops at every 4 KiB page of a
        // memory map, and the scan waits on memory otherwise (measured: 423 -> 305 ms on 1 GB).
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is a hint; it never faults, even past the end of the buffer.
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch(
                buf.as_ptr().wrapping_add(at + 1024) as *const i8,
                _MM_HINT_T0,
            );
        }
        let block: &[u8; 64] = match buf.get(at..at + 64) {
            Some(b) => b.try_into().ok()?,
            None => {
                let rest = &buf[at..];
                tail[..rest.len()].copy_from_slice(rest);
                tail[rest.len()..].fill(b' ');
                &tail
            }
        };
        let (quote, backslash, open, close, feed) = masks(block);
        if quote | backslash | open | close == 0 {
            newlines += feed.count_ones() as usize;
            // Nothing structural (the middle of a long string, whitespace): only an escape
            // carried into the block ends here.
            esc.next_is_escaped = 0;
            at += 64;
            continue;
        }
        let escaped = esc.next(backslash);
        let quote = quote & !escaped;
        let inside = prefix_xor(quote) ^ in_string;
        // Long strings cross block boundaries: one that was open closes at the first quote.
        if in_string != 0 && quote != 0 {
            let end = at + quote.trailing_zeros() as usize;
            if end - string_from > SHORT_STRING {
                longs.push((string_from - start, end - start));
            }
        }
        let ends_inside = (inside >> 63) != 0;
        if ends_inside && quote != 0 {
            string_from = at + (63 - quote.leading_zeros() as usize) + 1;
        }
        let open = open & !inside;
        let close = close & !inside;
        if close == 0 {
            depth += u64::from(open.count_ones());
        } else if depth > u64::from(close.count_ones()) {
            depth = depth + u64::from(open.count_ones()) - u64::from(close.count_ones());
        } else {
            let mut braces = open | close;
            while braces != 0 {
                let bit = braces & braces.wrapping_neg();
                if open & bit != 0 {
                    depth += 1;
                } else {
                    depth -= 1;
                    if depth == 0 {
                        let end = at + bit.trailing_zeros() as usize + 1;
                        // Line feeds up to the brace (it is not one; the bits above it are
                        // after the object).
                        newlines += (feed & (bit - 1)).count_ones() as usize;
                        return (end <= buf.len()).then_some(End { at: end, newlines });
                    }
                }
                braces ^= bit;
            }
        }
        in_string = if ends_inside { u64::MAX } else { 0 };
        newlines += feed.count_ones() as usize;
        at += 64;
    }
    None
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    // POPCNT and BMI1 turn the bit counts and lowest-bit steps of every block into single
    // instructions (without them `count_ones` is a dozen).
    #[target_feature(enable = "avx2,popcnt,bmi1")]
    pub(super) unsafe fn object_end(
        buf: &[u8],
        start: usize,
        longs: &mut Vec<(usize, usize)>,
    ) -> Option<super::End> {
        super::walk(buf, start, longs, |b| {
            // SAFETY: `b` holds 64 readable bytes; unaligned loads; AVX2 checked by the caller.
            unsafe {
                let lo = _mm256_loadu_si256(b.as_ptr() as *const __m256i);
                let hi = _mm256_loadu_si256(b.as_ptr().add(32) as *const __m256i);
                let eq = |c: u8| {
                    let v = _mm256_set1_epi8(c as i8);
                    let l = _mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, v)) as u32 as u64;
                    let h = _mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, v)) as u32 as u64;
                    l | (h << 32)
                };
                (eq(b'"'), eq(b'\\'), eq(b'{'), eq(b'}'), eq(b'\n'))
            }
        })
    }
}

/// The same walk with masks built byte by byte (where AVX2 is missing; tests compare the two).
pub fn object_end_portable(
    buf: &[u8],
    start: usize,
    longs: &mut Vec<(usize, usize)>,
) -> Option<End> {
    walk(buf, start, longs, |b| {
        let mut m = (0u64, 0u64, 0u64, 0u64, 0u64);
        for (i, c) in b.iter().enumerate() {
            let bit = 1u64 << i;
            match c {
                b'"' => m.0 |= bit,
                b'\\' => m.1 |= bit,
                b'{' => m.2 |= bit,
                b'}' => m.3 |= bit,
                b'\n' => m.4 |= bit,
                _ => {}
            }
        }
        m
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(doc: &str) -> (Option<usize>, Vec<(usize, usize)>) {
        let mut longs = Vec::new();
        let e = object_end_portable(doc.as_bytes(), 0, &mut longs);
        (e.map(|e| e.at), longs)
    }

    #[test]
    fn finds_the_closing_brace_outside_strings() {
        assert_eq!(ends(r#"{"a":{"b":"}"}} tail"#).0, Some(15));
        assert_eq!(ends(r#"{"a":"\"}"} x"#).0, Some(11));
        assert_eq!(ends(r#"{"a":"\\"} x"#).0, Some(10));
        assert_eq!(ends(r#"{"a":"\\\"}"} x"#).0, Some(13));
        assert_eq!(ends(r#"{"a":"}"#).0, None);
    }

    #[test]
    fn reports_long_strings_across_blocks() {
        let long = "x".repeat(SHORT_STRING + 1);
        let doc = format!(r#"{{"a":"{long}","b":"short"}}"#);
        let (end, longs) = ends(&doc);
        assert_eq!(end, Some(doc.len()));
        assert_eq!(longs, [(6, 6 + long.len())]);
        let exact = "y".repeat(SHORT_STRING);
        assert!(ends(&format!(r#"{{"a":"{exact}"}}"#)).1.is_empty());
    }

    #[test]
    fn escapes_carry_across_blocks() {
        // A backslash run ending exactly at a block boundary.
        for pad in 0..70 {
            let doc = format!(r#"{{"k":"{}\\\\\"}}\\"}} rest"#, "a".repeat(pad));
            let mut longs = Vec::new();
            let want = doc.find(" rest").unwrap();
            assert_eq!(
                object_end_portable(doc.as_bytes(), 0, &mut longs).map(|e| e.at),
                Some(want),
                "pad {pad}"
            );
        }
    }

    #[test]
    fn counts_the_line_feeds_inside_the_object_only() {
        for pad in 0..130 {
            let doc = format!(
                "{{\n  \"a\": \"{}\",\n  \"b\": \"x\\ny\"\n}}\n\n tail\n",
                "z".repeat(pad)
            );
            let end = doc.find("\n\n tail").unwrap();
            let mut longs = Vec::new();
            let want = Some(End {
                at: end,
                newlines: 3,
            });
            assert_eq!(object_end_portable(doc.as_bytes(), 0, &mut longs), want);
            assert_eq!(object_end(doc.as_bytes(), 0, &mut longs), want);
        }
    }
}
