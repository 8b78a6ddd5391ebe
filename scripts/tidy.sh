#!/usr/bin/env bash
# Runs clang-tidy-14 (config: .clang-tidy, relaxed in tests/ and bench/) over the project's sources, in
# parallel, and fails on any finding.
#   scripts/tidy.sh               every source in build/release/compile_commands.json under include/ src/
#                                 tools/ tests/ bench/ examples/ adapters/, plus fuzz/ (from build/fuzz)
#   scripts/tidy.sh REGEX         only the translation units whose path matches REGEX, e.g. 'src/io/'
#   STRATA_TIDY_BUILD_DIR=DIR     use DIR's compile_commands.json instead of build/release
#   STRATA_TIDY_FIX=1             apply clang-tidy's fixes (review them before committing)
# Headers are checked through the sources that include them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
filter=${1:-}
jobs=${STRATA_TIDY_JOBS:-$(nproc)}

for tool in clang-tidy-14 run-clang-tidy-14; do
  command -v "$tool" >/dev/null || { echo "tidy: $tool not found (scripts/install-deps.sh)" >&2; exit 2; }
done

build_dir=${STRATA_TIDY_BUILD_DIR:-build/release}
if [[ -z ${STRATA_TIDY_BUILD_DIR:-} ]]; then
  # Configuring is enough: clang-tidy needs the compile commands, not the objects.
  cmake --preset release >/dev/null
fi
[[ -f $build_dir/compile_commands.json ]] || { echo "tidy: no $build_dir/compile_commands.json" >&2; exit 2; }

# Translation units of this repository (not of dependencies fetched into the build tree).
units() {  # $1 = compile_commands.json, $2 = directory regex
  python3 - "$1" "$root" "$2" "$filter" <<'EOF'
import json, os, re, sys
db, root, dirs, extra = sys.argv[1:5]
seen = set()
for entry in json.load(open(db)):
    path = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
    rel = os.path.relpath(path, root)
    if re.match(dirs, rel) and (not extra or re.search(extra, rel)) and rel not in seen:
        seen.add(rel)
        print(re.escape(path) + "$")  # run-clang-tidy takes regexes
EOF
}

run() {  # $1 = build dir, rest = files
  local dir=$1; shift
  (($# > 0)) || return 0
  local fix=()
  [[ ${STRATA_TIDY_FIX:-0} == 1 ]] && fix=(-fix)
  echo "tidy: $# translation units from $dir/compile_commands.json, $jobs jobs"
  local rc_file
  rc_file=$(mktemp)
  # Drop run-clang-tidy's command lines and clang's "N warnings generated" counts (warnings in
  # dependencies' headers are counted there but never shown); keep the findings.
  {
    local rc=0
    run-clang-tidy-14 -p "$dir" -quiet -j "$jobs" "${fix[@]}" \
      -extra-arg=-Wno-unknown-warning-option "$@" 2>&1 || rc=$?
    echo "$rc" >"$rc_file"
  } | { grep -vE '^(clang-tidy-14 .*-p=|[0-9]+ warnings? (and [0-9]+ errors? )?generated\.|Suppressed [0-9]+ warnings|Use -header-filter=|$)' || true; } |
    if [[ -t 1 ]]; then cat; else sed 's/\x1b\[[0-9;]*m//g'; fi  # run-clang-tidy forces colour
  local rc
  rc=$(cat "$rc_file")
  rm -f "$rc_file"
  return "$rc"
}

status=0
mapfile -t files < <(units "$build_dir/compile_commands.json" '^(include|src|tools|tests|bench|examples|adapters|fuzz)/')
run "$build_dir" "${files[@]}" || status=1

# The fuzzers exist only in the clang fuzz build; configure it (no compiling) to get their commands.
if [[ -z ${STRATA_TIDY_BUILD_DIR:-} ]] && compgen -G 'fuzz/*_fuzzer.cpp' >/dev/null; then
  if command -v clang++-14 >/dev/null; then
    cmake --preset fuzz >/dev/null
    mapfile -t fuzz_files < <(units build/fuzz/compile_commands.json '^fuzz/')
    run build/fuzz "${fuzz_files[@]}" || status=1
  else
    echo "tidy: clang++-14 missing, fuzz/ not checked" >&2
    status=1
  fi
fi

if ((status != 0)); then
  echo "tidy: FAILED (fix the findings above, or NOLINT(check): reason where the code is right)" >&2
  exit 1
fi
echo "tidy: clean"
