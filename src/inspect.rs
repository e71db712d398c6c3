//! `oauth-doctor inspect`: decode one JWT and judge it — times (`exp`, `nbf`, `iat` with the
//! leeway), issuer and audience when expected values are given, and the signature when keys are
//! given. Every check is listed, failures and skips included: when nothing was verified it says
//! so plainly. Pure: keys arrive already loaded (`app` fetches them through `live`);
//! rendering never prints the signature segment, only its length.

use crate::model::Verification;
use crate::oauth::jwks::KeySet;
use crate::oauth::jwt::{self, DecodedJwt};
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use std::io::{self, Write};

/// Why the input is not a token that can be inspected (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error(
        "no token given: pass it as an argument, with --token-env VAR, or on stdin (`pbpaste | oauth-doctor inspect`)"
    )]
    Empty,
    #[error("not a JWT: it {0}")]
    NotJwt(jwt::JwtError),
}

/// Where the verification keys came from, and what came of loading them.
#[derive(Debug)]
pub enum Keys {
    /// No `--jwks`, `--issuer` or `--hmac-secret-env`: the signature is not checked.
    None,
    /// A key set, or why it could not be had (a failed check, not an input error).
    Set {
        origin: String,
        keys: Result<KeySet, String>,
    },
    /// A shared secret (`--hmac-secret-env`) for HS256/384/512, or why it is not usable.
    Secret {
        origin: String,
        keys: Result<KeySet, String>,
    },
}

/// Where the keys came from, for messages that depend on it.
enum KeysKind {
    Public,
    Other,
}

/// Whether a JWS algorithm is an HMAC (a shared secret signs and verifies).
fn is_hmac(alg: &str) -> bool {
    alg.len() >= 2 && alg[..2].eq_ignore_ascii_case("HS")
}

/// What to expect of the token.
#[derive(Debug, Clone)]
pub struct Expect {
    pub now: Timestamp,
    pub leeway: i64,
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

/// The status of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// Not checked (nothing to check against); never a failure, always said.
    Skip,
    /// Worth knowing, not a failure (no `exp` at all, a long lifetime).
    Warn,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Warn => "warn",
        }
    }
}

/// One line of the verdict.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub message: String,
}

/// The whole inspection.
#[derive(Debug, Clone)]
pub struct Inspection {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    pub signature_len: usize,
    pub checks: Vec<Check>,
    pub verification: Option<Verification>,
}

impl Inspection {
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.status == Status::Fail)
    }
    pub fn verified(&self) -> bool {
        self.verification
            .as_ref()
            .is_some_and(Verification::is_verified)
    }
}

/// Strip what people paste around a token: `Bearer `, `Authorization:`, quotes, whitespace.
pub fn normalise(raw: &str) -> String {
    let mut t = raw.trim();
    for prefix in ["authorization:", "bearer ", "dpop "] {
        if t.len() >= prefix.len() && t[..prefix.len()].eq_ignore_ascii_case(prefix) {
            t = t[prefix.len()..].trim();
        }
    }
    t.trim_matches(|c| c == '"' || c == '\'')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn when(t: i64) -> String {
    Timestamp::from_second(t)
        .map(|ts| ts.to_string())
        .unwrap_or_else(|_| format!("{t} (out of range)"))
}

fn relative(t: i64, now: i64) -> String {
    let d = t - now;
    if d >= 0 {
        format!("in {}", crate::model::human_duration(d))
    } else {
        format!("{} ago", crate::model::human_duration(d))
    }
}

/// Decode and judge a token.
pub fn inspect(raw: &str, keys: &Keys, expect: &Expect) -> Result<Inspection, InspectError> {
    let token = normalise(raw);
    if token.is_empty() {
        return Err(InspectError::Empty);
    }
    let d = jwt::decode(&token).map_err(InspectError::NotJwt)?;
    let mut checks = Vec::new();
    let now = expect.now.as_second();
    let leeway = expect.leeway;
    time_checks(&d, now, leeway, &mut checks);

    match (&expect.issuer, d.claim_str("iss")) {
        (Some(want), Some(got)) if got == want => checks.push(Check {
            name: "iss",
            status: Status::Pass,
            message: format!("issuer is `{got}`"),
        }),
        (Some(want), Some(got)) => checks.push(Check {
            name: "iss",
            status: Status::Fail,
            message: format!(
                "issuer is `{got}`, expected `{want}`{}",
                if got.trim_end_matches('/') == want.trim_end_matches('/') {
                    " (they differ only by a trailing slash: issuers are compared exactly)"
                } else {
                    ""
                }
            ),
        }),
        (Some(want), None) => checks.push(Check {
            name: "iss",
            status: Status::Fail,
            message: format!("no `iss` claim, expected `{want}`"),
        }),
        (None, Some(got)) => checks.push(Check {
            name: "iss",
            status: Status::Skip,
            message: format!("issuer `{got}` not checked (no --issuer)"),
        }),
        (None, None) => {}
    }
    let auds = d.audiences();
    match &expect.audience {
        Some(want) if auds.contains(&want.as_str()) => checks.push(Check {
            name: "aud",
            status: Status::Pass,
            message: format!("audience contains `{want}`"),
        }),
        Some(want) => checks.push(Check {
            name: "aud",
            status: Status::Fail,
            message: if auds.is_empty() {
                format!("no `aud` claim, expected `{want}`")
            } else {
                format!(
                    "audience is {}, expected `{want}`",
                    auds.iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        }),
        None if !auds.is_empty() => checks.push(Check {
            name: "aud",
            status: Status::Skip,
            message: "audience not checked (no --audience)".into(),
        }),
        None => {}
    }

    let keys_kind = match keys {
        Keys::Set { .. } => KeysKind::Public,
        _ => KeysKind::Other,
    };
    let verification = match keys {
        Keys::None => {
            let alg = d.alg().unwrap_or("");
            if alg.is_empty() || alg.eq_ignore_ascii_case("none") || d.signature_len == 0 {
                checks.push(Check {
                    name: "signature",
                    status: Status::Fail,
                    message: Verification::Unsigned.describe(),
                });
                Some(Verification::Unsigned)
            } else if is_hmac(alg) {
                checks.push(Check {
                    name: "signature",
                    status: Status::Skip,
                    message: format!(
                        "NOT VERIFIED: a {alg} token is checked with the shared secret it was signed with: give it with --hmac-secret-env VAR; the claims above may be forged"
                    ),
                });
                None
            } else {
                checks.push(Check {
                    name: "signature",
                    status: Status::Skip,
                    message: format!(
                        "NOT VERIFIED: a {alg} token is checked with its issuer's public keys: give them with --jwks FILE|URL, or --issuer URL to fetch its jwks_uri; the claims above may be forged"
                    ),
                });
                None
            }
        }
        Keys::Secret { origin, .. } if !is_hmac(d.alg().unwrap_or("")) => {
            let alg = d.alg().unwrap_or("none");
            let message = if alg.eq_ignore_ascii_case("none") || d.signature_len == 0 {
                Verification::Unsigned.describe()
            } else {
                format!(
                    "algorithm confusion: the token is {alg}, signed with a private key and checked with its issuer's public keys (--jwks, --issuer); an HMAC secret ({origin}) cannot verify it, and a validator that accepts an HMAC check of a {alg} token can be fooled with the public key as the secret (RFC 8725 §2.1, §3.1)"
                )
            };
            checks.push(Check {
                name: "signature",
                status: Status::Fail,
                message,
            });
            None
        }
        Keys::Set { origin, keys } | Keys::Secret { origin, keys } => match keys {
            Err(e) => {
                checks.push(Check {
                    name: "signature",
                    status: Status::Fail,
                    message: format!("NOT VERIFIED: cannot use the keys from {origin}: {e}"),
                });
                None
            }
            Ok(set) => {
                // A token from a redacted capture has a placeholder where its signature was.
                let v = if crate::redact::is_redacted(&token) {
                    Verification::SignatureRedacted
                } else {
                    crate::oauth::jwks::verify(&token, set)
                };
                let alg = d.alg().unwrap_or("");
                let public_keys = matches!(keys_kind, KeysKind::Public);
                let message = if public_keys && is_hmac(alg) && !v.is_verified() {
                    format!(
                        "the token is {alg}, signed with a shared secret, but {origin} holds public keys: check it with --hmac-secret-env VAR; an issuer that publishes public keys but signs {alg} is the algorithm-confusion pattern (RFC 8725 §2.1)"
                    )
                } else {
                    format!("{} (keys from {origin})", v.describe())
                };
                checks.push(Check {
                    name: "signature",
                    status: if v.is_verified() {
                        Status::Pass
                    } else {
                        Status::Fail
                    },
                    message,
                });
                Some(v)
            }
        },
    };
    Ok(Inspection {
        header: d.header,
        claims: d.claims,
        signature_len: d.signature_len,
        checks,
        verification,
    })
}

fn time_checks(d: &DecodedJwt, now: i64, leeway: i64, checks: &mut Vec<Check>) {
    let bad_type = |name: &str| d.claims.contains_key(name) && d.claim_time(name).is_none();
    for name in ["exp", "nbf", "iat"] {
        if bad_type(name) {
            checks.push(Check {
                name: match name {
                    "exp" => "exp",
                    "nbf" => "nbf",
                    _ => "iat",
                },
                status: Status::Fail,
                message: format!("`{name}` is not a NumericDate (seconds since 1970)"),
            });
        }
    }
    match d.claim_time("exp") {
        Some(exp) if now > exp + leeway => checks.push(Check {
            name: "exp",
            status: Status::Fail,
            message: format!(
                "expired {} ({}), beyond the {leeway} s leeway",
                relative(exp, now),
                when(exp)
            ),
        }),
        Some(exp) if now > exp => checks.push(Check {
            name: "exp",
            status: Status::Pass,
            message: format!(
                "expired {} ({}), but within the {leeway} s leeway",
                relative(exp, now),
                when(exp)
            ),
        }),
        Some(exp) => checks.push(Check {
            name: "exp",
            status: Status::Pass,
            message: format!("expires {} ({})", relative(exp, now), when(exp)),
        }),
        None if !d.claims.contains_key("exp") => checks.push(Check {
            name: "exp",
            status: Status::Warn,
            message: "no `exp` claim: the token never expires by itself".into(),
        }),
        None => {}
    }
    if let Some(nbf) = d.claim_time("nbf") {
        checks.push(if nbf > now + leeway {
            Check {
                name: "nbf",
                status: Status::Fail,
                message: format!(
                    "not valid before {} ({}): the issuer's clock is ahead, or the token is used too early",
                    relative(nbf, now),
                    when(nbf)
                ),
            }
        } else {
            Check {
                name: "nbf",
                status: Status::Pass,
                message: format!("valid since {} ({})", relative(nbf, now), when(nbf)),
            }
        });
    }
    if let Some(iat) = d.claim_time("iat") {
        checks.push(if iat > now + leeway {
            Check {
                name: "iat",
                status: Status::Fail,
                message: format!(
                    "issued {} ({}), in the future beyond the {leeway} s leeway: clocks disagree",
                    relative(iat, now),
                    when(iat)
                ),
            }
        } else {
            Check {
                name: "iat",
                status: Status::Pass,
                message: format!("issued {} ({})", relative(iat, now), when(iat)),
            }
        });
    }
}

/// Claims shown with a human reading next to their value.
fn annotate(name: &str, v: &Value, now: i64) -> Option<String> {
    if !matches!(name, "exp" | "nbf" | "iat" | "auth_time" | "updated_at") {
        return None;
    }
    let t = v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))?;
    Some(format!("{} ({})", when(t), relative(t, now)))
}

/// Render for a terminal.
pub fn render_text(i: &Inspection, now: Timestamp, out: &mut dyn Write) -> io::Result<()> {
    let now = now.as_second();
    writeln!(out, "header")?;
    for (k, v) in &i.header {
        writeln!(out, "  {k}: {}", compact(v))?;
    }
    writeln!(out, "claims")?;
    for (k, v) in &i.claims {
        match annotate(k, v, now) {
            Some(h) => writeln!(out, "  {k}: {} = {h}", compact(v))?,
            None => writeln!(out, "  {k}: {}", compact(v))?,
        }
    }
    writeln!(
        out,
        "signature\n  {} (segment not shown)",
        if i.signature_len == 0 {
            "none".to_string()
        } else {
            format!("{} characters", i.signature_len)
        }
    )?;
    writeln!(out, "checks")?;
    for c in &i.checks {
        // Colour codes are written only to a terminal (or with --color always); anstream
        // removes them otherwise.
        let st = status_style(c.status);
        writeln!(
            out,
            "  {st}{:<4}{st:#}  {:<9} {}",
            c.status.as_str().to_ascii_uppercase(),
            c.name,
            c.message
        )?;
    }
    let failed = i.checks.iter().filter(|c| c.status == Status::Fail).count();
    let (status, verdict) = if failed > 0 {
        (
            Status::Fail,
            format!(
                "fail: {failed} check{} failed",
                if failed == 1 { "" } else { "s" }
            ),
        )
    } else if i.verified() {
        (
            Status::Pass,
            "pass: signature verified and every check passed".to_string(),
        )
    } else {
        (
            Status::Warn,
            "pass, but the signature was NOT verified".to_string(),
        )
    };
    let st = status_style(status);
    writeln!(out, "{st}{verdict}{st:#}")
}

/// PASS green, FAIL bold red, SKIP and WARN yellow.
fn status_style(s: Status) -> anstyle::Style {
    use anstyle::AnsiColor;
    match s {
        Status::Pass => AnsiColor::Green.on_default().bold(),
        Status::Fail => AnsiColor::Red.on_default().bold(),
        Status::Skip | Status::Warn => AnsiColor::Yellow.on_default(),
    }
}

fn compact(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 400 {
        s.chars().take(400).collect::<String>() + "…"
    } else {
        s
    }
}

/// Render as JSON (`oauth-doctor/inspect/v1`).
pub fn render_json(i: &Inspection, out: &mut dyn Write) -> io::Result<()> {
    let checks: Vec<Value> = i
        .checks
        .iter()
        .map(|c| json!({"check": c.name, "status": c.status.as_str(), "message": c.message}))
        .collect();
    let doc = json!({
        "schema": "oauth-doctor/inspect/v1",
        "verdict": if i.failed() { "fail" } else { "pass" },
        "verified": i.verified(),
        "header": i.header,
        "claims": i.claims,
        "signature": { "present": i.signature_len > 0, "length": i.signature_len },
        "checks": checks,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect(now: i64) -> Expect {
        Expect {
            now: Timestamp::from_second(now).unwrap(),
            leeway: 60,
            issuer: None,
            audience: None,
        }
    }

    // {"alg":"none"}.{"iss":"https://i","aud":"a","exp":1000,"iat":900}.
    const NONE_TOKEN: &str =
        "eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2kiLCJhdWQiOiJhIiwiZXhwIjoxMDAwLCJpYXQiOjkwMH0.";

    #[test]
    fn normalises_pasted_tokens() {
        assert_eq!(normalise("  Bearer  abc.def\n.ghi "), "abc.def.ghi");
        assert_eq!(normalise("\"a.b.c\""), "a.b.c");
        assert_eq!(normalise("Authorization: Bearer a.b.c"), "a.b.c");
    }

    #[test]
    fn lists_every_failure_and_handles_alg_none() {
        let mut e = expect(1000 + 3 * 3600);
        e.issuer = Some("https://other".into());
        e.audience = Some("b".into());
        let i = inspect(NONE_TOKEN, &Keys::None, &e).unwrap();
        let failed: Vec<&str> = i
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.name)
            .collect();
        assert_eq!(failed, ["exp", "iss", "aud", "signature"], "{:?}", i.checks);
        assert!(
            i.checks[0].message.contains("expired 3 h ago"),
            "{:?}",
            i.checks
        );
    }

    #[test]
    fn a_token_from_a_redacted_capture_is_not_called_forged() {
        // {"alg":"RS256"}.{"iss":"https://i"} with the placeholder `oauth-doctor redact` writes.
        let token = format!(
            "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2kifQ.{}",
            crate::redact::placeholder("the-signature-that-was-there")
        );
        let keys = Keys::Set {
            origin: "jwks.json".into(),
            keys: Ok(KeySet::default()),
        };
        let i = inspect(&token, &keys, &expect(900)).unwrap();
        assert_eq!(i.verification, Some(Verification::SignatureRedacted));
        let sig = i.checks.iter().find(|c| c.name == "signature").unwrap();
        assert!(
            sig.message.starts_with("the signature was replaced"),
            "{}",
            sig.message
        );
    }
}
