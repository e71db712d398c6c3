//! The configuration file `oauth-doctor.toml` (in the working directory, or `--config FILE`):
//! defaults for `check`, expected token values, rule levels and provider hints. Unknown keys are
//! errors that name the key. Precedence: command line > file > built-in defaults.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The file name looked for in the working directory.
pub const FILE_NAME: &str = "oauth-doctor.toml";

/// A rule's level in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

/// Everything the file may hold.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Exit 1 at or above this severity: error, warning, info or never.
    pub fail_on: Option<String>,
    /// Clock tolerance in seconds.
    pub leeway: Option<i64>,
    /// Hide findings below this confidence.
    pub min_confidence: Option<f64>,
    /// Rule codes or prefixes to run.
    pub select: Option<Vec<String>>,
    /// Rule codes or prefixes to skip.
    pub ignore: Option<Vec<String>>,
    /// The issuer tokens must come from.
    pub expected_issuer: Option<String>,
    /// The audience access tokens must carry.
    pub expected_audience: Option<String>,
    /// This application's client_id.
    pub client_id: Option<String>,
    /// JWS algorithms accepted for tokens.
    pub allowed_algorithms: Option<Vec<String>>,
    /// Per-rule levels: `CODE = "off" | "info" | "warning" | "error"`.
    #[serde(default)]
    pub rules: BTreeMap<String, Level>,
    /// Provider hints: `"host.example.com" = "okta"`.
    #[serde(default)]
    pub providers: BTreeMap<String, String>,
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {error}")]
    Io { file: String, error: std::io::Error },
    #[error("{file}: {msg}")]
    Invalid { file: String, msg: String },
}

impl FileConfig {
    /// Load `--config FILE`, else `oauth-doctor.toml` in the working directory, else defaults.
    pub fn load(explicit: Option<&Path>) -> Result<FileConfig, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = Path::new(FILE_NAME);
                if !p.exists() {
                    return Ok(FileConfig::default());
                }
                p.to_path_buf()
            }
        };
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|error| ConfigError::Io {
            file: file.clone(),
            error,
        })?;
        FileConfig::parse(&file, &text)
    }

    pub fn parse(file: &str, text: &str) -> Result<FileConfig, ConfigError> {
        let cfg: FileConfig = toml::from_str(text).map_err(|e| {
            let (line, col) = e
                .span()
                .map(|s| {
                    let before = &text[..s.start.min(text.len())];
                    (
                        before.matches('\n').count() + 1,
                        before.rsplit('\n').next().map_or(0, str::len) + 1,
                    )
                })
                .unwrap_or((0, 0));
            ConfigError::Invalid {
                file: file.to_string(),
                msg: format!(
                    "{} (line {line}, column {col})",
                    e.message().trim().replace('\n', " ")
                ),
            }
        })?;
        let invalid = |line: usize, msg: String| ConfigError::Invalid {
            file: file.to_string(),
            msg: format!("line {line}: {msg}"),
        };
        for code in cfg.rules.keys() {
            if !names_a_rule(code) {
                return Err(invalid(
                    key_line(text, code),
                    format!("unknown rule `{code}` in [rules] (see `oauth-doctor rules`)"),
                ));
            }
        }
        for (key, list) in [("select", &cfg.select), ("ignore", &cfg.ignore)] {
            for code in list.iter().flatten() {
                if !names_a_rule(code) {
                    return Err(invalid(
                        value_line(text, key, code),
                        format!(
                            "{key}: `{code}` matches no rule code or prefix (see `oauth-doctor rules`)"
                        ),
                    ));
                }
            }
        }
        if let Some(f) = &cfg.fail_on {
            if !["error", "warning", "info", "never"].contains(&f.as_str()) {
                return Err(invalid(
                    key_line(text, "fail_on"),
                    format!("fail_on = `{f}`: expected error, warning, info or never"),
                ));
            }
        }
        if cfg
            .min_confidence
            .is_some_and(|c| !(0.0..=1.0).contains(&c))
        {
            return Err(invalid(
                key_line(text, "min_confidence"),
                "min_confidence must be between 0 and 1".into(),
            ));
        }
        if cfg.leeway.is_some_and(|l| l < 0) {
            return Err(invalid(
                key_line(text, "leeway"),
                "leeway must be zero or more seconds".into(),
            ));
        }
        for (key, v) in [
            ("expected_issuer", &cfg.expected_issuer),
            ("expected_audience", &cfg.expected_audience),
            ("client_id", &cfg.client_id),
        ] {
            if v.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(invalid(
                    key_line(text, key),
                    format!("{key} is empty: remove it or give the value to expect"),
                ));
            }
        }
        if let Some(a) = &cfg.allowed_algorithms {
            if a.is_empty() || a.iter().any(|x| x.trim().is_empty()) {
                return Err(invalid(
                    key_line(text, "allowed_algorithms"),
                    "allowed_algorithms must list algorithm names (\"RS256\", \"ES256\")".into(),
                ));
            }
        }
        Ok(cfg)
    }
}

/// Whether a `--select` / `--ignore` / `[rules]` entry is a registered rule code or the
/// prefix of one (`CRED`, `PKCE001`), in any letter case.
pub fn names_a_rule(code: &str) -> bool {
    let c = code.trim().to_ascii_uppercase();
    !c.is_empty()
        && crate::rules::registry::all()
            .iter()
            .any(|r| r.meta().code.starts_with(&c))
}

/// The 1-based line where `key` is set (`key = …`, `"key" = …`), else 0.
fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            let rest = l
                .strip_prefix(key)
                .or_else(|| l.strip_prefix(&format!("\"{key}\"")))
                .or_else(|| l.strip_prefix(&format!("'{key}'")));
            rest.is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map_or(0, |i| i + 1)
}

/// The line of `value` quoted in the list set by `key` (which may span lines), else the key's.
fn value_line(text: &str, key: &str, value: &str) -> usize {
    let start = key_line(text, key);
    let quoted = [format!("\"{value}\""), format!("'{value}'")];
    text.lines()
        .enumerate()
        .skip(start.saturating_sub(1))
        .find(|(_, l)| quoted.iter().any(|q| l.contains(q.as_str())))
        .map_or(start, |(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let e = FileConfig::parse("x.toml", "leeway = 5\nbogus_key = 1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bogus_key") && e.contains("line 2"), "{e}");
    }

    #[test]
    fn every_error_names_its_line_and_unknown_rules_are_errors() {
        let err = |text: &str| FileConfig::parse("x.toml", text).unwrap_err().to_string();
        let e = err("leeway = 5\n[rules]\nCRED999 = \"off\"\n");
        assert!(e.contains("line 3") && e.contains("CRED999"), "{e}");
        let e = err("select = [\n  \"PKCE\",\n  \"PKCE999\",\n]\n");
        assert!(e.contains("line 3") && e.contains("PKCE999"), "{e}");
        let e = err("ignore = [\"NOPE\"]\n");
        assert!(e.contains("line 1") && e.contains("NOPE"), "{e}");
        let e = err("\n\nfail_on = \"sometimes\"\n");
        assert!(e.contains("line 3"), "{e}");
        let e = err("min_confidence = 2.0\n");
        assert!(e.contains("line 1"), "{e}");
        let e = err("leeway = 1\nallowed_algorithms = []\n");
        assert!(e.contains("line 2"), "{e}");
        // Prefixes and codes that exist are fine, in any case.
        assert!(FileConfig::parse("x.toml", "select = [\"pkce\", \"CRED001\"]\n").is_ok());
    }

    #[test]
    fn reads_every_section() {
        let c = FileConfig::parse(
            "x.toml",
            "fail_on = \"warning\"\nleeway = 120\nexpected_issuer = \"https://idp\"\n[rules]\nBCP004 = \"off\"\n[providers]\n\"auth.example.com\" = \"okta\"\n",
        )
        .unwrap();
        assert_eq!(c.leeway, Some(120));
        assert_eq!(c.rules.get("BCP004"), Some(&Level::Off));
        assert_eq!(
            c.providers.get("auth.example.com").map(String::as_str),
            Some("okta")
        );
    }
}
