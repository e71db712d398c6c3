//! Test support: tiny HTTP and HTTPS servers on 127.0.0.1 that misbehave on purpose (never
//! answer, answer a redirect or a 10 MB body, present an untrusted certificate, require a client
//! certificate), for the socket fault tests. Each connection gets one scripted reply and is
//! closed. Include with `#[path = "support/fake_server.rs"] mod fake_server;`.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the server does with one request.
pub enum Reply {
    /// Write these bytes, then close.
    Raw(Vec<u8>),
    /// Read the request, then say nothing for this long.
    Silent(Duration),
}

/// A complete HTTP/1.1 response with `Content-Length` and `Connection: close`.
pub fn http(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Reply::Raw(bytes)
}

pub fn json(status: &str, body: &str) -> Reply {
    http(
        status,
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Request line and headers.
    pub head: String,
    pub body: String,
    pub at: Instant,
}

impl Seen {
    pub fn path(&self) -> &str {
        self.head.split_whitespace().nth(1).unwrap_or("")
    }
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

pub struct FakeServer {
    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    pub base: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A plain HTTP server answering each request with `handler(request, n)` (n counts from 0).
pub fn start(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> FakeServer {
    serve(None, Arc::new(handler))
}

/// The same over TLS with this server configuration.
pub fn start_tls(
    config: Arc<rustls::ServerConfig>,
    handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static,
) -> FakeServer {
    serve(Some(config), Arc::new(handler))
}

fn serve(tls: Option<Arc<rustls::ServerConfig>>, handler: Arc<Handler>) -> FakeServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let seen2 = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let handler = Arc::clone(&handler);
            let seen = Arc::clone(&seen2);
            let tls = tls.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                match tls {
                    None => handle(stream, &*handler, &seen),
                    Some(cfg) => {
                        let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                            return;
                        };
                        let tls_stream = rustls::StreamOwned::new(conn, stream);
                        handle(tls_stream, &*handler, &seen);
                    }
                }
            });
        }
    });
    FakeServer {
        base: format!("{scheme}://127.0.0.1:{port}"),
        seen,
    }
}

fn handle<S: Read + Write>(mut s: S, handler: &Handler, seen: &Mutex<Vec<Seen>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if !buf[0].is_ascii_uppercase() {
            // Not HTTP (a TLS ClientHello on a plain port): answer like a real server does.
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
            return;
        }
        if buf.len() > 1 << 20 {
            return;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).into_owned();
    let req = Seen {
        head,
        body,
        at: Instant::now(),
    };
    let n = {
        let mut all = seen.lock().unwrap();
        all.push(req.clone());
        all.len() - 1
    };
    match handler(&req, n) {
        Reply::Raw(bytes) => {
            let _ = s.write_all(&bytes);
            let _ = s.flush();
        }
        Reply::Silent(d) => std::thread::sleep(d),
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn refused_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    // make sure it really refuses
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
    port
}

// ---------------------------------------------------------------------------------------------
// certificates made at test time (rcgen)

pub struct Pki {
    pub ca_pem: String,
    pub server_cert_der: rustls::pki_types::CertificateDer<'static>,
    pub server_key_der: Vec<u8>,
    pub client_cert_pem: String,
    pub client_key_pem: String,
    ca_der: rustls::pki_types::CertificateDer<'static>,
}

/// A throwaway CA with a server certificate for 127.0.0.1 and a client certificate.
pub fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "oauth-doctor test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    client_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "mtls-client");
    let client = client_params.signed_by(&client_key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        ca_der: ca.der().clone(),
        server_cert_der: server.der().clone(),
        server_key_der: server_key.serialize_der(),
        client_cert_pem: client.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn key(der: &[u8]) -> rustls::pki_types::PrivateKeyDer<'static> {
    rustls::pki_types::PrivateKeyDer::Pkcs8(der.to_vec().into())
}

/// A TLS server configuration with a self-signed certificate for 127.0.0.1.
pub fn self_signed_config() -> Arc<rustls::ServerConfig> {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![ck.cert.der().clone()],
            key(&ck.signing_key.serialize_der()),
        )
        .unwrap();
    Arc::new(cfg)
}

/// The PKI's server certificate; with `require_client_cert`, mutual TLS against the PKI's CA.
pub fn pki_config(p: &Pki, require_client_cert: bool) -> Arc<rustls::ServerConfig> {
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(p.ca_der.clone()).unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    Arc::new(
        builder
            .with_single_cert(vec![p.server_cert_der.clone()], key(&p.server_key_der))
            .unwrap(),
    )
}
