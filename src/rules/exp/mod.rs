//! EXP: lifetimes and clocks — access tokens used after `exp` / `expires_in`, tokens not yet
//! valid, client/server clock skew, authorization codes and PAR `request_uri`s used too late,
//! refresh tokens that expired or were revoked. Every time comparison uses the
//! capture's own clock: the server `Date` header, else the capture timestamp (never the
//! machine's clock), with `--leeway` tolerance.

mod exp001_access_token_expired;
mod exp002_token_not_yet_valid;
mod exp003_clock_skew;
mod exp004_authorization_code_redeemed_late;
mod exp005_refresh_token_expired_or_revoked;
mod exp006_token_response_without_expires_in;
mod exp007_stale_token_after_refresh;
mod exp008_introspection_inactive;
mod exp009_par_request_uri_expired;

pub use exp001_access_token_expired::Exp001;
pub use exp002_token_not_yet_valid::Exp002;
pub use exp003_clock_skew::Exp003;
pub use exp004_authorization_code_redeemed_late::Exp004;
pub use exp005_refresh_token_expired_or_revoked::Exp005;
pub use exp006_token_response_without_expires_in::Exp006;
pub use exp007_stale_token_after_refresh::Exp007;
pub use exp008_introspection_inactive::Exp008;
pub use exp009_par_request_uri_expired::Exp009;

use super::shared::{ReportExt, alias_signal, date_header, err_of, signal_is};
use super::{Context, Rule};
use crate::declare_rule;
use crate::diagnosis::{Category, Severity, Strength};
use crate::model::human_duration;
use crate::model::signal::ServerError;
use crate::model::{Exchange, Kind};
use crate::oauth::jwt;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// The rules of this family.
pub static RULES: &[&dyn Rule] = &[
    &Exp001, &Exp002, &Exp003, &Exp004, &Exp005, &Exp006, &Exp007, &Exp008, &Exp009,
];

/// This family's place when findings tie on everything else (PROV first, BCP last).
const TIE_BREAK: u8 = 8;

/// Seconds between the moments two exchanges were judged, on one clock: both server `Date`
/// headers when both have one, else both capture timestamps.
fn seconds_between(earlier: &Exchange, later: &Exchange) -> Option<i64> {
    let date = |e: &Exchange| e.response.as_ref().and_then(|r| r.date());
    match (date(earlier), date(later)) {
        (Some(a), Some(b)) => Some(b.as_second() - a.as_second()),
        _ => Some((later.sent_ms()? - earlier.done_ms()?) / 1000),
    }
}

/// An RFC 3339 rendering of a NumericDate.
fn at(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| secs.to_string())
}

/// A numeric member of a JSON (or form) token response, tolerating numeric strings.
fn number_field(e: &Exchange, name: &str) -> Option<i64> {
    let r = e.response.as_ref()?;
    match r.json.as_ref().and_then(|j| j.get(name)) {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => r.form.get(name).and_then(|s| s.trim().parse().ok()),
    }
}

fn is_api_call(e: &Exchange) -> bool {
    matches!(e.kind, Kind::Resource | Kind::Userinfo) && e.request.presented_token().is_some()
}

/// A resource call the server refused because of its token.
fn token_refused(e: &Exchange) -> bool {
    if !is_api_call(e) || !e.failed() {
        return false;
    }
    let code = err_of(e).map(|x| x.code);
    e.status() == Some(401) || code.as_deref() == Some("invalid_token")
}

/// One piece of evidence to attach: (exchange, location, value).
type Ev = (usize, &'static str, String);

/// Why a presented access token was expired at the time of `e`: (message, evidence).
fn expired_at_use(cx: &Context<'_>, e: &Exchange, token: &str) -> Option<(String, Vec<Ev>)> {
    let leeway = cx.options.leeway;
    let now = cx.judged_at_secs(e)?;
    if let Ok(d) = jwt::decode(token) {
        if let Some(exp) = d.claim_time("exp") {
            if now > exp.saturating_add(leeway) {
                return Some((
                    format!(
                        "the access token's `exp` ({}) is {} before this request was judged ({})",
                        at(exp),
                        human_duration(now.saturating_sub(exp)),
                        at(now)
                    ),
                    vec![(
                        e.index,
                        "request.headers.authorization.exp",
                        exp.to_string(),
                    )],
                ));
            }
            return None;
        }
    }
    let x = cx.index.issuer(cx.exchanges, token)?;
    let life = number_field(x, "expires_in")?;
    let age = match cx.options.now {
        Some(n) => n.as_second() - cx.judged_at(x)?.as_second(),
        None => seconds_between(x, e)?,
    };
    (age > life.saturating_add(leeway)).then(|| {
        (
            format!(
                "the access token was issued by exchange #{} with `expires_in` {life} and used {} later ({} after it expired)",
                x.number(),
                human_duration(age),
                human_duration(age.saturating_sub(life))
            ),
            vec![(x.index, "response.body.expires_in", life.to_string())],
        )
    })
}

/// Tokens revoked by a successful revocation request: token → first such exchange.
fn revocations(ex: &[Exchange]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in ex.iter().filter(|r| {
        r.kind == Kind::Revocation && r.response.as_ref().is_some_and(|x| x.is_success())
    }) {
        if let Some(t) = r.request.param("token") {
            m.entry(t).or_insert(r.index);
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use crate::diagnosis::Category;

    /// An access token JWS of raw claims text (numbers JSON cannot hold survive).
    fn at_jwt(claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            b64url(r#"{"alg":"RS256","typ":"at+jwt"}"#),
            b64url(claims)
        )
    }

    #[test]
    fn exp001_jwt_and_opaque() {
        let mut c = Cap::new();
        let t = at_jwt(&format!(
            r#"{{"sub":"x","iat":{},"exp":{}}}"#,
            T0,
            T0 + 3600
        ));
        c.wait(4800.0);
        c.bearer_call("https://api.example.com/v1/orders", &t, 401, INVALID_TOKEN);
        let f = c.run();
        assert_eq!(of(&f, "EXP001").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::TokenExpiry);

        // opaque: expires_in 3600, used 65 minutes later
        let mut c = Cap::new();
        c.token(
            "grant_type=client_credentials&client_id=a&client_secret=b",
            200,
            r#"{"access_token":"opaque-token-123","token_type":"Bearer","expires_in":3600}"#,
        );
        c.wait(3900.0);
        c.bearer_call(
            "https://api.example.com/v1/orders",
            "opaque-token-123",
            401,
            INVALID_TOKEN,
        );
        assert_eq!(of(&c.run(), "EXP001").len(), 1);

        // within leeway: quiet
        let mut c = Cap::new();
        let t = at_jwt(&format!(r#"{{"sub":"x","exp":{}}}"#, T0 - 30));
        c.bearer_call("https://api.example.com/v1/orders", &t, 401, INVALID_TOKEN);
        assert!(of(&c.run(), "EXP001").is_empty());
    }

    #[test]
    fn hostile_times_do_not_panic() {
        for claims in [
            r#"{"exp":-9223372036854775808,"nbf":9223372036854775807,"iat":1e300}"#,
            r#"{"exp":9223372036854775807}"#,
            r#"{"exp":"soon","nbf":null}"#,
        ] {
            let mut c = Cap::new();
            let t = at_jwt(claims);
            c.token("grant_type=client_credentials&client_id=a&client_secret=b", 200,
                &format!(r#"{{"access_token":"{t}","token_type":"Bearer","expires_in":9223372036854775807}}"#));
            c.bearer_call("https://api.example.com/v1/x", &t, 401, INVALID_TOKEN);
            c.post(
                "https://idp.example.com/introspect",
                vec![],
                &format!("token={t}"),
                200,
                r#"{"active":false}"#,
            );
            let _ = c.run();
        }
    }

    #[test]
    fn exp002_and_exp003() {
        let mut c = Cap::new();
        let t = at_jwt(&format!(
            r#"{{"sub":"x","iat":{},"nbf":{},"exp":{}}}"#,
            T0 + 300,
            T0 + 300,
            T0 + 3600
        ));
        c.bearer_call(
            "https://api.example.com/v1/orders",
            &t,
            401,
            r#"Bearer error="invalid_token", error_description="token not valid yet""#,
        );
        let f = c.run();
        assert_eq!(of(&f, "EXP002").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::ClockSkew);

        let mut c = Cap::new();
        c.add_full("GET", DISCOVERY, vec![], None, 200,
            vec![("Content-Type", "application/json")], r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token"}"#, 600);
        c.add_full("POST", TOK, vec![("Content-Type", "application/x-www-form-urlencoded")],
            Some("grant_type=client_credentials&client_id=a&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJhIn0.c2ln"),
            401, vec![("Content-Type", "application/json")], r#"{"error":"invalid_client","error_description":"The client_assertion token is expired."}"#, 600);
        let f = c.run();
        let g = of(&f, "EXP003");
        assert_eq!(g.len(), 1);
        assert!(!g[0].latent);
        assert_eq!(g[0].severity, crate::diagnosis::Severity::Error);

        let mut c = Cap::new();
        c.add_full(
            "GET",
            "https://idp.example.com/x",
            vec![],
            None,
            200,
            vec![],
            "",
            20,
        );
        assert!(of(&c.run(), "EXP003").is_empty());
    }

    #[test]
    fn exp004_005_009() {
        let mut c = Cap::new();
        c.authorize(
            &format!("response_type=code&client_id=web&redirect_uri={CB_ENC}&state=s"),
            &format!("{CB}?code=c1&state=s"),
        );
        c.wait(746.0);
        c.token(
            &format!("grant_type=authorization_code&code=c1&redirect_uri={CB_ENC}&client_id=web"),
            400,
            r#"{"error":"invalid_grant"}"#,
        );
        let f = c.run();
        assert_eq!(of(&f, "EXP004").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::TokenExpiry);

        let mut c = Cap::new();
        c.token(
            "grant_type=refresh_token&refresh_token=old-token-xyz&client_id=web",
            400,
            r#"{"error":"invalid_grant","error_description":"The refresh token has expired."}"#,
        );
        let f = c.run();
        assert_eq!(of(&f, "EXP005").len(), 1);
        assert_eq!(top(&f).unwrap().category, Category::TokenExpiry);

        let mut c = Cap::new();
        c.post(
            "https://idp.example.com/par",
            vec![],
            "response_type=code&client_id=web&state=s",
            201,
            r#"{"request_uri":"urn:ietf:params:oauth:request_uri:abc","expires_in":60}"#,
        );
        c.wait(151.0);
        c.authorize(
            "client_id=web&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc",
            &format!("{CB}?error=invalid_request_uri"),
        );
        let f = c.run();
        assert_eq!(of(&f, "EXP009").len(), 1);
    }

    #[test]
    fn exp006_007_008() {
        let mut c = Cap::new();
        c.token(
            "grant_type=client_credentials&client_id=a&client_secret=b",
            200,
            r#"{"access_token":"opaque","token_type":"Bearer"}"#,
        );
        let f = c.run();
        assert_eq!(of(&f, "EXP006").len(), 1);
        assert!(of(&f, "EXP006")[0].latent);

        let mut c = Cap::new();
        c.token("grant_type=authorization_code&code=c1&client_id=web", 200,
            r#"{"access_token":"AT-A-1","token_type":"Bearer","expires_in":3600,"refresh_token":"RT-1"}"#);
        c.wait(3300.0);
        c.token("grant_type=refresh_token&refresh_token=RT-1&client_id=web", 200,
            r#"{"access_token":"AT-B-2","token_type":"Bearer","expires_in":3600,"refresh_token":"RT-2"}"#);
        c.wait(600.0);
        c.bearer_call("https://api.example.com/v1/x", "AT-A-1", 401, INVALID_TOKEN);
        let f = c.run();
        assert_eq!(of(&f, "EXP007").len(), 1);

        let mut c = Cap::new();
        c.bearer_call("https://api.example.com/v1/x", "AT-A-1", 401, INVALID_TOKEN);
        c.post(
            "https://idp.example.com/introspect",
            vec![("Authorization", "Basic YTpi")],
            "token=AT-A-1",
            200,
            r#"{"active":false}"#,
        );
        let f = c.run();
        let g = of(&f, "EXP008");
        assert_eq!(g.len(), 1);
        assert!(!g[0].latent);
    }
}
