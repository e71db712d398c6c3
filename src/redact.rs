//! The only way a secret value reaches any output. Secrets (DESIGN.md: client secrets,
//! passwords, codes, verifiers, tokens, assertions, `Authorization`/`Cookie`/`Set-Cookie`/`DPoP`
//! values) are rendered as a fingerprint a person can compare:
//! `abcd…wxyz (40 chars, sha256:1f2e3d4c)`. Every string a printer writes passes through
//! [`Redactor::scrub`], which also replaces any secret value found in free text.

use crate::diagnosis::Value;
use crate::model::{Exchange, Params};
use aho_corasick::{AhoCorasick, MatchKind};
use sha2::Digest;
use std::collections::BTreeSet;
use std::fmt;

/// Parameter names whose values are secrets, wherever they appear (query, form, JSON, Location).
pub const SECRET_PARAMS: &[&str] = &[
    "client_secret",
    "password",
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

/// Header names whose values are secrets.
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "dpop",
    "x-api-key",
    "x-auth-token",
];

/// Values shorter than this are not searched for in free text (they would match everywhere);
/// structured evidence marked secret is always fingerprinted.
const MIN_SCRUB_LEN: usize = 6;

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
    let digest = sha2::Sha256::digest(s.as_bytes());
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    if n >= 24 {
        let head: String = s.chars().take(4).collect();
        let tail: String = s.chars().skip(n - 4).collect();
        format!("{head}…{tail} ({n} chars, sha256:{hex})")
    } else {
        format!("({n} chars, sha256:{hex})")
    }
}

/// Collect every secret value an exchange holds.
pub fn secrets_of(e: &Exchange, out: &mut BTreeSet<String>) {
    let mut add = |v: &str| {
        let v = v.trim();
        if !v.is_empty() {
            out.insert(v.to_string());
        }
    };
    let params = |p: &Params, add: &mut dyn FnMut(&str)| {
        for (k, v) in p.iter() {
            if SECRET_PARAMS.contains(&k) {
                add(v);
            }
        }
    };
    let r = &e.request;
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
                params(&crate::oauth::errors::location_params(value), &mut add);
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

fn header_secrets(name: &str, value: &str, add: &mut dyn FnMut(&str)) {
    let lname = name.to_ascii_lowercase();
    if !SECRET_HEADERS.contains(&lname.as_str()) {
        return;
    }
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
            for (k, val) in o {
                if let serde_json::Value::String(s) = val {
                    let code = k == "code";
                    if (code && with_code)
                        || (!code && SECRET_PARAMS.contains(&k.as_str()))
                        || k.ends_with("_token")
                        || k.ends_with("secret")
                    {
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
    let mut rest = text;
    while let Some(i) = rest.find("eyJ") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=' | '+' | '/'))
            })
            .unwrap_or(tail.len());
        let cand = &tail[..end];
        if cand.matches('.').count() >= 2 {
            add(cand);
        }
        rest = &tail[end.max(3)..];
    }
}

/// Renders values for output: fingerprints for secrets, scrubbed text for everything else.
pub struct Redactor {
    show: bool,
    secrets: Vec<String>,
    matcher: Option<AhoCorasick>,
}

impl Redactor {
    /// A redactor that knows every secret of these exchanges. With `show`, it prints everything.
    pub fn new(exchanges: &[Exchange], show: bool) -> Redactor {
        let mut set = BTreeSet::new();
        if !show {
            for e in exchanges {
                secrets_of(e, &mut set);
            }
        }
        Redactor::from_secrets(set, show)
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
        if !show {
            for i in wanted {
                if let Some(e) = analysis.exchanges.get(i) {
                    secrets_of(e, &mut set);
                }
            }
        }
        Redactor::from_secrets(set, show)
    }

    pub fn from_secrets(set: BTreeSet<String>, show: bool) -> Redactor {
        let mut all = BTreeSet::new();
        for s in set {
            // The same value as it appears percent- or form-encoded in URLs and bodies.
            let enc = crate::oauth::basic::form_encode(&s);
            let pct: String = url::form_urlencoded::byte_serialize(s.as_bytes())
                .collect::<String>()
                .replace('+', "%20");
            for v in [s, enc, pct] {
                if v.chars().count() >= MIN_SCRUB_LEN {
                    all.insert(v);
                }
            }
        }
        let mut secrets: Vec<String> = all.into_iter().collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        let matcher = if secrets.is_empty() || show {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&secrets)
                .ok()
        };
        Redactor {
            show,
            secrets,
            matcher,
        }
    }

    pub fn shows_secrets(&self) -> bool {
        self.show
    }

    /// Render an evidence value.
    pub fn value(&self, v: &Value) -> String {
        match v {
            Value::Text(t) => self.scrub(t),
            Value::Secret(s) if self.show => s.clone(),
            Value::Secret(s) => fingerprint(s),
        }
    }

    /// Replace every known secret inside free text by its fingerprint.
    pub fn scrub(&self, text: &str) -> String {
        let Some(m) = &self.matcher else {
            return text.to_string();
        };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for mat in m.find_iter(text) {
            out.push_str(&text[last..mat.start()]);
            out.push_str(&fingerprint(&self.secrets[mat.pattern().as_usize()]));
            last = mat.end();
        }
        out.push_str(&text[last..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
