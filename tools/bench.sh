#!/usr/bin/env bash
# Builds hsync_bench optimized and runs it: hsync against hand-written SQLite on the same
# rows in the same run. Writes docs/benchmarks.md (the machine, the versions, the table).
#
#   ./tools/bench.sh                 the default sizes, 5 runs each
#   ./tools/bench.sh --scale 0.1     smaller, for a quick look; other options go to hsync_bench
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source tools/deps.sh
hsync_install_deps

build=build/bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHSYNC_BUILD_TESTS=ON -DHSYNC_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target hsync_bench
table=$("$build/tests/hsync_bench" "$@")
echo "$table"

{
    echo "# Benchmarks"
    echo
    echo "hsync against the hand-written SQLite code with the same effect, on the same rows, in"
    echo "the same process run, alternating; medians. The baseline writes into a copy of the"
    echo "tables hsync created (same schema and indexes, same WAL and \`synchronous\` settings,"
    echo "the same MessagePack payloads), with prepared statements reused. Source:"
    echo "\`tests/bench/bench_main.cpp\`."
    echo
    echo "Produced by \`./tools/bench.sh $*\` on $(date -u +%Y-%m-%d):"
    echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'),"
    echo "$(g++ --version | head -1), SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || echo "$(dpkg-query -W -f='${Version}' libsqlite3-dev)")."
    echo
    echo "$table"
} > docs/benchmarks.md.new
# Keep the hand-written part of the page (after the marker) across runs.
if [ -f docs/benchmarks.md ] && grep -q '^<!-- notes -->' docs/benchmarks.md; then
    { echo; sed -n '/^<!-- notes -->/,$p' docs/benchmarks.md; } >> docs/benchmarks.md.new
fi
mv docs/benchmarks.md.new docs/benchmarks.md
echo "bench.sh: wrote docs/benchmarks.md"
