#!/usr/bin/env bash
# Distributed (MPI) benchmark, issue 7: source/jsonl -> cleaner/exact_dedup ->
# cleaner/minhash_dedup (drop) -> exporter/jsonl on 1, 2 and 4 ranks (one
# thread per rank) over the same generated corpus. Prints wall time,
# throughput, parallel efficiency against 1 rank, and the bytes the dedup
# stages sent to other ranks per GB of input (counter comm.bytes_sent), and
# the CPU seconds of all ranks (user + sys), the figure to trust on a busy machine.
#
# usage: tests/bench/dist_bench.sh [BUILD_DIR] [SIZE_MB]   (defaults: build, 64)
# On a 2-core machine 4 ranks oversubscribe the cores: that row measures
# overhead, not speed-up.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="$(cd "${1:-$SRC/build}" && pwd)"
SIZE_MB="${2:-64}"
BIN="$BUILD/bin/winnow"
export WINNOW_PLUGIN_PATH="${WINNOW_PLUGIN_PATH:-$BUILD/lib/winnow/plugins}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader
WORK="${DIST_BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$WORK"
# Documents from SIZE_MB at 1.1 KB each (generated ones average ~1.4 KB, so the
# corpus is ~1.25x SIZE_MB: 64 -> 79 MB, the run in docs/performance.md).
DOCS=$((SIZE_MB * 1000000 / 1100))
if [ ! -d "$WORK/in" ]; then
  python3 "$SRC/tests/dist/gen_corpus.py" "$WORK/in" 12 "$DOCS" 11
fi
BYTES=$(cat "$WORK/in"/*.jsonl | wc -c)
echo "corpus: $(ls "$WORK/in" | wc -l) files, $DOCS docs, $((BYTES / 1000000)) MB; $(nproc) cores"

pipeline() {
  cat <<YAML
name: dist_bench
run:
  threads: 1
  output_dir: $1
steps:
  - name: read
    uses: source/jsonl
    with:
      paths: ["$WORK/in"]
  - name: exact
    uses: cleaner/exact_dedup
  - name: near
    uses: cleaner/minhash_dedup
  - name: write
    uses: exporter/jsonl
    with:
      path: $1/out.jsonl
YAML
}

printf "%-6s %9s %10s %11s %9s %11s %10s %14s %12s\n" ranks "wall s" "MB/s" "efficiency" "CPU s" "CPU s/GB" "kept rows" "bytes sent" "MB sent/GB"
base=""
for np in 1 2 4; do
  out="$WORK/out-$np"
  rm -rf "$out"
  pipeline "$out" >"$WORK/p$np.yaml"
  TIMEFORMAT='%R %U %S'
  if [ "$np" -eq 1 ]; then
    { time "$BIN" -q run "$WORK/p$np.yaml" >"$WORK/log$np" 2>&1; } 2>"$WORK/time$np"
  else
    { time mpirun --oversubscribe -np "$np" "$BIN" -q run "$WORK/p$np.yaml" >"$WORK/log$np" 2>&1; } 2>"$WORK/time$np"
  fi
  read -r secs usr sys <"$WORK/time$np"
  cpu=$(echo "$usr + $sys" | bc -l)
  kept=$(cat "$out"/out*.jsonl | wc -l)
  sent=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(sum(s.get("counters", {}).get("comm.bytes_sent", 0) for s in d["steps"]))' "$out/stats.json")
  [ -z "$base" ] && base=$secs
  printf "%-6s %9.2f %10.2f %10.0f%% %9.2f %11.1f %10s %14s %12.1f\n" "$np" "$secs" \
    "$(echo "$BYTES / 1000000 / $secs" | bc -l)" "$(echo "100 * $base / ($np * $secs)" | bc -l)" \
    "$cpu" "$(echo "$cpu * 1000000000 / $BYTES" | bc -l)" "$kept" "$sent" "$(echo "$sent / 1000000 / ($BYTES / 1000000000)" | bc -l)"
done
echo "work dir: $WORK"
