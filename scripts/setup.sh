#!/usr/bin/env bash
# Installs every Debian 12 package scry needs to build and test, then builds scry into build/.
# Usage: scripts/setup.sh [--sanitize]   (as root on Debian 12)
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config flex bison llvm-19-dev libbpf-dev libelf-dev libdw-dev
      zlib1g-dev libzstd-dev libz3-dev libxml2-dev python3 linux-libc-dev systemtap-sdt-dev)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# tracefs is where tracepoints live; scry mounts it itself when needed, but tests read it too
if [ ! -d /sys/kernel/tracing/events ] && [ ! -d /sys/kernel/debug/tracing/events ]; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
fi

builddir=build
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  builddir=build-asan
  flags=(-DCMAKE_BUILD_TYPE=Debug -DSCRY_SANITIZE=ON)
fi
if [ "${CI:-}" = "true" ]; then
  flags+=(-DSCRY_WERROR=ON)
fi
cmake -S . -B "$builddir" "${flags[@]}" >/dev/null
cmake --build "$builddir" -j"$(nproc)"
