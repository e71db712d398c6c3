//! PROV: provider-specific knowledge — the identity provider's own error codes and quirks, read
//! through the knowledge base in `src/providers/`. PROV001 turns a recognised provider code into
//! the diagnosis it documents; the other rules explain dialects that mislead clients (errors
//! with HTTP 200, numbers sent as strings, error pages instead of redirects, unusual statuses).

mod prov001_provider_error_code;
mod prov002_provider_error_with_200;
mod prov003_numeric_member_as_string;
mod prov004_provider_authorize_error_page;
mod prov005_nonstandard_error_status;
mod prov006_sign_in_refused;

pub use prov001_provider_error_code::Prov001;
pub use prov002_provider_error_with_200::Prov002;
pub use prov003_numeric_member_as_string::Prov003;
pub use prov004_provider_authorize_error_page::Prov004;
pub use prov005_nonstandard_error_status::Prov005;
pub use prov006_sign_in_refused::Prov006;

use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Strength};
use crate::model::{Exchange, Kind};
use crate::oauth::errors;
use crate::providers::display_name;
use crate::providers::matcher::{self, Match, level};
use std::collections::HashSet;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[&Prov001, &Prov002, &Prov003, &Prov004, &Prov005, &Prov006];

/// This family's place when findings tie on everything else (PROV first, BCP last).
const TIE_BREAK: u8 = 0;

/// The provider of an exchange, or of the flow it belongs to (a callback on the client's own
/// host carries the provider's error but not its host).
fn provider_of(cx: &Context<'_>, i: usize) -> Option<&'static str> {
    cx.exchanges[i].provider.or_else(|| {
        let flow = cx
            .index
            .flow_of
            .get(i)
            .and_then(|f| cx.index.flows.get(*f))?;
        flow.exchanges
            .iter()
            .find_map(|&j| cx.exchanges[j].provider)
    })
}

/// How much a match proves (docs/signatures.md, matching rule 4). A provider code that names
/// its cause overrules generic readings. A `parameters` entry names what the server saw missing
/// or malformed, and an "invalid or expired" family description names the most common cause of
/// an ambiguous message: rules with direct or recomputed request evidence (JSON body, query
/// string, code reuse, PKCE, redirect URI diffs) must outrank those. A fallback entry for a bare
/// RFC code adds the provider's documentation but no more certainty than the code itself.
///
/// On an authorization error page there is no grant-aware generic reading to defer to: the code
/// on the page is the server's own statement, so a fallback entry counts as direct evidence.
fn weigh(m: &Match, page: bool) -> (Strength, bool) {
    let restates_rfc = m.level == level::ERROR && errors::standard(&m.code).is_some();
    if m.signature.category == Category::Parameters {
        (Strength::Heuristic, true)
    } else if restates_rfc && !m.by_contains && page {
        (Strength::Direct, true)
    } else if restates_rfc && !m.by_contains {
        // No more than the bare code: the generic, grant-aware reading (STAT016) decides.
        (Strength::Absence, false)
    } else if restates_rfc && m.signature.category == Category::GrantType {
        (Strength::Direct, true)
    } else {
        (Strength::ProviderCode, true)
    }
}

fn code_text(m: &Match) -> String {
    match m.signature.error.as_deref() {
        Some(err) if !err.eq_ignore_ascii_case(&m.code) => format!("`{}` (`{err}`)", m.code),
        _ => format!("`{}`", m.code),
    }
}

/// Report the primary match of an exchange, with every other entry that applies. `seen` says
/// what the exchange got, e.g. "the token request got".
fn report_matches(
    cx: &mut Context<'_>,
    e: &Exchange,
    provider: &str,
    ms: &[Match],
    x: &matcher::Extracted,
    seen: &str,
) {
    let Some(m) = ms.first() else {
        return;
    };
    let sig = m.signature;
    let others: Vec<String> = ms[1..]
        .iter()
        .map(|o| format!("`{}` ({})", o.code, o.signature.title))
        .collect();
    let message = format!(
        "{seen} {} from {}: {}{}",
        code_text(m),
        display_name(provider),
        sig.title,
        if others.is_empty() {
            String::new()
        } else {
            format!("; also {}", others.join(", "))
        }
    );
    let (strength, confirmed) = weigh(m, x.page);
    if strength == Strength::Absence && ms.len() == 1 {
        // The entry knows no more than the bare code: STAT016 restates it, and the causes the
        // code admits are weighed against the capture, not named by the provider.
        return;
    }
    // An entry that only restates a bare RFC code knows no more than the code: take the
    // grant-aware reading of it (refresh → expired or revoked, code → redeemed or expired).
    let category = if strength == Strength::Absence {
        let err = e.server_error();
        crate::diagnosis::fallback_category(
            &m.code,
            e.kind,
            e.request.param("grant_type").as_deref(),
            err.as_ref().and_then(|x| x.description.as_deref()),
        )
    } else {
        sig.category
    };
    let mut rep = cx
        .report(e.index, message)
        .category(category)
        .title(sig.title.clone())
        .fix(sig.fix.clone())
        .strength(strength)
        .reference(sig.docs.clone())
        .text(e.index, m.at, m.code.clone());
    if confirmed {
        rep = rep.confirmed();
    }
    for o in &ms[1..] {
        rep = rep.text(e.index, o.at, o.code.clone());
        if o.signature.docs != sig.docs {
            rep = rep.reference(o.signature.docs.clone());
        }
    }
    if let Some(d) = x.description() {
        rep = rep.text(e.index, x.description_location(), d);
    }
    rep.emit();
}
