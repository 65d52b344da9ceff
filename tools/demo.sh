#!/usr/bin/env bash
# Installs what is missing, builds hsync's examples and runs the two-device demo: device
# processes on loopback, paired, syncing over TLS until they converge.
#
#   ./tools/demo.sh                     two devices
#   ./tools/demo.sh --devices 3         more devices (up to 8); other options: --entries K
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source tools/deps.sh
hsync_install_deps

build=build/demo
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHSYNC_BUILD_TESTS=OFF -DHSYNC_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" --target hsync_two_devices hsync_cli
"$build/examples/hsync_two_devices" "$@"
