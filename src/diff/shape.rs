//! Shapes of values that differ on every run — codes, `state`, `nonce`, verifiers, tokens,
//! assertions — so that two runs can be compared without comparing those values: length,
//! alphabet, encoding, and for a JWT its header and claim names and the claims that name parties
//! (`iss`, `aud`, `azp` …). A shape never holds the value, only facts about it.

use crate::oauth::jwt;
use std::collections::BTreeSet;

/// The smallest alphabet a value's characters fit in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alphabet {
    Digits,
    Hex,
    Alphanumeric,
    /// Letters, digits, `-`, `_` (RFC 4648 §5).
    Base64Url,
    /// Letters, digits, `+`, `/`, `=` (RFC 4648 §4).
    Base64,
    /// Letters, digits, `-`, `.`, `_`, `~` (RFC 3986 §2.3).
    Unreserved,
    /// Anything else: the characters outside the unreserved set, each once, sorted.
    Other(String),
}

impl Alphabet {
    pub fn of(s: &str) -> Alphabet {
        let all = |f: fn(char) -> bool| s.chars().all(f);
        if all(|c| c.is_ascii_digit()) {
            Alphabet::Digits
        } else if all(|c| c.is_ascii_hexdigit()) {
            Alphabet::Hex
        } else if all(|c| c.is_ascii_alphanumeric()) {
            Alphabet::Alphanumeric
        } else if all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            Alphabet::Base64Url
        } else if all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=')
            && !s.trim_end_matches('=').contains('=')
        {
            Alphabet::Base64
        } else if all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')) {
            Alphabet::Unreserved
        } else {
            let set: BTreeSet<char> = s
                .chars()
                .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
                .collect();
            Alphabet::Other(set.into_iter().collect())
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Alphabet::Digits => "digits".into(),
            Alphabet::Hex => "hex".into(),
            Alphabet::Alphanumeric => "letters and digits".into(),
            Alphabet::Base64Url => "base64url".into(),
            Alphabet::Base64 => "base64 (`+`, `/`, `=`)".into(),
            Alphabet::Unreserved => "URL-safe characters".into(),
            Alphabet::Other(chars) => {
                let list: Vec<String> = chars.chars().map(|c| format!("`{c}`")).collect();
                format!("with {}", list.join(" "))
            }
        }
    }

    /// Whether two random values of these alphabets can come from one generator: a random
    /// base64url value often has no `-` or `_` by chance (it then reads as letters and digits),
    /// but a long one that is all hex, or all digits, was made another way.
    fn compatible(a: &Alphabet, b: &Alphabet, len: usize) -> bool {
        use Alphabet::*;
        if a == b {
            return true;
        }
        let chance = |small: &Alphabet, big: &Alphabet| match (small, big) {
            (Alphanumeric, Base64Url | Base64 | Unreserved) => true,
            (Base64Url, Unreserved) => true,
            // Short values are all-hex or all-digits by chance more often.
            (Hex, Alphanumeric | Base64Url | Base64 | Unreserved) => len < 12,
            (Digits, Hex) => len < 12,
            _ => false,
        };
        chance(a, b) || chance(b, a)
    }
}

/// What is compared of a JWT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtShape {
    pub alg: Option<String>,
    pub typ: Option<String>,
    pub header: BTreeSet<String>,
    pub claims: BTreeSet<String>,
    /// Claims whose values name parties and must agree between runs (`iss`, `aud` …), as text.
    pub named: Vec<(String, String)>,
    /// `exp − iat` in seconds.
    pub lifetime: Option<i64>,
}

/// Claims whose values are compared (the rest change per token or per user).
const NAMED_CLAIMS: &[&str] = &[
    "iss",
    "aud",
    "azp",
    "client_id",
    "appid",
    "ver",
    "tid",
    "scp",
    "scope",
    "token_use",
    "htm",
];

impl JwtShape {
    fn of(v: &str) -> Option<JwtShape> {
        let d = jwt::decode(v).ok()?;
        let named = NAMED_CLAIMS
            .iter()
            .filter_map(|&c| {
                let val = d.claims.get(c)?;
                let text = match val {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Array(a) => {
                        let mut items: Vec<String> = a
                            .iter()
                            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                            .collect();
                        items.sort();
                        items.join(" ")
                    }
                    other => other.to_string(),
                };
                // Space-separated scope lists are sets.
                let text = if c == "scp" || c == "scope" {
                    let mut s: Vec<&str> = text.split_whitespace().collect();
                    s.sort_unstable();
                    s.join(" ")
                } else {
                    text
                };
                Some((c.to_string(), text))
            })
            .collect();
        Some(JwtShape {
            alg: d.alg().map(str::to_string),
            typ: d.typ().map(str::to_string),
            header: d.header.keys().cloned().collect(),
            claims: d.claims.keys().cloned().collect(),
            lifetime: d
                .claim_time("exp")
                .zip(d.claim_time("iat"))
                .map(|(e, i)| e - i),
            named,
        })
    }

    fn describe(&self) -> String {
        let mut s = format!("JWT {}", self.alg.as_deref().unwrap_or("(no alg)"));
        if let Some(t) = &self.typ {
            s.push_str(&format!(" typ `{t}`"));
        }
        s.push_str(&format!(
            ", claims {}",
            self.claims.iter().cloned().collect::<Vec<_>>().join(" ")
        ));
        s
    }
}

/// The shape of one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub len: usize,
    pub alphabet: Alphabet,
    /// Still holds `%XX` escapes after one decoding: encoded twice on the wire.
    pub percent_encoded: bool,
    pub jwt: Option<JwtShape>,
    /// A stand-in a broken client sends (`undefined`, `null`): shown as it is.
    pub sentinel: Option<String>,
    /// Replaced by a fingerprint placeholder (`oauth-doctor redact`): only the length is known.
    pub redacted: bool,
}

fn has_percent_escape(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// The length a redaction placeholder records (`REDACTED-43c-1f2e3d4c`).
fn placeholder_len(v: &str) -> Option<usize> {
    let rest = v.trim().strip_prefix(crate::redact::PLACEHOLDER_PREFIX)?;
    rest.split_once("c-")?.0.parse().ok()
}

impl Shape {
    pub fn of(v: &str) -> Shape {
        let t = v.trim();
        if crate::redact::is_redacted(t) {
            return Shape {
                len: placeholder_len(t).unwrap_or(0),
                alphabet: Alphabet::Other(String::new()),
                percent_encoded: false,
                jwt: None,
                sentinel: None,
                redacted: true,
            };
        }
        Shape {
            len: t.chars().count(),
            alphabet: Alphabet::of(t),
            percent_encoded: has_percent_escape(t),
            jwt: if jwt::looks_like_jwt(t) {
                JwtShape::of(t)
            } else {
                None
            },
            sentinel: (t.is_empty() || crate::redact::is_sentinel(t)).then(|| t.to_string()),
            redacted: false,
        }
    }

    /// `43 chars, base64url`, `JWT RS256 typ `JWT`, claims aud exp iat iss sub`, `` `undefined` ``.
    pub fn describe(&self) -> String {
        if let Some(s) = &self.sentinel {
            return if s.is_empty() {
                "empty".into()
            } else {
                format!("`{s}`")
            };
        }
        if let Some(j) = &self.jwt {
            return j.describe();
        }
        if self.redacted {
            return format!("{} chars (redacted)", self.len);
        }
        let mut s = format!("{} chars, {}", self.len, self.alphabet.describe());
        if self.percent_encoded {
            s.push_str(", still percent-encoded");
        }
        s
    }
}

/// One way two shapes differ, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeDifference {
    /// `length`, `alphabet`, `encoding`, `JWT`, `alg`, `claims`, `aud` …
    pub what: String,
    pub good: String,
    pub bad: String,
}

/// Lengths of values from one generator vary a little (provider codes, opaque tokens); a
/// different generator, a truncation or a second encoding shows as a clear difference.
fn lengths_differ(a: usize, b: usize) -> bool {
    let (lo, hi) = (a.min(b), a.max(b));
    hi - lo >= 3 && (hi as f64) > (lo as f64) * 1.15
}

/// How the shape of BAD's value differs from GOOD's; empty when they look alike.
pub fn compare(good: &Shape, bad: &Shape) -> Vec<ShapeDifference> {
    let mut out = Vec::new();
    let d = |what: &str, g: String, b: String| ShapeDifference {
        what: what.into(),
        good: g,
        bad: b,
    };
    if good.sentinel != bad.sentinel && (good.sentinel.is_some() || bad.sentinel.is_some()) {
        out.push(d("value", good.describe(), bad.describe()));
        return out;
    }
    if good.redacted || bad.redacted {
        if good.redacted && bad.redacted && lengths_differ(good.len, bad.len) {
            out.push(d(
                "length",
                format!("{} chars", good.len),
                format!("{} chars", bad.len),
            ));
        }
        return out;
    }
    match (&good.jwt, &bad.jwt) {
        (Some(g), Some(b)) => {
            if g.alg != b.alg {
                out.push(d(
                    "alg",
                    g.alg.clone().unwrap_or_else(|| "none given".into()),
                    b.alg.clone().unwrap_or_else(|| "none given".into()),
                ));
            }
            if g.typ != b.typ {
                out.push(d(
                    "typ",
                    g.typ.clone().unwrap_or_else(|| "none".into()),
                    b.typ.clone().unwrap_or_else(|| "none".into()),
                ));
            }
            let missing: Vec<&String> = g.claims.difference(&b.claims).collect();
            let extra: Vec<&String> = b.claims.difference(&g.claims).collect();
            if !missing.is_empty() || !extra.is_empty() {
                let list = |v: &[&String]| {
                    v.iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let mut bad_says = Vec::new();
                if !missing.is_empty() {
                    bad_says.push(format!("lacks {}", list(&missing)));
                }
                if !extra.is_empty() {
                    bad_says.push(format!("adds {}", list(&extra)));
                }
                out.push(d(
                    "claims",
                    g.claims.iter().cloned().collect::<Vec<_>>().join(" "),
                    bad_says.join(", "),
                ));
            }
            for (name, gv) in &g.named {
                if let Some((_, bv)) = b.named.iter().find(|(n, _)| n == name) {
                    if gv != bv {
                        out.push(d(name, gv.clone(), bv.clone()));
                    }
                }
            }
            if let (Some(gl), Some(bl)) = (g.lifetime, b.lifetime) {
                if gl != bl && (gl.max(bl) as f64) > (gl.min(bl).max(1) as f64) * 1.5 {
                    out.push(d("lifetime", format!("{gl} s"), format!("{bl} s")));
                }
            }
            return out;
        }
        (Some(_), None) | (None, Some(_)) => {
            out.push(d("format", good.describe(), bad.describe()));
            return out;
        }
        (None, None) => {}
    }
    if !Alphabet::compatible(&good.alphabet, &bad.alphabet, good.len.min(bad.len)) {
        out.push(d(
            "alphabet",
            good.alphabet.describe(),
            bad.alphabet.describe(),
        ));
    }
    if good.percent_encoded != bad.percent_encoded {
        let e = |p: bool| {
            if p {
                "percent-encoded twice (`%XX` left after decoding)".to_string()
            } else {
                "encoded once".to_string()
            }
        };
        out.push(d(
            "encoding",
            e(good.percent_encoded),
            e(bad.percent_encoded),
        ));
    }
    if lengths_differ(good.len, bad.len) {
        out.push(d(
            "length",
            format!("{} chars", good.len),
            format!("{} chars", bad.len),
        ));
    }
    out
}

/// A value that looks generated per run (random, a UUID, a Unix timestamp, a JWT), for
/// parameters oauth-doctor does not know: such values are compared by shape only.
pub fn looks_volatile(v: &str) -> bool {
    let v = v.trim();
    if jwt::looks_like_jwt(v) || crate::redact::is_redacted(v) {
        return true;
    }
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    if digits == v.len() {
        // Unix time in seconds or milliseconds.
        return v.len() == 10 || v.len() == 13;
    }
    let letters = v.bytes().filter(u8::is_ascii_alphabetic).count();
    v.len() >= 16
        && digits > 0
        && letters > 0
        && v.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_values_of_one_generator_have_one_shape() {
        // Two base64url codes, one of which happens to hold no `-` or `_`.
        let a = Shape::of("KFhQSAnsTBxg4pYC2adLKAPTR5R4H3cy7J718lgII4o");
        let b = Shape::of("Uwoc1OkIlR7J61fFj59rGlP55gZQhCsmBpUJ42qct1m");
        assert!(compare(&a, &b).is_empty());
        let c = Shape::of("mH0xc3bFuJW4_THcQwM4nM4MBdH06xeyjPwDlLE3mXe");
        assert!(compare(&a, &c).is_empty());
    }

    #[test]
    fn truncation_double_encoding_and_padding_are_differences() {
        let good = Shape::of("APXph6jYUSQBSt2ANMyRXBS_-msA937USXfYJEOk8Fn");
        let cut = Shape::of("APXph6jYUSQBSt2ANMyR");
        assert_eq!(compare(&good, &cut)[0].what, "length");
        let twice = Shape::of("https%3A%2F%2Fapp.example%2Fcb");
        let once = Shape::of("https://app.example/cb");
        assert!(compare(&once, &twice).iter().any(|d| d.what == "encoding"));
        let padded = Shape::of("dBjftJeZ4CVP+mB92K27uhbUJU1p1r/wW1gFWFOEjXk=");
        let url = Shape::of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(compare(&url, &padded)[0].what, "alphabet");
    }

    #[test]
    fn sentinels_are_shown_and_compared() {
        let good = Shape::of("fCliIGxHrbvF4zntKtPUy-BcgbFeRSpIcY1s82Vct2U");
        let bad = Shape::of("undefined");
        let d = compare(&good, &bad);
        assert_eq!(d[0].bad, "`undefined`");
    }
}
