#!/usr/bin/env bash
# Builds and runs every hsync test with g++ and with clang: unit, static, compile_fail,
# consumer and single_header. Exits non-zero on any failure.
#
#   ./tools/test.sh              everything, both compilers
#   HSYNC_COMPILERS=g++ ./tools/test.sh     one compiler
#   ./tools/test.sh -L unit      extra arguments go to ctest
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source tools/deps.sh
hsync_install_deps

jobs=${HSYNC_JOBS:-$(nproc)}
compilers=${HSYNC_COMPILERS:-"g++ clang++"}

python3 tools/amalgamate.py --check

for cxx in $compilers; do
    build="build/test-${cxx//+/x}"
    echo "== $cxx: configure and build in $build"
    cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Debug \
        -DHSYNC_BUILD_TESTS=ON -DHSYNC_BUILD_EXAMPLES=ON >/dev/null
    cmake --build "$build" -j "$jobs"
    echo "== $cxx: test"
    ctest --test-dir "$build" -j "$jobs" --output-on-failure "$@"
done
echo "hsync: all tests passed with: $compilers"
