//! Live mode: make the OAuth requests a user's client would make (discovery, device
//! authorization, the token request with any grant and client authentication, JWKS, userinfo)
//! and record each one as an [`Exchange`] of the same model a capture produces, so the same
//! pipeline diagnoses it. The only network code of the tool ([`http`]).
//!
//! It never diagnoses (rules do) and never prints: progress goes through a callback. What it
//! checks itself and a capture cannot show — the signatures of returned tokens against the key
//! set — is attached to the exchange that carried them ([`crate::model::Verified`]) for the
//! rules to judge; what the HTTP client knows about an exchange (TLS not verified, the body
//! capped) is an annotation header ([`ANNOTATION_PREFIX`]). Network failures are recorded as
//! exchanges with status 0 and `transport_error`, not returned as errors; [`LiveError`] is for
//! what stops the tool from doing its job (bad keys, a secret that would go over plain http).

pub mod http;
mod key;
pub mod save;

pub use http::{
    ANNOTATION_PREFIX, DEFAULT_MAX_BODY, Http, NetConfig, SOURCE_NAME, TLS_VERIFY_HEADER,
    TRUNCATED_HEADER, USER_AGENT, is_loopback,
};
pub use key::SigningKey;

use crate::model::{Exchange, Response, Verified};
use crate::oauth::jwks::{self, KeySet};
use crate::redact::{Named, Secret, is_secret_name};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use std::time::{Duration, Instant};
use url::Url;

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

/// What a run produced: the recorded exchanges, in order, with what live mode verified
/// attached to them ([`Exchange::verified`]).
#[derive(Debug, Default)]
pub struct Outcome {
    pub exchanges: Vec<Exchange>,
    /// Discovery gave no usable metadata: the recorded failing exchange and every URL tried.
    pub discovery_failed: Option<(usize, Vec<String>)>,
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
                    discovery_failed,
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
                        discovery_failed,
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
        verify_tokens(&mut http, &plan, i, progress)?;
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
        discovery_failed,
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

/// Fetch the JWKS and verify the signatures of JWT access and ID tokens in a token response;
/// each outcome is attached to the token exchange ([`Verified::TokenSignature`]).
fn verify_tokens(
    http: &mut Http,
    plan: &Plan<'_>,
    token_exchange: usize,
    progress: &mut dyn Progress,
) -> Result<(), LiveError> {
    let r = http.response(token_exchange);
    let Some(j) = r.json.as_ref().filter(|_| r.is_success()) else {
        return Ok(());
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
        return Ok(());
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
                    return Ok(());
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
            return Ok(());
        }
    };
    for s in &keys.skipped {
        progress.say(false, &format!("key set: {s}"));
    }
    for (field, token) in tokens {
        let outcome = jwks::verify(&token, &keys);
        progress.say(
            !outcome.is_verified(),
            &format!("{field}: {}", outcome.describe()),
        );
        http.exchanges[token_exchange]
            .verified
            .push(Verified::TokenSignature {
                field: field.to_string(),
                keys_from: from.clone(),
                outcome,
            });
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
