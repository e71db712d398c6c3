//! `oauth-doctor explain CODE`: a rule's documentation (its doc comment), a standard OAuth / OIDC
//! error code's meaning, causes, fix and candidate rules.

use crate::oauth::errors;
use crate::rules::registry;
use anyhow::{Result, bail};
use std::io::Write;

pub fn explain(code: &str, out: &mut dyn Write) -> Result<i32> {
    let code = code.trim();
    let mut found = false;
    if let Some(rule) = registry::find(code) {
        let m = rule.meta();
        writeln!(out, "{} — {}", m.code, m.title)?;
        writeln!(
            out,
            "category: {} · default severity: {} · kind: {:?}",
            m.category, m.severity, m.kind
        )?;
        writeln!(out)?;
        for line in m.docs.lines() {
            let line = line.strip_prefix(' ').unwrap_or(line);
            match line.strip_prefix("## ") {
                Some(h) => writeln!(out, "{}", h.to_uppercase())?,
                None => writeln!(out, "  {line}")?,
            }
        }
        found = true;
    }
    if let Some(s) = errors::standard(code) {
        if found {
            writeln!(out)?;
        }
        writeln!(
            out,
            "`{}` — standard OAuth / OpenID Connect error ({})",
            s.code, s.defined_in
        )?;
        writeln!(out, "sent by: {}", s.endpoints)?;
        writeln!(out)?;
        writeln!(out, "MEANING\n  {}", s.meaning)?;
        writeln!(out, "USUAL CAUSES\n  {}", s.causes)?;
        writeln!(out, "FIX\n  {}", s.fix)?;
        if !s.rules.is_empty() {
            writeln!(out, "RULES THAT TELL THE CAUSES APART (most likely first)")?;
            for r in s.rules {
                let title = registry::find(r)
                    .map(|x| x.meta().title)
                    .unwrap_or("(not yet implemented)");
                writeln!(out, "  {r:<9} {title}")?;
            }
        }
        found = true;
    }
    if !found {
        let suggestions = suggest(code);
        if suggestions.is_empty() {
            bail!(
                "unknown code `{code}`: not a rule (see `oauth-doctor rules`) nor a known OAuth error code"
            );
        }
        bail!(
            "unknown code `{code}`; did you mean {}?",
            suggestions.join(", ")
        );
    }
    Ok(0)
}

fn suggest(code: &str) -> Vec<String> {
    let c = code.to_ascii_lowercase();
    let mut v: Vec<String> = registry::all()
        .iter()
        .map(|r| r.meta().code.to_string())
        .chain(errors::STANDARD_ERRORS.iter().map(|s| s.code.to_string()))
        .filter(|k| {
            let k = k.to_ascii_lowercase();
            k.contains(&c) || c.contains(&k) || (c.len() >= 4 && k.starts_with(&c[..4]))
        })
        .take(5)
        .collect();
    v.sort();
    v
}
