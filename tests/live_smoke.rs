//! Smoke test of the live OpenID provider (tests/live) and its harness (tests/support/live_server.rs):
//! every client and grant the live-mode tests rely on works against the real provider.
//! Without Node.js or tests/live/node_modules each test passes after writing a `SKIPPED` note to
//! the standard error; with OAUTH_DOCTOR_LIVE=1 it fails instead.

#[path = "support/live_server.rs"]
mod live_server;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use live_server::{
    API_RESOURCE, LiveServer, REDIRECT_URI, clients, code_form, crate_path, http_client, jwt_part,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

const CLIENT_CREDENTIALS: &[(&str, &str)] = &[("grant_type", "client_credentials")];

fn jwt_claims(jwt: &str) -> Value {
    jwt_part(jwt, 1)
}

/// A client_credentials request authenticated with a client assertion (RFC 7523).
fn assertion_form<'a>(client_id: &'a str, assertion: &'a str) -> [(&'a str, &'a str); 4] {
    [
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion),
    ]
}

/// RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding.
fn form_urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn pem_to_der(pem: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(pem).unwrap();
    let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(b64).unwrap()
}

/// PrivateKeyInfo ::= SEQUENCE { version INTEGER, algorithm SEQUENCE, privateKey OCTET STRING }
fn pkcs8_rsa_to_pkcs1(der: &[u8]) -> Vec<u8> {
    // returns (tag, content range end, content start) of the TLV at `at`
    fn tlv(der: &[u8], at: usize) -> (u8, usize, usize) {
        let tag = der[at];
        let first = der[at + 1] as usize;
        let (len, hdr) = if first < 0x80 {
            (first, 2)
        } else {
            let n = first & 0x7f;
            (
                der[at + 2..at + 2 + n]
                    .iter()
                    .fold(0usize, |acc, b| acc << 8 | *b as usize),
                2 + n,
            )
        };
        (tag, at + hdr + len, at + hdr)
    }
    let (tag, _, body) = tlv(der, 0);
    assert_eq!(tag, 0x30);
    let (tag, version_end, _) = tlv(der, body);
    assert_eq!(tag, 0x02);
    let (tag, alg_end, _) = tlv(der, version_end);
    assert_eq!(tag, 0x30);
    let (tag, key_end, key_start) = tlv(der, alg_end);
    assert_eq!(tag, 0x04);
    der[key_start..key_end].to_vec()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn code_flow_confidential_basic_with_refresh_rotation() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let (id, secret) = clients::CONF_BASIC;
    let code = server
        .authorization_code(
            id,
            REDIRECT_URI,
            "openid email profile offline_access",
            None,
            &[],
        )
        .unwrap();
    let tokens = server.ok_token(Some((id, secret)), &code_form(&code, &[]));
    assert!(tokens["id_token"].is_string(), "{tokens}");
    assert_eq!(
        jwt_claims(tokens["id_token"].as_str().unwrap())["sub"],
        "alice"
    );
    let rt1 = tokens["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned();

    // the access token (opaque, for userinfo) works at userinfo
    let resp = http_client()
        .get(server.endpoint("userinfo_endpoint"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let userinfo: Value = resp.json().unwrap();
    assert_eq!(userinfo["email"], "alice@example.test", "{userinfo}");

    // rotation: a new refresh token each time; the old one is then invalid_grant
    let refreshed = server.ok_token(
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &rt1)],
    );
    let rt2 = refreshed["refresh_token"]
        .as_str()
        .expect("rotated refresh_token")
        .to_owned();
    assert_ne!(rt1, rt2);
    server.assert_token_error(
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &rt1)],
        400,
        "invalid_grant",
    );
    // ... and replaying a rotated refresh token revokes the whole grant
    server.assert_token_error(
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &rt2)],
        400,
        "invalid_grant",
    );

    // the code is single use
    server.assert_token_error(
        Some((id, secret)),
        &code_form(&code, &[]),
        400,
        "invalid_grant",
    );

    // replaying a code revokes the tokens issued from it
    let code = server
        .authorization_code(id, REDIRECT_URI, "openid", None, &[])
        .unwrap();
    let form = code_form(&code, &[]);
    let tokens = server.ok_token(Some((id, secret)), &form);
    let rt = tokens["refresh_token"]
        .as_str()
        .expect("refresh token without offline_access");
    let (status, _) = server.post_token(Some((id, secret)), &form);
    assert_eq!(status, 400);
    server.assert_token_error(
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
        400,
        "invalid_grant",
    );
}

#[test]
fn code_flow_error_cases() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let (id, secret) = clients::CONF_BASIC;
    // an unregistered redirect_uri is an error page at the provider, never a redirect
    let err = server
        .authorization_code(id, "http://127.0.0.1:8976/other", "openid", None, &[])
        .unwrap_err();
    assert!(err.contains("redirect_uri"), "{err}");
    // a redirect_uri mismatch at the token endpoint is invalid_grant
    let code = server
        .authorization_code(id, REDIRECT_URI, "openid", None, &[])
        .unwrap();
    server.assert_token_error(
        Some((id, secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:8976/x"),
        ],
        400,
        "invalid_grant",
    );
    // an unknown client is an error page
    let err = server
        .authorization_code("nobody", REDIRECT_URI, "openid", None, &[])
        .unwrap_err();
    assert!(err.contains("invalid_client"), "{err}");
}

#[test]
fn code_flow_with_api_scope_yields_a_jwt_access_token() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let (id, secret) = clients::CONF_POST;
    let code = server
        .authorization_code(
            id,
            REDIRECT_URI,
            "openid api:read",
            None,
            &[("login_hint", "bob")],
        )
        .unwrap();
    let tokens = server.ok_token(
        None,
        &code_form(&code, &[("client_id", id), ("client_secret", secret)]),
    );
    let at = jwt_claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(at["aud"], API_RESOURCE, "{at}");
    assert_eq!(at["sub"], "bob", "{at}");
    assert_eq!(at["scope"], "api:read", "{at}");
    assert!(
        tokens["refresh_token"].is_string(),
        "refresh token without offline_access: {tokens}"
    );
}

#[test]
fn code_flow_public_client_with_pkce() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let verifier = "a-long-enough-code-verifier-0123456789-abcdefghijklmnop";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let code = server
        .authorization_code(
            clients::PUBLIC_PKCE,
            REDIRECT_URI,
            "openid offline_access",
            Some((&challenge, "S256")),
            &[],
        )
        .unwrap();

    let tokens = server.ok_token(
        None,
        &code_form(
            &code,
            &[
                ("client_id", clients::PUBLIC_PKCE),
                ("code_verifier", verifier),
            ],
        ),
    );
    assert!(tokens["refresh_token"].is_string(), "{tokens}");

    // a wrong verifier is invalid_grant
    let code = server
        .authorization_code(
            clients::PUBLIC_PKCE,
            REDIRECT_URI,
            "openid",
            Some((&challenge, "S256")),
            &[],
        )
        .unwrap();
    server.assert_token_error(
        None,
        &code_form(
            &code,
            &[
                ("client_id", clients::PUBLIC_PKCE),
                (
                    "code_verifier",
                    "wrong-verifier-wrong-verifier-wrong-verifier-0123",
                ),
            ],
        ),
        400,
        "invalid_grant",
    );

    // PKCE is required for the public client: the authorization request itself is refused
    let err = server
        .authorization_code(clients::PUBLIC_PKCE, REDIRECT_URI, "openid", None, &[])
        .unwrap_err();
    assert!(err.contains("error=invalid_request"), "{err}");
    // ... and only S256 is supported
    let err = server
        .authorization_code(
            clients::PUBLIC_PKCE,
            REDIRECT_URI,
            "openid",
            Some((verifier, "plain")),
            &[],
        )
        .unwrap_err();
    assert!(err.contains("error=invalid_request"), "{err}");
}

#[test]
fn client_credentials_for_every_auth_method() {
    let Some(server) = LiveServer::shared() else {
        return;
    };

    // client_secret_basic: JWT access token for the API (the default resource)
    let (id, secret) = clients::CONF_BASIC;
    let tokens = server.ok_token(Some((id, secret)), CLIENT_CREDENTIALS);
    let at = jwt_claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(at["aud"], API_RESOURCE);
    assert_eq!(at["client_id"], id);
    assert_eq!(tokens["expires_in"], 60);
    assert!(tokens.get("refresh_token").is_none());
    let tokens = server.ok_token(
        Some((id, secret)),
        &[
            ("grant_type", "client_credentials"),
            ("scope", "api:read"),
            ("resource", API_RESOURCE),
        ],
    );
    assert_eq!(tokens["scope"], "api:read");
    // an unknown resource is invalid_target
    server.assert_token_error(
        Some((id, secret)),
        &[
            ("grant_type", "client_credentials"),
            ("resource", "https://other.example.test"),
        ],
        400,
        "invalid_target",
    );
    // wrong secret
    server.assert_token_error(
        Some((id, "nope")),
        CLIENT_CREDENTIALS,
        401,
        "invalid_client",
    );

    // client_secret_post; the registered method is enforced both ways
    let (id, secret) = clients::CONF_POST;
    let in_body = |id, secret| {
        [
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ]
    };
    server.ok_token(None, &in_body(id, secret));
    server.assert_token_error(
        Some((id, secret)),
        CLIENT_CREDENTIALS,
        401,
        "invalid_client",
    );
    let (id, secret) = clients::CONF_BASIC;
    server.assert_token_error(None, &in_body(id, secret), 401, "invalid_client");

    // special characters: form-urlencoded before Basic (RFC 6749 §2.3.1) works ...
    let (id, secret) = clients::CONF_SPECIAL;
    let header = format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", form_urlencode(id), form_urlencode(secret)))
    );
    let resp = http_client()
        .post(server.token_endpoint())
        .header("authorization", header)
        .form(CLIENT_CREDENTIALS)
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{}", resp.text().unwrap());
    // ... the raw secret (not form-urlencoded; its "%t" is not a valid escape) is refused
    server.assert_token_error(
        Some((id, secret)),
        CLIENT_CREDENTIALS,
        400,
        "invalid_request",
    );

    // cc-only: client_credentials yes, refresh_token no (unauthorized_client), code flow no
    let (id, secret) = clients::CC_ONLY;
    server.ok_token(Some((id, secret)), CLIENT_CREDENTIALS);
    server.assert_token_error(
        Some((id, secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
        400,
        "unauthorized_client",
    );
    server.assert_token_error(
        Some((id, secret)),
        &code_form("x", &[]),
        400,
        "unauthorized_client",
    );
    let err = server
        .authorization_code(id, REDIRECT_URI, "openid", None, &[])
        .unwrap_err();
    assert!(
        err.contains("unauthorized_client") || err.contains("invalid_redirect_uri"),
        "{err}"
    );

    // client_secret_jwt (HS256) and private_key_jwt (RS256)
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let token_url = server.token_endpoint();
    let claims = |iss: &str, jti: &str| {
        serde_json::json!({
            "iss": iss, "sub": iss, "aud": token_url, "jti": jti,
            "iat": now(), "exp": now() + 60,
        })
    };
    let (id, secret) = clients::JWT_CLIENT;
    let assertion = encode(
        &Header::new(Algorithm::HS256),
        &claims(id, "jti-hs-1"),
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap();
    let form = assertion_form(id, &assertion);
    server.ok_token(None, &form);
    // replay of the same assertion is refused
    server.assert_token_error(None, &form, 401, "invalid_client");

    let pem = std::fs::read(crate_path(clients::PKJWT_KEY_PEM)).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(clients::PKJWT_KID.to_owned());
    let assertion = encode(
        &header,
        &claims(clients::PKJWT_CLIENT, "jti-rs-1"),
        // the crate builds jsonwebtoken without `use_pem`: PEM → PKCS#8 DER → PKCS#1 DER by hand
        &EncodingKey::from_rsa_der(&pkcs8_rsa_to_pkcs1(&pem_to_der(&pem))),
    )
    .unwrap();
    server.ok_token(None, &assertion_form(clients::PKJWT_CLIENT, &assertion));
}

#[test]
fn introspection_and_revocation() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let (id, secret) = clients::CONF_BASIC;
    let introspect = |token: &str| -> (u16, Value) {
        let resp = http_client()
            .post(server.endpoint("introspection_endpoint"))
            .basic_auth(id, Some(secret))
            .form(&[("token", token)])
            .send()
            .unwrap();
        (resp.status().as_u16(), resp.json().unwrap())
    };
    let revoke = |token: &str| -> u16 {
        http_client()
            .post(server.endpoint("revocation_endpoint"))
            .basic_auth(id, Some(secret))
            .form(&[("token", token)])
            .send()
            .unwrap()
            .status()
            .as_u16()
    };

    // JWT access tokens cannot be introspected by oidc-provider
    let jwt = server.ok_token(Some((id, secret)), CLIENT_CREDENTIALS);
    let (status, err) = introspect(jwt["access_token"].as_str().unwrap());
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("unsupported_token_type")),
        "{err}"
    );

    // opaque access tokens (the opaque resource server) can
    let tokens = server.ok_token(
        Some((id, secret)),
        &[
            ("grant_type", "client_credentials"),
            ("resource", "https://opaque-api.example.test"),
            ("scope", "api:read"),
        ],
    );
    let at = tokens["access_token"].as_str().unwrap();
    assert_eq!(at.split('.').count(), 1, "opaque: {at}");
    let (status, info) = introspect(at);
    assert_eq!(status, 200);
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["scope"], "api:read", "{info}");
    assert_eq!(revoke(at), 200);
    assert_eq!(introspect(at).1["active"], false);

    // and so can refresh tokens
    let code = server
        .authorization_code(id, REDIRECT_URI, "openid offline_access", None, &[])
        .unwrap();
    let tokens = server.ok_token(Some((id, secret)), &code_form(&code, &[]));
    let rt = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(introspect(rt).1["active"], true);
    assert_eq!(revoke(rt), 200);
    assert_eq!(introspect(rt).1["active"], false);
}

#[test]
fn device_flow_to_completion() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let grant = "urn:ietf:params:oauth:grant-type:device_code";
    let (device_code, user_code) = server
        .device_authorize(clients::DEVICE_CLIENT, "openid offline_access")
        .unwrap();
    let form = [
        ("grant_type", grant),
        ("device_code", &device_code),
        ("client_id", clients::DEVICE_CLIENT),
    ];
    server.assert_token_error(None, &form, 400, "authorization_pending");

    server.approve_device(&user_code).unwrap();
    // a user code can only be used once
    assert!(server.approve_device(&user_code).is_err());

    let tokens = server.ok_token(None, &form);
    assert!(tokens["id_token"].is_string(), "{tokens}");
    assert!(tokens["refresh_token"].is_string(), "{tokens}");
}

#[test]
fn own_server_starts_and_stops() {
    let Some(server) = LiveServer::start() else {
        return;
    };
    let issuer = server.issuer.clone();
    assert!(issuer.starts_with("http://127.0.0.1:"));
    assert_eq!(server.discovery["issuer"], issuer.as_str());
    drop(server);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        http_client()
            .get(format!("{issuer}/.well-known/openid-configuration"))
            .send()
            .is_err(),
        "the provider is still answering after drop"
    );
}
