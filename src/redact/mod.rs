//! The only place that decides what is secret and how a secret is rendered. Secrets are client
//! secrets, passwords, codes, verifiers, tokens, assertions, the values of `Authorization`,
//! `Cookie`, `Set-Cookie` and `DPoP` headers, URL passwords and the private members of JWKs
//! ([`is_secret_name`], [`is_secret_header`], JWT-looking runs of free text). Reports render
//! them as a fingerprint a person can compare, `abcd…wxyz (40 chars, sha256:1f2e3d4c)`
//! ([`fingerprint`]); every string a printer writes passes through [`Redactor::scrub`], which
//! also replaces secret values found in free text. Files (`oauth-doctor redact`, live mode's
//! `--save-capture`) render them as a [`placeholder`] with the same hash, written by
//! [`rewrite`] and [`file`](mod@file). Secrets people choose (passwords, client secrets) are
//! hashed after a salt drawn per report or per redacted capture ([`salted_fingerprint`],
//! [`salted_placeholder`]). Nothing here prints or decides exit codes.

pub mod file;
pub mod rewrite;

use crate::diagnosis::Value;
use crate::model::{Exchange, Params};
use sha2::Digest;
use std::collections::BTreeSet;
use std::fmt;

/// Parameter names whose values are secrets, wherever they appear (query, fragment, form, JSON,
/// `Location`): RFC 6749 §2.3.1, §4.1.2, §4.4.3 (`password`), §5.1, §6; RFC 7636 §4.5;
/// RFC 7521 §4.2; RFC 7523 §2.1; RFC 8628 §3.4; RFC 8693 §2.1; RFC 7009 §2.1; OIDC Core §6
/// (`request`), OIDC Back-Channel Logout §2.5; and a user's password or one-time code as
/// identity providers' sign-in pages name it (Entra's `passwd`, Okta's `passcode`).
const SECRET_PARAMS: &[&str] = &[
    "client_secret",
    "password",
    "passwd",
    "pwd",
    "passcode",
    "code",
    "code_verifier",
    "refresh_token",
    "access_token",
    "id_token",
    "client_assertion",
    "assertion",
    "subject_token",
    "actor_token",
    "device_code",
    "token",
    "logout_token",
    "request",
];

/// Header names (lower case) whose values are secrets.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "dpop",
    "x-api-key",
    "x-auth-token",
];

/// The private members of a JWK (RFC 7518 §6.2.2, §6.3.2, §6.4): secrets wherever a key set
/// is published or sent.
const JWK_PRIVATE: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "k", "oth"];

/// Where a name that may carry a secret was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// A query, fragment or form parameter, a multipart part, a `name=value` pair in text.
    Param,
    /// A JSON member. `request`: `code` is the authorization code only in a request; a
    /// response's (or an unknown text's) `code` is an error code (Graph, Google APIs). `jwk`:
    /// the member belongs to a JSON Web Key, whose private members are secrets.
    Member { request: bool, jwk: bool },
}

/// Whether the value of a parameter or JSON member called `name` is a secret: the one test
/// of a name for the report's redactor, `oauth-doctor redact`, `--save-capture` and live
/// mode. Names are compared in any letter case. A JSON member is also secret when its name
/// ends in `_token` or names a secret or a password (`SECRET_HASH`, `PASSWORD`).
pub fn is_secret_name(name: &str, named: Named) -> bool {
    let n = name.to_ascii_lowercase();
    match named {
        Named::Param => SECRET_PARAMS.contains(&n.as_str()),
        Named::Member { request, jwk } => {
            if n == "code" {
                return request;
            }
            SECRET_PARAMS.contains(&n.as_str())
                || n.ends_with("_token")
                || n.contains("secret")
                || n.contains("password")
                || n.contains("passwd")
                || n.contains("passcode")
                || (jwk && JWK_PRIVATE.contains(&name))
        }
    }
}

/// Whether the value of a header called `name` (any letter case) is a secret.
pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name.trim()))
}

/// Secrets remembered across entries for free-text search when a capture is rewritten; beyond
/// this, values are still redacted where they sit (headers, parameters, JSON members) but no
/// longer searched for in other entries' free text (bounded memory on hostile input).
const MAX_KNOWN: usize = 200_000;

/// Values shorter than this are not searched for in free text (they would match everywhere);
/// structured evidence marked secret is always fingerprinted, evidence text equal to a known
/// secret of any length too, and so is a short secret quoted in backticks or sent as a
/// `name=value` / `"name": "value"` pair of a secret parameter.
const MIN_SCRUB_LEN: usize = 6;

/// Values a broken client sends in place of a secret (`refresh_token=undefined`): they are the
/// diagnosis, not a secret, and stay readable.
pub fn is_sentinel(v: &str) -> bool {
    matches!(
        v.trim(),
        "undefined"
            | "null"
            | "None"
            | "none"
            | "nil"
            | "NaN"
            | "[object Object]"
            | "true"
            | "false"
    )
}

/// What `oauth-doctor redact` writes in place of a secret: a fingerprint spelled with URL-safe
/// characters only (`REDACTED-40c-1f2e3d4c`: 40 characters, the same sha256 prefix as the
/// report's fingerprint `abcd…wxyz (40 chars, sha256:1f2e3d4c)`), so that it survives query
/// strings, form bodies, Basic credentials, cookies and JWT segments unchanged.
pub fn placeholder(s: &str) -> String {
    let n = s.chars().count();
    format!("{PLACEHOLDER_PREFIX}{n}c-{}", sha_prefix(s))
}

/// A [`placeholder`] that keeps the shape rules check without the value: the original length
/// (padded with `0`) and the characters outside RFC 3986's unreserved set, each once, in order
/// of appearance (`+`, `/`, `=`, `%`, a space…). For PKCE verifiers (length 43–128, unreserved
/// alphabet) and client secrets (characters Basic credentials must form-encode), so that a
/// redacted capture keeps those diagnoses. Equal values get equal placeholders.
pub fn shaped_placeholder(s: &str) -> String {
    shaped_with(s, None)
}

/// The [`placeholder`] (`shaped`: [`shaped_placeholder`]) of a secret people choose (a
/// password, a client secret), its hash taken after `salt` as in [`salted_fingerprint`]: a
/// shared redacted capture does not let anyone hash guesses to find a short one.
pub fn salted_placeholder(s: &str, salt: &[u8], shaped: bool) -> String {
    if shaped {
        shaped_with(s, Some(salt))
    } else {
        placeholder_with(s, Some(salt))
    }
}

/// The first four bytes of SHA-256(salt ‖ value), in hex: the salted part of a fingerprint.
fn salted_hex(s: &str, salt: &[u8]) -> String {
    let mut h = sha2::Sha256::new();
    h.update(salt);
    h.update(s.as_bytes());
    h.finalize()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn placeholder_with(s: &str, salt: Option<&[u8]>) -> String {
    match salt {
        None => placeholder(s),
        Some(salt) => {
            let n = s.chars().count();
            format!("{PLACEHOLDER_PREFIX}{n}c-{}", salted_hex(s, salt))
        }
    }
}

fn shaped_with(s: &str, salt: Option<&[u8]>) -> String {
    // Surrounding quotes stay where they were.
    for q in ['"', '\''] {
        if s.len() >= 3 && s.starts_with(q) && s.ends_with(q) {
            return format!("{q}{}{q}", shaped_with(&s[1..s.len() - 1], salt));
        }
    }
    let base = placeholder_with(s, salt);
    let mut extra = String::new();
    for c in s.chars() {
        let unreserved = c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
        if !unreserved && !extra.contains(c) {
            extra.push(c);
        }
    }
    let n = s.chars().count();
    let pad = n.saturating_sub(base.len() + extra.chars().count());
    format!("{base}{}{extra}", "0".repeat(pad))
}

/// The start of every [`placeholder`].
pub use crate::model::masked::PLACEHOLDER_PREFIX;

/// True when `v` is (or, for a JWT, carries as its signature) a placeholder written by
/// `oauth-doctor redact` ([`crate::model::masked::is_own_placeholder`]).
pub use crate::model::masked::is_own_placeholder as is_redacted;

fn sha_prefix(s: &str) -> String {
    let digest = sha2::Sha256::digest(s.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// A secret value: `Debug` and `Display` print its fingerprint; `expose()` is explicit.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The clear value, for computation (PKCE S256, Basic decoding) — never for output.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&fingerprint(&self.0))
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&fingerprint(&self.0))
    }
}

/// `abcd…wxyz (40 chars, sha256:1f2e3d4c)`; the first and last four characters only for values
/// of 24 characters or more.
pub fn fingerprint(s: &str) -> String {
    let n = s.chars().count();
    let hex = sha_prefix(s);
    if n >= 24 {
        let head: String = s.chars().take(4).collect();
        let tail: String = s.chars().skip(n - 4).collect();
        format!("{head}…{tail} ({n} chars, sha256:{hex})")
    } else {
        format!("({n} chars, sha256:{hex})")
    }
}

/// `(12 chars, salted:1f2e3d4c)`: the fingerprint of a secret people choose (a password, a
/// client secret), hashed after `salt`, so that a short one cannot be found again from a shared
/// report by hashing candidates. Equal values under one salt have equal fingerprints; across
/// reports (different salts) they cannot be compared. Values of 24 characters or more still
/// show their first and last four characters, as [`fingerprint`] does.
pub fn salted_fingerprint(s: &str, salt: &[u8]) -> String {
    let n = s.chars().count();
    let hex = salted_hex(s, salt);
    if n >= 24 {
        let head: String = s.chars().take(4).collect();
        let tail: String = s.chars().skip(n - 4).collect();
        format!("{head}…{tail} ({n} chars, salted:{hex})")
    } else {
        format!("({n} chars, salted:{hex})")
    }
}

/// The environment variable that fixes the salt of [`salted_fingerprint`] (any text), for
/// reports that must be reproduced byte for byte (tests); never for reports that are shared.
pub const SALT_ENV: &str = "OAUTH_DOCTOR_SALT";

/// A salt drawn for one report: 16 bytes from the process's random hash keys (seeded by the
/// operating system), the time and the process id, or derived from [`SALT_ENV`] when set.
pub fn report_salt() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    let mut h = sha2::Sha256::new();
    if cfg!(test) {
        // The crate's own unit tests compare what two runs write (a saved live capture and
        // `redact` of the same exchanges): one salt for all of them.
        h.update(b"unit tests");
    } else if let Some(fixed) = std::env::var_os(SALT_ENV) {
        h.update(fixed.as_encoded_bytes());
    } else {
        for i in 0..4u64 {
            let mut x = std::collections::hash_map::RandomState::new().build_hasher();
            x.write_u64(i);
            h.update(x.finish().to_le_bytes());
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        h.update(now.to_le_bytes());
        h.update(std::process::id().to_le_bytes());
    }
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&h.finalize()[..16]);
    salt
}

/// Collect every secret value an exchange holds.
/// Exchanges from which secrets are gathered on two threads (fewer: on this one).
const PARALLEL_SECRETS_MIN: usize = 512;

/// [`secrets_of`] every exchange, the halves of a long list on two threads.
fn collect_secrets(exchanges: &[&Exchange], out: &mut BTreeSet<String>) {
    collect_secrets_from(exchanges, out, PARALLEL_SECRETS_MIN)
}

/// The secrets people choose in these exchanges ([`chosen_of`]).
fn collect_chosen(exchanges: &[&Exchange]) -> BTreeSet<String> {
    let mut chosen = BTreeSet::new();
    for e in exchanges {
        chosen_of(e, &mut chosen);
    }
    chosen
}

fn collect_secrets_from(exchanges: &[&Exchange], out: &mut BTreeSet<String>, parallel_min: usize) {
    if exchanges.len() < parallel_min.max(2) {
        for e in exchanges {
            secrets_of(e, out);
        }
        return;
    }
    let (a, b) = exchanges.split_at(exchanges.len() / 2);
    let mut other = std::thread::scope(|sc| {
        let h = sc.spawn(|| {
            let mut set = BTreeSet::new();
            for e in b {
                secrets_of(e, &mut set);
            }
            set
        });
        for e in a {
            secrets_of(e, out);
        }
        h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
    });
    out.append(&mut other);
}

/// The secrets people choose in an exchange (client secrets and passwords, in every form they
/// take: a Basic credential, its decoded `id:secret`, a URL's password), which reports
/// fingerprint with a salt drawn per report ([`salted_fingerprint`]).
pub fn chosen_of(e: &Exchange, chosen: &mut BTreeSet<String>) {
    let mut choose = |v: &str| {
        let v = v.trim();
        if !v.is_empty() && !is_sentinel(v) && !is_redacted(v) {
            chosen.insert(v.to_string());
        }
    };
    let r = &e.request;
    chosen_url_password(&r.url, &mut choose);
    for p in [&r.query, &r.form] {
        chosen_params(p, &mut choose);
    }
    if let Some(j) = &r.json {
        chosen_members(j, &mut choose, 0);
    }
    for (name, value) in r.headers.iter() {
        chosen_header(name, value, &mut choose);
    }
    if let Some(resp) = &e.response {
        for (name, value) in resp.headers.iter() {
            if name.eq_ignore_ascii_case("location") {
                chosen_params(&crate::model::signal::location_params(value), &mut choose);
                chosen_url_password(value, &mut choose);
            }
        }
    }
}

pub fn secrets_of(e: &Exchange, out: &mut BTreeSet<String>) {
    let mut add = |v: &str| {
        let v = v.trim();
        if !v.is_empty() && !is_sentinel(v) && !is_redacted(v) {
            out.insert(v.to_string());
            // A JWT's signature alone is a secret too (a rule may quote the segments).
            if crate::oauth::jwt::looks_like_jwt(v) {
                if let Some(sig) = v.rsplit('.').next().filter(|s| s.len() >= MIN_SCRUB_LEN) {
                    out.insert(sig.to_string());
                }
            }
        }
    };
    let params = |p: &Params, add: &mut dyn FnMut(&str)| {
        for (k, v) in p.iter() {
            if is_secret_name(k, Named::Param) {
                add(v);
            }
        }
    };
    let r = &e.request;
    url_password(&r.url, &mut add);
    params(&r.query, &mut add);
    params(&r.form, &mut add);
    if let Some(f) = r.parsed.as_ref().and_then(|u| u.fragment()) {
        params(&Params::parse(f), &mut add);
    }
    if let Some(j) = &r.json {
        json_secrets(j, &mut add, 0, true);
    }
    for (name, value) in r.headers.iter() {
        header_secrets(name, value, &mut add);
    }
    if let Some(resp) = &e.response {
        for (name, value) in resp.headers.iter() {
            header_secrets(name, value, &mut add);
            if name.eq_ignore_ascii_case("location") {
                params(&crate::model::signal::location_params(value), &mut add);
                url_password(value, &mut add);
            }
        }
        params(&resp.form, &mut add);
        if let Some(j) = &resp.json {
            // Response bodies carry no authorization codes, but error objects have a `code`
            // member (Graph, Google APIs) that must stay readable.
            json_secrets(j, &mut add, 0, false);
        }
        if let Some(b) = &resp.body {
            jwt_like(b, &mut add);
        }
    }
    if let Some(b) = &r.body {
        jwt_like(b, &mut add);
    }
    jwt_like(&r.url, &mut add);
}

/// Whether a parameter or member called `name` holds a value people choose (a client secret,
/// a password) rather than one a server issues.
pub fn is_chosen_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("secret") || n.contains("password")
}

fn chosen_params(p: &Params, choose: &mut dyn FnMut(&str)) {
    for (k, v) in p.iter() {
        if is_chosen_name(k) && is_secret_name(k, Named::Param) {
            choose(v);
        }
    }
}

fn chosen_url_password(text: &str, choose: &mut dyn FnMut(&str)) {
    url_password(text, choose);
}

fn chosen_members(v: &serde_json::Value, choose: &mut dyn FnMut(&str), depth: usize) {
    if depth > 16 {
        return;
    }
    match v {
        serde_json::Value::Object(o) => {
            for (k, val) in o {
                match val {
                    serde_json::Value::String(s) if is_chosen_name(k) => choose(s),
                    _ => chosen_members(val, choose, depth + 1),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| chosen_members(x, choose, depth + 1)),
        _ => {}
    }
}

/// A Basic credential holds a client secret or a password: the header, the credential, its
/// decoded `id:secret` and the secret are all salted.
fn chosen_header(name: &str, value: &str, choose: &mut dyn FnMut(&str)) {
    if !(name.eq_ignore_ascii_case("authorization")
        || name.eq_ignore_ascii_case("proxy-authorization"))
    {
        return;
    }
    let Some((scheme, cred)) = value.trim().split_once(char::is_whitespace) else {
        return;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return;
    }
    let Some(decoded) = crate::capture_support::decode_basic(cred.trim()) else {
        return;
    };
    if let Some((_, secret)) = decoded.split_once(':') {
        if secret.is_empty() {
            return;
        }
        choose(secret);
        choose(&crate::oauth::basic::form_decode(secret));
    }
    choose(value);
    choose(cred);
    choose(&decoded);
}

/// The password of a URL's userinfo (`https://user:password@host/`), raw and decoded.
fn url_password(text: &str, add: &mut dyn FnMut(&str)) {
    for (a, z) in userinfo_passwords(text) {
        let p = &text[a..z];
        add(p);
        add(&crate::oauth::basic::form_decode(p));
    }
}

/// Byte ranges of userinfo passwords in URLs found anywhere in `text`.
fn userinfo_passwords(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("://") {
        let start = at + 3;
        let auth_end = text[start..]
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace() || c == '"')
            .map_or(text.len(), |i| start + i);
        let authority = &text[start..auth_end];
        if let Some(atsign) = authority.rfind('@') {
            if let Some(colon) = authority[..atsign].find(':') {
                if colon + 1 < atsign {
                    out.push((start + colon + 1, start + atsign));
                }
            }
        }
    }
    out
}

fn header_secrets(name: &str, value: &str, add: &mut dyn FnMut(&str)) {
    if !is_secret_header(name) {
        return;
    }
    let lname = name.to_ascii_lowercase();
    add(value);
    match lname.as_str() {
        "authorization" | "proxy-authorization" => {
            if let Some((scheme, cred)) = value.trim().split_once(char::is_whitespace) {
                add(cred);
                if scheme.eq_ignore_ascii_case("basic") {
                    if let Some(decoded) = crate::capture_support::decode_basic(cred.trim()) {
                        add(&decoded);
                        if let Some((id, secret)) = decoded.split_once(':') {
                            add(secret);
                            add(&crate::oauth::basic::form_decode(secret));
                            let _ = id;
                        }
                    }
                }
            }
        }
        "cookie" => {
            for part in value.split(';') {
                if let Some((_, v)) = part.split_once('=') {
                    add(v);
                }
            }
        }
        "set-cookie" => {
            if let Some((_, v)) = value.split(';').next().unwrap_or("").split_once('=') {
                add(v);
            }
        }
        _ => {}
    }
}

fn json_secrets(v: &serde_json::Value, add: &mut dyn FnMut(&str), depth: usize, with_code: bool) {
    if depth > 16 {
        return;
    }
    match v {
        serde_json::Value::Object(o) => {
            let jwk = o.contains_key("kty");
            for (k, val) in o {
                if let serde_json::Value::String(s) = val {
                    let named = Named::Member {
                        request: with_code,
                        jwk,
                    };
                    if is_secret_name(k, named) {
                        add(s);
                    }
                    jwt_like(s, add);
                } else {
                    json_secrets(val, add, depth + 1, with_code);
                }
            }
        }
        serde_json::Value::Array(a) => a
            .iter()
            .for_each(|x| json_secrets(x, add, depth + 1, with_code)),
        _ => {}
    }
}

/// Any JWT-looking run of characters in free text.
fn jwt_like(text: &str, add: &mut dyn FnMut(&str)) {
    for r in jwt_runs(text) {
        add(&text[r]);
    }
}

/// Where JWT-looking values sit in free text: runs that start with `eyJ` (a base64url `{"`),
/// hold at least two dots and only characters of base64 or base64url (a token wrongly encoded
/// with `+`, `/` or `=` is one too). The one test of free text for tokens, for the report's
/// redactor and for rewritten captures.
fn jwt_runs(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("eyJ").map(|i| from + i) {
        let len = text[i..]
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=' | '+' | '/'))
            })
            .unwrap_or(text.len() - i);
        if text[i..i + len].matches('.').count() >= 2 {
            out.push(i..i + len);
        }
        from = i + len.max(3);
    }
    out
}

/// Renders values for output: fingerprints for secrets, scrubbed text for everything else.
pub struct Redactor {
    show: bool,
    /// For each search pattern (every secret and its encoded forms, longest first), the secret it is a form of (fingerprints name the secret, whatever its
    /// encoding in the text).
    original: Vec<usize>,
    /// Every secret, any length (held once: `all` and the patterns share these texts).
    known: Vec<std::sync::Arc<str>>,
    all: std::collections::HashSet<std::sync::Arc<str>>,
    matcher: Option<PrefixIndex>,
    /// PrefixIndex too long to index (a 10 MB token), searched one by one; (pattern, secret
    /// index).
    long: Vec<(memchr::memmem::Finder<'static>, usize)>,
    /// Secrets people choose ([`chosen_of`]): fingerprinted with `salt`.
    chosen: std::collections::HashSet<String>,
    salt: [u8; 16],
}

/// Many literal patterns of at least [`MIN_SCRUB_LEN`] bytes, indexed by their first bytes:
/// leftmost-longest matches in one pass over a text, in memory linear in the patterns (an
/// Aho-Corasick automaton over thousands of tokens costs tens of megabytes and a tenth of a
/// second to build, for texts of a few hundred bytes).
struct PrefixIndex {
    /// Pattern texts, longest first.
    texts: Vec<std::sync::Arc<str>>,
    /// First [`MIN_SCRUB_LEN`] bytes → indexes into `texts`, longest first.
    by_prefix: std::collections::HashMap<u64, Vec<u32>>,
    /// A bit per hashed prefix: most positions of a text are ruled out with one multiply
    /// and one bit test.
    bloom: Vec<u64>,
    /// For long texts (bodies `redact` rewrites), an automaton built on first use: checking
    /// candidates one by one is quadratic on a run like `AAAA…` that many positions of a
    /// pattern share, and a hostile capture can hold megabytes of it.
    automaton: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
}

/// Texts longer than this are searched with the automaton.
const LONG_TEXT: usize = 64 << 10;

const BLOOM_BITS: u32 = 20;
// A prefix must fit the 64-bit key.
const _: () = assert!(MIN_SCRUB_LEN <= 8);

impl PrefixIndex {
    fn new(texts: Vec<std::sync::Arc<str>>) -> PrefixIndex {
        let mut by_prefix: std::collections::HashMap<u64, Vec<u32>> = Default::default();
        let mut bloom = vec![0u64; 1 << (BLOOM_BITS - 6)];
        for (i, t) in texts.iter().enumerate() {
            if let Some(key) = PrefixIndex::key(t.as_bytes()) {
                by_prefix.entry(key).or_default().push(i as u32);
                let h = PrefixIndex::bit(key);
                bloom[h / 64] |= 1 << (h % 64);
            }
        }
        PrefixIndex {
            texts,
            by_prefix,
            bloom,
            automaton: std::sync::OnceLock::new(),
        }
    }

    /// The first [`MIN_SCRUB_LEN`] bytes as a number.
    fn key(b: &[u8]) -> Option<u64> {
        let p = b.get(..MIN_SCRUB_LEN)?;
        let mut k = [0u8; 8];
        k[..MIN_SCRUB_LEN].copy_from_slice(p);
        Some(u64::from_le_bytes(k))
    }

    fn bit(key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - BLOOM_BITS)) as usize
    }

    /// Leftmost-longest, non-overlapping matches: (start, end, pattern).
    fn find_iter(&self, text: &str) -> Vec<(usize, usize, usize)> {
        if text.len() > LONG_TEXT {
            let ac = self.automaton.get_or_init(|| {
                aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                    .build(self.texts.iter().map(|t| t.as_bytes()))
                    .ok()
            });
            if let Some(ac) = ac {
                return ac
                    .find_iter(text)
                    .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                    .collect();
            }
        }
        let b = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i + MIN_SCRUB_LEN <= b.len() {
            let hit = PrefixIndex::key(&b[i..])
                .filter(|&k| {
                    let h = PrefixIndex::bit(k);
                    self.bloom[h / 64] & (1 << (h % 64)) != 0
                })
                .and_then(|k| self.by_prefix.get(&k))
                .and_then(|c| {
                    c.iter()
                        .map(|&p| p as usize)
                        .find(|&p| b[i..].starts_with(self.texts[p].as_bytes()))
                });
            match hit {
                Some(p) => {
                    let end = i + self.texts[p].len();
                    out.push((i, end, p));
                    i = end;
                }
                None => i += 1,
            }
        }
        out
    }
}

/// PrefixIndex longer than this are searched with `memmem` one by one instead of being indexed.
const MAX_INDEXED_PATTERN: usize = 4096;

impl Redactor {
    /// A redactor that knows every secret of these exchanges. With `show`, it prints everything.
    pub fn new(exchanges: &[Exchange], show: bool) -> Redactor {
        let mut set = BTreeSet::new();
        let mut chosen = BTreeSet::new();
        if !show {
            let all: Vec<&Exchange> = exchanges.iter().collect();
            collect_secrets(&all, &mut set);
            chosen = collect_chosen(&all);
        }
        Redactor::from_secrets(set, show).with_chosen(chosen)
    }

    /// A redactor that knows the secrets of the exchanges a report can mention: those the
    /// findings point at and every exchange of their flows. Printers only show values from
    /// these, so large captures do not pay for secrets no output can contain.
    pub fn for_findings(analysis: &crate::Analysis, show: bool) -> Redactor {
        let mut wanted = std::collections::BTreeSet::new();
        for f in &analysis.findings {
            wanted.extend(f.anchor);
            wanted.extend(f.evidence.iter().map(|e| e.exchange));
        }
        let flows: std::collections::BTreeSet<usize> = wanted
            .iter()
            .filter_map(|i| analysis.index.flow_of.get(*i).copied())
            .collect();
        for fl in flows {
            if let Some(flow) = analysis.index.flows.get(fl) {
                wanted.extend(flow.exchanges.iter().copied());
            }
        }
        let mut set = BTreeSet::new();
        let mut chosen = BTreeSet::new();
        if !show {
            let wanted: Vec<&Exchange> = wanted
                .into_iter()
                .filter_map(|i| analysis.exchanges.get(i))
                .collect();
            collect_secrets(&wanted, &mut set);
            chosen = collect_chosen(&wanted);
        }
        Redactor::from_secrets(set, show).with_chosen(chosen)
    }

    pub fn from_secrets(set: BTreeSet<String>, show: bool) -> Redactor {
        use std::sync::Arc;
        let known: Vec<Arc<str>> = if show {
            Vec::new()
        } else {
            set.into_iter().map(Arc::from).collect()
        };
        let mut patterns: std::collections::BTreeMap<Arc<str>, usize> = Default::default();
        for (i, s) in known.iter().enumerate() {
            if s.len() > MAX_INDEXED_PATTERN {
                // Huge values (a 10 MB token) are searched as they are only.
                patterns.entry(s.clone()).or_insert(i);
                continue;
            }
            // The same value as it appears percent- or form-encoded in URLs and bodies.
            let enc = crate::oauth::basic::form_encode(s);
            let pct: String = url::form_urlencoded::byte_serialize(s.as_bytes())
                .collect::<String>()
                .replace('+', "%20");
            // JSON-escaped, as it appears inside a body quoted in a message.
            let json = serde_json::to_string(&**s).unwrap_or_default();
            let json = json[1..json.len().saturating_sub(1).max(1)].to_string();
            // The raw value first: it wins over an encoded form that happens to equal another
            // secret's raw value. An encoded form equal to the raw value is not held again.
            if s.chars().count() >= MIN_SCRUB_LEN {
                patterns.entry(s.clone()).or_insert(i);
            }
            for v in [enc, pct, json] {
                if v.chars().count() >= MIN_SCRUB_LEN && *v != **s {
                    patterns.entry(Arc::from(v)).or_insert(i);
                }
            }
        }
        type Patterns = Vec<(Arc<str>, usize)>;
        let (long, mut pairs): (Patterns, Patterns) = patterns
            .into_iter()
            .partition(|(p, _)| p.len() > MAX_INDEXED_PATTERN);
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let (secrets, original): (Vec<Arc<str>>, Vec<usize>) = pairs.into_iter().unzip();
        let matcher = if secrets.is_empty() || show {
            None
        } else {
            Some(PrefixIndex::new(secrets))
        };
        let all = known.iter().cloned().collect();
        Redactor {
            show,
            original,
            known,
            all,
            matcher,
            long: long
                .into_iter()
                .map(|(p, i)| (memchr::memmem::Finder::new(p.as_bytes()).into_owned(), i))
                .collect(),
            chosen: Default::default(),
            salt: report_salt(),
        }
    }

    /// The same redactor, fingerprinting these secrets (people's choice: passwords, client
    /// secrets) with the report's salt. Each one must also be a secret it knows.
    pub fn with_chosen(mut self, chosen: BTreeSet<String>) -> Redactor {
        if !self.show {
            self.chosen = chosen.into_iter().collect();
        }
        self
    }

    /// How this report renders a secret: salted for the values people choose (and for those
    /// sent under a name that says so, `password=…`), the stable fingerprint for the rest.
    fn fp(&self, s: &str, chosen_name: bool) -> String {
        if chosen_name || self.chosen.contains(s) {
            salted_fingerprint(s, &self.salt)
        } else {
            fingerprint(s)
        }
    }

    pub fn shows_secrets(&self) -> bool {
        self.show
    }

    /// Whether `v` is one of the secrets this redactor knows (any length).
    pub fn is_secret(&self, v: &str) -> bool {
        !self.show && self.all.contains(v.trim())
    }

    /// Render an evidence value.
    pub fn value(&self, v: &Value) -> String {
        match v {
            Value::Text(t) if self.is_secret(t) => self.fp(t.trim(), false),
            Value::Text(t) => self.scrub(t),
            Value::Secret(s) if self.show => s.clone(),
            Value::Secret(s) => self.fp(s, false),
        }
    }

    /// Replace every known secret inside free text by its fingerprint, and every value sent as
    /// a secret parameter (`code=…`, `"refresh_token": "…"`, a URL's password) whether known or
    /// not.
    pub fn scrub(&self, text: &str) -> String {
        if self.show {
            return text.to_string();
        }
        self.replace_ranges(text, &mut |s, chosen_name| self.fp(s, chosen_name))
    }

    /// Replace every secret in free text (as [`Redactor::scrub`] finds them) by what `with`
    /// makes of the secret's clear value.
    pub fn replace_with(&self, text: &str, with: &mut dyn FnMut(&str) -> String) -> String {
        self.replace_ranges(text, &mut |s, _| with(s))
    }

    /// [`Redactor::replace_with`]; `with` also learns whether the value was sent under a name
    /// of a secret people choose (`password=…`, `"client_secret": "…"`).
    pub(super) fn replace_ranges(
        &self,
        text: &str,
        with: &mut dyn FnMut(&str, bool) -> String,
    ) -> String {
        let mut ranges: Vec<(usize, usize, Option<usize>)> = Vec::new();
        let mut chosen_at: Vec<usize> = Vec::new();
        if let Some(m) = &self.matcher {
            for (a, z, p) in m.find_iter(text) {
                ranges.push((a, z, Some(self.original[p])));
            }
        }
        for (finder, orig) in &self.long {
            let n = finder.needle().len();
            if text.len() < n {
                continue;
            }
            for at in finder.find_iter(text.as_bytes()) {
                ranges.push((at, at + n, Some(*orig)));
            }
        }
        for (a, z, chosen) in structural_secrets(text) {
            ranges.push((a, z, None));
            if chosen {
                chosen_at.push(a);
            }
        }
        if !self.all.is_empty() {
            // Short secrets quoted as OAuth values are (`code \`abc\` was already used`).
            let mut from = 0;
            while let Some(open) = text[from..].find('`').map(|i| from + i) {
                let Some(close) = text[open + 1..].find('`').map(|i| open + 1 + i) else {
                    break;
                };
                let inner = &text[open + 1..close];
                if !inner.is_empty() && self.all.contains(inner) {
                    ranges.push((open + 1, close, None));
                }
                from = close + 1;
            }
        }
        if ranges.is_empty() {
            return text.to_string();
        }
        ranges.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        // Merge overlapping ranges; a merged range is fingerprinted as the text it covers.
        let mut merged: Vec<(usize, usize, Option<usize>)> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.0 < last.1 => {
                    if r.1 > last.1 {
                        last.1 = r.1;
                        last.2 = None;
                    }
                }
                _ => merged.push(r),
            }
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (a, z, orig) in merged {
            out.push_str(&text[last..a]);
            let covered = &text[a..z];
            let chosen_name = chosen_at.contains(&a);
            let fp = match orig {
                Some(i) => with(&self.known[i], chosen_name),
                None => {
                    let decoded = crate::oauth::basic::form_decode(covered);
                    if self.all.contains(decoded.as_str()) {
                        with(&decoded, chosen_name)
                    } else {
                        with(covered, chosen_name)
                    }
                }
            };
            out.push_str(&fp);
            last = z;
        }
        out.push_str(&text[last..]);
        out
    }
}

/// A value that only stands for one in prose (`code=…`, `code=<code>`), or that is already a
/// fingerprint or a redaction placeholder.
fn stand_in(v: &str) -> bool {
    v.is_empty()
        || v.starts_with(['(', '<', '{', '$', '…', '`', '*', '['])
        || v.starts_with("...")
        || !v.chars().any(char::is_alphanumeric)
        || is_sentinel(v)
        || is_redacted(v)
}

/// Byte ranges of values sent as secrets in free text: `name=value` pairs of secret
/// parameters (URLs, form bodies, challenges), `"name": "value"` JSON members and URL userinfo
/// passwords.
fn structural_secrets(text: &str) -> Vec<(usize, usize, bool)> {
    let mut out: Vec<(usize, usize, bool)> = userinfo_passwords(text)
        .into_iter()
        .map(|(a, z)| (a, z, true))
        .collect();
    let bytes = text.as_bytes();
    let name_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.';
    for eq in memchr::memchr_iter(b'=', bytes) {
        let mut s = eq;
        while s > 0 && name_byte(bytes[s - 1]) {
            s -= 1;
        }
        if s == eq || !is_secret_name(&text[s..eq], Named::Param) {
            continue;
        }
        let chosen = is_chosen_name(&text[s..eq]);
        let mut z = eq + 1;
        // A quoted value (`error_description="…"` is not a secret name, `token="…"` is).
        let quoted = bytes.get(z) == Some(&b'"');
        if quoted {
            z += 1;
        }
        let a = z;
        while z < bytes.len() {
            let b = bytes[z];
            let stop = if quoted {
                b == b'"'
            } else {
                matches!(
                    b,
                    b'&' | b'#'
                        | b'"'
                        | b'\''
                        | b'`'
                        | b'<'
                        | b'>'
                        | b')'
                        | b';'
                        | b','
                        | b']'
                        | b'}'
                ) || b.is_ascii_whitespace()
            };
            if stop {
                break;
            }
            z += 1;
        }
        if !stand_in(&text[a..z]) {
            out.push((a, z, chosen));
        }
    }
    // multipart/form-data parts: `name="client_secret"`, a blank line, the value.
    for (at, _) in text.match_indices("name=\"") {
        let rest = &text[at + 6..];
        let Some(end) = rest.find('"') else { continue };
        if !is_secret_name(&rest[..end], Named::Param) {
            continue;
        }
        let after = &rest[end + 1..];
        let Some(blank) = after
            .find("\r\n\r\n")
            .map(|i| i + 4)
            .or_else(|| after.find("\n\n").map(|i| i + 2))
        else {
            continue;
        };
        // Only the part's own headers may stand between the name and the blank line.
        if after[..blank].lines().count() > 4 {
            continue;
        }
        let value = &after[blank..];
        let len = value.find(['\r', '\n']).unwrap_or(value.len());
        let a = text.len() - value.len();
        if !stand_in(&value[..len]) {
            out.push((a, a + len, is_chosen_name(&rest[..end])));
        }
    }
    // "name": "value" (also with escaped quotes, as in a body quoted inside JSON).
    for (at, _) in text.match_indices('"') {
        let rest = &text[at + 1..];
        let Some(end) = rest.find('"') else { continue };
        let name = rest[..end].trim_end_matches('\\');
        // Text of unknown origin: its `code` members are taken for error codes.
        let member = Named::Member {
            request: false,
            jwk: false,
        };
        if name.is_empty() || !name.bytes().all(name_byte) || !is_secret_name(name, member) {
            continue;
        }
        let after = &rest[end + 1..];
        let after_t = after.trim_start();
        let Some(after_c) = after_t.strip_prefix(':') else {
            continue;
        };
        let after_v = after_c.trim_start();
        let (after_v, esc) = match after_v.strip_prefix("\\\"") {
            Some(x) => (x, true),
            None => match after_v.strip_prefix('"') {
                Some(x) => (x, false),
                None => continue,
            },
        };
        let a = text.len() - after_v.len();
        let mut z = a;
        let vb = after_v.as_bytes();
        let mut i = 0;
        while i < vb.len() {
            match vb[i] {
                b'\\' if esc && vb.get(i + 1) == Some(&b'"') => break,
                b'\\' => i += 2,
                b'"' => break,
                _ => i += 1,
            }
        }
        z += i.min(vb.len());
        if !stand_in(&text[a..z]) {
            out.push((a, z, is_chosen_name(name)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_index_finds_leftmost_longest_matches() {
        let mut pats = ["abcdefgh", "abcdef", "cdefghij", "zzzzzz"];
        pats.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        let idx = PrefixIndex::new(pats.iter().map(|p| std::sync::Arc::from(*p)).collect());
        let found: Vec<(usize, usize, &str)> = idx
            .find_iter("xxabcdefghij abcdefX zzzzzzz cdefghij")
            .into_iter()
            .map(|(a, z, p)| (a, z, pats[p]))
            .collect();
        // The longest pattern at the leftmost start wins, and matches do not overlap.
        assert_eq!(
            found,
            [
                (2, 10, "abcdefgh"),
                (13, 19, "abcdef"),
                (21, 27, "zzzzzz"),
                (29, 37, "cdefghij"),
            ]
        );
        assert!(idx.find_iter("abcde").is_empty());
        // A long text takes the automaton, with the same matches.
        let pad = "-".repeat(LONG_TEXT);
        let long = format!("{pad}xxabcdefghij abcdefX");
        let shift = |v: Vec<(usize, usize, usize)>| -> Vec<(usize, usize, usize)> {
            v.into_iter()
                .map(|(a, z, p)| (a - pad.len(), z - pad.len(), p))
                .collect()
        };
        assert_eq!(
            shift(idx.find_iter(&long)),
            idx.find_iter("xxabcdefghij abcdefX")
        );
    }

    #[test]
    fn secret_names_in_every_place() {
        let member = |request| Named::Member {
            request,
            jwk: false,
        };
        for n in ["code", "Client_Secret", "refresh_token", "request"] {
            assert!(is_secret_name(n, Named::Param), "{n}");
        }
        for n in [
            "state",
            "client_id",
            "code_challenge",
            "SECRET_HASH",
            "id_token_hint",
        ] {
            assert!(!is_secret_name(n, Named::Param), "{n}");
        }
        // A response's `code` is an error code; a request's is the authorization code.
        assert!(is_secret_name("code", member(true)));
        assert!(!is_secret_name("code", member(false)));
        for n in ["SECRET_HASH", "PASSWORD", "session_token", "access_token"] {
            assert!(is_secret_name(n, member(false)), "{n}");
        }
        assert!(!is_secret_name("d", member(true)));
        assert!(is_secret_name(
            "d",
            Named::Member {
                request: false,
                jwk: true
            }
        ));
        assert!(is_secret_header("Set-Cookie") && is_secret_header("dpop"));
        assert!(!is_secret_header("Content-Type"));
    }

    #[test]
    fn jwt_runs_find_tokens_in_text() {
        let t = "x eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.c2ln+/= y eyJonlyone.part z";
        let runs: Vec<&str> = jwt_runs(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(runs, ["eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.c2ln+/="]);
    }

    #[test]
    fn fingerprint_shape_follows_design() {
        let long = "abcdefghijklmnopqrstuvwxyz0123456789ABCD";
        let f = fingerprint(long);
        assert!(f.starts_with("abcd…ABCD (40 chars, sha256:"), "{f}");
        let short = fingerprint("s3cr3t-value");
        assert!(short.starts_with("(12 chars, sha256:"), "{short}");
        assert!(!short.contains("s3cr"));
        assert_eq!(format!("{}", Secret::new("s3cr3t-value")), short);
    }

    #[test]
    fn scrub_replaces_raw_and_encoded_forms() {
        let set: BTreeSet<String> = ["p@ss w0rd/+x".to_string()].into_iter().collect();
        let r = Redactor::from_secrets(set, false);
        let out = r.scrub("a p@ss w0rd/+x b p%40ss+w0rd%2F%2Bx c");
        assert!(!out.contains("w0rd"), "{out}");
    }

    /// Secrets gathered on two threads are those gathered on one.
    #[test]
    fn two_threads_gather_the_same_secrets() {
        let exchanges = crate::capture::all_fixture_exchanges();
        let mut one = BTreeSet::new();
        for e in &exchanges {
            secrets_of(e, &mut one);
        }
        let mut two = BTreeSet::new();
        collect_secrets_from(&exchanges.iter().collect::<Vec<_>>(), &mut two, 2);
        assert!(one.len() > 100, "{}", one.len());
        assert_eq!(one, two);
    }
}
