//! Property tests over the capture readers, the protocol decoders and the rules: arbitrary
//! bytes and arbitrary exchanges go through loading, classification, every rule, ranking and
//! every output format without a panic; the streaming reader gives the same entries however
//! the input is chunked; `redact` output loads again. `PROPTEST_CASES` raises the case count.

use oauth_doctor::capture;
use oauth_doctor::model::{Headers, Params, Request};
use oauth_doctor::redact::Redactor;
use oauth_doctor::report::{self, Format, Report};
use oauth_doctor::rules::Options;
use oauth_doctor::{RuleFilter, analyze};
use proptest::prelude::*;
use serde_json::json;
use std::io::Read;
use std::sync::Arc;

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}

fn config(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(n),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Load and run everything; panics are the failure.
fn pipeline(bytes: &[u8]) {
    let Ok(loaded) = capture::load_bytes(Arc::from("prop"), bytes) else {
        return;
    };
    let a = analyze(
        loaded.exchanges,
        &Options::default(),
        &RuleFilter::default(),
    );
    let red = Redactor::new(&a.exchanges, false);
    let inputs = vec!["prop".to_string()];
    let rep = Report {
        findings: &a.findings,
        exchanges: &a.exchanges,
        index: &a.index,
        diagnoses: &a.diagnoses,
        skipped: &loaded.skipped,
        inputs: &inputs,
        sanitized: loaded.sanitized,
        ignored: loaded.ignored,
        summarised: loaded.summarised,
        groups: &[],
        redactor: &red,
    };
    for f in [
        Format::Text,
        Format::Json,
        Format::Markdown,
        Format::Github,
        Format::Junit,
        Format::Sarif,
        Format::Html,
    ] {
        let mut out = Vec::new();
        report::printer(f, false, 1).print(&rep, &mut out).unwrap();
    }
}

fn oauth_word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("grant_type".to_string()),
        Just("code".to_string()),
        Just("client_id".to_string()),
        Just("client_secret".to_string()),
        Just("redirect_uri".to_string()),
        Just("code_verifier".to_string()),
        Just("refresh_token".to_string()),
        Just("access_token".to_string()),
        Just("error".to_string()),
        Just("error_description".to_string()),
        Just("state".to_string()),
        Just("scope".to_string()),
        "[a-z_]{1,12}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("authorization_code".to_string()),
        Just("refresh_token".to_string()),
        Just("client_credentials".to_string()),
        Just("invalid_grant".to_string()),
        Just("invalid_client".to_string()),
        Just("https://app.example/cb".to_string()),
        Just("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1IiwiZXhwIjoxfQ.".to_string()),
        Just("eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOlsiYSIsMV0sImlhdCI6IngifQ.c2ln".to_string()),
        "\\PC{0,40}",
    ]
}

fn form() -> impl Strategy<Value = String> {
    prop::collection::vec((oauth_word(), value()), 0..6).prop_map(|pairs| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    })
}

fn exchange() -> impl Strategy<Value = serde_json::Value> {
    (
        prop_oneof![Just("GET"), Just("POST"), Just("OPTIONS"), Just("PUT")],
        prop_oneof![
            Just("https://idp.example/oauth2/token".to_string()),
            Just("https://idp.example/authorize".to_string()),
            Just("https://idp.example/.well-known/openid-configuration".to_string()),
            Just("https://api.example/userinfo".to_string()),
            Just("https://idp.example/device/code".to_string()),
            Just("http://127.0.0.1:8080/callback".to_string()),
            "\\PC{0,30}",
        ],
        form(),
        form(),
        prop::collection::vec(
            (
                prop_oneof![
                    Just("Authorization".to_string()),
                    Just("Content-Type".to_string()),
                    Just("Location".to_string()),
                    Just("WWW-Authenticate".to_string()),
                    Just("Cookie".to_string()),
                    Just("Date".to_string()),
                    Just("DPoP".to_string()),
                    "[A-Za-z-]{1,10}",
                ],
                prop_oneof![
                    Just("Basic YTpi".to_string()),
                    Just("Bearer abc.def.ghi".to_string()),
                    Just("application/x-www-form-urlencoded".to_string()),
                    Just("application/json".to_string()),
                    Just("Bearer error=\"invalid_token\", error_description=\"x\"".to_string()),
                    Just("https://app.example/cb?code=abc&state=s".to_string()),
                    Just("Sun, 29 Nov 2026 10:00:00 GMT".to_string()),
                    "\\PC{0,30}",
                ],
            ),
            0..5,
        ),
        prop_oneof![Just(200u16), Just(302), Just(400), Just(401), Just(403), Just(429), Just(500), Just(0)],
        prop_oneof![
            Just(None),
            Just(Some("{\"error\":\"invalid_grant\"}".to_string())),
            Just(Some("{\"access_token\":\"at-value-123\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"refresh_token\":\"rt\",\"id_token\":\"eyJhbGciOiJub25lIn0.eyJleHAiOjF9.\"}".to_string())),
            Just(Some("<html>error</html>".to_string())),
            "\\PC{0,40}".prop_map(Some),
        ],
        any::<bool>(),
    )
        .prop_map(|(method, url, query, body, headers, status, rbody, json_body)| {
            let url = if query.is_empty() { url } else { format!("{url}?{query}") };
            let body = if json_body {
                let m: serde_json::Map<String, serde_json::Value> =
                    url::form_urlencoded::parse(body.as_bytes())
                        .map(|(k, v)| (k.into_owned(), json!(v)))
                        .collect();
                serde_json::Value::Object(m).to_string()
            } else {
                body
            };
            json!({
                "started_at": "2026-11-29T10:00:00Z",
                "request": {"method": method, "url": url, "headers": headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(), "body": body},
                "response": {"status": status, "headers": headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(), "body": rbody}
            })
        })
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        pipeline(&bytes);
        let mut har = b"{\"log\":{\"entries\":[".to_vec();
        har.extend(&bytes);
        pipeline(&har);
    }

    #[test]
    fn arbitrary_exchanges_go_through_every_rule_and_format(
        exchanges in prop::collection::vec(exchange(), 1..8),
        har in any::<bool>(),
    ) {
        let doc = if har {
            let entries: Vec<serde_json::Value> = exchanges.iter().map(|e| json!({
                "startedDateTime": e["started_at"],
                "request": {"method": e["request"]["method"], "url": e["request"]["url"],
                    "headers": e["request"]["headers"].as_array().unwrap().iter().map(|p| json!({"name": p[0], "value": p[1]})).collect::<Vec<_>>(),
                    "postData": {"text": e["request"]["body"]}},
                "response": {"status": e["response"]["status"],
                    "headers": e["response"]["headers"].as_array().unwrap().iter().map(|p| json!({"name": p[0], "value": p[1]})).collect::<Vec<_>>(),
                    "content": {"text": e["response"]["body"]}}
            })).collect();
            json!({"log": {"entries": entries}})
        } else {
            json!({"exchanges": exchanges})
        };
        let bytes = serde_json::to_vec(&doc).unwrap();
        pipeline(&bytes);
        // `redact` on the same capture: its output loads, with as many entries.
        let path = std::env::temp_dir().join(format!("oauth-doctor-prop-{}-{}", std::process::id(), har));
        std::fs::write(&path, &bytes).unwrap();
        let mut out = Vec::new();
        oauth_doctor::redact::file::redact(path.to_str().unwrap(), &mut out).unwrap();
        let _ = std::fs::remove_file(&path);
        let a = capture::load_bytes(Arc::from("a"), &bytes).unwrap();
        let b = capture::load_bytes(Arc::from("b"), &out).unwrap();
        prop_assert_eq!(a.exchanges.len() + a.ignored + a.skipped.len(), b.exchanges.len() + b.ignored + b.skipped.len());
    }

    #[test]
    fn the_streaming_reader_does_not_depend_on_chunking(
        exchanges in prop::collection::vec(exchange(), 0..6),
        chunk in 1usize..97,
    ) {
        let entries: Vec<serde_json::Value> = exchanges.iter().map(|e| json!({"request": e["request"], "response": e["response"]})).collect();
        let doc = serde_json::to_vec_pretty(&json!({"log": {"entries": entries}})).unwrap();
        struct Chunks(Vec<u8>, usize, usize);
        impl Read for Chunks {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let rest = &self.0[self.2..];
                let n = rest.len().min(buf.len()).min(self.1);
                buf[..n].copy_from_slice(&rest[..n]);
                self.2 += n;
                Ok(n)
            }
        }
        let mut a = Vec::new();
        capture::scan::scan_har(Chunks(doc.clone(), chunk, 0), |e| a.push((e.index, e.offset, e.bytes.to_vec(), e.relevant))).unwrap();
        let mut b = Vec::new();
        capture::scan::scan_har(&doc[..], |e| b.push((e.index, e.offset, e.bytes.to_vec(), e.relevant))).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.len(), exchanges.len());
        for (_, offset, bytes, _) in &a {
            prop_assert_eq!(&doc[*offset as usize..*offset as usize + bytes.len()], &bytes[..]);
        }
    }

    #[test]
    fn decoders_never_panic(text in "\\PC{0,200}", raw in prop::collection::vec(any::<u8>(), 0..200)) {
        let lossy = String::from_utf8_lossy(&raw).into_owned();
        for t in [&text, &lossy] {
            let _ = Params::parse(t);
            let _ = oauth_doctor::model::signal::location_params(t);
            let _ = oauth_doctor::oauth::jwt::decode(t);
            let _ = oauth_doctor::oauth::jwt::looks_like_jwt(t);
            let _ = oauth_doctor::oauth::www_auth::parse(t);
            let _ = oauth_doctor::oauth::pkce::s256(t);
            let _ = oauth_doctor::oauth::basic::form_decode(t);
            let req = Request::new("POST", t, Headers::new(vec![("Authorization".into(), format!("Basic {t}"))]), Some(t.clone()));
            let _ = req.basic_credentials();
            let _ = req.presented_token();
            let _ = req.endpoint();
        }
    }

    #[test]
    fn scrub_never_prints_a_known_secret(secret in "[!-~]{6,40}", text in "\\PC{0,80}") {
        let set = [secret.clone()].into_iter().collect();
        let red = Redactor::from_secrets(set, false);
        let out = red.scrub(&format!("{text}{secret}{text}"));
        prop_assert!(!out.contains(&secret), "{}", out);
    }
}
