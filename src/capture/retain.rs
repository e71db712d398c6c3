//! What the loader keeps of a capture of any length, in bounded memory: every exchange is read
//! and judged, but only some are kept in full for the rules. Kept in full are every failure; the
//! earlier exchanges still in the window that share a value with a failure (a code, a token, a
//! refresh token, a `state`, the client); the later exchanges that share one of its flow values
//! (not merely the client, which every request of that client names); the few exchanges that
//! follow a failure (what the client did next); the first examples of each endpoint; and the
//! most recent [`WINDOW`] exchanges. A successful exchange
//! that leaves the window without any of these reasons is counted as summarised and dropped.
//!
//! Memory is therefore bounded by the window and by the failures, not by the capture: a
//! gigabyte of successful API calls costs the same as a megabyte. A capture with fewer than
//! [`WINDOW`] relevant exchanges is kept whole, exactly as read.
//!
//! Owns no parsing and no judging of what is OAuth; it only decides what stays in memory.

use crate::model::Exchange;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::BuildHasher;

/// The most recent exchanges are kept in full: a failure finds the exchanges it depends on
/// (the one that issued its token, the authorization request of its code) among them.
pub const WINDOW: usize = 4096;

/// After a failure that names no client but carries a flow value (a browser's API call with its
/// token), this many exchanges are kept in full: what happened next.
const AFTER_FAILURE: usize = 16;

/// After a failure of a named client, this many of that client's next exchanges are kept in
/// full: its retry or next step. (Other clients' traffic in between is no part of it: in a
/// gateway log, the next sixteen exchanges are other clients'.)
const AFTER_CLIENT_FAILURE: usize = 4;

/// Successful exchanges kept as examples per endpoint (host and path shape).
const EXAMPLES: usize = 2;

/// At most this many endpoints get examples (paths with identifiers can be countless).
const MAX_ENDPOINTS: usize = 4096;

/// Values of failures remembered to pin the exchanges that share them (hostile input can hold
/// millions of failures: beyond this, failures are still kept, their values are not linked).
const MAX_FAILURE_VALUES: usize = 1 << 16;

/// A fast, fixed hasher (FxHash's multiply-rotate, eight bytes at a time): the values are
/// hashed for linking, not for security, and the keys are already hashes.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    fn write_u64(&mut self, n: u64) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(K);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Maps keyed by values already hashed (the ledger's, retention's) hash their keys with this.
pub type Fast = std::hash::BuildHasherDefault<FxHasher>;

fn hash_of(v: &str) -> u64 {
    Fast::default().hash_one(v)
}

#[derive(Debug)]
struct Held {
    exchange: Exchange,
    /// Its linking values, computed once (a failure compares them with the whole window).
    links: Vec<Link>,
    keep: bool,
}

/// The retention state of one input.
#[derive(Debug, Default)]
pub struct Retention {
    window: VecDeque<Held>,
    /// Values carried by failures seen so far.
    failure_values: HashSet<u64, Fast>,
    /// Exchanges still to keep after the last failure that named no client.
    after_failure: usize,
    /// Exchanges still to keep per client (hashed) after its last failure.
    after_client: HashMap<u64, usize, Fast>,
    /// Examples kept per endpoint shape.
    examples: HashMap<u64, usize, Fast>,
    /// Exchanges kept in full, in capture order.
    pub kept: Vec<Exchange>,
    /// Successful exchanges read and judged but not kept in full.
    pub summarised: usize,
}

impl Retention {
    /// Take one exchange read from the capture (in capture order).
    pub fn push(&mut self, e: Exchange) {
        let failed = is_failure(&e);
        let values = values(&e);
        let mut keep = failed;
        if failed {
            // Later exchanges are pinned by the failure's flow values only: a client sends
            // its `client_id` on every request, and pinning by it would keep them all.
            if self.failure_values.len() < MAX_FAILURE_VALUES {
                self.failure_values
                    .extend(values.iter().filter(|v| v.flow).map(|v| v.hash));
            }
            // Pin what the failure depends on: every earlier exchange that carries one of its
            // flow values (the exchange that issued its code or token, an earlier use of it),
            // and the latest earlier exchange of its client (how that client authenticated last
            // time). Every request of a client names it: pinning them all would keep thousands.
            let mut clients: Vec<u64> = values.iter().filter(|v| !v.flow).map(|v| v.hash).collect();
            let mut flow: Vec<u64> = values.iter().filter(|v| v.flow).map(|v| v.hash).collect();
            // One hop further: the exchange that issued the failure's code also carries the
            // flow's `state`, which links the authorization request the code answers.
            let mut hop: Vec<u64> = Vec::new();
            for h in self.window.iter_mut().rev() {
                let by_flow = h.links.iter().any(|v| flow.contains(&v.hash));
                let client = clients
                    .iter()
                    .position(|c| h.links.iter().any(|v| v.hash == *c));
                if let Some(i) = client {
                    clients.swap_remove(i);
                }
                if by_flow {
                    hop.extend(
                        h.links
                            .iter()
                            .filter(|v| v.flow && !flow.contains(&v.hash))
                            .map(|v| v.hash),
                    );
                }
                if by_flow || client.is_some() {
                    h.keep = true;
                }
            }
            if !hop.is_empty() {
                flow = hop;
                for h in self.window.iter_mut().filter(|h| !h.keep) {
                    if h.links.iter().any(|v| flow.contains(&v.hash)) {
                        h.keep = true;
                    }
                }
            }
            let mut named = false;
            for v in values.iter().filter(|v| !v.flow) {
                if self.after_client.len() < MAX_FAILURE_VALUES {
                    named = true;
                    self.after_client.insert(v.hash, AFTER_CLIENT_FAILURE);
                }
            }
            // What follows a failure that carries no value of a flow and names no client (an
            // analytics beacon a browser blocked) is no next step of anything. (Past the
            // number of clients followed, a failure's next exchanges are kept whoever sent
            // them.)
            if !named && !values.is_empty() {
                self.after_failure = AFTER_FAILURE;
            }
        } else if self.after_failure > 0 {
            self.after_failure -= 1;
            keep = true;
        } else if !self.after_client.is_empty() {
            for v in values.iter().filter(|v| !v.flow) {
                if let Some(n) = self.after_client.get_mut(&v.hash) {
                    *n -= 1;
                    if *n == 0 {
                        self.after_client.remove(&v.hash);
                    }
                    keep = true;
                }
            }
        }
        if !keep
            && values
                .iter()
                .any(|v| v.flow && self.failure_values.contains(&v.hash))
        {
            keep = true;
        }
        if !keep {
            let n = self.examples.len();
            let key = hash_of(&endpoint_shape(&e));
            match self.examples.get_mut(&key) {
                Some(c) if *c < EXAMPLES => {
                    *c += 1;
                    keep = true;
                }
                Some(_) => {}
                None if n < MAX_ENDPOINTS => {
                    self.examples.insert(key, 1);
                    keep = true;
                }
                None => {}
            }
        }
        self.window.push_back(Held {
            exchange: e,
            links: values,
            keep,
        });
        while self.window.len() > WINDOW {
            if let Some(h) = self.window.pop_front() {
                self.release(h);
            }
        }
    }

    fn release(&mut self, h: Held) {
        if h.keep {
            self.kept.push(h.exchange);
        } else {
            self.summarised += 1;
        }
    }

    /// The end of the input: the exchanges still in the window are kept (a failure at the end
    /// of a capture is diagnosed with everything just before it).
    pub fn finish(&mut self) -> Vec<Exchange> {
        let mut kept = std::mem::take(&mut self.kept);
        kept.extend(self.window.drain(..).map(|h| h.exchange));
        kept
    }
}

/// A failure for retention: no answer, status 0, a 4xx or 5xx, or an error in the body. (The
/// rules decide later what the failure means; a kept success costs only memory.)
fn is_failure(e: &Exchange) -> bool {
    match &e.response {
        None => true,
        Some(r) => r.status == 0 || r.status >= 400 || e.server_error().is_some(),
    }
}

/// The endpoint an exchange calls, with identifiers folded: `GET api.example/orders/*`.
fn endpoint_shape(e: &Exchange) -> String {
    let mut s = String::with_capacity(64);
    s.push_str(&e.request.method);
    s.push(' ');
    s.push_str(e.request.host().unwrap_or(""));
    for seg in e.request.path().split('/').filter(|p| !p.is_empty()) {
        s.push('/');
        if crate::model::looks_like_id(seg) {
            s.push('*');
        } else {
            s.push_str(seg);
        }
    }
    s
}

/// Parameters whose values link exchanges of one flow (RFC 6749 §4.1, §6; RFC 7636; RFC 8628).
const LINKING_PARAMS: &[&str] = &[
    "code",
    "state",
    "refresh_token",
    "device_code",
    "token",
    "subject_token",
    "client_assertion",
];

/// A value that links exchanges, hashed: a flow's own value (a code, a token) or the client's
/// (`client_id`, Basic credentials), which every request of that client carries.
#[derive(Debug, Clone, Copy)]
struct Link {
    hash: u64,
    flow: bool,
}

/// Response members that issue a linking value.
const ISSUED_FIELDS: &[&str] = &["access_token", "refresh_token", "id_token", "device_code"];

/// The values that link this exchange to others: the parameters it sends, the token it
/// presents, the client it names, and the values its answer issues (in the body or in a
/// redirect's `code` and `state`).
fn values(e: &Exchange) -> Vec<Link> {
    let mut out = Vec::new();
    let flow = |v: &str| Link {
        hash: hash_of(v),
        flow: true,
    };
    let client = |v: &str| Link {
        hash: hash_of(v),
        flow: false,
    };
    let r = &e.request;
    for p in LINKING_PARAMS {
        if let Some(v) = r.form.get(p).or_else(|| r.query.get(p)) {
            if !v.is_empty() {
                out.push(flow(v));
            }
        }
    }
    if let Some(v) = r.form.get("client_id").or_else(|| r.query.get("client_id")) {
        if !v.is_empty() {
            out.push(client(v));
        }
    }
    if let Some(t) = r.presented_token() {
        out.push(flow(&t));
    }
    if let Some((scheme, cred)) = r.authorization() {
        if scheme.eq_ignore_ascii_case("basic") && !cred.is_empty() {
            out.push(client(cred));
        }
    }
    if let Some(resp) = &e.response {
        for f in ISSUED_FIELDS {
            if let Some(v) = resp.field(f).filter(|v| !v.is_empty()) {
                out.push(flow(v));
            }
        }
        if let Some(loc) = resp.location() {
            if let Some((_, q)) = loc.split_once(['?', '#']) {
                for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
                    if (k == "code" || k == "state") && !v.is_empty() {
                        out.push(flow(&v));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Headers, Request, Response};

    fn call(url: &str, token: &str, status: u16) -> Exchange {
        let mut h = Headers::default();
        h.push("Authorization", &format!("Bearer {token}"));
        Exchange {
            ordinal: 0,
            index: 0,
            source: crate::model::Provenance {
                file: std::sync::Arc::from("t"),
                entry: 0,
                line: None,
            },
            started_at: None,
            duration_ms: None,
            request: Request::new("GET", url, h, None),
            response: Some(Response::new(status, Headers::default(), None)),
            kind: crate::model::Kind::Other,
            sanitized: false,
            provider: None,
            verified: Vec::new(),
        }
    }

    #[test]
    fn a_short_capture_is_kept_whole() {
        let mut r = Retention::default();
        for i in 0..100 {
            r.push(call(
                "https://api.example/orders/1",
                &format!("tok{i:08}"),
                200,
            ));
        }
        assert_eq!(r.finish().len(), 100);
        assert_eq!(r.summarised, 0);
    }

    #[test]
    fn successes_beyond_the_window_are_summarised_and_failures_kept_with_their_links() {
        let mut r = Retention::default();
        let n = WINDOW * 3;
        // The first call to an endpoint is kept as its example, however early.
        r.push(call("https://api.example/me", "shared-token-0001", 200));
        for i in 0..n {
            r.push(call(
                &format!("https://api.example/orders/{i}"),
                &format!("tok{i:08}"),
                200,
            ));
        }
        r.push(call("https://api.example/orders/9", "tok00000005", 200));
        r.push(call("https://api.example/orders/9", "tok99999999", 401));
        let kept = r.finish();
        let total = kept.len() + r.summarised;
        assert_eq!(total, n + 3, "every exchange is counted");
        assert!(kept.len() <= WINDOW + 2 * EXAMPLES + 2, "{}", kept.len());
        assert_eq!(kept.last().and_then(|e| e.status()), Some(401));
        // The first call to each endpoint shape is an example.
        assert!(kept.iter().any(|e| e.request.url.ends_with("/me")));
    }

    fn token_request(client: &str, status: u16) -> Exchange {
        let body = format!("grant_type=client_credentials&client_id={client}");
        let mut h = Headers::default();
        h.push("Content-Type", "application/x-www-form-urlencoded");
        let mut e = call("https://idp.example/token", "unused-token-0001", status);
        e.request = Request::new("POST", "https://idp.example/token", h, Some(body));
        e
    }

    #[test]
    fn a_failing_client_does_not_pin_every_later_request_of_that_client() {
        let mut r = Retention::default();
        r.push(token_request("svc-1", 401));
        let n = WINDOW * 4;
        for _ in 0..n {
            r.push(token_request("svc-1", 200));
        }
        let kept = r.finish();
        assert_eq!(kept.len() + r.summarised, n + 1);
        assert!(
            kept.len() <= WINDOW + AFTER_FAILURE + EXAMPLES + 1,
            "{}",
            kept.len()
        );
    }

    /// In a gateway log the next exchanges are other clients': after a client's failure, its
    /// own next few are kept, not whatever follows; and of its earlier ones, the latest.
    #[test]
    fn after_a_client_failure_its_own_next_exchanges_are_kept() {
        let mut r = Retention::default();
        let mut pushed = 0;
        let push = |r: &mut Retention, client: &str, status: u16, n: &mut usize| {
            let mut e = token_request(client, status);
            e.source.entry = *n;
            *n += 1;
            r.push(e);
        };
        for round in 0..WINDOW {
            push(&mut r, &format!("other-{}", round % 50), 200, &mut pushed);
            if round == WINDOW / 2 {
                push(&mut r, "failing", 200, &mut pushed);
            }
        }
        push(&mut r, "failing", 401, &mut pushed);
        let failed_at = pushed - 1;
        for round in 0..WINDOW * 3 {
            push(&mut r, &format!("other-{}", round % 50), 200, &mut pushed);
            if round % 100 == 99 {
                push(&mut r, "failing", 200, &mut pushed);
            }
        }
        let kept = r.finish();
        assert_eq!(kept.len() + r.summarised, pushed);
        let of_failing: Vec<usize> = kept
            .iter()
            .filter(|e| e.request.form.get("client_id") == Some("failing"))
            .map(|e| e.source.entry)
            .collect();
        let later: Vec<usize> = of_failing
            .iter()
            .copied()
            .filter(|i| *i > failed_at)
            .collect();
        // Its next four (beyond the window only these stay), its earlier success, the failure.
        assert!(later.len() >= AFTER_CLIENT_FAILURE, "{later:?}");
        assert!(of_failing.iter().any(|i| *i < failed_at), "{of_failing:?}");
        assert!(of_failing.contains(&failed_at));
        // The other clients' exchanges right after the failure are not kept for it.
        let right_after = kept
            .iter()
            .filter(|e| (failed_at + 1..failed_at + 1 + AFTER_FAILURE).contains(&e.source.entry))
            .filter(|e| e.request.form.get("client_id") != Some("failing"))
            .count();
        assert_eq!(right_after, 0);
    }

    /// A token request that fails carries the code, not the `state`: the authorization
    /// request is reached through the exchange that issued the code, which carries both.
    #[test]
    fn a_failure_pins_the_authorization_request_its_code_answers() {
        let get = |url: &str, status: u16, location: Option<&str>| {
            let mut e = call(url, "", status);
            e.request.headers = Headers::default();
            if let (Some(l), Some(r)) = (location, e.response.as_mut()) {
                r.headers.push("Location", l);
            }
            e
        };
        let post = |body: &str, status: u16| {
            let mut e = call("https://idp.test/token", "", status);
            e.request = Request::new(
                "POST",
                "https://idp.test/token",
                Headers::default(),
                Some(body.into()),
            );
            e
        };
        let mut r = Retention::default();
        // Two earlier sign-ins are the authorization endpoint's examples.
        for st in ["st-a", "st-b"] {
            r.push(get(
                &format!("https://idp.test/authorize?client_id=web&state={st}"),
                200,
                None,
            ));
        }
        r.push(get(
            "https://idp.test/authorize?client_id=web&state=st-0001&code_challenge=abc",
            200,
            None,
        ));
        for i in 0..WINDOW / 4 {
            r.push(call("https://api.test/x", &format!("tok{i:08}"), 200));
        }
        r.push(get(
            "https://idp.test/login-actions?session=s1",
            302,
            Some("https://app.test/cb?code=code-0001&state=st-0001"),
        ));
        // The client's latest exchange before the failure is another one.
        r.push(post(
            "grant_type=refresh_token&client_id=web&refresh_token=rt-9",
            200,
        ));
        for i in 0..WINDOW / 4 {
            r.push(call("https://api.test/y", &format!("uu{i:08}"), 200));
        }
        r.push(post(
            "grant_type=authorization_code&code=code-0001&client_id=web",
            400,
        ));
        for i in 0..WINDOW * 2 {
            r.push(call("https://api.test/z", &format!("zz{i:08}"), 200));
        }
        let kept = r.finish();
        assert!(
            kept.iter().any(|e| e.request.url.contains("state=st-0001")),
            "the authorization request stays"
        );
        assert!(
            kept.iter()
                .any(|e| e.request.url.contains("/login-actions"))
        );
    }

    #[test]
    fn a_failure_pins_the_exchanges_that_share_its_values() {
        let mut r = Retention::default();
        r.push(call("https://api.example/a", "linked-token-001", 200));
        for i in 0..WINDOW / 2 {
            r.push(call("https://api.example/b", &format!("tok{i:08}"), 200));
        }
        r.push(call("https://api.example/c", "linked-token-001", 401));
        for i in 0..WINDOW * 2 {
            r.push(call("https://api.example/d", &format!("u{i:08}"), 200));
        }
        let kept = r.finish();
        let linked = kept
            .iter()
            .filter(|e| e.request.presented_token().as_deref() == Some("linked-token-001"))
            .count();
        assert_eq!(linked, 2, "the success that used the failing token stays");
        // What the client did right after the failure stays too.
        assert!(
            kept.iter()
                .filter(|e| e.request.url.ends_with("/d"))
                .count()
                >= AFTER_FAILURE
        );
    }
}
