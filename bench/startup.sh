#!/usr/bin/env bash
# Startup benchmark (see startup.py). Builds scry first if needed; installs Debian's bpftrace for
# comparison only. Usage: bench/startup.sh [RUNS]   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/scry ] && [ -x build/bench/hello_libbpf ] || bash scripts/setup.sh
command -v bpftrace >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bpftrace >/dev/null
exec python3 bench/startup.py --scry build/scry --libbpf build/bench/hello_libbpf --runs "${1:-11}"
