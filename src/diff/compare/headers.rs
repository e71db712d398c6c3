//! Headers of a pair that carry OAuth meaning: the `Authorization` scheme and the token it
//! presents (which response issued it, its shape), `DPoP`, `Origin`, `Accept`.

use super::Cx;
use crate::diagnosis::Category;
use crate::diff::align::StepKind;
use crate::diff::shape::{self, Shape};
use crate::diff::{Aspect, Capture, Difference};
use std::collections::BTreeSet;

/// The response field (and exchange) of this capture that issued a token.
fn issued_by(c: &Capture, token: &str) -> Option<(&'static str, usize)> {
    c.issued.get(token).copied()
}

pub(super) fn headers(cx: &Cx, out: &mut Vec<Difference>) {
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
