//! Links the test helpers `st-scenario` and `st-attack` statically (on glibc
//! targets).
//!
//! The helper's calls should be its own: a static image starts with no
//! dynamic loader opening libraries, and it runs wherever it is copied (a
//! bare directory, another root, the aarch64 test machine). Cargo has no
//! per-binary `-C target-feature=+crt-static`, and rustc names the C
//! libraries itself (`-Bdynamic -lgcc_s ... -lc`), so a link argument alone
//! cannot make them static. Instead the helper's link gets `-static-pie` and a
//! library directory searched before the system's, holding one linker script
//! per library rustc names; each script stands in for the shared library and
//! reads the static archive of the same library.
//!
//! The other binaries (`systrace` among them) are not affected.

use std::path::PathBuf;

/// The libraries rustc asks for on `*-linux-gnu`, and what stands in for
/// each. The C library is a group with libgcc, which it needs back.
const STAND_INS: &[(&str, &str)] = &[
    ("libc.so", "GROUP ( libc.a libgcc.a libgcc_eh.a )"),
    ("libgcc_s.so", "INPUT ( libgcc_eh.a )"),
    ("libutil.so", "INPUT ( libutil.a )"),
    ("librt.so", "INPUT ( librt.a )"),
    ("libpthread.so", "INPUT ( libpthread.a )"),
    ("libm.so", "INPUT ( libm.a )"),
    ("libdl.so", "INPUT ( libdl.a )"),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os != "linux" || env != "gnu" {
        // musl targets link statically already; nothing else is supported.
        return;
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dir = out.join("static-libs");
    std::fs::create_dir_all(&dir).expect("create the stand-in library directory");
    for (name, script) in STAND_INS {
        std::fs::write(dir.join(name), format!("{script}\n")).expect("write a stand-in library");
    }
    for bin in ["st-scenario", "st-attack"] {
        println!("cargo:rustc-link-arg-bin={bin}=-static-pie");
        println!("cargo:rustc-link-arg-bin={bin}=-L{}", dir.display());
    }
}
