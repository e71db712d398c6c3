//! The value ledger of a capture: every code, token, device or user code and PAR request URI
//! the capture shows, where it was *issued* (which response, as what, to which client, when,
//! with what lifetime) and where it was *sent* (which request, under which name, by which
//! client, when). Rules ask it whether a value went back the way it came: under the name it
//! was issued as, by the client it was issued to. Values are filed by a hash and compared on
//! lookup; values another tool masked are left out (unknown, never evidence), while the
//! placeholders of `oauth-doctor redact` stay: equal placeholders prove equal values.

use super::masked::{is_masked, is_own_placeholder};
use super::{Exchange, Kind};
use std::collections::HashMap;

/// What a value is, by where it was issued or the name it was sent under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Code,
    AccessToken,
    RefreshToken,
    IdToken,
    DeviceCode,
    UserCode,
    RequestUri,
}

impl Role {
    /// The parameter or field name of this role (`refresh_token`, `device_code` …).
    pub fn name(self) -> &'static str {
        match self {
            Role::Code => "code",
            Role::AccessToken => "access_token",
            Role::RefreshToken => "refresh_token",
            Role::IdToken => "id_token",
            Role::DeviceCode => "device_code",
            Role::UserCode => "user_code",
            Role::RequestUri => "request_uri",
        }
    }

    /// How people call it: `an access token`, `a user code`.
    pub fn described(self) -> &'static str {
        match self {
            Role::Code => "an authorization code",
            Role::AccessToken => "an access token",
            Role::RefreshToken => "a refresh token",
            Role::IdToken => "an ID token",
            Role::DeviceCode => "a device code",
            Role::UserCode => "a user code",
            Role::RequestUri => "a PAR request URI",
        }
    }
}

/// Where a value was issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub exchange: usize,
    pub role: Role,
    /// Evidence location (`response.body.refresh_token`).
    pub at: String,
    /// The client it was issued to, when the capture shows it.
    pub client: Option<String>,
    /// When the response was complete (milliseconds since the epoch, capture clock).
    pub time_ms: Option<i64>,
    /// Its announced lifetime in seconds (`expires_in`), if any.
    pub lifetime_s: Option<i64>,
}

/// Where a value was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    pub exchange: usize,
    /// The name it was sent under.
    pub role: Role,
    /// Evidence location (`request.body.refresh_token`).
    pub at: String,
    /// The client that sent it, when the request names one.
    pub client: Option<String>,
    pub time_ms: Option<i64>,
}

/// Every issued and sent value of a capture.
#[derive(Debug, Default)]
pub struct Ledger {
    /// By the value's hash; each record with a second, independent hash of the value, which
    /// tells values that share the first apart without holding them (a JWT is a kilobyte).
    issues: HashMap<u64, Vec<(u64, Issue)>>,
    uses: HashMap<u64, Vec<(u64, Use)>>,
}

/// A value the ledger cannot file: empty, or masked by another tool (`oauth-doctor redact`'s
/// own placeholders are kept: equal placeholders are equal values).
fn unknown(v: &str) -> bool {
    v.is_empty() || (is_masked(v) && !is_own_placeholder(v))
}

fn key(v: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(v, &mut h);
    std::hash::Hasher::finish(&h)
}

/// A second hash of `v`, independent of [`key`]: with it, two values are confused only if both
/// 64-bit hashes collide.
fn check(v: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    std::hash::Hasher::write_u8(&mut h, 0xa5);
    std::hash::Hash::hash(v, &mut h);
    std::hash::Hasher::finish(&h)
}

/// The client a request authenticates as or names: Basic user, else `client_id`.
pub fn request_client(e: &Exchange) -> Option<String> {
    if let Some(id) = e.request.basic_credentials().and_then(|b| b.decoded_id()) {
        return Some(id);
    }
    e.request.param("client_id")
}

impl Ledger {
    /// Build the ledger of `ex`; `az_client(i)` is the client of the authorization request
    /// whose response exchange `i` carried (the one a code was issued to).
    pub fn build(ex: &[Exchange], az_client: impl Fn(usize) -> Option<String>) -> Ledger {
        let mut l = Ledger::default();
        for e in ex {
            let Some(r) = &e.response else { continue };
            let done = e.done_ms();
            // Issued in a successful response body.
            if r.is_success()
                && matches!(
                    e.kind,
                    Kind::Token | Kind::Other | Kind::DeviceAuthorization | Kind::Par
                )
            {
                let client = request_client(e);
                let lifetime = r
                    .field("expires_in")
                    .and_then(|s| s.trim().parse::<f64>().ok())
                    .map(|s| s as i64);
                for (field, role) in [
                    ("access_token", Role::AccessToken),
                    ("refresh_token", Role::RefreshToken),
                    ("id_token", Role::IdToken),
                    ("device_code", Role::DeviceCode),
                    ("user_code", Role::UserCode),
                    ("request_uri", Role::RequestUri),
                ] {
                    if let Some(v) = r.field(field) {
                        l.issue(
                            v,
                            Issue {
                                exchange: e.index,
                                role,
                                at: format!("response.body.{field}"),
                                client: client.clone(),
                                time_ms: done,
                                lifetime_s: (role == Role::AccessToken
                                    || role == Role::DeviceCode
                                    || role == Role::RequestUri)
                                    .then_some(lifetime)
                                    .flatten(),
                            },
                        );
                    }
                }
            }
            // Sent in a request.
            let client = request_client(e);
            let sent = e.sent_ms();
            let send = |l: &mut Ledger, v: String, role: Role, at: String| {
                l.send(
                    &v,
                    Use {
                        exchange: e.index,
                        role,
                        at,
                        client: client.clone(),
                        time_ms: sent,
                    },
                );
            };
            if e.is_token_request() {
                for (name, role) in [
                    ("code", Role::Code),
                    ("refresh_token", Role::RefreshToken),
                    ("device_code", Role::DeviceCode),
                ] {
                    if let Some(v) = e.request.param(name) {
                        send(&mut l, v, role, format!("request.body.{name}"));
                    }
                }
            }
            if matches!(e.kind, Kind::Resource | Kind::Userinfo) {
                if let Some(v) = e.request.presented_token() {
                    send(
                        &mut l,
                        v,
                        Role::AccessToken,
                        "request.headers.authorization".into(),
                    );
                }
            }
            if e.kind == Kind::Authorize {
                if let Some(v) = e.request.query.get("request_uri") {
                    send(
                        &mut l,
                        v.to_string(),
                        Role::RequestUri,
                        "request.query.request_uri".into(),
                    );
                }
            }
        }
        // Codes and implicit tokens in authorization responses (a `Location` or the callback).
        for e in ex {
            if let Some(loc) = e.response.as_ref().and_then(|r| r.location()) {
                let p = super::signal::location_params(loc);
                for (name, role) in [
                    ("code", Role::Code),
                    ("access_token", Role::AccessToken),
                    ("id_token", Role::IdToken),
                ] {
                    if let Some(v) = p.get(name) {
                        l.issue(
                            v,
                            Issue {
                                exchange: e.index,
                                role,
                                at: format!("response.headers.location.{name}"),
                                client: az_client(e.index),
                                time_ms: e.done_ms(),
                                lifetime_s: None,
                            },
                        );
                    }
                }
            }
        }
        l
    }

    fn issue(&mut self, v: &str, i: Issue) {
        if unknown(v) {
            return;
        }
        let c = check(v);
        let list = self.issues.entry(key(v)).or_default();
        if !list
            .iter()
            .any(|(x, o)| *x == c && o.exchange == i.exchange && o.role == i.role)
        {
            list.push((c, i));
        }
    }

    fn send(&mut self, v: &str, u: Use) {
        if unknown(v) {
            return;
        }
        self.uses.entry(key(v)).or_default().push((check(v), u));
    }

    /// Where `v` was issued, in capture order.
    pub fn issues_of<'a>(&'a self, v: &str) -> impl Iterator<Item = &'a Issue> + 'a {
        let c = check(v);
        self.issues
            .get(&key(v))
            .into_iter()
            .flatten()
            .filter(move |(x, _)| *x == c)
            .map(|(_, i)| i)
    }

    /// Where `v` was sent, in capture order.
    pub fn uses_of<'a>(&'a self, v: &str) -> impl Iterator<Item = &'a Use> + 'a {
        let c = check(v);
        self.uses
            .get(&key(v))
            .into_iter()
            .flatten()
            .filter(move |(x, _)| *x == c)
            .map(|(_, u)| u)
    }

    /// The last issue of `v` before exchange `before`.
    pub fn issued_before(&self, v: &str, before: usize) -> Option<&Issue> {
        self.issues_of(v).filter(|i| i.exchange < before).last()
    }
}
