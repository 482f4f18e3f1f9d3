#!/usr/bin/env bash
# Prints, as a Markdown table, the verdict and confidence memgrowth gives every fixture
# next to the verdict the fixture was built to show (fixtures/<name>/expected/truth.json).
# Usage: scripts/fixture-verdicts.sh [MEMGROWTH_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/release/memgrowth}"
[ -x "$bin" ] || cargo build --release -q
echo "| fixture | host | expected | verdict | confidence |"
echo "|---|---|---|---|---|"
for truth in fixtures/*/expected/truth.json; do
  f=$(basename "$(dirname "$(dirname "$truth")")")
  "$bin" fit --input "fixtures/$f" --format json 2>/dev/null | F="$f" python3 -c '
import json, os, sys
f = os.environ["F"]
report = json.load(sys.stdin)
truth = json.load(open("fixtures/%s/expected/truth.json" % f))["truth"]
expected = {t["host"]: t["verdict"] for t in truth["targets"]}
for t in report["targets"]:
    print("| `%s` | %s | %s | %s | %.3f |" % (f, t["host"], expected.get(t["host"]), t["verdict"], t["confidence"]))
'
done
