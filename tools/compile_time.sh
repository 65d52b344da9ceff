#!/usr/bin/env bash
# Compile time of hsync's entry headers, each against a translation unit of only the
# third-party #include lines that entry reaches: what hsync's own code costs on top of
# its dependencies. CPU seconds (user + system) of one g++ run each, best of two, at -O0
# and -O2: CPU time rather than wall-clock, so that a busy machine moves the figures less.
# Prints a Markdown table; ./tools/bench.sh puts it in docs/benchmarks.md.
#
#   ./tools/compile_time.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The non-hsync #include lines reachable from an hsync header, in include/.
deps_of() {
    python3 - "$1" <<'PY'
import pathlib, re, sys
root = pathlib.Path("include")
seen, deps = set(), set()
def walk(h):
    if h in seen: return
    seen.add(h)
    for line in (root / h).read_text().splitlines():
        m = re.match(r'\s*#\s*include\s*<([^>]+)>', line)
        if not m: continue
        if m.group(1).startswith("hsync/"): walk(m.group(1))
        else: deps.add(m.group(1))
walk(sys.argv[1])
for d in sorted(deps): print(f"#include <{d}>")
print("int main() { return 0; }")
PY
}

seconds() {  # best of two runs
    local best=""
    for _ in 1 2; do
        local t
        t=$( { /usr/bin/time -f "%U %S" g++ -std=c++20 "$@" -I include -I examples -c -o "$scratch/out.o" 2>&1 >/dev/null; } |
            tail -1 | python3 -c "import sys; u, s = map(float, sys.stdin.read().split()); print(f'{u + s:.1f}')")
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; fi
    done
    echo "$best"
}

ratio() { python3 -c "print(f'{$1 / $2:.1f}x')"; }

deps_of hsync/hsync.hpp >"$scratch/deps_all.cpp"
deps_of hsync/library.hpp >"$scratch/deps_library.cpp"
deps_of hsync/net.hpp >"$scratch/deps_net.cpp"

all_tu=tests/bench/compile_time/with_hsync.cpp
app_tu=tests/bench/compile_time/commits_and_reads.cpp
node_tu=tests/bench/compile_time/node_once.cpp

row() {  # label, deps file, tu args...
    local label=$1 deps=$2
    shift 2
    local t0 t2 d0 d2
    t0=$(seconds -O0 "$@")
    d0=$(seconds -O0 "$deps")
    t2=$(seconds -O2 "$@")
    d2=$(seconds -O2 "$deps")
    echo "| $label | $t0 | $d0 | $(ratio "$t0" "$d0") | $t2 | $d2 | $(ratio "$t2" "$d2") |"
}

echo "| translation unit | -O0 (CPU s) | its dependencies alone, -O0 | ratio | -O2 (CPU s) | its dependencies alone, -O2 | ratio |"
echo "|---|---|---|---|---|---|---|"
row "\`hsync/hsync.hpp\`, the seven seed models and their \`net::node\` (\`$all_tu\`)" "$scratch/deps_all.cpp" "$all_tu"
row "the same without the node (\`-DHSYNC_COMPILE_TIME_NO_NODE\`)" "$scratch/deps_all.cpp" -DHSYNC_COMPILE_TIME_NO_NODE "$all_tu"
row "\`hsync/library.hpp\` and the seven models: a file that commits, updates, removes, queries and hears, the library compiled in another file (\`HSYNC_EXTERN_LIBRARY\`, \`$app_tu\`)" "$scratch/deps_library.cpp" "$app_tu"
row "the same file compiling the library itself (no \`HSYNC_EXTERN_LIBRARY\`: \`-DHSYNC_COMPILE_TIME_LIBRARY_HERE\`)" "$scratch/deps_library.cpp" -DHSYNC_COMPILE_TIME_LIBRARY_HERE "$app_tu"
row "\`hsync/net.hpp\`: the one file that compiles the library and the node (\`HSYNC_INSTANTIATE_LIBRARY\`, \`HSYNC_INSTANTIATE_NODE\`, \`$node_tu\`)" "$scratch/deps_net.cpp" "$node_tu"
