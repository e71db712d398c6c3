//! Test support: a real OpenID provider (panva/oidc-provider, `tests/live/server.mjs`) for the
//! live-mode integration tests, and a tiny scripted "browser" that logs in through its
//! development interaction pages.
//!
//! Include it with:
//!
//! ```ignore
//! #[path = "support/live_server.rs"]
//! mod live_server;
//! ```
//!
//! `LiveServer::start()` and `LiveServer::shared()` return `None` (the test should return early)
//! when Node.js or `tests/live/node_modules` is missing, and write a `SKIPPED <test>: <why>` line
//! straight to the standard error, which the test harness does not capture: a skipped live test
//! still reports `ok`, but the run shows what did not run. With `OAUTH_DOCTOR_LIVE=1` they panic
//! instead: CI sets that variable so live tests can never be skipped there.
//! `OAUTH_DOCTOR_NODE` may name the `node` binary to use (default: `node` on `PATH`).
//!
//! Clients, secrets and pages are documented in `tests/live/README.md`.
#![allow(dead_code)]

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use url::Url;

/// The redirect URI registered for the code-flow clients. Nothing listens there: the harness
/// stops at the redirect and reads the code from its `Location`.
pub const REDIRECT_URI: &str = "http://127.0.0.1:8976/cb";
/// The one resource server; access tokens for it are JWTs (`typ: at+jwt`).
pub const API_RESOURCE: &str = "https://api.example.test";
/// Login used on the devInteractions login page (any login/password is accepted; the login
/// becomes the `sub`). A `login_hint` in `extra` overrides it.
pub const TEST_USER: &str = "alice";

/// `(client_id, client_secret)` of the fixed clients in `tests/live/server.mjs`.
pub mod clients {
    pub const CONF_BASIC: (&str, &str) = ("conf-basic", "conf-basic-secret");
    pub const CONF_POST: (&str, &str) = ("conf-post", "conf-post-secret");
    pub const CONF_SPECIAL: (&str, &str) = ("conf-special", "s3cr%t+with/special:chars=");
    pub const PUBLIC_PKCE: &str = "public-pkce";
    /// Public PKCE client whose opaque access tokens (for userinfo) live 2 s.
    pub const SHORT_LIVED: &str = "short-lived";
    pub const DEVICE_CLIENT: &str = "device-client";
    pub const CC_ONLY: (&str, &str) = ("cc-only", "cc-only-secret");
    pub const JWT_CLIENT: (&str, &str) = (
        "jwt-client",
        "jwt-client-secret-that-is-long-enough-0123456789",
    );
    pub const PKJWT_CLIENT: &str = "pkjwt-client";
    /// PKCS#8 PEM private key of `pkjwt-client` (RSA 2048, kid `pkjwt-client-1`), relative
    /// to the crate root.
    pub const PKJWT_KEY_PEM: &str = "tests/live/keys/pkjwt-client.pem";
    pub const PKJWT_KEY_JWK: &str = "tests/live/keys/pkjwt-client.jwk.json";
    pub const PKJWT_KID: &str = "pkjwt-client-1";
}

const READY_TIMEOUT: Duration = Duration::from_secs(20);
const MAX_HOPS: usize = 20;

pub struct LiveServer {
    /// `http://127.0.0.1:<port>`, also the provider's issuer identifier.
    pub issuer: String,
    /// The provider's `/.well-known/openid-configuration` document.
    pub discovery: serde_json::Value,
    child: Child,
    // kept open: the server exits when its stdin closes.
    stdin: Option<ChildStdin>,
    log: Arc<Mutex<String>>,
}

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the crate root (such as [`clients::PKJWT_KEY_PEM`]) made absolute.
pub fn crate_path(relative: &str) -> String {
    crate_root().join(relative).display().to_string()
}

fn live_required() -> bool {
    std::env::var("OAUTH_DOCTOR_LIVE").is_ok_and(|v| v == "1")
}

fn node_binary() -> String {
    std::env::var("OAUTH_DOCTOR_NODE").unwrap_or_else(|_| "node".to_owned())
}

/// A blocking HTTP client for talking to the live provider: no automatic redirects, no proxy
/// (the provider is on loopback), short timeouts. Installs the ring crypto provider for rustls
/// if none is installed yet (the crate builds reqwest with `rustls-no-provider`).
pub fn http_client() -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("building the reqwest blocking client")
}

/// Why the live provider cannot run here (Node.js or its packages missing), if it cannot.
/// Panics when `OAUTH_DOCTOR_LIVE=1` asks for the live tests.
fn unavailable() -> Option<String> {
    let modules = crate_root().join("tests/live/node_modules/oidc-provider");
    let node = node_binary();
    let why = if !modules.is_dir() {
        Some(format!(
            "{} is missing (run `npm ci` in tests/live)",
            modules.display()
        ))
    } else {
        match Command::new(&node)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
        {
            Ok(s) if s.success() => None,
            Ok(s) => Some(format!("`{node} --version` failed: {s}")),
            Err(e) => Some(format!("Node.js (`{node}`) is not runnable: {e}")),
        }
    }?;
    if live_required() {
        panic!("OAUTH_DOCTOR_LIVE=1 but the live OpenID provider cannot run: {why}");
    }
    Some(why)
}

/// Say on the real standard error (the test harness captures only `eprintln!`) that the
/// current test did not run.
fn skip_note(why: &str) {
    use std::io::Write as _;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a live test");
    let line = format!("SKIPPED {test}: {why} (set OAUTH_DOCTOR_LIVE=1 to make this a failure)\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

impl LiveServer {
    /// Starts a fresh provider on a free port. See the module docs for when it returns `None`.
    pub fn start() -> Option<LiveServer> {
        if let Some(why) = unavailable() {
            skip_note(&why);
            return None;
        }
        Some(LiveServer::launch())
    }

    /// Starts the provider; Node.js and its packages are there.
    fn launch() -> LiveServer {
        let root = crate_root();
        let script = root.join("tests/live/server.mjs");
        let node = node_binary();
        let mut child = Command::new(&node)
            .arg(&script)
            .current_dir(root.join("tests/live"))
            .env("PORT", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning `{node} {}`: {e}", script.display()));

        let log = Arc::new(Mutex::new(String::new()));
        {
            let log = Arc::clone(&log);
            let stderr = child.stderr.take().expect("piped stderr");
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let (tx, rx) = mpsc::channel::<String>();
        {
            let stdout = child.stdout.take().expect("piped stdout");
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stdout);
                let mut line = String::new();
                loop {
                    line.clear();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            if tx.send(line.trim_end().to_owned()).is_err() {
                                // nobody listens any more: keep draining so the child never blocks.
                                let mut sink = Vec::new();
                                let _ = reader.read_to_end(&mut sink);
                                break;
                            }
                        }
                    }
                }
            });
        }
        let stdin = child.stdin.take();
        let mut server = LiveServer {
            issuer: String::new(),
            discovery: serde_json::Value::Null,
            child,
            stdin,
            log,
        };

        let deadline = std::time::Instant::now() + READY_TIMEOUT;
        let issuer = loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("READY ") {
                        break rest.trim().to_owned();
                    }
                    // anything else on stdout is unexpected but harmless; remember it.
                    server.log_line(&format!("[stdout] {line}"));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                    "the live OpenID provider did not print READY within {READY_TIMEOUT:?}\n{}",
                    server.log()
                ),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(Duration::from_millis(200));
                    let status = server.child.try_wait().ok().flatten();
                    panic!(
                        "the live OpenID provider exited before READY (status {status:?})\n{}",
                        server.log()
                    );
                }
            }
        };
        server.issuer = issuer;
        let url = format!("{}/.well-known/openid-configuration", server.issuer);
        let resp = http_client()
            .get(&url)
            .send()
            .unwrap_or_else(|e| panic!("GET {url}: {e}\n{}", server.log()));
        let status = resp.status();
        let body = resp.text().unwrap_or_default();
        if !status.is_success() {
            panic!("GET {url}: {status}: {body}\n{}", server.log());
        }
        server.discovery = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("discovery document is not JSON ({e}): {body}"));
        server
    }

    /// One provider shared by every test of the test binary (started on first use). It stops
    /// when the test process exits, because its stdin (a pipe held by this process) closes.
    /// Every test that finds it unavailable says so (see the module docs).
    pub fn shared() -> Option<&'static LiveServer> {
        static SHARED: OnceLock<Result<LiveServer, String>> = OnceLock::new();
        let started = SHARED.get_or_init(|| match unavailable() {
            Some(why) => Err(why),
            None => Ok(LiveServer::launch()),
        });
        match started {
            Ok(server) => Some(server),
            Err(why) => {
                skip_note(why);
                None
            }
        }
    }

    /// An endpoint from discovery, e.g. `endpoint("token_endpoint")`.
    pub fn endpoint(&self, key: &str) -> String {
        self.discovery[key]
            .as_str()
            .unwrap_or_else(|| panic!("discovery has no string {key:?}: {}", self.discovery))
            .to_owned()
    }

    pub fn token_endpoint(&self) -> String {
        self.endpoint("token_endpoint")
    }

    /// POSTs `form` to the token endpoint, with HTTP Basic client authentication when `basic`
    /// is given; returns the status and the JSON body.
    pub fn post_token(
        &self,
        basic: Option<(&str, &str)>,
        form: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let url = self.token_endpoint();
        let mut req = http_client().post(&url).form(form);
        if let Some((id, secret)) = basic {
            req = req.basic_auth(id, Some(secret));
        }
        let resp = req.send().unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = resp.status().as_u16();
        let body = resp.text().unwrap();
        let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
        (status, json)
    }

    /// [`LiveServer::post_token`] that must succeed: a 200 with a non-empty `access_token`.
    /// Returns the token response.
    pub fn ok_token(
        &self,
        basic: Option<(&str, &str)>,
        form: &[(&str, &str)],
    ) -> serde_json::Value {
        let (status, json) = self.post_token(basic, form);
        assert_eq!(status, 200, "token response {json}\n{}", self.log());
        assert!(
            json["access_token"].as_str().is_some_and(|t| !t.is_empty()),
            "{json}"
        );
        json
    }

    /// [`LiveServer::post_token`] that must be refused with `status` and this `error` code.
    pub fn assert_token_error(
        &self,
        basic: Option<(&str, &str)>,
        form: &[(&str, &str)],
        status: u16,
        error: &str,
    ) {
        let (got, err) = self.post_token(basic, form);
        assert_eq!((got, err["error"].as_str()), (status, Some(error)), "{err}");
    }

    /// Everything the provider wrote on stderr so far (notices, and one `[op] <event>: ...`
    /// line per error it reported, with the detail it does not put in responses).
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn log_line(&self, line: &str) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.push_str(line);
        log.push('\n');
    }

    /// The last `lines` lines of the provider log, without oidc-provider's start-up notices.
    fn log_tail(&self, lines: usize) -> String {
        let log = self.log();
        let all: Vec<&str> = log
            .lines()
            .filter(|l| {
                !l.starts_with("oidc-provider WARNING") && !l.starts_with("oidc-provider NOTICE")
            })
            .collect();
        let start = all.len().saturating_sub(lines);
        format!("--- provider log (tail) ---\n{}", all[start..].join("\n"))
    }

    fn err(&self, msg: String) -> String {
        format!("{msg}\n{}", self.log_tail(8))
    }

    /// Drives authorize → login → consent → redirect and returns the authorization code.
    ///
    /// Sends `response_type=code`, `client_id`, `redirect_uri`, `scope`, a random `state` and,
    /// with `pkce`, `code_challenge` / `code_challenge_method`. Each `extra` pair replaces a
    /// default parameter of the same name or is appended (`("prompt", "consent")`,
    /// `("resource", ...)`, `("login_hint", "bob")`, `("state", "fixed")`, ...). An error
    /// redirect to `redirect_uri` (or an error page) comes back as `Err` with what was seen.
    pub fn authorization_code(
        &self,
        client_id: &str,
        redirect_uri: &str,
        scope: &str,
        pkce: Option<(&str, &str)>,
        extra: &[(&str, &str)],
    ) -> Result<String, String> {
        self.authorization_code_and_url(client_id, redirect_uri, scope, pkce, extra)
            .map(|(code, _)| code)
    }

    /// Like [`LiveServer::authorization_code`], also returning the authorization request URL
    /// the browser started from (for `oauth-doctor check --authorize-url`).
    pub fn authorization_code_and_url(
        &self,
        client_id: &str,
        redirect_uri: &str,
        scope: &str,
        pkce: Option<(&str, &str)>,
        extra: &[(&str, &str)],
    ) -> Result<(String, String), String> {
        let mut params: Vec<(String, String)> = vec![
            ("response_type".into(), "code".into()),
            ("client_id".into(), client_id.into()),
            ("redirect_uri".into(), redirect_uri.into()),
            ("scope".into(), scope.into()),
            ("state".into(), random_token()),
        ];
        if let Some((challenge, method)) = pkce {
            params.push(("code_challenge".into(), challenge.into()));
            params.push(("code_challenge_method".into(), method.into()));
        }
        for (k, v) in extra {
            match params.iter_mut().find(|(name, _)| name == k) {
                Some(slot) => slot.1 = (*v).to_owned(),
                None => params.push(((*k).to_owned(), (*v).to_owned())),
            }
        }
        let state = params
            .iter()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let login = extra
            .iter()
            .find(|(k, _)| *k == "login_hint")
            .map_or(TEST_USER, |(_, v)| *v)
            .to_owned();

        let mut url = Url::parse(&self.endpoint("authorization_endpoint"))
            .map_err(|e| format!("authorization_endpoint: {e}"))?;
        url.query_pairs_mut().extend_pairs(params.iter());
        let start_url = url.to_string();
        let target = Url::parse(redirect_uri).map_err(|e| format!("redirect_uri: {e}"))?;

        let mut browser = Browser::new(self);
        let mut req = Req::get(url);
        for _ in 0..MAX_HOPS {
            let resp = browser.send(&req)?;
            if let Some(loc) = &resp.location {
                if same_endpoint(loc, &target) {
                    let q: Vec<(String, String)> = loc.query_pairs().into_owned().collect();
                    return code_from_params(&q, &state)
                        .map(|c| (c, start_url.clone()))
                        .map_err(|e| self.err(format!("{e} (redirect: {loc})")));
                }
                req = Req::get(loc.clone());
                continue;
            }
            if resp.status != 200 {
                return Err(self.err(format!(
                    "{} {} -> {}: {}",
                    req.method(),
                    req.url,
                    resp.status,
                    page_text(&resp.body)
                )));
            }
            let forms = parse_forms(&resp.body, &resp.url);
            // response_mode=form_post: the provider answers with an auto-submitting form.
            if let Some(f) = forms.iter().find(|f| same_endpoint(&f.action, &target)) {
                return code_from_params(&f.fields, &state)
                    .map(|c| (c, start_url.clone()))
                    .map_err(|e| self.err(format!("{e} (form_post to {})", f.action)));
            }
            req = next_interaction(&forms, &login).ok_or_else(|| {
                self.err(format!(
                    "unexpected page at {} (no login/consent form): {}",
                    resp.url,
                    page_text(&resp.body)
                ))
            })?;
        }
        Err(self.err(format!(
            "more than {MAX_HOPS} hops without reaching {redirect_uri}"
        )))
    }

    /// Starts a device authorization; returns `(device_code, user_code)`.
    pub fn device_authorize(
        &self,
        client_id: &str,
        scope: &str,
    ) -> Result<(String, String), String> {
        let url = self.endpoint("device_authorization_endpoint");
        let mut form = vec![("client_id", client_id)];
        if !scope.is_empty() {
            form.push(("scope", scope));
        }
        let resp = http_client()
            .post(&url)
            .form(&form)
            .send()
            .map_err(|e| self.err(format!("POST {url}: {e}")))?;
        let status = resp.status();
        let body = resp.text().unwrap_or_default();
        if status.as_u16() != 200 {
            return Err(self.err(format!("POST {url} -> {status}: {body}")));
        }
        let json: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| format!("POST {url}: response is not JSON ({e}): {body}"))?;
        let get = |k: &str| {
            json[k]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("POST {url}: no {k} in {body}"))
        };
        Ok((get("device_code")?, get("user_code")?))
    }

    /// Plays the user: opens the verification page, enters `user_code`, confirms, logs in
    /// (as [`TEST_USER`]) and consents, until the "Sign-in Success" page.
    pub fn approve_device(&self, user_code: &str) -> Result<(), String> {
        let start = Url::parse(&format!("{}/device", self.issuer)).map_err(|e| e.to_string())?;
        let mut browser = Browser::new(self);
        let mut req = Req::get(start);
        for _ in 0..MAX_HOPS {
            let resp = browser.send(&req)?;
            if let Some(loc) = &resp.location {
                req = Req::get(loc.clone());
                continue;
            }
            if resp.status != 200 {
                return Err(self.err(format!(
                    "{} {} -> {}: {}",
                    req.method(),
                    req.url,
                    resp.status,
                    page_text(&resp.body)
                )));
            }
            if resp.body.contains("<title>Sign-in Success</title>") {
                return Ok(());
            }
            if resp.body.contains("class=\"red\"") {
                return Err(self.err(format!(
                    "device verification page reports an error at {}: {}",
                    resp.url,
                    page_text(&resp.body)
                )));
            }
            let forms = parse_forms(&resp.body, &resp.url);
            if let Some(f) = forms.iter().find(|f| f.id == "op.deviceInputForm") {
                let mut fields = f.fields.clone();
                set_field(&mut fields, "user_code", user_code);
                req = Req::post(f.action.clone(), fields);
                continue;
            }
            if let Some(f) = forms.iter().find(|f| f.id == "op.deviceConfirmForm") {
                req = Req::post(f.action.clone(), f.fields.clone());
                continue;
            }
            req = next_interaction(&forms, TEST_USER).ok_or_else(|| {
                self.err(format!(
                    "unexpected page at {} during device approval: {}",
                    resp.url,
                    page_text(&resp.body)
                ))
            })?;
        }
        Err(self.err(format!(
            "more than {MAX_HOPS} hops without reaching the success page"
        )))
    }
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// a minimal scripted browser: manual redirects, a hand-kept cookie jar

struct Req {
    url: Url,
    form: Option<Vec<(String, String)>>,
}

impl Req {
    fn get(url: Url) -> Req {
        Req { url, form: None }
    }
    fn post(url: Url, form: Vec<(String, String)>) -> Req {
        Req {
            url,
            form: Some(form),
        }
    }
    fn method(&self) -> &'static str {
        if self.form.is_some() { "POST" } else { "GET" }
    }
}

struct Resp {
    url: Url,
    status: u16,
    /// resolved `Location` of a 3xx response.
    location: Option<Url>,
    body: String,
}

struct Cookie {
    name: String,
    value: String,
    path: String,
}

struct Browser<'a> {
    server: &'a LiveServer,
    client: reqwest::blocking::Client,
    jar: Vec<Cookie>,
}

impl<'a> Browser<'a> {
    fn new(server: &'a LiveServer) -> Self {
        Browser {
            server,
            client: http_client(),
            jar: Vec::new(),
        }
    }

    fn cookie_header(&self, url: &Url) -> Option<String> {
        let path = url.path();
        let pairs: Vec<String> = self
            .jar
            .iter()
            .filter(|c| path_matches(path, &c.path))
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }

    fn store(&mut self, url: &Url, set_cookie: &str) {
        let mut parts = set_cookie.split(';');
        let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else {
            return;
        };
        let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
        let mut path = default_cookie_path(url.path());
        let mut expired = value.is_empty();
        for attr in parts {
            let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            match k.as_str() {
                "path" if v.starts_with('/') => path = v.to_owned(),
                "max-age" => expired |= v.parse::<i64>().is_ok_and(|n| n <= 0),
                "expires" => expired |= v.contains("1970"),
                _ => {}
            }
        }
        self.jar.retain(|c| !(c.name == name && c.path == path));
        if !expired {
            self.jar.push(Cookie { name, value, path });
        }
    }

    fn send(&mut self, req: &Req) -> Result<Resp, String> {
        let mut builder = match &req.form {
            None => self.client.get(req.url.clone()),
            Some(form) => self.client.post(req.url.clone()).form(form),
        };
        if let Some(cookies) = self.cookie_header(&req.url) {
            builder = builder.header(reqwest::header::COOKIE, cookies);
        }
        let resp = builder.send().map_err(|e| {
            self.server
                .err(format!("{} {}: {e}", req.method(), req.url))
        })?;
        let status = resp.status().as_u16();
        for sc in resp.headers().get_all(reqwest::header::SET_COOKIE) {
            if let Ok(sc) = sc.to_str() {
                self.store(&req.url, sc);
            }
        }
        let location = if (300..400).contains(&status) {
            let raw = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| {
                    self.server.err(format!(
                        "{} {} -> {status} without a Location",
                        req.method(),
                        req.url
                    ))
                })?
                .to_owned();
            Some(req.url.join(&raw).map_err(|e| {
                format!(
                    "{} {} -> {status} with a bad Location {raw:?}: {e}",
                    req.method(),
                    req.url
                )
            })?)
        } else {
            None
        };
        let body = resp.text().unwrap_or_default();
        Ok(Resp {
            url: req.url.clone(),
            status,
            location,
            body,
        })
    }
}

fn default_cookie_path(request_path: &str) -> String {
    match request_path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => request_path[..i].to_owned(),
    }
}

/// RFC 6265 §5.1.4 path-match.
fn path_matches(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/')
                || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

fn same_endpoint(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
        && a.path() == b.path()
}

fn code_from_params(params: &[(String, String)], state: &str) -> Result<String, String> {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if let Some(error) = get("error") {
        return Err(format!(
            "authorization error: error={error} error_description={}",
            get("error_description").unwrap_or("")
        ));
    }
    if get("state").unwrap_or("") != state {
        return Err(format!(
            "state mismatch: sent {state:?}, got {:?}",
            get("state")
        ));
    }
    get("code")
        .map(str::to_owned)
        .ok_or_else(|| format!("no code in the authorization response {params:?}"))
}

/// The next step on a devInteractions page: the login form (`prompt=login`, `login`,
/// `password`) or the consent form (`prompt=consent`).
fn next_interaction(forms: &[Form], login: &str) -> Option<Req> {
    for f in forms {
        match f.field("prompt") {
            Some("login") => {
                let mut fields = f.fields.clone();
                set_field(&mut fields, "login", login);
                set_field(&mut fields, "password", "any-password");
                return Some(Req::post(f.action.clone(), fields));
            }
            Some("consent") => return Some(Req::post(f.action.clone(), f.fields.clone())),
            _ => {}
        }
    }
    None
}

fn set_field(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value.to_owned(),
        None => fields.push((name.to_owned(), value.to_owned())),
    }
}

/// The token request that redeems `code` (sent with [`REDIRECT_URI`]), then `extra`
/// (`client_id`, `code_verifier`, ...).
pub fn code_form<'a>(code: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
    ];
    form.extend_from_slice(extra);
    form
}

/// Segment `index` of a JWT (0: header, 1: claims), decoded as JSON.
pub fn jwt_part(jwt: &str, index: usize) -> serde_json::Value {
    use base64::Engine as _;
    let segment = jwt
        .split('.')
        .nth(index)
        .unwrap_or_else(|| panic!("no segment {index} in {jwt:?}"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap_or_else(|e| panic!("segment {index} of {jwt:?}: {e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("segment {index} of {jwt:?}: {e}"))
}

/// A fresh PKCE pair: (code_verifier, S256 code_challenge).
pub fn pkce_pair() -> (String, String) {
    use base64::Engine as _;
    use sha2::Digest as _;
    let verifier = format!("{}{}{}", random_token(), random_token(), random_token());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn random_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("st{:016x}", h.finish())
}

// ---------------------------------------------------------------------------------------------
// just enough HTML for the provider's own pages (double-quoted attributes, no nesting)

struct Form {
    id: String,
    action: Url,
    fields: Vec<(String, String)>,
}

impl Form {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn parse_forms(html: &str, base: &Url) -> Vec<Form> {
    let mut forms = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<form") {
        let after = &rest[start..];
        let end = after.find("</form>").unwrap_or(after.len());
        let block = &after[..end];
        let open_end = block.find('>').unwrap_or(block.len());
        let open = &block[..open_end];
        let action = attr(open, "action").unwrap_or_default();
        if let Ok(action) = base.join(&action) {
            let mut fields = Vec::new();
            let mut inputs = &block[open_end..];
            while let Some(i) = inputs.find("<input") {
                let tag_rest = &inputs[i..];
                let tag_end = tag_rest.find('>').unwrap_or(tag_rest.len());
                let tag = &tag_rest[..tag_end];
                if let Some(name) = attr(tag, "name") {
                    fields.push((name, attr(tag, "value").unwrap_or_default()));
                }
                inputs = &tag_rest[tag_end..];
            }
            forms.push(Form {
                id: attr(open, "id").unwrap_or_default(),
                action,
                fields,
            });
        }
        rest = &after[end..];
    }
    forms
}

/// Value of a double-quoted attribute in one tag.
fn attr(tag: &str, name: &str) -> Option<String> {
    let mut from = 0;
    let needle = format!("{name}=\"");
    while let Some(i) = tag[from..].find(&needle) {
        let at = from + i;
        let preceded_ok = at == 0 || tag.as_bytes()[at - 1].is_ascii_whitespace();
        let value_start = at + needle.len();
        if preceded_ok {
            let len = tag[value_start..].find('"')?;
            return Some(unescape(&tag[value_start..value_start + len]));
        }
        from = value_start;
    }
    None
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The visible text of an HTML page, squeezed, for error messages (oidc-provider's error page
/// shows `error` and `error_description` there).
fn page_text(html: &str) -> String {
    let body = html.find("<body").map_or(html, |i| &html[i..]);
    let mut out = String::new();
    let mut in_tag = false;
    let mut in_style = false;
    let mut i = 0;
    let bytes = body.as_bytes();
    while i < bytes.len() {
        let c = body[i..].chars().next().unwrap_or(' ');
        if in_tag {
            if c == '>' {
                in_tag = false;
            }
        } else if c == '<' {
            let lower = body[i..].get(..7).unwrap_or("").to_ascii_lowercase();
            if lower.starts_with("<style") || lower.starts_with("<script") {
                in_style = true;
            } else if lower.starts_with("</style") || lower.starts_with("</scrip") {
                in_style = false;
            }
            in_tag = true;
            out.push(' ');
        } else if !in_style {
            out.push(c);
        }
        i += c.len_utf8();
    }
    let squeezed = unescape(&out.split_whitespace().collect::<Vec<_>>().join(" "));
    if squeezed.chars().count() > 600 {
        squeezed.chars().take(600).collect::<String>() + "…"
    } else {
        squeezed
    }
}
