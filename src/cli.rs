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
    after_help = "Examples:\n  oauth-doctor check capture.har\n  cat dump.json | oauth-doctor check -\n  oauth-doctor check capture.har --format json\n  oauth-doctor check --issuer https://idp.example \\\n      --grant-type client_credentials \\\n      --client-id app --client-secret-env APP_SECRET\n  oauth-doctor inspect - < token.txt\n  oauth-doctor explain invalid_grant\n  oauth-doctor man check | man -l -\n\nExit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 the tool could not do its job."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to use colour: auto (terminal, honouring NO_COLOR and CLICOLOR_FORCE), always, never
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose a captured exchange (HAR, exchange dump or NDJSON; `-` reads stdin), or make a
    /// live token request and diagnose it (--issuer / --token-url instead of INPUT)
    Check(Box<CheckArgs>),
    /// Decode a JWT, check its times, issuer and audience, and verify its signature
    Inspect(Box<InspectArgs>),
    /// Explain a rule (CRED001), a standard OAuth error (invalid_grant) or a provider code
    Explain {
        /// The code to explain: CRED001, invalid_grant, AADSTS50011, or PROVIDER:CODE
        /// (okta:E0000011)
        code: String,
        /// Only this provider's entries (a provider id: entra, google, github, okta …)
        #[arg(long, value_name = "ID")]
        provider: Option<String>,
        /// Every provider's entry in full (by default a code many providers send lists them)
        #[arg(long)]
        all: bool,
    },
    /// List every rule
    Rules {
        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Compare a capture that works with one that fails, by meaning: which differences can
    /// explain the failure, and what to change
    #[command(long_about = DIFF_HELP, after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// Write the same capture with every secret replaced by its fingerprint (HAR stays HAR)
    Redact(RedactArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print a manual page (roff) to stdout: the command's, or one subcommand's
    /// (`oauth-doctor man check | man -l -`)
    Man {
        /// The subcommand whose page to print (check, inspect, explain, rules, diff, redact,
        /// completions, man, help)
        #[arg(value_name = "SUBCOMMAND")]
        subcommand: Option<String>,
    },
}

#[derive(Debug, Args)]
#[command(after_long_help = LIVE_HELP)]
pub struct CheckArgs {
    /// Capture files to read: HAR, exchange dump (JSON) or NDJSON, plain or gzip; `-` for stdin.
    /// Omit them in live mode
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = crate::report::Format::Text)]
    pub format: crate::report::Format,

    /// Correlate flows across the input files (by default each file is its own capture)
    #[arg(long)]
    pub merge: bool,

    /// One line per finding (text format)
    #[arg(long)]
    pub concise: bool,

    /// Print less: only the findings, no notes or latent problems
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more: evidence for every finding and the list of exchanges
    #[arg(short, long)]
    pub verbose: bool,

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

    #[command(flatten)]
    pub live: LiveArgs,

    #[command(flatten)]
    pub net: NetArgs,
}

const LIVE_HELP: &str = "Live mode: instead of reading a capture, oauth-doctor makes the request itself (discovery, the \
token request, JWKS, optionally userinfo), records every exchange as a capture would, and diagnoses \
it the same way. Secrets are read only from environment variables or files, never from the command \
line. Redirects are never followed; a secret is never sent over plain http to a non-loopback host \
unless --allow-insecure-http. Network failures (refused, DNS, TLS, timeout) are diagnoses (exit 1).

Examples:
  oauth-doctor check --issuer https://idp.example \\
      --grant-type client_credentials \\
      --client-id app --client-secret-env APP_SECRET \\
      --scope api:read
  oauth-doctor check \\
      --token-url https://idp.example/oauth/token \\
      --grant-type authorization_code \\
      --client-id spa --auth-method none \\
      --code \"$CODE\" --code-verifier \"$VERIFIER\" \\
      --redirect-uri https://app.example/cb \\
      --authorize-url \"$AUTHORIZE_URL\"
  oauth-doctor check --issuer https://idp.example \\
      --grant-type device_code --client-id tv \\
      --scope openid
  oauth-doctor check --issuer https://idp.example \\
      --grant-type client_credentials --client-id app \\
      --private-key key.pem --save-capture failing.json";

/// The live-mode options of `check`.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Live mode (instead of INPUT)")]
pub struct LiveArgs {
    /// Issuer URL: fetch its metadata (/.well-known/openid-configuration, then RFC 8414), check
    /// it, and use its endpoints and JWKS
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,

    /// Token endpoint URL (overrides the metadata's token_endpoint)
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,

    /// Device authorization endpoint URL (overrides the metadata's)
    #[arg(long, value_name = "URL")]
    pub device_authorization_url: Option<String>,

    /// The grant: client_credentials, authorization_code, refresh_token, password, device_code,
    /// jwt-bearer, token-exchange, or any other grant_type string (sent verbatim)
    #[arg(long, value_name = "TYPE")]
    pub grant_type: Option<String>,

    /// The client_id
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// Read the client secret from this environment variable
    #[arg(long, value_name = "VAR", conflicts_with = "client_secret_file")]
    pub client_secret_env: Option<String>,

    /// Read the client secret from this file (one trailing newline is removed)
    #[arg(long, value_name = "FILE")]
    pub client_secret_file: Option<std::path::PathBuf>,

    /// Private key for private_key_jwt: PEM (PKCS#8 RSA, EC P-256/P-384, Ed25519; or PKCS#1
    /// RSA) or a private JWK
    #[arg(long, value_name = "FILE")]
    pub private_key: Option<std::path::PathBuf>,

    /// `kid` to put in the client assertion header [default: the JWK's kid, else none]
    #[arg(long, value_name = "KID")]
    pub key_id: Option<String>,

    /// Signing algorithm of the client assertion [default: by key type: RS256, ES256, ES384,
    /// EdDSA; HS256 for client_secret_jwt]
    #[arg(long, value_name = "ALG")]
    pub signing_alg: Option<String>,

    /// `aud` of the client assertion [default: the token endpoint URL]
    #[arg(long, value_name = "AUD")]
    pub assertion_audience: Option<String>,

    /// Client certificate (PEM) for tls_client_auth (mutual TLS, RFC 8705)
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<std::path::PathBuf>,

    /// Private key (PEM) of --client-cert
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<std::path::PathBuf>,

    /// How the client authenticates [default: from what is given: a private key →
    /// private_key_jwt, a certificate → tls_client_auth, a secret → client_secret_basic (or
    /// _post when the metadata lists only that), nothing → none]. Repeat or separate with
    /// commas to send several at once (reproduces a client that does)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "METHOD")]
    pub auth_method: Vec<AuthMethodArg>,

    /// `scope` to request (space-separated values in one argument)
    #[arg(long, value_name = "S")]
    pub scope: Option<String>,

    /// `audience` to request (repeatable)
    #[arg(long, value_name = "A")]
    pub audience: Vec<String>,

    /// `resource` indicator to request (RFC 8707; repeatable)
    #[arg(long, value_name = "R")]
    pub resource: Vec<String>,

    /// authorization_code: the code from the redirect (single-use; redeem it at once)
    #[arg(long, value_name = "C", allow_hyphen_values = true)]
    pub code: Option<String>,

    /// authorization_code: the redirect_uri of the authorization request
    #[arg(long, value_name = "U")]
    pub redirect_uri: Option<String>,

    /// authorization_code: the PKCE code_verifier of the same transaction
    #[arg(long, value_name = "V", allow_hyphen_values = true)]
    pub code_verifier: Option<String>,

    /// authorization_code: the authorization request URL the code came from (no secrets in it).
    /// It is recorded with the exchange so the diagnosis can compare redirect_uri, client_id and
    /// the PKCE challenge with the token request
    #[arg(long, value_name = "URL")]
    pub authorize_url: Option<String>,

    /// refresh_token: read the refresh token from this environment variable
    #[arg(long, value_name = "VAR")]
    pub refresh_token_env: Option<String>,

    /// password: the resource owner's username
    #[arg(long, value_name = "U")]
    pub username: Option<String>,

    /// password: read the user's password from this environment variable
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,

    /// jwt-bearer: read the assertion (a JWT) from this file
    #[arg(long, value_name = "FILE")]
    pub assertion_file: Option<std::path::PathBuf>,

    /// token-exchange: read the subject_token from this environment variable
    #[arg(long, value_name = "VAR")]
    pub subject_token_env: Option<String>,

    /// token-exchange: subject_token_type (a URN, or access_token, refresh_token, id_token, jwt,
    /// saml1, saml2) [default: access_token]
    #[arg(long, value_name = "TYPE")]
    pub subject_token_type: Option<String>,

    /// token-exchange: read the actor_token from this environment variable
    #[arg(long, value_name = "VAR")]
    pub actor_token_env: Option<String>,

    /// token-exchange: actor_token_type [default: access_token]
    #[arg(long, value_name = "TYPE")]
    pub actor_token_type: Option<String>,

    /// token-exchange: requested_token_type
    #[arg(long, value_name = "TYPE")]
    pub requested_token_type: Option<String>,

    /// Add a parameter to the request body (repeatable), e.g. to send what your client sends
    #[arg(long, value_name = "NAME=VALUE")]
    pub extra: Vec<String>,

    /// Leave this parameter out of the request body (repeatable), e.g. to reproduce a client
    /// that forgets grant_type
    #[arg(long, value_name = "NAME")]
    pub omit: Vec<String>,

    /// Token request body encoding: form (RFC 6749) or json (reproduces a common client bug)
    #[arg(long, value_enum, default_value_t = BodyFormat::Form)]
    pub body_format: BodyFormat,

    /// After the token request, call the userinfo endpoint with the access token (needs
    /// --issuer); with --access-token-env and no --grant-type, only that call is made
    #[arg(long)]
    pub userinfo: bool,

    /// Read an access token from this environment variable (for --userinfo without a grant)
    #[arg(long, value_name = "VAR")]
    pub access_token_env: Option<String>,

    /// Verify returned tokens with this JWKS (file or URL) instead of the metadata's jwks_uri
    #[arg(long, value_name = "FILE|URL")]
    pub jwks: Option<String>,

    /// Write the live exchanges to FILE as an exchange dump (oauth-doctor/exchanges/v1), secrets
    /// replaced as `oauth-doctor redact` replaces them unless --show-secrets; `check FILE`
    /// diagnoses it again
    #[arg(long, value_name = "FILE")]
    pub save_capture: Option<std::path::PathBuf>,

    /// Allow sending secrets over plain http to a host that is not loopback
    #[arg(long)]
    pub allow_insecure_http: bool,
}

impl LiveArgs {
    /// True when any live-mode option was given.
    pub fn requested(&self) -> bool {
        self.issuer.is_some()
            || self.token_url.is_some()
            || self.grant_type.is_some()
            || self.access_token_env.is_some()
    }
}

/// Network options of live mode and `inspect`.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Network")]
pub struct NetArgs {
    /// Seconds to wait for a connection
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub connect_timeout: f64,

    /// Seconds to wait for each whole request and response
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub timeout: f64,

    /// Do not verify TLS certificates (reported on every exchange; never for production)
    #[arg(long)]
    pub insecure: bool,

    /// Also trust the CA certificates in this PEM file
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
}

/// Client authentication methods (`--auth-method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum AuthMethodArg {
    ClientSecretBasic,
    ClientSecretPost,
    ClientSecretJwt,
    PrivateKeyJwt,
    TlsClientAuth,
    None,
}

/// `--body-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum BodyFormat {
    #[default]
    Form,
    Json,
}

/// `oauth-doctor inspect`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  pbpaste | oauth-doctor inspect\n  oauth-doctor inspect --token-env ACCESS_TOKEN \\\n      --issuer https://idp.example \\\n      --audience https://api.example\n  oauth-doctor inspect - --jwks jwks.json --format json \\\n      < token.txt\n\nExit status: 0 every check passed, 1 a check failed (expired, bad signature, unknown kid, wrong issuer or audience), 2 not a usable token."
)]
pub struct InspectArgs {
    /// The token (a compact JWT; a `Bearer ` prefix, quotes and whitespace are ignored). `-` or
    /// nothing reads it from stdin, which keeps it out of shell history
    #[arg(value_name = "TOKEN|-")]
    pub token: Option<String>,

    /// Read the token from this environment variable
    #[arg(long, value_name = "VAR", conflicts_with = "token")]
    pub token_env: Option<String>,

    /// Verify the signature with this JWKS (a file or an http(s) URL)
    #[arg(long, value_name = "FILE|URL")]
    pub jwks: Option<String>,

    /// Expected issuer: `iss` must equal it; without --jwks, its metadata's jwks_uri is used
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,

    /// Expected audience: `aud` must contain it
    #[arg(long, value_name = "A")]
    pub audience: Option<String>,

    /// Verify an HS256/384/512 signature with the shared secret in this environment variable
    #[arg(long, value_name = "VAR")]
    pub hmac_secret_env: Option<String>,

    /// Clock tolerance in seconds for exp, nbf and iat
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub leeway: i64,

    /// Judge times as of this instant (RFC 3339) instead of the machine's clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,

    #[command(flatten)]
    pub net: NetArgs,
}

const DIFF_HELP: &str = "Compare a capture that works (GOOD) with one that fails (BAD), by meaning.

The two captures' OAuth steps are paired by what they are — discovery, authorize, authorization \
response, token by grant, refresh, userinfo, API calls — not by their position, and each pair is \
compared on what matters to OAuth: the endpoint (host, tenant, version, path, method), how the \
client authenticates and encodes its credentials, the body encoding, every parameter (present, \
absent, duplicated, where it travels, its value where it must be equal — client_id, redirect_uri \
byte for byte, grant_type, scope as a set, PKCE method, resource — and its shape where it must \
differ), the Authorization scheme, DPoP, Origin and Accept headers, times against lifetimes and \
clocks, and the response.

Values that differ on every run (codes, state, nonce, verifiers, tokens, cookies, timestamps) are \
never reported unless their shape differs (length, alphabet, encoding, JWT header and claims). \
The differences that can explain BAD's failure come first, each with the rule of BAD's own \
diagnosis that names it (as `oauth-doctor check BAD` reports it) or a documented reason, and the \
fix. Secrets are shown only as fingerprints; the same value shows the same fingerprint in GOOD \
and BAD.";

const DIFF_EXAMPLES: &str = "Examples:
  oauth-doctor diff works.har fails.har
  oauth-doctor diff postman.json app.har \\
      --format markdown > ticket.md
  cat fails.har | oauth-doctor diff staging.har -
  oauth-doctor diff works.har fails.har --format json \\
      | jq '.differences[0]'

Exit status: 0 no difference can explain a failure of BAD, 1 one can, 2 an input could not be read.";

/// `oauth-doctor diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The capture that works: HAR, exchange dump (JSON), NDJSON or a saved live capture,
    /// plain or gzip; `-` for stdin
    #[arg(value_name = "GOOD")]
    pub good: String,

    /// The capture that fails, in any of the same formats; `-` for stdin (for one of the two)
    #[arg(value_name = "BAD")]
    pub bad: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = crate::diff::Format::Text)]
    pub format: crate::diff::Format,

    /// Clock tolerance in seconds when comparing clocks and minting times
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub leeway: i64,

    /// Print secrets in clear instead of fingerprints (never in shared output!)
    #[arg(long)]
    pub show_secrets: bool,
}

#[derive(Debug, Args)]
pub struct RedactArgs {
    /// Capture to redact: HAR, exchange dump or NDJSON, plain or gzip; `-` (the default) for stdin
    #[arg(value_name = "INPUT", default_value = "-")]
    pub input: String,

    /// Write the redacted capture here instead of stdout
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<std::path::PathBuf>,

    /// Print nothing on stderr (no summary of what was replaced)
    #[arg(short, long)]
    pub quiet: bool,
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
