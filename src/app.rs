//! Commands: turns parsed arguments into a validated configuration, runs the library and writes
//! results to stdout. Returns the exit status; errors go back to `main`, which prints them.

use crate::cli::{
    AuthMethodArg, BodyFormat, CheckArgs, Cli, ColorWhen, Command, FailOn, InspectArgs, ListFormat,
    NetArgs, RedactArgs,
};
use crate::diagnosis::Severity;
use crate::live::{self, AuthMethod, Grant, LiveConfig, NetConfig};
use crate::redact::Redactor;
use crate::redact::Secret;
use crate::report::{self, Report};
use crate::rules::{Options, registry};
use crate::{RuleFilter, analyze, capture, explain};
use anyhow::{Context as _, Result, bail};
use std::io::Write;

/// Exit statuses (README.md, "Exit status").
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// Set when a write to stdout failed because its reader went away (`… | head -1`).
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether stdout's reader closed the pipe during this run: the run ends quietly with status 0,
/// whatever error the write produced on its way up (a printer or `serde_json` may have wrapped
/// it).
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Stdout as every command writes it: notes a closed pipe for [`stdout_closed`].
struct Stdout<W: Write>(W);

impl<W: Write> Stdout<W> {
    fn note<T>(r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        r
    }
}

impl<W: Write> Write for Stdout<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Self::note(self.0.write(buf))
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        Self::note(self.0.write_all(buf))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Self::note(self.0.flush())
    }
}

pub fn run(cli: Cli) -> Result<i32> {
    let choice = match cli.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let mut out = Stdout(anstream::stdout());
    let shows_secrets = match &cli.command {
        Command::Check(a) => a.show_secrets,
        Command::Diff(a) => a.show_secrets,
        _ => false,
    };
    if shows_secrets {
        // Once per run, whatever the format and however many inputs.
        eprintln!(
            "oauth-doctor: warning: --show-secrets prints secrets in clear; do not share this output"
        );
    }
    let code = match cli.command {
        Command::Check(args) => {
            let verbosity = if args.quiet {
                -1
            } else if args.verbose {
                1
            } else {
                0
            };
            check(*args, verbosity, &mut out)?
        }
        Command::Inspect(args) => inspect(*args, &mut out)?,
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Generate into memory: clap_complete panics on write errors (a closed pipe).
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "oauth-doctor", &mut buf);
            out.write_all(&buf)?;
            EXIT_OK
        }
        Command::Man { subcommand } => {
            man(subcommand.as_deref(), &mut out)?;
            EXIT_OK
        }
        Command::Explain {
            code,
            provider,
            all,
        } => explain::explain(&code, provider.as_deref(), all, &mut out)?,
        Command::Rules { format } => rules(format, &mut out)?,
        Command::Redact(args) => {
            let verbosity = if args.quiet { -1 } else { 0 };
            redact(&args, verbosity, &mut out)?
        }
        Command::Diff(args) => crate::diff::run(&args, &mut out)?,
    };
    out.flush()?;
    Ok(code)
}

/// `oauth-doctor man [SUBCOMMAND]`: the command's page, whose SUBCOMMANDS section names
/// `oauth-doctor-check(1)` and the others, or one of those pages.
fn man(subcommand: Option<&str>, out: &mut dyn Write) -> Result<()> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    // Building names every subcommand as its page does (`oauth-doctor-check`, synopsis
    // `oauth-doctor check`) and adds `help`.
    cmd.build();
    let page = match subcommand {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
                bail!(
                    "man: no subcommand `{name}`; pages: {} (or none for the command's own)",
                    names.join(", ")
                );
            }
        },
    };
    clap_mangen::Man::new(page).render(out)?;
    Ok(())
}

fn parse_fail_on(s: &str) -> FailOn {
    match s {
        "warning" => FailOn::Warning,
        "info" => FailOn::Info,
        "never" => FailOn::Never,
        _ => FailOn::Error,
    }
}

fn check(args: CheckArgs, verbosity: i8, out: &mut dyn Write) -> Result<i32> {
    let file = crate::config::FileConfig::load(args.config.as_deref())?;
    // Precedence: command line > configuration file > defaults.
    let leeway = args.leeway.or(file.leeway).unwrap_or(60);
    let fail_on = args.fail_on.unwrap_or_else(|| {
        file.fail_on
            .as_deref()
            .map(parse_fail_on)
            .unwrap_or(FailOn::Error)
    });
    let min_confidence = args.min_confidence.or(file.min_confidence).unwrap_or(0.0);
    if !(0.0..=1.0).contains(&min_confidence) {
        bail!("--min-confidence must be between 0 and 1");
    }
    let select = if args.select.is_empty() {
        file.select.clone().unwrap_or_default()
    } else {
        args.select.clone()
    };
    let ignore = if args.ignore.is_empty() {
        file.ignore.clone().unwrap_or_default()
    } else {
        args.ignore.clone()
    };
    let now = match &args.now {
        Some(s) => Some(crate::model::parse_timestamp(s).with_context(|| {
            format!("--now `{s}` is not an RFC 3339 timestamp (e.g. 2026-11-29T10:00:00Z)")
        })?),
        None => None,
    };
    if leeway < 0 {
        bail!("--leeway must be zero or more seconds");
    }
    // The file's lists were checked with their lines when it was read.
    for (flag, list) in [("--select", &args.select), ("--ignore", &args.ignore)] {
        for code in list {
            if !crate::config::names_a_rule(code) {
                bail!("{flag}: `{code}` matches no rule code or prefix (see `oauth-doctor rules`)");
            }
        }
    }
    let live_mode = args.live.requested();
    if live_mode && !args.inputs.is_empty() {
        bail!(
            "live mode (--issuer, --token-url, --grant-type) replaces INPUT: give one or the other"
        );
    }
    if !live_mode && args.inputs.is_empty() {
        bail!(
            "nothing to check: give a capture file (or - for stdin), or live-mode options such as --issuer URL --grant-type TYPE --client-id ID (see --help)"
        );
    }
    if !live_mode && args.live.save_capture.is_some() {
        bail!(
            "--save-capture records a live exchange: it needs live mode (--issuer or --token-url)"
        );
    }
    let mut discovery_failed = None;
    let mut per_file: Vec<Vec<crate::model::Exchange>> = Vec::new();
    let mut unreadable: Vec<capture::CaptureError> = Vec::new();
    let mut loaded = if live_mode {
        let cfg = live_config(&args)?;
        let quiet = verbosity < 0;
        let mut say = |important: bool, msg: &str| {
            if important || !quiet {
                eprintln!("oauth-doctor: {msg}");
            }
        };
        let outcome = live::run(&cfg, &mut say)?;
        if let Some(path) = &args.live.save_capture {
            let text = live::save::saved_capture(&outcome.exchanges, args.show_secrets)?;
            std::fs::write(path, text)
                .with_context(|| format!("writing --save-capture {}", path.display()))?;
            say(
                false,
                &format!(
                    "saved {} exchange{} to {}{}",
                    outcome.exchanges.len(),
                    if outcome.exchanges.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    path.display(),
                    if args.show_secrets {
                        " (with secrets in clear: --show-secrets)"
                    } else {
                        " (secrets fingerprinted)"
                    }
                ),
            );
        }
        discovery_failed = outcome.discovery_failed;
        capture::Loaded {
            exchanges: outcome.exchanges,
            ..Default::default()
        }
    } else {
        // Several inputs are several captures unless --merge: each is loaded (and analysed
        // below) on its own, and one that cannot be read does not stop the others.
        if args.merge || args.inputs.len() < 2 {
            capture::load_all(&args.inputs)?
        } else {
            let mut all = capture::Loaded::default();
            for p in &args.inputs {
                match capture::load_path(p) {
                    Ok(mut l) => {
                        per_file.push(std::mem::take(&mut l.exchanges));
                        all.absorb(l);
                    }
                    Err(e) => unreadable.push(e),
                }
            }
            if per_file.is_empty() && !unreadable.is_empty() {
                return Err(unreadable.remove(0).into());
            }
            all
        }
    };
    let options = Options {
        leeway,
        now,
        // Live mode was configured with an issuer: the metadata must publish exactly it.
        expected_issuer: live_mode
            .then(|| args.live.issuer.as_deref().map(|i| i.trim().to_string()))
            .flatten()
            .or_else(|| file.expected_issuer.clone()),
        expected_audience: file.expected_audience.clone(),
        client_id: file.client_id.clone(),
        allowed_algorithms: file.allowed_algorithms.clone().unwrap_or_default(),
        provider_hints: file.providers.clone().into_iter().collect(),
        summarised: loaded.summarised,
    };
    let filter = RuleFilter {
        select,
        ignore,
        levels: file.rules.clone(),
        min_confidence,
    };
    let analysis = if per_file.is_empty() {
        analyze(std::mem::take(&mut loaded.exchanges), &options, &filter)
    } else {
        crate::combine(
            per_file
                .into_iter()
                .map(|exchanges| analyze(exchanges, &options, &filter))
                .collect(),
        )
    };
    if live_mode {
        if let Some((i, tried)) = &discovery_failed {
            if !analysis
                .findings
                .iter()
                .any(|f| f.severity >= Severity::Error)
            {
                bail!(
                    "the issuer's metadata could not be used ({}); tried {}",
                    live_status(&analysis.exchanges[*i]),
                    tried.join(", ")
                );
            }
        }
    }
    // Formats that list or draw every exchange need every exchange's secrets.
    let redactor = if matches!(
        args.format,
        crate::report::Format::Junit
            | crate::report::Format::Html
            | crate::report::Format::Markdown
            | crate::report::Format::Json
    ) || verbosity > 0
    {
        Redactor::new(&analysis.exchanges, args.show_secrets)
    } else {
        Redactor::for_findings(&analysis, args.show_secrets)
    };
    let inputs: Vec<String> = if live_mode {
        vec![live::SOURCE_NAME.to_string()]
    } else {
        args.inputs
            .iter()
            .map(|i| {
                if i == "-" {
                    "<stdin>".to_string()
                } else {
                    i.clone()
                }
            })
            .collect()
    };
    let groups = crate::grouping::group(
        &analysis.findings,
        &analysis.exchanges,
        analysis.exchanges.len() + loaded.summarised,
    );
    let rep = Report {
        findings: &analysis.findings,
        exchanges: &analysis.exchanges,
        index: &analysis.index,
        diagnoses: &analysis.diagnoses,
        skipped: &loaded.skipped,
        inputs: &inputs,
        sanitized: loaded.sanitized,
        ignored: loaded.ignored,
        summarised: loaded.summarised,
        groups: &groups,
        redactor: &redactor,
    };
    // A run that ends in an error (a cut input, an incomplete verdict) says what was skipped
    // in that one error line; any other run notes it here.
    let incomplete = rep.verdict() == crate::diagnosis::Verdict::Incomplete;
    let notes = report::skipped_notes(&loaded.skipped, &redactor);
    if verbosity >= 0 && loaded.truncated.is_none() && !incomplete {
        for note in &notes {
            eprintln!("note: {note}");
        }
    }
    report::printer(args.format, args.concise, verbosity).print(&rep, out)?;
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failing = threshold.is_some_and(|t| analysis.findings.iter().any(|f| f.severity >= t));
    // A capture cut short was diagnosed from its complete entries (the report above); the cut
    // itself is the error that ends the run (exit 2).
    if let Some(cut) = loaded.truncated.take() {
        out.flush()?;
        return Err(cut.into());
    }
    // An input that could not be read was left out of the report above; the run did not do
    // all its job (exit 2), and says which input failed and why.
    if !unreadable.is_empty() {
        out.flush()?;
        let why: Vec<String> = unreadable.iter().map(|e| e.to_string()).collect();
        bail!("{}", why.join("; "));
    }
    // Entries that could not be read may hold the failure: with nothing read explaining one,
    // the verdict is `incomplete` and the run did not do its job (exit 2).
    if incomplete {
        out.flush()?;
        bail!(
            "{}: {} entr(ies) could not be read and nothing read explains a failure: the verdict is incomplete ({})",
            inputs.join(", "),
            report::skipped_count(&loaded.skipped),
            notes.join("; ")
        );
    }
    // The process ends after this: freeing a large capture's exchanges one allocation at a
    // time would only delay the exit (18 ms for 5,800 exchanges), so they are left to the OS.
    std::mem::forget(redactor);
    std::mem::forget(analysis);
    std::mem::forget(loaded.skipped);
    Ok(if failing { EXIT_FINDINGS } else { EXIT_OK })
}

/// How the discovery request of a live run failed, in one line (for the error that ends a run
/// no finding explains).
fn live_status(e: &crate::model::Exchange) -> String {
    match &e.response {
        Some(r) if r.status == 0 => r
            .transport_error
            .clone()
            .unwrap_or_else(|| "no response".into()),
        Some(r) => format!(
            "`{} {}` answered {}{}",
            e.request.method,
            e.request.url,
            r.status,
            if r.is_html() {
                " with an HTML page"
            } else if r.json.is_none() {
                ", not JSON"
            } else {
                ""
            }
        ),
        None => "no response".into(),
    }
}

/// `oauth-doctor redact [INPUT|-] [-o OUT]`: the redacted capture (see [`crate::redact::file`])
/// to stdout or a file, and a summary of what was replaced on stderr.
fn redact(args: &RedactArgs, verbosity: i8, stdout: &mut dyn Write) -> Result<i32> {
    {
        use std::io::IsTerminal;
        if args.input == "-" && std::io::stdin().is_terminal() {
            // Nobody types a capture: say how to give one instead of waiting for input.
            bail!(
                "redact reads a capture from a file or a pipe, not from the terminal: `oauth-doctor redact capture.har -o shareable.har`, or `oauth-doctor redact < capture.har > shareable.har`"
            );
        }
    }
    let summary = match &args.output {
        None => crate::redact::file::redact(&args.input, stdout)?,
        Some(path) => {
            if args.input != "-" {
                let same = std::fs::canonicalize(&args.input)
                    .ok()
                    .zip(std::fs::canonicalize(path).ok())
                    .is_some_and(|(a, b)| a == b);
                if same {
                    bail!(
                        "{}: refusing to overwrite the input; write the redacted capture to another file",
                        path.display()
                    );
                }
            }
            // Write next to the target and rename, so that a failure leaves no half capture.
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let tmp = dir.join(format!(
                ".{}.oauth-doctor-{}.tmp",
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "redacted".into()),
                std::process::id()
            ));
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("{}: cannot write", tmp.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let result = crate::redact::file::redact(&args.input, &mut w)
                .map_err(anyhow::Error::from)
                .and_then(|s| {
                    w.flush()?;
                    Ok(s)
                });
            drop(w);
            match result {
                Ok(s) => {
                    std::fs::rename(&tmp, path)
                        .with_context(|| format!("{}: cannot write", path.display()))?;
                    s
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e);
                }
            }
        }
    };
    if verbosity >= 0 {
        let mut err = anstream::stderr();
        let target = args
            .output
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "stdout".into());
        let kinds: Vec<String> = summary
            .counts
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        let _ = writeln!(
            err,
            "redacted {} value(s) in {} of {} entries ({}) → {target}{}",
            summary.total(),
            summary.changed,
            summary.entries,
            summary.format,
            if kinds.is_empty() {
                String::new()
            } else {
                format!(": {}", kinds.join(", "))
            }
        );
    }
    Ok(EXIT_OK)
}

fn env_secret(flag: &str, var: &str) -> Result<Secret> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(Secret::new(v)),
        Ok(_) => bail!("{flag} {var}: the environment variable is empty"),
        Err(std::env::VarError::NotPresent) => {
            bail!("{flag} {var}: the environment variable is not set")
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            bail!("{flag} {var}: the environment variable is not valid UTF-8")
        }
    }
}

fn file_secret(flag: &str, path: &std::path::Path) -> Result<Secret> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{flag} {}: cannot read", path.display()))?;
    let v = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    if v.is_empty() {
        bail!("{flag} {}: the file is empty", path.display());
    }
    Ok(Secret::new(v))
}

fn net_config(net: &NetArgs) -> Result<NetConfig> {
    let secs = |flag: &str, v: f64| -> Result<std::time::Duration> {
        if !(v > 0.0 && v <= 3600.0) {
            bail!("{flag} must be between 0 and 3600 seconds");
        }
        Ok(std::time::Duration::from_secs_f64(v))
    };
    let ca_pem = match &net.cacert {
        Some(p) => Some(
            std::fs::read(p).with_context(|| format!("--cacert {}: cannot read", p.display()))?,
        ),
        None => None,
    };
    Ok(NetConfig {
        connect_timeout: secs("--connect-timeout", net.connect_timeout)?,
        timeout: secs("--timeout", net.timeout)?,
        insecure: net.insecure,
        ca_pem,
        identity_pem: None,
        max_body: live::DEFAULT_MAX_BODY,
    })
}

/// Turn the live-mode arguments into a validated [`LiveConfig`] (secrets read here).
fn live_config(args: &CheckArgs) -> Result<LiveConfig> {
    let l = &args.live;
    if l.issuer.is_none() && l.token_url.is_none() {
        bail!("live mode needs --issuer URL (metadata discovery) or --token-url URL");
    }
    if l.userinfo && l.issuer.is_none() {
        bail!("--userinfo needs --issuer (the userinfo endpoint comes from the metadata)");
    }
    let mut net = net_config(&args.net)?;
    if let (Some(cert), Some(key)) = (&l.client_cert, &l.client_key) {
        let mut pem = std::fs::read(cert)
            .with_context(|| format!("--client-cert {}: cannot read", cert.display()))?;
        pem.push(b'\n');
        pem.extend(
            std::fs::read(key)
                .with_context(|| format!("--client-key {}: cannot read", key.display()))?,
        );
        net.identity_pem = Some(pem);
    }
    let client_secret = match (&l.client_secret_env, &l.client_secret_file) {
        (Some(v), _) => Some(env_secret("--client-secret-env", v)?),
        (None, Some(f)) => Some(file_secret("--client-secret-file", f)?),
        (None, None) => None,
    };
    let private_key = match &l.private_key {
        Some(p) => {
            let bytes = std::fs::read(p)
                .with_context(|| format!("--private-key {}: cannot read", p.display()))?;
            Some(live::SigningKey::load(&p.display().to_string(), &bytes)?)
        }
        None => None,
    };
    let signing_alg = match &l.signing_alg {
        Some(a) => Some(a.parse::<jsonwebtoken::Algorithm>().map_err(|_| {
            anyhow::anyhow!(
                "--signing-alg `{a}`: not one of RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 EdDSA HS256 HS384 HS512"
            )
        })?),
        None => None,
    };
    let grant = match l.grant_type.as_deref() {
        None if l.access_token_env.is_some() => {
            if !l.userinfo {
                bail!("--access-token-env without --grant-type is for --userinfo");
            }
            None
        }
        None => bail!(
            "--grant-type is required in live mode (client_credentials, authorization_code, refresh_token, password, device_code, jwt-bearer, token-exchange)"
        ),
        Some(g) => Some(parse_grant(g, l)?),
    };
    let need_id = !l.auth_method.is_empty()
        || client_secret.is_some()
        || private_key.is_some()
        || grant.is_some();
    if need_id && l.client_id.is_none() && grant.is_some() {
        bail!("--client-id is required in live mode");
    }
    let mut extra = Vec::new();
    for e in &l.extra {
        let Some((k, v)) = e.split_once('=') else {
            bail!("--extra `{e}`: expected NAME=VALUE");
        };
        if k.is_empty() {
            bail!("--extra `{e}`: the parameter name is empty");
        }
        if crate::redact::is_secret_name(k, crate::redact::Named::Param) && !v.is_empty() {
            bail!(
                "--extra {k}=…: `{k}` is a secret and must not be given on the command line; use the dedicated option (environment variable or file)"
            );
        }
        extra.push((k.to_string(), v.to_string()));
    }
    let jwks_file = match &l.jwks {
        Some(j) if !j.starts_with("http://") && !j.starts_with("https://") => Some((
            j.clone(),
            std::fs::read_to_string(j).with_context(|| format!("--jwks {j}: cannot read"))?,
        )),
        _ => None,
    };
    let access_token = match &l.access_token_env {
        Some(v) => Some(env_secret("--access-token-env", v)?),
        None => None,
    };
    Ok(LiveConfig {
        issuer: l.issuer.clone(),
        token_url: l.token_url.clone(),
        device_authorization_url: l.device_authorization_url.clone(),
        jwks_url: l.jwks.clone().filter(|_| jwks_file.is_none()),
        jwks_file,
        grant,
        authorize_url: l.authorize_url.clone(),
        client_id: l.client_id.clone(),
        auth_methods: l
            .auth_method
            .iter()
            .map(|m| match m {
                AuthMethodArg::ClientSecretBasic => AuthMethod::ClientSecretBasic,
                AuthMethodArg::ClientSecretPost => AuthMethod::ClientSecretPost,
                AuthMethodArg::ClientSecretJwt => AuthMethod::ClientSecretJwt,
                AuthMethodArg::PrivateKeyJwt => AuthMethod::PrivateKeyJwt,
                AuthMethodArg::TlsClientAuth => AuthMethod::TlsClientAuth,
                AuthMethodArg::None => AuthMethod::None,
            })
            .collect(),
        client_secret,
        private_key,
        key_id: l.key_id.clone(),
        signing_alg,
        assertion_audience: l.assertion_audience.clone(),
        scope: l.scope.clone(),
        audience: l.audience.clone(),
        resource: l.resource.clone(),
        extra,
        omit: l.omit.clone(),
        json_body: l.body_format == BodyFormat::Json,
        userinfo: l.userinfo,
        access_token,
        allow_insecure_http: l.allow_insecure_http,
        net,
    })
}

fn parse_grant(g: &str, l: &crate::cli::LiveArgs) -> Result<Grant> {
    Ok(match g {
        "client_credentials" => Grant::ClientCredentials,
        "authorization_code" | "code" => {
            let Some(code) = &l.code else {
                bail!("--grant-type authorization_code needs --code");
            };
            Grant::AuthorizationCode {
                code: Secret::new(code.clone()),
                redirect_uri: l.redirect_uri.clone(),
                code_verifier: l.code_verifier.clone().map(Secret::new),
            }
        }
        "refresh_token" => {
            let Some(v) = &l.refresh_token_env else {
                bail!("--grant-type refresh_token needs --refresh-token-env VAR");
            };
            Grant::RefreshToken {
                refresh_token: env_secret("--refresh-token-env", v)?,
            }
        }
        "password" => {
            let (Some(u), Some(p)) = (&l.username, &l.password_env) else {
                bail!("--grant-type password needs --username and --password-env VAR");
            };
            Grant::Password {
                username: u.clone(),
                password: env_secret("--password-env", p)?,
            }
        }
        "device_code" | "device" | live::GRANT_DEVICE_CODE => Grant::DeviceCode,
        "jwt-bearer" | "jwt_bearer" | live::GRANT_JWT_BEARER => {
            let Some(f) = &l.assertion_file else {
                bail!("--grant-type jwt-bearer needs --assertion-file FILE");
            };
            Grant::JwtBearer {
                assertion: file_secret("--assertion-file", f)?,
            }
        }
        "token-exchange" | "token_exchange" | live::GRANT_TOKEN_EXCHANGE => {
            let Some(v) = &l.subject_token_env else {
                bail!("--grant-type token-exchange needs --subject-token-env VAR");
            };
            let actor = match &l.actor_token_env {
                Some(a) => Some((
                    env_secret("--actor-token-env", a)?,
                    live::token_type_urn(l.actor_token_type.as_deref().unwrap_or("access_token")),
                )),
                None => None,
            };
            Grant::TokenExchange {
                subject_token: env_secret("--subject-token-env", v)?,
                subject_token_type: live::token_type_urn(
                    l.subject_token_type.as_deref().unwrap_or("access_token"),
                ),
                actor_token: actor,
                requested_token_type: l.requested_token_type.as_deref().map(live::token_type_urn),
            }
        }
        other => Grant::Other(other.to_string()),
    })
}

fn inspect(args: InspectArgs, out: &mut dyn Write) -> Result<i32> {
    use crate::inspect::{Expect, Keys};
    use std::io::Read;
    let raw = match (&args.token, &args.token_env) {
        (_, Some(v)) => env_secret("--token-env", v)?.expose().to_string(),
        (Some(t), None) if t != "-" => t.clone(),
        _ => {
            use std::io::IsTerminal;
            if std::io::stdin().is_terminal() {
                // Nobody types a token: say how to give one instead of waiting for input.
                bail!(crate::inspect::InspectError::Empty);
            }
            let mut s = String::new();
            std::io::stdin()
                .lock()
                .take(crate::oauth::jwt::MAX_JWT_LEN as u64 + 1)
                .read_to_string(&mut s)
                .context("reading the token from stdin")?;
            s
        }
    };
    if args.leeway < 0 {
        bail!("--leeway must be zero or more seconds");
    }
    let now = match &args.now {
        Some(s) => crate::model::parse_timestamp(s).with_context(|| {
            format!("--now `{s}` is not an RFC 3339 timestamp (e.g. 2026-11-29T10:00:00Z)")
        })?,
        None => jiff::Timestamp::now(),
    };
    // Decode first: a token that is not a JWT is unusable input whatever the keys.
    if crate::inspect::normalise(&raw).is_empty() {
        bail!(crate::inspect::InspectError::Empty);
    }
    crate::oauth::jwt::decode(&crate::inspect::normalise(&raw))
        .map_err(|e| anyhow::anyhow!(crate::inspect::InspectError::NotJwt(e)))?;
    let net = net_config(&args.net)?;
    let keys = if let Some(var) = &args.hmac_secret_env {
        let secret = env_secret("--hmac-secret-env", var)?;
        Keys::Secret {
            origin: format!("the secret in ${var}"),
            keys: crate::oauth::jwks::KeySet::from_hmac_secret(secret.expose().as_bytes())
                .ok_or_else(|| "the secret is not a usable HMAC key".to_string()),
        }
    } else if let Some(j) = &args.jwks {
        if j.starts_with("http://") || j.starts_with("https://") {
            let url = live::parse_url("--jwks", j)?;
            Keys::Set {
                origin: url.to_string(),
                keys: live::fetch_text(&net, &url).and_then(|t| {
                    crate::oauth::jwks::parse(&t).map_err(|e| format!("the document {e}"))
                }),
            }
        } else {
            let text =
                std::fs::read_to_string(j).with_context(|| format!("--jwks {j}: cannot read"))?;
            Keys::Set {
                origin: j.clone(),
                keys: crate::oauth::jwks::parse(&text).map_err(|e| format!("the file {e}")),
            }
        }
    } else if let Some(iss) = &args.issuer {
        let url = live::parse_url("--issuer", iss)?;
        match live::discover_jwks_uri(&net, &url) {
            Ok(jwks) => Keys::Set {
                origin: jwks.to_string(),
                keys: live::fetch_text(&net, &jwks).and_then(|t| {
                    crate::oauth::jwks::parse(&t).map_err(|e| format!("the document {e}"))
                }),
            },
            Err(e) => Keys::Set {
                origin: format!("issuer {iss}"),
                keys: Err(e),
            },
        }
    } else {
        Keys::None
    };
    let expect = Expect {
        now,
        leeway: args.leeway,
        issuer: args.issuer.clone(),
        audience: args.audience.clone(),
    };
    let result = crate::inspect::inspect(&raw, &keys, &expect)?;
    match args.format {
        ListFormat::Json => crate::inspect::render_json(&result, out)?,
        ListFormat::Text => crate::inspect::render_text(&result, now, out)?,
    }
    Ok(if result.failed() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

fn rules(format: ListFormat, out: &mut dyn Write) -> Result<i32> {
    let all = registry::all();
    match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = all
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({
                        "code": m.code,
                        "name": m.name,
                        "title": m.title,
                        "category": m.category.as_str(),
                        "severity": m.severity.as_str(),
                        "kind": m.kind,
                        "fix": m.fix,
                        "references": m.references,
                        "docs": m.docs,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "rules": list }))?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            for r in all {
                let m = r.meta();
                writeln!(
                    out,
                    "{:<9} {:<8} {:<22} {}",
                    m.code,
                    m.severity.as_str(),
                    m.category.as_str(),
                    m.title
                )?;
            }
        }
    }
    Ok(EXIT_OK)
}
