//! Every rule against its fixtures: `fixtures/rules/<family>/<CODE>-<scenario>.json` must fire
//! CODE, `<CODE>-quiet-<scenario>.json` must not; a firing fixture's `expect.top_category`, when
//! set, must be the category of the top diagnosis. The meta test checks that every registered
//! rule has documentation and both kinds of fixture.

use oauth_doctor::capture;
use oauth_doctor::rules::{Options, registry};
use oauth_doctor::{RuleFilter, analyze};
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules")
}

struct Fixture {
    path: PathBuf,
    rule: String,
    fires: bool,
    top_category: Option<String>,
}

fn fixtures(family: Option<&str>) -> Vec<Fixture> {
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(fixtures_dir()) else {
        return out;
    };
    let mut dirs: Vec<_> = dirs
        .flatten()
        .map(|d| d.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if family.is_some_and(|f| f != name) || name == "tools" {
            continue;
        }
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|d| d.path())
            .collect();
        files.sort();
        for path in files {
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let doc: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let expect = &doc["expect"];
            let file_name = path.file_name().unwrap().to_string_lossy().to_string();
            let code = file_name.split('-').next().unwrap().to_string();
            let rule = expect["rule"].as_str().unwrap_or(&code).to_string();
            assert_eq!(
                rule,
                code,
                "{}: expect.rule differs from the file name",
                path.display()
            );
            let fires = expect["fires"]
                .as_bool()
                .unwrap_or(!file_name.contains("-quiet-"));
            assert_eq!(
                fires,
                !file_name.contains("-quiet-"),
                "{}: expect.fires contradicts the file name",
                path.display()
            );
            out.push(Fixture {
                path,
                rule,
                fires,
                top_category: expect["top_category"].as_str().map(str::to_string),
            });
        }
    }
    out
}

/// Run one fixture; returns a failure description.
fn run(f: &Fixture) -> Option<String> {
    registry::find(&f.rule)?; // rules not implemented yet are reported by the meta test
    let loaded = match capture::load_path(f.path.to_str().unwrap()) {
        Ok(l) => l,
        Err(e) => return Some(format!("{}: cannot load: {e}", f.path.display())),
    };
    let analysis = analyze(
        loaded.exchanges,
        &Options::default(),
        &RuleFilter::default(),
    );
    let fired = analysis
        .findings
        .iter()
        .any(|x| x.rule == f.rule || x.consequences.contains(&f.rule.as_str()));
    let name = f
        .path
        .strip_prefix(fixtures_dir())
        .unwrap()
        .display()
        .to_string();
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
    let failures: Vec<String> = fixtures(Some(family)).iter().filter_map(run).collect();
    assert!(
        failures.is_empty(),
        "{} fixture failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

macro_rules! families {
    ($($f:ident),*) => { $( #[test] fn $f() { check_family(stringify!($f)); } )* };
}

families!(
    bcp, cred, dev, disc, dpop, exp, grant, jwt, param, pkce, prov, redir, stat
);

#[test]
fn every_rule_is_documented_and_has_firing_and_quiet_fixtures() {
    let all = fixtures(None);
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
