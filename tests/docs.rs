//! The rule pages in `docs/rules/` are generated from the rules by `examples/gen-rule-docs.rs`
//! (included here): these tests fail when the committed pages differ from what the registry
//! generates now, and when a page's text differs from what `oauth-doctor explain CODE` prints.
//! Also: every relative link in the user documentation points at a file that exists.
//!
//! After adding or changing a rule: `cargo run --example gen-rule-docs` (or
//! `UPDATE_DOCS=1 cargo test --test docs`), and commit `docs/rules/`.
//!
//! How a page corresponds to `explain CODE`:
//! - `explain`'s first line `CODE — title` is the page's `# CODE — title`;
//! - its second line `category: C · default severity: S · USE` has the values of the page's
//!   metadata table (columns category, default severity, use);
//! - from the first section on, each `explain` heading (`WHAT IT DOES`) is the page's `## What it
//!   does` in upper case, and the section's text is the same lines, `explain`'s two-space indent
//!   removed (trailing whitespace and blank lines around a section are not compared). Everything
//!   the page adds (table, family link, the finding's fix line) stands before the first section.

#[allow(dead_code)]
#[path = "../examples/gen-rule-docs.rs"]
mod generator;

#[path = "support/doctor.rs"]
mod doctor;

use doctor::doctor;
use oauth_doctor::rules::registry;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const REGENERATE: &str = "run `cargo run --example gen-rule-docs` (or `UPDATE_DOCS=1 cargo test --test docs`) and commit docs/rules/";

#[test]
fn rule_pages_are_what_the_rules_generate() {
    if std::env::var_os("UPDATE_DOCS").is_some() {
        for c in generator::write(root()).unwrap() {
            eprintln!("{c}");
        }
        return;
    }
    let dir = root().join(generator::DIR);
    let expected = generator::pages();
    let mut problems = Vec::new();
    for (name, text) in &expected {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(t) if t == *text => {}
            Ok(t) => {
                let line = t
                    .lines()
                    .zip(text.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| t.lines().count().min(text.lines().count()))
                    + 1;
                problems.push(format!(
                    "{name} differs from the generated page (line {line})"
                ));
            }
            Err(_) => problems.push(format!("{name} is missing")),
        }
    }
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") && !expected.contains_key(&name) {
                problems.push(format!("{name} belongs to no registered rule"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "docs/rules/ is out of date with the rules:\n  {}\n{REGENERATE}",
        problems.join("\n  ")
    );
}

/// A page or an `explain` output cut into comparable parts.
#[derive(Debug, PartialEq)]
struct Parts {
    title_line: String,
    category: String,
    severity: String,
    kind: String,
    sections: Vec<(String, String)>,
}

fn tidy(lines: &[String]) -> String {
    let text: Vec<&str> = lines.iter().map(|l| l.trim_end()).collect();
    text.join("\n").trim_matches('\n').to_string()
}

fn parse_explain(out: &str) -> Parts {
    let mut lines = out.lines();
    let title_line = lines.next().unwrap_or("").trim_end().to_string();
    let meta = lines.next().unwrap_or("");
    let field = |name: &str| {
        meta.split(" · ")
            .find_map(|p| p.strip_prefix(name))
            .unwrap_or("")
            .trim()
            .to_string()
    };
    // The third part says what the rule does ("explains a failure", "flags a risk").
    let (category, severity, kind) = (
        field("category: "),
        field("default severity: "),
        meta.split(" · ").nth(2).unwrap_or("").trim().to_string(),
    );
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in lines {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            sections.push((line.trim_end().to_string(), Vec::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push(line.strip_prefix("  ").unwrap_or(line).to_string());
        }
    }
    Parts {
        title_line,
        category,
        severity,
        kind,
        sections: sections.into_iter().map(|(h, b)| (h, tidy(&b))).collect(),
    }
}

fn parse_page(page: &str) -> Parts {
    let title_line = page
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or("")
        .trim_end()
        .to_string();
    // The metadata table's first data row: | `CODE` | `name` | `category` | severity | use |
    let row: Vec<String> = page
        .lines()
        .skip_while(|l| !l.starts_with("| code |"))
        .nth(2)
        .unwrap_or("")
        .trim()
        .trim_matches('|')
        .split('|')
        .map(|c| c.trim().trim_matches('`').to_string())
        .collect();
    let get = |i: usize| row.get(i).cloned().unwrap_or_default();
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in page.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            sections.push((h.trim_end().to_uppercase(), Vec::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push(line.to_string());
        }
    }
    Parts {
        title_line,
        category: get(2),
        severity: get(3),
        kind: get(4),
        sections: sections.into_iter().map(|(h, b)| (h, tidy(&b))).collect(),
    }
}

#[test]
fn every_rule_page_says_what_explain_prints() {
    let dir = root().join(generator::DIR);
    let mut problems = Vec::new();
    for rule in registry::all() {
        let code = rule.meta().code;
        let Ok(page) = std::fs::read_to_string(dir.join(format!("{code}.md"))) else {
            problems.push(format!("{code}: docs/rules/{code}.md is missing"));
            continue;
        };
        let out = doctor().args(["explain", code]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "explain {code}");
        let explained = parse_explain(&String::from_utf8(out.stdout).unwrap());
        let paged = parse_page(&page);
        assert!(
            !explained.sections.is_empty(),
            "{code}: explain printed no sections"
        );
        if explained != paged {
            problems.push(format!(
                "{code}: docs/rules/{code}.md differs from `oauth-doctor explain {code}`\n    page:    {paged:?}\n    explain: {explained:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}\n{REGENERATE}", problems.join("\n"));
}

#[test]
fn every_rule_has_the_five_documented_sections() {
    // The house layout of rule docs: What it does / Why it fails / Example / Fix / References. The pages and `explain`
    // are only as good as the doc comment.
    let want = [
        "WHAT IT DOES",
        "WHY IT FAILS",
        "EXAMPLE",
        "FIX",
        "REFERENCES",
    ];
    let mut problems = Vec::new();
    for rule in registry::all() {
        let m = rule.meta();
        let headings: Vec<String> = generator::doc_lines(m)
            .filter_map(|l| l.strip_prefix("## "))
            .map(|h| h.trim().to_uppercase())
            .collect();
        if headings != want {
            problems.push(format!("{}: sections {headings:?}", m.code));
        }
    }
    assert!(
        problems.is_empty(),
        "doc comments without the sections What it does / Why it fails / Example / Fix / References, in that order:\n  {}",
        problems.join("\n  ")
    );
}

/// Relative Markdown link targets in a document: `](target)`, without the `#fragment`.
fn relative_links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = &rest[..end];
        rest = &rest[end..];
        if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
            continue;
        }
        let path = target.split('#').next().unwrap_or("");
        if !path.is_empty() && !path.contains(' ') {
            out.push(path.to_string());
        }
    }
    out
}

#[test]
fn relative_links_in_the_user_documentation_resolve() {
    let mut docs: Vec<PathBuf> = vec![root().join("README.md"), root().join("docs/guide.md")];
    for dir in ["docs", "docs/rules", "tests/schemas"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "md") && !docs.contains(&p) {
                docs.push(p);
            }
        }
    }
    let mut broken = Vec::new();
    for doc in &docs {
        let text = std::fs::read_to_string(doc).unwrap();
        for link in relative_links(&text) {
            if !doc.parent().unwrap().join(&link).exists() {
                broken.push(format!(
                    "{}: {link}",
                    doc.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken links:\n  {}",
        broken.join("\n  ")
    );
}

#[test]
fn the_documented_json_examples_match_the_schema() {
    // The example in docs/json-output.md is a valid `oauth-doctor/diagnosis/v1` document.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/diagnosis-v1.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let text = std::fs::read_to_string(root().join("docs/json-output.md")).unwrap();
    let example = text
        .split("```json\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("docs/json-output.md has a ```json example");
    let doc: serde_json::Value = serde_json::from_str(example).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "docs/json-output.md's example: {errors:?}"
    );
}
