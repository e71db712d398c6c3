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
        for code in cfg.rules.keys() {
            let c = code.to_ascii_uppercase();
            let family = c.trim_end_matches(|ch: char| ch.is_ascii_digit());
            if !crate::rules::registry::FAMILIES.contains(&family) {
                return Err(ConfigError::Invalid {
                    file: file.to_string(),
                    msg: format!("unknown rule `{code}` in [rules]"),
                });
            }
        }
        if let Some(f) = &cfg.fail_on {
            if !["error", "warning", "info", "never"].contains(&f.as_str()) {
                return Err(ConfigError::Invalid {
                    file: file.to_string(),
                    msg: format!("fail_on = `{f}`: expected error, warning, info or never"),
                });
            }
        }
        if cfg
            .min_confidence
            .is_some_and(|c| !(0.0..=1.0).contains(&c))
        {
            return Err(ConfigError::Invalid {
                file: file.to_string(),
                msg: "min_confidence must be between 0 and 1".into(),
            });
        }
        Ok(cfg)
    }
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
