//! Client authentication of a pair: the method, and for Basic its base64 and form-urlencoding
//! (RFC 6749 §2.3.1) and whether the secret is the same.

use super::Cx;
use crate::diagnosis::{Category, Value};
use crate::diff::{Aspect, Difference};
use crate::model::Exchange;
use crate::oauth::basic;

#[derive(Debug, Default)]
struct Auth {
    methods: Vec<&'static str>,
    basic: Option<basic::BasicCredentials>,
}

impl Auth {
    fn of(e: &Exchange) -> Auth {
        let r = &e.request;
        let mut a = Auth {
            basic: crate::diff::basic_of(r),
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
pub(super) fn client_auth(cx: &Cx, out: &mut Vec<Difference>) -> bool {
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
                "BAD authenticates the client of {label} with `{}`, GOOD with `{}`",
                ba.label(),
                ga.label()
            ))
            .fix(format!(
                "authenticate the client as GOOD does: `{}`",
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
