#!/usr/bin/env bash
# Builds and runs every hsync test: unit, static, compile_fail, consumer and
# single_header, once per build of HSYNC_BUILDS (compiler:build type), with warnings as
# errors (HSYNC_WERROR). By default each compiler is built once, g++ in Release (-O3,
# NDEBUG) and clang++ in Debug. Exits non-zero on any failure.
#
#   ./tools/test.sh                                      g++:Release clang++:Debug
#   HSYNC_BUILDS="g++:Debug clang++:Debug g++:Release" ./tools/test.sh
#   HSYNC_COMPILERS=g++ ./tools/test.sh                  one compiler, its default type
#   ./tools/test.sh -L unit                              extra arguments go to ctest
#
# Build directories are named by compiler and type: build/test-gxx-release,
# build/test-clangxx-debug.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source tools/deps.sh
hsync_install_deps

jobs=${HSYNC_JOBS:-$(nproc)}

default_type() {
    case "$1" in
        g++*) echo Release ;;
        *) echo Debug ;;
    esac
}

if [[ -n "${HSYNC_BUILDS:-}" ]]; then
    builds=$HSYNC_BUILDS
elif [[ -n "${HSYNC_COMPILERS:-}" ]]; then
    builds=""
    for cxx in $HSYNC_COMPILERS; do builds+="$cxx:$(default_type "$cxx") "; done
else
    builds="g++:Release clang++:Debug"
fi

python3 tools/amalgamate.py --check

for spec in $builds; do
    if [[ "$spec" != *:* ]]; then
        echo "hsync: HSYNC_BUILDS entry '$spec' is not <compiler>:<build type>" >&2
        exit 2
    fi
    cxx=${spec%%:*}
    type=${spec#*:}
    build="build/test-${cxx//+/x}-${type,,}"
    echo "== $cxx $type: configure and build in $build"
    cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE="$type" \
        -DHSYNC_BUILD_TESTS=ON -DHSYNC_BUILD_EXAMPLES=ON -DHSYNC_WERROR=ON >/dev/null
    cmake --build "$build" -j "$jobs"
    echo "== $cxx $type: test"
    ctest --test-dir "$build" -j "$jobs" --output-on-failure "$@"
done
echo "hsync: all tests passed with: $builds"
