#!/usr/bin/env bash
# Live end-to-end test of memgrowth against real parts: a Node.js app with the real
# prom-client, one process per workload, each in its own memory cgroup; a cAdvisor-style
# exporter publishing the kernel's own cgroup accounting; a real Prometheus scraping all of
# it every second on loopback. Two "hosts" (127.0.0.2 and 127.0.0.3) run every workload,
# with different cgroup memory limits. After the run, `memgrowth diagnose --prometheus`
# must give, on both hosts:
#
#   heap-leak -> leak        offheap-leak -> native_growth    cache-plateau -> plateau
#   stable    -> stable      page-cache   -> cache_growth
#
# and the offline diagnosis of the captured query_range JSON must agree with it.
#
# Usage: e2e/run.sh [--duration SECONDS] [--warmup SECONDS] [--memgrowth BIN]
#                   [--save-fixtures] [--keep] [--require-cgroups]
#   --duration S       length of the diagnosed window (default 900)
#   --warmup S         time the apps run before their workload starts, after ~20 s of
#                      starting them; excluded from the window (default 90)
#   --memgrowth BIN    the binary to test (default: $MEMGROWTH_BIN, else built with
#                      `cargo build --release`)
#   --save-fixtures    also write the captured data to fixtures/real/<workload>/
#   --keep             keep the work directory (Prometheus TSDB, logs, captures)
#   --require-cgroups  fail instead of degrading when no memory cgroup can be created
#   --capture-only     run and capture, but do not diagnose (to refresh fixtures/real/
#                      before the binary can diagnose)
#   --diagnose-arg A   one more argument for both diagnose commands (repeatable)
# The window is minutes long; 1 s scrapes give hundreds of points in that time, which
# is what the engine's minimum of data asks for (it counts points, not hours).
# Needs: node and npm, curl, prometheus (installed with apt-get when missing and root).
# Exit status: 0 every verdict as expected, 1 a verdict differs, 2 usage, 3 set-up failed.
set -euo pipefail

DURATION=900
WARMUP=90
MEMGROWTH="${MEMGROWTH_BIN:-}"
SAVE_FIXTURES=0
KEEP=0
REQUIRE_CGROUPS=0
CAPTURE_ONLY=0
DIAGNOSE_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --memgrowth) MEMGROWTH="$2"; shift 2 ;;
    --save-fixtures) SAVE_FIXTURES=1; shift ;;
    --keep) KEEP=1; shift ;;
    --require-cgroups) REQUIRE_CGROUPS=1; shift ;;
    --capture-only) CAPTURE_ONLY=1; shift ;;
    --diagnose-arg) DIAGNOSE_ARGS+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "e2e: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$ROOT/e2e"
WORKLOADS=(heap-leak offheap-leak cache-plateau stable page-cache)
declare -A EXPECTED=(
  [heap-leak]=leak [offheap-leak]=native_growth [cache-plateau]=plateau
  [stable]=stable [page-cache]=cache_growth
)
HOSTS=(127.0.0.2 127.0.0.3)
declare -A LIMIT_MIB=([127.0.0.2]=1536 [127.0.0.3]=1024)
declare -A HOST_TAG=([127.0.0.2]=host-a [127.0.0.3]=host-b)

log() { printf 'e2e: %s\n' "$*" >&2; }
die() { log "$1"; exit "${2:-3}"; }

# ---------------------------------------------------------------- prerequisites
command -v node >/dev/null || die "node is missing: install Node.js 18+ (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null || die "npm is missing: apt-get install npm"
command -v curl >/dev/null || die "curl is missing: apt-get install curl"
if ! command -v prometheus >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian's prometheus package"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null \
      || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null; } \
      || die "could not install prometheus with apt-get"
    # The package starts a system-wide server on :9090; this test runs its own.
    systemctl stop prometheus >/dev/null 2>&1 || service prometheus stop >/dev/null 2>&1 || true
  else
    die "prometheus is missing: apt-get install prometheus (or put it on PATH)"
  fi
fi

log "npm ci (e2e/app)"
(cd "$E2E/app" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci failed in e2e/app"

if [ "$CAPTURE_ONLY" = 1 ]; then
  :
elif [ -z "$MEMGROWTH" ]; then
  log "building memgrowth (cargo build --release)"
  (cd "$ROOT" && cargo build --release --quiet --bin memgrowth) || die "cargo build failed"
  MEMGROWTH="${CARGO_TARGET_DIR:-$ROOT/target}/release/memgrowth"
fi
[ "$CAPTURE_ONLY" = 1 ] || [ -x "$MEMGROWTH" ] || die "memgrowth binary not found at $MEMGROWTH"

# A disk-backed work directory: page cache needs a real file system, not tmpfs.
WORK=""
for parent in /var/tmp "$ROOT/target" /tmp; do
  mkdir -p "$parent" 2>/dev/null || continue
  if [ "$(stat -f -c %T "$parent" 2>/dev/null)" != tmpfs ]; then
    WORK="$(mktemp -d "$parent/memgrowth-e2e.XXXXXX")" && break
  fi
done
[ -n "$WORK" ] || die "no disk-backed directory for the page-cache workload (all candidates are tmpfs)"

# ---------------------------------------------------------------- clean-up
PIDS=()
CGROUP_BASE=""
cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$CGROUP_BASE" ] && [ -d "$CGROUP_BASE" ]; then
    # Deepest first; a cgroup with no tasks left can be removed.
    find "$CGROUP_BASE" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    [ -d "$CGROUP_BASE" ] && log "could not remove $CGROUP_BASE (tasks left?)"
  fi
  if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- memory cgroups
# Nested under this shell's own memory cgroup, so the test stays inside whatever
# accounting and limits its caller is under.
CGROUP_VERSION=""
if [ -f /sys/fs/cgroup/memory/memory.usage_in_bytes ]; then
  own="$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/self/cgroup)"
  candidate="/sys/fs/cgroup/memory${own%/}/memgrowth-e2e-$$"
  if mkdir "$candidate" 2>/dev/null; then CGROUP_BASE="$candidate"; CGROUP_VERSION=v1; fi
elif [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
  # cgroup v2: a child of the root may hold processes; enable the memory controller below it.
  candidate="/sys/fs/cgroup/memgrowth-e2e-$$"
  if mkdir "$candidate" 2>/dev/null; then
    CGROUP_BASE="$candidate"
    if echo +memory > "$candidate/cgroup.subtree_control" 2>/dev/null; then CGROUP_VERSION=v2; fi
  fi
fi
if [ -z "$CGROUP_VERSION" ]; then
  [ "$REQUIRE_CGROUPS" = 1 ] && die "no writable memory cgroup hierarchy (need root and cgroup v1 or v2 memory)"
  log "WARNING: no writable memory cgroup: running without cgroups and the cAdvisor-style"
  log "         exporter; page-cache (cache_growth) cannot be told apart and is not checked."
fi

# cgroup_dir HOST WORKLOAD: creates the cgroup of one workload on one host, with the host's limit.
cgroup_dir() {
  local host="$1" workload="$2" dir
  dir="$CGROUP_BASE/${HOST_TAG[$host]}/$workload"
  if [ "$CGROUP_VERSION" = v1 ]; then
    mkdir -p "$dir"
    echo $(( ${LIMIT_MIB[$host]} * 1024 * 1024 )) > "$CGROUP_BASE/${HOST_TAG[$host]}/memory.limit_in_bytes"
    echo $(( ${LIMIT_MIB[$host]} * 1024 * 1024 )) > "$dir/memory.limit_in_bytes"
  else
    mkdir -p "$CGROUP_BASE/${HOST_TAG[$host]}"
    echo +memory > "$CGROUP_BASE/${HOST_TAG[$host]}/cgroup.subtree_control"
    mkdir -p "$dir"
    echo $(( ${LIMIT_MIB[$host]} * 1024 * 1024 )) > "$dir/memory.max"
  fi
  printf '%s\n' "$dir"
}

# free_port ADDRESS: a port nobody listens on at ADDRESS now.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,process.argv[1],()=>{console.log(s.address().port);s.close();});' "$1"
}

# ---------------------------------------------------------------- start everything
declare -A APP_PORT EXPORTER_PORT
# Processes start one after another; every workload begins at T0 together. The first
# STARTUP seconds cover starting them all, and the warm-up runs after that.
STARTUP=20
T0=$(( $(date +%s) + STARTUP + WARMUP ))
END=$(( T0 + DURATION ))
for host in "${HOSTS[@]}"; do
  exporter_args=()
  for w in "${WORKLOADS[@]}"; do
    port="$(free_port "$host")"
    APP_PORT["$host/$w"]="$port"
    cmd=(node "$E2E/app/app.js" --workload "$w" --listen "$host:$port" --begin-at "$T0" --dir "$WORK/files")
    logf="$WORK/${HOST_TAG[$host]}-$w.log"
    if [ -n "$CGROUP_VERSION" ]; then
      dir="$(cgroup_dir "$host" "$w")"
      exporter_args+=(--cgroup "$w=$dir")
      # Join the cgroup before exec, so every page the process touches is charged to it.
      sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$dir" "${cmd[@]}" >"$logf" 2>&1 &
    else
      "${cmd[@]}" >"$logf" 2>&1 &
    fi
    PIDS+=($!)
  done
  if [ -n "$CGROUP_VERSION" ]; then
    port="$(free_port "$host")"
    EXPORTER_PORT[$host]="$port"
    node "$E2E/cgroup-exporter.js" --listen "$host:$port" --id-root "$CGROUP_BASE/${HOST_TAG[$host]}" --id-prefix /memgrowth-e2e \
      "${exporter_args[@]}" >"$WORK/${HOST_TAG[$host]}-exporter.log" 2>&1 &
    PIDS+=($!)
  fi
done

PROM_PORT="$(free_port 127.0.0.1)"
PROM="http://127.0.0.1:$PROM_PORT"
{
  printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1m\nscrape_configs:\n'
  for w in "${WORKLOADS[@]}"; do
    printf '  - job_name: %s\n    static_configs:\n      - targets: [' "$w"
    sep=""; for host in "${HOSTS[@]}"; do printf '%s"%s:%s"' "$sep" "$host" "${APP_PORT[$host/$w]}"; sep=", "; done
    printf ']\n'
  done
  if [ -n "$CGROUP_VERSION" ]; then
    printf '  - job_name: cadvisor\n    static_configs:\n      - targets: ['
    sep=""; for host in "${HOSTS[@]}"; do printf '%s"%s:%s"' "$sep" "$host" "${EXPORTER_PORT[$host]}"; sep=", "; done
    printf ']\n'
  fi
} >"$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)

for _ in $(seq 1 60); do curl -fsS "$PROM/-/ready" >/dev/null 2>&1 && break; sleep 1; done
curl -fsS "$PROM/-/ready" >/dev/null 2>&1 || { cat "$WORK/prometheus.log" >&2; die "Prometheus did not become ready on $PROM"; }
expected_targets=$(( ${#HOSTS[@]} * ${#WORKLOADS[@]} ))
[ -n "$CGROUP_VERSION" ] && expected_targets=$(( expected_targets + ${#HOSTS[@]} ))
for _ in $(seq 1 30); do
  up="$(curl -fsS "$PROM/api/v1/targets?state=active" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{console.log(JSON.parse(s).data.activeTargets.filter(t=>t.health==="up").length)})')"
  [ "$up" = "$expected_targets" ] && break
  sleep 1
done
[ "$up" = "$expected_targets" ] || die "only $up of $expected_targets scrape targets are up (logs in $WORK; use --keep)"
log "Prometheus $PROM scrapes $up targets every 1s (cgroups: ${CGROUP_VERSION:-none})"
[ "$(date +%s)" -lt "$T0" ] || log "WARNING: start-up overran the warm-up; the window begins before all was scraped"

# Something outside the test may write vm.drop_caches or cause global reclaim; note it.
drops_before="$(awk '$1=="drop_pagecache"{print $2}' /proc/vmstat 2>/dev/null || true)"
log "window $(date -u -d @"$T0" +%FT%TZ) .. $(date -u -d @"$END" +%FT%TZ) (${WARMUP}s warm-up excluded); waiting"
while [ "$(date +%s)" -lt $(( END + 2 )) ]; do
  sleep 5
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || die "process $pid died early (logs in $WORK; use --keep)"; done
done

drops_after="$(awk '$1=="drop_pagecache"{print $2}' /proc/vmstat 2>/dev/null || true)"
if [ "$drops_before" != "$drops_after" ]; then
  log "WARNING: the kernel's page cache was dropped during the run (vm.drop_caches was written"
  log "         outside this test): the page-cache workload's cache was emptied mid-window."
fi

# ---------------------------------------------------------------- capture
APP_METRICS='nodejs_heap_size_used_bytes|nodejs_heap_size_total_bytes|nodejs_heap_space_size_used_bytes|nodejs_external_memory_bytes|process_resident_memory_bytes|process_start_time_seconds'
CAPTURE="$WORK/capture"
query_range() { # FILE QUERY
  curl -fsS -G "$PROM/api/v1/query_range" --data-urlencode "query=$2" \
    --data-urlencode "start=$T0" --data-urlencode "end=$END" --data-urlencode "step=1s" -o "$1"
}
for w in "${WORKLOADS[@]}"; do
  mkdir -p "$CAPTURE/$w"
  query_range "$CAPTURE/$w/app.json" "{job=\"$w\",__name__=~\"$APP_METRICS\"}"
  if [ -n "$CGROUP_VERSION" ]; then
    query_range "$CAPTURE/$w/cadvisor.json" "{job=\"cadvisor\",name=\"$w\",__name__=~\"container_.*\"}"
  fi
done
log "captured query_range JSON into $CAPTURE"

# ---------------------------------------------------------------- diagnose and check
# verdicts FILE: "host verdict" per target of a report.
verdicts() {
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const t of r.targets) console.log(`${t.host} ${t.verdict} ${t.service}`);' "$1"
}
FAILED=0
printf '%-14s %-10s %-14s %-20s %-20s %s\n' workload host expected live offline result >&2
for w in "${WORKLOADS[@]}"; do
  [ "$CAPTURE_ONLY" = 1 ] && break
  expected="${EXPECTED[$w]}"
  if [ -z "$CGROUP_VERSION" ] && [ "$w" = page-cache ]; then
    log "SKIPPED page-cache: needs a memory cgroup to see the page cache"
    continue
  fi
  live="$WORK/$w.live.json"
  offline="$WORK/$w.offline.json"
  "$MEMGROWTH" diagnose --prometheus "$PROM" --app "job=\"$w\"" --container "name=\"$w\"" \
    --start "$T0" --end "$END" --step 1s "${DIAGNOSE_ARGS[@]}" --format json >"$live" 2>"$WORK/$w.live.err" \
    || { log "live diagnose of $w failed:"; cat "$WORK/$w.live.err" >&2; FAILED=1; continue; }
  "$MEMGROWTH" diagnose --input "$CAPTURE/$w" --app "job=\"$w\"" --container "name=\"$w\"" "${DIAGNOSE_ARGS[@]}" --format json >"$offline" 2>"$WORK/$w.offline.err" \
    || { log "offline diagnose of $w failed:"; cat "$WORK/$w.offline.err" >&2; FAILED=1; continue; }
  for host in "${HOSTS[@]}"; do
    got_live="$(verdicts "$live" | awk -v h="$host" '$1==h {print $2}')"
    got_offline="$(verdicts "$offline" | awk -v h="$host" '$1==h {print $2}')"
    result=ok
    if [ "$got_live" != "$expected" ] || [ "$got_offline" != "$expected" ]; then result=FAIL; FAILED=1; fi
    printf '%-14s %-10s %-14s %-20s %-20s %s\n' "$w" "$host" "$expected" "${got_live:-<none>}" "${got_offline:-<none>}" "$result" >&2
  done
done

if [ "$SAVE_FIXTURES" = 1 ]; then
  for w in "${WORKLOADS[@]}"; do
    [ -d "$CAPTURE/$w" ] || continue
    rm -rf "$ROOT/fixtures/real/$w"
    mkdir -p "$ROOT/fixtures/real/$w"
    cp "$CAPTURE/$w"/*.json "$ROOT/fixtures/real/$w/"
  done
  {
    echo "# How fixtures/real/ was captured (written by e2e/run.sh --save-fixtures)"
    echo "captured_at=$(date -u +%FT%TZ)"
    echo "window_start=$(date -u -d @"$T0" +%FT%TZ) ($T0)"
    echo "window_end=$(date -u -d @"$END" +%FT%TZ) ($END)"
    echo "warmup_seconds=$WARMUP duration_seconds=$DURATION scrape_interval=1s step=1s"
    echo "hosts=${HOSTS[*]} limits_mib=${LIMIT_MIB[127.0.0.2]},${LIMIT_MIB[127.0.0.3]} cgroups=${CGROUP_VERSION:-none}"
    echo "node=$(node --version) prom-client=$(node -p 'require(process.argv[1]).version' "$E2E/app/node_modules/prom-client/package.json")"
    echo "prometheus=$(prometheus --version 2>&1 | head -1)"
    echo "kernel=$(uname -r) cpus=$(nproc) mem_total_kib=$(awk '$1=="MemTotal:"{print $2}' /proc/meminfo)"
    echo "page_cache_dropped_during_run=$([ "$drops_before" != "$drops_after" ] && echo yes || echo no)"
  } >"$ROOT/fixtures/real/capture.txt"
  log "saved the capture to fixtures/real/ (see fixtures/real/capture.txt)"
fi

if [ "$CAPTURE_ONLY" = 1 ]; then log "captured (no diagnosis: --capture-only)"
elif [ "$FAILED" = 0 ]; then log "PASS: every verdict as expected"; else log "FAIL: see the table above"; KEEP=1; fi
exit "$FAILED"
