#!/usr/bin/env bash
# Formats the C++ sources with clang-format-14 and the repository's .clang-format.
#   scripts/format.sh            rewrite every file in place
#   scripts/format.sh --check    change nothing; list unformatted files and fail if there are any
#   scripts/format.sh [--check] FILE...   only these files
# Covers include/ src/ tests/ bench/ examples/ tools/ fuzz/ and adapters/ (*.hpp *.cpp *.h *.cc).
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format=${CLANG_FORMAT:-clang-format-14}
command -v "$clang_format" >/dev/null || { echo "format: $clang_format not found (scripts/install-deps.sh)" >&2; exit 2; }

check=0
if [[ ${1:-} == --check ]]; then check=1; shift; fi

files=()
if (($# > 0)); then
  files=("$@")
else
  dirs=()
  for d in include src tests bench examples tools fuzz adapters; do [[ -d $d ]] && dirs+=("$d"); done
  mapfile -t files < <(find "${dirs[@]}" -type f \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' -o -name '*.cc' \) \
    -not -path 'fuzz/corpus/*' | LC_ALL=C sort)
fi
((${#files[@]} > 0)) || exit 0

if ((check == 0)); then
  printf '%s\0' "${files[@]}" | xargs -0 -n 32 -P "$(nproc)" "$clang_format" -i --style=file
  exit 0
fi

# --dry-run -Werror fails on the first difference in each file; collect the names, then show a diff.
bad=()
for f in "${files[@]}"; do
  "$clang_format" --dry-run -Werror --style=file "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]} > 0)); then
  echo "format-check: ${#bad[@]} of ${#files[@]} files are not clang-formatted (fix: scripts/format.sh):" >&2
  for f in "${bad[@]}"; do
    echo "--- $f" >&2
    diff -u "$f" <("$clang_format" --style=file "$f") | sed -n '3,22p' >&2 || true
  done
  exit 1
fi
echo "format-check: ${#files[@]} files formatted"
