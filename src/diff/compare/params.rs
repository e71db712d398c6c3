//! Parameters of a pair, and of authorization responses: present, absent, duplicated, their
//! place, their value where it must be equal (`scope` as a set), their shape where it differs on
//! every run, secrets by equality only.

use super::Cx;
use crate::diagnosis::{Category, Value};
use crate::diff::align::{Step, StepKind};
use crate::diff::shape::{self, Shape};
use crate::diff::{Aspect, Difference, Place};
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
        if let Some(b) = crate::diff::basic_of(r) {
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

pub(super) fn scope_parts(v: &str) -> (char, BTreeSet<String>) {
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
pub(super) fn parameters(
    cx: &Cx,
    auth_method_differs: bool,
    body_differs: bool,
    out: &mut Vec<Difference>,
) {
    let gm = params_of(cx.g, cx.gs.kind);
    let bm = params_of(cx.b, cx.bs.kind);
    // Both use Basic: the secret is compared with its encoding by `client_auth`.
    let both_basic = cx.gs.kind.authenticates_client()
        && crate::diff::basic_of(&cx.g.request).is_some()
        && crate::diff::basic_of(&cx.b.request).is_some();
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
pub(super) fn static_name(name: &str) -> &'static str {
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

pub(super) fn authorization_response(cx: &Cx, out: &mut Vec<Difference>) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
