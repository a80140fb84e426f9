#!/usr/bin/env bash
# Sets everything up, builds, and runs the whole test suite (unit, golden, runtime) with ctest,
# then the same suite in an ASan+UBSan build. Usage: scripts/test.sh   (as root on Debian 12)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# bpftrace is only an oracle for differential tests and the startup benchmark; never a dependency
if ! command -v bpftrace >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bpftrace >/dev/null 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bpftrace >/dev/null 2>&1; } ||
    echo "test: bpftrace could not be installed; the differential tests will be skipped" >&2
fi
status=0
(cd build && ctest --output-on-failure -j2) || status=1
if [ "${SCRY_NO_ASAN:-}" != "1" ]; then
  scripts/setup.sh --sanitize
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j2) || status=1
fi
exit $status
