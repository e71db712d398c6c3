//! Every rule against its fixtures (docs/architecture.md, "Adding a rule").
//!
//! A rule fixture is `fixtures/rules/<family>/<CODE>-<scenario>.json`, a capture in the dump
//! format with a `comment` saying what it shows and an `expect` block. `<CODE>-<scenario>.json`
//! must fire CODE and `<CODE>-quiet-<scenario>.json` must not; a firing fixture's
//! `expect.top_category`, when set, is the category of the top diagnosis. A fixture of a rule
//! that checks a setting of `oauth-doctor.toml` holds it in a `config` object
//! (`{"expected_issuer": "…"}`), given to the run as a configuration file.
//!
//! - The family tests run each family's fixtures through the pipeline.
//! - The meta tests check both ways: every registered rule is documented and has a firing and a
//!   quiet fixture; every fixture names a registered rule, sits in its family's folder, parses
//!   and loads. Nothing under `fixtures/rules/` is skipped: a file that is not a rule fixture is
//!   a failure naming it.
//! - `what_each_fixture_reports` snapshots the findings of every fixture as the JSON report
//!   prints them (secrets through the redactor) into `tests/snapshots/rules/<family>/<fixture>.snap`,
//!   headed by the fixture's `comment`. Review a change with `cargo insta review` (or
//!   `INSTA_UPDATE=always cargo test --test rule_fixtures` and `git diff`) and accept it only when
//!   the message, evidence and fix are what a user should read for the fixture's scenario.

#[path = "support/doctor.rs"]
mod doctor;

use oauth_doctor::capture;
use oauth_doctor::rules::{Options, registry};
use oauth_doctor::{RuleFilter, analyze};
use serde::Serialize;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture's `config` object as the text of an `oauth-doctor.toml` (string and list-of-string
/// values), or `None` when it has none.
fn config_toml(doc: &serde_json::Value) -> Option<String> {
    let o = doc.get("config")?.as_object()?;
    let mut out = String::new();
    for (k, v) in o {
        out.push_str(&format!("{k} = {v}\n"));
    }
    Some(out)
}

/// The rule options a fixture's `config` sets, read the way `check` reads the file.
fn options_of(path: &Path, doc: &serde_json::Value) -> Options {
    let Some(text) = config_toml(doc) else {
        return Options::default();
    };
    let cfg = oauth_doctor::config::FileConfig::parse(&path.display().to_string(), &text)
        .unwrap_or_else(|e| panic!("{}: config: {e}", path.display()));
    Options {
        expected_issuer: cfg.expected_issuer,
        expected_audience: cfg.expected_audience,
        client_id: cfg.client_id,
        allowed_algorithms: cfg.allowed_algorithms.unwrap_or_default(),
        ..Options::default()
    }
}

fn fixtures_dir() -> PathBuf {
    root().join("fixtures/rules")
}

/// Where the findings of the fixtures of a family are snapshotted, relative to this file.
fn snapshot_dir(family: &str) -> String {
    format!("snapshots/rules/{family}")
}

struct Fixture {
    path: PathBuf,
    /// `<family>/<file name>`, for messages.
    name: String,
    family: String,
    rule: String,
    fires: bool,
    top_category: Option<String>,
}

/// Every file under `dir`, recursively, sorted; an unreadable folder or entry is a problem.
fn files_under(dir: &Path, problems: &mut Vec<String>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("{}: cannot list: {e}", d.display()));
                continue;
            }
        };
        for entry in entries {
            match entry {
                Ok(e) if e.path().is_dir() => stack.push(e.path()),
                Ok(e) => out.push(e.path()),
                Err(e) => problems.push(format!("{}: cannot read an entry: {e}", d.display())),
            }
        }
    }
    out.sort();
    out
}

/// A rule code: upper-case letters, then digits (`PKCE001`).
fn is_code(s: &str) -> bool {
    let digits = s.trim_start_matches(|c: char| c.is_ascii_uppercase());
    digits.len() < s.len() && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// Every rule fixture, and every problem found in listing and reading them: a file that is not
/// `<family>/<CODE>-<scenario>.json`, a fixture in another family's folder, one that does not
/// parse, lacks its `comment` or its `secrets` list, or whose `expect` contradicts its name.
fn fixtures() -> (Vec<Fixture>, Vec<String>) {
    let dir = fixtures_dir();
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for path in files_under(&dir, &mut problems) {
        let rel = path.strip_prefix(&dir).unwrap_or(&path);
        let name = rel.display().to_string();
        let parts: Vec<&str> = rel.iter().filter_map(|p| p.to_str()).collect();
        let [family, file_name] = parts[..] else {
            problems.push(format!(
                "fixtures/rules/{name}: not a rule fixture (fixtures/rules/<family>/<CODE>-<scenario>.json)"
            ));
            continue;
        };
        let Some(stem) = file_name.strip_suffix(".json") else {
            problems.push(format!(
                "fixtures/rules/{name}: not a rule fixture (a capture in the dump format, .json)"
            ));
            continue;
        };
        let code = stem.split('-').next().unwrap_or_default();
        if !is_code(code) || stem.len() == code.len() {
            problems.push(format!(
                "fixtures/rules/{name}: the name is not <CODE>-<scenario>.json"
            ));
            continue;
        }
        let prefix = code.trim_end_matches(|c: char| c.is_ascii_digit());
        if family != prefix.to_ascii_lowercase() {
            problems.push(format!(
                "fixtures/rules/{name}: a {code} fixture belongs in fixtures/rules/{}/",
                prefix.to_ascii_lowercase()
            ));
        }
        let doc: serde_json::Value = match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(d) => d,
            Err(e) => {
                problems.push(format!("fixtures/rules/{name}: cannot read: {e}"));
                continue;
            }
        };
        if doc["comment"].as_str().is_none_or(|c| c.trim().is_empty()) {
            problems.push(format!(
                "fixtures/rules/{name}: no `comment` saying what the fixture shows"
            ));
        }
        if !doc["secrets"].is_array() {
            problems.push(format!(
                "fixtures/rules/{name}: no `secrets` list (the redaction tests check that none of them is printed; list none as [])"
            ));
        }
        let expect = &doc["expect"];
        let quiet = stem.contains("-quiet-");
        if let Some(r) = expect.get("rule") {
            if r.as_str() != Some(code) {
                problems.push(format!(
                    "fixtures/rules/{name}: expect.rule is {r}, the file name says {code}"
                ));
            }
        }
        if let Some(f) = expect.get("fires") {
            if f.as_bool() != Some(!quiet) {
                problems.push(format!(
                    "fixtures/rules/{name}: expect.fires is {f}, the file name says {}",
                    !quiet
                ));
            }
        }
        out.push(Fixture {
            path: path.clone(),
            name,
            family: family.to_string(),
            rule: code.to_string(),
            fires: !quiet,
            top_category: expect["top_category"].as_str().map(str::to_string),
        });
    }
    (out, problems)
}

/// Run one fixture through the pipeline; returns a failure description.
fn run(f: &Fixture) -> Option<String> {
    let name = &f.name;
    if !registry::all().iter().any(|r| r.meta().code == f.rule) {
        return Some(format!("{name}: {} is not a registered rule", f.rule));
    }
    let loaded = match capture::load_path(f.path.to_str().unwrap()) {
        Ok(l) => l,
        Err(e) => return Some(format!("{name}: cannot load: {e}")),
    };
    if loaded.exchanges.is_empty() {
        return Some(format!("{name}: no exchange loaded"));
    }
    let doc: serde_json::Value = std::fs::read_to_string(&f.path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let analysis = analyze(
        loaded.exchanges,
        &options_of(&f.path, &doc),
        &RuleFilter::default(),
    );
    let fired = analysis
        .findings
        .iter()
        .any(|x| x.rule == f.rule || x.consequences.contains(&f.rule.as_str()));
    let summary: Vec<String> = analysis
        .findings
        .iter()
        .take(4)
        .map(|x| {
            format!(
                "{}:{}{}",
                x.rule,
                x.category,
                if x.latent { "(latent)" } else { "" }
            )
        })
        .collect();
    if f.fires && !fired {
        return Some(format!("{name}: {} did not fire (got {summary:?})", f.rule));
    }
    if !f.fires && fired {
        return Some(format!(
            "{name}: {} fired on its quiet fixture (got {summary:?})",
            f.rule
        ));
    }
    if let (true, Some(cat)) = (f.fires, &f.top_category) {
        let top = analysis
            .findings
            .iter()
            .find(|x| !x.latent)
            .map(|x| x.category.as_str())
            .unwrap_or("(none)");
        if top != cat {
            return Some(format!(
                "{name}: top category is {top}, expected {cat} (got {summary:?})"
            ));
        }
    }
    None
}

fn check_family(family: &str) {
    let (all, problems) = fixtures();
    let mine: Vec<&Fixture> = all.iter().filter(|f| f.family == family).collect();
    let mut failures: Vec<String> = problems
        .into_iter()
        .filter(|p| p.starts_with(&format!("fixtures/rules/{family}/")))
        .collect();
    failures.extend(mine.iter().filter_map(|f| run(f)));
    assert!(!mine.is_empty(), "fixtures/rules/{family}/ has no fixture");
    assert!(
        failures.is_empty(),
        "{} fixture failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

macro_rules! families {
    ($($f:ident),*) => {
        /// The families with a test of their own below.
        const TESTED_FAMILIES: &[&str] = &[$(stringify!($f)),*];
        $( #[test] fn $f() { check_family(stringify!($f)); } )*
    };
}

families!(
    bcp, cred, dev, disc, dpop, exp, grant, jwt, param, pkce, prov, redir, stat
);

#[test]
fn every_family_has_a_fixture_folder_and_a_test() {
    let registered: Vec<String> = registry::FAMILIES
        .iter()
        .map(|f| f.to_ascii_lowercase())
        .collect();
    assert_eq!(
        TESTED_FAMILIES, registered,
        "the families! list above must name every family of rules::registry::FAMILIES"
    );
    let mut folders: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("listing fixtures/rules")
        .map(|e| e.expect("reading fixtures/rules").path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert_eq!(
        folders, registered,
        "fixtures/rules/ holds one folder per family"
    );
}

#[test]
fn every_rule_is_documented_and_has_firing_and_quiet_fixtures() {
    let (all, _) = fixtures();
    let mut problems = Vec::new();
    for rule in registry::all() {
        let m = rule.meta();
        for section in [
            "## What it does",
            "## Why it fails",
            "## Example",
            "## Fix",
            "## References",
        ] {
            if !m.docs.contains(section) {
                problems.push(format!("{}: docs lack `{section}`", m.code));
            }
        }
        if m.title.is_empty()
            || m.title.ends_with('.')
            || m.title.chars().next().is_some_and(|c| c.is_uppercase())
        {
            problems.push(format!(
                "{}: title must be lowercase without a trailing period",
                m.code
            ));
        }
        if !all.iter().any(|f| f.rule == m.code && f.fires) {
            problems.push(format!("{}: no firing fixture", m.code));
        }
        if !all.iter().any(|f| f.rule == m.code && !f.fires) {
            problems.push(format!("{}: no quiet fixture", m.code));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_fixture_names_a_registered_rule_and_reads() {
    let (all, mut problems) = fixtures();
    let codes: Vec<&str> = registry::all().iter().map(|r| r.meta().code).collect();
    for f in &all {
        if !codes.contains(&f.rule.as_str()) {
            problems.push(format!(
                "fixtures/rules/{}: {} is not a registered rule",
                f.name, f.rule
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        all.len() >= 2 * codes.len(),
        "{} fixtures for {} rules",
        all.len(),
        codes.len()
    );
}

#[test]
fn every_snapshot_belongs_to_a_fixture() {
    let (all, _) = fixtures();
    let here = root().join("tests");
    let mut problems = Vec::new();
    let dir = here.join("snapshots/rules");
    for path in files_under(&dir, &mut problems) {
        let rel = path.strip_prefix(&dir).unwrap_or(&path);
        let name = rel.display().to_string();
        if name.ends_with(".snap.new") || name.ends_with(".pending-snap") {
            problems.push(format!(
                "tests/snapshots/rules/{name}: an unreviewed snapshot (`cargo insta review`)"
            ));
            continue;
        }
        let fixture = name.strip_suffix(".snap").map(|n| format!("{n}.json"));
        if !fixture.is_some_and(|n| all.iter().any(|f| f.name == n)) {
            problems.push(format!(
                "tests/snapshots/rules/{name}: no fixture fixtures/rules/{} (delete the snapshot)",
                name.trim_end_matches(".snap")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Snapshots of what each fixture reports

/// One finding as the JSON report prints it, in the fields a reviewer reads.
#[derive(Serialize)]
struct Seen {
    rank: u64,
    rule: String,
    severity: String,
    category: String,
    confidence: f64,
    message: String,
    evidence: Vec<SeenEvidence>,
    fix: String,
    consequences: Vec<String>,
    latent: bool,
}

#[derive(Serialize)]
struct SeenEvidence {
    exchange: u64,
    at: String,
    value: String,
}

fn text(v: &serde_json::Value, field: &str) -> String {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("`{field}` is not a string in {v}"))
        .to_string()
}

fn number(v: &serde_json::Value, field: &str) -> u64 {
    v[field]
        .as_u64()
        .unwrap_or_else(|| panic!("`{field}` is not a count in {v}"))
}

fn seen(f: &serde_json::Value) -> Seen {
    Seen {
        rank: number(f, "rank"),
        rule: text(f, "rule"),
        severity: text(f, "severity"),
        category: text(f, "category"),
        confidence: f["confidence"]
            .as_f64()
            .unwrap_or_else(|| panic!("`confidence` is not a number in {f}")),
        message: text(f, "message"),
        evidence: f["evidence"]
            .as_array()
            .unwrap_or_else(|| panic!("`evidence` is not a list in {f}"))
            .iter()
            .map(|e| SeenEvidence {
                exchange: number(e, "exchange"),
                at: text(e, "at"),
                value: text(e, "value"),
            })
            .collect(),
        fix: text(f, "fix"),
        consequences: f["consequences"]
            .as_array()
            .unwrap_or_else(|| panic!("`consequences` is not a list in {f}"))
            .iter()
            .map(|c| c.as_str().unwrap_or_default().to_string())
            .collect(),
        latent: f["latent"]
            .as_bool()
            .unwrap_or_else(|| panic!("`latent` is not a boolean in {f}")),
    }
}

#[test]
fn what_each_fixture_reports() {
    let base = fixtures_dir().canonicalize().expect("fixtures/rules");
    insta::glob!("../fixtures/rules", "**/*", |path| {
        if path.is_dir() {
            return;
        }
        let rel = path.strip_prefix(&base).unwrap_or(path);
        let family = rel.iter().next().unwrap().to_string_lossy().into_owned();
        let Some(stem) = rel
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
        else {
            panic!(
                "fixtures/rules/{}: not a rule fixture (see every_fixture_names_a_registered_rule_and_reads)",
                rel.display()
            );
        };
        let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
            .unwrap_or_else(|e| panic!("fixtures/rules/{}: does not parse: {e}", rel.display()));
        let config = config_toml(&doc).map(|text| {
            let mut t = tempfile::NamedTempFile::new().unwrap();
            std::io::Write::write_all(&mut t, text.as_bytes()).unwrap();
            t
        });
        let mut args = vec!["check", "--format", "json", path.to_str().unwrap()];
        if let Some(c) = &config {
            args.extend(["--config", c.path().to_str().unwrap()]);
        }
        let run = doctor::run(&args, &[]);
        assert!(
            matches!(run.code, 0 | 1) && run.stderr.is_empty(),
            "fixtures/rules/{}: the report failed\n{run}",
            rel.display()
        );
        let findings: Vec<Seen> = run.findings().iter().map(seen).collect();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(snapshot_dir(&family));
        settings.set_prepend_module_to_snapshot(false);
        settings.remove_snapshot_suffix();
        settings.set_omit_expression(true);
        settings.set_description(doc["comment"].as_str().unwrap_or_default());
        settings.bind(|| insta::assert_yaml_snapshot!(stem, findings));
    });
}
