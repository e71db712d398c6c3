//! DEV: the device authorization grant (RFC 8628) — the device authorization
//! request and response, and the client's polling: giving up on `authorization_pending`,
//! ignoring `slow_down` and the interval, polling past expiry or after a terminal answer, the
//! grant-type URN. Polls are grouped by `device_code`; gaps are measured between request start
//! times, the way the server sees them. Pure.

mod dev001_device_polling_reaction;
mod dev002_slow_down_ignored;
mod dev003_polling_too_fast;
mod dev004_device_code_expired;
mod dev005_device_request_denied;
mod dev006_wrong_device_grant_type;
mod dev007_device_authorization_request_malformed;
mod dev008_device_authorization_response_non_standard;

pub use dev001_device_polling_reaction::Dev001;
pub use dev002_slow_down_ignored::Dev002;
pub use dev003_polling_too_fast::Dev003;
pub use dev004_device_code_expired::Dev004;
pub use dev005_device_request_denied::Dev005;
pub use dev006_wrong_device_grant_type::Dev006;
pub use dev007_device_authorization_request_malformed::Dev007;
pub use dev008_device_authorization_response_non_standard::Dev008;

use super::shared::{edit_distance, issued_access_token};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Strength};
use crate::model::{Exchange, Kind, Response};
use jiff::Timestamp;

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Dev001, &Dev002, &Dev003, &Dev004, &Dev005, &Dev006, &Dev007, &Dev008,
];

/// This family's place when findings tie on everything else (PROV first, BCP last).
const TIE_BREAK: u8 = 11;

/// The device-code grant type (RFC 8628 §3.4).
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Default polling interval (RFC 8628 §3.2).
const DEFAULT_INTERVAL: f64 = 5.0;

/// Clock tolerance for polling gaps, in seconds.
const GAP_TOLERANCE: f64 = 0.5;

/// A numeric member of a JSON (or form) response, tolerating numeric strings.
fn num_field(r: &Response, name: &str) -> Option<f64> {
    if let Some(v) = r.json.as_ref().and_then(|j| j.get(name)) {
        return v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()));
    }
    r.form.get(name).and_then(|s| s.trim().parse().ok())
}

fn secs_between(a: Timestamp, b: Timestamp) -> f64 {
    (b.as_millisecond() - a.as_millisecond()) as f64 / 1000.0
}

/// The error code a poll got, if any.
fn poll_error(e: &Exchange) -> Option<String> {
    e.server_error().map(|x| x.code)
}

/// A device-code poll: a token request that redeems a `device_code`.
fn is_poll(e: &Exchange) -> bool {
    e.kind == Kind::Token
        && (e
            .request
            .param("device_code")
            .is_some_and(|d| !d.is_empty())
            || e.request
                .param("grant_type")
                .is_some_and(|g| g == DEVICE_GRANT))
}

/// The device authorization response that issued `device_code`.
fn issuer_of<'a>(ex: &'a [Exchange], device_code: &str) -> Option<&'a Exchange> {
    ex.iter().find(|e| {
        e.response
            .as_ref()
            .and_then(|r| r.field("device_code"))
            .is_some_and(|d| d == device_code)
    })
}

/// The polls of one device code, in time order, with what the device authorization said.
struct Polling<'a> {
    device_code: String,
    polls: Vec<&'a Exchange>,
    authorization: Option<&'a Exchange>,
    interval: Option<f64>,
    expires_in: Option<f64>,
}

fn pollings(ex: &[Exchange]) -> Vec<Polling<'_>> {
    let mut out: Vec<Polling<'_>> = Vec::new();
    for e in ex.iter().filter(|e| is_poll(e)) {
        let dc = e.request.param("device_code").unwrap_or_default();
        match out.iter_mut().find(|p| p.device_code == dc) {
            Some(p) => p.polls.push(e),
            None => {
                let authorization = if dc.is_empty() {
                    None
                } else {
                    issuer_of(ex, &dc)
                };
                let resp = authorization.and_then(|a| a.response.as_ref());
                out.push(Polling {
                    device_code: dc,
                    polls: vec![e],
                    authorization,
                    interval: resp.and_then(|r| num_field(r, "interval")),
                    expires_in: resp.and_then(|r| num_field(r, "expires_in")),
                })
            }
        }
    }
    out
}

/// Errors after which polling must stop (RFC 8628 §3.5: anything but pending / slow_down).
fn is_terminal(code: &str) -> bool {
    !matches!(code, "authorization_pending" | "slow_down")
}

// DEV002 / DEV003: the polling interval
// ---------------------------------------------------------------------------------------------

/// A poll that came too early: (poll, gap in s, required interval in s, after a slow_down).
struct Early<'a> {
    poll: &'a Exchange,
    previous: &'a Exchange,
    gap: f64,
    required: f64,
    after_slow_down: bool,
}

/// Walk the polls of one device code with the interval RFC 8628 requires at each step.
fn early_polls<'a>(p: &Polling<'a>) -> Vec<Early<'a>> {
    let mut out = Vec::new();
    let mut interval = p.interval.filter(|i| *i > 0.0).unwrap_or(DEFAULT_INTERVAL);
    for w in p.polls.windows(2) {
        let (prev, cur) = (w[0], w[1]);
        let slowed = poll_error(prev).as_deref() == Some("slow_down");
        if slowed {
            interval += 5.0;
        }
        let (Some(a), Some(b)) = (prev.started_at, cur.started_at) else {
            continue;
        };
        let gap = secs_between(a, b);
        if gap + GAP_TOLERANCE < interval {
            out.push(Early {
                poll: cur,
                previous: prev,
                gap,
                required: interval,
                after_slow_down: slowed,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("abc", "abd"), 1);
        assert_eq!(
            edit_distance("urn:ietf:params:oauth:grant-type:device-code", DEVICE_GRANT),
            1
        );
        assert!(edit_distance("authorization_code", DEVICE_GRANT) > 4);
    }

    #[test]
    fn terminal_errors() {
        assert!(!is_terminal("authorization_pending"));
        assert!(!is_terminal("slow_down"));
        assert!(is_terminal("expired_token"));
        assert!(is_terminal("access_denied"));
    }
}

#[cfg(test)]
mod flow_tests {
    use super::super::testkit::*;

    const DA: &str = "https://idp.example.com/oauth2/device_authorization";
    const TOKEN: &str = "https://idp.example.com/oauth2/token";

    fn da(t: f64, rbody: &str) -> serde_json::Value {
        x(
            t,
            "POST",
            DA,
            &[],
            Some("client_id=tv&scope=openid"),
            200,
            &[],
            Some(rbody),
        )
    }

    fn poll(t: f64, status: u16, rbody: &str) -> serde_json::Value {
        x(
            t,
            "POST",
            TOKEN,
            &[],
            Some(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=DC1&client_id=tv",
            ),
            status,
            &[],
            Some(rbody),
        )
    }

    const DAR: &str = r#"{"device_code":"DC1","user_code":"ABCD-EFGH","verification_uri":"https://idp.example.com/device","expires_in":600,"interval":5}"#;
    const PENDING: &str = r#"{"error":"authorization_pending"}"#;
    const SLOW: &str = r#"{"error":"slow_down"}"#;
    const TOKENS: &str = r#"{"access_token":"at","token_type":"Bearer","expires_in":3600}"#;

    #[test]
    fn dev001_gives_up_on_pending() {
        let f = run(vec![da(0.0, DAR), poll(5.0, 400, PENDING), da(6.0, DAR)]);
        assert!(fired(&f, "DEV001"), "{}", summary(&f));
        let f = run(vec![
            da(0.0, DAR),
            poll(5.0, 400, PENDING),
            poll(10.0, 200, TOKENS),
        ]);
        assert!(!fired(&f, "DEV001"), "{}", summary(&f));
    }

    #[test]
    fn dev002_and_dev003_intervals() {
        let f = run(vec![
            da(0.0, DAR),
            poll(5.0, 400, PENDING),
            poll(10.0, 400, SLOW),
            poll(15.0, 400, SLOW),
        ]);
        assert!(fired(&f, "DEV002"), "{}", summary(&f));
        assert!(!fired(&f, "DEV003"), "{}", summary(&f));
        assert_eq!(top_category(&f), "rate_limit", "{}", summary(&f));
        let f = run(vec![
            da(0.0, DAR),
            poll(1.0, 400, PENDING),
            poll(2.0, 400, SLOW),
        ]);
        assert!(fired(&f, "DEV003"), "{}", summary(&f));
        let f = run(vec![
            da(0.0, DAR),
            poll(5.0, 400, PENDING),
            poll(10.2, 400, SLOW),
            poll(20.3, 200, TOKENS),
        ]);
        assert!(
            !fired(&f, "DEV002") && !fired(&f, "DEV003"),
            "{}",
            summary(&f)
        );
    }

    #[test]
    fn dev004_by_clock_and_by_code() {
        let short = r#"{"device_code":"DC1","user_code":"ABCD-EFGH","verification_uri":"https://idp.example.com/device","expires_in":3}"#;
        let f = run(vec![
            da(0.0, short),
            poll(0.1, 400, PENDING),
            poll(
                5.1,
                400,
                r#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
            ),
        ]);
        assert!(fired(&f, "DEV004"), "{}", summary(&f));
        assert_eq!(top_category(&f), "token_expiry", "{}", summary(&f));
        let f = run(vec![poll(0.0, 400, r#"{"error":"expired_token"}"#)]);
        assert_eq!(top_category(&f), "token_expiry", "{}", summary(&f));
    }

    #[test]
    fn dev005_denied() {
        let f = run(vec![
            da(0.0, DAR),
            poll(5.0, 400, r#"{"error":"access_denied"}"#),
        ]);
        assert!(fired(&f, "DEV005"), "{}", summary(&f));
    }

    #[test]
    fn dev006_short_grant_name() {
        let f = run(vec![x(
            0.0,
            "POST",
            TOKEN,
            &[],
            Some("grant_type=device_code&device_code=DC1&client_id=tv"),
            400,
            &[],
            Some(r#"{"error":"unsupported_grant_type"}"#),
        )]);
        assert!(fired(&f, "DEV006"), "{}", summary(&f));
        assert_eq!(top_category(&f), "grant_type", "{}", summary(&f));
    }

    #[test]
    fn dev007_poll_by_another_client() {
        let f = run(vec![
            da(0.0, DAR),
            x(
                5.0,
                "POST",
                TOKEN,
                &[],
                Some(
                    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=DC1&client_id=other",
                ),
                400,
                &[],
                Some(r#"{"error":"invalid_grant"}"#),
            ),
        ]);
        assert!(fired(&f, "DEV007"), "{}", summary(&f));
    }

    #[test]
    fn dev008_variant_names() {
        let f = run(vec![da(
            0.0,
            r#"{"device_code":"DC1","user_code":"ABCD","verification_url":"https://idp.example.com/device","expires_in":600}"#,
        )]);
        assert!(find(&f, "DEV008").message.contains("`verification_url`"));
        let f = run(vec![da(0.0, DAR)]);
        assert!(!fired(&f, "DEV008"));
    }
    #[test]
    fn dev007_device_request_to_the_token_endpoint() {
        let md = r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/oauth2/token","device_authorization_endpoint":"https://idp.example.com/oauth2/device_authorization"}"#;
        let discovery = get(0.0, DISCOVERY, 200, &[], Some(md));
        let f = run(vec![
            discovery.clone(),
            x(
                1.0,
                "POST",
                TOKEN,
                &[],
                Some("client_id=tv&scope=openid"),
                400,
                &[],
                Some(r#"{"error":"unsupported_grant_type"}"#),
            ),
        ]);
        assert_eq!(find(&f, "DEV007").category.as_str(), "endpoint_url");
        // A confidential client that forgot its grant_type is GRANT001's, not this.
        let f = run(vec![
            discovery,
            x(
                1.0,
                "POST",
                TOKEN,
                &[("Authorization", "Basic d2ViOnMzY3JldA==")],
                Some("scope=api"),
                400,
                &[],
                Some(r#"{"error":"invalid_request"}"#),
            ),
        ]);
        assert!(!fired(&f, "DEV007"), "{}", summary(&f));
    }
}
