# Sourced by scripts/iamx, scripts/test, scripts/install and .ci/run.
#
# `ensure_deps` makes sure target/iamx-deps holds what the build links and
# nothing on a bare Rust machine provides:
#   z3/include, z3/lib   libz3 5.4.1 and its headers (PyPI wheel z3-solver)
#   libclang/            libclang.so 18 for bindgen, which z3-sys's build
#                        runs on z3.h (PyPI wheel libclang)
#   bin/clang            a link to the C compiler: bindgen asks `clang -E -v`
#                        for the C system include directories (stdbool.h),
#                        and gcc answers that question in the same format
# The wheels are pinned with their hashes in scripts/deps.txt and fetched
# with pip; nothing is built from source and nothing is installed outside
# target/. .cargo/config.toml points z3-sys at these paths, so every cargo
# command run in this repository builds against them. At run time,
# crates/iamx-smt/build.rs links libz3 into its OUT_DIR, which cargo puts on
# the library path of what `cargo run` and `cargo test` start, and
# crates/iamx-cli/build.rs writes the folder into the binary's RUNPATH.
IAMX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IAMX_DEPS="$IAMX_ROOT/target/iamx-deps"

ensure_deps() {
    local stamp="$IAMX_DEPS/.installed"
    local want
    want="$(grep -v '^#' "$IAMX_ROOT/scripts/deps.txt")"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
        && [ -e "$IAMX_DEPS/bin/clang" ]; then
        return 0
    fi
    local python
    python="$(command -v python3 || command -v python || true)"
    if [ -z "$python" ]; then
        echo "error: python3 with pip is needed to fetch z3 and libclang from PyPI (scripts/deps.txt)" >&2
        return 1
    fi
    local cc
    cc="$(command -v gcc || command -v cc || true)"
    if [ -z "$cc" ]; then
        echo "error: a C compiler (gcc) is needed: bindgen reads the C system include directories from it" >&2
        return 1
    fi
    echo "installing into target/iamx-deps: z3 5.4.1 (PyPI z3-solver), libclang 18.1.1 (PyPI libclang)" >&2
    local tmp
    tmp="$(mktemp -d)"
    if ! "$python" -m pip download --quiet --disable-pip-version-check \
        --no-deps --only-binary=:all: --require-hashes \
        -r "$IAMX_ROOT/scripts/deps.txt" -d "$tmp/wheels"; then
        echo "error: could not download the wheels of scripts/deps.txt from PyPI" >&2
        rm -rf "$tmp"
        return 1
    fi
    rm -rf "$IAMX_DEPS"
    mkdir -p "$IAMX_DEPS/bin" "$IAMX_DEPS/libclang"
    local whl
    for whl in "$tmp"/wheels/*.whl; do
        "$python" -m zipfile -e "$whl" "$tmp/unpacked" || { rm -rf "$tmp"; return 1; }
    done
    mkdir -p "$IAMX_DEPS/z3"
    mv "$tmp/unpacked/z3/include" "$tmp/unpacked/z3/lib" "$IAMX_DEPS/z3/" \
        && mv "$tmp"/unpacked/libclang-*.data/platlib/clang/native/libclang.so "$IAMX_DEPS/libclang/" \
        || { rm -rf "$tmp"; return 1; }
    ln -sf "$cc" "$IAMX_DEPS/bin/clang"
    rm -rf "$tmp"
    if [ ! -e "$IAMX_DEPS/z3/include/z3.h" ] || [ ! -e "$IAMX_DEPS/z3/lib/libz3.so" ] \
        || [ ! -e "$IAMX_DEPS/libclang/libclang.so" ]; then
        echo "error: the wheels of scripts/deps.txt do not hold z3.h, libz3.so and libclang.so where expected" >&2
        return 1
    fi
    printf '%s' "$want" >"$stamp"
}
