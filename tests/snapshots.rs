//! Reviewed snapshots of what a user reads: the text report, the concise report and the JSON
//! report on the same captures. Regenerate with `INSTA_UPDATE=always cargo test --test snapshots`
//! and review the diff before committing.

#[path = "support/doctor.rs"]
mod doctor;

use doctor::doctor;

fn run(args: &[&str]) -> String {
    let out = doctor().args(args).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

macro_rules! snap {
    ($name:ident, $($arg:expr),+) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(run(&[$($arg),+]));
        }
    };
}

snap!(
    text_pkce_wrong_verifier,
    "check",
    "fixtures/corpus/op-pkce-wrong-verifier.har"
);
snap!(
    text_entra_secret_id,
    "check",
    "fixtures/corpus/azure-7000215-secret-id.har"
);
snap!(
    text_clean_flow,
    "check",
    "fixtures/corpus/op-clean-code-post-revocation.har"
);
snap!(
    text_proxy_502,
    "check",
    "fixtures/corpus/proxy-502-masking-code-reuse.har"
);
snap!(
    concise_basic_secret,
    "check",
    "--concise",
    "fixtures/corpus/op-basic-secret-not-urlencoded.har"
);
snap!(
    json_pkce_wrong_verifier,
    "check",
    "--format",
    "json",
    "fixtures/corpus/op-pkce-wrong-verifier.har"
);
snap!(
    json_entra_secret_id,
    "check",
    "--format",
    "json",
    "fixtures/corpus/azure-7000215-secret-id.har"
);
snap!(explain_invalid_grant, "explain", "invalid_grant");
