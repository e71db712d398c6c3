//! How the strings of a capture are rewritten for `oauth-doctor redact` and `--save-capture`:
//! every secret becomes a [`placeholder`] (`REDACTED-40c-1f2e3d4c`, the report's fingerprint
//! spelled with URL-safe characters), JWTs keep their header and claims and lose their
//! signature (`header.claims.REDACTED-…`; an unsigned token, the credential itself, also has
//! its claims re-encoded so that none of it is left as sent), Basic credentials keep their client id, cookies their
//! names; PKCE challenges and token hashes follow the values they are computed from, so that a
//! redacted capture keeps its diagnosis. A JSON walker copies everything byte for byte except the
//! strings it changes. Reading and writing files is [`super::file`]'s.

use super::{
    MAX_KNOWN, Named, Redactor, is_chosen_name, is_redacted, is_secret_header, is_secret_name,
    is_sentinel, placeholder, salted_placeholder, shaped_placeholder,
};
use base64::Engine;
use std::collections::{BTreeMap, BTreeSet};

/// One segment of the path to a JSON string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Seg {
    Key(String),
    Index(usize),
}

/// The rewriting logic: decides, for every string of a document, what it becomes.
pub(super) struct Rewriter {
    red: Redactor,
    pub(super) counts: BTreeMap<String, usize>,
    /// Clear values replaced (pass 1 learns them for pass 2's free-text search).
    pub(super) learned: BTreeSet<String>,
    /// Pass 1 on an unrelated entry: leave bodies alone.
    pub(super) skip_bodies: bool,
    /// PKCE verifiers seen (pass 1), for [`Rewriter::challenges`].
    verifiers: BTreeSet<String>,
    /// Authorization codes seen (pass 1): a code altered on its way (cut, encoded twice, `+`
    /// turned into a space) gets the same alteration of the original's placeholder.
    codes: BTreeSet<String>,
    /// S256 challenge of a verifier → S256 challenge of its placeholder: a verifier that
    /// matched its challenge still matches it after redaction, a wrong one still does not.
    challenges: BTreeMap<String, String>,
    /// Access tokens seen (pass 1), for [`Rewriter::hashes`].
    tokens: BTreeSet<String>,
    /// Hash of a token or code (`at_hash`, `c_hash`, DPoP `ath`) → the same hash of what
    /// replaces it, written into the claims of JWTs whose signature is removed anyway.
    hashes: BTreeMap<String, String>,
    /// Secrets people choose (passwords, client secrets): their placeholders are salted.
    chosen: BTreeSet<String>,
    /// The salt of this capture's salted placeholders.
    salt: [u8; 16],
}

/// Paths deeper than this are free text (no HAR or dump field of interest is deeper).
const MAX_PATH: usize = 12;

impl Rewriter {
    pub(super) fn new(known: BTreeSet<String>) -> Rewriter {
        Rewriter {
            red: Redactor::from_secrets(known, false),
            counts: BTreeMap::new(),
            learned: BTreeSet::new(),
            skip_bodies: false,
            verifiers: BTreeSet::new(),
            codes: BTreeSet::new(),
            challenges: BTreeMap::new(),
            tokens: BTreeSet::new(),
            hashes: BTreeMap::new(),
            chosen: BTreeSet::new(),
            salt: super::report_salt(),
        }
    }

    /// The placeholder of a secret: salted when people choose it.
    fn ph(&self, t: &str, shaped: bool) -> String {
        if self.chosen.contains(t) {
            salted_placeholder(t, &self.salt, shaped)
        } else if shaped {
            shaped_placeholder(t)
        } else {
            placeholder(t)
        }
    }

    /// The placeholder of a code that is an alteration of another code seen in the capture:
    /// the same alteration applied to the other code's placeholder, so that the relation (and
    /// the diagnosis that reads it) survives without either value.
    fn altered_code(&self, s: &str) -> Option<String> {
        for d in self
            .codes
            .iter()
            .filter(|d| d.as_str() != s && !d.is_empty())
        {
            let p = shaped_placeholder(d);
            if s.contains('%') && crate::oauth::basic::percent_decode(s) == *d {
                return Some(
                    url::form_urlencoded::byte_serialize(p.as_bytes())
                        .collect::<String>()
                        .replace('+', "%20"),
                );
            }
            if d.contains('+') && s == d.replace('+', " ") {
                return Some(p.replace('+', " "));
            }
            let n = s.chars().count();
            if n >= PLACEHOLDER_MIN
                && n < d.chars().count()
                && d.starts_with(s)
                && !d[s.len()..].starts_with(['&', '#', '?', ';', ' '])
            {
                return Some(p.chars().take(n).collect());
            }
            if let Some(rest) = s.strip_prefix(d.as_str()) {
                if rest.starts_with(['&', '#', '?', ';', ' ']) {
                    return Some(format!("{p}{rest}"));
                }
            }
        }
        None
    }

    /// Take over what a learning pass found about PKCE and codes.
    pub(super) fn learned_from(self, learn: &Rewriter) -> Rewriter {
        let mut rw = self.with_verifiers(&learn.verifiers);
        rw.codes = learn.codes.clone();
        rw.chosen = learn.chosen.clone();
        rw.tokens = learn.tokens.clone();
        let mut pairs: Vec<(String, String)> = Vec::new();
        for t in &learn.tokens {
            let mut scratch = Rewriter::new(BTreeSet::new());
            let new = scratch.secret(t, "access_token");
            pairs.push((t.clone(), new));
        }
        for c in &learn.codes {
            let mut scratch = Rewriter::new(BTreeSet::new());
            scratch.codes = learn.codes.clone();
            let new = scratch.secret(c, "code");
            pairs.push((c.clone(), new));
        }
        for (old, new) in pairs {
            if old == new {
                continue;
            }
            // DPoP `ath` (RFC 9449 §4.2): the whole SHA-256; OIDC `at_hash`/`c_hash`: the left
            // half of the hash of the ID token's algorithm.
            rw.hashes.insert(
                crate::oauth::pkce::s256(&old),
                crate::oauth::pkce::s256(&new),
            );
            for alg in ["RS256", "RS384", "RS512"] {
                if let (Some(a), Some(b)) = (
                    crate::oauth::jwt::left_half_hash(alg, &old),
                    crate::oauth::jwt::left_half_hash(alg, &new),
                ) {
                    rw.hashes.insert(a, b);
                }
            }
        }
        rw
    }

    /// Take over what a learning pass found about PKCE.
    fn with_verifiers(mut self, verifiers: &BTreeSet<String>) -> Rewriter {
        for v in verifiers {
            let c = crate::oauth::pkce::s256(v);
            self.challenges
                .insert(c, crate::oauth::pkce::s256(&shaped_placeholder(v)));
            // `plain`: the challenge is the verifier itself.
            self.challenges.insert(v.clone(), shaped_placeholder(v));
        }
        self
    }

    /// A `code_challenge` value as it must read after redaction.
    fn challenge(&self, c: &str) -> Option<String> {
        self.challenges.get(c.trim()).cloned()
    }

    pub(super) fn total(&self) -> usize {
        self.counts.values().sum()
    }

    fn count(&mut self, kind: &str, clear: &str) {
        *self.counts.entry(kind.to_string()).or_default() += 1;
        if self.learned.len() < MAX_KNOWN {
            self.learned.insert(clear.to_string());
        }
    }

    /// Rewrite a JSON text (a whole document, an entry, or NDJSON lines).
    pub(super) fn document(&mut self, text: &str) -> String {
        // First walk: the `name` (and `encoding`) of every object, for the walk that rewrites
        // (a header's `value` may come before its `name`).
        let mut names: BTreeMap<Vec<Seg>, (String, String)> = BTreeMap::new();
        walk(text, &mut |path, lit| {
            if let Some(Seg::Key(k)) = path.last() {
                if (k == "name" || k == "encoding" || k == "mimeType") && lit.len() < 4096 {
                    let v = decode_lit(lit);
                    let e = names.entry(path[..path.len() - 1].to_vec()).or_default();
                    if k == "name" {
                        e.0 = v;
                    } else if k == "encoding" {
                        e.1 = v;
                    }
                }
            }
            if let (Some(Seg::Index(0)), Some(Seg::Index(_))) =
                (path.last(), path.len().checked_sub(2).map(|i| &path[i]))
            {
                // `["name", "value"]` header pairs.
                if lit.len() < 4096 {
                    names.entry(path[..path.len() - 1].to_vec()).or_default().0 = decode_lit(lit);
                }
            }
            None
        });
        walk(text, &mut |path, lit| self.string(path, lit, &names))
    }

    /// The replacement literal for one JSON string, or `None` to keep it byte for byte.
    fn string(
        &mut self,
        path: &[Seg],
        lit: &str,
        names: &BTreeMap<Vec<Seg>, (String, String)>,
    ) -> Option<String> {
        // Relative to the innermost `request` / `response`.
        let at = path
            .iter()
            .rposition(|s| matches!(s, Seg::Key(k) if k == "request" || k == "response"));
        let (side, rel) = match at {
            Some(i) => (
                match &path[i] {
                    Seg::Key(k) => k.as_str(),
                    Seg::Index(_) => "",
                },
                &path[i + 1..],
            ),
            None => ("", path),
        };
        let last_key = match rel.last() {
            Some(Seg::Key(k)) => k.as_str(),
            _ => "",
        };
        if self.skip_bodies && matches!(last_key, "text" | "body" | "body_base64") {
            return None;
        }
        if path.len() > MAX_PATH {
            return self.changed(lit, |rw, s| rw.free_text(s, "free text"));
        }
        let sibling_name = |upto: usize| -> Option<&(String, String)> {
            let prefix_len = path.len() - rel.len() + upto;
            names.get(&path[..prefix_len])
        };
        let is_request = side == "request";
        match (side, rel) {
            (_, [Seg::Key(k)]) if k == "url" && !side.is_empty() => {
                self.changed(lit, |rw, s| rw.url(s))
            }
            ("response", [Seg::Key(k)]) if k == "redirectURL" => {
                self.changed(lit, |rw, s| rw.url(s))
            }
            // Headers: `[{name, value}]`, `[[name, value]]`, `{name: value}`, `{name: [values]}`.
            (_, [Seg::Key(h), Seg::Index(_), Seg::Key(v)]) if h == "headers" && v == "value" => {
                let name = sibling_name(2).map(|n| n.0.clone()).unwrap_or_default();
                self.changed(lit, |rw, s| rw.header(&name, s))
            }
            (_, [Seg::Key(h), Seg::Index(_), Seg::Index(1)]) if h == "headers" => {
                let name = sibling_name(2).map(|n| n.0.clone()).unwrap_or_default();
                self.changed(lit, |rw, s| rw.header(&name, s))
            }
            (_, [Seg::Key(h), Seg::Key(name)])
            | (_, [Seg::Key(h), Seg::Key(name), Seg::Index(_)])
                if h == "headers" =>
            {
                let name = name.clone();
                self.changed(lit, |rw, s| rw.header(&name, s))
            }
            (_, [Seg::Key(c), Seg::Index(_), Seg::Key(v)]) if c == "cookies" && v == "value" => {
                self.changed(lit, |rw, s| rw.secret(s, "cookie"))
            }
            (_, [Seg::Key(q), Seg::Index(_), Seg::Key(v)])
                if (q == "queryString") && v == "value" =>
            {
                let name = sibling_name(2).map(|n| n.0.clone()).unwrap_or_default();
                self.changed(lit, |rw, s| rw.param(&name, s))
            }
            (_, [Seg::Key(p), Seg::Key(q), Seg::Index(_), Seg::Key(v)])
                if p == "postData" && q == "params" && v == "value" =>
            {
                let name = sibling_name(3).map(|n| n.0.clone()).unwrap_or_default();
                self.changed(lit, |rw, s| rw.param(&name, s))
            }
            (_, [Seg::Key(p), Seg::Key(t)]) if p == "postData" && t == "text" => {
                let base64 = sibling_name(1).is_some_and(|n| n.1.eq_ignore_ascii_case("base64"));
                self.body_lit(lit, base64, is_request)
            }
            ("response", [Seg::Key(c), Seg::Key(t)]) if c == "content" && t == "text" => {
                let base64 = sibling_name(1).is_some_and(|n| n.1.eq_ignore_ascii_case("base64"));
                self.body_lit(lit, base64, false)
            }
            (_, [Seg::Key(b)]) if b == "body" && !side.is_empty() => {
                self.body_lit(lit, false, is_request)
            }
            (_, [Seg::Key(b)]) if b == "body_base64" && !side.is_empty() => {
                self.body_lit(lit, true, is_request)
            }
            _ => self.changed(lit, |rw, s| rw.free_text(s, "free text")),
        }
    }

    /// Decode a literal, apply `f`, and re-encode when the value changed.
    fn changed(&mut self, lit: &str, f: impl FnOnce(&mut Self, &str) -> String) -> Option<String> {
        let s = decode_lit(lit);
        let new = f(self, &s);
        (new != s).then(|| serde_json::to_string(&new).unwrap_or_else(|_| lit.to_string()))
    }

    fn body_lit(&mut self, lit: &str, base64: bool, is_request: bool) -> Option<String> {
        if !base64 {
            return self.changed(lit, |rw, s| rw.body(s, is_request));
        }
        let s = decode_lit(lit);
        let bytes = crate::capture_support::base64_body(&s)?;
        let text = String::from_utf8(bytes).ok()?;
        let new = self.body(&text, is_request);
        (new != text).then(|| {
            let enc = base64::engine::general_purpose::STANDARD.encode(new.as_bytes());
            serde_json::to_string(&enc).unwrap_or_else(|_| lit.to_string())
        })
    }

    /// A secret value: a JWT keeps header and claims, anything else becomes a placeholder.
    fn secret(&mut self, v: &str, kind: &str) -> String {
        let t = v.trim();
        let token_kind = matches!(kind, "access_token" | "authorization" | "id_token");
        if token_kind && is_redacted(t) && self.tokens.len() < MAX_KNOWN {
            // Already redacted (a second run): still the whole token a cut one is cut from.
            self.tokens.insert(t.to_string());
        }
        if t.is_empty() || is_sentinel(t) || is_redacted(t) {
            return v.to_string();
        }
        if token_kind {
            // A JWT cut short (a column or header too small): the same cut of the whole
            // token's redacted form, which is its header and claims (JWT008 reads the cut).
            if let Some(p) = self.cut_token(t) {
                return v.replace(t, &p);
            }
            if self.tokens.len() < MAX_KNOWN {
                self.tokens.insert(t.to_string());
            }
        }
        // A quoted value keeps its quotes (`Bearer "…"` is a diagnosis of its own).
        for q in ['"', '\''] {
            if t.len() >= 3 && t.starts_with(q) && t.ends_with(q) {
                let inner = self.secret(&t[1..t.len() - 1], kind);
                return v.replace(t, &format!("{q}{inner}{q}"));
            }
        }
        if let Some(stripped) = self.strip_jwt(t) {
            return v.replace(t, &stripped);
        }
        self.count(kind, t);
        if is_chosen_name(kind) && self.chosen.len() < MAX_KNOWN {
            self.chosen.insert(t.to_string());
        }
        // Shape checks (verifier length and alphabet, characters a secret must encode, a
        // code's length or encoding) keep working on these.
        let shaped = matches!(kind, "code_verifier" | "client_secret" | "code");
        if kind == "code_verifier" {
            self.verifiers.insert(t.to_string());
        }
        if kind == "code" {
            if let Some(p) = self.altered_code(t) {
                return v.replace(t, &p);
            }
            if self.codes.len() < MAX_KNOWN {
                self.codes.insert(t.to_string());
            }
        }
        let p = self.ph(t, shaped);
        v.replace(t, &p)
    }

    /// `header.claims.REDACTED-…` for a JWS; `None` when `v` is not one.
    fn strip_jwt(&mut self, v: &str) -> Option<String> {
        let parts: Vec<&str> = v.split('.').collect();
        if parts.len() == 5 && v.starts_with("eyJ") && !is_redacted(parts[1]) {
            // A JWE: its protected header is readable metadata (alg, enc, kid); the key, IV,
            // ciphertext and tag become placeholders, in five segments still.
            self.count("jwe", v);
            let p = placeholder(v);
            return Some(format!("{}.{p}.{p}.{p}.{p}", parts[0]));
        }
        if parts.len() == 5 && v.starts_with("eyJ") {
            return Some(v.to_string());
        }
        if parts.len() != 3 || !v.starts_with("eyJ") {
            return None;
        }
        let b64 = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
        };
        if !b64(parts[0]) || !(parts[1].is_empty() || b64(parts[1])) {
            return None;
        }
        let sig = parts[2];
        if is_redacted(sig) {
            return Some(v.to_string());
        }
        let claims = self.rehash(parts[1]);
        let parts = [parts[0], claims.as_str(), parts[2]];
        if sig.is_empty() {
            // A token whose signature was stripped on its way (`alg: RS256`, empty segment)
            // is header and claims only, and stays so (JWT001 reads the empty segment).
            let alg_none = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parts[0].trim_end_matches('='))
                .ok()
                .and_then(|h| serde_json::from_slice::<serde_json::Value>(&h).ok())
                .and_then(|h| h.get("alg").and_then(|a| a.as_str()).map(str::to_string))
                .is_none_or(|a| a.eq_ignore_ascii_case("none"));
            if !alg_none {
                return Some(v.to_string());
            }
            // An unsigned token (`alg: none`) is itself the credential where a server accepts
            // it: its header and claims stay readable, but not as the token's own bytes (which
            // would leave the whole credential in the text). The claims segment is re-encoded
            // with one trailing space after the JSON, the same claims to every reader, and the
            // token gets a placeholder signature.
            self.count("unsigned jwt", v);
            let claims = respaced_segment(parts[1]).unwrap_or_else(|| placeholder(parts[1]));
            return Some(format!("{}.{claims}.{}", parts[0], placeholder(v)));
        }
        self.count("jwt signature", v);
        self.learned.insert(sig.to_string());
        Some(format!("{}.{}.{}", parts[0], parts[1], placeholder(sig)))
    }

    /// The redacted form of a token that is a prefix of a longer JWT seen in the capture.
    fn cut_token(&self, t: &str) -> Option<String> {
        let n = t.chars().count();
        if n < 16 {
            return None;
        }
        let whole = self.tokens.iter().find(|w| {
            w.len() > t.len()
                && w.starts_with(t)
                && w.starts_with("eyJ")
                && w.matches('.').count() == 2
        })?;
        let mut scratch = Rewriter::new(BTreeSet::new());
        let redacted = scratch.strip_jwt(whole)?;
        Some(redacted.chars().take(n).collect())
    }

    /// A JWT claims segment with its `at_hash`, `c_hash` and `ath` rewritten for the
    /// redacted token or code they hash (unchanged when it holds none).
    fn rehash(&self, seg: &str) -> String {
        if self.hashes.is_empty() {
            return seg.to_string();
        }
        let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(seg) else {
            return seg.to_string();
        };
        let Ok(mut text) = String::from_utf8(bytes) else {
            return seg.to_string();
        };
        if !(text.contains("at_hash") || text.contains("c_hash") || text.contains("\"ath\"")) {
            return seg.to_string();
        }
        let mut changed = false;
        for (old, new) in &self.hashes {
            let quoted = format!("\"{old}\"");
            if text.contains(&quoted) {
                text = text.replace(&quoted, &format!("\"{new}\""));
                changed = true;
            }
        }
        if changed {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
        } else {
            seg.to_string()
        }
    }

    /// Free text: known secrets, secret `name=value` pairs, `"name": "value"` members, URL
    /// passwords and JWT signatures.
    pub(super) fn free_text(&mut self, s: &str, kind: &str) -> String {
        let mut replaced: Vec<String> = Vec::new();
        let (chosen, salt) = (&self.chosen, &self.salt);
        let out = self.red.replace_ranges(s, &mut |clear, chosen_name| {
            replaced.push(clear.to_string());
            if chosen_name || chosen.contains(clear) {
                salted_placeholder(clear, salt, false)
            } else {
                placeholder(clear)
            }
        });
        for r in replaced {
            self.count(kind, &r);
        }
        let mut out = self.jwts_in(&out);
        if !self.challenges.is_empty() {
            // A short `plain` challenge (the verifier itself) would match anywhere.
            for (c, new) in self
                .challenges
                .iter()
                .filter(|(c, _)| c.len() >= super::MIN_SCRUB_LEN)
            {
                if out.contains(c.as_str()) {
                    out = out.replace(c.as_str(), new);
                }
            }
        }
        out
    }

    /// Strip the signature of every JWT-looking run in free text ([`super::jwt_runs`]).
    fn jwts_in(&mut self, text: &str) -> String {
        let runs = super::jwt_runs(text);
        if runs.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for r in runs {
            out.push_str(&text[last..r.start]);
            let cand = &text[r.clone()];
            match self.strip_jwt(cand) {
                Some(s) => out.push_str(&s),
                None => out.push_str(cand),
            }
            last = r.end;
        }
        out.push_str(&text[last..]);
        out
    }

    /// A URL: secret query and fragment parameters, the userinfo password, then free text.
    fn url(&mut self, u: &str) -> String {
        let (before_frag, frag) = match u.split_once('#') {
            Some((a, b)) => (a, Some(b)),
            None => (u, None),
        };
        let (base, query) = match before_frag.split_once('?') {
            Some((a, b)) => (a, Some(b)),
            None => (before_frag, None),
        };
        let mut out = self.free_text(base, "free text");
        if let Some(q) = query {
            out.push('?');
            out.push_str(&self.pairs(q));
        }
        if let Some(f) = frag {
            out.push('#');
            out.push_str(&self.pairs(f));
        }
        out
    }

    /// `k=v&k=v` text: secret parameters replaced, the rest kept byte for byte (scrubbed).
    fn pairs(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for (i, pair) in text.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((k, v)) => {
                    let name = crate::oauth::basic::form_decode(k);
                    out.push_str(k);
                    out.push('=');
                    if is_secret_name(&name, Named::Param) {
                        let clear = crate::oauth::basic::form_decode(v);
                        let new = self.secret(&clear, &name);
                        if new == clear {
                            out.push_str(v);
                        } else {
                            out.push_str(&crate::oauth::basic::form_encode(&new));
                        }
                    } else if let Some(c) = (name == "code_challenge")
                        .then(|| self.challenge(&crate::oauth::basic::form_decode(v)))
                        .flatten()
                    {
                        self.count("code_challenge", v);
                        out.push_str(&crate::oauth::basic::form_encode(&c));
                    } else {
                        out.push_str(&self.free_text(v, "free text"));
                    }
                }
                None => out.push_str(&self.free_text(pair, "free text")),
            }
        }
        out
    }

    /// A decoded parameter value (`queryString[]`, `postData.params[]`).
    fn param(&mut self, name: &str, v: &str) -> String {
        if name == "code_challenge" {
            if let Some(c) = self.challenge(v) {
                self.count("code_challenge", v);
                return c;
            }
        }
        if is_secret_name(name, Named::Param) {
            self.secret(v, name)
        } else {
            self.free_text(v, "free text")
        }
    }

    fn header(&mut self, name: &str, v: &str) -> String {
        let lname = name.to_ascii_lowercase();
        match lname.as_str() {
            "authorization" | "proxy-authorization" => {
                let t = v.trim();
                match t.split_once(char::is_whitespace) {
                    Some((scheme, cred)) if scheme.eq_ignore_ascii_case("basic") => {
                        let cred = cred.trim();
                        if is_redacted(cred) {
                            return v.to_string();
                        }
                        match crate::capture_support::decode_basic(cred).and_then(|d| {
                            d.split_once(':')
                                .map(|(a, b)| (a.to_string(), b.to_string()))
                        }) {
                            Some((id, secret))
                                if !secret.is_empty()
                                    && !is_redacted(&secret)
                                    && !is_sentinel(&crate::oauth::basic::form_decode(&secret)) =>
                            {
                                self.count("basic client secret", &secret);
                                self.learned.insert(cred.to_string());
                                self.learned
                                    .insert(crate::oauth::basic::form_decode(&secret));
                                // A form-encoded secret (RFC 6749 §2.3.1) keeps being one,
                                // with the shape of its decoded value (`%22…%22` quotes).
                                let decoded = crate::oauth::basic::form_decode(&secret);
                                if self.chosen.len() < MAX_KNOWN {
                                    self.chosen.insert(decoded.clone());
                                    self.chosen.insert(secret.clone());
                                }
                                let shaped = if secret.contains('%') && decoded != secret {
                                    crate::oauth::basic::form_encode(&self.ph(&decoded, true))
                                } else {
                                    self.ph(&secret, true)
                                };
                                let new = format!("{id}:{shaped}");
                                // The same alphabet and padding as sent (base64url without
                                // padding is a diagnosis of its own).
                                let url = cred.contains(['-', '_']);
                                let enc = if url {
                                    base64::engine::general_purpose::URL_SAFE.encode(new)
                                } else {
                                    base64::engine::general_purpose::STANDARD.encode(new)
                                };
                                let enc = if cred.ends_with('=') {
                                    enc
                                } else {
                                    enc.trim_end_matches('=').to_string()
                                };
                                format!("{scheme} {enc}")
                            }
                            Some(_) => v.to_string(),
                            // `Basic Basic …`: the inner scheme stays readable.
                            None if cred.split_whitespace().count() > 1 => {
                                let inner = self.header(name, cred);
                                format!("{scheme} {inner}")
                            }
                            None => format!("{scheme} {}", self.secret(cred, "authorization")),
                        }
                    }
                    Some((scheme, cred)) => {
                        // Only the last word is the credential (`Bearer Bearer …` stays
                        // readable as such).
                        let cred = cred.trim();
                        match cred.rsplit_once(char::is_whitespace) {
                            Some((lead, last)) => {
                                format!("{scheme} {lead} {}", self.secret(last, "authorization"))
                            }
                            None => format!("{scheme} {}", self.secret(cred, "authorization")),
                        }
                    }
                    None => self.secret(t, "authorization"),
                }
            }
            "cookie" => v
                .split(';')
                .map(|part| match part.split_once('=') {
                    Some((n, val)) => format!("{n}={}", self.secret(val, "cookie")),
                    None => part.to_string(),
                })
                .collect::<Vec<_>>()
                .join(";"),
            "set-cookie" => {
                let (first, attrs) = match v.split_once(';') {
                    Some((a, b)) => (a, Some(b)),
                    None => (v, None),
                };
                let mut out = match first.split_once('=') {
                    Some((n, val)) => format!("{n}={}", self.secret(val, "set-cookie")),
                    None => first.to_string(),
                };
                if let Some(a) = attrs {
                    out.push(';');
                    out.push_str(&self.free_text(a, "free text"));
                }
                out
            }
            "location" | "referer" | "content-location" | "refresh" => self.url(v),
            n if is_secret_header(n) => self.secret(v, n),
            _ => self.free_text(v, "free text"),
        }
    }

    /// A body: JSON members, form parameters, or free text.
    fn body(&mut self, b: &str, is_request: bool) -> String {
        let t = b.trim_start();
        if t.starts_with('{') || t.starts_with('[') {
            if serde_json::from_str::<serde::de::IgnoredAny>(b).is_ok() {
                let jwk = b.contains("\"kty\"");
                return walk(b, &mut |path, lit| {
                    let key = path.iter().rev().find_map(|s| match s {
                        Seg::Key(k) => Some(k.as_str()),
                        Seg::Index(_) => None,
                    });
                    match key {
                        Some("code_challenge") => {
                            let s = decode_lit(lit);
                            self.challenge(&s).map(|c| {
                                self.count("code_challenge", &s);
                                serde_json::to_string(&c).unwrap_or_default()
                            })
                        }
                        Some(k)
                            if is_secret_name(
                                k,
                                Named::Member {
                                    request: is_request,
                                    jwk,
                                },
                            ) =>
                        {
                            let k = k.to_string();
                            self.changed(lit, |rw, s| rw.secret(s, &k))
                        }
                        _ => self.changed(lit, |rw, s| rw.free_text(s, "free text")),
                    }
                });
            }
            return self.free_text(b, "free text");
        }
        let trimmed = b.trim();
        if crate::model::looks_like_form(trimmed) {
            let lead = &b[..b.len() - b.trim_start().len()];
            let tail = &b[b.trim_end().len()..];
            return format!("{lead}{}{tail}", self.pairs(trimmed));
        }
        self.free_text(b, "free text")
    }
}

/// A JWT segment (base64url of a JSON object) re-encoded with a space after the JSON: the same
/// object to every JSON reader (RFC 8259 §2 allows whitespace around a value), other bytes.
/// `None` when the segment is not base64url of UTF-8 text.
fn respaced_segment(seg: &str) -> Option<String> {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut bytes = engine.decode(seg.trim_end_matches('=')).ok()?;
    std::str::from_utf8(&bytes).ok()?;
    bytes.push(b' ');
    Some(engine.encode(bytes))
}

/// The shortest prefix of a placeholder that is still recognisable as one
/// (`REDACTED-43c-1f`, see [`super::is_redacted`]).
const PLACEHOLDER_MIN: usize = 16;

/// Decode a JSON string literal leniently (lone surrogates become U+FFFD).
fn decode_lit(lit: &str) -> String {
    if !lit.contains('\\') && lit.len() >= 2 {
        return lit[1..lit.len() - 1].to_string();
    }
    crate::capture::json_string(lit).unwrap_or_default()
}

/// Walk JSON text (one or more values, or a fragment), calling `on_string(path, literal)` for
/// every string that is not an object key; a returned literal replaces it. Everything else is
/// copied byte for byte. Malformed text is copied as is; nesting depth only costs heap.
fn walk(text: &str, on_string: &mut dyn FnMut(&[Seg], &str) -> Option<String>) -> String {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Ctx {
        Object { expect_key: bool },
        Array,
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut stack: Vec<Ctx> = Vec::new();
    // The path of the value being read: one segment per open container, for the shallow part.
    let mut path: Vec<Seg> = Vec::new();
    let mut i = 0;
    let mut copied = 0;
    // Segment for the next value of the innermost container.
    let mut pending_key: Option<String> = None;
    let mut index: Vec<usize> = Vec::new();
    let flush = |out: &mut String, copied: &mut usize, to: usize| {
        out.push_str(&text[*copied..to]);
        *copied = to;
    };
    while i < b.len() {
        match b[i] {
            b'{' | b'[' => {
                // Entering a container: the segment that leads to it.
                if stack.len() < MAX_PATH + 1 {
                    if let Some(seg) = current_seg(&stack, &pending_key, &index) {
                        path.push(seg);
                    }
                }
                let obj = b[i] == b'{';
                stack.push(if obj {
                    Ctx::Object { expect_key: true }
                } else {
                    Ctx::Array
                });
                index.push(0);
                pending_key = None;
                i += 1;
            }
            b'}' | b']' => {
                if stack.pop().is_some() {
                    index.pop();
                    if stack.len() < MAX_PATH + 1 && !stack.is_empty() {
                        path.pop();
                    }
                }
                pending_key = None;
                i += 1;
            }
            b',' => {
                match stack.last_mut() {
                    Some(Ctx::Object { expect_key }) => *expect_key = true,
                    Some(Ctx::Array) => {
                        if let Some(n) = index.last_mut() {
                            *n += 1;
                        }
                    }
                    None => {}
                }
                pending_key = None;
                i += 1;
            }
            b':' => {
                if let Some(Ctx::Object { expect_key }) = stack.last_mut() {
                    *expect_key = false;
                }
                i += 1;
            }
            b'"' => {
                let start = i;
                let mut j = i + 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', &b[j..]) {
                        Some(off) if b[j + off] == b'"' => {
                            j += off + 1;
                            break;
                        }
                        Some(off) => {
                            // A backslash as the last byte: the string is cut off.
                            j += off + 2;
                            if j >= b.len() {
                                j = b.len();
                                break;
                            }
                        }
                        None => {
                            j = b.len();
                            break;
                        }
                    }
                }
                let j = j.min(b.len());
                // A string cut off at the end is copied as is.
                let complete = j > start + 1 && b[j - 1] == b'"' && text.is_char_boundary(j);
                let is_key = matches!(stack.last(), Some(Ctx::Object { expect_key: true }));
                if complete && is_key {
                    pending_key = Some(decode_lit(&text[start..j]));
                } else if complete {
                    let mut full = path.clone();
                    if stack.len() <= MAX_PATH {
                        if let Some(seg) = current_seg(&stack, &pending_key, &index) {
                            full.push(seg);
                        }
                    } else {
                        full.resize(MAX_PATH + 1, Seg::Index(0));
                    }
                    if let Some(new) = on_string(&full, &text[start..j]) {
                        flush(&mut out, &mut copied, start);
                        out.push_str(&new);
                        copied = j;
                    }
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    flush(&mut out, &mut copied, b.len());
    out
}

/// The path segment of the next value inside the innermost container.
fn current_seg(
    stack: &[impl Copy + PartialEq],
    pending_key: &Option<String>,
    index: &[usize],
) -> Option<Seg> {
    if stack.is_empty() {
        return None;
    }
    match pending_key {
        Some(k) => Some(Seg::Key(k.clone())),
        None => Some(Seg::Index(index.last().copied().unwrap_or(0))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw() -> Rewriter {
        Rewriter::new(BTreeSet::new())
    }

    #[test]
    fn walker_copies_untouched_text_byte_for_byte() {
        let t = "{ \"a\" : [1, \"x\\ud800\", {\"b\":null}],\n\t\"c\":\"d\" }";
        assert_eq!(walk(t, &mut |_, _| None), t);
        let got = walk(t, &mut |p, _| {
            (p.last() == Some(&Seg::Key("c".into()))).then(|| "\"Z\"".into())
        });
        assert_eq!(got, t.replace("\"d\"", "\"Z\""));
    }

    #[test]
    fn walker_survives_garbage_and_depth() {
        for t in [
            "",
            "\"",
            "{\"a",
            "]]]}}}",
            "{\"a\":\"b",
            "[[[[[[[[[[[[[[[[[[[[\"x\"]",
            // Found by cargo-fuzz: a backslash as the last byte of a cut-off string.
            "\"\\",
            "{\"a\":\"b\\",
        ] {
            let _ = walk(t, &mut |_, _| Some("\"y\"".into()));
        }
        let deep = "[".repeat(100_000) + "\"s\"" + &"]".repeat(100_000);
        let out = walk(&deep, &mut |_, _| Some("\"t\"".into()));
        assert_eq!(out.len(), deep.len());
    }

    #[test]
    fn headers_keep_names_and_client_ids() {
        let mut r = rw();
        let basic = base64::engine::general_purpose::STANDARD.encode("my-client:s3cr3t+/=");
        let out = r.header("Authorization", &format!("Basic {basic}"));
        let dec =
            crate::capture_support::decode_basic(out.strip_prefix("Basic ").unwrap()).unwrap();
        assert!(dec.starts_with("my-client:REDACTED-"), "{dec}");
        assert_eq!(
            r.header("Cookie", "a=1; sid=xyz")
                .matches("REDACTED-")
                .count(),
            2
        );
        assert!(
            r.header("Cookie", "a=1; sid=xyz")
                .starts_with("a=REDACTED-")
        );
        let sc = r.header("Set-Cookie", "sid=abc; Path=/; HttpOnly");
        assert!(sc.starts_with("sid=REDACTED-") && sc.ends_with("; Path=/; HttpOnly"));
        assert_eq!(r.header("Accept", "application/json"), "application/json");
    }

    #[test]
    fn jwts_keep_header_and_claims() {
        let mut r = rw();
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJlLXZhbHVl";
        let out = r.header("Authorization", &format!("Bearer {jwt}"));
        assert!(out.starts_with("Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.REDACTED-"));
        assert!(is_redacted(out.strip_prefix("Bearer ").unwrap()));
        let none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.";
        // A signed token whose signature was stripped on its way stays header and claims.
        let stripped = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.";
        assert_eq!(r.secret(stripped, "access_token"), stripped);
        // An unsigned token is the credential itself: none of it stays as it was sent, its
        // header and claims still read the same, and it gets a placeholder signature.
        let out = r.secret(none, "id_token");
        assert!(!out.contains(none) && is_redacted(&out), "{out}");
        let (was, now) = (
            crate::oauth::jwt::decode(none).unwrap(),
            crate::oauth::jwt::decode(&out).unwrap(),
        );
        assert_eq!((was.header, was.claims), (now.header, now.claims));
    }

    #[test]
    fn pkce_challenges_follow_their_verifiers() {
        let v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let wrong = "a-verifier-that-does-not-match-its-challenge-x";
        let mut learn = rw();
        learn.body(
            &format!("grant_type=authorization_code&code_verifier={v}"),
            true,
        );
        let mut r = rw().with_verifiers(&learn.verifiers);
        let url = r.url(&format!(
            "https://idp/authorize?code_challenge={}&code_challenge_method=S256",
            crate::oauth::pkce::s256(v)
        ));
        let body = r.body(&format!("code_verifier={v}"), true);
        let nv = body.strip_prefix("code_verifier=").unwrap();
        assert!(is_redacted(nv) && nv.len() == v.len(), "{nv}");
        assert!(crate::oauth::pkce::verifier_is_valid(nv));
        assert!(url.contains(&crate::oauth::pkce::s256(nv)), "{url}");
        // A verifier too short to search for in text is still followed where it is a challenge.
        let mut r = rw().with_verifiers(&["g".to_string()].into_iter().collect());
        assert_eq!(r.free_text("log", "free text"), "log");
        assert_ne!(r.param("code_challenge", "g"), "g");
        // A challenge no learned verifier produces stays as it is.
        let c = crate::oauth::pkce::s256(wrong);
        assert_eq!(r.param("code_challenge", &c), c);
    }

    #[test]
    fn token_hashes_follow_their_tokens() {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let at = "opaque-access-token-value-0123456789";
        let at_hash = crate::oauth::jwt::left_half_hash("RS256", at).unwrap();
        let id = format!(
            "{}.{}.c2ln",
            b64(r#"{"alg":"RS256"}"#),
            b64(&format!(r#"{{"sub":"u","at_hash":"{at_hash}"}}"#))
        );
        let body = format!(r#"{{"access_token":"{at}","id_token":"{id}"}}"#);
        let mut learn = rw();
        learn.body(&body, false);
        let mut r = rw().learned_from(&learn);
        let out = r.body(&body, false);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let new_at = v["access_token"].as_str().unwrap();
        let new_id = v["id_token"].as_str().unwrap();
        assert!(is_redacted(new_at) && is_redacted(new_id));
        let claims = crate::oauth::jwt::decode(new_id).unwrap().claims;
        assert_eq!(
            claims["at_hash"].as_str(),
            crate::oauth::jwt::left_half_hash("RS256", new_at).as_deref()
        );
    }

    #[test]
    fn credential_shapes_survive() {
        let mut r = rw();
        assert!(
            r.header("Authorization", "Bearer \"tok-value\"")
                .starts_with("Bearer \"REDACTED-")
        );
        assert!(
            r.header("Authorization", "Bearer Bearer tok-value")
                .starts_with("Bearer Bearer REDACTED-")
        );
        let url_b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("id:s3cr3t~~??>>");
        let out = r.header("Authorization", &format!("Basic {url_b64}"));
        assert!(
            !out.ends_with('=') && !out.contains('+') && !out.contains('/'),
            "{out}"
        );
        let dec =
            crate::capture_support::decode_basic(out.strip_prefix("Basic ").unwrap()).unwrap();
        assert!(
            dec.starts_with("id:REDACTED-") && dec.ends_with("?>"),
            "{dec}"
        );
    }

    #[test]
    fn bodies_and_urls() {
        let mut r = rw();
        let f = r.body(
            "grant_type=authorization_code&code=abc%2Bdef&client_id=app",
            true,
        );
        assert!(f.starts_with("grant_type=authorization_code&code=REDACTED-"));
        assert!(f.ends_with("&client_id=app"));
        let j = r.body(
            "{\"error\":\"bad\",\"code\":\"E42\",\"refresh_token\":\"rt-value\"}",
            false,
        );
        assert!(
            j.contains("\"code\":\"E42\"") && !j.contains("rt-value"),
            "{j}"
        );
        let u = r.url("https://u:pw-value@app.example/cb?code=c0de-value&state=s#access_token=at");
        assert!(!u.contains("pw-value") && !u.contains("c0de-value") && u.contains("state=s"));
        assert!(u.contains("#access_token=REDACTED-"), "{u}");
        assert_eq!(
            r.body("refresh_token=undefined", true),
            "refresh_token=undefined"
        );
    }
}
