//! The guide's examples are real: every checked block of `docs/guide.md` is run from the
//! repository root and its output compared with the output shown.
//!
//! A checked block is a ```` ```console ```` block whose first line starts with `$ oauth-doctor`.
//! Each `$ ` line in it is a command, run with `sh -c` (stdout and stderr together, stdout not a
//! terminal, so no colour) with the freshly built `oauth-doctor` first on `PATH`; the lines up to
//! the next `$ ` line are its expected output. Only trailing whitespace is ignored.
//!
//! `UPDATE_GUIDE=1 cargo test --test guide` rewrites the outputs in place instead of comparing:
//! after a rule changes, regenerate, read the diff, commit.

#[path = "support/doctor.rs"]
mod doctor;

use std::path::Path;

const GUIDE: &str = "docs/guide.md";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A checked block: the line range of its body (after the opening fence, before the closing one).
struct Block {
    body: std::ops::Range<usize>,
}

fn checked_blocks(lines: &[&str]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim_start();
        if fence.starts_with("```") {
            let opening = fence.trim_start_matches('`').trim();
            let start = i + 1;
            let mut end = start;
            while end < lines.len() && !lines[end].trim_start().starts_with("```") {
                end += 1;
            }
            if opening == "console"
                && lines
                    .get(start)
                    .is_some_and(|l| l.starts_with("$ oauth-doctor"))
            {
                blocks.push(Block { body: start..end });
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    blocks
}

/// Run one command line the way the guide shows it.
fn run(command: &str) -> String {
    let out = doctor::shell(&format!("exec 2>&1; {command}"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn normalise(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

#[test]
fn every_checked_command_in_the_guide_prints_what_the_guide_shows() {
    let path = root().join(GUIDE);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let blocks = checked_blocks(&lines);
    assert!(
        blocks.len() >= 10,
        "{GUIDE}: expected the recipes' checked blocks, found {}",
        blocks.len()
    );
    let update = std::env::var_os("UPDATE_GUIDE").is_some();
    let mut rewritten: Vec<String> = Vec::new();
    let mut copied = 0;
    let mut failures = Vec::new();
    for block in &blocks {
        rewritten.extend(
            lines[copied..block.body.start]
                .iter()
                .map(|s| s.to_string()),
        );
        // Commands and their expected outputs.
        let mut cmds: Vec<(usize, &str, Vec<&str>)> = Vec::new();
        for n in block.body.clone() {
            match lines[n].strip_prefix("$ ") {
                Some(c) => cmds.push((n, c, Vec::new())),
                None => cmds.last_mut().unwrap().2.push(lines[n]),
            }
        }
        for (n, cmd, expected) in cmds {
            let actual = run(cmd);
            rewritten.push(format!("$ {cmd}"));
            rewritten.extend(normalise(&actual));
            let want = normalise(&expected.join("\n"));
            let got = normalise(&actual);
            if want != got {
                let at = want
                    .iter()
                    .zip(&got)
                    .position(|(a, b)| a != b)
                    .unwrap_or(want.len().min(got.len()));
                failures.push(format!(
                    "{GUIDE}:{}: `{cmd}` prints something else from its line {} on\n    shown:  {:?}\n    prints: {:?}",
                    n + 1,
                    at + 1,
                    want.get(at).map(String::as_str).unwrap_or("(nothing)"),
                    got.get(at).map(String::as_str).unwrap_or("(nothing)"),
                ));
            }
        }
        copied = block.body.end;
    }
    rewritten.extend(lines[copied..].iter().map(|s| s.to_string()));
    if update {
        let mut out = rewritten.join("\n");
        out.push('\n');
        if out != text {
            std::fs::write(&path, out).unwrap();
            eprintln!("{GUIDE}: rewrote {} command output(s)", failures.len());
        }
        return;
    }
    assert!(
        failures.is_empty(),
        "{}\n\n{} of the guide's commands print something else now; if the change is intended, run `UPDATE_GUIDE=1 cargo test --test guide`, read the diff of {GUIDE} and commit it",
        failures.join("\n"),
        failures.len()
    );
}

#[test]
fn the_guide_marks_blocks_the_way_the_test_reads_them() {
    // A `console` block that does not start with `$ oauth-doctor` is not checked: make that a
    // conscious choice (use `text` or `sh`) rather than a typo.
    let text = std::fs::read_to_string(root().join(GUIDE)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.trim() == "```console" {
            assert!(
                lines
                    .get(i + 1)
                    .is_some_and(|n| n.starts_with("$ oauth-doctor")),
                "{GUIDE}:{}: a console block must start with `$ oauth-doctor` (it is run and checked); use ```text or ```sh for others",
                i + 2
            );
        }
    }
}
