//! Comparing one aligned pair of steps on what matters to OAuth: the endpoint (scheme, host,
//! port, tenant or realm, version, path, method), client authentication and its encoding, the
//! body encoding, every parameter (present, absent, duplicated, its place, its value where it
//! must be equal and its shape where it must differ), the headers that carry OAuth meaning
//! (`Authorization` scheme and token, `DPoP`, `Origin`, `Accept`), and the response. Emits
//! [`Difference`]s; it ranks nothing and prints nothing.

use super::align::{Pair, Step, StepKind};
use super::shape::{self, Shape};
use super::{Aspect, Capture, Difference, Place};
use crate::diagnosis::{Category, Value};
use crate::model::{Exchange, Params};
use crate::oauth::basic;
use std::collections::{BTreeMap, BTreeSet};

/// How a parameter's values are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Must be equal byte for byte.
    Exact,
    /// A space-separated set (`scope`).
    Scope,
    /// Differs on every run: only the shape is compared.
    Shape,
    /// A secret people choose: compared for equality, shown as fingerprints.
    Secret,
    /// Not known to oauth-doctor: compared by shape when both values look generated, else
    /// byte for byte, and never a documented cause.
    Unknown,
}

struct ParamInfo {
    class: Class,
    category: Category,
    reason: Option<&'static str>,
    weight: u8,
}

fn info(name: &str) -> ParamInfo {
    use Category as C;
    let p = |class, category, reason, weight| ParamInfo {
        class,
        category,
        reason,
        weight,
    };
    match name {
        "redirect_uri" => p(Class::Exact, C::RedirectUri, Some("redirect-uri"), 15),
        "grant_type" => p(Class::Exact, C::GrantType, Some("grant-type"), 15),
        "code_challenge_method" => p(Class::Exact, C::Pkce, Some("pkce"), 17),
        "code_challenge" | "code_verifier" => p(Class::Shape, C::Pkce, Some("pkce"), 18),
        "client_id" => p(Class::Exact, C::Credentials, Some("client-id"), 19),
        "response_type" => p(Class::Exact, C::GrantType, Some("response-type"), 19),
        "resource" | "audience" => p(
            Class::Exact,
            C::AudienceIssuer,
            Some("resource-audience"),
            20,
        ),
        "scope" => p(Class::Scope, C::ScopeConsent, Some("scope"), 22),
        "client_secret" => p(Class::Secret, C::Credentials, Some("client-secret"), 14),
        "client_assertion_type" | "client_assertion" => p(
            if name == "client_assertion" {
                Class::Shape
            } else {
                Class::Exact
            },
            C::Credentials,
            Some("client-assertion"),
            16,
        ),
        "password" => p(Class::Secret, C::AccountState, Some("user"), 40),
        "username" => p(Class::Exact, C::AccountState, Some("user"), 40),
        "code" => p(Class::Shape, C::GrantType, Some("parameter"), 16),
        "refresh_token" | "device_code" | "assertion" | "subject_token" | "actor_token" => {
            p(Class::Shape, C::GrantType, Some("parameter"), 23)
        }
        "subject_token_type" | "actor_token_type" | "requested_token_type" => {
            p(Class::Exact, C::Parameters, Some("parameter"), 23)
        }
        "token" | "access_token" | "id_token" | "id_token_hint" => {
            p(Class::Shape, C::Parameters, Some("parameter"), 24)
        }
        "token_type_hint" => p(Class::Exact, C::Parameters, Some("parameter"), 30),
        "request" | "request_uri" | "login_hint_token" | "user_code" => {
            p(Class::Shape, C::Parameters, Some("parameter"), 26)
        }
        "nonce" => p(Class::Shape, C::Parameters, Some("parameter"), 32),
        "state" | "session_state" | "jti" => p(Class::Shape, C::Parameters, None, 34),
        "prompt"
        | "max_age"
        | "response_mode"
        | "access_type"
        | "acr_values"
        | "claims"
        | "include_granted_scopes"
        | "approval_prompt" => p(Class::Exact, C::Parameters, Some("request-option"), 28),
        "iss" => p(Class::Exact, C::AudienceIssuer, None, 30),
        _ => p(Class::Unknown, C::Parameters, None, 60),
    }
}

/// Parameters that belong to client authentication: their place follows the method.
const AUTH_PARAMS: &[&str] = &[
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
];

struct Cx<'a> {
    pair: usize,
    gs: &'a Step,
    bs: &'a Step,
    g: &'a Exchange,
    b: &'a Exchange,
    good: &'a Capture,
    bad: &'a Capture,
}

impl Cx<'_> {
    fn push(&self, out: &mut Vec<Difference>, mut d: Difference) {
        d.pair = Some(self.pair);
        d.good_exchange = Some(self.g.index);
        d.bad_exchange = Some(self.b.index);
        out.push(d);
    }

    fn label(&self) -> String {
        self.bs.label()
    }
}

/// Compare one aligned pair (or report a step one side lacks).
pub fn compare_pair(
    good: &Capture,
    bad: &Capture,
    pair: usize,
    p: &Pair,
    out: &mut Vec<Difference>,
) {
    match (p.good, p.bad) {
        (Some(gi), Some(bi)) => {
            let (gs, bs) = (&good.steps[gi], &bad.steps[bi]);
            let (Some(g), Some(b)) = (good.exchange(gs.exchange), bad.exchange(bs.exchange)) else {
                return;
            };
            let cx = Cx {
                pair,
                gs,
                bs,
                g,
                b,
                good,
                bad,
            };
            if let Some((gn, bn)) = p.repeats {
                cx.push(
                    out,
                    Difference::new(Aspect::Step, "repetitions", Category::Other)
                        .text(format!("{gn} times"), format!("{bn} times"))
                        .message(format!(
                            "BAD performs {} {bn} times, GOOD {gn} times",
                            cx.label()
                        ))
                        .weight(80),
                );
            }
            if gs.kind == StepKind::AuthorizationResponse {
                authorization_response(&cx, out);
                return;
            }
            endpoint(&cx, out);
            let auth_method_differs = gs.kind.authenticates_client() && client_auth(&cx, out);
            let body_differs = body(&cx, out);
            parameters(&cx, auth_method_differs, body_differs, out);
            headers(&cx, out);
            response(&cx, out);
        }
        (Some(gi), None) => {
            let s = &good.steps[gi];
            let mut d = Difference::new(Aspect::Step, s.label(), Category::Other)
                .values(request_line(good, s), None)
                .message(format!(
                    "GOOD performs {} (#{}); BAD does not",
                    s.label(),
                    s.exchange + 1
                ))
                .weight(70);
            d.pair = Some(pair);
            d.good_exchange = Some(s.exchange);
            out.push(d);
        }
        (None, Some(bi)) => {
            let s = &bad.steps[bi];
            let mut d = Difference::new(Aspect::Step, s.label(), Category::Other)
                .values(None, request_line(bad, s))
                .message(format!(
                    "BAD performs {} (#{}), which GOOD never does{}",
                    s.label(),
                    s.exchange + 1,
                    if s.failed { ", and fails there" } else { "" }
                ))
                .reason(s.failed.then_some("step"))
                .weight(40);
            d.pair = Some(pair);
            d.bad_exchange = Some(s.exchange);
            out.push(d);
        }
        (None, None) => {}
    }
}

/// `POST https://idp.example/token → 400 invalid_grant`: what a step one side lacks was.
fn request_line(c: &Capture, s: &Step) -> Option<Value> {
    let e = c.exchange(s.exchange)?;
    Some(Value::Text(format!(
        "{} {} → {}",
        e.request.method,
        e.request.endpoint(),
        outcome(e)
    )))
}

// ---------------------------------------------------------------------------------------------
// Endpoint

/// Hosts whose first path segment is the tenant (Microsoft Entra ID and its national clouds).
fn tenant_first(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    [
        "login.microsoftonline.com",
        "login.microsoftonline.us",
        "login.chinacloudapi.cn",
        "login.windows.net",
        "sts.windows.net",
        "login.partner.microsoftonline.cn",
    ]
    .contains(&h.as_str())
        || h.ends_with(".b2clogin.com")
        || h.ends_with(".ciamlogin.com")
}

fn is_version(s: &str) -> bool {
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// What part of the path differs: (field, GOOD's part, BAD's part).
fn path_difference(host: &str, g: &str, b: &str) -> Option<(&'static str, String, String)> {
    if g == b {
        return None;
    }
    if g.trim_end_matches('/') == b.trim_end_matches('/') {
        return Some(("path (trailing slash)", g.to_string(), b.to_string()));
    }
    if g.eq_ignore_ascii_case(b) {
        return Some(("path (letter case)", g.to_string(), b.to_string()));
    }
    let gs: Vec<&str> = g.split('/').collect();
    let bs: Vec<&str> = b.split('/').collect();
    if gs.len() == bs.len() {
        let differing: Vec<usize> = (0..gs.len()).filter(|&i| gs[i] != bs[i]).collect();
        if differing.len() == 1 {
            let i = differing[0];
            let prev = if i > 0 { gs[i - 1] } else { "" };
            let field = if tenant_first(host) && i == 1 {
                "tenant"
            } else if tenant_first(host) && i == 2 && host.contains("b2clogin") {
                "policy"
            } else if prev.eq_ignore_ascii_case("realms") {
                "realm"
            } else if prev.eq_ignore_ascii_case("oauth2") && !is_version(gs[i]) {
                "authorization server"
            } else if is_version(gs[i]) && is_version(bs[i]) {
                "version"
            } else {
                "path"
            };
            return Some((field, gs[i].to_string(), bs[i].to_string()));
        }
    }
    let version = |v: &[&str]| v.iter().find(|s| is_version(s)).map(|s| s.to_string());
    let (gv, bv) = (version(&gs), version(&bs));
    if gv != bv {
        let strip = |v: &[&str]| -> Vec<String> {
            v.iter()
                .filter(|s| !is_version(s))
                .map(|s| s.to_string())
                .collect()
        };
        if strip(&gs) == strip(&bs) {
            return Some((
                "version",
                gv.unwrap_or_else(|| "none".into()),
                bv.unwrap_or_else(|| "none".into()),
            ));
        }
    }
    Some(("path", g.to_string(), b.to_string()))
}

fn endpoint(cx: &Cx, out: &mut Vec<Difference>) {
    let (g, b) = (&cx.g.request, &cx.b.request);
    let label = cx.label();
    let mk = |field: &str, gv: String, bv: String, what: String| {
        let mut d = Difference::new(Aspect::Endpoint, field, Category::EndpointUrl);
        if matches!(
            field,
            "host" | "port" | "tenant" | "realm" | "authorization server" | "policy"
        ) {
            // Another server or directory does not know this client, code or token.
            d.also_categories = vec![
                Category::Credentials,
                Category::GrantType,
                Category::AudienceIssuer,
            ];
        }
        d.text(gv.clone(), bv.clone())
            .message(format!("BAD sends {label} {what}"))
            .fix(format!(
                "send {label} to GOOD's endpoint `{} {}`",
                g.method,
                g.endpoint()
            ))
            .reason(Some("endpoint"))
            .keys(&[
                "url",
                "endpoint",
                "token_endpoint",
                "authorization_endpoint",
                "host",
                "path",
                "method",
                "issuer",
            ])
            .weight(10)
    };
    if g.method != b.method {
        cx.push(
            out,
            mk(
                "HTTP method",
                g.method.clone(),
                b.method.clone(),
                format!("as `{}`, GOOD as `{}`", b.method, g.method),
            ),
        );
    }
    let (Some(gu), Some(bu)) = (&g.parsed, &b.parsed) else {
        if g.endpoint() != b.endpoint() {
            cx.push(
                out,
                mk(
                    "URL",
                    g.endpoint(),
                    b.endpoint(),
                    format!("to `{}`, GOOD to `{}`", b.endpoint(), g.endpoint()),
                ),
            );
        }
        return;
    };
    if gu.scheme() != bu.scheme() {
        cx.push(
            out,
            mk(
                "scheme",
                gu.scheme().into(),
                bu.scheme().into(),
                format!("over `{}`, GOOD over `{}`", bu.scheme(), gu.scheme()),
            ),
        );
    }
    let (gh, bh) = (gu.host_str().unwrap_or(""), bu.host_str().unwrap_or(""));
    if !gh.eq_ignore_ascii_case(bh) {
        // Another server: its paths are its own, and are not reported one by one.
        let what = if gu.path() == bu.path() {
            format!("to host `{bh}`, GOOD to `{gh}`")
        } else {
            format!(
                "to host `{bh}`, GOOD to `{gh}` (`{}`, GOOD `{}`)",
                b.endpoint(),
                g.endpoint()
            )
        };
        cx.push(out, mk("host", gh.into(), bh.into(), what));
        return;
    } else if gu.port_or_known_default() != bu.port_or_known_default() {
        let p = |u: &url::Url| {
            u.port_or_known_default()
                .map(|p| p.to_string())
                .unwrap_or_default()
        };
        cx.push(
            out,
            mk(
                "port",
                p(gu),
                p(bu),
                format!("to port {}, GOOD to {}", p(bu), p(gu)),
            ),
        );
    }
    let (gp, bp) = if cx.gs.kind == StepKind::Resource {
        // Two calls of one API with other record ids are the same endpoint.
        (
            cx.gs.sub.split_once(' ').map_or("", |x| x.1).to_string(),
            cx.bs.sub.split_once(' ').map_or("", |x| x.1).to_string(),
        )
    } else {
        (gu.path().to_string(), bu.path().to_string())
    };
    let gp = gp.strip_prefix(gh).unwrap_or(&gp).to_string();
    let bp = bp.strip_prefix(bh).unwrap_or(&bp).to_string();
    if let Some((field, gv, bv)) = path_difference(gh, &gp, &bp) {
        let what = match field {
            "path (trailing slash)" => format!(
                "to path `{bp}`, GOOD to `{gp}`: {} trailing slash",
                if bp.ends_with('/') {
                    "BAD adds a"
                } else {
                    "BAD drops the"
                }
            ),
            "path" | "path (letter case)" => format!("to path `{bp}`, GOOD to `{gp}`"),
            f => format!("to {f} `{bv}`, GOOD to `{gv}` (path `{bp}`, GOOD `{gp}`)"),
        };
        cx.push(out, mk(field, gv, bv, what));
    }
}

// ---------------------------------------------------------------------------------------------
// Client authentication

#[derive(Debug, Default)]
struct Auth {
    methods: Vec<&'static str>,
    basic: Option<basic::BasicCredentials>,
}

impl Auth {
    fn of(e: &Exchange) -> Auth {
        let r = &e.request;
        let mut a = Auth {
            basic: basic::basic_credentials(r),
            ..Auth::default()
        };
        if a.basic.is_some() {
            a.methods.push("client_secret_basic");
        }
        if r.param("client_secret").is_some() {
            a.methods.push("client_secret_post");
        }
        if let Some(ass) = r.param("client_assertion") {
            let hs = crate::oauth::jwt::decode(&ass)
                .ok()
                .and_then(|d| d.alg().map(|a| a.starts_with("HS")))
                .unwrap_or(false);
            a.methods.push(if hs {
                "client_secret_jwt"
            } else {
                "private_key_jwt"
            });
        }
        if a.methods.is_empty() {
            a.methods.push("none");
        }
        a
    }

    fn label(&self) -> String {
        self.methods.join(" + ")
    }
}

/// Characters of a Basic credential part that a form-urlencoder would change.
fn reserved_chars(s: &str) -> String {
    let list: Vec<String> = basic::chars_changed_by_form_encoding(s)
        .into_iter()
        .map(|c| format!("`{c}`"))
        .collect();
    list.join(" ")
}

/// Compare client authentication; true when the method differs (the places of `client_id`
/// and `client_secret` then follow from it and are not reported again).
fn client_auth(cx: &Cx, out: &mut Vec<Difference>) -> bool {
    let (ga, ba) = (Auth::of(cx.g), Auth::of(cx.b));
    let label = cx.label();
    let keys: &[&str] = &[
        "authorization",
        "client_secret",
        "client_assertion",
        "client_assertion_type",
        "token_endpoint_auth_method",
        "token_endpoint_auth_methods_supported",
    ];
    if ga.methods != ba.methods {
        cx.push(
            out,
            Difference::new(
                Aspect::ClientAuthentication,
                "client authentication",
                Category::Credentials,
            )
            .text(ga.label(), ba.label())
            .message(format!(
                "BAD authenticates the client of {label} with {}, GOOD with {}",
                ba.label(),
                ga.label()
            ))
            .fix(format!(
                "authenticate the client as GOOD does: {}",
                ga.label()
            ))
            .reason(Some("client-auth-method"))
            .keys(keys)
            .weight(12),
        );
        return true;
    }
    let (Some(gb), Some(bb)) = (&ga.basic, &ba.basic) else {
        return false;
    };
    let basic_keys: &[&str] = &["authorization", "password", "basic"];
    match (&gb.decoded, &bb.decoded) {
        (Some(_), None) => {
            cx.push(
                out,
                Difference::new(
                    Aspect::ClientAuthentication,
                    "Basic credentials",
                    Category::Credentials,
                )
                .text("base64 of `id:secret`", "not base64 text")
                .message(format!(
                    "BAD's `Authorization: Basic` credentials of {label} are not base64-encoded `id:secret` text; GOOD's are"
                ))
                .fix("base64-encode `client_id:client_secret` (each form-urlencoded first), as GOOD does")
                .reason(Some("basic-encoding"))
                .keys(basic_keys)
                .weight(12),
            );
            return false;
        }
        (Some(_), Some(_)) if gb.strict_base64 && !bb.strict_base64 => {
            cx.push(
                out,
                Difference::new(
                    Aspect::ClientAuthentication,
                    "Basic base64",
                    Category::Credentials,
                )
                .text("standard base64 with padding", "base64url or unpadded base64")
                .message(format!(
                    "BAD encodes the Basic credentials of {label} with another base64 alphabet or without padding; GOOD uses standard base64"
                ))
                .fix("use standard base64 (RFC 4648 §4) with padding, as GOOD does")
                .reason(Some("basic-encoding"))
                .keys(basic_keys)
                .weight(12),
            );
        }
        _ => {}
    }
    let (Some((gid, gsec)), Some((bid, bsec))) = (gb.raw_parts(), bb.raw_parts()) else {
        return false;
    };
    if crate::redact::is_redacted(gsec) || crate::redact::is_redacted(bsec) {
        return false;
    }
    // The same id and secret, encoded one way in GOOD and the other in BAD.
    let mut encoding = Vec::new();
    for (part, gv, bv) in [("id", gid, bid), ("secret", gsec, bsec)] {
        if gv == bv {
            continue;
        }
        if basic::form_decode(gv) == bv {
            encoding.push((part, true, reserved_chars(bv)));
        } else if basic::form_decode(bv) == gv {
            encoding.push((part, false, reserved_chars(gv)));
        }
    }
    if let Some(&(_, good_encodes, ref chars)) = encoding.first() {
        let parts: Vec<&str> = encoding.iter().map(|e| e.0).collect();
        let parts = parts.join(" and ");
        let (gdesc, bdesc, msg) = if good_encodes {
            (
                "form-urlencoded before base64".to_string(),
                format!("not form-urlencoded (holds {chars})"),
                format!(
                    "BAD puts the client {parts} into the Basic credentials of {label} without form-urlencoding it first: it holds {chars}, which GOOD encodes"
                ),
            )
        } else {
            (
                "as it is (not form-urlencoded)".to_string(),
                "form-urlencoded before base64".to_string(),
                format!(
                    "BAD form-urlencodes the client {parts} before base64 in {label} (it holds {chars}); GOOD sends it as it is, and that is what this server accepts"
                ),
            )
        };
        cx.push(
            out,
            Difference::new(
                Aspect::ClientAuthentication,
                "Basic credentials encoding",
                Category::Credentials,
            )
            .text(gdesc, bdesc)
            .message(msg)
            .fix(if good_encodes {
                "form-urlencode the client id and secret before joining them with `:` and base64-encoding (RFC 6749 §2.3.1), as GOOD does"
            } else {
                "send the client id and secret as GOOD does, without form-urlencoding them first"
            })
            .reason(Some("basic-encoding"))
            .keys(basic_keys)
            .weight(11),
        );
    }
    if !encoding.iter().any(|e| e.0 == "secret")
        && basic::form_decode(gsec) != basic::form_decode(bsec)
    {
        cx.push(
            out,
            Difference::new(
                Aspect::ClientAuthentication,
                "client secret",
                Category::Credentials,
            )
            .values(
                Some(Value::Secret(basic::form_decode(gsec))),
                Some(Value::Secret(basic::form_decode(bsec))),
            )
            .message(format!(
                "BAD sends another client secret than GOOD in the Basic credentials of {label}"
            ))
            .fix(
                "use the client secret GOOD uses (or the current one, if GOOD's was rotated since)",
            )
            .reason(Some("client-secret"))
            .keys(basic_keys)
            .weight(14),
        );
    }
    false
}

// ---------------------------------------------------------------------------------------------
// Body encoding

fn body_kind(e: &Exchange) -> &'static str {
    let r = &e.request;
    let media = r.headers.media_type().unwrap_or_default();
    match r.body.as_deref().map(str::trim) {
        None | Some("") => "none",
        Some(_) if media.starts_with("multipart/") => "multipart",
        Some(_) if r.json.is_some() => "JSON",
        Some(_) if !r.form.is_empty() => "form",
        Some(_) => "other",
    }
}

fn body_desc(e: &Exchange) -> String {
    let kind = body_kind(e);
    let media = e.request.headers.media_type();
    match (kind, media) {
        ("none", _) => "no body".into(),
        (k, Some(m)) => format!("{k} (`Content-Type: {m}`)"),
        (k, None) => format!("{k} (no `Content-Type`)"),
    }
}

/// Compare body encodings; true when they differ.
fn body(cx: &Cx, out: &mut Vec<Difference>) -> bool {
    let (gk, bk) = (body_kind(cx.g), body_kind(cx.b));
    let label = cx.label();
    let back_channel = cx.gs.kind.authenticates_client();
    if gk != bk {
        let msg = if bk == "none" && !cx.b.request.query.is_empty() {
            format!(
                "BAD sends the parameters of {label} in the query string with no body; GOOD sends a {gk} body"
            )
        } else {
            format!(
                "BAD sends the {label} request body as {}, GOOD as {}",
                body_desc(cx.b),
                body_desc(cx.g)
            )
        };
        cx.push(
            out,
            Difference::new(
                Aspect::BodyEncoding,
                "body",
                Category::ContentTypeEncoding,
            )
            .text(body_desc(cx.g), body_desc(cx.b))
            .message(msg)
            .fix(if back_channel {
                "send the parameters as an `application/x-www-form-urlencoded` body, as GOOD does"
            } else {
                "encode the body as GOOD does"
            })
            .reason(back_channel.then_some("body-encoding"))
            .keys(&["content-type", "body"])
            .weight(12),
        );
        return true;
    }
    let (gm, bm) = (
        cx.g.request.headers.media_type(),
        cx.b.request.headers.media_type(),
    );
    if gk != "none" && gm != bm {
        let show = |m: &Option<String>| m.clone().unwrap_or_else(|| "none".into());
        cx.push(
            out,
            Difference::new(
                Aspect::BodyEncoding,
                "Content-Type",
                Category::ContentTypeEncoding,
            )
            .text(show(&gm), show(&bm))
            .message(format!(
                "BAD labels the {label} body `Content-Type: {}`, GOOD `{}`",
                show(&bm),
                show(&gm)
            ))
            .fix(format!("send `Content-Type: {}` as GOOD does", show(&gm)))
            .reason(back_channel.then_some("content-type"))
            .keys(&["content-type"])
            .weight(13),
        );
    }
    false
}

// ---------------------------------------------------------------------------------------------
// Parameters

type ParamMap = BTreeMap<String, Vec<(Place, String)>>;

fn params_of(e: &Exchange, kind: StepKind) -> ParamMap {
    let mut m: ParamMap = BTreeMap::new();
    let r = &e.request;
    let api = matches!(kind, StepKind::Resource | StepKind::Userinfo);
    for (k, v) in r.query.iter() {
        // An API's own query parameters (filters, pages) are the application's business.
        if api && k != "access_token" {
            continue;
        }
        m.entry(k.to_string())
            .or_default()
            .push((Place::Query, v.to_string()));
    }
    if api {
        return m;
    }
    for (k, v) in r.form.iter() {
        m.entry(k.to_string())
            .or_default()
            .push((Place::Body, v.to_string()));
    }
    if let Some(serde_json::Value::Object(o)) = &r.json {
        for (k, v) in o {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            m.entry(k.clone()).or_default().push((Place::Body, text));
        }
    }
    if kind.authenticates_client() {
        if let Some(b) = basic::basic_credentials(r) {
            if let Some((id, secret)) = b.raw_parts() {
                m.entry("client_id".into())
                    .or_default()
                    .push((Place::Header, basic::form_decode(id)));
                m.entry("client_secret".into())
                    .or_default()
                    .push((Place::Header, basic::form_decode(secret)));
            }
        }
    }
    m
}

fn places(v: &[(Place, String)]) -> BTreeSet<Place> {
    v.iter().map(|(p, _)| *p).collect()
}

fn places_text(s: &BTreeSet<Place>) -> String {
    let v: Vec<String> = s
        .iter()
        .map(|p| match p {
            Place::Header => "`Authorization` header".to_string(),
            p => p.as_str().to_string(),
        })
        .collect();
    v.join(" and ")
}

/// How a value is shown: secrets as fingerprints, values that differ on every run as their
/// shape.
fn shown(class: Class, v: &str) -> Value {
    match class {
        Class::Secret => Value::Secret(v.to_string()),
        Class::Shape => Value::Text(Shape::of(v).describe()),
        Class::Unknown if shape::looks_volatile(v) => Value::Text(Shape::of(v).describe()),
        _ => Value::Text(v.to_string()),
    }
}

/// How BAD's URI differs from GOOD's, in words.
fn uri_change(g: &str, b: &str) -> String {
    if b.strip_suffix('/') == Some(g) {
        return "adds a trailing slash".into();
    }
    if g.strip_suffix('/') == Some(b) {
        return "drops the trailing slash".into();
    }
    if g.eq_ignore_ascii_case(b) {
        return "differs in letter case".into();
    }
    if basic::form_decode(b) == g {
        return "is percent-encoded once more (encoded twice)".into();
    }
    if basic::form_decode(g) == b {
        return "is decoded once more".into();
    }
    if let (Ok(gu), Ok(bu)) = (url::Url::parse(g), url::Url::parse(b)) {
        let mut parts = Vec::new();
        if gu.scheme() != bu.scheme() {
            parts.push(format!(
                "scheme `{}` instead of `{}`",
                bu.scheme(),
                gu.scheme()
            ));
        }
        if gu.host_str() != bu.host_str() {
            parts.push(format!(
                "host `{}` instead of `{}`",
                bu.host_str().unwrap_or(""),
                gu.host_str().unwrap_or("")
            ));
        }
        if gu.port_or_known_default() != bu.port_or_known_default() {
            let p = |u: &url::Url| {
                u.port_or_known_default()
                    .map_or_else(|| "none".to_string(), |p| p.to_string())
            };
            parts.push(format!("port {} instead of {}", p(&bu), p(&gu)));
        }
        if gu.path() != bu.path() {
            parts.push(format!("path `{}` instead of `{}`", bu.path(), gu.path()));
        }
        if gu.query() != bu.query() {
            parts.push("another query string".into());
        }
        if gu.fragment() != bu.fragment() {
            parts.push("another fragment".into());
        }
        if !parts.is_empty() {
            return format!("has {}", parts.join(", "));
        }
    }
    "is another value".into()
}

fn scope_parts(v: &str) -> (char, BTreeSet<String>) {
    let sep = if v.contains(' ') {
        ' '
    } else if v.contains(',') {
        ','
    } else if v.contains('+') {
        '+'
    } else {
        ' '
    };
    let set = v
        .split(sep)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    (sep, set)
}

fn sep_name(c: char) -> &'static str {
    match c {
        ' ' => "spaces",
        ',' => "commas",
        '+' => "literal `+` characters",
        _ => "another separator",
    }
}

/// Compare every parameter of a pair (`auth_method_differs`: the client authentication method
/// differs and already explains where credentials travel; `body_differs`: the body encoding
/// differs and already explains parameters moving between body and query).
fn parameters(cx: &Cx, auth_method_differs: bool, body_differs: bool, out: &mut Vec<Difference>) {
    let gm = params_of(cx.g, cx.gs.kind);
    let bm = params_of(cx.b, cx.bs.kind);
    // Both use Basic: the secret is compared with its encoding by `client_auth`.
    let both_basic = cx.gs.kind.authenticates_client()
        && basic::basic_credentials(&cx.g.request).is_some()
        && basic::basic_credentials(&cx.b.request).is_some();
    compare_params(
        cx,
        &gm,
        &bm,
        auth_method_differs,
        body_differs,
        both_basic,
        out,
    );
}

fn compare_params(
    cx: &Cx,
    gm: &ParamMap,
    bm: &ParamMap,
    auth_method_differs: bool,
    body_differs: bool,
    both_basic: bool,
    out: &mut Vec<Difference>,
) {
    let label = cx.label();
    let names: BTreeSet<&String> = gm.keys().chain(bm.keys()).collect();
    for name in names {
        if both_basic && name == "client_secret" {
            continue;
        }
        let i = info(name);
        let auth_param = AUTH_PARAMS.contains(&name.as_str());
        let empty = Vec::new();
        let gv = gm.get(name).unwrap_or(&empty);
        let bv = bm.get(name).unwrap_or(&empty);
        let keys: Vec<&'static str> = vec![static_name(name)];
        let base = |d: Difference| -> Difference {
            let mut d = d.weight(i.weight);
            d.keys = keys.clone();
            if name == "scope" {
                d.keys.push("scopes_supported");
            }
            d
        };
        if gv.is_empty() || bv.is_empty() {
            if auth_method_differs && auth_param {
                continue;
            }
            let (present, absent_in_bad) = if bv.is_empty() {
                (gv, true)
            } else {
                (bv, false)
            };
            let place = places_text(&places(present));
            let value = shown(i.class, &present[0].1);
            let d = if absent_in_bad {
                Difference::new(Aspect::Parameter, name.clone(), i.category)
                    .values(Some(value), None)
                    .message(format!(
                        "BAD omits `{name}` in {label}; GOOD sends it in the {place}"
                    ))
                    .fix(format!("send `{name}` in the {place}, as GOOD does"))
            } else {
                Difference::new(Aspect::Parameter, name.clone(), i.category)
                    .values(None, Some(value))
                    .message(format!(
                        "BAD sends `{name}` in the {place} of {label}; GOOD does not"
                    ))
                    .fix(format!("leave `{name}` out, as GOOD does"))
            };
            cx.push(
                out,
                base(d).place(present.first().map(|p| p.0)).reason(i.reason),
            );
            continue;
        }
        if gv.len() != bv.len() {
            cx.push(
                out,
                base(
                    Difference::new(Aspect::Parameter, name.clone(), Category::Parameters)
                        .text(
                            format!("{} time(s)", gv.len()),
                            format!("{} time(s)", bv.len()),
                        )
                        .message(format!(
                            "BAD sends `{name}` {} time(s) in {label}, GOOD {} time(s)",
                            bv.len(),
                            gv.len()
                        ))
                        .fix(format!("send `{name}` once, as GOOD does"))
                        .reason(Some("duplicate-parameter")),
                )
                .weight(i.weight.min(21)),
            );
        }
        let (gp, bp) = (places(gv), places(bv));
        let moved_with_body = body_differs
            && gp
                .iter()
                .chain(&bp)
                .all(|p| matches!(p, Place::Body | Place::Query));
        if gp != bp && !(auth_method_differs && auth_param) && !moved_with_body {
            cx.push(
                out,
                base(
                    Difference::new(Aspect::Parameter, name.clone(), Category::Parameters)
                        .text(places_text(&gp), places_text(&bp))
                        .message(format!(
                            "BAD sends `{name}` of {label} in the {}, GOOD in the {}",
                            places_text(&bp),
                            places_text(&gp)
                        ))
                        .fix(format!(
                            "send `{name}` in the {}, as GOOD does",
                            places_text(&gp)
                        ))
                        .reason(Some("parameter-place")),
                )
                .place(bv.first().map(|p| p.0))
                .weight(i.weight.min(21)),
            );
        }
        let (g0, b0) = (&gv[0].1, &bv[0].1);
        let place = bv.first().map(|p| p.0);
        let class = match i.class {
            Class::Unknown if shape::looks_volatile(g0) && shape::looks_volatile(b0) => {
                Class::Shape
            }
            c => c,
        };
        match class {
            Class::Exact | Class::Unknown => {
                if g0 == b0 {
                    continue;
                }
                let change = if g0.contains("://") || b0.contains("://") {
                    uri_change(g0, b0)
                } else {
                    format!("is `{b0}` where GOOD's is `{g0}`")
                };
                cx.push(
                    out,
                    base(
                        Difference::new(Aspect::Parameter, name.clone(), i.category)
                            .text(g0.clone(), b0.clone())
                            .message(format!("`{name}` of {label} differs: BAD's {change}"))
                            .fix(format!("send `{name}` exactly as GOOD does: `{g0}`"))
                            .reason(if class == Class::Exact {
                                i.reason
                            } else {
                                None
                            }),
                    )
                    .place(place),
                );
            }
            Class::Scope => {
                let ((gs, gset), (bs, bset)) = (scope_parts(g0), scope_parts(b0));
                if gs != bs && (bset.len() > 1 || gset.len() > 1) {
                    cx.push(
                        out,
                        base(
                            Difference::new(Aspect::Parameter, name.clone(), Category::Parameters)
                                .text(g0.clone(), b0.clone())
                                .message(format!(
                                    "BAD separates the scopes of {label} with {}, GOOD with {}",
                                    sep_name(bs),
                                    sep_name(gs)
                                ))
                                .fix("separate scopes with single spaces (form-encoded as `+` or `%20`), as GOOD does")
                                .reason(Some("scope")),
                        )
                        .place(place),
                    );
                } else if gset != bset {
                    let added: Vec<String> =
                        bset.difference(&gset).map(|s| format!("`{s}`")).collect();
                    let lacks: Vec<String> =
                        gset.difference(&bset).map(|s| format!("`{s}`")).collect();
                    let mut what = Vec::new();
                    if !added.is_empty() {
                        what.push(format!("adds {}", added.join(" ")));
                    }
                    if !lacks.is_empty() {
                        what.push(format!("lacks {}", lacks.join(" ")));
                    }
                    cx.push(
                        out,
                        base(
                            Difference::new(Aspect::Parameter, name.clone(), i.category)
                                .text(g0.clone(), b0.clone())
                                .message(format!(
                                    "BAD requests scope `{b0}` in {label}: it {}",
                                    what.join(" and ")
                                ))
                                .fix(format!("request the scopes GOOD requests: `{g0}`"))
                                .reason(i.reason),
                        )
                        .place(place),
                    );
                }
            }
            Class::Shape => {
                let diffs = shape::compare(&Shape::of(g0), &Shape::of(b0));
                if diffs.is_empty() {
                    continue;
                }
                let gtext: Vec<String> = diffs
                    .iter()
                    .map(|d| format!("{} {}", d.what, d.good))
                    .collect();
                let btext: Vec<String> = diffs
                    .iter()
                    .map(|d| format!("{} {}", d.what, d.bad))
                    .collect();
                let what: Vec<String> = diffs
                    .iter()
                    .map(|d| format!("{} {} (GOOD: {})", d.what, d.bad, d.good))
                    .collect();
                let parties = diffs.iter().any(|d| {
                    matches!(d.what.as_str(), "iss" | "aud" | "azp" | "client_id" | "sub")
                });
                let reason = if i.class == Class::Unknown {
                    None
                } else if name == "client_assertion" {
                    Some("client-assertion")
                } else if parties {
                    Some("resource-audience")
                } else {
                    Some("value-shape")
                };
                cx.push(
                    out,
                    base(
                        Difference::new(
                            Aspect::Parameter,
                            name.clone(),
                            if parties && name != "client_assertion" {
                                Category::AudienceIssuer
                            } else {
                                i.category
                            },
                        )
                        .text(gtext.join("; "), btext.join("; "))
                        .message(format!(
                            "`{name}` of {label} has another shape in BAD: {}",
                            what.join("; ")
                        ))
                        .fix(format!(
                            "pass `{name}` on exactly as it was issued, as GOOD does"
                        ))
                        .reason(reason),
                    )
                    .place(place),
                );
            }
            Class::Secret => {
                if g0 == b0 || crate::redact::is_redacted(g0) != crate::redact::is_redacted(b0) {
                    continue;
                }
                cx.push(
                    out,
                    base(
                        Difference::new(Aspect::Parameter, name.clone(), i.category)
                            .values(
                                Some(Value::Secret(g0.clone())),
                                Some(Value::Secret(b0.clone())),
                            )
                            .message(format!("BAD sends another `{name}` than GOOD in {label}"))
                            .fix(format!(
                                "send the `{name}` GOOD sends (or its current value)"
                            ))
                            .reason(i.reason),
                    )
                    .place(place),
                );
            }
        }
    }
}

/// Parameter names as static strings for evidence keys (unknown names match nothing).
fn static_name(name: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "redirect_uri",
        "grant_type",
        "code_challenge_method",
        "code_challenge",
        "code_verifier",
        "client_id",
        "response_type",
        "resource",
        "audience",
        "scope",
        "client_secret",
        "client_assertion_type",
        "client_assertion",
        "password",
        "username",
        "code",
        "refresh_token",
        "device_code",
        "assertion",
        "subject_token",
        "actor_token",
        "subject_token_type",
        "actor_token_type",
        "requested_token_type",
        "token",
        "access_token",
        "id_token",
        "id_token_hint",
        "token_type_hint",
        "request",
        "request_uri",
        "login_hint_token",
        "user_code",
        "nonce",
        "state",
        "session_state",
        "jti",
        "prompt",
        "max_age",
        "response_mode",
        "access_type",
        "acr_values",
        "claims",
        "include_granted_scopes",
        "approval_prompt",
        "iss",
    ];
    KNOWN.iter().find(|k| **k == name).copied().unwrap_or("")
}

// ---------------------------------------------------------------------------------------------
// Authorization response

/// Where the authorization response carried its parameters.
fn response_mode(s: &Step, e: &Exchange) -> &'static str {
    if s.via_location {
        let loc = e.response.as_ref().and_then(|r| r.location()).unwrap_or("");
        if loc.contains('#') {
            "fragment"
        } else {
            "query"
        }
    } else if e.request.method == "POST" {
        "form_post"
    } else if e
        .request
        .parsed
        .as_ref()
        .and_then(|u| u.fragment())
        .is_some()
    {
        "fragment"
    } else {
        "query"
    }
}

fn authz_params(s: &Step, mode: &str) -> ParamMap {
    let place = if mode == "fragment" {
        Place::Fragment
    } else if mode == "form_post" {
        Place::Body
    } else {
        Place::Query
    };
    let mut m: ParamMap = BTreeMap::new();
    for (k, v) in s.params.as_ref().map(Params::iter).into_iter().flatten() {
        m.entry(k.to_string())
            .or_default()
            .push((place, v.to_string()));
    }
    m
}

fn error_text(p: &Params) -> Option<String> {
    let e = p.non_empty("error")?;
    Some(match p.non_empty("error_description") {
        Some(d) => format!("error `{e}` (\"{d}\")"),
        None => format!("error `{e}`"),
    })
}

fn authorization_response(cx: &Cx, out: &mut Vec<Difference>) {
    let empty = Params::default();
    let gp = cx.gs.params.as_ref().unwrap_or(&empty);
    let bp = cx.bs.params.as_ref().unwrap_or(&empty);
    let (ge, be) = (error_text(gp), error_text(bp));
    if ge.is_some() || be.is_some() {
        if ge != be {
            let what = |e: &Option<String>| e.clone().unwrap_or_else(|| "a code".into());
            cx.push(
                out,
                Difference::new(Aspect::Response, "authorization response", Category::Other)
                    .text(what(&ge), what(&be))
                    .message(format!(
                        "BAD's authorization response carries {}; GOOD's {}",
                        what(&be),
                        what(&ge)
                    ))
                    .keys(&["error"])
                    .weight(90),
            );
        }
        return;
    }
    let (gmode, bmode) = (response_mode(cx.gs, cx.g), response_mode(cx.bs, cx.b));
    if gmode != bmode {
        cx.push(
            out,
            Difference::new(Aspect::Parameter, "response mode", Category::Parameters)
                .text(gmode, bmode)
                .message(format!(
                    "BAD receives the authorization response in the {bmode}, GOOD in the {gmode}"
                ))
                .fix(format!(
                    "request `response_mode={gmode}` (or the response type GOOD uses)"
                ))
                .reason(Some("request-option"))
                .keys(&["response_mode", "location"])
                .weight(28),
        );
    }
    let (gm, bm) = (authz_params(cx.gs, gmode), authz_params(cx.bs, bmode));
    compare_params(cx, &gm, &bm, false, gmode != bmode, false, out);
}

// ---------------------------------------------------------------------------------------------
// Headers

/// The response field (and exchange) of this capture that issued a token.
fn issued_by(c: &Capture, token: &str) -> Option<(&'static str, usize)> {
    c.issued.get(token).copied()
}

fn headers(cx: &Cx, out: &mut Vec<Difference>) {
    let (g, b) = (&cx.g.request, &cx.b.request);
    let label = cx.label();
    let kind = cx.gs.kind;
    if !kind.authenticates_client() && kind != StepKind::Authorize {
        let scheme = |r: &crate::model::Request| r.authorization().map(|(s, _)| s.to_string());
        let (gs, bs) = (scheme(g), scheme(b));
        if gs != bs {
            let show = |s: &Option<String>| {
                s.as_ref()
                    .map_or_else(|| "no `Authorization` header".into(), |s| format!("`{s}`"))
            };
            let case_only = gs
                .as_deref()
                .zip(bs.as_deref())
                .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b));
            cx.push(
                out,
                Difference::new(Aspect::Header, "Authorization scheme", Category::Parameters)
                    .text(show(&gs), show(&bs))
                    .message(format!(
                        "BAD sends {label} with {}, GOOD with {}",
                        show(&bs),
                        show(&gs)
                    ))
                    .fix(format!("present the token as GOOD does: {}", show(&gs)))
                    .reason((!case_only).then_some("authorization-scheme"))
                    .keys(&["authorization", "www-authenticate"])
                    .weight(if case_only { 65 } else { 24 }),
            );
        }
        if let (Some(gt), Some(bt)) = (g.presented_token(), b.presented_token()) {
            presented_token(cx, &gt, &bt, out);
        }
    }
    // DPoP proofs.
    match (g.headers.get("dpop"), b.headers.get("dpop")) {
        (Some(_), None) | (None, Some(_)) => {
            let has = |h: bool| {
                if h {
                    "a `DPoP` proof"
                } else {
                    "no `DPoP` header"
                }
            };
            let (gh, bh) = (g.headers.contains("dpop"), b.headers.contains("dpop"));
            cx.push(
                out,
                Difference::new(Aspect::Header, "DPoP", Category::Parameters)
                    .text(has(gh), has(bh))
                    .message(format!(
                        "BAD sends {label} with {}, GOOD with {}",
                        has(bh),
                        has(gh)
                    ))
                    .fix(if gh {
                        "send a DPoP proof with the request, as GOOD does"
                    } else {
                        "send no DPoP proof, as GOOD does"
                    })
                    .reason(Some("dpop"))
                    .keys(&["dpop"])
                    .weight(26),
            );
        }
        (Some(gp), Some(bp)) => {
            let diffs = shape::compare(&Shape::of(gp), &Shape::of(bp));
            if !diffs.is_empty() {
                let what: Vec<String> = diffs
                    .iter()
                    .map(|d| format!("{} {} (GOOD: {})", d.what, d.bad, d.good))
                    .collect();
                cx.push(
                    out,
                    Difference::new(Aspect::Header, "DPoP", Category::Parameters)
                        .text(Shape::of(gp).describe(), Shape::of(bp).describe())
                        .message(format!(
                            "BAD's DPoP proof of {label} differs: {}",
                            what.join("; ")
                        ))
                        .fix("build the DPoP proof as GOOD does")
                        .reason(Some("dpop"))
                        .keys(&["dpop"])
                        .weight(26),
                );
            }
        }
        (None, None) => {}
    }
    // Origin: a browser's cross-origin request.
    if kind != StepKind::Authorize {
        let (go, bo) = (g.headers.get("origin"), b.headers.get("origin"));
        if go != bo {
            let show = |o: Option<&str>| {
                o.map_or_else(
                    || "no `Origin` (not a browser request)".into(),
                    |o| format!("`Origin: {o}`"),
                )
            };
            cx.push(
                out,
                Difference::new(Aspect::Header, "Origin", Category::Credentials)
                    .text(show(go), show(bo))
                    .message(format!("BAD sends {label} with {}, GOOD with {}", show(bo), show(go)))
                    .fix(if go.is_none() {
                        "make this request from the server side, as GOOD does, or register the client as a single-page application"
                    } else {
                        "make this request from the browser origin GOOD uses"
                    })
                    .reason(kind.authenticates_client().then_some("origin"))
                    .keys(&["origin"])
                    .weight(28),
            );
        }
    }
    // Accept: what the client asks the answer to be.
    let media_set = |v: Option<&str>| -> BTreeSet<String> {
        v.unwrap_or("")
            .split(',')
            .map(|m| {
                m.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|m| !m.is_empty())
            .collect()
    };
    let (ga, ba) = (g.headers.get("accept"), b.headers.get("accept"));
    if media_set(ga) != media_set(ba) && kind.authenticates_client() {
        let show =
            |v: Option<&str>| v.map_or_else(|| "no `Accept`".into(), |v| format!("`Accept: {v}`"));
        cx.push(
            out,
            Difference::new(Aspect::Header, "Accept", Category::ContentTypeEncoding)
                .text(show(ga), show(ba))
                .message(format!(
                    "BAD sends {label} with {}, GOOD with {}",
                    show(ba),
                    show(ga)
                ))
                .fix(format!("send {} as GOOD does", show(ga)))
                .reason(Some("accept"))
                .keys(&["accept"])
                .weight(30),
        );
    }
}

fn presented_token(cx: &Cx, gt: &str, bt: &str, out: &mut Vec<Difference>) {
    let label = cx.label();
    let (go, bo) = (issued_by(cx.good, gt), issued_by(cx.bad, bt));
    if let (Some((gf, gx)), Some((bf, bx))) = (go, bo) {
        if gf != bf {
            cx.push(
                out,
                Difference::new(Aspect::Header, "bearer token", Category::AudienceIssuer)
                    .text(
                        format!("the `{gf}` of #{}", gx + 1),
                        format!("the `{bf}` of #{}", bx + 1),
                    )
                    .message(format!(
                        "BAD presents the `{bf}` of #{} to {label}; GOOD presents the `{gf}` of #{}",
                        bx + 1,
                        gx + 1
                    ))
                    .fix(format!("present the `{gf}`, as GOOD does"))
                    .reason(Some("token-kind"))
                    .keys(&["authorization", "access_token", "id_token"])
                    .weight(20),
            );
            return;
        }
    }
    let diffs = shape::compare(&Shape::of(gt), &Shape::of(bt));
    if diffs.is_empty() {
        return;
    }
    let parties = diffs
        .iter()
        .any(|d| matches!(d.what.as_str(), "iss" | "aud" | "azp" | "scp" | "scope"));
    let what: Vec<String> = diffs
        .iter()
        .map(|d| format!("{} {} (GOOD: {})", d.what, d.bad, d.good))
        .collect();
    cx.push(
        out,
        Difference::new(
            Aspect::Header,
            "bearer token",
            if parties {
                Category::AudienceIssuer
            } else {
                Category::Parameters
            },
        )
        .text(
            diffs
                .iter()
                .map(|d| format!("{} {}", d.what, d.good))
                .collect::<Vec<_>>()
                .join("; "),
            diffs
                .iter()
                .map(|d| format!("{} {}", d.what, d.bad))
                .collect::<Vec<_>>()
                .join("; "),
        )
        .message(format!(
            "the token BAD presents to {label} has another shape: {}",
            what.join("; ")
        ))
        .fix("present a token obtained the way GOOD obtains it (same client, scopes and audience)")
        .reason(Some(if parties {
            "resource-audience"
        } else {
            "value-shape"
        }))
        .keys(&["authorization", "access_token", "aud", "iss", "scp"])
        .weight(22),
    );
}

// ---------------------------------------------------------------------------------------------
// Response

/// `200`, `400 invalid_grant ("grant request is invalid")`, `302 to a login page`.
pub fn outcome(e: &Exchange) -> String {
    let Some(r) = &e.response else {
        return "no response".into();
    };
    if r.status == 0 {
        return match &r.transport_error {
            Some(t) => format!("no response ({t})"),
            None => "no response".into(),
        };
    }
    let mut s = r.status.to_string();
    if let Some(err) = crate::oauth::errors::error_code(e) {
        s.push_str(&format!(" `{}`", err.code));
        if let Some(d) = err.description.filter(|d| !d.is_empty()) {
            let d: String = d.chars().take(120).collect();
            s.push_str(&format!(" (\"{d}\")"));
        }
    } else if r.is_html() && !r.is_success() {
        s.push_str(" with an HTML page");
    }
    s
}

fn signature(e: &Exchange) -> (u16, Option<String>) {
    (
        e.status().unwrap_or(0),
        crate::oauth::errors::error_code(e).map(|x| x.code),
    )
}

fn response(cx: &Cx, out: &mut Vec<Difference>) {
    let label = cx.label();
    if signature(cx.g) != signature(cx.b) {
        cx.push(
            out,
            Difference::new(Aspect::Response, "response", Category::Other)
                .text(outcome(cx.g), outcome(cx.b))
                .message(format!(
                    "BAD's {label} got {}, GOOD's {}",
                    outcome(cx.b),
                    outcome(cx.g)
                ))
                .keys(&["status", "error"])
                .weight(90),
        );
        return;
    }
    let (Some(gr), Some(br)) = (&cx.g.response, &cx.b.response) else {
        return;
    };
    if !(gr.is_success() && br.is_success() && cx.gs.kind == StepKind::Token) {
        return;
    }
    let granted = |field: &str, category: Category, what: String, gv: String, bv: String| {
        Difference::new(Aspect::Response, field, category)
            .text(gv, bv)
            .message(what)
            .fix("request what GOOD requests, with the client GOOD uses, so that the server grants the same")
            .reason(Some("granted"))
            .keys(&[static_name(field), "granted"])
            .weight(35)
    };
    let (gtt, btt) = (gr.field("token_type"), br.field("token_type"));
    if gtt.map(str::to_ascii_lowercase) != btt.map(str::to_ascii_lowercase) {
        let show = |v: Option<&str>| v.unwrap_or("none").to_string();
        cx.push(
            out,
            granted(
                "token_type",
                Category::Parameters,
                format!(
                    "BAD's {label} was issued a `{}` token, GOOD's a `{}` token",
                    show(btt),
                    show(gtt)
                ),
                show(gtt),
                show(btt),
            ),
        );
    }
    let (gs, bs) = (gr.field("scope"), br.field("scope"));
    if let (Some(gs), Some(bs)) = (gs, bs) {
        let (gset, bset) = (scope_parts(gs).1, scope_parts(bs).1);
        if gset != bset {
            let lacks: Vec<String> = gset.difference(&bset).map(|s| format!("`{s}`")).collect();
            let adds: Vec<String> = bset.difference(&gset).map(|s| format!("`{s}`")).collect();
            let mut what = Vec::new();
            if !lacks.is_empty() {
                what.push(format!("without {}", lacks.join(" ")));
            }
            if !adds.is_empty() {
                what.push(format!("with {}", adds.join(" ")));
            }
            cx.push(
                out,
                granted(
                    "scope",
                    Category::ScopeConsent,
                    format!(
                        "BAD was granted scope `{bs}` ({}), GOOD `{gs}`",
                        what.join(", ")
                    ),
                    gs.to_string(),
                    bs.to_string(),
                ),
            );
        }
    }
    for (field, category) in [
        ("refresh_token", Category::GrantType),
        ("id_token", Category::ScopeConsent),
    ] {
        let (gh, bh) = (gr.field(field).is_some(), br.field(field).is_some());
        if gh != bh {
            let has = |h: bool| if h { "issued" } else { "not issued" };
            cx.push(
                out,
                granted(
                    field,
                    category,
                    format!(
                        "BAD's {label} response {} a `{field}`; GOOD's {}",
                        if bh { "includes" } else { "has no" },
                        if gh { "does" } else { "does not" }
                    ),
                    has(gh).into(),
                    has(bh).into(),
                ),
            );
        }
    }
    if let (Some(ga), Some(ba)) = (gr.field("access_token"), br.field("access_token")) {
        let diffs = shape::compare(&Shape::of(ga), &Shape::of(ba));
        let parties: Vec<&shape::ShapeDifference> = diffs
            .iter()
            .filter(|d| {
                matches!(
                    d.what.as_str(),
                    "iss" | "aud" | "azp" | "scp" | "scope" | "format"
                )
            })
            .collect();
        if !parties.is_empty() {
            let what: Vec<String> = parties
                .iter()
                .map(|d| format!("{} {} (GOOD: {})", d.what, d.bad, d.good))
                .collect();
            cx.push(
                out,
                granted(
                    "access_token",
                    Category::AudienceIssuer,
                    format!(
                        "the access token BAD's {label} received differs: {}",
                        what.join("; ")
                    ),
                    parties
                        .iter()
                        .map(|d| format!("{} {}", d.what, d.good))
                        .collect::<Vec<_>>()
                        .join("; "),
                    parties
                        .iter()
                        .map(|d| format!("{} {}", d.what, d.bad))
                        .collect::<Vec<_>>()
                        .join("; "),
                )
                .keys(&["access_token", "aud", "iss", "resource", "audience"]),
            );
        }
    }
    let num = |r: &crate::model::Response| {
        r.json
            .as_ref()
            .and_then(|j| j.get("expires_in"))
            .and_then(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
    };
    if let (Some(ge), Some(be)) = (num(gr), num(br)) {
        if ge != be {
            cx.push(
                out,
                Difference::new(Aspect::Response, "expires_in", Category::TokenExpiry)
                    .text(format!("{ge} s"), format!("{be} s"))
                    .message(format!(
                        "BAD's {label} was issued a token for {be} s, GOOD's for {ge} s"
                    ))
                    .keys(&["expires_in"])
                    .weight(70),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_realms_and_versions_are_named() {
        assert_eq!(
            path_difference(
                "login.microsoftonline.com",
                "/73f1ddf2-7a00-4772-bb8a-9c9973a98ef4/oauth2/v2.0/token",
                "/2b4729a2-946e-4079-a3f7-5207843713b3/oauth2/v2.0/token"
            )
            .unwrap()
            .0,
            "tenant"
        );
        assert_eq!(
            path_difference(
                "login.microsoftonline.com",
                "/common/oauth2/v2.0/token",
                "/common/oauth2/token"
            )
            .unwrap()
            .0,
            "version"
        );
        assert_eq!(
            path_difference(
                "login.example.org",
                "/realms/acme/protocol/openid-connect/token",
                "/realms/acme-staging/protocol/openid-connect/token"
            )
            .unwrap()
            .0,
            "realm"
        );
        assert_eq!(
            path_difference("idp.example", "/token", "/oauth/token")
                .unwrap()
                .0,
            "path"
        );
    }

    #[test]
    fn uri_changes_are_described() {
        assert_eq!(
            uri_change("https://app.example/cb", "https://app.example/cb/"),
            "adds a trailing slash"
        );
        assert_eq!(
            uri_change("http://127.0.0.1:8976/cb", "http://localhost:8976/cb"),
            "has host `localhost` instead of `127.0.0.1`"
        );
        assert_eq!(
            uri_change("https://app.example/cb", "https%3A%2F%2Fapp.example%2Fcb"),
            "is percent-encoded once more (encoded twice)"
        );
    }
}
