#!/usr/bin/env bash
# Fleet benchmark, from one command: backfills a real Prometheus (Debian's package,
# `promtool tsdb create-blocks-from openmetrics`) with a generated fleet of services that
# share hosts, then times, interleaved and repeated in one run:
#   - the floor: the exact `query_range` requests memgrowth sends (read back from
#     Prometheus' query log, checked against what the replay itself logs), downloaded by
#     one `curl --parallel` at the same concurrency;
#   - `memgrowth diagnose --prometheus URL --by job` end to end;
#   - a notebook-style Python reference (requests + pandas + scipy + pymannkendall,
#     scripts/bench/notebook_reference.py) in a venv this script creates;
# and once the offline analysis, `memgrowth diagnose --input BUNDLE --by job`.
# With --baseline REV, the memgrowth of git revision REV is built too (from `git archive`,
# in the same target directory, so only the crate itself compiles) and timed in the same
# run, interleaved with the current build, for before/after ratios; --baseline-bin FILE
# times an already built memgrowth instead.
# Prints wall time (median), CPU time, peak RSS, samples per second and the ratios.
# Asserts nothing: the figures are for reading (a shared machine is noisy; CPU time is
# steadier than wall time there).
#
# Usage: scripts/bench-fleet.sh [--services N] [--hosts N] [--days N] [--step S]
#                               [--runs N] [--python-runs N] [--concurrency N]
#                               [--baseline REV | --baseline-bin FILE] [--keep]
#   defaults: 33 services, each on all of 4 hosts, 14 days at 60 s, nine series per
#   target: about 24.8 M samples. 3 runs of each (the Python reference: --python-runs,
#   default 1, since it is the slowest by far). --keep leaves the work directory.
# Needs root on a fresh Debian machine (it installs prometheus, curl, time, python3-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SERVICES=33 HOSTS=4 DAYS=14 STEP=60 RUNS=3 PY_RUNS=1 CONCURRENCY=8 KEEP=0 BASELINE="" BASELINE_BIN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --services) SERVICES=$2; shift 2 ;;
    --hosts) HOSTS=$2; shift 2 ;;
    --days) DAYS=$2; shift 2 ;;
    --step) STEP=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --python-runs) PY_RUNS=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --baseline) BASELINE=$2; shift 2 ;;
    --baseline-bin) BASELINE_BIN=$2; BASELINE=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "bench-fleet: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
log() { echo "bench-fleet: $*" >&2; }

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v curl >/dev/null 2>&1 || missing+=(curl)
[ -x /usr/bin/time ] || missing+=(time)
python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

VENV=${MEMGROWTH_BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/memgrowth-bench-venv}
if ! "$VENV/bin/python" -c 'import requests, pandas, scipy, pymannkendall' >/dev/null 2>&1; then
  log "creating the Python reference's venv in $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q requests pandas scipy pymannkendall
fi

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
WORK=$(mktemp -d)
if [ -n "$BASELINE_BIN" ]; then
  cp "$BASELINE_BIN" "$WORK/memgrowth-before"
elif [ -n "$BASELINE" ]; then
  log "building the baseline memgrowth of $BASELINE"
  mkdir -p "$WORK/baseline-src"
  git archive "$BASELINE" | tar -x -C "$WORK/baseline-src"
  (cd "$WORK/baseline-src" && cargo build --release --quiet --bin memgrowth)
  cp "$CARGO_TARGET_DIR/release/memgrowth" "$WORK/memgrowth-before"
  rm -rf "$WORK/baseline-src"
fi
# After the baseline, so that the target directory's binary is the current one again.
cargo build --release --quiet --bin memgrowth --example generate_fleet
# Copies, so that a rebuild during the run does not change what is measured.
cp "$CARGO_TARGET_DIR/release/memgrowth" "$CARGO_TARGET_DIR/release/examples/generate_fleet" "$WORK/"
TOOL="$WORK/memgrowth"
PROM_PID=""
cleanup() {
  if [ -n "$PROM_PID" ]; then kill "$PROM_PID" 2>/dev/null || true; wait "$PROM_PID" 2>/dev/null || true; fi
  if [ "$KEEP" = 1 ]; then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# A fixed window well in the past and on the step grid, so the TSDB head stays empty.
START=1761955200
END=$(( START + DAYS * 86400 ))
log "generating $SERVICES services x $HOSTS hosts x $DAYS days at ${STEP}s"
"$WORK/generate_fleet" "$WORK/fleet.om" --services "$SERVICES" \
  --hosts "$HOSTS" --hosts-per-service "$HOSTS" --days "$DAYS" --step "$STEP" --start "$START" \
  > "$WORK/fleet.txt"
log "$(cat "$WORK/fleet.txt"); backfilling with promtool"
mkdir -p "$WORK/data"
promtool tsdb create-blocks-from openmetrics --quiet --max-block-duration=8760h \
  "$WORK/fleet.om" "$WORK/data" >/dev/null
rm -f "$WORK/fleet.om"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'global:\n  scrape_interval: 15s\n  query_log_file: %s\n' "$WORK/query.log" > "$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
  --storage.tsdb.retention.time=100y --web.listen-address="127.0.0.1:$PORT" \
  >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 600); do
  curl -fsS "$URL/-/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$URL/-/ready" >/dev/null || { cat "$WORK/prometheus.log" >&2; exit 1; }

# One timed command: appends "wall cpu peak_kib" to $WORK/times.<name>.
timed() {
  local name=$1 status=0; shift
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time.out" "$@" || status=$?
  [ "$status" -eq 0 ] || return "$status"
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$WORK/time.out" >> "$WORK/times.$name"
}

DIAGNOSE=("$TOOL" --quiet diagnose --prometheus "$URL" --start "$START" --end "$END"
  --step "${STEP}s" --by job --concurrency "$CONCURRENCY" --format json)
run_tool() { timed memgrowth "${DIAGNOSE[@]}" > "$WORK/report.json"; }
run_before() {
  if [ -n "$BASELINE" ]; then
    timed before "$WORK/memgrowth-before" "${DIAGNOSE[@]:1}" > "$WORK/report-before.json"
  fi
}
# One curl process, CONCURRENCY transfers at a time, like the scan's connection pool.
run_curl() {
  timed curl curl -fsS --no-progress-meter --compressed --parallel --parallel-max "$CONCURRENCY" \
    --config "$WORK/curl.conf"
}
run_python() {
  timed python "$VENV/bin/python" scripts/bench/notebook_reference.py "$URL" "$START" "$END" \
    "$STEP" job > "$WORK/notebook.tsv" 2> "$WORK/notebook.err"
}

# A first diagnosis warms the page cache and shows which requests memgrowth sends.
log "warm-up diagnosis"
"${DIAGNOSE[@]}" > "$WORK/report.json"
# The range queries of Prometheus' query log from line FROM on, one per line as
# "query start end step" (a replay and the scan it replays must give the same lines).
range_queries() {
  python3 - "$WORK/query.log" "$1" "${2:-}" <<'PY'
import datetime, json, sys, urllib.parse
def unix(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
lines = open(sys.argv[1]).read().splitlines()[int(sys.argv[2]):]
for line in lines:
    p = json.loads(line)["params"]
    if p.get("step", 0) == 0:
        continue  # an instant query, not a range query
    query = urllib.parse.urlencode({"query": p["query"], "start": f"{unix(p['start']):.3f}",
                                    "end": f"{unix(p['end']):.3f}", "step": p["step"]})
    if sys.argv[3]:
        print(f'url = "{sys.argv[3]}/api/v1/query_range?{query}"\noutput = "/dev/null"')
    else:
        print(query)
PY
}
range_queries 0 "$URL" > "$WORK/curl.conf"
range_queries 0 | sort > "$WORK/scan.queries"
SCAN_LINES=$(wc -l < "$WORK/query.log")
SAMPLES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["source"]["samples"])' "$WORK/report.json")
TARGETS=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["targets"]))' "$WORK/report.json")
REQUESTS=$(wc -l < "$WORK/scan.queries")
# The floor is checked: its first replay must send exactly the scan's range queries.
run_curl; rm -f "$WORK/times.curl"
range_queries "$SCAN_LINES" | sort > "$WORK/replay.queries"
if cmp -s "$WORK/scan.queries" "$WORK/replay.queries"; then
  log "the curl floor replays the scan's $REQUESTS range queries, no more, no fewer"
else
  log "the curl floor's requests differ from the scan's ($REQUESTS vs $(wc -l < "$WORK/replay.queries")):"
  diff "$WORK/scan.queries" "$WORK/replay.queries" | head -5 >&2
  exit 1
fi

for run in $(seq 1 "$RUNS"); do
  log "run $run of $RUNS: curl, memgrowth$( [ "$run" -le "$PY_RUNS" ] && echo ', Python reference')"
  run_curl
  run_tool
  run_before
  if [ "$run" -le "$PY_RUNS" ]; then run_python; fi
done

log "offline analysis: fetching a bundle, then diagnose --input"
FETCH=(--quiet fetch --prometheus "$URL" --start "$START" --end "$END" --step "${STEP}s"
  --by job --concurrency "$CONCURRENCY")
if [ -n "$BASELINE" ]; then
  # A baseline that cannot write the bundle is reported, not fatal. Each build analyses
  # the bundle it wrote itself: an older build need not read the kinds a newer one adds.
  timed fetch-before "$WORK/memgrowth-before" "${FETCH[@]}" --out "$WORK/bundle-before" >/dev/null \
    || { log "the baseline fetch failed (exit $?); its time is not reported"; rm -rf "$WORK/bundle-before"; }
fi
timed fetch "$TOOL" "${FETCH[@]}" --out "$WORK/bundle" >/dev/null
for _ in $(seq 1 "$RUNS"); do
  timed offline "$TOOL" --quiet diagnose --input "$WORK/bundle" --by job --format json > "$WORK/offline.json"
  if [ -d "$WORK/bundle-before" ]; then
    timed offline-before "$WORK/memgrowth-before" --quiet diagnose --input "$WORK/bundle-before" --by job \
      --format json > "$WORK/offline-before.json"
  fi
done
if [ -f "$WORK/offline-before.json" ]; then
  python3 - "$WORK/offline.json" "$WORK/offline-before.json" <<'PY'
import json, sys
now, before = (json.load(open(p)) for p in sys.argv[1:])
verdicts = lambda r: [(t.get("service"), t.get("host"), t.get("verdict")) for t in r["targets"]]
same = sum(a == b for a, b in zip(verdicts(now), verdicts(before)))
print(f"bench-fleet: offline verdicts equal to the baseline's for {same} of {len(now['targets'])} targets", file=sys.stderr)
PY
fi

NOTEBOOK_TARGETS=0
[ -f "$WORK/notebook.tsv" ] && NOTEBOOK_TARGETS=$(wc -l < "$WORK/notebook.tsv")
python3 - "$WORK" "$SAMPLES" "$TARGETS" "$REQUESTS" "$CONCURRENCY" "$NOTEBOOK_TARGETS" <<'PY'
import os, platform, statistics, sys
work, samples, targets, requests, concurrency, nb_targets = sys.argv[1], *map(int, sys.argv[2:])
def load(name):
    path = os.path.join(work, f"times.{name}")
    rows = [tuple(map(float, l.split())) for l in open(path)] if os.path.exists(path) else []
    if not rows:
        return None
    return {
        "n": len(rows),
        "wall": statistics.median(r[0] for r in rows),
        "cpu": statistics.median(r[1] for r in rows),
        "rss": max(r[2] for r in rows) * 1024,
    }
rows = {k: load(k) for k in ["curl", "memgrowth", "before", "python", "offline", "offline-before", "fetch", "fetch-before"]}
rows = {k: v for k, v in rows.items() if v is not None}
cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")) / 2**20
print(f"fleet benchmark: {targets} targets, {samples:,} samples, {requests} query_range requests, concurrency {concurrency}")
print(f"machine: {os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}, load average {os.getloadavg()[0]:.1f} at the end")
print()
print("| | runs | wall (median) | CPU (median) | peak RSS | samples/s (wall) |")
print("|---|---|---|---|---|---|")
labels = {
    "curl": "parallel `curl` of the same `query_range` requests (floor)",
    "memgrowth": "`memgrowth diagnose --prometheus ... --by job`",
    "python": f"notebook-style Python reference ({nb_targets} targets)",
    "offline": "`memgrowth diagnose --input BUNDLE --by job` (analysis alone)",
    "before": "baseline: `memgrowth diagnose --prometheus ... --by job`",
    "offline-before": "baseline: `memgrowth diagnose --input BUNDLE --by job`",
}
for key, row in rows.items():
    if key.startswith("fetch"):
        continue
    rss = "-" if key == "curl" else f"{row['rss'] / 2**20:,.0f} MiB"
    print(f"| {labels[key]} | {row['n']} | {row['wall']:.2f} s | {row['cpu']:.2f} s | {rss} | {samples / row['wall'] / 1e6:.2f} M |")
m, c = rows["memgrowth"], rows["curl"]
print()
print(f"memgrowth / floor (wall): {m['wall'] / c['wall']:.2f}x")
if "python" in rows:
    p = rows["python"]
    print(f"Python reference / memgrowth (wall): {p['wall'] / m['wall']:.1f}x; CPU: {p['cpu'] / m['cpu']:.1f}x")
print(f"memgrowth peak RSS per sample: {m['rss'] / samples:.1f} B; offline: {rows['offline']['rss'] / samples:.1f} B")
for key, name in [("fetch", "memgrowth fetch"), ("fetch-before", "baseline fetch")]:
    if key in rows:
        f = rows[key]
        print(f"{name} into a bundle: {f['wall']:.2f} s wall, {f['cpu']:.2f} s CPU, peak RSS {f['rss'] / 2**20:,.0f} MiB ({f['rss'] / samples:.1f} B per sample)")
for now, before, what in [("memgrowth", "before", "live scan"), ("offline", "offline-before", "offline analysis"), ("fetch", "fetch-before", "fetch")]:
    if now in rows and before in rows:
        a, b = rows[now], rows[before]
        print(f"baseline / current, {what}: wall {b['wall'] / a['wall']:.2f}x, CPU {b['cpu'] / a['cpu']:.2f}x, peak RSS {b['rss'] / a['rss']:.2f}x")
PY
