#!/usr/bin/env bash
# Runs one of hsync's libFuzzer targets (clang, ASan, UBSan) for longer than CI does.
#
#   ./tools/fuzz.sh TARGET SECONDS [RUNS]   TARGET: frames, message, handshake or apply
#
# It stops after SECONDS, or after RUNS executions if that comes first (the long runs in
# docs/reliability.md: ./tools/fuzz.sh TARGET 36000 10000000).
#
# It starts from the target's seed inputs (real messages) and its regression corpus. An
# input that crashes is left in build/fuzz/tests/fuzz-work/TARGET/ (crash-*): add it to
# tests/fuzz/regressions/TARGET/ so that every test run replays it from then on.
set -euo pipefail

target=${1:?usage: ./tools/fuzz.sh TARGET SECONDS (TARGET: frames, message, handshake, apply)}
seconds=${2:?usage: ./tools/fuzz.sh TARGET SECONDS [RUNS]}
runs=${3:-0}
case "$target" in
    frames|message|handshake|apply) ;;
    *) echo "fuzz.sh: unknown target '$target'; the targets are frames, message, handshake and apply" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source tools/deps.sh
hsync_install_deps

build=build/fuzz
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
    -DHSYNC_BUILD_TESTS=ON -DHSYNC_BUILD_EXAMPLES=OFF -DHSYNC_FUZZ_SECONDS="$seconds" -DHSYNC_FUZZ_RUNS="$runs" >/dev/null
cmake --build "$build" --target "hsync_fuzz_$target" "hsync_fuzz_replay_$target"
ctest --test-dir "$build" -R "^fuzz\.$target\.run\$" --output-on-failure -V | grep -E "fuzz_$target:|wrote|Passed|Failed|found|Test time|stat::|==[0-9]+==|SUMMARY|ERROR"
