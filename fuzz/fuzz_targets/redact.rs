//! `oauth-doctor redact` on arbitrary bytes: never panics, and whatever it writes is read back
//! by `check`'s loader when the input was readable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let path =
        std::env::temp_dir().join(format!("oauth-doctor-fuzz-redact-{}", std::process::id()));
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(data).unwrap();
    drop(f);
    let mut out = Vec::new();
    if oauth_doctor::redact::file::redact(path.to_str().unwrap(), &mut out).is_ok() {
        // Read back the way `check` reads a file (streaming HAR): it must load, with as many
        // entries as the input.
        let load = |b: Vec<u8>| {
            oauth_doctor::capture::load_reader(
                std::sync::Arc::from("fuzz"),
                Box::new(std::io::Cursor::new(b)),
                None,
            )
        };
        let before = load(data.to_vec()).expect("redact accepted what check rejects");
        let after = load(out).unwrap_or_else(|e| panic!("redacted output does not load: {e}"));
        let n = |l: &oauth_doctor::capture::Loaded| {
            l.exchanges.len() + l.ignored + l.skipped.len() + l.skipped_more
        };
        assert_eq!(n(&before), n(&after), "redacted output has other entries");
    }
});
