//! Live mode: make the OAuth requests a user's client would make (discovery, device
//! authorization, the token request with any grant and client authentication, JWKS, userinfo)
//! and record each one as an [`Exchange`] of the same model a capture produces, so the same
//! pipeline diagnoses it. The only module that touches the network.
//!
//! It never diagnoses (rules do) and never prints: progress goes through a callback. Network
//! failures are recorded as exchanges with status 0 and `transport_error`, not returned as
//! errors; [`LiveError`] is for what stops the tool from doing its job (bad keys, a secret that
//! would go over plain http). Safety: no redirects are followed, timeouts are always set, TLS is
//! verified unless `insecure`, proxies from the environment are used except for loopback hosts,
//! response bodies are capped (the cap is recorded as an annotation header, see
//! [`ANNOTATION_PREFIX`]).

use crate::model::{Exchange, Headers, Kind, Provenance, Request, Response};
use crate::oauth::jwks::{self, KeySet, Verification};
use crate::redact::{Named, Secret, fingerprint, is_secret_header, is_secret_name};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::Timestamp;
use serde_json::{Map, Value, json};
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

pub const GRANT_DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
pub const GRANT_JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
pub const GRANT_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ASSERTION_TYPE_JWT: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// What stops live mode before or between requests (exit 2); network failures are not errors.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(
        "refusing to send {what} over plain http to `{host}` (not a loopback address): anyone on the path can read it; use https, or pass --allow-insecure-http if this is really intended"
    )]
    InsecureHttp { what: String, host: String },
    #[error("{0}")]
    Config(String),
    #[error("private key {file}: {msg}")]
    Key { file: String, msg: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// Client authentication methods (RFC 6749 §2.3, RFC 7523 §2.2, RFC 8705 §2, OIDC Core §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    ClientSecretJwt,
    PrivateKeyJwt,
    TlsClientAuth,
    None,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::ClientSecretJwt => "client_secret_jwt",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
            AuthMethod::TlsClientAuth => "tls_client_auth",
            AuthMethod::None => "none",
        }
    }
}

/// The grant to request, with the values it needs.
#[derive(Debug, Clone)]
pub enum Grant {
    ClientCredentials,
    AuthorizationCode {
        code: Secret,
        redirect_uri: Option<String>,
        code_verifier: Option<Secret>,
    },
    RefreshToken {
        refresh_token: Secret,
    },
    Password {
        username: String,
        password: Secret,
    },
    /// RFC 8628: device authorization, then polling.
    DeviceCode,
    /// RFC 7523 §2.1.
    JwtBearer {
        assertion: Secret,
    },
    /// RFC 8693.
    TokenExchange {
        subject_token: Secret,
        subject_token_type: String,
        actor_token: Option<(Secret, String)>,
        requested_token_type: Option<String>,
    },
    /// Any other `grant_type` string, sent verbatim (extension grants, or reproducing a typo).
    Other(String),
}

impl Grant {
    pub fn grant_type(&self) -> &str {
        match self {
            Grant::ClientCredentials => "client_credentials",
            Grant::AuthorizationCode { .. } => "authorization_code",
            Grant::RefreshToken { .. } => "refresh_token",
            Grant::Password { .. } => "password",
            Grant::DeviceCode => GRANT_DEVICE_CODE,
            Grant::JwtBearer { .. } => GRANT_JWT_BEARER,
            Grant::TokenExchange { .. } => GRANT_TOKEN_EXCHANGE,
            Grant::Other(g) => g,
        }
    }
}

/// Expand a short token-type name (`access_token`, `jwt`, …) to its RFC 8693 URN.
pub fn token_type_urn(s: &str) -> String {
    match s {
        "access_token" | "refresh_token" | "id_token" | "saml1" | "saml2" | "jwt" => {
            format!("urn:ietf:params:oauth:token-type:{s}")
        }
        other => other.to_string(),
    }
}

/// A private key for `private_key_jwt` (or a signed `client_secret_jwt` secret).
#[derive(Clone)]
pub struct SigningKey {
    key: jsonwebtoken::EncodingKey,
    /// The default algorithm for this key type (RS256, ES256, ES384, EdDSA).
    pub alg: jsonwebtoken::Algorithm,
    /// The key id from the JWK, if any.
    pub kid: Option<String>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Load a private key: PEM (PKCS#8 or PKCS#1 RSA, PKCS#8 EC P-256/P-384 or Ed25519) or a
    /// private JWK (RSA, EC, OKP), as a file's bytes.
    pub fn load(file: &str, bytes: &[u8]) -> Result<SigningKey, LiveError> {
        let err = |msg: String| LiveError::Key {
            file: file.to_string(),
            msg,
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|_| err("not text: expected a PEM file or a JWK (JSON)".into()))?;
        let t = text.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('{') {
            let v: Value =
                serde_json::from_str(t).map_err(|e| err(format!("not a JSON JWK: {e}")))?;
            let jwk = match v.get("keys").and_then(Value::as_array) {
                Some(keys) if keys.len() == 1 => keys[0].clone(),
                Some(_) => return Err(err("a JWK set with several keys: give one key".into())),
                None => v,
            };
            return jwk_signing_key(&jwk).map_err(err);
        }
        if !t.starts_with("-----BEGIN") {
            return Err(err(
                "expected a PEM file (-----BEGIN ...) or a JWK (JSON)".into()
            ));
        }
        if t.contains("ENCRYPTED") {
            return Err(err(
                "the key is encrypted; decrypt it first (openssl pkcs8 -in key.pem -nocrypt)"
                    .into(),
            ));
        }
        use jsonwebtoken::{Algorithm, EncodingKey};
        if let Ok(key) = EncodingKey::from_rsa_pem(t.as_bytes()) {
            return Ok(SigningKey {
                key,
                alg: Algorithm::RS256,
                kid: None,
            });
        }
        if let Ok(key) = EncodingKey::from_ec_pem(t.as_bytes()) {
            for alg in [Algorithm::ES256, Algorithm::ES384] {
                if jsonwebtoken::crypto::sign(b"probe", &key, alg).is_ok() {
                    return Ok(SigningKey {
                        key,
                        alg,
                        kid: None,
                    });
                }
            }
            return Err(err(
                "an EC key on a curve this build cannot sign with (P-256 and P-384 only)".into(),
            ));
        }
        if let Ok(key) = EncodingKey::from_ed_pem(t.as_bytes()) {
            return Ok(SigningKey {
                key,
                alg: Algorithm::EdDSA,
                kid: None,
            });
        }
        Err(err(
            "not a private key this tool can use (RSA, EC P-256/P-384 or Ed25519, PKCS#8 PEM; convert with `openssl pkcs8 -topk8 -nocrypt`)".into(),
        ))
    }
}

fn b64u(v: &Value, name: &str) -> Result<Vec<u8>, String> {
    let s = v
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the JWK has no `{name}` member (is it the private key?)"))?;
    URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| format!("the JWK member `{name}` is not base64url"))
}

fn der_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        let mut out = vec![0x80 | bytes.len() as u8];
        out.extend(bytes);
        out
    }
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_len(content.len()));
    out.extend_from_slice(content);
    out
}

fn der_uint(bytes: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut content = if trimmed.is_empty() { vec![0] } else { trimmed };
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    der(0x02, &content)
}

/// A private JWK as a jsonwebtoken key: RSA → PKCS#1 DER, EC and OKP → PKCS#8 DER.
fn jwk_signing_key(jwk: &Value) -> Result<SigningKey, String> {
    use jsonwebtoken::{Algorithm, EncodingKey};
    let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_string);
    let declared = jwk.get("alg").and_then(Value::as_str);
    let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or("");
    let (key, default_alg) = match kty {
        "RSA" => {
            let mut seq = der_uint(&[0]);
            for m in ["n", "e", "d", "p", "q", "dp", "dq", "qi"] {
                seq.extend(der_uint(&b64u(jwk, m)?));
            }
            (
                EncodingKey::from_rsa_der(&der(0x30, &seq)),
                Algorithm::RS256,
            )
        }
        "EC" => {
            let crv = jwk.get("crv").and_then(Value::as_str).unwrap_or("");
            let (oid, alg, size): (&[u8], _, usize) = match crv {
                "P-256" => (
                    &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07],
                    Algorithm::ES256,
                    32,
                ),
                "P-384" => (
                    &[0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22],
                    Algorithm::ES384,
                    48,
                ),
                other => {
                    return Err(format!(
                        "EC curve `{other}` is not supported (P-256, P-384)"
                    ));
                }
            };
            let mut d = b64u(jwk, "d")?;
            while d.len() < size {
                d.insert(0, 0);
            }
            let mut ec = der_uint(&[1]);
            ec.extend(der(0x04, &d));
            // The public key is left out: the signer derives it from `d`.
            let mut alg_id = vec![0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
            alg_id.extend_from_slice(oid);
            let mut seq = der_uint(&[0]);
            seq.extend(der(0x30, &alg_id));
            seq.extend(der(0x04, &der(0x30, &ec)));
            (EncodingKey::from_ec_der(&der(0x30, &seq)), alg)
        }
        "OKP" => {
            if jwk.get("crv").and_then(Value::as_str) != Some("Ed25519") {
                return Err("only Ed25519 OKP keys are supported".into());
            }
            let d = b64u(jwk, "d")?;
            let mut seq = der_uint(&[0]);
            seq.extend(der(0x30, &[0x06, 0x03, 0x2B, 0x65, 0x70]));
            seq.extend(der(0x04, &der(0x04, &d)));
            (EncodingKey::from_ed_der(&der(0x30, &seq)), Algorithm::EdDSA)
        }
        "" => return Err("the JWK has no `kty`".into()),
        other => return Err(format!("JWK key type `{other}` cannot sign assertions")),
    };
    let alg = match declared {
        Some(a) => a
            .parse::<Algorithm>()
            .map_err(|_| format!("the JWK's `alg` `{a}` is not supported"))?,
        None => default_alg,
    };
    jsonwebtoken::crypto::sign(b"probe", &key, alg)
        .map_err(|e| format!("the JWK is not a usable {kty} private key: {e}"))?;
    Ok(SigningKey { key, alg, kid })
}

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

/// Everything live mode needs, validated by the caller (`app`).
#[derive(Debug, Clone)]
pub struct LiveConfig {
    pub issuer: Option<String>,
    pub token_url: Option<String>,
    pub device_authorization_url: Option<String>,
    /// A JWKS URL to verify returned tokens with (instead of the metadata's `jwks_uri`).
    pub jwks_url: Option<String>,
    /// A JWKS already loaded from a file.
    pub jwks_file: Option<(String, String)>,
    /// `None`: no token request (only `--userinfo` with `access_token`).
    pub grant: Option<Grant>,
    /// The authorization request URL the code came from, recorded (request only) as evidence.
    pub authorize_url: Option<String>,
    pub client_id: Option<String>,
    /// Empty: chosen from what was given (secret → basic, key → private_key_jwt, …).
    pub auth_methods: Vec<AuthMethod>,
    pub client_secret: Option<Secret>,
    pub private_key: Option<SigningKey>,
    pub key_id: Option<String>,
    pub signing_alg: Option<jsonwebtoken::Algorithm>,
    pub assertion_audience: Option<String>,
    pub scope: Option<String>,
    pub audience: Vec<String>,
    pub resource: Vec<String>,
    pub extra: Vec<(String, String)>,
    pub omit: Vec<String>,
    pub json_body: bool,
    pub userinfo: bool,
    pub access_token: Option<Secret>,
    pub allow_insecure_http: bool,
    pub net: NetConfig,
}

/// What a run produced: the recorded exchanges (in order) and the token signature checks.
#[derive(Debug, Default)]
pub struct Outcome {
    pub exchanges: Vec<Exchange>,
    /// The exchange of the (last) token request, when one was made.
    pub token_exchange: Option<usize>,
    pub token_checks: Vec<TokenCheck>,
    /// Discovery gave no usable metadata: the recorded failing exchange and every URL tried.
    pub discovery_failed: Option<(usize, Vec<String>)>,
    /// The metadata's `issuer` is not exactly the `--issuer` given: (discovery exchange,
    /// configured, published). Only live mode knows the configured string.
    pub issuer_mismatch: Option<(usize, String, String)>,
}

/// The signature check of one token returned by the server.
#[derive(Debug, Clone)]
pub struct TokenCheck {
    /// Index of the exchange whose response carried the token.
    pub exchange: usize,
    /// `access_token` or `id_token`.
    pub field: &'static str,
    pub verification: Verification,
    /// Where the keys came from (a URL or a file).
    pub keys_from: String,
}

/// Progress messages for people (stderr); `important` ones are shown even with `--quiet`.
pub trait Progress {
    fn say(&mut self, important: bool, msg: &str);
}

impl<F: FnMut(bool, &str)> Progress for F {
    fn say(&mut self, important: bool, msg: &str) {
        self(important, msg)
    }
}

/// Whether a URL's host is a loopback host ([`crate::model::is_loopback_host`]).
pub fn is_loopback(url: &Url) -> bool {
    url.host_str().is_some_and(crate::model::is_loopback_host)
}

/// Parse and check a URL given by the user or by metadata (http or https only).
pub fn parse_url(what: &str, s: &str) -> Result<Url, LiveError> {
    let u = Url::parse(s.trim())
        .map_err(|e| LiveError::Config(format!("{what} `{s}` is not a URL: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(LiveError::Config(format!(
            "{what} `{s}` must be an http or https URL"
        )));
    }
    Ok(u)
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
        });
        Ok(entry)
    }

    /// Record a request that was made elsewhere (the browser's authorization request), without
    /// a response.
    pub fn record_request_only(&mut self, method: &str, url: &Url) {
        let entry = self.exchanges.len();
        self.exchanges.push(Exchange {
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

/// A request parameter: plain, or a secret (fingerprinted when saved).
#[derive(Debug, Clone)]
enum Val {
    Plain(String),
    Secret(Secret),
}

impl Val {
    fn expose(&self) -> &str {
        match self {
            Val::Plain(s) => s,
            Val::Secret(s) => s.expose(),
        }
    }
}

/// Request headers in sending order.
type HeaderList = Vec<(String, String)>;

fn random_hex(bytes: usize) -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::new();
    while out.len() < bytes * 2 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(bytes * 2);
    out
}

/// Where the run is: the metadata and endpoints it works with.
struct Plan<'a> {
    cfg: &'a LiveConfig,
    metadata: Option<Value>,
    token_url: Option<Url>,
    auth: Vec<AuthMethod>,
}

impl Plan<'_> {
    fn meta_str(&self, key: &str) -> Option<&str> {
        self.metadata.as_ref()?.get(key)?.as_str()
    }

    fn client_id(&self) -> Result<&str, LiveError> {
        self.cfg.client_id.as_deref().ok_or_else(|| {
            LiveError::Config("--client-id is required for client authentication".into())
        })
    }

    /// A fresh client assertion (RFC 7523 §2.2 / OIDC Core §9): iss = sub = client_id, `aud`
    /// the token endpoint (or --assertion-audience), a new `jti`, `exp` 60 s ahead.
    fn assertion(&self, method: AuthMethod, audience: &str) -> Result<String, LiveError> {
        use jsonwebtoken::{Algorithm, EncodingKey, Header};
        let client_id = self.client_id()?;
        let (key, mut alg, kid) = match method {
            AuthMethod::ClientSecretJwt => {
                let secret = self.cfg.client_secret.as_ref().ok_or_else(|| {
                    LiveError::Config(
                        "client_secret_jwt needs the client secret (--client-secret-env or --client-secret-file)".into(),
                    )
                })?;
                let key = EncodingKey::from_secret(secret.expose().as_bytes())
                    .map_err(|e| LiveError::Config(format!("client secret: {e}")))?;
                (key, Algorithm::HS256, None)
            }
            _ => {
                let k = self.cfg.private_key.as_ref().ok_or_else(|| {
                    LiveError::Config("private_key_jwt needs --private-key FILE".into())
                })?;
                (k.key.clone(), k.alg, k.kid.clone())
            }
        };
        if let Some(a) = self.cfg.signing_alg {
            alg = a;
        }
        let mut header = Header::new(alg);
        header.kid = self.cfg.key_id.clone().or(kid);
        let now = Timestamp::now().as_second();
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": self.cfg.assertion_audience.as_deref().unwrap_or(audience),
            "jti": random_hex(16),
            "iat": now,
            "exp": now + 60,
        });
        jsonwebtoken::encode(&header, &claims, &key).map_err(|e| {
            LiveError::Config(format!(
                "cannot sign the client assertion with {alg:?}: {e}"
            ))
        })
    }

    /// Client authentication for a request to `endpoint`: body parameters and headers.
    fn client_auth(
        &self,
        params: &mut Vec<(String, Val)>,
        headers: &mut Vec<(String, String)>,
    ) -> Result<(), LiveError> {
        let audience = self
            .token_url
            .as_ref()
            .map(|u| u.to_string())
            .unwrap_or_default();
        let mut id_in_body = false;
        for m in &self.auth {
            match m {
                AuthMethod::ClientSecretBasic => {
                    let id = self.client_id()?;
                    let secret = self.cfg.client_secret.as_ref().ok_or_else(|| {
                        LiveError::Config(
                            "client_secret_basic needs the client secret (--client-secret-env or --client-secret-file)".into(),
                        )
                    })?;
                    // RFC 6749 §2.3.1: form-urlencode id and secret, then base64.
                    let pair = format!(
                        "{}:{}",
                        crate::oauth::basic::form_encode(id),
                        crate::oauth::basic::form_encode(secret.expose())
                    );
                    headers.push((
                        "Authorization".into(),
                        format!("Basic {}", STANDARD.encode(pair)),
                    ));
                }
                AuthMethod::ClientSecretPost => {
                    let secret = self.cfg.client_secret.clone().ok_or_else(|| {
                        LiveError::Config(
                            "client_secret_post needs the client secret (--client-secret-env or --client-secret-file)".into(),
                        )
                    })?;
                    id_in_body = true;
                    params.push(("client_secret".into(), Val::Secret(secret)));
                }
                AuthMethod::ClientSecretJwt | AuthMethod::PrivateKeyJwt => {
                    let a = self.assertion(*m, &audience)?;
                    id_in_body = true;
                    params.push((
                        "client_assertion_type".into(),
                        Val::Plain(ASSERTION_TYPE_JWT.into()),
                    ));
                    params.push(("client_assertion".into(), Val::Secret(Secret::new(a))));
                }
                AuthMethod::TlsClientAuth | AuthMethod::None => id_in_body = true,
            }
        }
        if id_in_body {
            let id = self.client_id()?.to_string();
            params.insert(0, ("client_id".into(), Val::Plain(id)));
        }
        Ok(())
    }
}

fn refuse_insecure(
    url: &Url,
    what: &str,
    allow: bool,
    progress: &mut dyn Progress,
) -> Result<(), LiveError> {
    if url.scheme() == "http" && !is_loopback(url) {
        if !allow {
            return Err(LiveError::InsecureHttp {
                what: what.to_string(),
                host: url.host_str().unwrap_or("").to_string(),
            });
        }
        progress.say(
            true,
            &format!(
                "warning: sending {what} over plain http to {} (--allow-insecure-http)",
                url.host_str().unwrap_or("")
            ),
        );
    }
    Ok(())
}

/// The metadata URLs to try for an issuer: OpenID Connect Discovery §4 (append), then
/// RFC 8414 §3 (insert before the path).
pub fn metadata_urls(issuer: &Url) -> Vec<Url> {
    let mut base = issuer.clone();
    base.set_query(None);
    base.set_fragment(None);
    let path = base.path().trim_end_matches('/').to_string();
    let mut oidc = base.clone();
    oidc.set_path(&format!("{path}/.well-known/openid-configuration"));
    let mut out = vec![oidc];
    let mut oauth = base.clone();
    oauth.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    out.push(oauth);
    if !path.is_empty() {
        let mut legacy = base;
        legacy.set_path(&format!("{path}/.well-known/oauth-authorization-server"));
        out.push(legacy);
    }
    out
}

/// Fetch the issuer's metadata; records the exchange that answered (or the first failure).
/// Returns the metadata document when one was found.
pub fn discover(
    http: &mut Http,
    issuer: &Url,
    progress: &mut dyn Progress,
) -> Result<Option<Value>, LiveError> {
    let mut first_failure: Option<Exchange> = None;
    http.tried.clear();
    for url in metadata_urls(issuer) {
        http.tried.push(url.to_string());
        let i = http.get_json(&url)?;
        let r = http.response(i);
        progress.say(false, &format!("GET {url} → {}", status_line(r)));
        let doc = r
            .json
            .clone()
            .filter(|d| r.is_success() && d.get("issuer").is_some());
        if let Some(doc) = doc {
            return Ok(Some(doc));
        }
        // Unreachable host or a server error: trying other paths would fail the same way.
        let give_up = r.status == 0 || r.status >= 500 || r.is_redirect();
        let e = http.exchanges.pop().expect("just recorded");
        if first_failure.is_none() {
            first_failure = Some(e);
        }
        if give_up {
            break;
        }
    }
    // Keep the first failure as the evidence (DISC rules judge it).
    if let Some(mut e) = first_failure {
        e.index = http.exchanges.len();
        e.source.entry = e.index;
        http.exchanges.push(e);
    }
    Ok(None)
}

fn status_line(r: &Response) -> String {
    match (&r.transport_error, r.status) {
        (Some(t), 0) => format!("failed: {t}"),
        _ => {
            let mut s = r.status.to_string();
            if let Some(e) = r.field("error") {
                s.push_str(&format!(" {e}"));
            }
            if r.headers.contains(TRUNCATED_HEADER) {
                s.push_str(" (body capped)");
            }
            s
        }
    }
}

fn encode_body(params: &[(String, Val)], json_body: bool) -> String {
    if json_body {
        let mut m = Map::new();
        for (k, v) in params {
            m.insert(k.clone(), Value::String(v.expose().to_string()));
        }
        Value::Object(m).to_string()
    } else {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            s.append_pair(k, v.expose());
        }
        s.finish()
    }
}

fn contains_secret(params: &[(String, Val)], headers: &[(String, String)]) -> Option<String> {
    if let Some((k, _)) = params.iter().find(|(_, v)| matches!(v, Val::Secret(_))) {
        return Some(format!("`{k}`"));
    }
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|_| "the client credentials (Authorization header)".to_string())
}

/// Run live mode: discovery (with an issuer), the grant, then JWKS verification of returned
/// tokens and the optional userinfo call. Every request is recorded in the outcome.
pub fn run(cfg: &LiveConfig, progress: &mut dyn Progress) -> Result<Outcome, LiveError> {
    let mut http = Http::new(cfg.net.clone());
    if cfg.net.insecure {
        progress.say(
            true,
            "warning: TLS certificate verification is off (--insecure); the exchanges are marked so",
        );
    }
    let mut plan = Plan {
        cfg,
        metadata: None,
        token_url: None,
        auth: cfg.auth_methods.clone(),
    };
    if let Some(u) = &cfg.authorize_url {
        let u = parse_url("--authorize-url", u)?;
        http.record_request_only("GET", &u);
    }
    let mut discovery_failed = None;
    let mut issuer_mismatch = None;
    if let Some(given) = &cfg.issuer {
        let iss = parse_url("--issuer", given)?;
        plan.metadata = discover(&mut http, &iss, progress)?;
        let published = plan.meta_str("issuer").map(str::to_string);
        if let Some(published) = published.filter(|p| p != given.trim()) {
            progress.say(
                true,
                &format!(
                    "warning: the metadata's issuer is `{published}`, not `{}` as given: validators compare issuers exactly (OIDC Discovery §4.3); configure `{published}`",
                    given.trim()
                ),
            );
            issuer_mismatch = Some((
                http.exchanges.len() - 1,
                given.trim().to_string(),
                published,
            ));
        }
        if plan.metadata.is_none() {
            progress.say(
                true,
                "no usable metadata from the issuer: diagnosing the discovery request",
            );
            discovery_failed = http
                .exchanges
                .len()
                .checked_sub(1)
                .map(|i| (i, http.tried.clone()));
            if cfg.token_url.is_none() {
                return Ok(Outcome {
                    exchanges: http.exchanges,
                    token_exchange: None,
                    token_checks: Vec::new(),
                    discovery_failed,
                    issuer_mismatch: None,
                });
            }
        }
    }
    plan.token_url = match (&cfg.token_url, plan.meta_str("token_endpoint")) {
        (Some(u), _) => Some(parse_url("--token-url", u)?),
        (None, Some(u)) => Some(parse_url("the metadata's token_endpoint", u)?),
        (None, None) if cfg.grant.is_some() => {
            return Err(LiveError::Config(
                "no token endpoint: the metadata has no `token_endpoint`; pass --token-url".into(),
            ));
        }
        (None, None) => None,
    };
    if plan.auth.is_empty() {
        plan.auth = vec![default_auth(cfg, plan.metadata.as_ref())];
    }
    if let (Some(t), Some(iss)) = (&plan.token_url, &cfg.issuer) {
        let iss_host = Url::parse(iss.trim())
            .ok()
            .and_then(|u| u.host_str().map(str::to_string));
        if t.host_str() != iss_host.as_deref() && cfg.token_url.is_none() {
            progress.say(
                false,
                &format!(
                    "the metadata puts the token endpoint on another host: {}",
                    t.host_str().unwrap_or("")
                ),
            );
        }
    }

    let mut token_exchange = None;
    if let Some(grant) = &cfg.grant {
        let token_url = plan.token_url.clone().expect("checked above");
        let device_code = if matches!(grant, Grant::DeviceCode) {
            match device_authorize(&mut http, &plan, progress)? {
                Some(dc) => Some(dc),
                None => {
                    return Ok(Outcome {
                        exchanges: http.exchanges,
                        token_exchange: None,
                        token_checks: Vec::new(),
                        discovery_failed,
                        issuer_mismatch: None,
                    });
                }
            }
        } else {
            None
        };
        let i = match device_code {
            Some(dc) => poll_device(&mut http, &plan, &token_url, dc, progress)?,
            None => {
                let (params, headers) = token_request(&plan, grant, None)?;
                send_token(&mut http, &plan, &token_url, params, headers, progress)?
            }
        };
        token_exchange = Some(i);
    }

    let mut checks = Vec::new();
    let access_token: Option<Secret> = match token_exchange {
        Some(i) => http
            .response(i)
            .json
            .as_ref()
            .and_then(|j| j.get("access_token"))
            .and_then(Value::as_str)
            .map(Secret::new),
        None => cfg.access_token.clone(),
    };
    if let Some(i) = token_exchange {
        checks = verify_tokens(&mut http, &plan, i, progress)?;
    }
    if cfg.userinfo {
        match (&access_token, plan.meta_str("userinfo_endpoint")) {
            (Some(at), Some(u)) => {
                let url = parse_url("the metadata's userinfo_endpoint", u)?;
                refuse_insecure(&url, "the access token", cfg.allow_insecure_http, progress)?;
                let i = http.send(
                    "GET",
                    &url,
                    vec![
                        ("Accept".into(), "application/json".into()),
                        ("Authorization".into(), format!("Bearer {}", at.expose())),
                    ],
                    None,
                )?;
                progress.say(
                    false,
                    &format!("GET {url} → {}", status_line(http.response(i))),
                );
            }
            (None, _) => progress.say(
                true,
                "no access token to call userinfo with (the token request failed)",
            ),
            (_, None) => progress.say(
                true,
                "--userinfo: the metadata has no `userinfo_endpoint` (is --issuer set?)",
            ),
        }
    }
    Ok(Outcome {
        exchanges: http.exchanges,
        token_exchange,
        token_checks: checks,
        discovery_failed,
        issuer_mismatch,
    })
}

/// The method used when none was asked for: from the credentials given and the metadata.
fn default_auth(cfg: &LiveConfig, metadata: Option<&Value>) -> AuthMethod {
    if cfg.private_key.is_some() {
        return AuthMethod::PrivateKeyJwt;
    }
    if cfg.net.identity_pem.is_some() {
        return AuthMethod::TlsClientAuth;
    }
    if cfg.client_secret.is_some() {
        let supported: Vec<&str> = metadata
            .and_then(|m| m.get("token_endpoint_auth_methods_supported"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !supported.is_empty()
            && !supported.contains(&"client_secret_basic")
            && supported.contains(&"client_secret_post")
        {
            return AuthMethod::ClientSecretPost;
        }
        return AuthMethod::ClientSecretBasic;
    }
    AuthMethod::None
}

/// The parameters and headers of a token request.
fn token_request(
    plan: &Plan<'_>,
    grant: &Grant,
    device_code: Option<&Secret>,
) -> Result<(Vec<(String, Val)>, HeaderList), LiveError> {
    let cfg = plan.cfg;
    let mut p: Vec<(String, Val)> = vec![(
        "grant_type".into(),
        Val::Plain(grant.grant_type().to_string()),
    )];
    let plain = |k: &str, v: &str| (k.to_string(), Val::Plain(v.to_string()));
    let secret = |k: &str, v: &Secret| (k.to_string(), Val::Secret(v.clone()));
    match grant {
        Grant::ClientCredentials | Grant::Other(_) => {}
        Grant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            p.push(secret("code", code));
            if let Some(r) = redirect_uri {
                p.push(plain("redirect_uri", r));
            }
            if let Some(v) = code_verifier {
                p.push(secret("code_verifier", v));
            }
        }
        Grant::RefreshToken { refresh_token } => p.push(secret("refresh_token", refresh_token)),
        Grant::Password { username, password } => {
            p.push(plain("username", username));
            p.push(secret("password", password));
        }
        Grant::DeviceCode => {
            if let Some(dc) = device_code {
                p.push(secret("device_code", dc));
            }
        }
        Grant::JwtBearer { assertion } => p.push(secret("assertion", assertion)),
        Grant::TokenExchange {
            subject_token,
            subject_token_type,
            actor_token,
            requested_token_type,
        } => {
            p.push(secret("subject_token", subject_token));
            p.push(plain("subject_token_type", subject_token_type));
            if let Some((t, ty)) = actor_token {
                p.push(secret("actor_token", t));
                p.push(plain("actor_token_type", ty));
            }
            if let Some(r) = requested_token_type {
                p.push(plain("requested_token_type", r));
            }
        }
    }
    // The device grant's scope and audience went to the device authorization request.
    if !matches!(grant, Grant::DeviceCode) {
        if let Some(s) = &cfg.scope {
            p.push(plain("scope", s));
        }
        for a in &cfg.audience {
            p.push(plain("audience", a));
        }
        for r in &cfg.resource {
            p.push(plain("resource", r));
        }
    }
    let mut headers = vec![("Accept".to_string(), "application/json".to_string())];
    plan.client_auth(&mut p, &mut headers)?;
    finish_params(cfg, &mut p);
    headers.push((
        "Content-Type".into(),
        if cfg.json_body {
            "application/json".into()
        } else {
            "application/x-www-form-urlencoded".into()
        },
    ));
    Ok((p, headers))
}

/// `--extra` parameters are appended, `--omit` names removed.
fn finish_params(cfg: &LiveConfig, p: &mut Vec<(String, Val)>) {
    for (k, v) in &cfg.extra {
        let val = if is_secret_name(k, Named::Param) {
            Val::Secret(Secret::new(v.clone()))
        } else {
            Val::Plain(v.clone())
        };
        p.push((k.clone(), val));
    }
    p.retain(|(k, _)| !cfg.omit.iter().any(|o| o == k));
}

fn send_token(
    http: &mut Http,
    plan: &Plan<'_>,
    url: &Url,
    params: Vec<(String, Val)>,
    headers: Vec<(String, String)>,
    progress: &mut dyn Progress,
) -> Result<usize, LiveError> {
    if let Some(what) = contains_secret(&params, &headers) {
        refuse_insecure(url, &what, plan.cfg.allow_insecure_http, progress)?;
    }
    let body = encode_body(&params, plan.cfg.json_body);
    let i = http.send("POST", url, headers, Some(body))?;
    let methods: Vec<&str> = plan.auth.iter().map(|m| m.as_str()).collect();
    progress.say(
        false,
        &format!(
            "POST {url} ({}, {}) → {}",
            params
                .iter()
                .find(|(k, _)| k == "grant_type")
                .map(|(_, v)| v.expose())
                .unwrap_or("no grant_type"),
            methods.join(" + "),
            status_line(http.response(i))
        ),
    );
    if http.response(i).headers.contains(TRUNCATED_HEADER) {
        progress.say(
            true,
            &format!(
                "warning: the token response was larger than {} bytes and was cut there; a token endpoint never answers that much (a wrong URL, a proxy page or a download?)",
                plan.cfg.net.max_body
            ),
        );
    }
    Ok(i)
}

/// RFC 8628 §3.1–3.3: the device authorization request; shows the user code. Returns the
/// device code, or `None` when the request failed (its exchange is the evidence).
fn device_authorize(
    http: &mut Http,
    plan: &Plan<'_>,
    progress: &mut dyn Progress,
) -> Result<Option<Secret>, LiveError> {
    let cfg = plan.cfg;
    let url = match (
        &cfg.device_authorization_url,
        plan.meta_str("device_authorization_endpoint"),
    ) {
        (Some(u), _) => parse_url("--device-authorization-url", u)?,
        (None, Some(u)) => parse_url("the metadata's device_authorization_endpoint", u)?,
        (None, None) => {
            return Err(LiveError::Config(
                "the device grant needs the device authorization endpoint: pass --issuer (metadata `device_authorization_endpoint`) or --device-authorization-url".into(),
            ));
        }
    };
    let mut p: Vec<(String, Val)> = Vec::new();
    if let Some(s) = &cfg.scope {
        p.push(("scope".into(), Val::Plain(s.clone())));
    }
    for a in &cfg.audience {
        p.push(("audience".into(), Val::Plain(a.clone())));
    }
    for r in &cfg.resource {
        p.push(("resource".into(), Val::Plain(r.clone())));
    }
    let mut headers = vec![("Accept".to_string(), "application/json".to_string())];
    plan.client_auth(&mut p, &mut headers)?;
    headers.push((
        "Content-Type".into(),
        "application/x-www-form-urlencoded".into(),
    ));
    if let Some(what) = contains_secret(&p, &headers) {
        refuse_insecure(&url, &what, cfg.allow_insecure_http, progress)?;
    }
    let i = http.send("POST", &url, headers, Some(encode_body(&p, false)))?;
    let r = http.response(i);
    progress.say(false, &format!("POST {url} → {}", status_line(r)));
    let Some(j) = r.json.as_ref().filter(|_| r.is_success()) else {
        return Ok(None);
    };
    let s = |k: &str| j.get(k).and_then(Value::as_str);
    let (Some(dc), Some(uc)) = (s("device_code"), s("user_code")) else {
        return Ok(None);
    };
    let uri = s("verification_uri")
        .or(s("verification_url"))
        .unwrap_or("");
    progress.say(
        true,
        &format!("to approve this device, open {uri} and enter the code {uc}"),
    );
    if let Some(c) = s("verification_uri_complete") {
        progress.say(true, &format!("(or open {c})"));
    }
    Ok(Some(Secret::new(dc)))
}

/// RFC 8628 §3.4–3.5: poll at the server's interval (5 s by default), +5 s on `slow_down`, until
/// tokens, another error, or the device code's expiry. Only the last poll is recorded (the
/// pending ones are the normal wait, not evidence).
fn poll_device(
    http: &mut Http,
    plan: &Plan<'_>,
    url: &Url,
    device_code: Secret,
    progress: &mut dyn Progress,
) -> Result<usize, LiveError> {
    let da = http.exchanges.len() - 1;
    let j = http.response(da).json.clone().unwrap_or(Value::Null);
    let mut interval = j
        .get("interval")
        .and_then(Value::as_u64)
        .unwrap_or(5)
        .max(1);
    let expires = j
        .get("expires_in")
        .and_then(Value::as_u64)
        .unwrap_or(1800)
        .min(3600);
    let deadline = Instant::now() + Duration::from_secs(expires);
    loop {
        std::thread::sleep(Duration::from_secs(interval));
        let (params, headers) = token_request(plan, &Grant::DeviceCode, Some(&device_code))?;
        let i = send_token(http, plan, url, params, headers, progress)?;
        let r = http.response(i);
        let err = r.field("error").map(str::to_string);
        match err.as_deref() {
            Some("authorization_pending") if Instant::now() < deadline => {
                http.exchanges.pop();
            }
            Some("slow_down") if Instant::now() < deadline => {
                interval += 5;
                progress.say(
                    false,
                    &format!("slow_down: polling every {interval} s from now on"),
                );
                http.exchanges.pop();
            }
            _ => return Ok(i),
        }
    }
}

/// Fetch the JWKS and verify the signatures of JWT access and ID tokens in a token response.
fn verify_tokens(
    http: &mut Http,
    plan: &Plan<'_>,
    token_exchange: usize,
    progress: &mut dyn Progress,
) -> Result<Vec<TokenCheck>, LiveError> {
    let r = http.response(token_exchange);
    let Some(j) = r.json.as_ref().filter(|_| r.is_success()) else {
        return Ok(Vec::new());
    };
    let tokens: Vec<(&'static str, String)> = ["access_token", "id_token"]
        .into_iter()
        .filter_map(|f| {
            j.get(f)
                .and_then(Value::as_str)
                .filter(|t| crate::oauth::jwt::looks_like_jwt(t))
                .map(|t| (f, t.to_string()))
        })
        .collect();
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    let (keys, from): (Result<KeySet, String>, String) =
        if let Some((file, text)) = &plan.cfg.jwks_file {
            (
                jwks::parse(text).map_err(|e| format!("{file} {e}")),
                file.clone(),
            )
        } else {
            let url = match (&plan.cfg.jwks_url, plan.meta_str("jwks_uri")) {
                (Some(u), _) => parse_url("--jwks", u)?,
                (None, Some(u)) => parse_url("the metadata's jwks_uri", u)?,
                (None, None) => {
                    progress.say(
                        true,
                        "token signatures NOT verified: no key set (pass --issuer or --jwks)",
                    );
                    return Ok(Vec::new());
                }
            };
            let i = http.get_json(&url)?;
            let r = http.response(i);
            progress.say(false, &format!("GET {url} → {}", status_line(r)));
            let keys = match (&r.transport_error, r.status, &r.body) {
                (Some(t), 0, _) => Err(format!("{url}: {t}")),
                (_, 200, Some(b)) => jwks::parse(b).map_err(|e| format!("{url} {e}")),
                (_, s, _) => Err(format!("{url} answered {s}")),
            };
            (keys, url.to_string())
        };
    let keys = match keys {
        Ok(k) => k,
        Err(e) => {
            progress.say(
                true,
                &format!("token signatures NOT verified: the key set is unusable: {e}"),
            );
            return Ok(Vec::new());
        }
    };
    for s in &keys.skipped {
        progress.say(false, &format!("key set: {s}"));
    }
    let mut out = Vec::new();
    for (field, token) in tokens {
        let v = jwks::verify(&token, &keys);
        progress.say(!v.is_verified(), &format!("{field}: {}", v.describe()));
        out.push(TokenCheck {
            exchange: token_exchange,
            field,
            verification: v,
            keys_from: from.clone(),
        });
    }
    Ok(out)
}

/// Fetch one document for `inspect` (a JWKS or metadata) without recording it for a report.
pub fn fetch_text(net: &NetConfig, url: &Url) -> Result<String, String> {
    let mut http = Http::new(net.clone());
    let i = http.get_json(url).map_err(|e| e.to_string())?;
    let r = http.response(i);
    if let (Some(t), 0) = (&r.transport_error, r.status) {
        return Err(format!("GET {url}: {t}"));
    }
    if !r.is_success() {
        return Err(format!("GET {url} answered {}", r.status));
    }
    if r.headers.contains(TRUNCATED_HEADER) {
        return Err(format!(
            "GET {url}: the document is larger than the body cap"
        ));
    }
    Ok(r.body.clone().unwrap_or_default())
}

/// Discover an issuer's `jwks_uri` for `inspect`.
pub fn discover_jwks_uri(net: &NetConfig, issuer: &Url) -> Result<Url, String> {
    let mut http = Http::new(net.clone());
    let mut quiet = |_: bool, _: &str| {};
    let doc = discover(&mut http, issuer, &mut quiet)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            let why = http
                .exchanges
                .last()
                .and_then(|e| e.response.as_ref())
                .map(status_line)
                .unwrap_or_default();
            format!("no metadata found for issuer {issuer} ({why})")
        })?;
    let uri = doc
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the metadata of {issuer} has no `jwks_uri`"))?;
    Url::parse(uri).map_err(|e| format!("jwks_uri `{uri}`: {e}"))
}

// ---------------------------------------------------------------------------------------------
// --save-capture: the dump format with secrets fingerprinted, structure kept

/// The exchanges as an `oauth-doctor/exchanges/v1` document. Unless `show_secrets`, every secret
/// value is replaced by its fingerprint while names, content types and non-secret values stay,
/// so `check` on the file sees the same evidence; JWTs keep their header and claims and lose
/// their signature ([`jwks::REDACTED_SIGNATURE_PREFIX`]).
pub fn to_dump(exchanges: &[Exchange], show_secrets: bool) -> Value {
    let list: Vec<Value> = exchanges
        .iter()
        .map(|e| dump_exchange(e, show_secrets))
        .collect();
    json!({
        "format": "oauth-doctor/exchanges/v1",
        "creator": concat!("oauth-doctor ", env!("CARGO_PKG_VERSION"), " (live)"),
        "exchanges": list,
    })
}

fn dump_exchange(e: &Exchange, show: bool) -> Value {
    let r = &e.request;
    let mut req = json!({
        "method": r.method,
        "url": if show { r.url.clone() } else { redact_url(&r.url) },
        "headers": headers_json(&r.headers, show),
    });
    if let Some(b) = &r.body {
        let media = r.headers.media_type();
        req["body"] = Value::String(if show {
            b.clone()
        } else {
            redact_body(b, media.as_deref())
        });
    }
    let mut out = json!({ "request": req });
    if let Some(t) = e.started_at {
        out["started_at"] = Value::String(t.to_string());
    }
    if let Some(ms) = e.duration_ms {
        out["time"] = json!(ms);
    }
    if let Some(resp) = &e.response {
        let mut o = json!({
            "status": resp.status,
            "headers": headers_json(&resp.headers, show),
        });
        if let Some(b) = &resp.body {
            let media = resp.headers.media_type();
            o["body"] = Value::String(if show {
                b.clone()
            } else {
                redact_body(b, media.as_deref())
            });
        }
        if let Some(t) = &resp.transport_error {
            o["_error"] = Value::String(t.clone());
        }
        out["response"] = o;
    }
    out
}

fn headers_json(h: &Headers, show: bool) -> Value {
    Value::Array(
        h.iter()
            .map(|(k, v)| {
                let v = if show {
                    v.to_string()
                } else {
                    redact_header(k, v)
                };
                json!([k, v])
            })
            .collect(),
    )
}

/// A secret value as saved: a JWT keeps header and claims, anything else becomes its fingerprint.
pub fn redact_value(v: &str) -> String {
    if crate::oauth::jwt::looks_like_jwt(v) {
        let parts: Vec<&str> = v.trim().split('.').collect();
        if parts.len() == 3 && crate::oauth::jwt::decode(v).is_ok() {
            if jwks::is_redacted_signature(parts[2]) {
                return v.to_string();
            }
            use sha2::Digest;
            let d = sha2::Sha256::digest(v.trim().as_bytes());
            let hex: String = d[..4].iter().map(|b| format!("{b:02x}")).collect();
            return format!(
                "{}.{}.{}{hex}",
                parts[0],
                parts[1],
                jwks::REDACTED_SIGNATURE_PREFIX
            );
        }
    }
    fingerprint(v)
}

fn saved_secret_name(k: &str) -> bool {
    is_secret_name(k, Named::Param) || k.ends_with("_token") || k.ends_with("secret")
}

fn redact_params(s: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(s.as_bytes()) {
        if saved_secret_name(&k) && !v.is_empty() {
            out.append_pair(&k, &redact_value(&v));
        } else {
            out.append_pair(&k, &v);
        }
    }
    out.finish()
}

fn redact_url(u: &str) -> String {
    match Url::parse(u) {
        Ok(mut url) => {
            if let Some(q) = url.query().map(str::to_string) {
                url.set_query(Some(&redact_params(&q)));
            }
            if let Some(f) = url.fragment().map(str::to_string) {
                if f.contains('=') {
                    url.set_fragment(Some(&redact_params(&f)));
                }
            }
            url.to_string()
        }
        Err(_) => fingerprint(u),
    }
}

fn redact_json(v: &Value, depth: usize) -> Value {
    if depth > 32 {
        return v.clone();
    }
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, val)| {
                    let nv = match val {
                        Value::String(s) if saved_secret_name(k) && !s.is_empty() => {
                            Value::String(redact_value(s))
                        }
                        Value::String(s) if crate::oauth::jwt::looks_like_jwt(s) => {
                            Value::String(redact_value(s))
                        }
                        other => redact_json(other, depth + 1),
                    };
                    (k.clone(), nv)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| redact_json(x, depth + 1)).collect()),
        other => other.clone(),
    }
}

fn redact_body(b: &str, media: Option<&str>) -> String {
    let t = b.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Value>(b) {
            return redact_json(&v, 0).to_string();
        }
    }
    let form = media == Some("application/x-www-form-urlencoded")
        || (!t.contains(char::is_whitespace) && t.contains('=') && !t.starts_with('<'));
    if form {
        return redact_params(b);
    }
    // Free text (HTML error pages): replace anything JWT-shaped.
    let mut out = String::with_capacity(b.len());
    for (i, word) in b.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if crate::oauth::jwt::looks_like_jwt(word) {
            out.push_str(&redact_value(word));
        } else {
            out.push_str(word);
        }
    }
    out
}

fn redact_header(name: &str, value: &str) -> String {
    let lname = name.to_ascii_lowercase();
    if lname == "location" || lname == "content-location" {
        return redact_url(value);
    }
    if !is_secret_header(&lname) {
        return value.to_string();
    }
    match lname.as_str() {
        "authorization" | "proxy-authorization" => {
            let v = value.trim();
            match v.split_once(char::is_whitespace) {
                Some((scheme, cred)) if scheme.eq_ignore_ascii_case("basic") => {
                    // Keep the client_id and the Basic structure; fingerprint the secret.
                    match crate::capture_support::decode_basic(cred.trim()).and_then(|d| {
                        d.split_once(':')
                            .map(|(a, b)| (a.to_string(), b.to_string()))
                    }) {
                        Some((id, secret)) => {
                            let clear = crate::oauth::basic::form_decode(&secret);
                            let pair = format!(
                                "{id}:{}",
                                crate::oauth::basic::form_encode(&fingerprint(&clear))
                            );
                            format!("{scheme} {}", STANDARD.encode(pair))
                        }
                        None => format!("{scheme} {}", fingerprint(cred.trim())),
                    }
                }
                Some((scheme, cred)) => format!("{scheme} {}", redact_value(cred.trim())),
                None => fingerprint(v),
            }
        }
        "cookie" => value
            .split(';')
            .map(|part| match part.split_once('=') {
                Some((k, v)) => format!("{k}={}", fingerprint(v)),
                None => part.to_string(),
            })
            .collect::<Vec<_>>()
            .join(";"),
        "set-cookie" => {
            let mut parts = value.splitn(2, ';');
            let first = parts.next().unwrap_or("");
            let rest = parts.next();
            let first = match first.split_once('=') {
                Some((k, v)) => format!("{k}={}", fingerprint(v)),
                None => first.to_string(),
            };
            match rest {
                Some(r) => format!("{first};{r}"),
                None => first,
            }
        }
        _ => redact_value(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
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

    #[test]
    fn metadata_urls_follow_both_specs() {
        let u = |s: &str| {
            metadata_urls(&Url::parse(s).unwrap())
                .iter()
                .map(|u| u.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            u("https://idp.example"),
            [
                "https://idp.example/.well-known/openid-configuration",
                "https://idp.example/.well-known/oauth-authorization-server"
            ]
        );
        assert_eq!(
            u("https://idp.example/realms/acme/")[..2],
            [
                "https://idp.example/realms/acme/.well-known/openid-configuration",
                "https://idp.example/.well-known/oauth-authorization-server/realms/acme"
            ]
        );
    }

    #[test]
    fn saved_bodies_keep_names_and_lose_secrets() {
        let b = "grant_type=authorization_code&code=abc123secretcode&redirect_uri=https%3A%2F%2Fa.example%2Fcb&client_secret=p%40ss";
        let r = redact_body(b, Some("application/x-www-form-urlencoded"));
        assert!(r.contains("grant_type=authorization_code"), "{r}");
        assert!(
            r.contains("redirect_uri=https%3A%2F%2Fa.example%2Fcb"),
            "{r}"
        );
        assert!(
            !r.contains("abc123secretcode") && !r.contains("p%40ss"),
            "{r}"
        );
        assert!(r.contains("code=%2816+chars"), "{r}");
        let j = redact_body(
            r#"{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl","token_type":"Bearer","refresh_token":"r-123456789"}"#,
            Some("application/json"),
        );
        assert!(
            j.contains("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.redacted_"),
            "{j}"
        );
        assert!(
            !j.contains("c2lnbmF0dXJl") && !j.contains("r-123456789"),
            "{j}"
        );
        assert!(j.contains("\"token_type\":\"Bearer\""), "{j}");
    }

    #[test]
    fn saved_basic_header_keeps_the_client_id() {
        let h = format!("Basic {}", STANDARD.encode("my-client:s3cr%25t"));
        let r = redact_header("Authorization", &h);
        let decoded = crate::capture_support::decode_basic(r.trim_start_matches("Basic ")).unwrap();
        assert!(decoded.starts_with("my-client:"), "{decoded}");
        assert!(!decoded.contains("s3cr"), "{decoded}");
        assert_eq!(
            crate::oauth::basic::form_decode(decoded.split_once(':').unwrap().1),
            fingerprint("s3cr%t")
        );
    }

    #[test]
    fn private_jwk_and_pem_keys_sign() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for f in [
            "tests/live/keys/pkjwt-client.pem",
            "tests/live/keys/pkjwt-client.jwk.json",
        ] {
            let bytes = std::fs::read(root.join(f)).unwrap();
            let k = SigningKey::load(f, &bytes).unwrap();
            assert_eq!(k.alg, jsonwebtoken::Algorithm::RS256, "{f}");
        }
        // EC P-256 and Ed25519 JWKs (RFC 7515 A.3 key, RFC 8037 A.1 key)
        let ec = json!({"kty":"EC","crv":"P-256",
            "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
            "d":"jpsQnnGQmL-YBIffH1136cLyMkUasaWwyMwWgCZGJLM"});
        assert_eq!(
            jwk_signing_key(&ec).unwrap().alg,
            jsonwebtoken::Algorithm::ES256
        );
        let ed = json!({"kty":"OKP","crv":"Ed25519",
            "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
            "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
        assert_eq!(
            jwk_signing_key(&ed).unwrap().alg,
            jsonwebtoken::Algorithm::EdDSA
        );
    }
}
