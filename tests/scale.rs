//! Captures of any length: every relevant exchange is analysed (there is no cap), the failure
//! at the very end of a long capture is found, repeated findings come as groups, and the text
//! report of a long capture stays short. Runs the real binary on a capture built here: a
//! browser session of API calls that each present their own bearer token, then a token request
//! refused with `invalid_client`. (How fast and in how much memory is measured by
//! scripts/bench.sh, never asserted by a test.)

#[path = "support/doctor.rs"]
mod doctor;

use std::fmt::Write as _;

/// Well beyond the 10,000 exchanges the analysis once stopped at.
const CALLS: usize = 12_500;

/// A HAR of `CALLS` API calls with a new bearer token each (plus an image every tenth entry),
/// then a refused token request. Returns the document and the number of relevant exchanges.
fn long_capture() -> (String, usize) {
    let mut s = String::with_capacity(CALLS * 700);
    s.push_str(r#"{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"entries":["#);
    let mut relevant = 0;
    for i in 0..CALLS {
        let t = 1_795_946_400 + i as u64;
        let time = format!(
            "2026-11-29T{:02}:{:02}:{:02}.000Z",
            10 + (i / 3600) % 12,
            (i / 60) % 60,
            i % 60
        );
        if i % 10 == 9 {
            let _ = write!(
                s,
                r#"{{"startedDateTime":"{time}","time":3,"request":{{"method":"GET","url":"https://cdn.shop.test/img/p{i}.webp","headers":[{{"name":"accept","value":"image/webp"}}]}},"response":{{"status":200,"headers":[{{"name":"content-type","value":"image/webp"}}],"content":{{"mimeType":"image/webp","text":"UklGRh4AAABXRUJQVlA4TBEAAAAvAAAAAAfQ//73v/+BiOh/AAA="}}}}}},"#
            );
        }
        // An opaque token of 40 characters, different for every call.
        let token = format!("tk{:038x}", (t as u128) * 0x9e37_79b9_7f4a_7c15);
        let _ = write!(
            s,
            r#"{{"startedDateTime":"{time}","time":12,"request":{{"method":"GET","url":"https://api.shop.test/v2/orders/{i}","headers":[{{"name":"authorization","value":"Bearer {token}"}},{{"name":"accept","value":"application/json"}}]}},"response":{{"status":200,"headers":[{{"name":"content-type","value":"application/json"}}],"content":{{"mimeType":"application/json","text":"{{\"data\":{{\"id\":{i},\"active\":true,\"error\":null}},\"items\":[1,2,3]}}"}}}}}},"#
        );
        relevant += 1;
    }
    s.push_str(r#"{"startedDateTime":"2026-11-29T23:59:59.000Z","time":80,"request":{"method":"POST","url":"https://login.shop-id.test/oauth2/token","headers":[{"name":"content-type","value":"application/x-www-form-urlencoded"}],"postData":{"mimeType":"application/x-www-form-urlencoded","text":"grant_type=client_credentials&client_id=shop-backend&client_secret=not-the-right-secret-0001&scope=orders.read"}},"response":{"status":401,"headers":[{"name":"content-type","value":"application/json"}],"content":{"mimeType":"application/json","text":"{\"error\":\"invalid_client\",\"error_description\":\"client authentication failed\"}"}}}]}}"#);
    relevant += 1;
    (s, relevant)
}

#[test]
fn every_exchange_of_a_long_capture_is_analysed_and_the_failure_at_the_end_is_found() {
    let (doc, relevant) = long_capture();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("long.har");
    std::fs::write(&p, &doc).unwrap();
    let p = p.to_str().unwrap();
    for (how, r) in [
        ("file", doctor::run(&["check", p, "--format", "json"], &[])),
        (
            "pipe",
            doctor::run_stdin(&["check", "-", "--format", "json"], &[], &doc),
        ),
    ] {
        assert_eq!(r.code, 1, "{how}: {}", r.stderr);
        let j = r.json();
        assert_eq!(
            j["exchanges"], relevant,
            "{how}: every relevant exchange is counted"
        );
        assert_eq!(j["ignored_entries"], CALLS / 10, "{how}");
        assert!(
            j["exchanges_summarised"].as_u64().unwrap() > 0,
            "{how}: successful calls far from the failure are summarised"
        );
        let top = &j["findings"][0];
        assert_eq!(top["severity"], "error", "{how}");
        assert_eq!(top["category"], "credentials", "{how}");
        // The refused token request is the capture's last entry.
        assert_eq!(
            top["location"]["entry"],
            CALLS + CALLS / 10 + 1,
            "{how}: {top}"
        );
        let groups = j["groups"].as_array().unwrap();
        assert_eq!(groups[0]["rule"], top["rule"], "{how}");
        assert!(r.stderr.is_empty(), "{how}: {}", r.stderr);
    }
}

#[test]
fn the_text_report_of_a_long_capture_fits_on_a_screen() {
    let (doc, relevant) = long_capture();
    let r = doctor::run_stdin(&["check", "-"], &[], &doc);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.lines().count() <= 50, "{}", r.stdout);
    let summary = r
        .stdout
        .lines()
        .find(|l| l.starts_with("fail: "))
        .unwrap_or_else(|| panic!("no summary line in {}", r.stdout));
    assert!(
        summary.contains(&format!("in {relevant} exchange(s) from <stdin> (")),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("{} unrelated entries skipped", CALLS / 10)),
        "{summary}"
    );
}

/// Token requests enough to pass the size from which NDJSON is read on several threads.
const REQUESTS: usize = 20_000;

/// A gateway log of `REQUESTS` successful token requests by twenty clients, with blank lines
/// and one line that is not JSON, then a request refused with `invalid_client`. Returns the log
/// and the number of exchanges in it.
fn long_log() -> (String, usize) {
    let mut s = String::with_capacity(REQUESTS * 450);
    for i in 0..REQUESTS {
        let _ = writeln!(
            s,
            r#"{{"started_at":"2026-11-29T10:{:02}:{:02}.{:03}Z","request":{{"method":"POST","url":"https://login.gateway.test/oauth2/token","headers":[["Content-Type","application/x-www-form-urlencoded"]],"body":"grant_type=client_credentials&client_id=svc-{:02}&scope=orders.read"}},"response":{{"status":200,"headers":[["Content-Type","application/json"]],"body":"{{\"access_token\":\"at{:040x}\",\"token_type\":\"Bearer\",\"expires_in\":3600}}"}}}}"#,
            (i / 1000) % 60,
            (i / 10) % 60,
            i % 1000,
            i % 20,
            (i as u128) * 0x9e37_79b9_7f4a_7c15
        );
        if i % 5000 == 4999 {
            s.push('\n');
        }
        if i == REQUESTS / 2 {
            s.push_str("{\"request\": oops\n");
        }
    }
    s.push_str(r#"{"started_at":"2026-11-29T11:00:00.000Z","request":{"method":"POST","url":"https://login.gateway.test/oauth2/token","headers":[["Content-Type","application/x-www-form-urlencoded"]],"body":"grant_type=client_credentials&client_id=svc-07&scope=orders.read"},"response":{"status":401,"headers":[["Content-Type","application/json"]],"body":"{\"error\":\"invalid_client\",\"error_description\":\"client authentication failed\"}"}}"#);
    s.push('\n');
    (s, REQUESTS + 1)
}

#[test]
fn every_line_of_a_long_ndjson_log_is_read_and_the_failure_at_the_end_is_found() {
    let (log, exchanges) = long_log();
    assert!(log.len() > 5 << 20, "{} bytes", log.len());
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("gateway.ndjson");
    std::fs::write(&p, &log).unwrap();
    let p = p.to_str().unwrap();
    for (how, r) in [
        ("file", doctor::run(&["check", p, "--format", "json"], &[])),
        (
            "pipe",
            doctor::run_stdin(&["check", "-", "--format", "json"], &[], &log),
        ),
    ] {
        assert_eq!(r.code, 1, "{how}: {}", r.stderr);
        let j = r.json();
        assert_eq!(j["exchanges"], exchanges, "{how}");
        let top = &j["findings"][0];
        assert_eq!(top["category"], "credentials", "{how}: {top}");
        // Entries are numbered from 0 without the blank lines; the bad line is one.
        assert_eq!(top["location"]["entry"], exchanges + 1, "{how}: {top}");
        let skipped = j["skipped"].as_array().unwrap();
        assert_eq!(skipped.len(), 1, "{how}: {skipped:?}");
        assert!(
            skipped[0]["reason"]
                .as_str()
                .unwrap()
                // After the request it follows, and two blank lines before it.
                .starts_with(&format!(
                    "line {}, column 13: invalid JSON",
                    REQUESTS / 2 + 4
                )),
            "{how}: {skipped:?}"
        );
    }
}
