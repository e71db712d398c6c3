//! REDIR: redirect URIs and the authorization response that comes back through them (RULES.md
//! §1.8) — registration mismatches, malformed or insecure redirect URIs, the response location,
//! `iss` and `state` in the response, and the session cookie the callback needs. Also holds the
//! small front-channel helpers the BCP family shares. Pure: reads the capture, reports findings.

use super::common::{has_percent_escape, page_text};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Strength};
use crate::model::flow::{AuthzResponse, strip_uri};
use crate::model::{Exchange, Kind, Params};
use crate::oauth::basic::form_decode;
use crate::oauth::errors::{ServerError, error_code};
use url::Url;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Redir001, &Redir002, &Redir003, &Redir004, &Redir005, &Redir006, &Redir007, &Redir008,
    &Redir009, &Redir010, &Redir011,
];

// ---------------------------------------------------------------------------------------------
// shared front-channel helpers (also used by `bcp`)
// ---------------------------------------------------------------------------------------------

/// A loopback host: `localhost`, `*.localhost`, `127.0.0.0/8`, `::1`.
pub(super) fn is_loopback(host: &str) -> bool {
    let h = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    h == "localhost"
        || h.ends_with(".localhost")
        || h == "::1"
        || h.parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `scheme://host[:port]` of a URL.
pub(super) fn origin_of(u: &str) -> Option<String> {
    let p = Url::parse(u).ok()?;
    let host = p.host_str()?;
    Some(match p.port() {
        Some(port) => format!("{}://{}:{}", p.scheme(), host, port),
        None => format!("{}://{}", p.scheme(), host),
    })
}

/// Authorization requests and pushed authorization requests: the exchanges whose parameters
/// define a redirect URI.
pub(super) fn is_authz_request(e: &Exchange) -> bool {
    matches!(e.kind, Kind::Authorize | Kind::Par)
}

/// One authorization response, seen as the authorization server's redirect (`Location`) and/or
/// as the browser's request to the callback.
#[derive(Debug, Clone)]
pub(super) struct Callback {
    /// The exchange whose `Location` carried the response.
    pub location: Option<usize>,
    /// The browser's request to the redirect URI that delivered it.
    pub request: Option<usize>,
    pub params: Params,
    pub endpoint: String,
    pub url: String,
}

impl Callback {
    /// The exchange whose outcome shows how the client handled the response.
    pub fn anchor(&self) -> usize {
        self.request.or(self.location).unwrap_or(0)
    }
    fn key(a: &AuthzResponse) -> (String, String, String) {
        let p = &a.params;
        let value = p
            .get("code")
            .or_else(|| p.get("error"))
            .or_else(|| p.get("access_token"))
            .or_else(|| p.get("id_token"))
            .unwrap_or("")
            .to_string();
        (
            a.endpoint.clone(),
            value,
            p.get("state").unwrap_or("").to_string(),
        )
    }
}

/// The authorization responses of the capture, a `Location` and the callback request it caused
/// merged into one.
pub(super) fn callbacks(cx: &Context<'_>) -> Vec<Callback> {
    let mut out: Vec<(Callback, (String, String, String))> = Vec::new();
    let mut sorted: Vec<&AuthzResponse> = cx.index.authz_responses.iter().collect();
    sorted.sort_by_key(|a| (a.exchange, !a.via_location));
    for a in sorted {
        let key = Callback::key(a);
        if let Some((c, _)) = out.iter_mut().find(|(c, k)| {
            *k == key
                && if a.via_location {
                    c.location.is_none()
                } else {
                    c.request.is_none()
                }
        }) {
            if a.via_location {
                c.location = Some(a.exchange);
            } else {
                c.request = Some(a.exchange);
            }
            continue;
        }
        out.push((
            Callback {
                location: a.via_location.then_some(a.exchange),
                request: (!a.via_location).then_some(a.exchange),
                params: a.params.clone(),
                endpoint: a.endpoint.clone(),
                url: a.url.clone(),
            },
            key,
        ));
    }
    out.into_iter().map(|(c, _)| c).collect()
}

/// The authorization request an authorization response answers: the one with the same `state`,
/// else the latest earlier one whose redirect URI is the response's endpoint.
pub(super) fn request_for<'a>(ex: &'a [Exchange], c: &Callback) -> Option<&'a Exchange> {
    let first = c.location.or(c.request)?;
    let before = &ex[..=first.min(ex.len().saturating_sub(1))];
    if let Some(state) = c.params.get("state") {
        if let Some(az) = before
            .iter()
            .rev()
            .find(|e| is_authz_request(e) && e.request.param("state").as_deref() == Some(state))
        {
            return Some(az);
        }
    }
    latest_request_to(before, &c.endpoint)
}

/// The latest authorization request in `ex` whose redirect URI is `endpoint` (or that names
/// none).
fn latest_request_to<'a>(ex: &'a [Exchange], endpoint: &str) -> Option<&'a Exchange> {
    ex.iter().rev().find(|e| {
        e.kind == Kind::Authorize
            && e.request
                .param("redirect_uri")
                .is_none_or(|r| strip_uri(&r) == endpoint)
    })
}

/// The request to the callback endpoint the browser made after `after` (the first one).
fn callback_request_after<'a>(
    ex: &'a [Exchange],
    after: usize,
    endpoint: &str,
) -> Option<&'a Exchange> {
    ex.iter()
        .skip(after + 1)
        .find(|e| strip_uri(&e.request.endpoint()) == endpoint)
}

// ---------------------------------------------------------------------------------------------
// redirect-URI errors
// ---------------------------------------------------------------------------------------------

/// Error codes that name the redirect URI itself.
const REDIRECT_CODES: [&str; 2] = ["redirect_uri_mismatch", "invalid_redirect_uri"];

/// Phrases an error page or description uses for a rejected redirect URI.
const EXPLICIT_PHRASES: [&str; 9] = [
    "redirect_uri_mismatch",
    "invalid_redirect_uri",
    "invalid redirect uri",
    "invalid redirect_uri",
    "invalid redirect url",
    "invalid parameter: redirect_uri",
    "aadsts50011",
    "aadsts500113",
    "redirect uri mismatch",
];
const REDIRECT_WORDS: [&str; 6] = [
    "redirect_uri",
    "redirect uri",
    "redirect url",
    "redirect_url",
    "reply url",
    "callback url",
];
const MISMATCH_WORDS: [&str; 11] = [
    "mismatch",
    "does not match",
    "doesn't match",
    "did not match",
    "not match",
    "not registered",
    "not whitelisted",
    "not allowed",
    "is invalid",
    "not valid",
    "not configured",
];

/// Whether a text (error description or page) says the redirect URI was rejected.
fn text_blames_redirect(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    if EXPLICIT_PHRASES.iter().any(|p| t.contains(p)) {
        return true;
    }
    for w in REDIRECT_WORDS {
        for (i, _) in t.match_indices(w) {
            let lo = floor_char(&t, i.saturating_sub(30));
            let hi = floor_char(&t, (i + w.len() + 60).min(t.len()));
            let window = &t[lo..hi];
            if MISMATCH_WORDS.iter().any(|m| window.contains(m)) {
                return true;
            }
        }
    }
    false
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// How the server said the redirect URI was rejected.
#[derive(Debug, Clone)]
struct RedirectRejection {
    /// Where (`response.body.error`, `response.body`, …).
    at: String,
    /// The code or phrase, for the message.
    what: String,
    /// An explicit error code or phrase (not only a nearby word on a page).
    explicit: bool,
    /// The error came back to the client in a redirect (`Location`).
    via_location: bool,
    /// The description or page text, lower-cased.
    text: String,
}

impl RedirectRejection {
    /// The server's text says the redirect URI must use TLS.
    fn demands_https(&self) -> bool {
        ["https", "secure scheme", "tls", "ssl"]
            .iter()
            .any(|w| self.text.contains(w))
    }
}

/// The redirect-URI rejection an authorization (or PAR) exchange got, if any.
fn redirect_rejection(e: &Exchange) -> Option<RedirectRejection> {
    let r = e.response.as_ref()?;
    if let Some(ServerError {
        code,
        description,
        at,
    }) = error_code(e)
    {
        let via_location = at == "response.headers.location";
        let text = description.clone().unwrap_or_default().to_ascii_lowercase();
        if REDIRECT_CODES.contains(&code.as_str()) {
            return Some(RedirectRejection {
                at: at.to_string(),
                what: format!("`{code}`"),
                explicit: true,
                via_location,
                text,
            });
        }
        if let Some(d) = description.filter(|d| text_blames_redirect(d)) {
            return Some(RedirectRejection {
                at: at.to_string(),
                what: format!("`{code}`: {}", one_line(&d, 140)),
                explicit: true,
                via_location,
                text,
            });
        }
        return None;
    }
    if r.is_redirect() || r.is_success() && !r.is_html() {
        return None;
    }
    let body = r.body.as_deref().unwrap_or("");
    let text = if r.is_html() {
        page_text(body)
    } else {
        body.to_string()
    };
    if !text_blames_redirect(&text) {
        return None;
    }
    let low = text.to_ascii_lowercase();
    let explicit = EXPLICIT_PHRASES.iter().any(|p| low.contains(p));
    Some(RedirectRejection {
        at: "response.body".into(),
        what: format!("a {} page: \"{}\"", r.status, focus_excerpt(&text, 120)),
        explicit,
        via_location: false,
        text: low,
    })
}

/// An excerpt of a page starting shortly before the first mention of the redirect URI.
fn focus_excerpt(text: &str, max: usize) -> String {
    let low = text.to_ascii_lowercase();
    let at = EXPLICIT_PHRASES
        .iter()
        .chain(REDIRECT_WORDS.iter())
        .filter_map(|p| low.find(p))
        .min()
        .unwrap_or(0);
    let start = floor_char(text, at.saturating_sub(24));
    let body = excerpt(&text[start..], max);
    if start > 0 {
        format!("…{body}")
    } else {
        body
    }
}

/// The error description or error page text of a failed exchange, lower-cased.
fn failure_text(e: &Exchange) -> Option<String> {
    if !e.failed() {
        return None;
    }
    if let Some(er) = error_code(e) {
        return Some(
            format!("{} {}", er.code, er.description.unwrap_or_default()).to_ascii_lowercase(),
        );
    }
    let r = e.response.as_ref()?;
    let body = r.body.as_deref().unwrap_or("");
    Some(
        if r.is_html() {
            page_text(body)
        } else {
            body.to_string()
        }
        .to_ascii_lowercase(),
    )
}

/// The server's error (code, description or page) is about the redirect URI.
fn failure_mentions_redirect(e: &Exchange) -> bool {
    failure_text(e).is_some_and(|t| REDIRECT_WORDS.iter().any(|w| t.contains(w)))
}

/// An `http` URI on a host that is not a loopback address.
fn plain_http_remote(uri: &str) -> bool {
    Url::parse(uri.trim())
        .is_ok_and(|u| u.scheme() == "http" && u.host_str().is_some_and(|h| !is_loopback(h)))
}

/// Two loopback URIs that differ only in the host spelling or the port (REDIR004's case).
fn loopback_variance_only(sent: &str, reg: &str) -> bool {
    let (Ok(a), Ok(b)) = (Url::parse(sent.trim()), Url::parse(reg)) else {
        return false;
    };
    let lo = |u: &Url| u.host_str().is_some_and(is_loopback);
    lo(&a) && lo(&b) && a.scheme() == b.scheme() && a.path() == b.path() && a.query() == b.query()
}

fn one_line(s: &str, max: usize) -> String {
    let l = s.lines().next().unwrap_or("").trim();
    excerpt(l, max)
}

fn excerpt(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

/// Differences between a sent redirect URI and one known to be registered.
fn uri_diff(sent: &str, reg: &str) -> Vec<String> {
    let mut out = Vec::new();
    if sent == reg {
        return out;
    }
    if sent.trim() != sent {
        out.push("leading or trailing whitespace in the sent value".to_string());
    }
    let decoded = form_decode(sent);
    if decoded != sent && (decoded == reg || form_decode(&decoded) == form_decode(reg)) {
        out.push("the sent value is still percent-encoded (encoded twice)".to_string());
        return out;
    }
    let (Ok(a), Ok(b)) = (Url::parse(sent.trim()), Url::parse(reg)) else {
        out.push(format!("`{sent}` vs `{reg}`"));
        return out;
    };
    if a.scheme() != b.scheme() {
        out.push(format!("scheme `{}` vs `{}`", a.scheme(), b.scheme()));
    }
    let (ha, hb) = (a.host_str().unwrap_or(""), b.host_str().unwrap_or(""));
    if ha != hb {
        if is_loopback(ha) && is_loopback(hb) {
            out.push(format!(
                "loopback host `{ha}` vs `{hb}` (a name and an IP literal are different URIs)"
            ));
        } else {
            out.push(format!("host `{ha}` vs `{hb}`"));
        }
    } else if raw_authority(sent) != raw_authority(reg)
        && raw_authority(sent).eq_ignore_ascii_case(&raw_authority(reg))
    {
        out.push("host letter case".to_string());
    }
    if a.port_or_known_default() != b.port_or_known_default() {
        let p = |u: &Url| {
            u.port_or_known_default()
                .map(|p| p.to_string())
                .unwrap_or_else(|| "(none)".into())
        };
        out.push(format!("port `{}` vs `{}`", p(&a), p(&b)));
    } else if raw_authority(sent) != raw_authority(reg)
        && a.port() == b.port()
        && ha == hb
        && !raw_authority(sent).eq_ignore_ascii_case(&raw_authority(reg))
    {
        out.push("an explicit default port on one side".to_string());
    }
    let (pa, pb) = (raw_path(sent), raw_path(reg));
    if pa != pb {
        if pa.trim_end_matches('/') == pb.trim_end_matches('/') {
            out.push(format!(
                "trailing slash: path `{}` vs `{}`",
                show_path(&pa),
                show_path(&pb)
            ));
        } else if pa.eq_ignore_ascii_case(&pb) {
            out.push(format!("path letter case `{pa}` vs `{pb}`"));
        } else if form_decode(&pa) == form_decode(&pb) {
            out.push(format!("percent-encoding of the path `{pa}` vs `{pb}`"));
        } else {
            out.push(format!("path `{}` vs `{}`", show_path(&pa), show_path(&pb)));
        }
    }
    if a.query() != b.query() {
        out.push(format!(
            "query `{}` vs `{}`",
            a.query().map(|q| format!("?{q}")).unwrap_or_default(),
            b.query().map(|q| format!("?{q}")).unwrap_or_default()
        ));
    }
    if a.fragment().is_some() != b.fragment().is_some() {
        out.push("a fragment on one side".to_string());
    }
    if out.is_empty() {
        out.push(format!("the byte sequence: `{sent}` vs `{reg}`"));
    }
    out
}

fn show_path(p: &str) -> String {
    if p.is_empty() {
        "(empty)".into()
    } else {
        p.to_string()
    }
}

/// The authority of a URL as written (`host[:port]`, userinfo dropped).
fn raw_authority(u: &str) -> String {
    let rest = u.split_once("://").map(|(_, r)| r).unwrap_or("");
    let auth = rest.split(['/', '?', '#']).next().unwrap_or("");
    auth.rsplit('@').next().unwrap_or("").to_string()
}

/// The path of a URL as written.
fn raw_path(u: &str) -> String {
    let rest = u.split_once("://").map(|(_, r)| r).unwrap_or(u);
    let after = rest.find(['/', '?', '#']).map(|i| &rest[i..]).unwrap_or("");
    after.split(['?', '#']).next().unwrap_or("").to_string()
}

/// Features of a redirect URI that commonly differ from the registered one.
fn uri_suspects(sent: &str) -> Vec<String> {
    let mut out = Vec::new();
    if sent.trim() != sent {
        out.push("leading or trailing whitespace".to_string());
    }
    if sent.eq_ignore_ascii_case("urn:ietf:wg:oauth:2.0:oob") || sent.starts_with("urn:ietf:wg:") {
        out.push(
            "the out-of-band value `urn:ietf:wg:oauth:2.0:oob` (native clients only; retired by several providers)"
                .to_string(),
        );
        return out;
    }
    let decoded = form_decode(sent);
    if decoded != sent && decoded.contains("://") && !sent.contains("://") {
        out.push(format!(
            "the value is still percent-encoded after one decode (`{decoded}` was encoded twice)"
        ));
        return out;
    }
    let Ok(u) = Url::parse(sent.trim()) else {
        out.push("not an absolute URI".to_string());
        return out;
    };
    let host = u.host_str().unwrap_or("");
    if u.scheme() == "http" && !is_loopback(host) {
        out.push("`http` where an `https` URI is usually registered".to_string());
    }
    if host.eq_ignore_ascii_case("localhost") {
        out.push("the host name `localhost` where `127.0.0.1` may be registered".to_string());
    } else if is_loopback(host) {
        out.push(format!(
            "the loopback IP `{host}` where `localhost` may be registered"
        ));
    }
    if is_loopback(host) {
        if let Some(p) = u.port() {
            out.push(format!(
                "the port `{p}`, which strict servers compare (RFC 8252 §7.3 says they should not for loopback)"
            ));
        }
    }
    let path = raw_path(sent);
    if path.len() > 1 && path.ends_with('/') {
        out.push(format!("a trailing slash (`{path}`)"));
    }
    if u.query().is_some() {
        out.push(format!(
            "a query string (`?{}`)",
            u.query().unwrap_or_default()
        ));
    }
    if u.fragment().is_some() {
        out.push("a fragment".to_string());
    }
    let auth = raw_authority(sent);
    if auth != auth.to_ascii_lowercase() {
        out.push("upper-case letters in the host".to_string());
    }
    if auth.ends_with(":443") || auth.ends_with(":80") {
        out.push("an explicit default port".to_string());
    }
    out
}

/// Redirect URIs the capture shows to be registered for a client at an authorization server:
/// those of authorization requests that produced an authorization response with a code or a
/// token. (exchange, redirect_uri)
fn known_good_uris(
    cx: &Context<'_>,
    client: Option<&str>,
    host: Option<&str>,
) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for c in callbacks(cx) {
        if !(c.params.has("code") || c.params.has("access_token") || c.params.has("id_token")) {
            continue;
        }
        let Some(az) = request_for(cx.exchanges, &c) else {
            continue;
        };
        if az.request.param("client_id").as_deref() != client || az.request.host() != host {
            continue;
        }
        if let Some(ru) = az.request.param("redirect_uri") {
            if strip_uri(&ru) == c.endpoint && !out.iter().any(|(_, u)| *u == ru) {
                out.push((az.index, ru));
            }
        }
    }
    out
}

/// The known-good URI closest to `sent` (fewest differences).
fn closest(sent: &str, good: &[(usize, String)]) -> Option<(usize, String, Vec<String>)> {
    good.iter()
        .filter(|(_, u)| u != sent)
        .map(|(i, u)| (*i, u.clone(), uri_diff(sent, u)))
        .min_by_key(|(_, _, d)| d.len())
}

// ---------------------------------------------------------------------------------------------
// REDIR001
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags an authorization (or pushed authorization) request whose `redirect_uri` the
    /// authorization server rejected — `redirect_uri_mismatch`, `invalid_redirect_uri`, an
    /// `invalid_request` whose description blames the redirect URI, or an error page saying so
    /// (Entra `AADSTS50011`, Keycloak "Invalid parameter: redirect_uri", Google "Error 400:
    /// redirect_uri_mismatch") — and says how the sent value differs from a registered one.
    /// When the same capture shows another redirect URI working for the same client, the two
    /// are compared component by component (scheme, host, `localhost` vs `127.0.0.1`, port,
    /// trailing slash, path case, query, percent-encoding); otherwise the features that usually
    /// differ from the registration are listed.
    ///
    /// ## Why it fails
    /// The authorization server compares the redirect URI with the client's registered URIs by
    /// simple string comparison (RFC 9700 §2.1, OAuth 2.1): `https://app.example.com/cb/` is not
    /// `https://app.example.com/cb`, `http://localhost:3000` is not `http://127.0.0.1:3000`. It
    /// must not redirect to an unverified URI, so the user sees an error page and the client
    /// gets nothing back.
    ///
    /// ## Example
    /// `GET /authorize?client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback%2F…`
    /// → `400 {"error":"invalid_redirect_uri"}` while `https://app.example.com/callback` is
    /// registered.
    ///
    /// ## Fix
    /// Register the exact URI the client sends, or make the client send a registered URI byte
    /// for byte (same scheme, host, port, path, trailing slash and no extra query).
    ///
    /// ## References
    /// RFC 6749 §3.1.2.2–§3.1.2.4; RFC 9700 §2.1, §4.1; OAuth 2.1 draft §2.3.1
    pub struct Redir001 {
        code: "REDIR001",
        name: "redirect-uri-not-registered",
        title: "redirect_uri not registered or not an exact match",
        category: RedirectUri,
        severity: Error,
        kind: Diag,
        fix: "register the exact redirect URI the client sends, or send a registered one byte for byte (scheme, host, port, path, trailing slash)",
        references: ["RFC 6749 §3.1.2.2", "RFC 6749 §3.1.2.4", "RFC 9700 §2.1", "RFC 9700 §4.1"],
    }
}

impl Rule for Redir001 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let Some(rej) = redirect_rejection(e) else {
                continue;
            };
            let Some(sent) = e.request.param("redirect_uri") else {
                continue; // REDIR006
            };
            // A more specific rule explains the rejection: not absolute or with a fragment
            // (REDIR002), plain http refused as such (REDIR003).
            if not_absolute(&sent).is_some() && !is_double_encoded(&sent)
                || plain_http_remote(&sent) && rej.demands_https()
            {
                continue;
            }
            let client = e.request.param("client_id");
            let good = known_good_uris(cx, client.as_deref(), e.request.host());
            // A value still percent-encoded after one decode: a double-encoding root cause.
            let double_encoded = is_double_encoded(&sent);
            let (msg, strength, other) = match closest(&sent, &good) {
                // Only the loopback port or host spelling differ: REDIR004.
                Some((_, reg, _)) if loopback_variance_only(&sent, &reg) => continue,
                Some((i, reg, diff)) => (
                    format!(
                        "the authorization server rejected `redirect_uri` `{sent}` ({}); `{reg}` worked for the same client in exchange {}: they differ in {}",
                        rej.what,
                        i + 1,
                        diff.join("; ")
                    ),
                    Strength::Recomputed,
                    Some((i, reg)),
                ),
                None => {
                    let suspects = uri_suspects(&sent);
                    let hint = if suspects.is_empty() {
                        "it is not among the client's registered URIs (compared byte for byte)"
                            .to_string()
                    } else {
                        format!(
                            "it must equal a registered URI byte for byte; check {}",
                            suspects.join("; ")
                        )
                    };
                    (
                        format!(
                            "the authorization server rejected `redirect_uri` `{sent}` ({}): {hint}",
                            rej.what
                        ),
                        if rej.explicit {
                            Strength::Direct
                        } else {
                            Strength::Heuristic
                        },
                        None,
                    )
                }
            };
            let at = if e.request.query.has("redirect_uri") {
                "request.query.redirect_uri"
            } else {
                "request.body.redirect_uri"
            };
            let mut rep = cx
                .report(e.index, msg)
                .strength(strength)
                .text(e.index, at, sent.clone())
                .text(e.index, rej.at.clone(), rej.what.clone());
            if rej.explicit {
                rep = rep.confirmed();
            }
            if double_encoded {
                rep = rep.category(Category::ContentTypeEncoding);
            }
            if let Some((i, reg)) = other {
                rep = rep.text(i, "request.query.redirect_uri", reg);
            }
            rep.emit();
        }
    }
}

/// A URI value that is still percent-encoded after the one decode of its parameter
/// (`https%3A%2F%2F…`).
fn is_double_encoded(v: &str) -> bool {
    !v.contains("://") && form_decode(v).contains("://")
}

// ---------------------------------------------------------------------------------------------
// REDIR002
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags an authorization or PAR request whose `redirect_uri` (after one URL decode) is not
    /// an absolute URI — no scheme, or an `http`/`https` URI without a host — or contains a
    /// fragment (`#`). Custom schemes of native apps (`com.example.app:/cb`) and URNs are
    /// absolute and are not flagged.
    ///
    /// ## Why it fails
    /// RFC 6749 §3.1.2 requires the redirection endpoint to be an absolute URI without a
    /// fragment component: the server appends the response to it and a fragment would swallow
    /// the query the response adds. Servers reject such values with `invalid_request` or an
    /// error page.
    ///
    /// ## Example
    /// `redirect_uri=/callback` or `redirect_uri=https%3A%2F%2Fapp.example.com%2F%23%2Fcallback`
    /// (`https://app.example.com/#/callback`, a single-page-app hash route).
    ///
    /// ## Fix
    /// Send an absolute URI without a fragment; for hash-routed single-page apps register a real
    /// path (`https://app.example.com/callback`) and route from there.
    ///
    /// ## References
    /// RFC 6749 §3.1.2; RFC 3986 §4.3
    pub struct Redir002 {
        code: "REDIR002",
        name: "redirect-uri-not-absolute",
        title: "redirect_uri not absolute or has a fragment",
        category: RedirectUri,
        severity: Error,
        kind: Diag,
        fix: "send an absolute redirect URI without a fragment (for hash-routed apps register a real path)",
        references: ["RFC 6749 §3.1.2", "RFC 3986 §4.3"],
    }
}

/// Why a redirect URI is not an absolute URI without fragment, if it is not.
fn not_absolute(uri: &str) -> Option<String> {
    let u = uri.trim();
    if u.is_empty() {
        return None;
    }
    if let Some(i) = u.find('#') {
        return Some(format!(
            "it contains a fragment (`{}`)",
            excerpt(&u[i..], 60)
        ));
    }
    match Url::parse(u) {
        Ok(p) => {
            if matches!(p.scheme(), "http" | "https")
                && (p.host_str().is_none_or(str::is_empty)
                    || !u.contains("://")
                    || raw_authority(u).is_empty())
            {
                Some("it has no host".to_string())
            } else {
                None
            }
        }
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            Some("it is a relative reference without a scheme".to_string())
        }
        Err(url::ParseError::EmptyHost) => Some("it has no host".to_string()),
        Err(err) => Some(format!("it does not parse as a URI ({err})")),
    }
}

impl Rule for Redir002 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let Some(ru) = e.request.param("redirect_uri") else {
                continue;
            };
            let Some(why) = not_absolute(&ru) else {
                continue;
            };
            if is_double_encoded(&ru) {
                continue; // an absolute URI encoded twice: REDIR001 / PARAM
            }
            let blamed = failure_mentions_redirect(e);
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "`redirect_uri` `{ru}` is not an absolute URI without fragment: {why}{}",
                        if blamed {
                            "; the server rejected the redirect URI"
                        } else {
                            ""
                        }
                    ),
                )
                .strength(Strength::Direct)
                .text(e.index, "request.query.redirect_uri", ru.clone());
            if blamed {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// REDIR003
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a `redirect_uri` that uses plain `http` on a host that is not a loopback address
    /// (`localhost`, `127.0.0.1`, `[::1]`). Reported once per redirect URI, on the exchange it
    /// failed on if any.
    ///
    /// ## Why it fails
    /// The authorization code (or token) travels to the redirect URI in the clear, where
    /// anything on the path can read it. OAuth 2.1 and RFC 9700 require TLS for redirect URIs
    /// except loopback redirects of native apps (RFC 8252 §7.3), and strict servers reject
    /// `http` redirect URIs outright.
    ///
    /// ## Example
    /// `redirect_uri=http%3A%2F%2Fapp.example.com%2Fcallback`.
    ///
    /// ## Fix
    /// Serve the callback over https and register the `https` URI; use `http` only for
    /// `http://127.0.0.1:{port}` loopback redirects of native apps.
    ///
    /// ## References
    /// RFC 6749 §3.1.2.1; RFC 8252 §7.3, §8.3; RFC 9700 §2.1; OAuth 2.1 draft §2.3.1
    pub struct Redir003 {
        code: "REDIR003",
        name: "redirect-uri-without-tls",
        title: "non-TLS redirect_uri",
        category: RedirectUri,
        severity: Warning,
        kind: Both,
        fix: "serve the callback over https and register that URI; keep http only for loopback redirects of native apps",
        references: ["RFC 6749 §3.1.2.1", "RFC 8252 §7.3", "RFC 9700 §2.1"],
    }
}

impl Rule for Redir003 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<String> = Vec::new();
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let Some(ru) = e.request.param("redirect_uri") else {
                continue;
            };
            let Ok(u) = Url::parse(ru.trim()) else {
                continue;
            };
            if u.scheme() != "http" || u.host_str().is_none_or(is_loopback) {
                continue;
            }
            if seen.contains(&ru) {
                continue;
            }
            seen.push(ru.clone());
            // Anchor on the first exchange with this URI that failed, else the first one.
            let anchor = ex
                .iter()
                .filter(|x| {
                    is_authz_request(x) && x.request.param("redirect_uri").as_deref() == Some(&ru)
                })
                .find(|x| x.failed())
                .unwrap_or(e);
            let rejection = redirect_rejection(anchor);
            let rejected = rejection.is_some();
            let for_tls = rejection
                .as_ref()
                .is_some_and(RedirectRejection::demands_https);
            let mut rep = cx
                .report(
                    anchor.index,
                    format!(
                        "`redirect_uri` `{ru}` uses plain http on the non-loopback host `{}`{}",
                        u.host_str().unwrap_or(""),
                        if for_tls {
                            "; the server rejected it and requires https"
                        } else if rejected {
                            "; the server rejected it"
                        } else {
                            ": the authorization response crosses the network unencrypted"
                        }
                    ),
                )
                .strength(Strength::Direct)
                .text(anchor.index, "request.query.redirect_uri", ru.clone());
            if for_tls {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// REDIR004
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a rejected loopback redirect URI (`http://localhost:PORT/…`,
    /// `http://127.0.0.1:PORT/…`, `http://[::1]:PORT/…`) and says whether the port or the
    /// host spelling differs from a loopback URI that worked for the same client in the
    /// capture.
    ///
    /// ## Why it fails
    /// Native apps listen on an ephemeral port, so RFC 8252 §7.3 says the server must accept
    /// any port for loopback redirect URIs. Many servers still compare the whole string: a new
    /// port, or `localhost` where `127.0.0.1` is registered (RFC 8252 §8.3 recommends the IP
    /// literal), is a mismatch.
    ///
    /// ## Example
    /// Registered `http://127.0.0.1:8400/callback`; the app sends
    /// `http://localhost:51234/callback` → `invalid_redirect_uri`.
    ///
    /// ## Fix
    /// Use `127.0.0.1` (or `[::1]`) rather than `localhost`; with a server that compares ports,
    /// register each port or use a fixed one; prefer a server that ignores the loopback port.
    ///
    /// ## References
    /// RFC 8252 §7.3, §8.3; RFC 9700 §2.1
    pub struct Redir004 {
        code: "REDIR004",
        name: "loopback-redirect-variance",
        title: "loopback redirect with port or host-name variance",
        category: RedirectUri,
        severity: Warning,
        kind: Diag,
        fix: "use `127.0.0.1` rather than `localhost`, and register the port or use a server that ignores loopback ports",
        references: ["RFC 8252 §7.3", "RFC 8252 §8.3", "RFC 9700 §2.1"],
    }
}

impl Rule for Redir004 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let Some(ru) = e.request.param("redirect_uri") else {
                continue;
            };
            let Ok(u) = Url::parse(ru.trim()) else {
                continue;
            };
            let host = u.host_str().unwrap_or("").to_string();
            if !is_loopback(&host) {
                continue;
            }
            let Some(rej) = redirect_rejection(e) else {
                continue;
            };
            let client = e.request.param("client_id");
            let good: Vec<(usize, String)> =
                known_good_uris(cx, client.as_deref(), e.request.host())
                    .into_iter()
                    .filter(|(_, g)| {
                        Url::parse(g)
                            .ok()
                            .and_then(|p| p.host_str().map(is_loopback))
                            .unwrap_or(false)
                    })
                    .collect();
            let (msg, strength, other) = match closest(&ru, &good) {
                Some((i, reg, _)) => {
                    let g = Url::parse(&reg).ok();
                    let gh = g.as_ref().and_then(|p| p.host_str()).unwrap_or("");
                    let mut what = Vec::new();
                    if gh != host {
                        what.push(format!("host `{host}` instead of `{gh}`"));
                    }
                    if g.as_ref().and_then(Url::port_or_known_default) != u.port_or_known_default()
                    {
                        what.push(format!(
                            "port `{}` instead of `{}`",
                            u.port_or_known_default().unwrap_or(0),
                            g.as_ref().and_then(Url::port_or_known_default).unwrap_or(0)
                        ));
                    }
                    if what.is_empty() {
                        continue; // not a loopback variance: REDIR001 explains it
                    }
                    (
                        format!(
                            "loopback `redirect_uri` `{ru}` was rejected ({}) while `{reg}` worked in exchange {}: {}",
                            rej.what,
                            i + 1,
                            what.join(", ")
                        ),
                        Strength::Recomputed,
                        Some((i, reg)),
                    )
                }
                // Without a URI that worked, only a loopback URI with nothing else suspicious
                // (a trailing slash, a query…) points at the port or host spelling.
                None if uri_suspects(&ru).iter().any(|s| {
                    !(s.contains("localhost")
                        || s.contains("loopback")
                        || s.starts_with("the port"))
                }) =>
                {
                    continue;
                }
                None => (
                    format!(
                        "loopback `redirect_uri` `{ru}` was rejected ({}): the server compares {} literally{}",
                        rej.what,
                        if u.port().is_some() {
                            "the host spelling and the port"
                        } else {
                            "the host spelling"
                        },
                        if host == "localhost" {
                            "; `localhost` and `127.0.0.1` are different registrations"
                        } else {
                            ""
                        }
                    ),
                    Strength::Heuristic,
                    None,
                ),
            };
            let mut rep = cx.report(e.index, msg).strength(strength).text(
                e.index,
                "request.query.redirect_uri",
                ru.clone(),
            );
            if let Some((i, reg)) = other {
                rep = rep.text(i, "request.query.redirect_uri", reg);
            }
            if rej.explicit {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// REDIR005
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags redirect URIs that look like patterns (a `*` wildcard) or that carry a return
    /// target pointing to another site in their own query (`next=`, `url=`, `return=`,
    /// `returnTo=`, `continue=`, `redirect=`, …). (The catalogue also mentions registered URIs
    /// with wildcards in the client configuration; a capture does not hold the registration,
    /// so only the URIs sent are checked.)
    ///
    /// ## Why it fails
    /// Pattern matching of redirect URIs and open redirectors on the client let an attacker
    /// steer the authorization code or token to a site they control (RFC 9700 §4.1, §4.11).
    /// Nothing fails today; the flow is exploitable.
    ///
    /// ## Example
    /// `redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fnext%3Dhttps%3A%2F%2Fevil.example`.
    ///
    /// ## Fix
    /// Register exact redirect URIs; keep the post-login destination in the session (or in
    /// `state`) and validate it against a list of local paths.
    ///
    /// ## References
    /// RFC 9700 §4.1, §4.11; RFC 6749 §10.15
    pub struct Redir005 {
        code: "REDIR005",
        name: "redirect-uri-pattern-or-open-redirect",
        title: "pattern or open-redirecting redirect_uri",
        category: RedirectUri,
        severity: Warning,
        kind: Lint,
        fix: "register exact redirect URIs and keep the post-login destination in the session, validated against local paths",
        references: ["RFC 9700 §4.1", "RFC 9700 §4.11", "RFC 6749 §10.15"],
    }
}

const RETURN_PARAMS: [&str; 16] = [
    "next",
    "url",
    "return",
    "returnto",
    "return_to",
    "returnurl",
    "return_url",
    "redirect",
    "redirect_uri",
    "redirect_url",
    "redirectto",
    "continue",
    "dest",
    "destination",
    "goto",
    "target",
];

impl Rule for Redir005 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let mut seen: Vec<String> = Vec::new();
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let Some(ru) = e.request.param("redirect_uri") else {
                continue;
            };
            if seen.contains(&ru) {
                continue;
            }
            let mut why = None;
            if ru.contains('*') {
                why = Some("it contains a `*` wildcard".to_string());
            } else if let Ok(u) = Url::parse(ru.trim()) {
                let host = u.host_str().unwrap_or("").to_ascii_lowercase();
                for (k, v) in u.query_pairs() {
                    if !RETURN_PARAMS.contains(&k.to_ascii_lowercase().as_str()) {
                        continue;
                    }
                    let target = if v.starts_with("//") {
                        Url::parse(&format!("https:{v}")).ok()
                    } else {
                        Url::parse(&v).ok()
                    };
                    if let Some(t) = target.filter(|t| matches!(t.scheme(), "http" | "https")) {
                        let th = t.host_str().unwrap_or("").to_ascii_lowercase();
                        if !th.is_empty() && th != host && !th.ends_with(&format!(".{host}")) {
                            why = Some(format!(
                                "its query parameter `{k}` sends the browser on to `{th}`, another site"
                            ));
                            break;
                        }
                    }
                }
            }
            let Some(why) = why else { continue };
            seen.push(ru.clone());
            cx.report(
                e.index,
                format!("`redirect_uri` `{ru}` can be abused as a redirector: {why}"),
            )
            .strength(Strength::Direct)
            .text(e.index, "request.query.redirect_uri", ru.clone())
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// REDIR006
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags an authorization (or PAR) request without `redirect_uri` when it is an OpenID
    /// Connect request (`scope` contains `openid`, where the parameter is required) or when the
    /// server rejected it. Requests that pass their parameters by reference (`request_uri`,
    /// `request`) are not checked here.
    ///
    /// ## Why it fails
    /// RFC 6749 lets a client omit `redirect_uri` only when exactly one URI is registered; OpenID
    /// Connect Core §3.1.2.1 makes it mandatory. Without it the server cannot pick a
    /// destination and shows an error page, or picks a default the client did not expect; the
    /// token request must then also omit it (GRANT004).
    ///
    /// ## Example
    /// `GET /authorize?response_type=code&client_id=web&scope=openid%20profile&state=…` →
    /// `400 {"error":"invalid_request","error_description":"missing redirect_uri"}`.
    ///
    /// ## Fix
    /// Always send `redirect_uri` (a registered one), and the same value at the token endpoint.
    ///
    /// ## References
    /// RFC 6749 §3.1.2.3, §4.1.1; OpenID Connect Core §3.1.2.1
    pub struct Redir006 {
        code: "REDIR006",
        name: "redirect-uri-omitted",
        title: "redirect_uri omitted",
        category: RedirectUri,
        severity: Error,
        kind: Diag,
        fix: "always send a registered `redirect_uri` in the authorization request (and the same value in the token request)",
        references: ["RFC 6749 §3.1.2.3", "RFC 6749 §4.1.1", "OpenID Connect Core §3.1.2.1"],
    }
}

impl Rule for Redir006 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| is_authz_request(e)) {
            let r = &e.request;
            if r.param("redirect_uri")
                .is_some_and(|v| !v.trim().is_empty())
                || r.param("request_uri").is_some()
                || r.param("request").is_some()
            {
                continue;
            }
            // A PAR-based authorization request carries only client_id + request_uri; the PAR
            // itself is checked instead.
            let oidc = r
                .param("scope")
                .is_some_and(|s| s.split_whitespace().any(|x| x == "openid"));
            let blames = error_code(e)
                .and_then(|x| {
                    let d = x.description.unwrap_or_default().to_ascii_lowercase();
                    (REDIRECT_CODES.contains(&x.code.as_str()) || d.contains("redirect"))
                        .then_some(x.code)
                })
                .or_else(|| redirect_rejection(e).map(|x| x.what));
            let failed = e.failed();
            if !(oidc || failed) {
                continue;
            }
            let (strength, why) = match (&blames, oidc) {
                (Some(w), _) => (
                    Strength::Direct,
                    format!("; the server answered {w}"),
                ),
                (None, true) => (
                    Strength::Direct,
                    "; OpenID Connect requires it".to_string(),
                ),
                (None, false) => (
                    Strength::Heuristic,
                    "; the server refused the request and may have no single registered URI to fall back to".to_string(),
                ),
            };
            let mut rep = cx
                .report(
                    e.index,
                    format!(
                        "the {} request has no `redirect_uri`{why}",
                        if e.kind == Kind::Par {
                            "pushed authorization"
                        } else {
                            "authorization"
                        }
                    ),
                )
                .strength(strength)
                .text(e.index, "request.query.redirect_uri", "(absent)");
            if blames.is_some() {
                rep = rep.confirmed();
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// REDIR007
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags a callback that failed because it looked for the authorization response in the
    /// wrong place: the server put `code`/`error` in the URL fragment (`response_mode=fragment`,
    /// or a hybrid/implicit `response_type`) which never reaches a server-side handler, or it
    /// POSTed them (`response_mode=form_post`) to a handler that only reads the query.
    ///
    /// ## Why it fails
    /// The response location follows the response mode: query for `code`, fragment for
    /// implicit and hybrid types, a form POST for `form_post`. A browser never sends the
    /// fragment to the server, and a GET-only route answers 404/405 to a POST. The callback
    /// reports "missing code" although the authorization succeeded.
    ///
    /// ## Example
    /// `302 Location: https://app.example.com/cb#code=…&state=…` then
    /// `GET https://app.example.com/cb` → `400 missing code`.
    ///
    /// ## Fix
    /// Align `response_mode` with the callback handler: `query` for server-side handlers,
    /// accept POST for `form_post`, read `location.hash` in browser code for `fragment`.
    ///
    /// ## References
    /// RFC 6749 §4.1.2, §4.2.2; OAuth 2.0 Multiple Response Type Encoding Practices §2, §5;
    /// OAuth 2.0 Form Post Response Mode §2
    pub struct Redir007 {
        code: "REDIR007",
        name: "callback-reads-wrong-location",
        title: "callback reads the wrong response location",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "align `response_mode` with the callback handler (query for server-side routes, accept POST for form_post, read the fragment in browser code)",
        references: ["RFC 6749 §4.1.2", "OAuth 2.0 Multiple Response Type Encoding Practices §5", "OAuth 2.0 Form Post Response Mode §2"],
    }
}

/// The callback handler complained about a missing code or response.
fn says_missing_code(e: &Exchange) -> bool {
    let Some(r) = &e.response else { return false };
    let body = r.body.as_deref().unwrap_or("");
    let t = if r.is_html() {
        page_text(body)
    } else {
        body.to_string()
    }
    .to_ascii_lowercase();
    [
        "missing code",
        "no code",
        "code is missing",
        "code missing",
        "missing authorization code",
        "no authorization code",
        "code not found",
        "missing required parameter: code",
        "missing_code",
    ]
    .iter()
    .any(|w| t.contains(w))
}

impl Rule for Redir007 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for c in callbacks(cx) {
            // Fragment delivery followed by a server-side callback that found nothing.
            if let Some(li) = c.location {
                let Some(frag) = c.url.split_once('#').map(|(_, f)| f) else {
                    continue;
                };
                let fp = Params::parse(frag);
                if !(fp.has("code") || fp.has("error")) {
                    continue;
                }
                let Some(cb) = callback_request_after(ex, li, &c.endpoint) else {
                    continue;
                };
                if cb.request.query.has("code") || cb.request.query.has("error") {
                    continue;
                }
                let refused = cb.status().is_some_and(|s| s >= 400) || says_missing_code(cb);
                if !refused {
                    continue;
                }
                let az = request_for(ex, &c);
                let mode = az
                    .and_then(|a| a.request.param("response_mode"))
                    .map(|m| format!("`response_mode={m}`"))
                    .or_else(|| {
                        az.and_then(|a| a.request.param("response_type"))
                            .map(|t| format!("`response_type={t}`"))
                    })
                    .unwrap_or_else(|| "the server's default".into());
                cx.report(
                    cb.index,
                    format!(
                        "the authorization response put `{}` in the URL fragment ({mode}), which the browser never sends to the server; the callback `{}` answered {} without it",
                        if fp.has("code") { "code" } else { "error" },
                        c.endpoint,
                        cb.status().unwrap_or(0)
                    ),
                )
                .strength(Strength::Direct)
                .text(li, "response.headers.location", strip_uri(&c.url) + "#…")
                .text(cb.index, "request.url", cb.request.url.clone())
                .emit();
                continue;
            }
            // form_post delivery to a handler that does not take POST.
            let Some(ri) = c.request else { continue };
            let cb = &ex[ri];
            if cb.request.method != "POST"
                || !(cb.request.form.has("code") || cb.request.form.has("error"))
            {
                continue;
            }
            let status = cb.status().unwrap_or(0);
            if !(matches!(status, 404 | 405) || status >= 400 && says_missing_code(cb)) {
                continue;
            }
            cx.report(
                ri,
                format!(
                    "the authorization response was POSTed to `{}` (`response_mode=form_post`) but the handler answered {status}: it reads the query of a GET",
                    c.endpoint
                ),
            )
            .strength(Strength::Direct)
            .text(ri, "request.method", "POST")
            .text(ri, "response.status", status.to_string())
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// REDIR008
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Checks the `iss` parameter of authorization responses (RFC 9207): it must equal the
    /// `issuer` of the metadata of the server the authorization request was sent to, and must
    /// be present when that metadata says `authorization_response_iss_parameter_supported:
    /// true`.
    ///
    /// ## Why it fails
    /// `iss` is the client's defence against mix-up attacks: a response whose issuer is not the
    /// one the client started with may come from another (possibly malicious) authorization
    /// server, and the client must reject it. A missing `iss` from a server that announced it
    /// also fails strict clients.
    ///
    /// ## Example
    /// Metadata `issuer: https://login.example.com/realms/acme`; callback
    /// `…/cb?code=…&state=…&iss=https%3A%2F%2Flogin.example.com%2Frealms%2Fother`.
    ///
    /// ## Fix
    /// Reject the response (possible mix-up); check which server the client really talks to and
    /// compare `iss` with the issuer the authorization request was sent to.
    ///
    /// ## References
    /// RFC 9207 §2, §2.4, §3; RFC 9700 §4.4
    pub struct Redir008 {
        code: "REDIR008",
        name: "authorization-response-iss",
        title: "iss in authorization response missing or wrong",
        category: AudienceIssuer,
        severity: Error,
        kind: Diag,
        fix: "reject the response (possible mix-up) and compare `iss` with the issuer the authorization request was sent to",
        references: ["RFC 9207 §2.4", "RFC 9207 §3", "RFC 9700 §4.4"],
    }
}

/// The metadata document describing the server an authorization request went to.
pub(super) fn metadata_for<'a>(cx: &Context<'a>, az: &Exchange) -> Option<&'a serde_json::Value> {
    let ep = az
        .request
        .endpoint()
        .trim_end_matches('/')
        .to_ascii_lowercase();
    let idx: &'a crate::model::flow::Index = cx.index;
    idx.metadata.iter().map(|(_, d)| &**d).find(|d| {
        d.get("authorization_endpoint")
            .and_then(|v| v.as_str())
            .is_some_and(|a| strip_uri(a).trim_end_matches('/').to_ascii_lowercase() == ep)
            || d.get("pushed_authorization_request_endpoint")
                .and_then(|v| v.as_str())
                .is_some_and(|a| strip_uri(a).trim_end_matches('/').to_ascii_lowercase() == ep)
    })
}

impl Rule for Redir008 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for c in callbacks(cx) {
            let Some(az) = request_for(ex, &c) else {
                continue;
            };
            let Some(md) = metadata_for(cx, az) else {
                continue;
            };
            let Some(issuer) = md.get("issuer").and_then(|v| v.as_str()) else {
                continue;
            };
            let supported = md
                .get("authorization_response_iss_parameter_supported")
                .and_then(|v| v.as_bool())
                == Some(true);
            let at = if c.request.is_some() {
                "request.query.iss"
            } else {
                "response.headers.location.iss"
            };
            match c.params.get("iss") {
                Some(iss) if iss != issuer => {
                    cx.report(
                        c.anchor(),
                        format!(
                            "the authorization response names issuer `{iss}` but the authorization request went to `{issuer}`"
                        ),
                    )
                    .strength(Strength::Recomputed)
                    .text(c.anchor(), at, iss)
                    .text(az.index, "metadata.issuer", issuer)
                    .emit();
                }
                None if supported => {
                    cx.report(
                        c.anchor(),
                        format!(
                            "the authorization response has no `iss` although `{issuer}` announces `authorization_response_iss_parameter_supported`"
                        ),
                    )
                    .strength(Strength::Direct)
                    .text(c.anchor(), at, "(absent)")
                    .text(
                        az.index,
                        "metadata.authorization_response_iss_parameter_supported",
                        "true",
                    )
                    .emit();
                }
                _ => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// REDIR009
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Compares the `state` of each authorization response with the `state` of the
    /// authorization request it answers: absent, altered by an extra encoding or decoding step,
    /// belonging to an earlier authorization request (parallel logins, several tabs), or simply
    /// different. A `state` that still holds percent-escapes after the URL decode is reported
    /// when the callback failed (the client encoded it twice before sending it).
    ///
    /// ## Why it fails
    /// The client stores `state` per transaction and must reject a response whose `state` does
    /// not match (CSRF protection). A second login in another tab overwrites the stored value,
    /// a lost session cookie loses it, and an encoding step on one side changes it.
    ///
    /// ## Example
    /// Authorization request `state=a1b2+c3` (sent as `a1b2%2Bc3`, the client encoded the `+`
    /// twice as `%252B`); callback `state=a1b2%2Bc3` → "state mismatch".
    ///
    /// ## Fix
    /// Store `state` per transaction (keyed by its value, not one slot per session), encode it
    /// exactly once, and make sure the session cookie reaches the callback (see REDIR010).
    ///
    /// ## References
    /// RFC 6749 §4.1.1, §4.1.2, §10.12; RFC 9700 §4.7
    pub struct Redir009 {
        code: "REDIR009",
        name: "state-mismatch",
        title: "state missing or mismatched in the authorization response",
        category: Parameters,
        severity: Error,
        kind: Diag,
        fix: "store `state` per transaction, URL-encode it exactly once, and keep the session cookie available on the callback",
        references: ["RFC 6749 §4.1.2", "RFC 6749 §10.12", "RFC 9700 §4.7"],
    }
}

/// Percent-decode repeatedly (at most 3 times) until stable.
fn fully_decoded(s: &str) -> String {
    let mut cur = s.to_string();
    for _ in 0..3 {
        let next = form_decode(&cur);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

/// The callback's error page names a cause other than `state`.
fn names_other_cause(e: &Exchange) -> bool {
    let Some(r) = &e.response else { return false };
    let body = r.body.as_deref().unwrap_or("").to_ascii_lowercase();
    [
        "invalid_grant",
        "invalid_client",
        "pkce",
        "code_verifier",
        "code verifier",
        "access_denied",
        "nonce",
        "unauthorized_client",
        "invalid_scope",
        "server_error",
    ]
    .iter()
    .any(|w| body.contains(w))
}

/// A value replaced by whoever shared the capture (`...`, `REDACTED`, `<state>`, `xxxx`).
fn is_placeholder(v: &str) -> bool {
    let t = v.trim();
    let low = t.to_ascii_lowercase();
    t.chars()
        .all(|c| matches!(c, '.' | '*' | '…' | 'x' | 'X' | '-' | '_'))
        || low.contains("redacted")
        || low.contains("...")
        || t.starts_with('<') && t.ends_with('>')
        || t.starts_with('{') && t.ends_with('}')
}

/// The callback handler complained about `state`.
fn says_state_error(e: &Exchange) -> bool {
    let Some(r) = &e.response else { return false };
    let body = r.body.as_deref().unwrap_or("").to_ascii_lowercase();
    body.contains("state")
        && [
            "mismatch",
            "invalid",
            "does not match",
            "missing",
            "unknown",
            "not match",
        ]
        .iter()
        .any(|w| body.contains(w))
}

impl Rule for Redir009 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for c in callbacks(cx) {
            let first = c.location.or(c.request).unwrap_or(0);
            let before = &ex[..(first + 1).min(ex.len())];
            let Some(latest) = latest_request_to(before, &c.endpoint) else {
                continue;
            };
            let Some(sent) = latest.request.param("state") else {
                continue;
            };
            let anchor = c.anchor();
            let cb = &ex[anchor];
            // The client refused the callback, and not for a reason it names itself (a failed
            // code exchange, a PKCE error).
            let refused = c.request.is_some()
                && (says_state_error(cb)
                    || cb.status().is_some_and(|s| s >= 400) && !names_other_cause(cb));
            let at = if c.request.is_some() {
                "request.query.state"
            } else {
                "response.headers.location.state"
            };
            let got = c.params.get("state");
            if got.is_some_and(is_placeholder) || is_placeholder(&sent) {
                continue; // an anonymised capture
            }
            // An encoding difference is a `content_type_encoding` root cause (DESIGN.md).
            let encoding = got.is_some_and(|g| {
                g != sent && fully_decoded(g) == fully_decoded(&sent)
                    || g == sent && has_percent_escape(&sent)
            });
            let (msg, strength) = match got {
                None => (
                    format!(
                        "the authorization request (exchange {}) sent `state` but the authorization response carries none",
                        latest.number()
                    ),
                    Strength::Direct,
                ),
                Some(g) if g == sent => {
                    if !(refused && has_percent_escape(&sent)) {
                        continue;
                    }
                    (
                        format!(
                            "`state` `{sent}` still holds percent-escapes after URL decoding: the client encoded it twice, so its own comparison fails (the callback answered {})",
                            cb.status().unwrap_or(0)
                        ),
                        Strength::Heuristic,
                    )
                }
                Some(g) if fully_decoded(g) == fully_decoded(&sent) => {
                    let how = if form_decode(g) == sent {
                        "the server (or a proxy) URL-encoded it once more on the way back"
                    } else if form_decode(&sent) == g {
                        "the value lost one URL-encoding level on the way back"
                    } else {
                        "an extra URL-encoding or decoding step changed it"
                    };
                    (
                        format!(
                            "`state` came back as `{g}` but was sent as `{sent}` (exchange {}): {how}",
                            latest.number()
                        ),
                        Strength::Recomputed,
                    )
                }
                Some(g) => {
                    let earlier = before.iter().rev().find(|e| {
                        e.index != latest.index
                            && e.kind == Kind::Authorize
                            && e.request.param("state").as_deref() == Some(g)
                    });
                    match earlier {
                        Some(x) => {
                            if !refused {
                                continue; // parallel transactions handled correctly
                            }
                            (
                                format!(
                                    "the authorization response carries the `state` of an earlier authorization request (exchange {}), not of the latest one (exchange {}): parallel logins or tabs share one stored state",
                                    x.number(),
                                    latest.number()
                                ),
                                Strength::Recomputed,
                            )
                        }
                        None => (
                            format!(
                                "the authorization response carries `state` `{g}` but the authorization request (exchange {}) sent `{sent}`",
                                latest.number()
                            ),
                            Strength::Recomputed,
                        ),
                    }
                }
            };
            let mut rep = cx
                .report(anchor, msg)
                .strength(strength)
                .text(latest.index, "request.query.state", sent.clone())
                .text(anchor, at, got.unwrap_or("(absent)"));
            if encoding {
                rep = rep.category(Category::ContentTypeEncoding);
            }
            if refused {
                rep = rep.text(
                    anchor,
                    "response.status",
                    cb.status().unwrap_or(0).to_string(),
                );
            }
            rep.emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// REDIR010
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Compares the cookies the client's own origin set (or received) before the authorization
    /// request with the `Cookie` header of the callback request. When the callback arrives
    /// without them — typically a cross-site `form_post` callback and a cookie with
    /// `SameSite=Lax` (the browser default) or `Strict` — the client has lost the transaction
    /// data (`state`, `nonce`, PKCE verifier) it stored in the session. Captures without any
    /// cookie header (sanitized browser exports) are not judged.
    ///
    /// ## Why it fails
    /// The callback comes from the authorization server's site. Browsers send `SameSite=Lax`
    /// cookies only on top-level GET navigations and `Strict` cookies not at all on cross-site
    /// requests, so a `form_post` callback (a cross-site POST) reaches the client without its
    /// session: "state mismatch", "nonce missing", "code_verifier not found".
    ///
    /// ## Example
    /// `GET https://app.example.com/login` → `Set-Cookie: sid=…; SameSite=Lax`; … `POST
    /// https://app.example.com/cb` (form_post, no `Cookie`) → `400 invalid state`.
    ///
    /// ## Fix
    /// Mark the transaction cookie `SameSite=None; Secure`, or use the query response mode so
    /// the callback is a top-level GET.
    ///
    /// ## References
    /// RFC 6265bis §5.4.7 (SameSite); OAuth 2.0 Form Post Response Mode §2; RFC 9700 §4.7
    pub struct Redir010 {
        code: "REDIR010",
        name: "callback-cookie-dropped",
        title: "session cookie dropped on the cross-site callback",
        category: Other,
        severity: Error,
        kind: Diag,
        fix: "mark the transaction cookie `SameSite=None; Secure`, or use the query response mode so the callback is a top-level GET",
        references: ["RFC 6265bis §5.4.7", "OAuth 2.0 Form Post Response Mode §2", "RFC 9700 §4.7"],
    }
}

/// A cookie set by a response: name and its `SameSite` attribute (lower case, if any).
fn set_cookies(e: &Exchange) -> Vec<(String, Option<String>, bool)> {
    let Some(r) = &e.response else {
        return Vec::new();
    };
    r.headers
        .get_all("set-cookie")
        .filter_map(|v| {
            let mut parts = v.split(';');
            let (name, value) = parts.next()?.split_once('=')?;
            let mut same_site = None;
            let mut deleted = value.trim().is_empty();
            for p in parts {
                let p = p.trim().to_ascii_lowercase();
                if let Some(s) = p.strip_prefix("samesite=") {
                    same_site = Some(s.trim().to_string());
                }
                if p == "max-age=0" || p.starts_with("expires=thu, 01 jan 1970") {
                    deleted = true;
                }
            }
            Some((name.trim().to_string(), same_site, deleted))
        })
        .collect()
}

fn cookie_names(e: &Exchange) -> Vec<String> {
    e.request
        .headers
        .get_all("cookie")
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.split_once('=').map(|(k, _)| k.trim().to_string()))
        .filter(|k| !k.is_empty())
        .collect()
}

impl Rule for Redir010 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        let any_cookie = ex.iter().any(|e| {
            e.request.headers.contains("cookie")
                || e.response
                    .as_ref()
                    .is_some_and(|r| r.headers.contains("set-cookie"))
        });
        if !any_cookie {
            return;
        }
        // The transaction must have started here: an authorization request before it.
        let cbs: Vec<(usize, Callback)> = callbacks(cx)
            .into_iter()
            .filter_map(|c| Some((c.request?, c)))
            .filter(|(_, c)| request_for(ex, c).is_some())
            .collect();
        if cbs.is_empty() {
            return;
        }
        // Cookies each origin holds before each callback (name → SameSite), in one pass.
        type Jar = Vec<(String, Option<String>, usize)>;
        let wanted: std::collections::HashSet<usize> = cbs.iter().map(|(ri, _)| *ri).collect();
        let mut jars: std::collections::HashMap<(&str, &str, Option<u16>), Jar> =
            std::collections::HashMap::new();
        let mut before: std::collections::HashMap<usize, Jar> = std::collections::HashMap::new();
        for e in ex {
            let Some(o) = e.request.origin() else {
                continue;
            };
            let held = jars.entry(o).or_default();
            if wanted.contains(&e.index) {
                before.insert(e.index, held.clone());
            }
            for n in cookie_names(e) {
                if !held.iter().any(|(h, _, _)| *h == n) {
                    held.push((n, Some("unknown".into()), e.index));
                }
            }
            for (n, ss, deleted) in set_cookies(e) {
                held.retain(|(h, _, _)| *h != n);
                if !deleted {
                    held.push((n, ss, e.index));
                }
            }
        }
        for (ri, c) in cbs {
            let cb = &ex[ri];
            let Some(origin) = origin_of(&cb.request.url) else {
                continue;
            };
            let Some(held) = before.get(&ri).filter(|h| !h.is_empty()) else {
                continue;
            };
            let sent = cookie_names(cb);
            let missing: Vec<&(String, Option<String>, usize)> =
                held.iter().filter(|(n, _, _)| !sent.contains(n)).collect();
            if missing.is_empty() {
                continue;
            }
            let cross_site_post = cb.request.method == "POST";
            // No attribute means Lax in current browsers; `unknown` = only seen in a request.
            let explained = missing.iter().any(|(_, ss, _)| match ss.as_deref() {
                None | Some("lax") => cross_site_post,
                Some("strict") => true,
                _ => false,
            });
            let refused = cb.status().is_some_and(|s| s >= 400) || says_state_error(cb);
            if !(refused || explained) {
                continue;
            }
            let explains = |ss: &Option<String>| match ss.as_deref() {
                None | Some("lax") => cross_site_post,
                Some("strict") => true,
                _ => false,
            };
            // The cookies the SameSite rules explain first; the others only as a count.
            let shown: Vec<&&(String, Option<String>, usize)> = if explained {
                missing.iter().filter(|(_, ss, _)| explains(ss)).collect()
            } else {
                missing.iter().collect()
            };
            let others = missing.len() - shown.len();
            let names: Vec<String> = shown
                .iter()
                .map(|(n, ss, _)| match ss.as_deref() {
                    Some("unknown") => format!("`{n}`"),
                    Some(s) => format!("`{n}` (SameSite={s})"),
                    None => format!("`{n}` (no SameSite attribute: Lax)"),
                })
                .collect();
            let mut listed = names.join(", ");
            if others > 0 {
                listed.push_str(&format!(" and {others} other cookie(s)"));
            }
            let why = if explained && cross_site_post {
                "the callback is a cross-site POST (form_post), on which browsers do not send `SameSite=Lax` or `Strict` cookies (Lax is the default)"
            } else if explained {
                "`SameSite=Strict` cookies are not sent on the cross-site navigation back from the authorization server"
            } else {
                "the browser did not send them back"
            };
            let (ni, set_at) = (shown[0].0.clone(), shown[0].2);
            cx.report(
                ri,
                format!(
                    "the callback `{} {}` arrived without the cookie(s) {} that `{origin}` had before the login: {why}{}",
                    cb.request.method,
                    c.endpoint,
                    listed,
                    if refused {
                        format!("; the callback answered {}", cb.status().unwrap_or(0))
                    } else {
                        String::new()
                    }
                ),
            )
            .strength(if explained {
                Strength::Recomputed
            } else {
                Strength::Heuristic
            })
            .text(
                set_at,
                if set_cookies(&ex[set_at]).iter().any(|(n, _, _)| *n == ni) {
                    "response.headers.set-cookie"
                } else {
                    "request.headers.cookie"
                },
                ni.clone(),
            )
            .text(
                ri,
                "request.headers.cookie",
                if sent.is_empty() {
                    "(none)".to_string()
                } else {
                    sent.join(", ")
                },
            )
            .emit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// REDIR011
// ---------------------------------------------------------------------------------------------

declare_rule! {
    /// ## What it does
    /// Flags an authorization server that redirected the browser to a `redirect_uri` it had
    /// itself declared invalid: the error in the `Location` is about the redirect URI.
    ///
    /// ## Why it fails
    /// When the redirect URI is missing, invalid or not registered the server must not redirect
    /// to it (RFC 6749 §4.1.2.1) but show an error page: redirecting anywhere an attacker
    /// names makes the server an open redirector. The client's failure itself is the redirect
    /// URI (REDIR001); this finding is about the server.
    ///
    /// ## Example
    /// `GET /authorize?redirect_uri=https%3A%2F%2Fevil.example%2F…` →
    /// `302 Location: https://evil.example/?error=invalid_request&error_description=redirect_uri+not+registered`.
    ///
    /// ## Fix
    /// An authorization-server defect: report it to the server's operator; fix the client's
    /// redirect URI meanwhile.
    ///
    /// ## References
    /// RFC 6749 §4.1.2.1, §10.15; RFC 9700 §4.11.2
    pub struct Redir011 {
        code: "REDIR011",
        name: "error-redirected-to-unvalidated-uri",
        title: "authorization server redirects errors to an unvalidated redirect_uri",
        category: RedirectUri,
        severity: Warning,
        kind: Lint,
        fix: "report the open redirect to the authorization server's operator and fix the client's redirect URI",
        references: ["RFC 6749 §4.1.2.1", "RFC 9700 §4.11.2"],
    }
}

impl Rule for Redir011 {
    fn check(&self, cx: &mut Context<'_>) {
        let ex = cx.exchanges;
        for e in ex.iter().filter(|e| e.kind == Kind::Authorize) {
            let Some(rej) = redirect_rejection(e) else {
                continue;
            };
            if !rej.via_location {
                continue;
            }
            let (Some(ru), Some(loc)) = (
                e.request.param("redirect_uri"),
                e.response.as_ref().and_then(|r| r.location()),
            ) else {
                continue;
            };
            if strip_uri(loc) != strip_uri(&ru) {
                continue;
            }
            cx.report(
                e.index,
                format!(
                    "the authorization server declared `redirect_uri` `{ru}` invalid ({}) and still redirected the browser to it",
                    rej.what
                ),
            )
            .strength(Strength::Direct)
            .text(e.index, "response.headers.location", strip_uri(loc))
            .emit();
        }
    }
}

/// Builds small captures for the family tests of `redir`, `bcp` and `dev`.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
            "::1",
            "a.localhost",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["example.com", "10.0.0.1", "localhost.example.com"] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn diff_names_each_component() {
        let d = uri_diff("https://app.example.com/cb/", "https://app.example.com/cb");
        assert!(d[0].starts_with("trailing slash"), "{d:?}");
        let d = uri_diff("http://localhost:8976/cb", "http://127.0.0.1:8976/cb");
        assert!(d[0].starts_with("loopback host"), "{d:?}");
        let d = uri_diff("http://127.0.0.1:5000/cb", "http://127.0.0.1:8976/cb");
        assert_eq!(d, ["port `5000` vs `8976`"]);
        let d = uri_diff("http://app.example.com/cb", "https://app.example.com/cb");
        assert!(d[0].starts_with("scheme"), "{d:?}");
        let d = uri_diff(
            "https%3A%2F%2Fapp.example.com%2Fcb",
            "https://app.example.com/cb",
        );
        assert!(d[0].contains("encoded twice"), "{d:?}");
        let d = uri_diff("https://app.example.com/CB", "https://app.example.com/cb");
        assert!(d[0].contains("letter case"), "{d:?}");
        let d = uri_diff(
            "https://app.example.com/cb?x=1",
            "https://app.example.com/cb",
        );
        assert!(d[0].starts_with("query"), "{d:?}");
    }

    #[test]
    fn suspects_of_a_lone_uri() {
        let s = uri_suspects("http://localhost:8976/cb/");
        assert!(s.iter().any(|x| x.contains("localhost")), "{s:?}");
        assert!(s.iter().any(|x| x.contains("trailing slash")), "{s:?}");
        assert!(uri_suspects("https://app.example.com/cb").is_empty());
        assert!(uri_suspects("urn:ietf:wg:oauth:2.0:oob")[0].contains("out-of-band"));
    }

    #[test]
    fn redirect_blame_needs_a_mismatch_phrase() {
        assert!(text_blames_redirect(
            "redirect_uri did not match any of the client's registered redirect_uris"
        ));
        assert!(text_blames_redirect(
            "We are sorry... Invalid parameter: redirect_uri"
        ));
        assert!(text_blames_redirect(
            "AADSTS50011: The redirect URI 'x' specified"
        ));
        assert!(!text_blames_redirect(
            "Error: invalid_client The OAuth client was not found. Request Details scope=email redirect_uri=http://localhost:5000/callback"
        ));
    }

    #[test]
    fn absolute_uris() {
        assert!(not_absolute("https://app.example.com/cb").is_none());
        assert!(not_absolute("com.example.app:/oauth2redirect").is_none());
        assert!(not_absolute("urn:ietf:wg:oauth:2.0:oob").is_none());
        assert!(not_absolute("/callback").is_some());
        assert!(not_absolute("https://app.example.com/#/callback").is_some());
        assert!(not_absolute("https:///cb").is_some());
    }

    use super::super::testkit::*;

    const AS: &str = "https://idp.example.com";

    fn az(
        t: f64,
        query: &str,
        status: u16,
        rh: &[(&str, &str)],
        rbody: Option<&str>,
    ) -> serde_json::Value {
        get(t, &format!("{AS}/authorize?{query}"), status, rh, rbody)
    }

    #[test]
    fn redir001_names_the_trailing_slash() {
        let f = run(vec![az(
            0.0,
            "client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%2F&state=s1",
            400,
            &[],
            Some(
                r#"{"error":"invalid_redirect_uri","error_description":"redirect_uri did not match any of the client's registered redirect_uris"}"#,
            ),
        )]);
        let r = find(&f, "REDIR001");
        assert!(r.message.contains("trailing slash"), "{}", r.message);
        assert_eq!(top_category(&f), "redirect_uri", "{}", summary(&f));
    }

    #[test]
    fn redir004_compares_with_a_loopback_uri_that_worked() {
        let good = "client_id=cli&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A8400%2Fcb&state=a";
        let bad = "client_id=cli&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A51234%2Fcb&state=b";
        let f = run(vec![
            az(
                0.0,
                good,
                302,
                &[("Location", "http://127.0.0.1:8400/cb?code=c1&state=a")],
                None,
            ),
            az(
                60.0,
                bad,
                400,
                &[],
                Some(r#"{"error":"redirect_uri_mismatch"}"#),
            ),
        ]);
        // Only the loopback port and host spelling differ: REDIR004 explains it, not REDIR001.
        assert!(!fired(&f, "REDIR001"), "{}", summary(&f));
        let l = find(&f, "REDIR004");
        assert_eq!(l.strength, crate::diagnosis::Strength::Recomputed);
        assert!(
            l.message.contains("port `51234` instead of `8400`"),
            "{}",
            l.message
        );
        assert_eq!(top_category(&f), "redirect_uri");
    }

    #[test]
    fn redir001_quiet_on_an_unknown_client_page() {
        let f = run(vec![az(
            0.0,
            "client_id=None&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A5000%2Fcallback",
            401,
            &[],
            Some(
                "<html><body>401. That's an error. Error: invalid_client The OAuth client was not found. Request Details redirect_uri=http://localhost:5000/callback</body></html>",
            ),
        )]);
        assert!(!fired(&f, "REDIR001"), "{}", summary(&f));
        assert!(!fired(&f, "REDIR004"), "{}", summary(&f));
    }

    #[test]
    fn redir002_fragment_and_relative() {
        let f = run(vec![az(
            0.0,
            "client_id=spa&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2F%23%2Fcallback&state=s",
            400,
            &[],
            Some(
                r#"{"error":"invalid_request","error_description":"redirect_uri must not contain a fragment"}"#,
            ),
        )]);
        assert!(find(&f, "REDIR002").message.contains("fragment"));
        let f = run(vec![az(
            0.0,
            "client_id=spa&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&state=s",
            302,
            &[(
                "Location",
                "https://app.example.com/callback?code=c&state=s",
            )],
            None,
        )]);
        assert!(!fired(&f, "REDIR002"));
    }

    #[test]
    fn redir003_http_but_not_loopback() {
        let f = run(vec![az(
            0.0,
            "client_id=web&response_type=code&redirect_uri=http%3A%2F%2Fapp.example.com%2Fcb&state=s",
            302,
            &[("Location", "https://idp.example.com/login")],
            None,
        )]);
        assert!(fired(&f, "REDIR003"));
        let f = run(vec![az(
            0.0,
            "client_id=cli&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A8400%2Fcb&state=s",
            302,
            &[("Location", "https://idp.example.com/login")],
            None,
        )]);
        assert!(!fired(&f, "REDIR003"));
    }

    #[test]
    fn redir005_open_redirect_target() {
        let f = run(vec![az(
            0.0,
            "client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fnext%3Dhttps%253A%252F%252Fevil.example%252F&state=s",
            302,
            &[("Location", "https://idp.example.com/login")],
            None,
        )]);
        assert!(find(&f, "REDIR005").message.contains("evil.example"));
    }

    #[test]
    fn redir006_oidc_without_redirect_uri() {
        let f = run(vec![az(
            0.0,
            "client_id=web&response_type=code&scope=openid%20profile&state=s",
            400,
            &[],
            Some(r#"{"error":"invalid_request","error_description":"missing redirect_uri"}"#),
        )]);
        assert!(fired(&f, "REDIR006"));
        assert_eq!(top_category(&f), "redirect_uri", "{}", summary(&f));
    }

    #[test]
    fn redir007_fragment_never_reaches_the_server() {
        let f = run(vec![
            az(
                0.0,
                "client_id=web&response_type=code&response_mode=fragment&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s1",
                302,
                &[("Location", "https://app.example.com/cb#code=abc&state=s1")],
                None,
            ),
            get(
                1.0,
                "https://app.example.com/cb",
                400,
                &[],
                Some("<html>missing code</html>"),
            ),
        ]);
        assert!(fired(&f, "REDIR007"), "{}", summary(&f));
    }

    #[test]
    fn redir008_iss_differs_from_metadata() {
        let md = r#"{"issuer":"https://idp.example.com","authorization_endpoint":"https://idp.example.com/authorize","token_endpoint":"https://idp.example.com/token","authorization_response_iss_parameter_supported":true}"#;
        let base = |loc: &str| {
            vec![
                get(0.0, DISCOVERY, 200, &[], Some(md)),
                az(
                    1.0,
                    "client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s1",
                    302,
                    &[("Location", loc)],
                    None,
                ),
            ]
        };
        let f = run(base(
            "https://app.example.com/cb?code=abc&state=s1&iss=https%3A%2F%2Fevil.example.com",
        ));
        assert!(fired(&f, "REDIR008"), "{}", summary(&f));
        let f = run(base("https://app.example.com/cb?code=abc&state=s1"));
        assert!(find(&f, "REDIR008").message.contains("no `iss`"));
        let f = run(base(
            "https://app.example.com/cb?code=abc&state=s1&iss=https%3A%2F%2Fidp.example.com",
        ));
        assert!(!fired(&f, "REDIR008"));
    }

    #[test]
    fn redir009_state_from_an_earlier_login() {
        let q = |s: &str| {
            format!(
                "client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state={s}"
            )
        };
        let f = run(vec![
            az(0.0, &q("first"), 200, &[], Some("<html>login</html>")),
            az(5.0, &q("second"), 200, &[], Some("<html>login</html>")),
            get(
                9.0,
                "https://app.example.com/cb?code=abc&state=first",
                400,
                &[],
                Some("<html>state mismatch</html>"),
            ),
        ]);
        let r = find(&f, "REDIR009");
        assert!(
            r.message.contains("earlier authorization request"),
            "{}",
            r.message
        );
        // The matching callback is quiet.
        let f = run(vec![
            az(
                0.0,
                &q("first"),
                302,
                &[(
                    "Location",
                    "https://app.example.com/cb?code=abc&state=first",
                )],
                None,
            ),
            get(
                1.0,
                "https://app.example.com/cb?code=abc&state=first",
                302,
                &[("Location", "/")],
                None,
            ),
        ]);
        assert!(!fired(&f, "REDIR009"), "{}", summary(&f));
    }

    #[test]
    fn redir010_form_post_loses_the_lax_cookie() {
        let f = run(vec![
            get(
                0.0,
                "https://app.example.com/login",
                302,
                &[
                    (
                        "Set-Cookie",
                        "txn=abc; Path=/; Secure; HttpOnly; SameSite=Lax",
                    ),
                    (
                        "Location",
                        "https://idp.example.com/authorize?client_id=web&response_type=code&response_mode=form_post&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s1",
                    ),
                ],
                None,
            ),
            az(
                1.0,
                "client_id=web&response_type=code&response_mode=form_post&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s1",
                200,
                &[],
                Some("<html><form method=post action=https://app.example.com/cb></form></html>"),
            ),
            x(
                2.0,
                "POST",
                "https://app.example.com/cb",
                &[("Origin", "https://idp.example.com")],
                Some("code=abc&state=s1"),
                400,
                &[],
                Some("<html>invalid state</html>"),
            ),
        ]);
        let r = find(&f, "REDIR010");
        assert!(r.message.contains("`txn`"), "{}", r.message);
        // The same flow with SameSite=None keeps the cookie.
        let f = run(vec![
            get(
                0.0,
                "https://app.example.com/login",
                302,
                &[
                    (
                        "Set-Cookie",
                        "txn=abc; Path=/; Secure; HttpOnly; SameSite=None",
                    ),
                    (
                        "Location",
                        "https://idp.example.com/authorize?client_id=web&response_type=code&response_mode=form_post&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s1",
                    ),
                ],
                None,
            ),
            az(
                1.0,
                "client_id=web&response_type=code&response_mode=form_post&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s1",
                200,
                &[],
                Some("<html>form</html>"),
            ),
            x(
                2.0,
                "POST",
                "https://app.example.com/cb",
                &[("Cookie", "txn=abc")],
                Some("code=abc&state=s1"),
                302,
                &[("Location", "/")],
                None,
            ),
        ]);
        assert!(!fired(&f, "REDIR010"), "{}", summary(&f));
    }

    #[test]
    fn redir011_error_redirected_to_rejected_uri() {
        let f = run(vec![az(
            0.0,
            "client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&state=s1",
            302,
            &[(
                "Location",
                "https://evil.example/cb?error=invalid_request&error_description=redirect_uri+not+registered&state=s1",
            )],
            None,
        )]);
        assert!(fired(&f, "REDIR011"), "{}", summary(&f));
        assert!(fired(&f, "REDIR001"), "{}", summary(&f));
        assert_eq!(top_category(&f), "redirect_uri");
    }
}
