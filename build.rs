//! Link the `oauth-doctor` executable at a fixed address (not position-independent) on Linux:
//! the loader then has no relocations to apply at start-up, which is a tenth of the run time
//! of a small capture (measured in docs/performance.md). The library is unchanged.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
