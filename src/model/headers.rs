//! HTTP headers as captured: ordered, duplicates kept, names compared case-insensitively.
//! Owns header lookup only; it knows nothing about which headers are secrets (see `redact`).

/// Ordered list of `(name, value)` pairs with case-insensitive lookup.
///
/// Stored as one text buffer and the spans of each name and value: a capture's thousands of
/// kept exchanges carry tens of headers each, and two allocations per header cost more than
/// the headers themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    text: String,
    /// (name start, value start = name end, value end) in `text`.
    spans: Vec<[u32; 3]>,
}

impl Headers {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        let mut h = Headers {
            text: String::with_capacity(pairs.iter().map(|(n, v)| n.len() + v.len()).sum()),
            spans: Vec::with_capacity(pairs.len()),
        };
        for (n, v) in &pairs {
            h.push(n, v);
        }
        h
    }

    /// No headers yet, with room for `count` of them holding `bytes` of text.
    pub fn with_capacity(count: usize, bytes: usize) -> Self {
        Headers {
            text: String::with_capacity(bytes),
            spans: Vec::with_capacity(count),
        }
    }

    /// Add a header at the end.
    pub fn push(&mut self, name: &str, value: &str) {
        // Spans are 32-bit: a header block beyond 4 GiB keeps what fits.
        let Some(end) = u32::try_from(self.text.len() + name.len() + value.len()).ok() else {
            return;
        };
        let start = self.text.len() as u32;
        self.text.push_str(name);
        self.text.push_str(value);
        self.spans.push([start, start + name.len() as u32, end]);
    }

    fn pair(&self, s: &[u32; 3]) -> (&str, &str) {
        let [a, b, c] = s.map(|x| x as usize);
        (&self.text[a..b], &self.text[b..c])
    }

    /// Spans of the headers named `name` (case-insensitive). Names are compared as bytes,
    /// length first: rules look headers up by name thousands of times per capture.
    fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u32; 3]> + 'a {
        let text = self.text.as_bytes();
        self.spans.iter().filter(move |[a, b, _]| {
            (b - a) as usize == name.len()
                && text[*a as usize..*b as usize].eq_ignore_ascii_case(name.as_bytes())
        })
    }

    fn value_at(&self, s: &[u32; 3]) -> &str {
        &self.text[s[1] as usize..s[2] as usize]
    }

    /// First value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.named(name).next().map(|s| self.value_at(s))
    }

    /// Every value of `name` (case-insensitive), in capture order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.named(name).map(|s| self.value_at(s))
    }

    pub fn contains(&self, name: &str) -> bool {
        self.named(name).next().is_some()
    }

    pub fn count(&self, name: &str) -> usize {
        self.named(name).count()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.spans.iter().map(|s| self.pair(s))
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The media type of `Content-Type` without parameters, lower-cased.
    pub fn media_type(&self) -> Option<String> {
        self.get("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_keeps_duplicates() {
        let h = Headers::new(vec![
            ("Set-Cookie".into(), "a=1".into()),
            (
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            ),
            ("set-cookie".into(), "b=2".into()),
        ]);
        assert_eq!(h.get("SET-COOKIE"), Some("a=1"));
        assert_eq!(h.get_all("Set-Cookie").collect::<Vec<_>>(), ["a=1", "b=2"]);
        assert_eq!(h.media_type().as_deref(), Some("application/json"));
        assert!(h.get("authorization").is_none());
    }
}
