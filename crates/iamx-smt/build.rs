//! Makes the libz3 that z3-sys links findable at run time by what cargo
//! starts (`cargo run`, `cargo test`, doctests).
//!
//! When `Z3_LIBRARY_PATH_OVERRIDE` names the folder of a libz3 outside the
//! system's (the repository's `.cargo/config.toml` points it at the one
//! `scripts/deps.sh` unpacks), each `libz3.so*` of that folder is linked into
//! this build's `OUT_DIR`, which is given to the linker as a search path.
//! Cargo puts the search paths that lie inside its own output folder on the
//! library path of the programs it runs; a folder beside `target/release`
//! is not. Without the variable this does nothing: z3-sys finds the system
//! libz3 with pkg-config.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=Z3_LIBRARY_PATH_OVERRIDE");
    let Some(lib_dir) = std::env::var_os("Z3_LIBRARY_PATH_OVERRIDE").map(PathBuf::from) else {
        return;
    };
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        return;
    };
    println!("cargo:rerun-if-changed={}", lib_dir.display());
    let Ok(entries) = std::fs::read_dir(&lib_dir) else {
        println!(
            "cargo:warning=Z3_LIBRARY_PATH_OVERRIDE names `{}`, which cannot be read: run scripts/deps.sh's ensure_deps (scripts/iamx or scripts/test do)",
            lib_dir.display()
        );
        return;
    };
    let mut linked = false;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with("libz3.so") {
            continue;
        }
        let link = out_dir.join(&name);
        if let Err(e) = relink(&entry.path(), &link) {
            println!("cargo:warning=cannot link `{}`: {e}", link.display());
            return;
        }
        linked = true;
    }
    if linked {
        println!("cargo:rustc-link-search=native={}", out_dir.display());
    }
}

fn relink(target: &Path, link: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(link) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(target, link)
    }
    #[cfg(not(unix))]
    {
        std::fs::copy(target, link).map(|_| ())
    }
}
