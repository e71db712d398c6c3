//! Body encoding of a pair: form, JSON, multipart or none, and `Content-Type`.

use super::Cx;
use crate::diagnosis::Category;
use crate::diff::{Aspect, Difference};
use crate::model::Exchange;

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
pub(super) fn body(cx: &Cx, out: &mut Vec<Difference>) -> bool {
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
