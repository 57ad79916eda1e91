#!/usr/bin/env bash
# Runs the libtorch anchor and our quick benchmark back to back on this machine, then prints the side-by-side table.
# usage: benchmarks/compare.sh [OUTDIR]   (default /tmp/autograd-bench; writes libtorch.json and ours.json there)
# The anchor's peak memory is its whole process's maximum resident set (GNU time %M), passed as --libtorch-peak-mb.
# Run the anchor once beforehand if it has not been built yet, or its build's memory would be measured instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/autograd-bench}
mkdir -p "$out"
/usr/bin/time -f %M -o "$out/libtorch.maxrss_kb" "$root/../shared/anchors/libtorch-bench" --json "$out/libtorch.json"
peak_mb=$(awk '{ v = $1 } END { printf "%.1f", v / 1024 }' "$out/libtorch.maxrss_kb")
dotnet run -c Release --project "$root/benchmarks/Autograd.Benchmarks" -- \
  --quick --json "$out/ours.json" --compare "$out/libtorch.json" --libtorch-peak-mb "$peak_mb"
