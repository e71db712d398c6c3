//! The protocol decoders on arbitrary text: form/query parameters, URLs, Location parameters,
//! JWT decoding, Basic credentials, WWW-Authenticate challenges, PKCE, and the redactor's
//! scrubbing of free text. Must never panic; the redactor must never print a secret it knows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_doctor::model::{Headers, Params, Request};
use oauth_doctor::redact::{Redactor, fingerprint};
use std::collections::BTreeSet;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_at(
        text.char_indices()
            .nth(text.chars().count() / 2)
            .map_or(text.len(), |(i, _)| i),
    );
    let _ = Params::parse(&text);
    let _ = oauth_doctor::oauth::errors::location_params(&text);
    let _ = oauth_doctor::oauth::jwt::decode(&text);
    let _ = oauth_doctor::oauth::basic::form_decode(&text);
    let _ = oauth_doctor::oauth::www_auth::parse(&text);
    let _ = oauth_doctor::oauth::pkce::s256(&text);
    let req = Request::new(
        "POST",
        a,
        Headers::new(vec![
            ("Authorization".into(), format!("Basic {b}")),
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
        ]),
        Some(b.to_string()),
    );
    let _ = oauth_doctor::oauth::basic::basic_credentials(&req);
    // A secret taken from the input is never printed by scrub.
    if a.chars().count() >= 6 && !a.trim().is_empty() && a.trim() == a {
        let set: BTreeSet<String> = [a.to_string()].into_iter().collect();
        let r = Redactor::from_secrets(set, false);
        let out = r.scrub(&format!("{b} {a} {b}"));
        assert!(!out.replace(&fingerprint(a), "").contains(a), "{out}");
    }
});
