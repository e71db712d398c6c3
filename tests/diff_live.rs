//! `oauth-doctor diff` on pairs made against a real OpenID provider (tests/live, panva
//! oidc-provider): live mode performs the token request once as it should be and once with one
//! mistake, saves both exchanges (`--save-capture`, secrets fingerprinted), and `diff` compares
//! the two saved captures. The mistake must be the first difference reported, and the values
//! that differ between two runs (tokens, timestamps) must not be.
//! Skips (passes) when Node.js or tests/live/node_modules is missing, unless OAUTH_DOCTOR_LIVE=1.

#[path = "support/doctor.rs"]
mod doctor;
#[path = "support/live_server.rs"]
mod live_server;

use doctor::{TempFile, run, run_client_credentials, temp_file};
use live_server::{LiveServer, clients};
use serde_json::Value;

/// A client_credentials request of conf-basic for `api:read`, then EXTRA, saved to a file.
fn saved(server: &LiveServer, extra: &[&str]) -> (i32, TempFile) {
    let file = temp_file("");
    let mut args = vec!["--scope", "api:read"];
    args.extend_from_slice(extra);
    args.extend(["--save-capture", &file.path]);
    let r = run_client_credentials(
        &["--issuer", &server.issuer],
        clients::CONF_BASIC,
        &args,
        &[],
    );
    (r.code, file)
}

/// (mistake, step, aspect, field, GOOD's value, BAD's value)
type Case = (
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

#[test]
fn a_mistake_made_live_is_the_first_difference_between_the_saved_captures() {
    let Some(server) = LiveServer::shared() else {
        return;
    };
    let (code, good) = saved(server, &[]);
    assert_eq!(code, 0, "the correct request succeeds");
    let cases: [Case; 3] = [
        (
            &["--body-format", "json"],
            "token (client_credentials)",
            "body_encoding",
            "body",
            Some("form (`Content-Type: application/x-www-form-urlencoded`)"),
            Some("JSON (`Content-Type: application/json`)"),
        ),
        (
            &["--auth-method", "client_secret_post"],
            "token (client_credentials)",
            "client_authentication",
            "client authentication",
            Some("client_secret_basic"),
            Some("client_secret_post"),
        ),
        (
            &["--omit", "grant_type"],
            "token (no grant_type)",
            "parameter",
            "grant_type",
            Some("client_credentials"),
            None,
        ),
    ];
    for (mistake, step, aspect, field, gv, bv) in cases {
        let (code, bad) = saved(server, mistake);
        assert_eq!(code, 1, "{mistake:?} fails");
        let out = run(&["diff", &good.path, &bad.path, "--format", "json"], &[]);
        assert_eq!(out.code, 1, "{mistake:?}\n{out}");
        let doc: Value = out.json();
        let diffs = doc["differences"].as_array().unwrap();
        let first = &diffs[0];
        let all: Vec<String> = diffs
            .iter()
            .map(|d| {
                format!(
                    "{} {} · {}: {}",
                    d["role"], d["step"], d["field"], d["message"]
                )
            })
            .collect();
        let all = all.join("\n");
        assert_eq!(first["role"], "cause", "{mistake:?}\n{all}");
        assert_eq!(first["step"], step, "{mistake:?}\n{all}");
        assert_eq!(first["aspect"], aspect, "{mistake:?}\n{all}");
        assert_eq!(first["field"], field, "{mistake:?}\n{all}");
        assert_eq!(first["good"]["value"].as_str(), gv, "{mistake:?}");
        assert_eq!(first["bad"]["value"].as_str(), bv, "{mistake:?}");
        for d in diffs {
            let f = d["field"].as_str().unwrap();
            assert!(
                !["access_token", "expires_in", "client_secret", "clock"].contains(&f),
                "{mistake:?}: `{f}` reported\n{all}"
            );
        }
        let text = run(&["diff", &good.path, &bad.path], &[]);
        assert!(
            !text.stdout.contains(clients::CONF_BASIC.1),
            "the secret is printed:\n{}",
            text.stdout
        );
    }
}
