//! Providers recognised by what their servers send, end to end: the captures of
//! fixtures/providers/fingerprints (custom domains and self-hosted servers, where the host names
//! no provider) get the right top-level `provider` in the JSON report, recognised by
//! `fingerprint` with the evidence that shows it; the `quiet-` captures, whose only clues are
//! ones many servers share, get none. Host and configuration recognition say so, and the
//! evidence never carries a secret.

#[path = "support/doctor.rs"]
mod doctor;

use doctor::run;
use serde_json::Value;
use std::path::{Path, PathBuf};

const DIR: &str = "fixtures/providers/fingerprints";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

struct Case {
    file: String,
    provider: Option<String>,
    at: Option<String>,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(root().join(DIR).join("expected.jsonl"))
        .unwrap_or_else(|e| panic!("{DIR}/expected.jsonl: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"));
            Case {
                file: v["file"].as_str().expect("file").to_string(),
                provider: v["provider"].as_str().map(str::to_string),
                at: v["at"].as_str().map(str::to_string),
            }
        })
        .collect()
}

fn report(file: &str) -> Value {
    let path = format!("{DIR}/{file}");
    let r = run(&["check", &path, "--format", "json"], &[]);
    assert!(
        r.code == 0 || r.code == 1,
        "{file}: exit {}\n{}",
        r.code,
        r.stderr
    );
    r.json()
}

#[test]
fn every_capture_of_the_folder_is_listed() {
    let listed: Vec<String> = cases().into_iter().map(|c| c.file).collect();
    for e in std::fs::read_dir(root().join(DIR)).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            assert!(listed.contains(&name), "{name} is not in expected.jsonl");
        }
    }
    for c in cases() {
        assert_eq!(
            c.file.starts_with("quiet-"),
            c.provider.is_none(),
            "{}: a quiet capture expects no provider, any other one a provider",
            c.file
        );
    }
}

#[test]
fn custom_domains_and_self_hosted_servers_are_recognised_by_fingerprint() {
    let mut misses = Vec::new();
    for c in cases().into_iter().filter(|c| c.provider.is_some()) {
        let want = c.provider.as_deref().unwrap();
        let j = report(&c.file);
        let d = &j["provider_detail"];
        let ats: Vec<&str> = d["evidence"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["at"].as_str()).collect())
            .unwrap_or_default();
        let ok = j["provider"] == want
            && d["id"] == want
            && d["recognised_by"] == "fingerprint"
            && d["name"].as_str().is_some_and(|n| !n.is_empty())
            && ats.contains(&c.at.as_deref().unwrap_or(""));
        if !ok {
            misses.push(format!(
                "{}: provider {}, detail {d}, expected {want} by fingerprint at {:?}",
                c.file, j["provider"], c.at
            ));
        }
        let exchanges = j["exchanges"].as_u64().unwrap();
        for e in d["evidence"].as_array().into_iter().flatten() {
            let n = e["exchange"].as_u64().unwrap();
            assert!(
                (1..=exchanges).contains(&n),
                "{}: evidence names exchange {n} of {exchanges}",
                c.file
            );
        }
    }
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

#[test]
fn clues_that_many_servers_send_name_no_provider() {
    for c in cases().into_iter().filter(|c| c.provider.is_none()) {
        let j = report(&c.file);
        assert!(
            j["provider"].is_null() && j["provider_detail"].is_null(),
            "{}: recognised {} ({})",
            c.file,
            j["provider"],
            j["provider_detail"]
        );
        for f in j["findings"].as_array().unwrap() {
            assert!(
                f["provider"].is_null(),
                "{}: {} names provider {}",
                c.file,
                f["rule"],
                f["provider"]
            );
        }
    }
}

#[test]
fn a_providers_own_host_is_recognised_by_host() {
    let r = run(
        &[
            "check",
            "fixtures/providers/entra-700016-app-not-in-tenant.json",
            "--format",
            "json",
        ],
        &[],
    );
    let j = r.json();
    assert_eq!(j["provider"], "entra");
    let d = &j["provider_detail"];
    assert_eq!(d["recognised_by"], "host");
    assert_eq!(d["name"], "Microsoft Entra ID");
    assert_eq!(d["evidence"][0]["at"], "request.url.host");
    assert_eq!(d["evidence"][0]["value"], "login.microsoftonline.com");
}

#[test]
fn a_configured_host_is_recognised_by_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("oauth-doctor.toml");
    std::fs::write(
        &config,
        "[providers]\n\"auth.massive-dynamic.example\" = \"duende\"\n",
    )
    .unwrap();
    let r = run(
        &[
            "check",
            &format!("{DIR}/quiet-connect-token-alone.json"),
            "--format",
            "json",
            "--config",
            config.to_str().unwrap(),
        ],
        &[],
    );
    let j = r.json();
    assert_eq!(j["provider"], "duende", "{}", r.stdout);
    assert_eq!(j["provider_detail"]["recognised_by"], "configuration");
    assert_eq!(
        j["provider_detail"]["evidence"][0]["value"],
        "auth.massive-dynamic.example"
    );
}

#[test]
fn a_server_named_by_the_tokens_it_issued_names_its_later_failure() {
    // Hydra's tokens are in the answer to exchange 1; the refresh that fails is exchange 2.
    let j = report("hydra-refresh-after-rotation.json");
    let failing: Vec<&Value> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"]["entry"] == 2)
        .collect();
    assert!(
        !failing.is_empty(),
        "no finding on the failing refresh: {j}"
    );
    assert!(failing.iter().all(|f| f["provider"] == "hydra"), "{j}");
}

#[test]
fn evidence_shows_token_prefixes_and_cookie_names_never_their_values() {
    let secrets = [
        "ory_at_8Fq2Lm9Nx3Pk7Rt1Vw5Yz0Ab4Cd6Ef8Gh.Tk2Lm9Nx3Pk7Rt1Vw5Yz0Ab4Cd6Ef8GhIj",
        "ory_rt_Qw1Er2Ty3Ui4Op5As6Df7Gh8Jk9Lz0Xc.Vb1Nm2Qw3Er4Ty5Ui6Op7As8Df9GhJk",
        "Tk2Lm9Nx3Pk7Rt1Vw5Yz0Ab4Cd6Ef8GhIj",
    ];
    let j = report("hydra-refresh-after-rotation.json");
    let values: Vec<&str> = j["provider_detail"]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["value"].as_str())
        .collect();
    assert!(values.contains(&"ory_at_…"), "{values:?}");
    let text = j.to_string();
    for s in secrets {
        assert!(!text.contains(s), "a token reached the report: {s}");
    }
    let j = report("keycloak-login-page-cookies.json");
    let values: Vec<String> = j["provider_detail"]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["value"].as_str().map(str::to_string))
        .collect();
    assert!(
        values
            .iter()
            .any(|v| v == "KC_RESTART" || v == "AUTH_SESSION_ID"),
        "{values:?}"
    );
    let text = j.to_string();
    assert!(
        !text.contains("9d8f7e6a-1b2c-4d3e-8f9a-0b1c2d3e4f5a"),
        "a cookie value reached the report"
    );
    assert!(
        !text.contains("eyJjaWQiOiJwb3J0YWwifQ"),
        "a cookie value reached the report"
    );
}
