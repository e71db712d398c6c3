//! REDIR: redirect URIs and the authorization response that comes back through them —
//! registration mismatches, malformed or insecure redirect URIs, the response location,
//! `iss` and `state` in the response, and the session cookie the callback needs. Also holds the
//! small front-channel helpers the BCP family shares. Pure: reads the capture, reports findings.

mod redir001_redirect_uri_not_registered;
mod redir002_redirect_uri_not_absolute;
mod redir003_redirect_uri_without_tls;
mod redir004_loopback_redirect_variance;
mod redir005_redirect_uri_pattern_or_open_redirect;
mod redir006_redirect_uri_omitted;
mod redir007_callback_reads_wrong_location;
mod redir008_authorization_response_iss;
mod redir009_state_mismatch;
mod redir010_callback_cookie_dropped;
mod redir011_error_redirected_to_unvalidated_uri;

pub use redir001_redirect_uri_not_registered::Redir001;
pub use redir002_redirect_uri_not_absolute::Redir002;
pub use redir003_redirect_uri_without_tls::Redir003;
pub use redir004_loopback_redirect_variance::Redir004;
pub use redir005_redirect_uri_pattern_or_open_redirect::Redir005;
pub use redir006_redirect_uri_omitted::Redir006;
pub use redir007_callback_reads_wrong_location::Redir007;
pub use redir008_authorization_response_iss::Redir008;
pub use redir009_state_mismatch::Redir009;
pub use redir010_callback_cookie_dropped::Redir010;
pub use redir011_error_redirected_to_unvalidated_uri::Redir011;

use super::shared::{has_percent_escape, is_double_encoded};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Strength};
use crate::model::flow::{AuthzResponse, strip_uri};
use crate::model::signal::ServerError;
use crate::model::signal::page_text;
use crate::model::{Exchange, Kind, Params};
use crate::oauth::basic::form_decode;
use url::Url;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Redir001, &Redir002, &Redir003, &Redir004, &Redir005, &Redir006, &Redir007, &Redir008,
    &Redir009, &Redir010, &Redir011,
];

/// This family's place when findings tie on everything else (PROV first, BCP last).
const TIE_BREAK: u8 = 5;

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
    }) = e.server_error()
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

/// The discovery document of an authorization request's server: the one that announces its
/// endpoint as the authorization or the pushed authorization request endpoint.
pub(super) fn az_metadata<'a>(cx: &Context<'a>, az: &Exchange) -> Option<&'a serde_json::Value> {
    let idx: &'a crate::model::flow::Index = cx.index;
    let ep = az.request.endpoint();
    idx.metadata_announcing("authorization_endpoint", &ep)
        .or_else(|| idx.metadata_announcing("pushed_authorization_request_endpoint", &ep))
        .map(|(_, d)| &**d)
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
