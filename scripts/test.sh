#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need (a real
# Prometheus with promtool, VictoriaMetrics, Chromium, Node.js), then runs every test.
# Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh: missing ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "scripts/test.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

status=0
# One profile (release) for the demo, the tests and the benchmarks: the dependency
# tree is built once.
cargo test --release --all-targets --no-fail-fast || status=1

# The live end-to-end: a real Node.js app with prom-client, five workloads in real
# memory cgroups on two "hosts", scraped every second by a real Prometheus, diagnosed
# live and from the capture (about 17 minutes; docs/e2e.md).
bash e2e/run.sh || status=1

exit $status
