#!/usr/bin/env bash
# Regenerates every published benchmark figure into bench/results/: the ANN comparison against hnswlib
# and FAISS on bigann10k and fashion-mnist-784 (CSV, Markdown, recall/QPS plot as PNG), the storage
# figures and the micro-benchmarks. Takes 20-40 minutes on 2 cores, most of it the 1M-vector open test
# (its database is built once and kept under /tmp). Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
if ! command -v gnuplot >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get install -y -qq gnuplot-nox dataset-fashion-mnist >/dev/null
fi
cmake --preset release >/dev/null
cmake --build --preset release --target ann_bench storage_bench db_bench kernels_bench
out=bench/results
mkdir -p "$out/cache"
bin=build/release/bench
{
  echo "Measured $(date -u +%Y-%m-%d) on: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
} >"$out/machine.txt"

"$bin/ann_bench" --datasets bigann10k,fashion-mnist --cache-dir bench/results/cache \
  --csv "$out/ann.csv" --markdown "$out/ann.md"
# One plot per dataset: recall@10 against queries per second, a line per library.
for ds in $(tail -n +2 "$out/ann.csv" | cut -d, -f2 | sort -u); do
  plots=()
  for lib in strata hnswlib faiss; do
    awk -F, -v ds="$ds" -v lib="$lib" '$2 == ds && $1 == lib' "$out/ann.csv" >"$out/cache/$ds-$lib.csv"
    [[ -s "$out/cache/$ds-$lib.csv" ]] && plots+=("'$out/cache/$ds-$lib.csv' using 4:5 with linespoints title '$lib'")
  done
  (IFS=,; gnuplot -e "set terminal pngcairo size 800,500 noenhanced; set output '$out/ann-$ds.png';
    set datafile separator ','; set logscale y; set grid; set key bottom left;
    set title '$ds: recall@10 against queries per second (1 thread; up and right is better)';
    set xlabel 'recall@10'; set ylabel 'queries per second'; plot ${plots[*]}")
done

"$bin/storage_bench" | tee "$out/storage.md"
"$bin/db_bench" --benchmark_min_time=0.5 | tee "$out/db_bench.txt"
"$bin/kernels_bench" --benchmark_min_time=0.1 --benchmark_filter='128|768' | tee "$out/kernels_bench.txt"
echo "results in $out/"
