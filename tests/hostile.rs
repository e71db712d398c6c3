//! Hostile and broken input: every case runs the real binary with a time limit and a memory
//! bound (peak RSS of the child, read from /proc), and must end with exit 2 and a one-line
//! message naming the input and the position, or with a diagnosis of what could be read —
//! never a panic, a hang or unbounded memory. Huge inputs are generated while the binary reads
//! them (a writer thread feeding stdin), never written to disk.
//!
//! `HOSTILE_BIG_MB` (default 200) sets the size of the single-string input and
//! `HOSTILE_ENTRIES` (default 200 000) the count of tiny entries; the issue asks for 1 GB and
//! 10 million (`HOSTILE_BIG_MB=1024 HOSTILE_ENTRIES=10000000`), which take minutes in a debug
//! build on two shared cores.

#[path = "support/doctor.rs"]
mod doctor;

use std::io::{Read, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// What writes a child's stdin.
type Feed = Box<dyn FnOnce(&mut dyn Write) + Send>;

/// Peak memory any case may use.
const MAX_RSS_KB: u64 = 512 * 1024;

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    peak_kb: u64,
    elapsed: Duration,
}

/// Peak resident set of a running process, from /proc (0 when unavailable).
fn vm_hwm(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Run `oauth-doctor ARGS`, feeding stdin from `feed` on a writer thread; kill it after
/// `limit`.
fn run_with(args: &[&str], feed: Option<Feed>, limit: Duration) -> Outcome {
    let mut child = doctor::command(args, &[])
        .stdin(if feed.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let writer = feed.map(|f| {
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut stdin);
            f(&mut w);
            let _ = w.flush();
        })
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let ro = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let re = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let mut peak = 0;
    let status = loop {
        peak = peak.max(vm_hwm(pid));
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "oauth-doctor {args:?} did not finish within {limit:?} (peak {} MiB)",
                peak / 1024
            );
        }
        assert!(
            peak <= MAX_RSS_KB,
            "oauth-doctor {args:?} uses {} MiB",
            peak / 1024
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    if let Some(w) = writer {
        let _ = w.join();
    }
    Outcome {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&ro.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&re.join().unwrap()).into_owned(),
        peak_kb: peak,
        elapsed,
    }
}

fn check_file(path: &Path) -> Outcome {
    run_with(
        &["check", path.to_str().unwrap()],
        None,
        Duration::from_secs(30),
    )
}

fn check_stdin(bytes: Vec<u8>) -> Outcome {
    run_with(
        &["check", "-"],
        Some(Box::new(move |w| {
            let _ = w.write_all(&bytes);
        })),
        Duration::from_secs(30),
    )
}

/// The contract for bad input: exit 2 with one line naming the input (and, for a parse error,
/// the position), or a diagnosis; never a panic.
fn assert_handled(what: &str, o: &Outcome, file: &str) {
    assert!(
        !o.stderr.contains("panicked") && !o.stderr.contains("RUST_BACKTRACE"),
        "{what}: panic: {}",
        o.stderr
    );
    assert!(
        [0, 1, 2].contains(&o.code),
        "{what}: exit {} ({})",
        o.code,
        o.stderr
    );
    assert!(o.peak_kb <= MAX_RSS_KB, "{what}: {} MiB", o.peak_kb / 1024);
    if o.code == 2 {
        let lines: Vec<&str> = o.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{what}: not one line: {}", o.stderr);
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains(file),
            "{what}: the message names no input: {}",
            lines[0]
        );
    } else {
        assert!(
            o.stdout.contains("exchange(s)")
                || o.stdout.contains("no exchanges")
                || o.stdout.contains("oauth-doctor/diagnosis/v1"),
            "{what}: neither an error nor a diagnosis: {}",
            o.stdout
        );
    }
}

/// The message of a parse error names a position.
fn assert_position(what: &str, o: &Outcome) {
    assert_eq!(o.code, 2, "{what}: {}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("line ") || o.stderr.contains("byte ") || o.stderr.contains("entry "),
        "{what}: no position in {}",
        o.stderr
    );
}

fn tmp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!(
        "oauth-doctor-hostile-{}-{name}",
        std::process::id()
    ));
    std::fs::write(&p, bytes).unwrap();
    p
}

fn real_har() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/op-pkce-wrong-verifier.har"),
    )
    .unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A HAR document around `entries` (JSON text of the entries, comma-separated).
fn har(entries: &str) -> Vec<u8> {
    format!(
        "{{\"log\":{{\"version\":\"1.2\",\"creator\":{{\"name\":\"t\"}},\"entries\":[{entries}]}}}}"
    )
    .into_bytes()
}

const TOKEN_FAIL: &str = r#"{"startedDateTime":"2026-11-29T10:00:00Z","request":{"method":"POST","url":"https://idp.example/token","headers":[{"name":"Content-Type","value":"application/x-www-form-urlencoded"}],"postData":{"mimeType":"application/x-www-form-urlencoded","text":"grant_type=client_credentials&client_id=a&client_secret=s3cr3t-value"}},"response":{"status":401,"headers":[{"name":"Content-Type","value":"application/json"}],"content":{"text":"{\"error\":\"invalid_client\"}"}}}"#;

#[test]
fn empty_whitespace_and_bom_only() {
    for (name, bytes) in [
        ("empty", &b""[..]),
        ("spaces", &b"  \n\t\r\n  "[..]),
        ("bom", &b"\xef\xbb\xbf"[..]),
        ("bom-space", &b"\xef\xbb\xbf \n"[..]),
    ] {
        let p = tmp(name, bytes);
        let o = check_file(&p);
        assert_handled(name, &o, p.to_str().unwrap());
        assert_eq!(o.code, 2, "{name}");
        let o = check_stdin(bytes.to_vec());
        assert_handled(name, &o, "<stdin>");
        assert_eq!(o.code, 2, "{name} on stdin");
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn a_real_har_truncated_at_every_tenth() {
    let full = real_har();
    for k in 1..10 {
        let cut = &full[..full.len() * k / 10];
        let p = tmp(&format!("cut{k}.har"), cut);
        let o = check_file(&p);
        assert_handled(&format!("cut at {k}/10"), &o, p.to_str().unwrap());
        assert_position(&format!("cut at {k}/10"), &o);
        let o = check_stdin(gzip(cut));
        assert_handled(&format!("gzip cut at {k}/10"), &o, "<stdin>");
        assert_eq!(o.code, 2);
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn binary_gzip_garbage_and_bad_encodings() {
    let mut rng = 0x2545f4914f6cdd1du64;
    let mut noise = vec![0u8; 1 << 16];
    for b in noise.iter_mut() {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        *b = rng as u8;
    }
    let mut truncated_gzip = gzip(&real_har());
    truncated_gzip.truncate(truncated_gzip.len() / 2);
    let mut bad_utf8 = real_har();
    let at = bad_utf8.windows(7).position(|w| w == b"\"text\":").unwrap() + 8;
    bad_utf8.splice(at..at, [0xff, 0xfe, 0xc3, 0x28]);
    let lone = har(&format!(
        "{TOKEN_FAIL},{}",
        TOKEN_FAIL.replace("invalid_client", "invalid_client\\ud800\\udfff\\ud800x")
    ));
    let mut bom_har = b"\xef\xbb\xbf".to_vec();
    bom_har.extend(real_har());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("binary", noise.clone()),
        ("gzip-of-garbage", gzip(&noise)),
        ("gzip-magic-then-garbage", {
            let mut v = vec![0x1f, 0x8b];
            v.extend(&noise[..1000]);
            v
        }),
        ("zlib-magic-then-garbage", {
            let mut v = vec![0x78, 0x9c];
            v.extend(&noise[..1000]);
            v
        }),
        ("truncated-gzip", truncated_gzip),
        ("invalid-utf8-in-entry", bad_utf8),
        (
            "invalid-utf8-document",
            b"{\"exchanges\":[\xff\xfe]}".to_vec(),
        ),
        ("lone-surrogates", lone),
        ("bom-har", bom_har),
        ("utf16-bom", b"\xff\xfe{\x00\"\x00".to_vec()),
        ("nul-bytes", vec![0u8; 4096]),
        ("text", b"hello, this is not a capture\n".to_vec()),
        (
            "html",
            b"<!doctype html><html><body>404</body></html>".to_vec(),
        ),
    ];
    for (name, bytes) in cases {
        let p = tmp(name, &bytes);
        let o = check_file(&p);
        assert_handled(name, &o, p.to_str().unwrap());
        let o2 = check_stdin(bytes);
        assert_handled(name, &o2, "<stdin>");
        assert_eq!(o.code, o2.code, "{name}: file and stdin differ");
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn deep_nesting_everywhere() {
    let n = 100_000;
    let deep = |open: &str, close: &str| format!("{}{}", open.repeat(n), close.repeat(n));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("deep-array", deep("[", "]").into_bytes()),
        ("deep-object", deep("{\"a\":", "}").into_bytes()),
        ("deep-unclosed", "[".repeat(n).into_bytes()),
        (
            "deep-in-entry",
            har(&format!(
                "{TOKEN_FAIL},{{\"request\":{{\"method\":\"GET\",\"url\":\"https://idp.example/token\",\"x\":{}}},\"response\":{{\"status\":400}}}}",
                deep("[", "]")
            )),
        ),
        (
            "deep-in-body",
            har(&TOKEN_FAIL.replace("{\\\"error\\\":\\\"invalid_client\\\"}", &deep("[", "]"))),
        ),
        (
            "deep-in-log",
            format!(
                "{{\"log\":{{\"pages\":{},\"entries\":[{TOKEN_FAIL}]}}}}",
                deep("[", "]")
            )
            .into_bytes(),
        ),
        (
            "deep-dump",
            format!("{{\"exchanges\":[{}]}}", deep("[", "]")).into_bytes(),
        ),
    ];
    for (name, bytes) in cases {
        let o = check_stdin(bytes.clone());
        assert_handled(name, &o, "<stdin>");
        let o = run_with(
            &["redact", "-"],
            Some(Box::new(move |w| {
                let _ = w.write_all(&bytes);
            })),
            Duration::from_secs(30),
        );
        assert!(
            !o.stderr.contains("panicked"),
            "redact {name}: {}",
            o.stderr
        );
        assert!([0, 2].contains(&o.code), "redact {name}: {}", o.stderr);
    }
}

#[test]
fn wrong_types_and_duplicate_keys_at_every_level() {
    let cases = [
        r#"{"log":5}"#,
        r#"{"log":{"entries":{}}}"#,
        r#"{"log":{"entries":"x"}}"#,
        r#"{"log":{"entries":[5,"x",null,true,[],{}]}}"#,
        r#"{"log":{"entries":[{"request":[]},{"request":5},{"request":{"method":5,"url":{}}}]}}"#,
        r#"{"log":{"entries":[{"request":{"method":"GET","url":"https://idp/token","headers":"x","queryString":5,"cookies":{},"postData":7},"response":"x"}]}}"#,
        r#"{"log":{"entries":[{"request":{"method":"POST","url":"https://idp/token","headers":[5,[1,2,3],{"name":5,"value":[]}],"postData":{"text":5,"params":"x"}},"response":{"status":"abc","headers":{},"content":[]}}]}}"#,
        r#"{"log":{"entries":[{"request":{"method":"POST","url":"https://idp/token"},"response":{"status":1e400,"content":{"text":{},"encoding":5}}}]}}"#,
        r#"{"log":{"entries":[{"request":{"method":"POST","url":"https://idp/token"},"response":{"status":-1,"content":{"text":"!!","encoding":"base64"}}}]}}"#,
        r#"{"log":{"entries":[],"entries":[{"request":{"method":"POST","url":"https://idp/token"},"response":{"status":400}}]}}"#,
        r#"{"log":{"entries":[{"request":{"method":"GET","url":"https://a/"},"request":{"method":"POST","url":"https://idp/token"},"response":{"status":401},"response":5}]}}"#,
        // A closing brace where an entry should start (the reader once looped on it).
        r#"{"log":{"entries":[}"#,
        r#"{"log":{"entries":[{"request":{"method":"GET","url":"https://a/"}},}]}}"#,
        r#"{"exchanges":5}"#,
        r#"{"exchanges":[5,null,{"request":5},{"request":{"method":"POST","url":"https://idp/token","headers":5,"body":5},"response":{"status":"x","headers":[[1]],"body_base64":"!!"}}]}"#,
        r#"{"request":{"method":"POST","url":"https://idp/token","headers":{"A":[1,{}],"B":null}},"response":null}"#,
        "[1,2,3]",
        "[]",
        "{}",
        "null",
        "5",
        "\"x\"",
        "{\"request\":{\"method\":\"POST\",\"url\":\"https://idp/token\"}}\n{\"bad\n{\"request\":5}\n",
    ];
    for (i, c) in cases.iter().enumerate() {
        let o = check_stdin(c.as_bytes().to_vec());
        assert_handled(&format!("case {i}: {c}"), &o, "<stdin>");
    }
}

#[test]
fn enormous_headers_and_jwts() {
    let big = "A".repeat(10 << 20);
    let seg = base64_url(&format!("{{\"sub\":\"{}\"}}", "u".repeat(10 << 20)));
    let huge_jwt = format!("eyJhbGciOiJSUzI1NiJ9.{seg}.{}", "s".repeat(10 << 20));
    let none_jwt = format!(
        "{}.{}.",
        base64_url(r#"{"alg":"none"}"#),
        base64_url(r#"{"sub":"u","exp":1}"#)
    );
    let entry = |headers: String, body: &str| {
        format!(
            r#"{{"request":{{"method":"GET","url":"https://api.example/me","headers":[{headers}]}},"response":{{"status":401,"headers":[{{"name":"WWW-Authenticate","value":"Bearer error=\"invalid_token\""}}],"content":{{"text":{}}}}}}}"#,
            serde_json::to_string(body).unwrap()
        )
    };
    let many: Vec<String> = (0..100_000)
        .map(|i| format!(r#"{{"name":"X-H{i}","value":"v{i}"}}"#))
        .collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "10MB header",
            har(&entry(format!(r#"{{"name":"Authorization","value":"Bearer {big}"}}"#), "")),
        ),
        ("100k headers", har(&entry(many.join(","), ""))),
        (
            "10MB JWT segments",
            har(&entry(
                format!(r#"{{"name":"Authorization","value":"Bearer {huge_jwt}"}}"#),
                &format!("{{\"id_token\":\"{huge_jwt}\"}}"),
            )),
        ),
        (
            "alg none",
            har(&entry(
                format!(r#"{{"name":"Authorization","value":"Bearer {none_jwt}"}}"#),
                "",
            )),
        ),
        (
            "non-base64 segments",
            har(&entry(
                r#"{"name":"Authorization","value":"Bearer eyJ!!!.@@@.###"},{"name":"DPoP","value":"eyJhbGciOiJFUzI1NiJ9.%%%.x"}"#.into(),
                r#"{"access_token":"eyJ....","id_token":"eyJhbGciOiJub25lIn0.eyJ.."}"#,
            )),
        ),
    ];
    for (name, bytes) in cases {
        let b2 = bytes.clone();
        let o = check_stdin(bytes);
        assert_handled(name, &o, "<stdin>");
        let o = run_with(
            &["redact", "-"],
            Some(Box::new(move |w| {
                let _ = w.write_all(&b2);
            })),
            Duration::from_secs(60),
        );
        assert_eq!(o.code, 0, "redact {name}: {}", o.stderr);
        assert!(o.peak_kb <= MAX_RSS_KB);
    }
    // `inspect` on the same tokens.
    for t in [
        huge_jwt.as_str(),
        none_jwt.as_str(),
        "eyJ!!!.@@@.###",
        "",
        "a.b",
    ] {
        let t = t.to_string();
        let o = run_with(
            &["inspect", "-"],
            Some(Box::new(move |w| {
                let _ = w.write_all(t.as_bytes());
            })),
            Duration::from_secs(30),
        );
        assert!(!o.stderr.contains("panicked"), "inspect: {}", o.stderr);
        assert!([0, 1, 2].contains(&o.code));
    }
}

fn base64_url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One string of `HOSTILE_BIG_MB` megabytes, inside an entry's body and as the whole input.
#[test]
fn a_single_huge_string_streams_in_bounded_memory() {
    let mb = env_num("HOSTILE_BIG_MB", 200);
    let feed = move |prefix: &'static str, suffix: &'static str| {
        // A dump is parsed whole (up to 256 MiB): 64 MB of it is enough to show the bound.
        let mb = if prefix.starts_with("{\"exchanges\"") {
            mb.min(64)
        } else {
            mb
        };
        Box::new(move |w: &mut dyn Write| {
            let chunk = vec![b'A'; 1 << 20];
            if w.write_all(prefix.as_bytes()).is_err() {
                return;
            }
            for _ in 0..mb {
                if w.write_all(&chunk).is_err() {
                    return;
                }
            }
            let _ = w.write_all(suffix.as_bytes());
        }) as Feed
    };
    let limit = Duration::from_secs(30 + mb / 4);
    for (name, prefix, suffix) in [
        (
            "in a body",
            "{\"log\":{\"entries\":[{\"request\":{\"method\":\"GET\",\"url\":\"https://cdn.example/a\"},\"response\":{\"status\":200,\"content\":{\"text\":\"",
            "\"}}},",
        ),
        (
            "in the log",
            "{\"log\":{\"comment\":\"",
            "\",\"entries\":[]}}",
        ),
        (
            "a dump",
            "{\"exchanges\":[{\"request\":{\"method\":\"GET\",\"url\":\"https://a/\",\"body\":\"",
            "\"}}]}",
        ),
        ("unterminated", "\"", ""),
    ] {
        // The body case continues with a real failing entry after the huge one.
        let suffix: &'static str = if name == "in a body" {
            Box::leak(format!("{suffix}{TOKEN_FAIL}]}}}}").into_boxed_str())
        } else {
            suffix
        };
        let o = run_with(&["check", "-"], Some(feed(prefix, suffix)), limit);
        assert_handled(name, &o, "<stdin>");
        let size = if name == "a dump" { mb.min(64) } else { mb };
        eprintln!(
            "{name}: {size} MB in {:?}, peak {} MiB, exit {}",
            o.elapsed,
            o.peak_kb / 1024,
            o.code
        );
        if name == "in a body" {
            assert_eq!(
                o.code, 1,
                "{name}: the entry after the huge one is diagnosed: {}",
                o.stderr
            );
            let o = run_with(
                &["redact", "-", "-o", "/dev/null"],
                Some(feed(prefix, suffix)),
                limit,
            );
            assert_eq!(o.code, 0, "redact {name}: {}", o.stderr);
            assert!(o.peak_kb <= MAX_RSS_KB);
        }
    }
}

/// `HOSTILE_ENTRIES` tiny entries streamed through stdin: unrelated ones are counted, failing
/// ones analysed, all in bounded memory and time.
#[test]
fn millions_of_tiny_entries_stream_in_bounded_memory() {
    let n = env_num("HOSTILE_ENTRIES", 200_000);
    let feed_entries = move |entry: &'static str, last: &'static str| {
        Box::new(move |w: &mut dyn Write| {
            if w.write_all(b"{\"log\":{\"entries\":[").is_err() {
                return;
            }
            for _ in 0..n {
                if w.write_all(entry.as_bytes()).is_err() || w.write_all(b",").is_err() {
                    return;
                }
            }
            let _ = w.write_all(last.as_bytes());
            let _ = w.write_all(b"]}}");
        }) as Feed
    };
    let limit = Duration::from_secs(30 + n / 20_000);
    let tiny = r#"{"request":{"method":"GET","url":"https://cdn.example/a.png"},"response":{"status":200}}"#;
    let o = run_with(&["check", "-"], Some(feed_entries(tiny, TOKEN_FAIL)), limit);
    assert_handled("tiny entries", &o, "<stdin>");
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stdout.contains("unrelated entries skipped"),
        "{}",
        o.stdout
    );
    eprintln!(
        "{n} tiny entries: {:?}, peak {} MiB",
        o.elapsed,
        o.peak_kb / 1024
    );
    // Malformed tiny entries: each is reported as skipped, with a bounded list.
    let o = run_with(
        &["check", "-", "--format", "json"],
        Some(feed_entries("{}", TOKEN_FAIL)),
        limit,
    );
    assert_handled("empty entries", &o, "<stdin>");
    eprintln!(
        "{n} empty entries: {:?}, peak {} MiB",
        o.elapsed,
        o.peak_kb / 1024
    );
    // Failing OAuth entries, all relevant.
    // The rules correlate exchanges pairwise: keep this count modest in a debug build.
    let m = (n / 10).clamp(1, 2000);
    let gen_fail = move || {
        Box::new(move |w: &mut dyn Write| {
            if w.write_all(b"{\"log\":{\"entries\":[").is_err() {
                return;
            }
            for i in 0..m {
                if i > 0 && w.write_all(b",").is_err() {
                    return;
                }
                if w.write_all(TOKEN_FAIL.as_bytes()).is_err() {
                    return;
                }
            }
            let _ = w.write_all(b"]}}");
        }) as Feed
    };
    let o = run_with(&["check", "-"], Some(gen_fail()), limit);
    assert_handled("failing entries", &o, "<stdin>");
    eprintln!(
        "{m} failing entries: {:?}, peak {} MiB, exit {}",
        o.elapsed,
        o.peak_kb / 1024,
        o.code
    );
    // `redact` rewrites every entry (twice walked): a tenth of the count.
    let n10 = (n / 10).max(1);
    let feed_tenth = move || {
        Box::new(move |w: &mut dyn Write| {
            if w.write_all(b"{\"log\":{\"entries\":[").is_err() {
                return;
            }
            for _ in 0..n10 {
                if w.write_all(tiny.as_bytes()).is_err() || w.write_all(b",").is_err() {
                    return;
                }
            }
            let _ = w.write_all(TOKEN_FAIL.as_bytes());
            let _ = w.write_all(b"]}}");
        }) as Feed
    };
    let o = run_with(
        &["redact", "-", "-o", "/dev/null"],
        Some(feed_tenth()),
        limit,
    );
    assert_eq!(o.code, 0, "redact: {}", o.stderr);
    eprintln!(
        "redact {n10} tiny entries: {:?}, peak {} MiB",
        o.elapsed,
        o.peak_kb / 1024
    );
}
