#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets/) for a bounded time, starting from the
# seed corpus (fuzz/seeds/, made from the fixtures) and the saved crash inputs
# (fuzz/regressions/). Exits non-zero on the first crash, after printing the input; save
# it as fuzz/regressions/<target>/<name> with the fix so that tests/fuzz_regressions.rs
# replays it.
#
#   bash scripts/fuzz.sh                 # every target, FUZZ_SECONDS (default 60) each
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh matcher units
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "scripts/fuzz.sh: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked --quiet
fi
# cargo-fuzz needs nightly-only compiler flags: use the nightly toolchain when there is
# one, else the installed toolchain with its nightly features unlocked.
if rustup run nightly rustc --version >/dev/null 2>&1; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi
# A build directory of its own, beside the main one when CARGO_TARGET_DIR is set.
target_dir="${CARGO_TARGET_DIR:+${CARGO_TARGET_DIR}-fuzz}"
target_dir="${target_dir:-fuzz/target}"
# No sanitizer: memgrowth's parsers are safe Rust, where a bug shows as a panic, which
# libFuzzer catches without one. AddressSanitizer would also watch the dependencies'
# unsafe code, but more than doubles the build of the columnar dependencies.
build=(--release --sanitizer none --target-dir "$target_dir")

start=$(date +%s)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <("${fuzz[@]}" list)
  "${fuzz[@]}" build "${build[@]}"
else
  for t in "${targets[@]}"; do "${fuzz[@]}" build "${build[@]}" "$t"; done
fi
echo "scripts/fuzz.sh: built ${#targets[@]} targets in $(( $(date +%s) - start )) s" >&2

status=0
for t in "${targets[@]}"; do
  corpus="$target_dir/corpus/$t"
  mkdir -p "$corpus" "fuzz/regressions/$t"
  log="$target_dir/fuzz-$t.log"
  if "${fuzz[@]}" run "${build[@]}" "$t" "$corpus" "fuzz/seeds/$t" "fuzz/regressions/$t" -- \
      -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=4096 \
      -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -a -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    echo "fuzz $t: ${runs:-?} runs in ${seconds} s, no crash" >&2
  else
    status=1
    echo "fuzz $t: CRASH" >&2
    grep -a -E -A3 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written|Base64' "$log" | head -n 40 >&2 || tail -n 40 "$log" >&2
  fi
done
echo "scripts/fuzz.sh: $(( $(date +%s) - start )) s in all" >&2
exit $status
