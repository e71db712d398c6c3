//! The pictures in a real browser. The HTML report of every corpus capture
//! (`fixtures/corpus/*.har`), written by the real binary, is opened from `file://` in Debian's
//! headless Chromium: no console error, no network request of any kind, the failing arrow and the
//! top cause in the DOM, a screenshot that is not blank, WCAG AA contrast for every text in the
//! light and the dark scheme, the failing arrow reachable with Tab and followed with Enter, and
//! the print layout. The Mermaid block of every corpus capture's Markdown report goes through the
//! real Mermaid parser and renderer in the same browser.
//!
//! Both are driven by `tests/browser/check.mjs` (playwright-core and mermaid, from
//! `tests/browser/package-lock.json`); `scripts/test.sh` installs those and Chromium. Without
//! them the tests are skipped with a note, unless `OAUTH_DOCTOR_LIVE=1` (CI), which makes them
//! mandatory. `OAUTH_DOCTOR_CHROMIUM` names another Chromium binary, `OAUTH_DOCTOR_NODE` another
//! `node`.

use oauth_doctor::rules::Options;
use oauth_doctor::{RuleFilter, analyze, capture};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn mandatory() -> bool {
    std::env::var("OAUTH_DOCTOR_LIVE").is_ok_and(|v| v == "1")
}

/// `node`, when Chromium, Node.js and the npm packages are all there; `None` (after a note)
/// when something is missing and the tests are not mandatory.
fn browser_tools(test: &str) -> Option<String> {
    let chromium =
        std::env::var("OAUTH_DOCTOR_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let node = std::env::var("OAUTH_DOCTOR_NODE").unwrap_or_else(|_| "node".into());
    let mut missing = Vec::new();
    if !Path::new(&chromium).exists() {
        missing.push(format!("Chromium ({chromium}; Debian package `chromium`)"));
    }
    let node_ok = Command::new(&node)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_ok {
        missing.push(format!("Node.js (`{node}`)"));
    }
    for pkg in ["playwright-core", "mermaid"] {
        if !root()
            .join("tests/browser/node_modules")
            .join(pkg)
            .join("package.json")
            .exists()
        {
            missing.push(format!(
                "tests/browser/node_modules/{pkg} (`npm ci --prefix tests/browser`)"
            ));
        }
    }
    if missing.is_empty() {
        return Some(node);
    }
    let what = missing.join(", ");
    if mandatory() {
        panic!("{test}: missing {what}; scripts/test.sh installs them");
    }
    eprintln!("note: {test} skipped: missing {what} (scripts/test.sh installs them)");
    None
}

fn corpus() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "har"))
        .collect();
    v.sort();
    assert!(v.len() >= 50, "the corpus is there: {}", v.len());
    v
}

fn name(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// The top cause's rule and the number of the exchange it explains, from the library.
fn expected(p: &Path) -> (Option<String>, Option<usize>) {
    let bytes = std::fs::read(p).unwrap();
    let loaded = capture::load_bytes(Arc::from(p.to_string_lossy().as_ref()), &bytes).unwrap();
    let a = analyze(
        loaded.exchanges,
        &Options::default(),
        &RuleFilter::default(),
    );
    let top = a.findings.iter().find(|f| !f.latent);
    (
        top.map(|f| f.rule.to_string()),
        top.and_then(|f| f.anchor).map(|i| i + 1),
    )
}

/// What the real binary prints for a capture.
fn report(capture: &Path, format: &str) -> String {
    let out = assert_cmd::Command::cargo_bin("oauth-doctor")
        .unwrap()
        .current_dir(root())
        .env_remove("CLICOLOR_FORCE")
        .args(["check", "--format", format])
        .arg(capture.strip_prefix(root()).unwrap())
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "{}: exit {code}: {}",
        capture.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Run check.mjs on a manifest; its findings as JSON.
fn run_check(node: &str, dir: &Path, manifest: &Value) -> Value {
    let path = dir.join("manifest.json");
    std::fs::write(&path, manifest.to_string()).unwrap();
    let out = Command::new(node)
        .arg(root().join("tests/browser/check.mjs"))
        .arg(&path)
        .current_dir(dir)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "check.mjs failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check.mjs printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[test]
fn html_report_of_every_corpus_capture_works_in_headless_chromium() {
    let Some(node) =
        browser_tools("html_report_of_every_corpus_capture_works_in_headless_chromium")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut items = Vec::new();
    let mut expect = std::collections::HashMap::new();
    for p in corpus() {
        let n = name(&p);
        let html = report(&p, "html");
        let file = dir.path().join(format!("{n}.html"));
        std::fs::write(&file, &html).unwrap();
        items.push(json!({ "name": n, "path": file }));
        expect.insert(n, expected(&p));
    }
    let results = run_check(&node, dir.path(), &json!({ "html": items }));
    let results = results["html"].as_array().unwrap();
    assert_eq!(results.len(), expect.len());
    let mut problems: Vec<String> = Vec::new();
    for r in results {
        let n = r["name"].as_str().unwrap();
        let (rule, anchor) = &expect[n];
        let mut bad = |what: String| problems.push(format!("{n}: {what}"));
        if r["consoleErrors"] != json!([]) {
            bad(format!("console: {}", r["consoleErrors"]));
        }
        if r["requests"] != json!([]) {
            bad(format!("network requests: {}", r["requests"]));
        }
        let dom = &r["dom"];
        if dom["topRule"].as_str() != rule.as_deref() {
            bad(format!(
                "top cause {} in the DOM, expected {rule:?}",
                dom["topRule"]
            ));
        }
        if let Some(rule) = rule {
            if !dom["ticket"].as_str().unwrap_or("").contains(rule.as_str()) {
                bad(format!("the ticket summary does not name {rule}"));
            }
        }
        let failing: Vec<Vec<usize>> = dom["failing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                s.as_str()
                    .unwrap()
                    .split(' ')
                    .map(|x| x.parse().unwrap())
                    .collect()
            })
            .collect();
        match anchor {
            Some(a) => {
                if failing.len() != 1 || !failing[0].contains(a) {
                    bad(format!(
                        "failing arrows {failing:?}, expected one holding #{a}"
                    ));
                }
                let k = &r["keyboard"];
                if k["reached"] != json!(true) || k["opened"] != json!(true) {
                    bad(format!("keyboard: {k}"));
                }
                if k["firstTab"]["cls"] != json!("skip") {
                    bad(format!("the first Tab stop is not the skip link: {k}"));
                }
            }
            None => {
                if !failing.is_empty() {
                    bad(format!("failing arrows {failing:?} without a top cause"));
                }
            }
        }
        if dom["steps"].as_u64().unwrap_or(0) == 0 {
            bad("no arrow drawn".into());
        }
        if dom["brokenLinks"] != json!([]) || dom["duplicateIds"] != json!([]) {
            bad(format!(
                "broken links {} / duplicate ids {}",
                dom["brokenLinks"], dom["duplicateIds"]
            ));
        }
        for scheme in ["light", "dark"] {
            if r["contrast"][scheme] != json!([]) {
                bad(format!("contrast ({scheme}): {}", r["contrast"][scheme]));
            }
        }
        if r["print"]["actionsHidden"] != json!(true) || r["print"]["closedDetails"] != json!(0) {
            bad(format!("print: {}", r["print"]));
        }
        // A blank page has no spread; a page of text and arrows has plenty.
        let spread = r["screenshot"]["stddev"].as_f64().unwrap_or(0.0);
        if spread < 10.0 {
            bad(format!("blank screenshot (luminance spread {spread:.1})"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Whether `text` shows exchange number `n` (`#4`, not `#41`), alone or as the end of a
/// folded range (`#2–#4`), or inside one.
fn names_exchange(text: &str, n: usize) -> bool {
    let nums = |s: &str| -> Vec<usize> {
        s.split('#')
            .skip(1)
            .filter_map(|t| {
                let d: String = t.chars().take_while(char::is_ascii_digit).collect();
                d.parse().ok()
            })
            .collect()
    };
    if nums(text).contains(&n) {
        return true;
    }
    text.split_whitespace().any(|w| {
        let v = nums(w);
        w.contains('–') && v.len() == 2 && v[0] <= n && n <= v[1]
    })
}

/// The ```mermaid block of a Markdown report.
fn mermaid_block(md: &str) -> Option<String> {
    let start = md.find("```mermaid\n")? + "```mermaid\n".len();
    let len = md[start..].find("\n```")?;
    Some(md[start..start + len + 1].to_string())
}

#[test]
fn mermaid_block_of_every_corpus_capture_parses_with_mermaid() {
    let Some(node) = browser_tools("mermaid_block_of_every_corpus_capture_parses_with_mermaid")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut items = Vec::new();
    let mut expect = std::collections::HashMap::new();
    for p in corpus() {
        let n = name(&p);
        let md = report(&p, "markdown");
        let block = mermaid_block(&md)
            .unwrap_or_else(|| panic!("{n}: no Mermaid block in the Markdown report:\n{md}"));
        assert!(block.starts_with("sequenceDiagram\n"), "{n}: {block}");
        items.push(json!({ "name": n, "text": block }));
        expect.insert(n, expected(&p));
    }
    let results = run_check(&node, dir.path(), &json!({ "mermaid": items }));
    let results = results["mermaid"].as_array().unwrap();
    assert_eq!(results.len(), expect.len());
    let mut problems = Vec::new();
    for r in results {
        let n = r["name"].as_str().unwrap();
        if r["parsed"] != json!(true) || r["rendered"] != json!(true) {
            problems.push(format!("{n}: {}", r["error"]));
            continue;
        }
        // What a reader sees in the rendered diagram: the failing exchange and its cause.
        let text = r["svgText"].as_str().unwrap();
        let (rule, anchor) = &expect[n];
        if let (Some(rule), Some(a)) = (rule, anchor) {
            let mark = format!("✗ {rule}");
            if !text.contains(&mark) || !names_exchange(text, *a) {
                problems.push(format!(
                    "{n}: `{mark}` or `#{a}` not in the rendered diagram: {text}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_report_without_a_mermaid_block_is_one_without_exchanges() {
    // The extraction the test above relies on finds the block the Markdown report writes.
    let md = "## x\n\n```mermaid\nsequenceDiagram\n    a->>b: c\n```\n\nrest";
    assert_eq!(
        mermaid_block(md).as_deref(),
        Some("sequenceDiagram\n    a->>b: c\n")
    );
    assert_eq!(mermaid_block("no diagram"), None);
    assert!(names_exchange("x #4 POST", 4));
    assert!(!names_exchange("x #41 POST", 4));
    assert!(names_exchange("x #2–#7 POST", 4));
}
