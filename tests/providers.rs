//! Provider knowledge end to end: the compiled-in knowledge base is well formed, every entry is
//! reachable by the matcher from a response in its provider's real shape, provider detection is
//! right on the captures of fixtures/providers and fixtures/corpus, and `oauth-doctor explain`
//! answers provider codes.

#[path = "support/doctor.rs"]
mod doctor;

use doctor::doctor;
use oauth_doctor::capture;
use oauth_doctor::diagnosis::Category;
use oauth_doctor::model::{Exchange, Headers, Kind, Provenance, Request, Response};
use oauth_doctor::providers::matcher;
use oauth_doctor::providers::signatures::{self, Signature};
use oauth_doctor::providers::{PROVIDER_IDS, display_name};
use oauth_doctor::rules::Options;
use oauth_doctor::{RuleFilter, analyze};
use predicates::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn kb() -> &'static [Signature] {
    signatures::load().unwrap_or_else(|e| panic!("knowledge base does not load: {e}"))
}

#[test]
fn every_entry_is_well_formed() {
    let kb = kb();
    assert!(kb.len() >= 500, "only {} entries", kb.len());
    let mut problems = Vec::new();
    for s in kb {
        let id = format!("{} {} {:?}", s.provider, s.code, s.contains);
        if !PROVIDER_IDS.contains(&s.provider) {
            problems.push(format!("{id}: provider is not a documented provider id"));
        }
        if !Category::ALL.contains(&s.category) {
            problems.push(format!("{id}: unknown category"));
        }
        if s.source.trim().is_empty() {
            problems.push(format!("{id}: empty source"));
        }
        if !s.docs.starts_with("https://") || s.docs.contains(char::is_whitespace) {
            problems.push(format!("{id}: docs `{}` is not an https link", s.docs));
        }
        for (name, v) in [
            ("title", &s.title),
            ("meaning", &s.meaning),
            ("fix", &s.fix),
        ] {
            if v.trim().is_empty() {
                problems.push(format!("{id}: empty {name}"));
            }
        }
        if s.title.ends_with('.') || s.title != s.title.to_lowercase() {
            problems.push(format!(
                "{id}: title `{}` must be lower case without a period",
                s.title
            ));
        }
        if s.contains.as_deref().is_some_and(|c| c.contains("http")) {
            problems.push(format!("{id}: `contains` holds a URL"));
        }
    }
    for p in PROVIDER_IDS {
        if !kb.iter().any(|s| s.provider == *p) {
            problems.push(format!("{p}: no entry"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn entries_are_in_the_documented_order() {
    let key = |s: &Signature| {
        (
            PROVIDER_IDS.iter().position(|p| *p == s.provider).unwrap(),
            s.code.to_lowercase(),
            s.contains.is_some(),
        )
    };
    let kb = kb();
    for w in kb.windows(2) {
        assert!(
            key(&w[0]) <= key(&w[1]),
            "out of order: {} {} {:?} before {} {} {:?}",
            w[0].provider,
            w[0].code,
            w[0].contains,
            w[1].provider,
            w[1].code,
            w[1].contains
        );
    }
}

#[test]
fn the_data_file_is_indented_with_two_spaces() {
    for (n, line) in signatures::SOURCE.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        assert!(
            indent % 2 == 0 && !line.starts_with('\t'),
            "signatures.json line {}: indentation is not two-space",
            n + 1
        );
    }
    assert!(signatures::SOURCE.ends_with("}\n"));
}

// ---- reachability ------------------------------------------------------------------

fn exchange(
    provider: &'static str,
    kind: Kind,
    method: &str,
    url: &str,
    status: u16,
    content_type: &str,
    body: String,
) -> Exchange {
    let mut headers = vec![("Content-Type".to_string(), content_type.to_string())];
    if provider == "gitlab" {
        headers.push((
            "WWW-Authenticate".into(),
            "Bearer realm=\"Doorkeeper\"".into(),
        ));
    }
    Exchange {
        ordinal: 0,
        index: 0,
        source: Provenance {
            file: Arc::from("synthetic"),
            entry: 0,
            line: None,
        },
        started_at: None,
        duration_ms: None,
        request: Request::new(method, url, Headers::default(), None),
        response: Some(Response::new(status, Headers::new(headers), Some(body))),
        kind,
        sanitized: false,
        provider: Some(provider),
        verified: Vec::new(),
    }
}

const GOOGLE_STATUSES: &[&str] = &[
    "UNAUTHENTICATED",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "INVALID_ARGUMENT",
    "NOT_FOUND",
];

fn text_for(s: &Signature) -> String {
    s.contains
        .clone()
        .unwrap_or_else(|| "Synthetic description for this test".to_string())
}

fn oauth_json(s: &Signature) -> String {
    json!({"error": s.code, "error_description": text_for(s)}).to_string()
}

fn is_upper_code(c: &str) -> bool {
    c.chars()
        .all(|ch| ch.is_ascii_uppercase() || ch == '_' || ch.is_ascii_digit())
}

/// A response in the provider's real shape carrying the entry's code (and `contains` text).
fn synthesize(s: &Signature) -> Exchange {
    use Kind::*;
    let p = s.provider;
    let code = s.code.as_str();
    let text = text_for(s);
    let json_ex = |status: u16, body: Value| {
        exchange(
            p,
            Resource,
            "GET",
            "https://api.example/x",
            status,
            "application/json",
            body.to_string(),
        )
    };
    let token_ex = |status: u16, body: String| {
        exchange(
            p,
            Token,
            "POST",
            "https://idp.example/token",
            status,
            "application/json",
            body,
        )
    };
    match p {
        "entra" if code.starts_with("AADSTS") => token_ex(
            400,
            json!({
                "error": s.error.clone().unwrap_or_else(|| "invalid_request".into()),
                "error_description": format!("{code}: {text}\r\nTrace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: 2026-11-29 10:00:00Z"),
                "error_codes": [code.trim_start_matches("AADSTS").parse::<u64>().unwrap()],
                "trace_id": "0000", "correlation_id": "1111"
            })
            .to_string(),
        ),
        "entra" => json_ex(
            401,
            json!({"error": {"code": code, "message": text, "innerError": {"request-id": "x"}}}),
        ),
        "google" if GOOGLE_STATUSES.contains(&code) => json_ex(
            403,
            json!({"error": {"code": 403, "message": text, "status": code}}),
        ),
        "google" if is_upper_code(code) => json_ex(
            403,
            json!({"error": {"code": 403, "message": text, "status": "PERMISSION_DENIED",
                "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": code, "domain": "googleapis.com"}]}}),
        ),
        "google" if !code.contains('_') => json_ex(
            401,
            json!({"error": {"code": 401, "message": text, "status": "UNAUTHENTICATED",
                "errors": [{"message": text, "domain": "global", "reason": code}]}}),
        ),
        "github" if code.contains(' ') => json_ex(
            401,
            json!({"message": code, "documentation_url": "https://docs.github.com/rest"}),
        ),
        "github" => exchange(
            p,
            Token,
            "POST",
            "https://github.com/login/oauth/access_token",
            200,
            "application/x-www-form-urlencoded; charset=utf-8",
            format!(
                "error={}&error_description={}&error_uri=https%3A%2F%2Fdocs.github.com",
                code,
                url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
            ),
        ),
        "okta" if code.starts_with('E') && code[1..].bytes().all(|b| b.is_ascii_digit()) => {
            json_ex(
                401,
                json!({"errorCode": code, "errorSummary": text, "errorLink": code, "errorId": "oae1", "errorCauses": []}),
            )
        }
        "facebook" => {
            let (c, sub) = match code.split_once('/') {
                Some((c, sub)) => (c, Some(sub)),
                None => (code, None),
            };
            let mut err = json!({"message": text, "type": "OAuthException", "code": c.parse::<u64>().unwrap(), "fbtrace_id": "A1"});
            if let Some(sub) = sub {
                err["error_subcode"] = json!(sub.parse::<u64>().unwrap());
            }
            json_ex(400, json!({ "error": err }))
        }
        "slack" => exchange(
            p,
            Resource,
            "POST",
            "https://slack.com/api/oauth.v2.access",
            200,
            "application/json",
            json!({"ok": false, "error": code}).to_string(),
        ),
        "cognito" if code.ends_with("Exception") => json_ex(
            400,
            json!({"__type": code, "message": text}),
        ),
        "dropbox" if !matches!(code, "invalid_client" | "invalid_grant") => json_ex(
            401,
            json!({"error_summary": format!("{code}/..."), "error": {".tag": code}}),
        ),
        "linkedin" if code.bytes().all(|b| b.is_ascii_digit()) => json_ex(
            401,
            json!({"serviceErrorCode": code.parse::<u64>().unwrap(), "message": text, "status": 401}),
        ),
        "linkedin" if is_upper_code(code) => json_ex(
            401,
            json!({"status": 401, "serviceErrorCode": 65601, "code": code, "message": text}),
        ),
        "twitter" if code.bytes().all(|b| b.is_ascii_digit()) => json_ex(
            401,
            json!({"errors": [{"code": code.parse::<u64>().unwrap(), "message": text}]}),
        ),
        "zoom" if code.bytes().all(|b| b.is_ascii_digit()) => json_ex(
            401,
            json!({"code": code.parse::<u64>().unwrap(), "message": text}),
        ),
        "zoom" => token_ex(401, json!({"reason": text, "error": code}).to_string()),
        "atlassian" if code.bytes().all(|b| b.is_ascii_digit()) => json_ex(
            401,
            json!({"code": code.parse::<u64>().unwrap(), "message": text}),
        ),
        "ping" => json_ex(
            401,
            json!({"id": "4d3e", "code": code, "message": text}),
        ),
        "spotify" if is_upper_code(code) => exchange(
            p,
            Authorize,
            "GET",
            "https://accounts.spotify.com/authorize?client_id=x",
            400,
            "text/html; charset=utf-8",
            format!("{code}: {text}"),
        ),
        "keycloak" if s.error.is_none() => exchange(
            p,
            Other,
            "GET",
            "https://logs.example/keycloak",
            400,
            "text/plain",
            format!(
                "2026-11-29 10:00:00,000 WARN  [org.keycloak.events] (executor-thread-1) type=\"LOGIN_ERROR\", realmId=\"r\", clientId=\"c\", userId=\"null\", ipAddress=\"10.0.0.1\", error=\"{code}\", redirect_uri=\"https://a.example/\""
            ),
        ),
        _ => token_ex(400, oauth_json(s)),
    }
}

#[test]
fn every_entry_is_reachable_from_a_response_in_its_providers_shape() {
    let mut problems = Vec::new();
    for s in kb() {
        let e = synthesize(s);
        let x = matcher::extract(s.provider, &e);
        let got = matcher::best(s.provider, &x);
        let ok = got.len() == 1 && std::ptr::eq(got[0].signature, s);
        if !ok {
            problems.push(format!(
                "{} {} {:?}: matcher returned {:?} (codes {:?})",
                s.provider,
                s.code,
                s.contains,
                got.iter()
                    .map(|m| (m.signature.code.as_str(), m.signature.contains.as_deref()))
                    .collect::<Vec<_>>(),
                x.codes.iter().map(|c| c.value.as_str()).collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} unreachable entr{}:\n{}",
        problems.len(),
        if problems.len() == 1 { "y" } else { "ies" },
        problems.join("\n")
    );
}

#[test]
fn the_longest_contains_and_the_most_specific_code_win() {
    let kc = kb()
        .iter()
        .find(|s| {
            s.provider == "keycloak"
                && s.contains.as_deref() == Some("Missing parameter: code_challenge_method")
        })
        .unwrap();
    let e = synthesize(kc);
    let got = matcher::best("keycloak", &matcher::extract("keycloak", &e));
    assert_eq!(got.len(), 1);
    assert!(std::ptr::eq(got[0].signature, kc));

    // Entra descriptions with two codes: both entries apply, the later (more specific) first.
    let e = exchange(
        "entra",
        Kind::Token,
        "POST",
        "https://login.windows.net/t/oauth2/token",
        401,
        "application/json",
        json!({"error": "invalid_client", "error_description": "AADSTS70002: Error validating credentials. AADSTS50012: Invalid client secret is provided.\r\nTrace ID: a"}).to_string(),
    );
    let got = matcher::best("entra", &matcher::extract("entra", &e));
    let codes: Vec<&str> = got.iter().map(|m| m.signature.code.as_str()).collect();
    assert_eq!(codes, ["AADSTS50012", "AADSTS70002"]);
}

// ---- detection ---------------------------------------------------------------------

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

struct Expected {
    id: String,
    file: PathBuf,
    provider: String,
    accept: Vec<String>,
    secrets: Vec<String>,
    clean: bool,
}

fn expected(dir: &str) -> Vec<Expected> {
    let dir = root().join(dir);
    let text = std::fs::read_to_string(dir.join("expected.jsonl"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            for k in ["id", "file", "accept", "provider", "secrets", "needs"] {
                assert!(
                    v.get(k).is_some(),
                    "{}: `{k}` missing in {l}",
                    dir.display()
                );
            }
            Expected {
                id: v["id"].as_str().unwrap().to_string(),
                file: dir.join(v["file"].as_str().unwrap()),
                provider: v["provider"].as_str().unwrap().to_string(),
                accept: v["accept"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
                secrets: v["secrets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
                clean: v["clean"].as_bool().unwrap_or(false),
            }
        })
        .collect()
}

/// The provider and top category a user reads for a capture (as `scripts/acc.py` counts them).
fn diagnose(path: &Path) -> (String, Option<String>) {
    let loaded = capture::load_path(path.to_str().unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let a = analyze(
        loaded.exchanges,
        &Options::default(),
        &RuleFilter::default(),
    );
    // As the report gives it: the first finding that names a provider, else the capture's.
    let provider = a
        .findings
        .iter()
        .find_map(|f| f.provider.clone())
        .or_else(|| {
            oauth_doctor::providers::recognise(&a.exchanges, None).map(|r| r.id.to_string())
        })
        .unwrap_or_else(|| "generic".into());
    let top = a
        .findings
        .iter()
        .find(|f| !f.latent)
        .map(|f| f.category.as_str().to_string());
    (provider, top)
}

#[test]
fn every_provider_id_has_a_capture() {
    let exp = expected("fixtures/providers");
    for p in PROVIDER_IDS {
        assert!(
            exp.iter().any(|x| x.provider == *p),
            "fixtures/providers has no capture for `{p}`"
        );
    }
    for x in &exp {
        assert!(x.file.exists(), "{}: missing file", x.id);
        assert!(
            x.id.starts_with(&format!("{}-", x.provider)),
            "{}: file name must start with its provider",
            x.id
        );
        for a in &x.accept {
            assert!(
                Category::parse(a).is_some(),
                "{}: unknown category {a}",
                x.id
            );
        }
    }
}

#[test]
fn provider_detection_is_right_on_every_capture() {
    let mut all = expected("fixtures/providers");
    all.extend(expected("fixtures/corpus"));
    let mut misses = Vec::new();
    for x in &all {
        let (got, _) = diagnose(&x.file);
        if got != x.provider {
            misses.push(format!("{}: detected {got}, expected {}", x.id, x.provider));
        }
    }
    for m in &misses {
        eprintln!("provider miss: {m}");
    }
    let right = all.len() - misses.len();
    assert!(
        right * 100 >= all.len() * 98,
        "provider detection {right}/{} below 98%:\n{}",
        all.len(),
        misses.join("\n")
    );
}

#[test]
fn provider_captures_get_the_providers_diagnosis() {
    let exp = expected("fixtures/providers");
    let mut misses = Vec::new();
    for x in exp.iter().filter(|x| !x.clean) {
        let (_, top) = diagnose(&x.file);
        if !top.as_ref().is_some_and(|t| x.accept.contains(t)) {
            misses.push(format!("{}: top {top:?}, accept {:?}", x.id, x.accept));
        }
    }
    for m in &misses {
        eprintln!("category miss: {m}");
    }
    assert!(
        misses.len() * 10 <= exp.len(),
        "more than 10% of provider captures misdiagnosed:\n{}",
        misses.join("\n")
    );
}

#[test]
fn secrets_of_provider_captures_never_reach_the_report() {
    for x in expected("fixtures/providers") {
        let out = doctor()
            .args(["check", "--format", "json", x.file.to_str().unwrap()])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        for s in &x.secrets {
            if s.len() >= 8 {
                assert!(!stdout.contains(s), "{}: secret printed in full", x.id);
            }
        }
    }
}

// ---- explain -----------------------------------------------------------------------

fn explain(code: &str) -> assert_cmd::assert::Assert {
    doctor().args(["explain", code]).assert()
}

#[test]
fn explain_answers_provider_codes() {
    explain("AADSTS7000215")
        .success()
        .stdout(predicate::str::contains(display_name("entra")))
        .stdout(predicate::str::contains("invalid client secret provided"))
        .stdout(predicate::str::contains("category: credentials"))
        .stdout(predicate::str::contains("https://learn.microsoft.com/"))
        .stdout(predicate::str::contains("source:"));
    explain("bad_verification_code")
        .success()
        .stdout(predicate::str::contains("GitHub"))
        .stdout(predicate::str::contains("category: grant_type"))
        .stdout(predicate::str::contains("docs: https://docs.github.com/"));
    explain("E0000011")
        .success()
        .stdout(predicate::str::contains("Okta"))
        .stdout(predicate::str::contains("invalid token provided"));
    explain("190/463")
        .success()
        .stdout(predicate::str::contains("Facebook"))
        .stdout(predicate::str::contains("category: token_expiry"));
    explain("aadsts50011")
        .success()
        .stdout(predicate::str::contains("AADSTS50011"))
        .stdout(predicate::str::contains("category: redirect_uri"));
}

#[test]
fn explain_lists_every_provider_of_a_shared_code_after_the_standard_text() {
    let out = explain("invalid_grant")
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let standard = text.find("standard OAuth").expect("standard text");
    let providers = text.find("PROVIDER-SPECIFIC").expect("provider entries");
    assert!(standard < providers);
    // The page names every provider that sends it; `--all` shows each one's entries.
    for p in ["google", "okta", "keycloak", "auth0", "salesforce"] {
        assert!(text[providers..].contains(p), "{p} not named");
    }
    let all = doctor()
        .args(["explain", "invalid_grant", "--all"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let all = String::from_utf8(all).unwrap();
    let providers = all.find("PROVIDER-SPECIFIC").expect("provider entries");
    for p in ["Google", "Okta", "Keycloak", "Auth0", "Salesforce"] {
        assert!(all[providers..].contains(&format!("{p} `")), "no {p} entry");
    }
    explain("PROV001")
        .success()
        .stdout(predicate::str::contains("WHAT IT DOES"));
    explain("not_a_code_anywhere").failure();
}
