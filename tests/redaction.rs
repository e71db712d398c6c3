//! Redaction, proven: no secret of a capture reaches any output format (text, verbose text,
//! concise text, json, markdown with its Mermaid diagram, github, junit, sarif, html) unless
//! `--show-secrets`.
//!
//! - a property test builds captures with random secret values in every position a secret can
//!   take (headers, query, form and JSON bodies, JWT signatures, cookies, `Location` URLs, error
//!   descriptions that echo a value) and checks every format;
//! - a fixture test runs every fixture that lists its `secrets` (corpus, providers, rule
//!   fixtures) through every format;
//! - `redact`: a property test places random secrets (opaque, signed or unsigned JWTs) in every
//!   position (headers, cookies, query, fragment, form and JSON bodies at any depth, base64
//!   bodies) and checks that none is left; every fixture's redacted capture holds none of its
//!   secrets and keeps its diagnosis.
//!
//! `PROPTEST_CASES` raises the case count (CI keeps the default small).

use base64::Engine;
use oauth_doctor::capture;
use oauth_doctor::redact::Redactor;
use oauth_doctor::report::{self, Format, Report};
use oauth_doctor::rules::Options;
use oauth_doctor::{RuleFilter, analyze};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Every output a user can ask for: (label, format, concise, verbosity).
const OUTPUTS: &[(&str, Format, bool, i8)] = &[
    ("text", Format::Text, false, 0),
    ("text -v", Format::Text, false, 1),
    ("text --concise", Format::Text, true, 0),
    ("json", Format::Json, false, 0),
    ("markdown", Format::Markdown, false, 0),
    ("github", Format::Github, false, 0),
    ("junit", Format::Junit, false, 0),
    ("sarif", Format::Sarif, false, 0),
    ("html", Format::Html, false, 0),
];

/// Load bytes as a capture and render every output format; (label, output) pairs.
fn render_all(name: &str, bytes: &[u8], show: bool) -> Vec<(&'static str, String)> {
    let loaded = capture::load_bytes(Arc::from(name), bytes)
        .unwrap_or_else(|e| panic!("{name}: cannot load: {e}"));
    render_loaded(name, loaded, show)
}

fn render_loaded(name: &str, loaded: capture::Loaded, show: bool) -> Vec<(&'static str, String)> {
    let analysis = analyze(
        loaded.exchanges,
        &Options::default(),
        &RuleFilter::default(),
    );
    let redactor = Redactor::new(&analysis.exchanges, show);
    let inputs = vec![name.to_string()];
    let rep = Report {
        findings: &analysis.findings,
        exchanges: &analysis.exchanges,
        index: &analysis.index,
        diagnoses: &analysis.diagnoses,
        skipped: &loaded.skipped,
        inputs: &inputs,
        sanitized: loaded.sanitized,
        ignored: loaded.ignored,
        summarised: loaded.summarised,
        groups: &[],
        redactor: &redactor,
    };
    OUTPUTS
        .iter()
        .map(|(label, format, concise, verbosity)| {
            let mut out = Vec::new();
            report::printer(*format, *concise, *verbosity)
                .print(&rep, &mut out)
                .unwrap();
            let mut text = String::from_utf8(out).unwrap();
            if *format == Format::Sarif {
                // The rules' own documentation (`tool.driver.rules`) is static text, the same
                // for every capture: its examples are not the capture's secrets.
                let mut v: Value = serde_json::from_str(&text).unwrap();
                v["runs"][0]["tool"]["driver"]["rules"] = json!([]);
                text = v.to_string();
            }
            (*label, text)
        })
        .collect()
}

/// The forms a secret can take in output: as is, form-encoded, percent-encoded.
fn forms(s: &str) -> Vec<String> {
    let form: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
    let pct = form.replace('+', "%20");
    let mut v = vec![s.to_string(), form, pct];
    v.dedup();
    v
}

/// Which of `secrets` (and their encodings) appear in any output; empty when none leak.
fn leaks(outputs: &[(&str, String)], secrets: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for (label, text) in outputs {
        for s in secrets {
            for f in forms(s) {
                if text.contains(&f) {
                    let at = text.find(&f).unwrap();
                    let from = text[..at]
                        .char_indices()
                        .rev()
                        .nth(60)
                        .map_or(0, |(i, _)| i);
                    let to = (at + f.len() + 40).min(text.len());
                    let to = (to..=text.len())
                        .find(|i| text.is_char_boundary(*i))
                        .unwrap();
                    found.push(format!(
                        "{label}: `{f}` ({} chars) in …{}…",
                        s.chars().count(),
                        &text[from..to]
                    ));
                }
            }
        }
    }
    found
}

// ---- property test ---------------------------------------------------------------------------

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn jwt(claims: Value, sig: &str) -> String {
    format!(
        "{}.{}.{sig}",
        b64url(br#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#),
        b64url(claims.to_string().as_bytes())
    )
}

/// Random secret values: long enough to be searched in free text (8+), with the characters
/// that need encoding in URLs and bodies.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9._~+/=-]{7,47}".prop_filter("distinct from vocabulary", |s| {
        // Values that are also ordinary words of a report would make the test meaningless.
        !s.chars().all(|c| c.is_ascii_lowercase())
    })
}

/// A JWT signature segment (base64url).
fn signature() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{16,86}"
}

#[derive(Debug, Clone)]
struct Secrets {
    client_secret: String,
    password: String,
    code: String,
    verifier: String,
    refresh: String,
    access: String,
    id_sig: String,
    assertion_sig: String,
    dpop_sig: String,
    cookie: String,
    set_cookie: String,
    api_key: String,
    device_code: String,
    url_password: String,
}

fn secrets() -> impl Strategy<Value = Secrets> {
    (
        (secret(), secret(), secret(), secret(), secret(), secret()),
        (signature(), signature(), signature()),
        (secret(), secret(), secret(), secret(), secret()),
    )
        .prop_map(
            |(
                (client_secret, password, code, verifier, refresh, access),
                (id_sig, assertion_sig, dpop_sig),
                (cookie, set_cookie, api_key, device_code, url_password),
            )| Secrets {
                client_secret,
                password,
                code,
                verifier,
                refresh,
                access,
                id_sig,
                assertion_sig,
                dpop_sig,
                cookie,
                set_cookie,
                api_key,
                device_code,
                url_password: url_password.replace(['/', '+', '=', '~', '.'], "x"),
            },
        )
}

/// How the exchanges end: each switch flips one outcome, so different rules fire.
#[derive(Debug, Clone)]
struct Shape {
    token_fails: bool,
    echo_in_description: bool,
    json_body: bool,
    secret_in_body: bool,
    userinfo_fails: bool,
    refresh_fails: bool,
    implicit: bool,
    har: bool,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(a, b, c, d, e, f, g, h)| Shape {
            token_fails: a,
            echo_in_description: b,
            json_body: c,
            secret_in_body: d,
            userinfo_fails: e,
            refresh_fails: f,
            implicit: g,
            har: h,
        })
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn pct(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// One exchange in dump form.
#[allow(clippy::too_many_arguments)]
fn ex(
    t: &str,
    method: &str,
    url: &str,
    headers: Vec<(&str, String)>,
    body: Option<String>,
    status: u16,
    rheaders: Vec<(&str, String)>,
    rbody: Option<String>,
) -> Value {
    let h = |v: Vec<(&str, String)>| -> Vec<Value> {
        v.into_iter().map(|(n, v)| json!([n, v])).collect()
    };
    let mut req = json!({"method": method, "url": url, "headers": h(headers)});
    if let Some(b) = body {
        req["body"] = json!(b);
    }
    let mut resp = json!({"status": status, "headers": h(rheaders)});
    if let Some(b) = rbody {
        resp["body"] = json!(b);
    }
    json!({"started_at": t, "request": req, "response": resp})
}

/// A capture holding every secret of `s` in every position, plus the list of values that must
/// never be printed.
fn capture_with(s: &Secrets, sh: &Shape) -> (Vec<u8>, Vec<String>) {
    let idp = "https://idp.example.test";
    let cb = "https://app.example.test/callback";
    let now = 1_795_690_000u64;
    let id_token = jwt(
        json!({"iss": idp, "aud": "app-client", "sub": "u1", "iat": now, "exp": now + 3600, "nonce": "n1"}),
        &s.id_sig,
    );
    let assertion = jwt(
        json!({"iss": "app-client", "sub": "app-client", "aud": format!("{idp}/token"), "iat": now, "exp": now + 300, "jti": "j1"}),
        &s.assertion_sig,
    );
    let dpop = jwt(
        json!({"htm": "POST", "htu": format!("{idp}/token"), "iat": now, "jti": "d1"}),
        &s.dpop_sig,
    );
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("app-client:{}", pct(&s.client_secret)));
    let date = |sec: u64| {
        let t = jiff::Timestamp::from_second(sec as i64).unwrap();
        t.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
    };
    let at = |sec: u64| {
        jiff::Timestamp::from_second(sec as i64)
            .unwrap()
            .to_string()
    };
    let json_ct = ("Content-Type", "application/json".to_string());
    let form_ct = (
        "Content-Type",
        "application/x-www-form-urlencoded".to_string(),
    );
    let mut out = Vec::new();
    // 1. authorize → redirect to the callback with the code (query) or tokens (fragment).
    let location = if sh.implicit {
        format!(
            "{cb}#access_token={}&id_token={}&token_type=Bearer&state=st4te",
            pct(&s.access),
            id_token
        )
    } else {
        format!("{cb}?code={}&state=st4te", pct(&s.code))
    };
    out.push(ex(
        &at(now),
        "GET",
        &format!(
            "{idp}/authorize?response_type=code&client_id=app-client&redirect_uri={}&state=st4te&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
            pct(cb)
        ),
        vec![("Cookie", format!("idp_session={}; lang=en", s.cookie))],
        None,
        302,
        vec![
            ("Location", location.clone()),
            (
                "Set-Cookie",
                format!("idp_session={}; Path=/; HttpOnly; Secure", s.set_cookie),
            ),
            ("Date", date(now)),
        ],
        None,
    ));
    // 2. the callback, with the URL carrying the code and a Referer.
    out.push(ex(
        &at(now + 1),
        "GET",
        &location,
        vec![
            ("Cookie", format!("app_session={}", s.cookie)),
            (
                "Referer",
                format!("{idp}/login?password={}", pct(&s.password)),
            ),
        ],
        None,
        200,
        vec![
            ("Content-Type", "text/html".into()),
            ("Date", date(now + 1)),
        ],
        Some(format!(
            "<html><body>signing in… <!-- code {} --></body></html>",
            s.code
        )),
    ));
    // 3. the code exchange: Basic + client_assertion + DPoP, the verifier in the body.
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("code", s.code.as_str()),
        ("redirect_uri", cb),
        ("code_verifier", s.verifier.as_str()),
    ];
    if sh.secret_in_body {
        pairs.push(("client_secret", s.client_secret.as_str()));
        pairs.push((
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ));
        pairs.push(("client_assertion", assertion.as_str()));
    }
    let (ct, body) = if sh.json_body {
        let mut o = serde_json::Map::new();
        for (k, v) in &pairs {
            o.insert(k.to_string(), json!(v));
        }
        (json_ct.clone(), Value::Object(o).to_string())
    } else {
        (form_ct.clone(), form(&pairs))
    };
    let token_resp = if sh.token_fails {
        let desc = if sh.echo_in_description {
            format!(
                "Invalid authorization code {} (verifier {} does not match, client secret {})",
                s.code, s.verifier, s.client_secret
            )
        } else {
            "The provided authorization grant is invalid".to_string()
        };
        (
            400,
            json!({"error": "invalid_grant", "error_description": desc}).to_string(),
        )
    } else {
        (
            200,
            json!({"access_token": s.access, "token_type": "Bearer", "expires_in": 3600,
                   "refresh_token": s.refresh, "id_token": id_token, "scope": "openid"})
            .to_string(),
        )
    };
    out.push(ex(
        &at(now + 2),
        "POST",
        &format!("{idp}/token"),
        vec![
            ct,
            ("Authorization", format!("Basic {basic}")),
            ("DPoP", dpop.clone()),
        ],
        Some(body),
        token_resp.0,
        vec![json_ct.clone(), ("Date", date(now + 2))],
        Some(token_resp.1),
    ));
    // 4. userinfo with the access token; a challenge that echoes it.
    let (us, uh, ub) = if sh.userinfo_fails {
        (
            401,
            vec![(
                "WWW-Authenticate",
                format!(
                    "Bearer error=\"invalid_token\", error_description=\"token {} expired\"",
                    s.access
                ),
            )],
            None,
        )
    } else {
        (
            200,
            vec![json_ct.clone()],
            Some(json!({"sub": "u1", "email": "u1@example.test"}).to_string()),
        )
    };
    let mut uh = uh;
    uh.push(("Date", date(now + 3)));
    out.push(ex(
        &at(now + 3),
        "GET",
        &format!("{idp}/userinfo"),
        vec![
            ("Authorization", format!("Bearer {}", s.access)),
            ("X-Api-Key", s.api_key.clone()),
        ],
        None,
        us,
        uh,
        ub,
    ));
    // 5. refresh with the secret in the body, and a password grant through a URL with userinfo.
    let refresh_resp = if sh.refresh_fails {
        (
            400,
            json!({"error": "invalid_grant", "error_description": format!("refresh token {} is expired", s.refresh)}).to_string(),
        )
    } else {
        (
            200,
            json!({"access_token": s.access, "token_type": "Bearer", "expires_in": 3600})
                .to_string(),
        )
    };
    out.push(ex(
        &at(now + 4),
        "POST",
        &format!("{idp}/token"),
        vec![form_ct.clone()],
        Some(form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &s.refresh),
            ("client_id", "app-client"),
            ("client_secret", &s.client_secret),
        ])),
        refresh_resp.0,
        vec![json_ct.clone(), ("Date", date(now + 4))],
        Some(refresh_resp.1),
    ));
    out.push(ex(
        &at(now + 5),
        "POST",
        &format!("https://svc:{}@idp.example.test/token", s.url_password),
        vec![form_ct.clone()],
        Some(form(&[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", &s.password),
            ("client_id", "app-client"),
        ])),
        401,
        vec![json_ct.clone(), ("Date", date(now + 5))],
        Some(json!({"error": "invalid_client", "error_description": format!("client authentication failed for password {}", s.password)}).to_string()),
    ));
    // 6. device flow: the device code in the response and the polling request.
    out.push(ex(
        &at(now + 6),
        "POST",
        &format!("{idp}/device/code"),
        vec![form_ct.clone()],
        Some(form(&[("client_id", "tv-client"), ("scope", "openid")])),
        200,
        vec![json_ct.clone(), ("Date", date(now + 6))],
        Some(json!({"device_code": s.device_code, "user_code": "WDJB-MJHT", "verification_uri": format!("{idp}/device"), "expires_in": 600, "interval": 5}).to_string()),
    ));
    out.push(ex(
        &at(now + 7),
        "POST",
        &format!("{idp}/token"),
        vec![form_ct.clone()],
        Some(form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", &s.device_code),
            ("client_id", "tv-client"),
        ])),
        400,
        vec![json_ct.clone(), ("Date", date(now + 7))],
        Some(json!({"error": "expired_token"}).to_string()),
    ));
    let bytes = if sh.har {
        to_har(&out)
    } else {
        serde_json::to_vec_pretty(&json!({ "exchanges": out })).unwrap()
    };
    let never = vec![
        s.client_secret.clone(),
        s.password.clone(),
        s.code.clone(),
        s.verifier.clone(),
        s.refresh.clone(),
        s.access.clone(),
        s.id_sig.clone(),
        s.assertion_sig.clone(),
        s.dpop_sig.clone(),
        s.cookie.clone(),
        s.set_cookie.clone(),
        s.api_key.clone(),
        s.device_code.clone(),
        s.url_password.clone(),
        id_token,
        assertion,
        dpop,
        basic,
    ];
    (bytes, never)
}

/// The same exchanges as a HAR document (Chrome's shape: header objects, postData, content).
fn to_har(exchanges: &[Value]) -> Vec<u8> {
    let hdrs = |v: &Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| json!({"name": p[0], "value": p[1]}))
            .collect()
    };
    let entries: Vec<Value> = exchanges
        .iter()
        .map(|e| {
            let rq = &e["request"];
            let rs = &e["response"];
            let mut req = json!({"method": rq["method"], "url": rq["url"], "httpVersion": "HTTP/1.1",
                "headers": hdrs(&rq["headers"]), "queryString": [], "cookies": [], "headersSize": -1, "bodySize": -1});
            if let Some(b) = rq["body"].as_str() {
                let mime = rq["headers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p[0] == "Content-Type")
                    .map(|p| p[1].clone())
                    .unwrap_or(json!(""));
                req["postData"] = json!({"mimeType": mime, "text": b});
            }
            let location = rs["headers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p[0] == "Location")
                .map(|p| p[1].clone())
                .unwrap_or(json!(""));
            json!({"startedDateTime": e["started_at"], "time": 12.5, "request": req,
                "response": {"status": rs["status"], "statusText": "", "httpVersion": "HTTP/1.1",
                    "headers": hdrs(&rs["headers"]), "cookies": [],
                    "content": {"size": -1, "mimeType": "application/json", "text": rs["body"].as_str().unwrap_or("")},
                    "redirectURL": location, "headersSize": -1, "bodySize": -1},
                "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 1}})
        })
        .collect();
    serde_json::to_vec_pretty(&json!({"log": {"version": "1.2",
        "creator": {"name": "redaction-test", "version": "1"}, "entries": entries}}))
    .unwrap()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_secret_in_any_position_reaches_any_format(s in secrets(), sh in shape()) {
        let (bytes, never) = capture_with(&s, &sh);
        let outputs = render_all("generated.json", &bytes, false);
        let found = leaks(&outputs, &never);
        prop_assert!(found.is_empty(), "leaks:\n{}", found.join("\n"));
    }
}

#[test]
fn show_secrets_prints_them() {
    let s = Secrets {
        client_secret: "Cl1entS3cret~value".into(),
        password: "Pa55word-value".into(),
        code: "Auth0rizationCode-value".into(),
        verifier: "Ver1fier-value-0123456789".into(),
        refresh: "Refre5hToken-value".into(),
        access: "Acce55Token-value".into(),
        id_sig: "IdTokenSignature_value".into(),
        assertion_sig: "AssertionSignature_value".into(),
        dpop_sig: "DpopSignature_value".into(),
        cookie: "C00kie-value".into(),
        set_cookie: "SetC00kie-value".into(),
        api_key: "ApiK3y-value".into(),
        device_code: "DeviceC0de-value".into(),
        url_password: "UrlPa55word".into(),
    };
    let sh = Shape {
        token_fails: true,
        echo_in_description: true,
        json_body: false,
        secret_in_body: true,
        userinfo_fails: true,
        refresh_fails: true,
        implicit: false,
        har: true,
    };
    let (bytes, never) = capture_with(&s, &sh);
    let hidden = render_all("generated.har", &bytes, false);
    assert!(leaks(&hidden, &never).is_empty());
    let shown = render_all("generated.har", &bytes, true);
    assert!(
        !leaks(&shown, &never).is_empty(),
        "--show-secrets prints secret evidence in clear"
    );
}

// ---- every fixture ---------------------------------------------------------------------------

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// (path, secrets) of every fixture that lists its secrets.
fn fixtures_with_secrets() -> Vec<(PathBuf, Vec<String>)> {
    let mut out = Vec::new();
    for dir in ["fixtures/corpus", "fixtures/providers"] {
        let dir = root().join(dir);
        let text = std::fs::read_to_string(dir.join("expected.jsonl")).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).unwrap();
            let secrets = v["secrets"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            out.push((dir.join(v["file"].as_str().unwrap()), secrets));
        }
    }
    let mut stack = vec![root().join("fixtures/rules")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                    .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                if let Some(a) = v["secrets"].as_array() {
                    let secrets = a
                        .iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect();
                    out.push((p, secrets));
                }
            }
        }
    }
    out.sort();
    out
}

/// Secrets shorter than this are not searched in free text by design (see `redact.rs`); the
/// fixture test still checks them in evidence values and backticked message values.
const FREE_TEXT_MIN: usize = 6;

#[test]
fn no_fixture_secret_reaches_any_format() {
    let all = fixtures_with_secrets();
    assert!(all.len() > 400, "only {} fixtures with secrets", all.len());
    let check = |(path, secrets): &(PathBuf, Vec<String>)| -> Vec<String> {
        let mut problems = Vec::new();
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        let loaded =
            capture::load_path(path.to_str().unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let outputs = render_loaded(&name, loaded, false);
        let (long, short): (Vec<String>, Vec<String>) = secrets
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .partition(|s| s.chars().count() >= FREE_TEXT_MIN);
        for l in leaks(&outputs, &long) {
            problems.push(format!("{name}: {l}"));
        }
        // Short secrets: never as an evidence value, never quoted in a message.
        for (label, text) in &outputs {
            for s in &short {
                for shown in [
                    format!("`{s}`"),
                    format!("\"value\": \"{s}\""),
                    format!(": {s}\n"),
                ] {
                    if text.contains(&shown) {
                        problems.push(format!("{name}: {label}: short secret as {shown}"));
                    }
                }
            }
        }
        problems
    };
    let problems = on_two_threads(&all, check);
    assert!(
        problems.is_empty(),
        "{} leak(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ---- `oauth-doctor redact` -------------------------------------------------------------------

/// Redact a fixture in-process; the redacted bytes.
fn redacted(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    oauth_doctor::redact::file::redact(path.to_str().unwrap(), &mut out)
        .unwrap_or_else(|e| panic!("{}: redact: {e}", path.display()));
    out
}

/// Every finding of a loaded capture: (rule, category, latent), in rank order.
fn findings(loaded: capture::Loaded) -> Vec<(String, String, bool)> {
    let a = analyze(
        loaded.exchanges,
        &Options::default(),
        &RuleFilter::default(),
    );
    a.findings
        .iter()
        .map(|f| {
            (
                f.rule.to_string(),
                f.category.as_str().to_string(),
                f.latent,
            )
        })
        .collect()
}

/// Whether a redacted capture still holds a secret. A signed JWT keeps its header and claims
/// (they may be shown), so a signed token, or a truncated token, counts only as a complete
/// token (not followed by more token characters) or by its signature. An unsigned token
/// (`header.claims.`) is the credential itself: it counts wherever it appears.
fn holds(text: &str, secret: &str) -> bool {
    let token = secret.strip_prefix("Bearer ").unwrap_or(secret);
    if !token.starts_with("eyJ") || (token.ends_with('.') && token.matches('.').count() == 2) {
        return text.contains(secret);
    }
    let sig = token.split('.').nth(2).filter(|s| s.len() >= 8);
    if sig.is_some_and(|s| text.contains(s)) {
        return true;
    }
    if token.split('.').count() < 3 {
        // Cut before its signature: header and claims only, no credential left.
        return false;
    }
    text.match_indices(secret).any(|(at, m)| {
        !text[at + m.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    })
}
/// A Basic credential of a public client (`client_id:` with an empty secret) holds no secret:
/// `redact` keeps it so that the rules still see the empty password.
fn holds_no_secret(s: &str) -> bool {
    let cred = s.strip_prefix("Basic ").unwrap_or(s);
    base64::engine::general_purpose::STANDARD
        .decode(cred)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|d| d.ends_with(':') && d.matches(':').count() == 1)
}

/// The problems `check` finds in every item, half of the items on a second thread (CI
/// machines have two cores).
fn on_two_threads<T: Sync>(all: &[T], check: impl Fn(&T) -> Vec<String> + Sync) -> Vec<String> {
    let (a, b) = all.split_at(all.len() / 2);
    std::thread::scope(|sc| {
        let h = sc.spawn(|| a.iter().flat_map(&check).collect::<Vec<_>>());
        let mut p: Vec<String> = b.iter().flat_map(&check).collect();
        p.extend(h.join().unwrap());
        p
    })
}

/// Every diagnosis survives redaction: PKCE challenges are rewritten with their verifiers,
/// at_hash, c_hash and DPoP ath with the token or code they hash, placeholders keep a value's
/// length and special characters, a JWT keeps its header and claims (and a cut-off one its
/// cut), and a code altered in transit keeps its alteration.
#[test]
fn redacted_fixtures_hold_no_secret_and_keep_their_diagnosis() {
    let all = fixtures_with_secrets();
    let check = |(path, secrets): &(PathBuf, Vec<String>)| -> Vec<String> {
        let mut problems = Vec::new();
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        let out = redacted(path);
        // The capture, without the fixture's own list of its secrets.
        let text = match serde_json::from_slice::<Value>(&out) {
            Ok(Value::Object(mut o)) => {
                o.remove("secrets");
                Value::Object(o).to_string()
            }
            _ => String::from_utf8_lossy(&out).into_owned(),
        };
        for s in secrets
            .iter()
            .filter(|s| s.chars().count() >= 4 && !holds_no_secret(s))
        {
            for f in forms(s) {
                if holds(&text, &f) {
                    problems.push(format!("{name}: redacted capture holds `{f}`"));
                }
            }
        }
        let original = capture::load_path(path.to_str().unwrap()).unwrap();
        let again = match capture::load_bytes(Arc::from(name.as_str()), &out) {
            Ok(l) => l,
            Err(e) => {
                problems.push(format!("{name}: redacted capture does not load: {e}"));
                return problems;
            }
        };
        if original.format != again.format
            || original.skipped.len() != again.skipped.len()
            || original.exchanges.len() + original.ignored != again.exchanges.len() + again.ignored
        {
            problems.push(format!("{name}: redacted capture has other entries"));
        }
        let (a, b) = (findings(original), findings(again));
        if a != b {
            problems.push(format!("{name}: findings {a:?} became {b:?}"));
        }
        // Redacting twice changes nothing.
        let mut twice = Vec::new();
        let tmp = std::env::temp_dir().join(format!(
            "oauth-doctor-redaction-test-{}-{}",
            std::process::id(),
            path.file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(&tmp, &out).unwrap();
        oauth_doctor::redact::file::redact(tmp.to_str().unwrap(), &mut twice).unwrap();
        let _ = std::fs::remove_file(&tmp);
        if twice != out {
            problems.push(format!("{name}: redacting twice changes the capture"));
        }
        problems
    };
    let problems = on_two_threads(&all, check);
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn redact_command_reads_stdin_or_a_file_and_reports_on_stderr() {
    let file = "fixtures/corpus/op-wrong-client-secret-basic.har";
    let bin = || {
        let mut c = assert_cmd::Command::cargo_bin("oauth-doctor").unwrap();
        // One salt for both runs, so that the two redacted captures can be compared byte for
        // byte (client secrets' placeholders are salted per run).
        c.current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("OAUTH_DOCTOR_SALT", "redaction tests");
        c
    };
    let piped = bin()
        .args(["redact"])
        .pipe_stdin(file)
        .unwrap()
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(0));
    let summary = String::from_utf8_lossy(&piped.stderr);
    assert!(
        summary.starts_with("redacted ") && summary.contains("(HAR) → stdout"),
        "{summary}"
    );
    assert!(summary.contains("basic client secret"), "{summary}");
    let out = std::env::temp_dir().join(format!(
        "oauth-doctor-redact-cli-{}.har",
        std::process::id()
    ));
    let to_file = bin()
        .args(["redact", file, "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(to_file.status.code(), Some(0));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        piped.stdout,
        "file and stdin give the same capture"
    );
    // `check` on the redacted file: same top diagnosis, no secret.
    let check = |p: &str| {
        let o = bin()
            .args(["check", p, "--format", "json"])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        (
            o.status.code(),
            v["findings"][0]["rule"].clone(),
            v["findings"][0]["category"].clone(),
        )
    };
    assert_eq!(check(file), check(out.to_str().unwrap()));
    // Never over the input; bad input is exit 2 with one line and no output file.
    let same = bin()
        .args(["redact", out.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(same.status.code(), Some(2));
    let _ = std::fs::remove_file(&out);
    let bad = bin()
        .args(["redact", "-", "-o", out.to_str().unwrap()])
        .write_stdin(&b"{\"log\":{\"entries\":[{\"request\":"[..])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("<stdin>") && err.contains("line 1"), "{err}");
    assert!(!out.exists(), "no half-written capture is left behind");
    // `-q` keeps stderr quiet.
    let quiet = bin().args(["redact", file, "-q"]).output().unwrap();
    assert!(quiet.stderr.is_empty());
}

// ---- `oauth-doctor redact`, property --------------------------------------------------------

/// What a secret value is: an opaque string, a signed JWT, an unsigned JWT (`alg: none`, the
/// credential itself).
#[derive(Debug, Clone, Copy)]
enum TokenShape {
    Opaque,
    Signed,
    Unsigned,
}

/// Where one secret sits in the capture.
#[derive(Debug, Clone)]
enum Position {
    /// `Authorization: Bearer …` (a client secret as `Basic id:secret`).
    Authorization,
    /// `Cookie: name=…` or `Set-Cookie: name=…; Path=/`.
    Cookie { set: bool },
    /// `DPoP`, `X-Api-Key` or `Proxy-Authorization`.
    Header(&'static str),
    /// `?name=…` in the request URL.
    Query,
    /// `#name=…` in a `Location` redirect.
    Fragment,
    /// `name=…` in a form body (request) or a form-encoded response.
    Form { response: bool },
    /// `{"name": …}` nested `depth` objects and arrays deep in a JSON body.
    Json { response: bool, depth: usize },
    /// Any of the body positions, the body base64-encoded (`body_base64`, HAR `encoding`).
    Base64 { response: bool, json: bool },
}

fn position() -> impl Strategy<Value = Position> {
    prop_oneof![
        Just(Position::Authorization),
        any::<bool>().prop_map(|set| Position::Cookie { set }),
        prop_oneof![Just("DPoP"), Just("X-Api-Key"), Just("Proxy-Authorization")]
            .prop_map(Position::Header),
        Just(Position::Query),
        Just(Position::Fragment),
        any::<bool>().prop_map(|response| Position::Form { response }),
        (any::<bool>(), 0usize..6).prop_map(|(response, depth)| Position::Json { response, depth }),
        (any::<bool>(), any::<bool>())
            .prop_map(|(response, json)| Position::Base64 { response, json }),
    ]
}

/// The names DESIGN's secrets go by in requests and responses.
fn secret_name() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("client_secret"),
        Just("password"),
        Just("code"),
        Just("code_verifier"),
        Just("refresh_token"),
        Just("access_token"),
        Just("id_token"),
        Just("client_assertion"),
        Just("assertion"),
        Just("subject_token"),
        Just("device_code"),
        Just("token"),
    ]
}

fn token_shape() -> impl Strategy<Value = TokenShape> {
    prop_oneof![
        Just(TokenShape::Opaque),
        Just(TokenShape::Signed),
        Just(TokenShape::Unsigned)
    ]
}

/// One placed secret: (name, position, shape, random value, random JWT claim).
type Placement = (&'static str, Position, TokenShape, String, String);

fn placement() -> impl Strategy<Value = Placement> {
    (
        secret_name(),
        position(),
        token_shape(),
        secret(),
        "[A-Za-z0-9]{6,20}",
    )
        .prop_filter(
            "a response's JSON `code` is an error code",
            |(name, pos, ..)| {
                !(*name == "code"
                    && matches!(
                        pos,
                        Position::Json { response: true, .. }
                            | Position::Base64 {
                                response: true,
                                json: true
                            }
                    ))
            },
        )
}

/// The secret value of a placement, and what of it must never be in a redacted capture: the
/// whole value, and a signed JWT's signature (its header and claims may stay).
fn value_of(p: &Placement) -> (String, Vec<String>) {
    let (_, _, shape, v, sub) = p;
    match shape {
        TokenShape::Opaque => (v.clone(), vec![v.clone()]),
        TokenShape::Signed => {
            let sig = b64url(v.as_bytes());
            let t = jwt(json!({"sub": sub, "iss": "https://idp.example.test"}), &sig);
            (t.clone(), vec![t, sig])
        }
        TokenShape::Unsigned => {
            let t = format!(
                "{}.{}.",
                b64url(br#"{"alg":"none","typ":"JWT"}"#),
                b64url(json!({"sub": sub, "jti": v}).to_string().as_bytes())
            );
            (t.clone(), vec![t])
        }
    }
}

/// A capture with one exchange per placement; (bytes, values that must not remain).
fn placed_capture(placements: &[Placement], har: bool) -> (Vec<u8>, Vec<String>) {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut never = Vec::new();
    let mut out = Vec::new();
    for (i, p) in placements.iter().enumerate() {
        let (name, pos, ..) = p;
        let (value, forbidden) = value_of(p);
        never.extend(forbidden);
        let t = format!("2026-11-29T10:00:{:02}Z", i % 60);
        let mut req_headers: Vec<(&str, String)> = vec![("Accept", "application/json".into())];
        let mut resp_headers: Vec<(&str, String)> =
            vec![("Date", "Sun, 29 Nov 2026 10:00:00 GMT".into())];
        let mut url = format!("https://idp.example.test/token?n={i}");
        let mut body = None;
        let mut body_b64 = None;
        let mut rbody = Some(r#"{"ok":true}"#.to_string());
        let mut rbody_b64 = None;
        let mut status = 200;
        let json_at = |depth: usize, name: &str, value: &str| {
            let mut v = json!({ name: value, "note": "x" });
            for d in 0..depth {
                v = if d % 2 == 0 {
                    json!([v])
                } else {
                    json!({ "wrap": v })
                };
            }
            v.to_string()
        };
        match pos {
            Position::Authorization if *name == "client_secret" || *name == "password" => {
                req_headers.push((
                    "Authorization",
                    format!("Basic {}", b64(&format!("app-client:{}", pct(&value)))),
                ));
            }
            Position::Authorization => {
                req_headers.push(("Authorization", format!("Bearer {value}")))
            }
            Position::Cookie { set: false } => {
                req_headers.push(("Cookie", format!("lang=en; {name}={value}")))
            }
            Position::Cookie { set: true } => {
                resp_headers.push(("Set-Cookie", format!("{name}={value}; Path=/; HttpOnly")))
            }
            Position::Header(h) => req_headers.push((h, value.clone())),
            Position::Query => {
                url = format!(
                    "https://idp.example.test/authorize?state=s{i}&{name}={}",
                    pct(&value)
                )
            }
            Position::Fragment => {
                status = 302;
                rbody = None;
                resp_headers.push((
                    "Location",
                    format!(
                        "https://app.example.test/cb#state=s{i}&{name}={}",
                        pct(&value)
                    ),
                ));
            }
            Position::Form { response: false } => {
                req_headers.push(("Content-Type", "application/x-www-form-urlencoded".into()));
                body = Some(form(&[
                    ("grant_type", "authorization_code"),
                    (name, &value),
                ]));
            }
            Position::Form { response: true } => {
                resp_headers.push(("Content-Type", "application/x-www-form-urlencoded".into()));
                rbody = Some(form(&[("token_type", "bearer"), (name, &value)]));
            }
            Position::Json {
                response: false,
                depth,
            } => {
                req_headers.push(("Content-Type", "application/json".into()));
                body = Some(json_at(*depth, name, &value));
            }
            Position::Json {
                response: true,
                depth,
            } => {
                resp_headers.push(("Content-Type", "application/json".into()));
                rbody = Some(json_at(*depth, name, &value));
            }
            Position::Base64 { response, json } => {
                let text = if *json {
                    json_at(1, name, &value)
                } else {
                    form(&[("grant_type", "refresh_token"), (name, &value)])
                };
                let ct = if *json {
                    "application/json"
                } else {
                    "application/x-www-form-urlencoded"
                };
                if *response {
                    resp_headers.push(("Content-Type", ct.into()));
                    rbody = None;
                    rbody_b64 = Some(b64(&text));
                } else {
                    req_headers.push(("Content-Type", ct.into()));
                    body_b64 = Some(b64(&text));
                }
            }
        }
        let method = if body.is_some() || body_b64.is_some() {
            "POST"
        } else {
            "GET"
        };
        let mut e = ex(
            &t,
            method,
            &url,
            req_headers,
            body,
            status,
            resp_headers,
            rbody,
        );
        if let Some(b) = body_b64 {
            e["request"]["body_base64"] = json!(b);
        }
        if let Some(b) = rbody_b64 {
            e["response"]["body_base64"] = json!(b);
        }
        out.push(e);
    }
    let bytes = if har {
        // HAR: base64 bodies as `content.encoding` (responses) and decoded request bodies
        // (HAR has no base64 request body).
        let mut plain = out.clone();
        for e in &mut plain {
            if let Some(b) = e["request"]["body_base64"].as_str().map(str::to_string) {
                let text = base64::engine::general_purpose::STANDARD.decode(b).unwrap();
                e["request"]["body"] = json!(String::from_utf8(text).unwrap());
            }
        }
        let mut v: Value = serde_json::from_slice(&to_har(&plain)).unwrap();
        for (i, e) in out.iter().enumerate() {
            if let Some(b) = e["response"]["body_base64"].as_str() {
                v["log"]["entries"][i]["response"]["content"]["text"] = json!(b);
                v["log"]["entries"][i]["response"]["content"]["encoding"] = json!("base64");
            }
        }
        serde_json::to_vec_pretty(&v).unwrap()
    } else {
        serde_json::to_vec_pretty(&json!({ "exchanges": out })).unwrap()
    };
    (bytes, never)
}

/// Every string of a redacted capture, with its base64 bodies decoded too.
fn readable(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let mut all = text.clone();
    fn walk(v: &Value, out: &mut String) {
        match v {
            Value::Object(o) => {
                let b64 = o.get("encoding").and_then(Value::as_str) == Some("base64");
                for (k, x) in o {
                    if let Some(s) = x.as_str() {
                        out.push('\n');
                        out.push_str(s);
                        if k == "body_base64" || (b64 && k == "text") {
                            if let Ok(d) = base64::engine::general_purpose::STANDARD.decode(s) {
                                out.push('\n');
                                out.push_str(&String::from_utf8_lossy(&d));
                            }
                        }
                    } else {
                        walk(x, out);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        walk(&v, &mut all);
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// `redact` replaces every secret wherever it sits (header, cookie, query, fragment, form,
    /// JSON at any depth, base64 body), opaque, signed or unsigned.
    #[test]
    fn redact_leaves_no_secret_in_any_position(
        placements in proptest::collection::vec(placement(), 1..8),
        har in any::<bool>(),
    ) {
        let (bytes, never) = placed_capture(&placements, har);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(if har { "c.har" } else { "c.json" });
        std::fs::write(&path, &bytes).unwrap();
        let mut out = Vec::new();
        oauth_doctor::redact::file::redact(path.to_str().unwrap(), &mut out).unwrap();
        let text = readable(&out);
        let mut found = Vec::new();
        for s in &never {
            let json_escaped = serde_json::to_string(s).unwrap();
            let mut forms = forms(s);
            forms.push(json_escaped[1..json_escaped.len() - 1].to_string());
            for f in forms {
                if text.contains(&f) {
                    found.push(f);
                }
            }
        }
        prop_assert!(found.is_empty(), "left in clear: {found:?}\n{}", String::from_utf8_lossy(&out));
    }
}

/// A redacted capture is shared: the placeholders of passwords and client secrets are salted
/// per run (equal within the capture, so its diagnosis holds), those of codes and tokens stay
/// stable.
#[test]
fn redact_salts_the_placeholders_of_chosen_secrets() {
    let file = "fixtures/rules/cred/CRED001-basic-fails-same-secret-works-in-body.json";
    let run = || {
        let out = assert_cmd::Command::cargo_bin("oauth-doctor")
            .unwrap()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("OAUTH_DOCTOR_SALT")
            .args(["redact", file])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let secret_placeholder = |text: &str| -> Vec<String> {
        let v: Value = serde_json::from_str(text).unwrap();
        let mut out = Vec::new();
        for e in v["exchanges"].as_array().unwrap() {
            let body = e["request"]["body"].as_str().unwrap_or("");
            if let Some(s) = body
                .split('&')
                .find_map(|p| p.strip_prefix("client_secret="))
            {
                out.push(s[..s.find('0').unwrap_or(s.len())].to_string());
            }
            for h in e["request"]["headers"].as_array().unwrap() {
                if h[0] == "Authorization" {
                    let c = h[1].as_str().unwrap().strip_prefix("Basic ").unwrap();
                    let d = String::from_utf8(
                        base64::engine::general_purpose::STANDARD.decode(c).unwrap(),
                    )
                    .unwrap();
                    let s = d.split_once(':').unwrap().1;
                    out.push(s[..s.find('0').unwrap_or(s.len())].to_string());
                }
            }
        }
        out
    };
    let (a, b) = (run(), run());
    let (pa, pb) = (secret_placeholder(&a), secret_placeholder(&b));
    assert_eq!(pa.len(), 2, "{pa:?}");
    assert!(pa[0].starts_with("REDACTED-44c-"), "{pa:?}");
    // The same secret in the Basic header and in the body: one placeholder in one capture.
    assert_eq!(pa[0], pa[1]);
    // Another run, another salt.
    assert_ne!(pa[0], pb[0]);
    // The unsalted hash of the secret, which anyone could compute from a guess, is not there.
    use sha2::Digest;
    let plain: String = sha2::Sha256::digest(b"YoENP6r1/duhkwYq+MbbNevDIJ18I9PRu54N8Gw6DQ==")[..4]
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect();
    assert!(!a.contains(&plain), "unsalted hash {plain} in the capture");
}

/// `scripts/check-redaction.sh` over the corpus fixtures, with this build: `check` in every
/// format and `redact` leave none of the secrets the captures list or the script finds in them.
#[test]
fn the_redaction_script_finds_no_secret_in_the_corpus() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"SKIPPED the_redaction_script_finds_no_secret_in_the_corpus: python3 is not installed\n",
        );
        return;
    }
    let out = std::process::Command::new("bash")
        .arg("scripts/check-redaction.sh")
        .args(["fixtures/corpus", "--", env!("CARGO_BIN_EXE_oauth-doctor")])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every labelled capture was checked: 9 check outputs and redact's stdout and stderr each.
    let captures = std::fs::read_to_string(root().join("fixtures/corpus/expected.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    let summary = text.lines().last().unwrap_or_default();
    assert_eq!(
        summary,
        format!(
            "check-redaction: {captures} captures, {} outputs, 0 leak(s)",
            captures * 11
        )
    );
}
