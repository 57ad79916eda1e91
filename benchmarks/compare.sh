#!/usr/bin/env bash
# Runs the libtorch anchor and our quick benchmark back to back on this machine, then prints the side-by-side table.
# usage: benchmarks/compare.sh [OUTDIR] [SITTINGS]
#   OUTDIR defaults to /tmp/autograd-bench. One sitting writes libtorch.json and ours.json there; SITTINGS > 1 runs that
#   many sittings into OUTDIR/sitting-1 … and ends with a summary: each target's value in every sitting, how many met it,
#   and the median (the machine is shared, so a single sitting can catch either side in a disturbed moment).
# The anchor's peak memory is its whole process's maximum resident set (GNU time %M), passed as --libtorch-peak-mb.
# Run the anchor once beforehand if it has not been built yet, or its build's memory would be measured instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/autograd-bench}
sittings=${2:-1}
project="$root/benchmarks/Autograd.Benchmarks"
dirs=()
for i in $(seq 1 "$sittings"); do
  dir=$out
  [ "$sittings" -gt 1 ] && dir="$out/sitting-$i"
  mkdir -p "$dir"
  [ "$sittings" -gt 1 ] && echo "== sitting $i of $sittings ($dir)"
  /usr/bin/time -f %M -o "$dir/libtorch.maxrss_kb" "$root/../shared/anchors/libtorch-bench" --json "$dir/libtorch.json"
  peak_mb=$(awk '{ v = $1 } END { printf "%.1f", v / 1024 }' "$dir/libtorch.maxrss_kb")
  dotnet run -c Release --project "$project" -- \
    --quick --json "$dir/ours.json" --compare "$dir/libtorch.json" --libtorch-peak-mb "$peak_mb"
  dirs+=("$dir")
done
if [ "$sittings" -gt 1 ]; then
  echo
  echo "== $sittings sittings"
  dotnet run -c Release --project "$project" -- --sittings "${dirs[@]}"
fi
