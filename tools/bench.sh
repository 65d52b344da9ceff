#!/usr/bin/env bash
# Builds the benchmarks optimized and runs them: hsync against hand-written SQLite on the
# same rows in the same run, the network workloads between device processes, and the
# compile time of each entry header. Writes docs/benchmarks.md (the machine, the
# versions, the tables) and docs/benchmarks-batch.svg (the chart).
#
#   ./tools/bench.sh                 the default sizes: 5 runs each, 1M-entry backfill
#   ./tools/bench.sh --quick         a tenth of the sizes, one run, for a quick look
#   ./tools/bench.sh --runs 3        other options go to hsync_bench
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source tools/deps.sh
hsync_install_deps

local_args=("$@")
net_args=()
if [ "${1:-}" = "--quick" ]; then
    local_args=(--runs 1 --scale 0.1)
    net_args=(--entries 100000 --samples 200)
fi

build=build/bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHSYNC_BUILD_TESTS=ON -DHSYNC_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target hsync_bench hsync_bench_net hsync_bench_batch_memory

echo "bench.sh: commits and apply (hsync_bench ${local_args[*]})"
table=$("$build/tests/hsync_bench" "${local_args[@]}")
echo "$table"
python3 tools/bench_chart.py docs/benchmarks-batch.svg <<<"$table"

echo "bench.sh: backfill and latency (hsync_bench_net ${net_args[*]})"
net_table=$("$build/tests/hsync_bench_net" "${net_args[@]}")
echo "$net_table"

echo "bench.sh: memory of one commit_batch of 50,000 records"
memory_dir=$(mktemp -d)
memory_table="| one commit_batch | records (MiB) | idle process (MiB) | peak (MiB) | peak above idle (MiB) | ratio to the records | after (MiB) | goal |
|---|---|---|---|---|---|---|---|
$("$build/tests/hsync_bench_batch_memory" "$memory_dir")
$("$build/tests/hsync_bench_batch_memory" "$memory_dir" --node)"
rm -rf "$memory_dir"
echo "$memory_table"

# Compile time: each entry header against its dependencies alone (tools/compile_time.sh).
echo "bench.sh: compile time"
compile_table=$(./tools/compile_time.sh)

{
    echo "# Benchmarks"
    echo
    echo "hsync against the hand-written SQLite code with the same effect, on the same rows, in"
    echo "the same process run, alternating; medians. The baseline writes into a copy of the"
    echo "tables hsync created (same schema and indexes, same WAL and \`synchronous\` settings,"
    echo "the same MessagePack payloads), with prepared statements reused. Sources:"
    echo "\`tests/bench/bench_main.cpp\`, \`tests/bench/session_apply.hpp\`, \`tests/bench/bench_net.cpp\`."
    echo
    echo "Produced by \`./tools/bench.sh $*\` on $(date -u +%Y-%m-%d):"
    echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'),"
    echo "$(g++ --version | head -1), SQLite $(dpkg-query -W -f='${Version}' libsqlite3-dev 2>/dev/null || echo unknown)."
    echo
    echo "## Commits and apply"
    echo
    echo "$table" | sed 's/^\(Shared records committed in transactions.*\)$/\1\n\n![rows per second against records per transaction](benchmarks-batch.svg)/'
    echo
    echo "## Between two processes over TLS on loopback"
    echo
    echo "$net_table"
    echo
    echo "## Memory of a large transaction"
    echo
    echo "Peak resident memory (VmHWM, reset before the batch) of one process committing 50,000"
    echo "shared tags in one \`commit_batch\`, against the memory of the records themselves"
    echo "(\`tests/bench/batch_memory.cpp\`):"
    echo
    echo "$memory_table"
    echo
    echo "## Compile time"
    echo
    echo "$compile_table"
} > docs/benchmarks.md.new
# Keep the hand-written part of the page (after the marker) across runs.
if [ -f docs/benchmarks.md ] && grep -q '^<!-- notes -->' docs/benchmarks.md; then
    { echo; sed -n '/^<!-- notes -->/,$p' docs/benchmarks.md; } >> docs/benchmarks.md.new
fi
mv docs/benchmarks.md.new docs/benchmarks.md
echo "bench.sh: wrote docs/benchmarks.md and docs/benchmarks-batch.svg"
