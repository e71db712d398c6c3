//! Variation: a diagnosis belongs to what a capture proves, not to its incidental shape. Every
//! capture of the corpus and of the recorded scenarios keeps its exit status and its top
//! finding (rule and category) when
//!
//! - unrelated traffic (a CDN image, an analytics beacon, a third-party font, a favicon 404, a
//!   preflight to a telemetry host) is added before, between and after its entries, in an
//!   order that changes from one variant to the next;
//! - it is written in the other format (a HAR as an exchange dump, a dump as a HAR);
//! - every clock in it moves together (capture times and `Date` headers), for captures whose
//!   bodies carry no time of their own (no JWT, no epoch timestamps);
//! - its loopback server listens on another port, for captures with no JWT (whose signed `iss`
//!   would keep the old one).

#[path = "support/doctor.rs"]
mod doctor;

use doctor::{corpus_and_scenarios, on_four_threads, top_of};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// One exchange in a neutral shape: the dump format's (`docs/` describe it).
type Exchange = Value;

fn read(path: &Path) -> (bool, Vec<Exchange>) {
    let text = std::fs::read_to_string(path).unwrap();
    if path.extension().is_some_and(|e| e == "ndjson") {
        let ex = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        return (false, ex);
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    let entries = v["log"]["entries"].as_array().expect("a HAR");
    (true, entries.iter().map(har_to_dump).collect())
}

fn pairs(headers: &Value) -> Value {
    Value::Array(
        headers
            .as_array()
            .map(|h| {
                h.iter()
                    .map(|x| json!([x["name"], x["value"]]))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    )
}

fn objects(headers: &Value) -> Value {
    Value::Array(
        headers
            .as_array()
            .map(|h| {
                h.iter()
                    .map(|x| json!({"name": x[0], "value": x[1]}))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    )
}

fn har_to_dump(e: &Value) -> Exchange {
    let rq = &e["request"];
    let mut request = json!({
        "method": rq["method"], "url": rq["url"], "headers": pairs(&rq["headers"]),
    });
    if let Some(t) = rq["postData"]["text"].as_str().filter(|t| !t.is_empty()) {
        request["body"] = json!(t);
    }
    let mut out = json!({"started_at": e["startedDateTime"], "request": request});
    if let Some(t) = e["time"].as_f64() {
        out["duration_ms"] = json!(t);
    }
    if e["response"].is_object() {
        let rs = &e["response"];
        let mut response = json!({"status": rs["status"], "headers": pairs(&rs["headers"])});
        let c = &rs["content"];
        if let Some(t) = c["text"].as_str() {
            if c["encoding"] == "base64" {
                response["body_base64"] = json!(t);
            } else {
                response["body"] = json!(t);
            }
        }
        if let Some(err) = rs["_error"].as_str().or(e["_error"].as_str()) {
            response["_error"] = json!(err);
        }
        if let Some(loc) = rs["redirectURL"].as_str().filter(|l| !l.is_empty()) {
            response["redirect_url"] = json!(loc);
        }
        out["response"] = response;
    }
    if let Some(t) = e["_resourceType"].as_str() {
        out["_resourceType"] = json!(t);
    }
    out
}

fn dump_to_har(e: &Exchange) -> Value {
    let rq = &e["request"];
    let mut request = json!({
        "method": rq["method"], "url": rq["url"], "httpVersion": "HTTP/1.1",
        "headers": objects(&rq["headers"]), "queryString": [], "cookies": [],
        "headersSize": -1, "bodySize": -1,
    });
    if let Some(b) = rq["body"].as_str().filter(|b| !b.is_empty()) {
        let mime = rq["headers"]
            .as_array()
            .and_then(|h| {
                h.iter().find(|x| {
                    x[0].as_str()
                        .unwrap_or("")
                        .eq_ignore_ascii_case("content-type")
                })
            })
            .and_then(|x| x[1].as_str())
            .unwrap_or("");
        request["postData"] = json!({"mimeType": mime, "text": b});
    }
    let mut out = json!({
        "startedDateTime": e["started_at"], "time": e["duration_ms"].as_f64().unwrap_or(1.0),
        "request": request, "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0},
    });
    if e["response"].is_object() {
        let rs = &e["response"];
        let mut content = json!({"size": -1, "mimeType": ""});
        if let Some(b) = rs["body"].as_str() {
            content["text"] = json!(b);
        } else if let Some(b) = rs["body_base64"].as_str() {
            content["text"] = json!(b);
            content["encoding"] = json!("base64");
        }
        let mut response = json!({
            "status": rs["status"], "statusText": "", "httpVersion": "HTTP/1.1",
            "headers": objects(&rs["headers"]), "cookies": [], "content": content,
            "redirectURL": rs["redirect_url"].as_str().unwrap_or(""),
            "headersSize": -1, "bodySize": -1,
        });
        if let Some(err) = rs["_error"].as_str() {
            response["_error"] = json!(err);
        }
        out["response"] = response;
    } else {
        out["response"] = Value::Null;
    }
    if let Some(t) = e["_resourceType"].as_str() {
        out["_resourceType"] = json!(t);
    }
    out
}

fn write(dir: &Path, name: &str, har: bool, ex: &[Exchange]) -> PathBuf {
    if har {
        let p = dir.join(format!("{name}.har"));
        let entries: Vec<Value> = ex.iter().map(dump_to_har).collect();
        let doc = json!({"log": {"version": "1.2",
            "creator": {"name": "variation", "version": "1"}, "entries": entries}});
        std::fs::write(&p, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
        p
    } else {
        let p = dir.join(format!("{name}.ndjson"));
        let lines: Vec<String> = ex.iter().map(|e| e.to_string()).collect();
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        p
    }
}

/// Unrelated traffic at `at`'s time: none of it is OAuth, none of it may change a diagnosis.
fn noise(at: &Value, k: usize) -> Exchange {
    let (method, url, status, ctype, body) = match k % 5 {
        0 => (
            "GET",
            "https://cdn.jsdelivr.net/npm/app-shell@3.2.1/logo.png",
            200,
            "image/png",
            "",
        ),
        1 => (
            "POST",
            "https://www.google-analytics.com/g/collect?v=2&tid=G-7Q2X&en=page_view",
            204,
            "text/plain",
            "",
        ),
        2 => (
            "GET",
            "https://fonts.gstatic.com/s/inter/v13/UcC73FwrK3iLTeHuS_fvQtMwCp50KnMa1ZL7.woff2",
            200,
            "font/woff2",
            "",
        ),
        3 => (
            "GET",
            "https://static.example-cdn.net/favicon.ico",
            404,
            "text/html",
            "<html><body>Not Found</body></html>",
        ),
        _ => (
            "OPTIONS",
            "https://telemetry.example-metrics.io/v1/events",
            204,
            "text/plain",
            "",
        ),
    };
    let mut headers = vec![
        json!(["Accept", "*/*"]),
        json!([
            "User-Agent",
            "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0"
        ]),
    ];
    if method == "OPTIONS" {
        headers.push(json!(["Access-Control-Request-Method", "POST"]));
        headers.push(json!(["Origin", "https://app.example.org"]));
    }
    json!({
        "started_at": at,
        "request": {"method": method, "url": url, "headers": headers},
        "response": {"status": status, "headers": [["Content-Type", ctype]], "body": body},
    })
}

/// The exchanges with noise added at positions chosen by `seed`.
fn with_noise(ex: &[Exchange], seed: usize) -> Vec<Exchange> {
    let mut out = Vec::new();
    let mut k = seed;
    for (i, e) in ex.iter().enumerate() {
        if (i + seed) % 2 == 0 {
            out.push(noise(&e["started_at"], k));
            k += 1;
        }
        out.push(e.clone());
    }
    if let Some(last) = ex.last() {
        out.push(noise(&last["started_at"], k));
    }
    out
}

const DAYS: i64 = 97;

/// `2026-11-29T02:53:16.123Z` (or with an offset) moved by [`DAYS`].
fn shift_iso(s: &str) -> Option<String> {
    let t: jiff::Timestamp = s.parse().ok()?;
    Some(
        t.checked_add(jiff::SignedDuration::from_hours(24 * DAYS))
            .ok()?
            .to_string(),
    )
}

/// `Sun, 29 Nov 2026 02:53:16 GMT` moved by [`DAYS`].
fn shift_http(s: &str) -> Option<String> {
    let t = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(s)
        .ok()?;
    let t = t
        .checked_add(jiff::SignedDuration::from_hours(24 * DAYS))
        .ok()?;
    jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&t)
        .ok()
}

fn shift_times(ex: &[Exchange]) -> Vec<Exchange> {
    ex.iter()
        .map(|e| {
            let mut e = e.clone();
            if let Some(s) = e["started_at"].as_str().and_then(shift_iso) {
                e["started_at"] = json!(s);
            }
            for side in ["request", "response"] {
                if let Some(hs) = e[side]["headers"].as_array_mut() {
                    for h in hs {
                        let name = h[0].as_str().unwrap_or("").to_ascii_lowercase();
                        if matches!(name.as_str(), "date" | "expires" | "last-modified") {
                            if let Some(s) = h[1].as_str().and_then(shift_http) {
                                h[1] = json!(s);
                            }
                        }
                    }
                }
            }
            e
        })
        .collect()
}

/// Bodies that carry times of their own, which a shift of the capture's clocks would not move.
fn has_own_times(text: &str) -> bool {
    text.contains("eyJ")
        || text.contains("\\\"exp\\\"")
        || text.contains("\\\"iat\\\"")
        || text.contains("expires_at")
        || text.contains("\"exp\"")
}

fn variants(path: &Path, dir: &Path) -> Vec<(String, PathBuf)> {
    let stem = path.file_stem().unwrap().to_string_lossy().to_string();
    let text = std::fs::read_to_string(path).unwrap();
    let (har, ex) = read(path);
    let mut out = Vec::new();
    for seed in 0..2 {
        let name = format!("{stem}.noise{seed}");
        out.push((name.clone(), write(dir, &name, har, &with_noise(&ex, seed))));
    }
    let name = format!("{stem}.other-format");
    out.push((name.clone(), write(dir, &name, !har, &ex)));
    if !has_own_times(&text) {
        let name = format!("{stem}.shifted");
        out.push((name.clone(), write(dir, &name, har, &shift_times(&ex))));
    }
    if !text.contains("eyJ") && text.contains("127.0.0.1:") {
        // Every loopback port moves by one, everywhere it is written.
        let re = regex_lite_port(&text);
        let name = format!("{stem}.port");
        let p = dir.join(format!("{name}.{}", if har { "har" } else { "ndjson" }));
        std::fs::write(&p, re).unwrap();
        out.push((name, p));
    }
    out
}

/// The text with every `127.0.0.1:PORT` (and its percent-encoded forms, once or twice) moved to
/// PORT+1.
fn regex_lite_port(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("127.0.0.1") {
        out.push_str(&rest[..i + "127.0.0.1".len()]);
        rest = &rest[i + "127.0.0.1".len()..];
        let sep = [":", "%3A", "%3a", "%253A", "%253a"]
            .into_iter()
            .find(|s| rest.starts_with(s));
        if let Some(sep) = sep {
            let digits: String = rest[sep.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(port) = digits.parse::<u32>() {
                out.push_str(sep);
                out.push_str(&(port + 1).to_string());
                rest = &rest[sep.len() + digits.len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn a_diagnosis_survives_incidental_changes() {
    let all = corpus_and_scenarios(&["har", "ndjson"]);
    assert!(all.len() >= 150, "{}", all.len());
    let dir = tempfile::tempdir().unwrap();
    let results: Vec<(usize, Vec<String>)> = on_four_threads(&all, |p| {
        let want = top_of(p);
        let variants = variants(p, dir.path());
        let differ = variants
            .iter()
            .map(|(name, v)| (name, top_of(v)))
            .filter(|(_, got)| *got != want)
            .map(|(name, got)| format!("{name}: {want:?} → {got:?}"))
            .collect();
        (variants.len(), differ)
    });
    let n: usize = results.iter().map(|r| r.0).sum();
    let differ: Vec<String> = results.into_iter().flat_map(|r| r.1).collect();
    assert!(n >= 500, "only {n} variants");
    assert!(
        differ.is_empty(),
        "{} of {n} variants differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}
