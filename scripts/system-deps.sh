# Sourced by scripts/test and .ci/run: installs the Debian packages the build
# needs when they are missing (libz3-dev: z3 is linked from the system;
# libclang-dev: z3-sys generates its bindings with bindgen).
install_system_deps() {
    local need=()
    [ -e /usr/include/z3.h ] || need+=(libz3-dev)
    if ! ls /usr/lib/llvm-*/lib/libclang.so >/dev/null 2>&1 \
        && ! ls /usr/lib/x86_64-linux-gnu/libclang*.so >/dev/null 2>&1; then
        need+=(libclang-dev)
    fi
    if [ ${#need[@]} -eq 0 ]; then
        return 0
    fi
    echo "installing: ${need[*]}"
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${need[@]}"
}
