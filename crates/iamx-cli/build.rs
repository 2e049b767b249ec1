//! Records the folder of the libz3 the binary links in its run path, so that
//! `target/release/iamx` and an installed `iamx` start without
//! `LD_LIBRARY_PATH`.
//!
//! When `Z3_LIBRARY_PATH_OVERRIDE` is set (the repository's
//! `.cargo/config.toml` sets it; `scripts/install` sets it to the folder it
//! installs libz3 into), that folder goes into the binary's `RUNPATH`.
//! Without it nothing is added: the system libz3 is on the loader's path.

fn main() {
    println!("cargo:rerun-if-env-changed=Z3_LIBRARY_PATH_OVERRIDE");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if !matches!(
        target_os.as_str(),
        "linux" | "freebsd" | "netbsd" | "openbsd"
    ) {
        return;
    }
    if let Some(dir) = std::env::var_os("Z3_LIBRARY_PATH_OVERRIDE") {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,-rpath,{}",
            dir.to_string_lossy()
        );
    }
}
