//! Test support: run the real `oauth-doctor` binary the way a user does and read its JSON
//! report. Include with `#[path = "support/doctor.rs"] mod doctor;`.
#![allow(dead_code)]

use serde_json::Value;
use std::process::{Command, Stdio};

/// One finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
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

/// A command with a clean environment for network behaviour (no proxies, no colour).
pub fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(bin());
    c.args(args)
        .env("NO_COLOR", "1")
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
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// True when every rule code is registered in this build.
pub fn registered(codes: &[&str]) -> bool {
    codes
        .iter()
        .all(|c| oauth_doctor::rules::registry::find(c).is_some())
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
