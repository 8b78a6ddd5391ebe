#!/usr/bin/env bash
# Builds the `fuzz` preset (clang-14, libFuzzer + ASan + UBSan) and runs every fuzz/*_fuzzer for
# SECONDS each (default 30), one after the other, starting from a copy of its checked-in seed corpus
# fuzz/corpus/<name>/ so that the run never grows the repository.
#   scripts/fuzz.sh [SECONDS] [NAME...]      e.g. scripts/fuzz.sh 600 filter_json
# Crashes are written to build/fuzz/artifacts/<name>/ and fail the script. New inputs found by a run
# stay in build/fuzz/corpus-run/<name>/; add the interesting ones to fuzz/corpus/<name>/ by hand
# (minimised: build/fuzz/fuzz/<name>_fuzzer -merge=1 fuzz/corpus/<name> build/fuzz/corpus-run/<name>).
# Longer runs on all cores: STRATA_FUZZ_JOBS=$(nproc) scripts/fuzz.sh 3600
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
jobs=${STRATA_FUZZ_JOBS:-1}

./scripts/install-deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

names=("$@")
if ((${#names[@]} == 0)); then
  for src in fuzz/*_fuzzer.cpp; do
    [[ -e $src ]] || continue
    name=$(basename "$src" _fuzzer.cpp)
    names+=("$name")
  done
fi

# Sanitizer reports abort the run and keep the input; leaks are reported too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

failed=()
for name in "${names[@]}"; do
  exe=build/fuzz/fuzz/${name}_fuzzer
  [[ -x $exe ]] || { echo "fuzz: $exe was not built" >&2; failed+=("$name"); continue; }
  run_corpus=build/fuzz/corpus-run/$name
  artifacts=build/fuzz/artifacts/$name/
  rm -rf "$run_corpus"
  mkdir -p "$run_corpus" "$artifacts"
  if [[ -d fuzz/corpus/$name ]]; then cp -R "fuzz/corpus/$name/." "$run_corpus/"; fi
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts")
  [[ -f fuzz/$name.dict ]] && args+=(-dict="fuzz/$name.dict")
  ((jobs > 1)) && args+=(-fork="$jobs")
  echo "fuzz: $name for ${seconds}s ($(find "$run_corpus" -type f | wc -l) seed inputs)"
  log=build/fuzz/$name.log
  if "$exe" "${args[@]}" "$run_corpus" >"$log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$log" | sed 's/^/  /' || true
  else
    echo "fuzz: $name FAILED; the end of $log:" >&2
    tail -n 60 "$log" >&2
    echo "fuzz: reproduce with $exe $artifacts<crash-file>" >&2
    failed+=("$name")
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzz: failures in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#names[@]} fuzzers ran ${seconds}s each without a finding"
