#!/usr/bin/env bash
# test_parquet_shard (issue 7): source/parquet shards row groups across ranks.
# Under `mpirun --oversubscribe -np 3`, every row of several multi-row-group
# Parquet files is read exactly once (by exactly one rank), every rank reads
# some, and the merged per-rank outputs equal the single-process output.
# Also runs over ../shared/data's alpha.parquet (7 row groups, written by
# another implementation) when present.
#   parquet_shard_test.sh PATH/TO/parquet_shard_writer
set -euo pipefail
WRITER="${1:?usage: parquet_shard_test.sh PATH/TO/parquet_shard_writer}"
BIN="${WINNOW_BINARY_DIR:?}/bin/winnow"
if ! command -v mpirun >/dev/null 2>&1; then
  echo "SKIP: mpirun not found"; exit 0
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1
MPIRUN=(mpirun --oversubscribe -np 3)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

pipeline() {  # pipeline INPUT OUTDIR
  cat <<YAML
name: parquet_shard
run:
  batch_size: 64
  output_dir: $2
steps:
  - name: read
    uses: source/parquet
    with:
      paths: ["$1"]
  - name: write
    uses: exporter/jsonl
    with:
      path: $2/out.jsonl
YAML
}

fail=0
# check NAME INPUT ID_FIELD EXPECTED_IDS_FILE
check() {
  local name=$1 input=$2 field=$3 expected=$4
  pipeline "$input" "$WORK/$name-one" >"$WORK/$name-one.yaml"
  pipeline "$input" "$WORK/$name-mpi" >"$WORK/$name-mpi.yaml"
  "$BIN" -q run "$WORK/$name-one.yaml" >"$WORK/$name-one.log" 2>&1 ||
    { cat "$WORK/$name-one.log"; echo "FAIL: $name: single-process run failed"; exit 1; }
  timeout 240 "${MPIRUN[@]}" "$BIN" -q run "$WORK/$name-mpi.yaml" >"$WORK/$name-mpi.log" 2>&1 ||
    { cat "$WORK/$name-mpi.log"; echo "FAIL: $name: mpirun run failed"; exit 1; }
  local ranks
  ranks=$(ls "$WORK/$name-mpi"/out-rank*.jsonl 2>/dev/null | wc -l)
  if [ "$ranks" -ne 3 ]; then
    ls -R "$WORK/$name-mpi" || true; echo "FAIL: $name: expected 3 per-rank outputs, found $ranks"; fail=1
  fi
  # Every rank read something (the input has more row groups than ranks).
  local f
  for f in "$WORK/$name-mpi"/out-rank*.jsonl; do
    if [ ! -s "$f" ]; then echo "FAIL: $name: $(basename "$f") is empty"; fail=1; fi
  done
  # Each row exactly once: the ids read by all ranks, sorted with repeats
  # kept, equal the expected ids (a row read twice or never would differ).
  cat "$WORK/$name-mpi"/out-rank*.jsonl | sed -E "s/^.*\"$field\":(\"[^\"]*\"|[0-9]+).*$/\\1/" |
    tr -d '"' | LC_ALL=C sort >"$WORK/$name-mpi.ids"
  LC_ALL=C sort "$expected" >"$WORK/$name-expected.ids"
  if ! cmp -s "$WORK/$name-mpi.ids" "$WORK/$name-expected.ids"; then
    echo "repeated: $(uniq -d "$WORK/$name-mpi.ids" | head -5 | tr '\n' ' ' || true)"
    diff "$WORK/$name-expected.ids" "$WORK/$name-mpi.ids" | head -20 || true
    echo "FAIL: $name: the 3 ranks did not read every row exactly once"; fail=1
  fi
  # A rank's row ids are disjoint from the others' (no row group read twice).
  local dup
  dup=$(for f in "$WORK/$name-mpi"/out-rank*.jsonl; do
          sed -E "s/^.*\"$field\":(\"[^\"]*\"|[0-9]+).*$/\\1/" "$f" | LC_ALL=C sort -u
        done | LC_ALL=C sort | uniq -d | wc -l)
  if [ "$dup" -ne 0 ]; then echo "FAIL: $name: $dup ids read by more than one rank"; fail=1; fi
  # The canonical merge (sorted lines) equals the single-process output.
  LC_ALL=C sort "$WORK/$name-one"/out*.jsonl >"$WORK/$name-one.sorted"
  cat "$WORK/$name-mpi"/out-rank*.jsonl | LC_ALL=C sort >"$WORK/$name-mpi.sorted"
  local n1 n3
  n1=$(wc -l <"$WORK/$name-one.sorted"); n3=$(wc -l <"$WORK/$name-mpi.sorted")
  echo "$name: expected $(wc -l <"$expected") rows; single process $n1, 3 ranks $n3" \
       "($(for f in "$WORK/$name-mpi"/out-rank*.jsonl; do wc -l <"$f"; done | tr '\n' ' '))"
  if ! cmp -s "$WORK/$name-one.sorted" "$WORK/$name-mpi.sorted"; then
    diff "$WORK/$name-one.sorted" "$WORK/$name-mpi.sorted" | head -c 2000 || true
    echo
    echo "FAIL: $name: merged output differs between 1 process and 3 ranks"; fail=1
  fi
  if [ "$n1" -ne "$(wc -l <"$expected")" ]; then
    echo "FAIL: $name: the single-process run read $n1 rows"; fail=1
  fi
}

"$WRITER" "$WORK/gen" || { echo "FAIL: parquet_shard_writer failed"; exit 1; }
check generated "$WORK/gen" id "$WORK/gen/expected.txt"

ALPHA="${WINNOW_SHARED_DATA:-}/parquet/hyparquet/alpha.parquet"
if [ -f "$ALPHA" ] && command -v python3 >/dev/null 2>&1; then
  mkdir -p "$WORK/alpha"
  cp "$ALPHA" "$WORK/alpha/alpha.parquet"
  python3 -c 'import json,sys; [print(r[0]) for r in json.load(open(sys.argv[1]))]' \
    "${ALPHA%.parquet}.json" >"$WORK/alpha-expected.txt"
  check alpha "$WORK/alpha" id "$WORK/alpha-expected.txt"
else
  echo "WARN: $ALPHA (or python3) not available; the shared-data case is skipped"
fi

[ "$fail" -eq 0 ] && echo "PASS"
exit "$fail"
