//! `oauth-doctor explain CODE`: a rule's documentation (its doc comment), a standard OAuth / OIDC
//! error code's meaning, causes, fix and candidate rules, and the providers' knowledge-base
//! entries for the code (provider, what it sends, meaning, fix, category, docs link, source).
//! A code many providers send (`invalid_grant`) lists the providers in one line and shows their
//! entries with `--provider ID` (or `PROVIDER:CODE`) or `--all`, so the answer stays a page.

use crate::oauth::errors;
use crate::providers::{display_name, signatures};
use crate::rules::registry;
use anyhow::{Result, bail};
use std::io::Write;

/// What a rule does, in words (`explain`, the rule pages): it explains failures (a diagnosis),
/// flags risks in captures that work (a lint), or both.
pub fn kind_words(k: crate::diagnosis::RuleKind) -> &'static str {
    match k {
        crate::diagnosis::RuleKind::Diag => "explains a failure",
        crate::diagnosis::RuleKind::Lint => "flags a risk",
        crate::diagnosis::RuleKind::Both => "explains a failure or flags a risk",
    }
}

/// Provider entries shown in full without `--provider` or `--all`.
const FULL_ENTRIES: usize = 3;

pub fn explain(code: &str, provider: Option<&str>, all: bool, out: &mut dyn Write) -> Result<i32> {
    let mut code = code.trim();
    let mut provider = provider.map(|p| p.trim().to_string());
    // `okta:E0000011`, `Okta:E0000011`, `entra:AADSTS50011`.
    if let Some((p, c)) = code.split_once(':') {
        if !p.is_empty() && !c.is_empty() && known_provider(p).is_some() {
            if provider.is_none() {
                provider = Some(p.to_string());
            }
            code = c.trim();
        }
    }
    let provider = match provider {
        Some(p) => Some(known_provider(&p).ok_or_else(|| {
            anyhow::anyhow!(
                "--provider `{p}`: no provider with that id in the knowledge base (ids: {})",
                provider_ids().join(", ")
            )
        })?),
        None => None,
    };
    let mut found = false;
    if let Some(rule) = registry::find(code) {
        let m = rule.meta();
        writeln!(out, "{} — {}", m.code, m.title)?;
        writeln!(
            out,
            "category: {} · default severity: {} · {}",
            m.category,
            m.severity,
            kind_words(m.kind)
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
    if let Some(p) = provider {
        entries.retain(|s| s.provider == p);
        if entries.is_empty() {
            if !found {
                bail!(
                    "{} has no entry for `{code}` in the knowledge base",
                    display_name(p)
                );
            }
            writeln!(
                out,
                "\n{} has no entry of its own for `{code}` in the knowledge base.",
                display_name(p)
            )?;
        }
    }
    if !entries.is_empty() {
        if found {
            writeln!(out)?;
        }
        if provider.is_some() || all || entries.len() <= FULL_ENTRIES {
            provider_entries(&entries, out)?;
        } else {
            provider_summary(code, &entries, out)?;
        }
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

/// A provider id or display name (`okta`, `Okta`, `Microsoft Entra ID`) as the knowledge base
/// spells the id.
fn known_provider(p: &str) -> Option<&'static str> {
    let p = p.trim();
    signatures::all()
        .iter()
        .map(|s| s.provider)
        .find(|id| id.eq_ignore_ascii_case(p) || display_name(id).eq_ignore_ascii_case(p))
}

/// Every provider id of the knowledge base, sorted.
fn provider_ids() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = signatures::all().iter().map(|s| s.provider).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// For a code many providers send: who sends it and how to see their entries.
fn provider_summary(
    code: &str,
    entries: &[&signatures::Signature],
    out: &mut dyn Write,
) -> Result<()> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for s in entries {
        match counts.iter_mut().find(|(p, _)| *p == s.provider) {
            Some((_, n)) => *n += 1,
            None => counts.push((s.provider, 1)),
        }
    }
    writeln!(
        out,
        "PROVIDER-SPECIFIC MEANINGS ({} entries from {} providers)",
        entries.len(),
        counts.len()
    )?;
    let list: Vec<String> = counts
        .iter()
        .map(|(p, n)| {
            if *n == 1 {
                p.to_string()
            } else {
                format!("{p} ({n})")
            }
        })
        .collect();
    // Wrapped at about 96 columns, two spaces in.
    let mut line = String::from(" ");
    for item in list {
        if line.len() + item.len() + 2 > 96 {
            writeln!(out, "{}", line.trim_end_matches(','))?;
            line = String::from(" ");
        }
        line.push(' ');
        line.push_str(&item);
        line.push(',');
    }
    writeln!(out, "{}", line.trim_end_matches(','))?;
    writeln!(out)?;
    let example = counts.first().map_or("google", |(p, _)| p);
    writeln!(
        out,
        "One provider's entries: oauth-doctor explain {code} --provider {example}   (or {example}:{code})"
    )?;
    writeln!(
        out,
        "Every entry:            oauth-doctor explain {code} --all"
    )?;
    Ok(())
}

/// How a provider sends a code: an OAuth-style code (`bad_verification_code`) is the `error`
/// value itself; another (`AADSTS50011`, `E0000011`) comes in the description or its own field,
/// with the standard `error` the entry names.
fn sent_as(s: &signatures::Signature) -> Option<String> {
    let oauth_style = s
        .code
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
        && s.code
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase());
    match (&s.error, oauth_style) {
        (Some(e), true) if !e.eq_ignore_ascii_case(&s.code) => Some(format!(
            "sent as `error={}` (where the standard says `{e}`)",
            s.code
        )),
        (_, true) => Some(format!("sent as `error={}`", s.code)),
        (Some(e), false) => Some(format!("sent with `error={e}`")),
        (None, false) => None,
    }
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
        if let Some(sent) = sent_as(s) {
            meta.push_str(&format!(" · {sent}"));
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
