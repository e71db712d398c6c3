//! Comparing one aligned pair of steps on what matters to OAuth: the endpoint (scheme, host,
//! port, tenant or realm, version, path, method), client authentication and its encoding, the
//! body encoding, every parameter (present, absent, duplicated, its place, its value where it
//! must be equal and its shape where it must differ), the headers that carry OAuth meaning
//! (`Authorization` scheme and token, `DPoP`, `Origin`, `Accept`), and the response. Emits
//! [`Difference`]s; it ranks nothing and prints nothing.

mod auth;
mod body;
mod endpoint;
mod headers;
mod params;
mod response;

pub use response::outcome;

use super::align::{Pair, Step, StepKind};
use super::{Aspect, Capture, Difference};
use crate::diagnosis::{Category, Value};
use crate::model::Exchange;

/// One aligned pair being compared: its steps and exchanges in GOOD and BAD.
struct Cx<'a> {
    /// Index of the pair in [`crate::diff::Diff::pairs`].
    pair: usize,
    gs: &'a Step,
    bs: &'a Step,
    g: &'a Exchange,
    b: &'a Exchange,
    good: &'a Capture,
    bad: &'a Capture,
}

impl Cx<'_> {
    /// Record a difference of this pair.
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
                params::authorization_response(&cx, out);
                return;
            }
            endpoint::endpoint(&cx, out);
            let auth_method_differs = gs.kind.authenticates_client() && auth::client_auth(&cx, out);
            let body_differs = body::body(&cx, out);
            params::parameters(&cx, auth_method_differs, body_differs, out);
            headers::headers(&cx, out);
            response::response(&cx, out);
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
