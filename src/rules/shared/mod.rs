//! Helpers the rule families share: reading captured text (URLs, HTML pages, metadata lists),
//! recognising what an exchange carries (token requests, server error signals), the capture
//! clock, and the lazily indexed correlation lookups ([`Lookup`]) that link token requests to
//! their authorization requests, responses and earlier redemptions. They only read the capture;
//! they judge nothing.

use crate::model::Exchange;
use crate::model::signal::ServerError;
use crate::oauth::errors::standard;
use crate::oauth::jwt;
use serde_json::{Map, Value};

/// A URL (or issuer) without its trailing slashes.
pub(super) fn trim_slash(s: &str) -> &str {
    s.trim_end_matches('/')
}

/// A string list member of a JSON object (metadata, claims); `None` when it is not an array.
pub(super) fn str_list<'a>(d: &'a Map<String, Value>, field: &str) -> Option<Vec<&'a str>> {
    d.get(field)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
}

/// A `%XX` escape anywhere in the text.
pub(super) fn has_percent_escape(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// A URI value that is still percent-encoded after the one decoding of its parameter
/// (`https%3A%2F%2F…`): encoded twice, so it is no absolute URI.
pub(super) fn is_double_encoded(v: &str) -> bool {
    !v.contains("://") && crate::oauth::basic::form_decode(v).contains("://")
}

/// Levenshtein distance between two strings, by characters (short strings only).
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The server's `Date` header as it was sent: evidence of the server's clock.
pub(super) fn date_header(e: &Exchange) -> Option<&str> {
    e.response.as_ref().and_then(|r| r.headers.get("date"))
}

/// A 2xx answer that carries an `access_token`: the exchange issued tokens.
pub(super) fn issued_access_token(e: &Exchange) -> bool {
    e.response
        .as_ref()
        .is_some_and(|r| r.is_success() && r.field("access_token").is_some())
}

// ---------------------------------------------------------------------------------------------
// Token requests, server signals, the capture clock and the correlation lookups
// ---------------------------------------------------------------------------------------------
/// Small conveniences on the report builder.
pub(super) trait ReportExt: Sized {
    /// Mark the finding as confirmed by the server when `c` holds.
    fn confirmed_if(self, c: bool) -> Self;
}

impl ReportExt for super::Report<'_, '_> {
    fn confirmed_if(self, c: bool) -> Self {
        if c { self.confirmed() } else { self }
    }
}

/// The server's error (normalised to the standard code) is one of the catalogue's
/// server signals that confirm the rule: such a finding is marked `confirmed()` and ranks with
/// full server signal, even when the rule does not declare the code, or when the provider
/// spells the code its own way.
pub(super) fn signal_is(e: &Exchange, codes: &[&str]) -> bool {
    crate::providers::standard_code(e).is_some_and(|c| codes.contains(&c.as_str()))
}

/// Like [`signal_is`], but only for provider-specific codes (a standard code is already
/// weighed through the rule's own `explains_errors`).
pub(super) fn alias_signal(e: &Exchange, codes: &[&str]) -> bool {
    err_of(e).is_some_and(|x| standard(&x.code).is_none()) && signal_is(e, codes)
}

/// The server error of an exchange, if any.
pub(super) fn err_of(e: &Exchange) -> Option<ServerError> {
    e.server_error()
}

/// The client identity a token request authenticates as: Basic user (form-decoded), client
/// assertion `sub`, else the body `client_id`. Returns (identity, where it was read).
pub(super) fn token_identity(e: &Exchange) -> Option<(String, &'static str)> {
    if let Some(b) = e.request.basic_credentials() {
        if let Some(id) = b.decoded_id() {
            return Some((id, "request.headers.authorization (Basic user)"));
        }
    }
    if let Some(sub) = e
        .request
        .param("client_assertion")
        .and_then(|a| jwt::decode(&a).ok())
        .and_then(|d| d.claim_str("sub").map(str::to_string))
    {
        return Some((sub, "request.body.client_assertion (sub)"));
    }
    e.request
        .param("client_id")
        .map(|c| (c, "request.body.client_id"))
}
