#!/usr/bin/env bash
# Installs what is missing, builds hsync's examples and runs one.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source tools/deps.sh
hsync_install_deps

build=build/demo
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHSYNC_BUILD_TESTS=OFF -DHSYNC_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" --target hsync_hello_models
"$build/examples/hsync_hello_models"
