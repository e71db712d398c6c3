//! Test support: run the real `oauth-doctor` binary the way a user does and read its JSON
//! report. Include with `#[path = "support/doctor.rs"] mod doctor;`.
//!
//! Every test that runs the binary starts here: [`doctor`] for `assert_cmd` assertions,
//! [`run`] / [`run_stdin`] for a [`Run`] to read, [`command`] when a test needs the process
//! itself (pipes, signals), [`shell`] for a command line as a user types it. All of them run
//! from the crate root, so fixture paths are relative to it, and none of them is a terminal, so
//! the output carries no colour.
#![allow(dead_code)]

use serde_json::Value;
use std::io::Write as _;
use std::process::{Command, Output, Stdio};

/// One finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The exit code and the output, read as (lossy) UTF-8.
    pub fn from_output(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The JSON report (`--format json` runs).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not a JSON report ({e})\nstdout:\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// `(rule, category)` of the rank-1 finding.
    pub fn top(&self) -> Option<(String, String)> {
        let j = self.json();
        let f = j["findings"].as_array()?.first()?.clone();
        Some((
            f["rule"].as_str()?.to_string(),
            f["category"].as_str()?.to_string(),
        ))
    }

    pub fn top_rule(&self) -> String {
        self.top()
            .map(|(r, _)| r)
            .unwrap_or_else(|| panic!("no finding\n{self}"))
    }

    pub fn top_category(&self) -> String {
        self.top()
            .map(|(_, c)| c)
            .unwrap_or_else(|| panic!("no finding\n{self}"))
    }

    pub fn findings(&self) -> Vec<Value> {
        self.json()["findings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_oauth-doctor")
}

/// The crate root, where the tests run the binary.
pub fn crate_root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The salt every run of the tests uses for the fingerprints of passwords and client secrets
/// (`OAUTH_DOCTOR_SALT`), so that snapshots and the guide's outputs are reproducible; a test of
/// the salt itself removes it.
pub const TEST_SALT: (&str, &str) = ("OAUTH_DOCTOR_SALT", "oauth-doctor tests");

/// `oauth-doctor` as an `assert_cmd` command, run from the crate root. The colour and
/// terminal-width settings of the environment are removed: the output is not a terminal, so
/// it carries no colour unless a test sets `CLICOLOR_FORCE` itself.
pub fn doctor() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(bin());
    c.current_dir(crate_root())
        .env(TEST_SALT.0, TEST_SALT.1)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS");
    c
}

/// `sh -c SCRIPT` from the crate root with this build's `oauth-doctor` first on `PATH`: a
/// command line as a user types it. Colour and terminal-width settings are removed, as in
/// [`doctor`].
pub fn shell(script: &str) -> Command {
    let dir = std::path::Path::new(bin())
        .parent()
        .expect("the binary is in a folder");
    let path = match std::env::var_os("PATH") {
        Some(p) => {
            let mut v = vec![dir.to_path_buf()];
            v.extend(std::env::split_paths(&p));
            std::env::join_paths(v).expect("PATH entries join")
        }
        None => dir.as_os_str().to_owned(),
    };
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(script)
        .current_dir(crate_root())
        .env("PATH", path)
        .env(TEST_SALT.0, TEST_SALT.1)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS");
    c
}

/// Say on the real standard error that the current test skipped `what` and why: the test
/// harness captures `eprintln!` of passing tests, so a skip reported that way is never seen.
pub fn skip_note(what: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let line = format!("SKIPPED {test}: {what}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// A command with a clean environment for network behaviour (no proxies, no colour), run from
/// the crate root.
pub fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(bin());
    c.args(args)
        .current_dir(crate_root())
        .env("NO_COLOR", "1")
        .env(TEST_SALT.0, TEST_SALT.1)
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("all_proxy")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Run `oauth-doctor ARGS` with extra environment variables.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = command(args, env)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", bin()));
    Run::from_output(out)
}

/// Run `oauth-doctor ARGS` with `input` on its standard input.
pub fn run_stdin(args: &[&str], env: &[(&str, &str)], input: &str) -> Run {
    let mut child = command(args, env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running {}: {e}", bin()));
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.as_bytes())
        .expect("writing stdin");
    Run::from_output(child.wait_with_output().expect("waiting for the binary"))
}

// ---------------------------------------------------------------------------------------------
// live mode: `oauth-doctor check` sending real requests

/// The environment variable the live tests pass client secrets in (`--client-secret-env`).
pub const SECRET_ENV: &str = "OD_SECRET";

/// `check TARGET --format json ARGS`, where TARGET says where the requests go
/// (`["--issuer", url]`, `["--token-url", url]`, ...).
pub fn check_args<'a>(target: &[&'a str], args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["check"];
    all.extend_from_slice(target);
    all.extend(["--format", "json"]);
    all.extend_from_slice(args);
    all
}

/// Run `check TARGET --format json ARGS` (see [`check_args`]).
pub fn run_check(target: &[&str], args: &[&str], env: &[(&str, &str)]) -> Run {
    run(&check_args(target, args), env)
}

/// `--grant-type client_credentials --client-id ID`.
pub fn client_credentials_args(client_id: &str) -> [&str; 4] {
    [
        "--grant-type",
        "client_credentials",
        "--client-id",
        client_id,
    ]
}

/// Run a check at TARGET as the client `(client_id, secret)`, the secret passed in
/// [`SECRET_ENV`], then ARGS; `env` adds to the environment.
pub fn run_as_client(
    target: &[&str],
    (client_id, secret): (&str, &str),
    args: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let mut all = vec!["--client-id", client_id, "--client-secret-env", SECRET_ENV];
    all.extend_from_slice(args);
    let mut all_env = vec![(SECRET_ENV, secret)];
    all_env.extend_from_slice(env);
    run_check(target, &all, &all_env)
}

/// [`run_as_client`] with `--grant-type client_credentials`, then EXTRA.
pub fn run_client_credentials(
    target: &[&str],
    client: (&str, &str),
    extra: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let mut args = vec!["--grant-type", "client_credentials"];
    args.extend_from_slice(extra);
    run_as_client(target, client, &args, env)
}

/// True when every rule code is registered in this build.
pub fn registered(codes: &[&str]) -> bool {
    codes
        .iter()
        .all(|c| oauth_doctor::rules::registry::find(c).is_some())
}

/// Assert a diagnosis: exit 1, and the top category as [`assert_category`] wants it.
pub fn assert_diagnosis(run: &Run, want: &str, needs: &[&str], fallback: &str) {
    assert_eq!(run.code, 1, "{run}");
    assert_category(run, want, needs, fallback);
}

/// Assert the top finding's category. The right category sometimes needs a rule that names the
/// cause from the request evidence (`needs`); rule families land independently, so until those
/// rules are registered the generic fallback's category (`fallback`) is what the tool can say.
/// Once they are registered, only `want` passes.
pub fn assert_category(run: &Run, want: &str, needs: &[&str], fallback: &str) {
    let got = run.top_category();
    let expected = if registered(needs) { want } else { fallback };
    assert_eq!(
        got,
        expected,
        "top category (want `{want}`; needs {needs:?}, registered: {})\n{run}",
        registered(needs)
    );
}

// ---------------------------------------------------------------------------------------------
// files handed to the binary

/// A temporary file, removed on drop, with its path ready to pass as an argument.
pub struct TempFile {
    file: tempfile::NamedTempFile,
    pub path: String,
}

impl TempFile {
    /// What the file holds now (e.g. what the binary saved there).
    pub fn read(&self) -> String {
        std::fs::read_to_string(self.file.path())
            .unwrap_or_else(|e| panic!("reading {}: {e}", self.path))
    }

    /// The file's content as JSON (e.g. a saved capture).
    pub fn json(&self) -> Value {
        let text = self.read();
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON ({e}):\n{text}", self.path))
    }
}

/// A temporary file holding `contents` (empty for a file the binary writes).
pub fn temp_file(contents: &str) -> TempFile {
    let file = tempfile::NamedTempFile::new().expect("creating a temporary file");
    std::fs::write(file.path(), contents).expect("writing a temporary file");
    let path = file.path().display().to_string();
    TempFile { file, path }
}

/// `check PATH --format json`: its exit status and its report (a test fails, naming the file
/// and the standard error, when the output is not JSON).
pub fn report_of(path: &std::path::Path) -> (Option<i32>, Value) {
    let out = doctor()
        .arg("check")
        .arg(path)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), doc)
}

/// `check PATH --format json`: its exit status and the rule and category of its first finding
/// that is not latent (`(none)` when there is none) — what a diagnosis comes down to.
pub fn top_of(path: &std::path::Path) -> (Option<i32>, String) {
    let (code, doc) = report_of(path);
    let first = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["latent"] == false)
        .map(|f| format!("{} {}", f["rule"], f["category"]))
        .unwrap_or_else(|| "(none)".into());
    (code, first)
}

/// The captures of `fixtures/corpus` and `fixtures/scenarios` whose extension is one of
/// `exts`, sorted.
pub fn corpus_and_scenarios(exts: &[&str]) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for dir in ["fixtures/corpus", "fixtures/scenarios"] {
        for e in std::fs::read_dir(crate_root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if exts.contains(&p.extension().and_then(|x| x.to_str()).unwrap_or("")) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `f` over every path, on four threads (each run of the binary waits on a process), results
/// in the order of `paths`.
pub fn on_four_threads<T: Send>(
    paths: &[std::path::PathBuf],
    f: impl Fn(&std::path::Path) -> T + Sync,
) -> Vec<T> {
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(paths.len().div_ceil(4).max(1))
            .map(|chunk| s.spawn(move || chunk.iter().map(|p| f(p)).collect::<Vec<T>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}
