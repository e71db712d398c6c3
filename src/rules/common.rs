//! Helpers the rule families share: reading captured text (URLs, HTML pages, metadata lists)
//! and recognising what an exchange carries. Each used to be written again in the family that
//! needed it; rules import them from here. They only read the capture; they judge nothing.

use crate::model::Exchange;
use serde_json::{Map, Value};

/// A URL (or issuer) without its trailing slashes.
pub(super) fn trim_slash(s: &str) -> &str {
    s.trim_end_matches('/')
}

/// A string list member of a JSON object (metadata, claims); `None` when it is not an array.
pub(super) fn str_list<'a>(d: &'a Map<String, Value>, field: &str) -> Option<Vec<&'a str>> {
    d.get(field)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
}

/// Visible text of an HTML page (tags removed, whitespace collapsed), bounded.
pub(super) fn page_text(body: &str) -> String {
    let mut out = String::with_capacity(body.len().min(4096));
    let mut in_tag = false;
    for c in body.chars().take(200_000) {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A `%XX` escape anywhere in the text.
pub(super) fn has_percent_escape(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// Levenshtein distance between two strings, by characters (short strings only).
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The server's `Date` header as it was sent: evidence of the server's clock.
pub(super) fn date_header(e: &Exchange) -> Option<&str> {
    e.response.as_ref().and_then(|r| r.headers.get("date"))
}

/// A 2xx answer that carries an `access_token`: the exchange issued tokens.
pub(super) fn issued_access_token(e: &Exchange) -> bool {
    e.response
        .as_ref()
        .is_some_and(|r| r.is_success() && r.field("access_token").is_some())
}
