//! The HTTP side of live mode: one blocking client per kind of destination (direct for
//! loopback hosts, through the environment's proxies otherwise; the system's roots only for
//! https), and the recorder that turns every request it sends into an [`Exchange`]. Network
//! failures become a status-0 response with `transport_error`, classified in one line. No
//! redirect is followed, timeouts are always set, TLS is verified unless `insecure`, response
//! bodies are capped; what the client itself knows about an exchange (the body was cut, TLS was
//! not verified) is recorded as an annotation header ([`ANNOTATION_PREFIX`]).

use super::LiveError;
use crate::model::{Exchange, Headers, Kind, Provenance, Request, Response};
use jiff::Timestamp;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// Response headers whose names start with this are annotations made by live mode, never sent
/// by a server: `x-oauth-doctor-truncated` (the body was capped), `x-oauth-doctor-tls-verify:
/// off` (`--insecure`). They survive `--save-capture`, so rules can judge them from a file too.
pub const ANNOTATION_PREFIX: &str = "x-oauth-doctor-";
/// Annotation: the response body was cut at this many bytes.
pub const TRUNCATED_HEADER: &str = "x-oauth-doctor-truncated";
/// Annotation: TLS certificate verification was disabled for this exchange.
pub const TLS_VERIFY_HEADER: &str = "x-oauth-doctor-tls-verify";
/// The provenance name of live exchanges in reports.
pub const SOURCE_NAME: &str = "live";
/// The `User-Agent` of live requests (recorded with each exchange).
pub const USER_AGENT: &str = concat!("oauth-doctor/", env!("CARGO_PKG_VERSION"));
/// Default response body cap.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// Network settings shared by `check` live mode and `inspect`.
#[derive(Debug, Clone)]
pub struct NetConfig {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// Disable TLS certificate verification (recorded on every exchange).
    pub insecure: bool,
    /// Extra trusted CA certificates (PEM).
    pub ca_pem: Option<Vec<u8>>,
    /// Client certificate and key (PEM, concatenated) for tls_client_auth.
    pub identity_pem: Option<Vec<u8>>,
    pub max_body: usize,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            insecure: false,
            ca_pem: None,
            identity_pem: None,
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

/// Whether a URL's host is a loopback host ([`crate::model::is_loopback_host`]).
pub fn is_loopback(url: &Url) -> bool {
    url.host_str().is_some_and(crate::model::is_loopback_host)
}

/// The HTTP side: clients (direct for loopback, with the environment's proxies otherwise; with
/// the system's roots only for https), built on first use, and the recorder.
pub struct Http {
    net: NetConfig,
    /// Built on first use: (loopback, http), (loopback, https), (remote, http), (remote, https).
    clients: [Option<reqwest::blocking::Client>; 4],
    pub exchanges: Vec<Exchange>,
    /// The metadata URLs the last discovery tried.
    pub tried: Vec<String>,
}

impl Http {
    pub fn new(net: NetConfig) -> Http {
        // reqwest is built with `rustls-no-provider`: install ring once, before any client.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Http {
            net,
            clients: Default::default(),
            exchanges: Vec::new(),
            tried: Vec::new(),
        }
    }

    fn client(&mut self, url: &Url) -> Result<&reqwest::blocking::Client, LiveError> {
        let loopback = is_loopback(url);
        let tls = url.scheme() == "https";
        let slot = match (loopback, tls) {
            (true, false) => &mut self.clients[0],
            (true, true) => &mut self.clients[1],
            (false, false) => &mut self.clients[2],
            (false, true) => &mut self.clients[3],
        };
        if slot.is_none() {
            let mut b = reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.net.connect_timeout)
                .timeout(self.net.timeout);
            if loopback {
                b = b.no_proxy();
            }
            if !(tls || self.net.insecure || self.net.identity_pem.is_some()) {
                // Plain http never verifies a certificate (redirects are not followed): skip
                // loading the system's root store, which costs milliseconds per run.
                b = b.tls_certs_only(Vec::new());
            }
            if self.net.insecure {
                b = b.danger_accept_invalid_certs(true);
            }
            if let Some(pem) = &self.net.ca_pem {
                let certs = reqwest::Certificate::from_pem_bundle(pem)
                    .map_err(|e| LiveError::Config(format!("--cacert: {e}")))?;
                b = b.tls_certs_merge(certs);
            }
            if let Some(pem) = &self.net.identity_pem {
                let id = reqwest::Identity::from_pem(pem)
                    .map_err(|e| LiveError::Config(format!("--client-cert/--client-key: {e}")))?;
                b = b.identity(id);
            }
            *slot = Some(b.build().map_err(|e| LiveError::Client(e.to_string()))?);
        }
        Ok(slot.as_ref().expect("client just built"))
    }

    /// Send one request and record it; returns the index of the recorded exchange. Network
    /// failures become a status-0 response with `transport_error`.
    pub fn send(
        &mut self,
        method: &str,
        url: &Url,
        headers: Vec<(String, String)>,
        body: Option<String>,
    ) -> Result<usize, LiveError> {
        let max_body = self.net.max_body;
        let insecure = self.net.insecure && url.scheme() == "https";
        let timeout = self.net.timeout;
        let connect_timeout = self.net.connect_timeout;
        let client = self.client(url)?.clone();
        let mut headers = headers;
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
        {
            headers.insert(0, ("User-Agent".into(), USER_AGENT.into()));
        }
        let started_at = Timestamp::now();
        let clock = Instant::now();
        let m = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| LiveError::Config(format!("bad HTTP method {method}")))?;
        let mut rb = client.request(m, url.clone());
        for (k, v) in &headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        if let Some(b) = &body {
            rb = rb.body(b.clone());
        }
        let mut response = match rb.send() {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let mut h: Vec<(String, String)> = resp
                    .headers()
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str().to_string(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect();
                let mut buf = Vec::new();
                let read = (&mut resp).take(max_body as u64 + 1).read_to_end(&mut buf);
                let mut read_error = None;
                if let Err(e) = read {
                    read_error = Some(format!(
                        "the response body could not be read completely: {}",
                        io_error_text(&e, timeout)
                    ));
                }
                if buf.len() > max_body {
                    buf.truncate(max_body);
                    h.push((
                        TRUNCATED_HEADER.to_string(),
                        format!("body capped at {max_body} bytes; the server sent more"),
                    ));
                }
                let text = String::from_utf8_lossy(&buf).into_owned();
                let mut r = Response::new(status, Headers::new(h), Some(text));
                r.transport_error = read_error;
                r
            }
            Err(e) => {
                let mut r = Response::new(0, Headers::default(), None);
                r.transport_error = Some(describe_error(&e, connect_timeout, timeout));
                r
            }
        };
        if insecure {
            response.headers.push(
                TLS_VERIFY_HEADER,
                "off (--insecure: the server's certificate was not checked)",
            );
        }
        let elapsed = clock.elapsed().as_secs_f64() * 1000.0;
        let entry = self.exchanges.len();
        self.exchanges.push(Exchange {
            ordinal: 0,
            index: entry,
            source: Provenance {
                file: Arc::from(SOURCE_NAME),
                entry,
                line: None,
            },
            started_at: Some(started_at),
            duration_ms: Some((elapsed * 10.0).round() / 10.0),
            request: Request::new(method, url.as_str(), Headers::new(headers), body),
            response: Some(response),
            kind: Kind::Other,
            sanitized: false,
            provider: None,
            verified: Vec::new(),
        });
        Ok(entry)
    }

    /// Record a request that was made elsewhere (the browser's authorization request), without
    /// a response.
    pub fn record_request_only(&mut self, method: &str, url: &Url) {
        let entry = self.exchanges.len();
        self.exchanges.push(Exchange {
            ordinal: 0,
            index: entry,
            source: Provenance {
                file: Arc::from(SOURCE_NAME),
                entry,
                line: None,
            },
            started_at: Some(Timestamp::now()),
            duration_ms: None,
            request: Request::new(method, url.as_str(), Headers::default(), None),
            response: None,
            kind: Kind::Other,
            sanitized: false,
            provider: None,
            verified: Vec::new(),
        });
    }

    /// GET a document (metadata, JWKS) and record it.
    pub fn get_json(&mut self, url: &Url) -> Result<usize, LiveError> {
        self.send(
            "GET",
            url,
            vec![("Accept".into(), "application/json".into())],
            None,
        )
    }

    pub fn response(&self, i: usize) -> &Response {
        self.exchanges[i]
            .response
            .as_ref()
            .expect("live exchanges always have a response")
    }
}

fn io_error_text(e: &std::io::Error, timeout: Duration) -> String {
    let s = e.to_string().to_ascii_lowercase();
    if e.kind() == std::io::ErrorKind::TimedOut || s.contains("timed out") {
        format!("timed out after {} s (--timeout)", timeout.as_secs_f64())
    } else {
        e.to_string()
    }
}

/// A one-line, classified description of a failed request.
fn describe_error(e: &reqwest::Error, connect_timeout: Duration, timeout: Duration) -> String {
    let mut chain = Vec::new();
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = src {
        chain.push(s.to_string());
        src = s.source();
    }
    let deepest = chain.last().cloned().unwrap_or_default();
    let all = chain.join(": ").to_ascii_lowercase();
    let class = if e.is_timeout() || all.contains("timed out") || all.contains("deadline") {
        if e.is_connect() {
            format!(
                "connect timed out after {} s (--connect-timeout)",
                connect_timeout.as_secs_f64()
            )
        } else {
            format!(
                "timed out after {} s waiting for the server (--timeout)",
                timeout.as_secs_f64()
            )
        }
    } else if all.contains("connection refused") {
        "connection refused: nothing listens at that address and port".to_string()
    } else if all.contains("dns error")
        || all.contains("failed to lookup address")
        || all.contains("name or service not known")
        || all.contains("no address associated")
    {
        "DNS lookup failed: the host name does not resolve".to_string()
    } else if all.contains("certificate")
        || all.contains("tls")
        || all.contains("handshake")
        || all.contains("ssl")
        || all.contains("corrupt message")
    {
        let why = if all.contains("unknownissuer") || all.contains("causedasendentity") {
            ": the server's certificate is self-signed or from a CA this machine does not trust (add that CA with --cacert FILE)"
        } else if all.contains("notvalidforname") {
            ": the server's certificate is not valid for this host name"
        } else if all.contains("expired") {
            ": the server's certificate has expired (or this machine's clock is wrong)"
        } else if all.contains("certificaterequired") || all.contains("badcertificate") {
            ": the server wants a client certificate it accepts (--client-cert and --client-key)"
        } else if all.contains("invalidcontenttype") || all.contains("corrupt message") {
            ": the server does not speak TLS on this port (http:// instead of https://?)"
        } else {
            ""
        };
        format!("TLS handshake failed{why}")
    } else if all.contains("connection reset") || all.contains("connection closed") {
        "the server closed the connection".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "request failed".to_string()
    };
    if deepest.is_empty() || class.contains(&deepest) {
        class
    } else {
        format!("{class} ({deepest})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls() {
        for u in [
            "http://127.0.0.1:8080/token",
            "http://127.9.9.9/",
            "http://localhost/x",
            "http://api.localhost/",
            "http://[::1]:99/",
        ] {
            assert!(is_loopback(&Url::parse(u).unwrap()), "{u}");
        }
        for u in [
            "http://10.0.0.1/",
            "http://idp.example/",
            "http://127.0.0.1.nip.io/",
        ] {
            assert!(!is_loopback(&Url::parse(u).unwrap()), "{u}");
        }
    }
}
