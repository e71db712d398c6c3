//! `oauth-doctor redact` on arbitrary bytes: never panics, and whatever it writes is read back
//! by `check`'s loader when the input was readable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("oauth-doctor-fuzz-redact-{}", std::process::id()));
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(data).unwrap();
    drop(f);
    let mut out = Vec::new();
    if oauth_doctor::capture::rewrite::redact(path.to_str().unwrap(), &mut out).is_ok() {
        let again = oauth_doctor::capture::load_bytes(std::sync::Arc::from("fuzz"), &out);
        assert!(again.is_ok(), "redacted output does not load: {:?}", again.err());
    }
});
