#!/usr/bin/env bash
# The long simulator run outside CI: seeds FIRST..LAST over the seed models with 3-5
# devices, in chunks of 250, one summary line per chunk (failing seeds with their replay
# command). Figures go into docs/testing.md.
#
#   ./tools/simulate_long.sh 1 10000 [--upgrade] [BUILD_DIR]
#
# --upgrade runs the seeds with the upgrade fault (devices updated to the next version of
# the seed models during the run).
set -euo pipefail
first=${1:?first seed}
last=${2:?last seed}
shift 2
mode=()
if [ "${1:-}" = "--upgrade" ]; then
    mode=(--upgrade)
    shift
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/test-gxx-release}
sim="$build/tests/hsync_simulate"
[ -x "$sim" ] || { echo "simulate_long: build hsync_simulate first (./tools/test.sh, or ninja -C $build hsync_simulate)" >&2; exit 2; }
status=0
for ((start = first; start <= last; start += 250)); do
    end=$((start + 249 < last ? start + 249 : last))
    out=$("$sim" --seeds "$start-$end" --devices 3-5 "${mode[@]}") || status=1
    echo "seeds $start-$end: $(grep -E 'seeds run' <<<"$out")"
    grep -E 'FAILED|replay:' <<<"$out" || true
done
exit $status
