//! The response of a pair: status and OAuth error (the symptom), and for successful token
//! responses what was granted — token type, scope, refresh and ID tokens, the access token's
//! audience — and its lifetime.

use super::Cx;
use super::params::{scope_parts, static_name};
use crate::diagnosis::Category;
use crate::diff::align::StepKind;
use crate::diff::shape::{self, Shape};
use crate::diff::{Aspect, Difference};
use crate::model::Exchange;

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
    if let Some((code, description)) = crate::diff::server_error(e) {
        s.push_str(&format!(" `{code}`"));
        if let Some(d) = description.filter(|d| !d.is_empty()) {
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
        crate::diff::server_error(e).map(|x| x.0),
    )
}

pub(super) fn response(cx: &Cx, out: &mut Vec<Difference>) {
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
