//! `oauth-doctor explain CODE`: a rule's documentation (its doc comment), a standard OAuth / OIDC
//! error code's meaning, causes, fix and candidate rules, and every provider's knowledge-base
//! entry for the code (provider, meaning, fix, category, docs link, source).

use crate::oauth::errors;
use crate::providers::{display_name, signatures};
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
        let mut rules: Vec<(u8, &crate::rules::Meta)> = registry::all()
            .into_iter()
            .filter_map(|r| Some((r.meta().facts.place_for_error(s.code)?, r.meta())))
            .collect();
        if !rules.is_empty() {
            rules.sort_by_key(|(place, m)| (*place, m.code));
            writeln!(out, "RULES THAT TELL THE CAUSES APART (most likely first)")?;
            for (_, m) in rules {
                writeln!(out, "  {:<9} {}", m.code, m.title)?;
            }
        }
        found = true;
    }
    let mut entries = signatures::lookup(code);
    if entries.is_empty() && !found && code.bytes().all(|b| b.is_ascii_digit()) {
        // `explain 50011` for `AADSTS50011`.
        entries = signatures::lookup(&format!("AADSTS{code}"));
    }
    if !entries.is_empty() {
        if found {
            writeln!(out)?;
        }
        provider_entries(&entries, out)?;
        found = true;
    }
    if !found {
        let suggestions = suggest(code);
        if suggestions.is_empty() {
            bail!(
                "unknown code `{code}`: not a rule (see `oauth-doctor rules`), a standard OAuth error code nor a provider code in the knowledge base"
            );
        }
        bail!(
            "unknown code `{code}`; did you mean {}?",
            suggestions.join(", ")
        );
    }
    Ok(0)
}

/// Knowledge-base entries, one block each, grouped in file order (provider, then code).
fn provider_entries(entries: &[&signatures::Signature], out: &mut dyn Write) -> Result<()> {
    let providers: Vec<&str> = {
        let mut v: Vec<&str> = entries.iter().map(|s| s.provider).collect();
        v.dedup();
        v
    };
    writeln!(
        out,
        "PROVIDER-SPECIFIC MEANINGS ({} entr{} from {})",
        entries.len(),
        if entries.len() == 1 { "y" } else { "ies" },
        providers
            .iter()
            .map(|p| display_name(p))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    for s in entries {
        writeln!(out)?;
        writeln!(
            out,
            "  {} `{}` — {}",
            display_name(s.provider),
            s.code,
            s.title
        )?;
        let mut meta = format!("category: {}", s.category);
        if let Some(e) = &s.error {
            meta.push_str(&format!(" · sent with `error={e}`"));
        }
        meta.push_str(&format!(" · provider id: {}", s.provider));
        writeln!(out, "    {meta}")?;
        if let Some(c) = &s.contains {
            writeln!(out, "    when the description contains: \"{c}\"")?;
        }
        writeln!(out, "    meaning: {}", s.meaning)?;
        writeln!(out, "    fix: {}", s.fix)?;
        writeln!(out, "    docs: {}", s.docs)?;
        writeln!(out, "    source: {}", s.source)?;
    }
    Ok(())
}

fn suggest(code: &str) -> Vec<String> {
    let c = code.to_ascii_lowercase();
    let mut v: Vec<String> = registry::all()
        .iter()
        .map(|r| r.meta().code.to_string())
        .chain(errors::STANDARD_ERRORS.iter().map(|s| s.code.to_string()))
        .chain(signatures::all().iter().map(|s| s.code.clone()))
        .filter(|k| {
            let k = k.to_ascii_lowercase();
            k.contains(&c) || c.contains(&k) || (c.len() >= 4 && k.starts_with(&c[..4]))
        })
        .collect();
    v.sort();
    v.dedup();
    v.truncate(5);
    v
}
