#!/usr/bin/env bash
# Installs the built strata into a scratch prefix, then builds and runs a consumer against the installed
# package (find_package) and against the source tree (add_subdirectory).
set -euo pipefail
source_dir=$1
build_dir=$2
mode=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here=$(cd "$(dirname "$0")" && pwd)
if [[ $mode == find_package ]]; then
  cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
  cmake -S "$here/find_package" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
else
  cmake -S "$here/add_subdirectory" -B "$work/build" -G Ninja -DSTRATA_SOURCE_DIR="$source_dir" \
    -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$work/build" --target consumer >/dev/null
"$work/build/consumer"
