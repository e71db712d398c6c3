//! The error-signature knowledge base: `signatures.json` compiled into the binary, parsed once
//! and checked against the format of `docs/signatures.md` (ten keys, known provider ids and
//! categories, non-empty text, `https://` docs, no duplicate `(provider, code, contains)`).
//! Owns loading and lookup by code; matching a response against it lives in `matcher`.

use crate::diagnosis::Category;
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::LazyLock;

/// The data file, compiled in.
pub const SOURCE: &str = include_str!("signatures.json");

/// The schema identifier the data file must declare.
pub const SCHEMA: &str = "oauth-doctor/signatures/v1";

/// One entry of the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Provider id (docs/json-output.md, "Provider ids").
    pub provider: &'static str,
    /// The code the matcher extracts from a response (compared case-insensitively).
    pub code: String,
    /// Text that must also occur in the description; `None` = fallback for the code.
    pub contains: Option<String>,
    /// The RFC 6749 / 6750 `error` value usually sent with it.
    pub error: Option<String>,
    pub category: Category,
    pub title: String,
    pub meaning: String,
    pub fix: String,
    pub docs: String,
    pub source: String,
}

/// Why the knowledge base could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KbError {
    #[error("signatures.json: {0}")]
    Json(String),
    #[error("signatures.json: schema is `{0}`, expected `{SCHEMA}`")]
    Schema(String),
    #[error("signatures.json entry {index} ({code}): {problem}")]
    Entry {
        index: usize,
        code: String,
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    schema: String,
    entries: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    provider: String,
    code: String,
    contains: Option<String>,
    error: Option<String>,
    category: String,
    title: String,
    meaning: String,
    fix: String,
    docs: String,
    source: String,
}

/// Parse and check a knowledge-base document.
pub fn parse(text: &str) -> Result<Vec<Signature>, KbError> {
    let raw: RawFile = serde_json::from_str(text).map_err(|e| KbError::Json(e.to_string()))?;
    if raw.schema != SCHEMA {
        return Err(KbError::Schema(raw.schema));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(raw.entries.len());
    for (index, r) in raw.entries.into_iter().enumerate() {
        let bad = |problem: String| KbError::Entry {
            index,
            code: r.code.clone(),
            problem,
        };
        let provider = super::PROVIDER_IDS
            .iter()
            .copied()
            .find(|p| *p == r.provider)
            .ok_or_else(|| bad(format!("unknown provider `{}`", r.provider)))?;
        let category = Category::parse(&r.category)
            .ok_or_else(|| bad(format!("unknown category `{}`", r.category)))?;
        for (name, value) in [
            ("code", &r.code),
            ("title", &r.title),
            ("meaning", &r.meaning),
            ("fix", &r.fix),
            ("source", &r.source),
        ] {
            if value.trim().is_empty() {
                return Err(bad(format!("`{name}` is empty")));
            }
        }
        if r.contains.as_deref().is_some_and(|c| c.trim().is_empty()) {
            return Err(bad("`contains` is empty; use null for a fallback".into()));
        }
        if !r.docs.starts_with("https://") || r.docs.len() <= "https://".len() {
            return Err(bad(format!("docs `{}` is not an https:// link", r.docs)));
        }
        let key = (
            provider,
            r.code.to_lowercase(),
            r.contains.as_deref().map(str::to_lowercase),
        );
        if !seen.insert(key) {
            return Err(bad("duplicate (provider, code, contains)".into()));
        }
        out.push(Signature {
            provider,
            code: r.code,
            contains: r.contains,
            error: r.error,
            category,
            title: r.title,
            meaning: r.meaning,
            fix: r.fix,
            docs: r.docs,
            source: r.source,
        });
    }
    Ok(out)
}

static KB: LazyLock<Result<Vec<Signature>, KbError>> = LazyLock::new(|| parse(SOURCE));

/// The compiled-in knowledge base, or why it failed to load (`tests/providers.rs` keeps it
/// loading).
pub fn load() -> Result<&'static [Signature], &'static KbError> {
    KB.as_ref().map(Vec::as_slice)
}

/// Every entry (empty if the data file were broken; the tests make sure it is not).
pub fn all() -> &'static [Signature] {
    load().unwrap_or(&[])
}

/// Entries of one provider for one code (case-insensitive), in file order.
pub fn for_code<'a>(
    provider: &'a str,
    code: &'a str,
) -> impl Iterator<Item = &'static Signature> + 'a {
    all()
        .iter()
        .filter(move |s| s.provider == provider && s.code.eq_ignore_ascii_case(code))
}

/// Entries of any provider whose code is `code` (case-insensitive), for `explain`.
pub fn lookup(code: &str) -> Vec<&'static Signature> {
    let code = code.trim();
    all()
        .iter()
        .filter(|s| s.code.eq_ignore_ascii_case(code))
        .collect()
}

/// Whether any provider's entry uses this code.
pub fn is_known_code(code: &str) -> bool {
    all().iter().any(|s| s.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_file_loads() {
        let kb = load().expect("signatures.json loads");
        assert!(kb.len() > 500);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let doc = r#"{"schema":"oauth-doctor/signatures/v1","entries":[{"provider":"google","code":"x","contains":null,"error":null,"category":"other","title":"t","meaning":"m","fix":"f","docs":"https://a.example","source":"s","extra":1}]}"#;
        assert!(matches!(parse(doc), Err(KbError::Json(_))));
    }

    #[test]
    fn duplicates_and_bad_values_are_rejected() {
        let entry = |provider: &str, cat: &str, docs: &str| {
            format!(
                r#"{{"provider":"{provider}","code":"x","contains":null,"error":null,"category":"{cat}","title":"t","meaning":"m","fix":"f","docs":"{docs}","source":"s"}}"#
            )
        };
        let doc = |entries: &[String]| {
            format!(
                r#"{{"schema":"oauth-doctor/signatures/v1","entries":[{}]}}"#,
                entries.join(",")
            )
        };
        let ok = entry("google", "other", "https://a.example");
        assert!(parse(&doc(std::slice::from_ref(&ok))).is_ok());
        assert!(parse(&doc(&[ok.clone(), ok.clone()])).is_err());
        assert!(parse(&doc(&[entry("nobody", "other", "https://a.example")])).is_err());
        assert!(parse(&doc(&[entry("google", "misc", "https://a.example")])).is_err());
        assert!(parse(&doc(&[entry("google", "other", "http://a.example")])).is_err());
    }
}
