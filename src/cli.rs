//! Command-line definitions (clap derive) and nothing else: each field's doc comment is its
//! `--help`. Arguments are turned into a validated configuration in `app`.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Tells you why an OAuth 2.0 / OpenID Connect exchange failed, and what to change.
///
/// Feed it a browser HAR export, a JSON dump of requests and responses, or a pipe; it prints the
/// most probable root cause first, the evidence from the capture, and the fix. Secrets are shown
/// only as fingerprints.
#[derive(Debug, Parser)]
#[command(
    name = "oauth-doctor",
    version,
    about,
    long_about,
    max_term_width = 100
)]
#[command(
    after_help = "Examples:\n  oauth-doctor check capture.har\n  cat dump.json | oauth-doctor check -\n  oauth-doctor check capture.har --format json\n  oauth-doctor explain invalid_grant\n\nExit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 the tool could not do its job."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to use colour: auto (terminal, honouring NO_COLOR and CLICOLOR_FORCE), always, never
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,

    /// Print less: only the findings, no notes or latent problems
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more: evidence for every finding and the list of exchanges
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose a captured exchange (HAR, exchange dump or NDJSON; `-` reads stdin)
    Check(CheckArgs),
    /// Explain a rule (CRED001), a standard OAuth error (invalid_grant) or a provider code
    Explain {
        /// The code to explain
        code: String,
    },
    /// List every rule
    Rules {
        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Write the same capture with every secret replaced by its fingerprint (HAR stays HAR)
    Redact(RedactArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout
    Man,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Capture files to read: HAR, exchange dump (JSON) or NDJSON, plain or gzip; `-` for stdin
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = crate::report::Format::Text)]
    pub format: crate::report::Format,

    /// One line per finding (text format)
    #[arg(long)]
    pub concise: bool,

    /// Exit 1 when a finding at or above this severity is found [default: error]
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// Hide findings whose confidence is below this value (0 to 1) [default: 0]
    #[arg(long, value_name = "0..1")]
    pub min_confidence: Option<f64>,

    /// Run only these rules: comma-separated codes or prefixes (CRED,PKCE001)
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,

    /// Skip these rules: comma-separated codes or prefixes
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,

    /// Clock tolerance in seconds when judging lifetimes [default: 60]
    #[arg(long, value_name = "SECONDS")]
    pub leeway: Option<i64>,

    /// Judge lifetimes as of this instant (RFC 3339) instead of the capture's own clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,

    /// Print secrets in clear instead of fingerprints (never in shared output!)
    #[arg(long)]
    pub show_secrets: bool,

    /// Configuration file [default: ./oauth-doctor.toml when present]
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct RedactArgs {
    /// Capture to redact: HAR, exchange dump or NDJSON, plain or gzip; `-` (the default) for stdin
    #[arg(value_name = "INPUT", default_value = "-")]
    pub input: String,

    /// Write the redacted capture here instead of stdout
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}
