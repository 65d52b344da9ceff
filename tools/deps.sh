#!/usr/bin/env bash
# Installs, from Debian 12's package registry, whatever hsync needs that is missing.
# Sourced by test.sh and demo.sh; safe to run again (it installs nothing when all is there).
set -euo pipefail

HSYNC_PACKAGES=(
    g++ clang cmake ninja-build python3 pkg-config
    libboost1.81-dev nlohmann-json3-dev libsqlitecpp-dev libsqlite3-dev
    libasio-dev libssl-dev libzstd-dev catch2 libclang-rt-14-dev time
)

hsync_missing_packages() {
    local missing=()
    for p in "${HSYNC_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    echo "${missing[@]:-}"
}

hsync_install_deps() {
    local missing
    missing=$(hsync_missing_packages)
    if [ -z "$missing" ]; then
        return 0
    fi
    echo "hsync: installing missing Debian packages: $missing"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    $sudo apt-get update -q
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    hsync_install_deps
fi
