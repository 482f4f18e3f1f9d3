#!/usr/bin/env bash
# Fetch benchmark: the time `memgrowth fetch` takes to pull a subject's series from a
# real Prometheus into a bundle, against plain parallel `curl` of exactly the same HTTP
# queries (read back from the bundle's manifest), with the same concurrency. Prints
# both times and their ratio; it asserts nothing (a shared machine is noisy).
#
# Usage: scripts/bench-fetch.sh [DAYS] [SERIES] [CONCURRENCY] [RUNS]
#   DAYS         history length at a 15 s scrape interval (default 7)
#   SERIES       app series (instances) of the benchmarked job (default 10)
#   CONCURRENCY  parallel requests, for both the tool and curl (default 8)
#   RUNS         timed runs of each; the median is reported (default 3)
# Needs: prometheus, promtool, curl, python3 (scripts/test.sh installs the first three).
set -euo pipefail
cd "$(dirname "$0")/.."

DAYS=${1:-7}
SERIES=${2:-10}
CONCURRENCY=${3:-8}
RUNS=${4:-3}
STEP=15

for bin in prometheus promtool curl python3; do
  command -v "$bin" >/dev/null 2>&1 || {
    echo "bench-fetch: \`$bin\` is missing; run scripts/test.sh (it installs prometheus) or apt-get install -y prometheus curl python3" >&2
    exit 1
  }
done

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet
TOOL="$CARGO_TARGET_DIR/release/memgrowth"
if ! "$TOOL" fetch --help >/dev/null 2>&1; then
  echo "bench-fetch: this build of memgrowth has no \`fetch\` command" >&2
  exit 1
fi

WORK=$(mktemp -d)
PROM_PID=""
cleanup() {
  if [ -n "$PROM_PID" ]; then kill "$PROM_PID" 2>/dev/null || true; wait "$PROM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Aligned to the step and well in the past, so the TSDB head is empty.
END=$(( ($(date +%s) - 86400) / 86400 * 86400 ))
START=$(( END - DAYS * 86400 ))

echo "bench-fetch: generating $SERIES series x $DAYS days at ${STEP}s" >&2
awk -v start="$START" -v end="$END" -v n="$SERIES" -v step="$STEP" 'BEGIN {
  print "# TYPE nodejs_heap_size_used_bytes gauge"
  for (i = 0; i < n; i++) {
    for (t = start; t < end; t += step) {
      printf "nodejs_heap_size_used_bytes{instance=\"10.0.%d.%d:3000\",job=\"bench\"} %d %d\n", int(i / 250), i % 250 + 1, 50000000 + (t - start) * (i + 1), t
    }
  }
  print "# TYPE process_resident_memory_bytes gauge"
  for (i = 0; i < n; i++) {
    for (t = start; t < end; t += step) {
      printf "process_resident_memory_bytes{instance=\"10.0.%d.%d:3000\",job=\"bench\"} %d %d\n", int(i / 250), i % 250 + 1, 90000000 + (t - start) * 3, t
    }
  }
  print "# EOF"
}' > "$WORK/input.om"
mkdir -p "$WORK/data"
promtool tsdb create-blocks-from openmetrics --quiet --max-block-duration=744h "$WORK/input.om" "$WORK/data" >/dev/null
rm -f "$WORK/input.om"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'global:\n  scrape_interval: 15s\n' > "$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
  --storage.tsdb.retention.time=10y --web.listen-address="127.0.0.1:$PORT" \
  >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 600); do
  curl -fsS "$URL/-/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$URL/-/ready" >/dev/null || { cat "$WORK/prometheus.log" >&2; exit 1; }

now() { date +%s.%N; }

run_tool() {
  rm -rf "$WORK/bundle"
  "$TOOL" --quiet fetch --prometheus "$URL" --app 'job="bench"' \
    --start "$START" --end "$(( END - STEP ))" --step "${STEP}s" \
    --concurrency "$CONCURRENCY" --out "$WORK/bundle" >/dev/null
}

# The exact requests of the tool's fetch: every (query, chunk) of the manifest.
urls_from_manifest() {
  python3 - "$WORK/bundle/manifest.json" "$URL" <<'PY'
import json, sys, urllib.parse, datetime
manifest = json.load(open(sys.argv[1]))
step = manifest["window"]["step_seconds"]
def unix(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
for chunk in manifest["chunks"]:
    query = manifest["queries"][chunk["query"]]["promql"]
    params = urllib.parse.urlencode({"query": query, "start": unix(chunk["start"]),
                                     "end": unix(chunk["end"]), "step": step})
    print(f"{sys.argv[2]}/api/v1/query_range?{params}")
PY
}

run_curl() {
  xargs -P "$CONCURRENCY" -n 1 curl -fsS --compressed -o /dev/null < "$WORK/urls.txt"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

run_tool
urls_from_manifest > "$WORK/urls.txt"
run_curl # warm-up: both sides then read a warm page cache
REQUESTS=$(wc -l < "$WORK/urls.txt")
SAMPLES=$(( SERIES * 2 * DAYS * 86400 / STEP ))

tool_times=()
curl_times=()
for _ in $(seq 1 "$RUNS"); do
  t0=$(now); run_tool; t1=$(now); run_curl; t2=$(now)
  tool_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
  curl_times+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')")
done
TOOL_S=$(printf '%s\n' "${tool_times[@]}" | median)
CURL_S=$(printf '%s\n' "${curl_times[@]}" | median)
RATIO=$(awk -v a="$TOOL_S" -v b="$CURL_S" 'BEGIN { print a / b }')

printf 'fetch benchmark: %d requests, %d samples, concurrency %d, median of %d runs\n' \
  "$REQUESTS" "$SAMPLES" "$CONCURRENCY" "$RUNS"
printf '  memgrowth fetch (parse + Parquet bundle): %8.3f s\n' "$TOOL_S"
printf '  parallel curl (download only):           %8.3f s\n' "$CURL_S"
printf '  ratio memgrowth / curl:                   %8.2f\n' "$RATIO"
