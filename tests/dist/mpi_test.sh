#!/usr/bin/env bash
# test_mpi_dedup (issue 7): cleaner/exact_dedup and cleaner/minhash_dedup give
# the same rows, duplicate_of, cluster ids and sizes with `mpirun -np 3` as in
# one process (also for drift chains, whose components take several
# label-propagation rounds across ranks); a failing rank makes mpirun exit
# non-zero (no hang).
set -euo pipefail
BIN="${WINNOW_BINARY_DIR:?}/bin/winnow"
HERE="$(cd "$(dirname "$0")" && pwd)"
if ! command -v mpirun >/dev/null 2>&1; then
  echo "SKIP: mpirun not found"; exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 not found (corpus generator)"; exit 0
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1
MPIRUN=(mpirun --oversubscribe -np 3)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

python3 "$HERE/gen_corpus.py" "$WORK/in" 6 3000 7

pipeline() {  # pipeline MODE OUTDIR
  cat <<YAML
name: mpi_dedup
run:
  batch_size: 100
  output_dir: $2
steps:
  - name: read
    uses: source/jsonl
    with:
      paths: ["$WORK/in"]
  - name: exact
    uses: cleaner/exact_dedup
    with:
      mode: $1
  - name: near
    uses: cleaner/minhash_dedup
    with:
      mode: $1
  - name: write
    uses: exporter/jsonl
    with:
      path: $2/out.jsonl
YAML
}

fail=0
for mode in annotate drop; do
  pipeline $mode "$WORK/one-$mode" >"$WORK/one-$mode.yaml"
  pipeline $mode "$WORK/mpi-$mode" >"$WORK/mpi-$mode.yaml"
  "$BIN" -q run "$WORK/one-$mode.yaml" >"$WORK/one-$mode.log" 2>&1 ||
    { cat "$WORK/one-$mode.log"; echo "FAIL: single-process $mode run failed"; exit 1; }
  timeout 240 "${MPIRUN[@]}" "$BIN" -q run "$WORK/mpi-$mode.yaml" >"$WORK/mpi-$mode.log" 2>&1 ||
    { cat "$WORK/mpi-$mode.log"; echo "FAIL: mpirun $mode run failed"; exit 1; }
  ranks=$(ls "$WORK/mpi-$mode"/out-rank*.jsonl 2>/dev/null | wc -l)
  if [ "$ranks" -ne 3 ]; then
    ls -R "$WORK/mpi-$mode"; echo "FAIL: expected 3 per-rank outputs, found $ranks"; fail=1
  fi
  LC_ALL=C sort "$WORK/one-$mode"/out*.jsonl >"$WORK/one-$mode.sorted"
  cat "$WORK/mpi-$mode"/out-rank*.jsonl | LC_ALL=C sort >"$WORK/mpi-$mode.sorted"
  n1=$(wc -l <"$WORK/one-$mode.sorted"); n3=$(wc -l <"$WORK/mpi-$mode.sorted")
  echo "$mode: single process $n1 rows, 3 ranks $n3 rows"
  if ! cmp -s "$WORK/one-$mode.sorted" "$WORK/mpi-$mode.sorted"; then
    diff "$WORK/one-$mode.sorted" "$WORK/mpi-$mode.sorted" | head -c 2000
    echo "FAIL: $mode output differs between 1 process and 3 ranks"; fail=1
  fi
done
# The comparison must not be vacuous: the corpus has both kinds of duplicates.
exact=$(grep -c '"duplicate_of"' "$WORK/one-annotate.sorted" || true)
near=$(grep -c '"cluster_size": *[2-9]' "$WORK/one-annotate.sorted" || true)
total=$(wc -l <"$WORK/one-annotate.sorted"); kept=$(wc -l <"$WORK/one-drop.sorted")
echo "rows $total, exact repeats $exact, rows in near-duplicate clusters $near, kept after drop $kept"
if [ "$total" -ne 3000 ] || [ "$exact" -lt 100 ] || [ "$near" -lt 300 ] || [ "$near" -gt 1500 ] ||
   [ "$kept" -lt 2000 ] || [ "$kept" -ge "$total" ]; then
  echo "FAIL: the corpus should have 3000 rows with exact and near duplicates"; fail=1
fi

# minhash_dedup on drift chains (each doc a light edit of the previous one, so
# the ends of a chain share nothing and the chain's rows are spread over the
# ranks): connected components need several label-propagation rounds across
# ranks and must still equal the single-process clusters.
python3 - "$WORK/chain" <<'PY'
import json, os, random, sys
out = sys.argv[1]
rng = random.Random(5)
vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
         for _ in range(6000)]
os.makedirs(out, exist_ok=True)
rows = []
for c in range(12):
    words = [rng.choice(vocab) for _ in range(400)]
    for k in range(25):
        rows.append({"id": "c%02d-%02d" % (c, k), "text": " ".join(words)})
        for _ in range(8):
            words[rng.randrange(len(words))] = rng.choice(vocab)
for i in range(300):
    rows.append({"id": "single-%03d" % i, "text": " ".join(rng.choice(vocab) for _ in range(200))})
rng.shuffle(rows)
handles = [open(os.path.join(out, "part-%d.jsonl" % f), "w") for f in range(6)]
for i, r in enumerate(rows):
    handles[i % 6].write(json.dumps(r) + "\n")
for h in handles:
    h.close()
PY
chain_pipeline() {  # chain_pipeline OUTDIR
  cat <<YAML
name: mpi_chain
run:
  batch_size: 64
  output_dir: $1
steps:
  - name: read
    uses: source/jsonl
    with:
      paths: ["$WORK/chain"]
  - name: near
    uses: cleaner/minhash_dedup
    with:
      mode: annotate
  - name: write
    uses: exporter/jsonl
    with:
      path: $1/out.jsonl
YAML
}
chain_pipeline "$WORK/chain-one" >"$WORK/chain-one.yaml"
chain_pipeline "$WORK/chain-mpi" >"$WORK/chain-mpi.yaml"
"$BIN" run "$WORK/chain-one.yaml" >"$WORK/chain-one.log" 2>&1 ||
  { cat "$WORK/chain-one.log"; echo "FAIL: single-process chain run failed"; exit 1; }
timeout 240 "${MPIRUN[@]}" "$BIN" run "$WORK/chain-mpi.yaml" >"$WORK/chain-mpi.log" 2>&1 ||
  { cat "$WORK/chain-mpi.log"; echo "FAIL: mpirun chain run failed"; exit 1; }
LC_ALL=C sort "$WORK/chain-one"/out*.jsonl >"$WORK/chain-one.sorted"
cat "$WORK/chain-mpi"/out-rank*.jsonl | LC_ALL=C sort >"$WORK/chain-mpi.sorted"
if ! cmp -s "$WORK/chain-one.sorted" "$WORK/chain-mpi.sorted"; then
  diff "$WORK/chain-one.sorted" "$WORK/chain-mpi.sorted" | head -c 2000
  echo "FAIL: chain clusters differ between 1 process and 3 ranks"; fail=1
fi
big=$(grep -c '"cluster_size": *[1-9][0-9]' "$WORK/chain-one.sorted" || true)
rounds=$(grep -o 'components in [0-9]* label rounds' "$WORK/chain-mpi.log" | grep -o '[0-9][0-9]*' | head -1)
echo "chains: rows in clusters of >= 10 rows $big, label rounds under MPI ${rounds:-?}"
if [ "$big" -lt 200 ]; then
  echo "FAIL: the drift chains should form clusters of 10 or more rows"; fail=1
fi
# Plain label propagation needs 8 rounds on these chains; pointer jumping (from
# round 4) ends it in 5.
if [ -z "$rounds" ] || [ "$rounds" -lt 4 ] || [ "$rounds" -gt 6 ]; then
  grep -i minhash "$WORK/chain-mpi.log" | head
  echo "FAIL: expected 4-6 label rounds (propagation, then pointer jumping)"; fail=1
fi

# exact_dedup save_index: rank 0 writes the same index file as one process.
for run in one mpi; do
  cat >"$WORK/idx-$run.yaml" <<YAML
name: mpi_index
run:
  output_dir: $WORK/idx-$run
steps:
  - name: read
    uses: source/jsonl
    with:
      paths: ["$WORK/in"]
  - name: exact
    uses: cleaner/exact_dedup
    with:
      save_index: $WORK/idx-$run.wxd
      index_label: corpus
  - name: write
    uses: exporter/jsonl
    with:
      path: $WORK/idx-$run/out.jsonl
YAML
done
"$BIN" -q run "$WORK/idx-one.yaml" >"$WORK/idx-one.log" 2>&1 ||
  { cat "$WORK/idx-one.log"; echo "FAIL: single-process save_index run failed"; exit 1; }
timeout 240 "${MPIRUN[@]}" "$BIN" -q run "$WORK/idx-mpi.yaml" >"$WORK/idx-mpi.log" 2>&1 ||
  { cat "$WORK/idx-mpi.log"; echo "FAIL: mpirun save_index run failed"; exit 1; }
if ! cmp "$WORK/idx-one.wxd" "$WORK/idx-mpi.wxd"; then
  echo "FAIL: save_index differs between 1 process and 3 ranks"; fail=1
else
  echo "save_index: identical ($(wc -c <"$WORK/idx-one.wxd") bytes)"
fi

# jaccard_threshold is refused under MPI with a clear message.
pipeline drop "$WORK/mpi-jac" >"$WORK/jac.yaml"
python3 - "$WORK/jac.yaml" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("uses: cleaner/minhash_dedup\n    with:\n", "uses: cleaner/minhash_dedup\n    with:\n      jaccard_threshold: 0.7\n")
open(p, "w").write(s)
PY
if timeout 120 "${MPIRUN[@]}" "$BIN" -q run "$WORK/jac.yaml" >"$WORK/jac.log" 2>&1; then
  echo "FAIL: jaccard_threshold under MPI should be refused"; fail=1
elif ! grep -q "jaccard_threshold" "$WORK/jac.log"; then
  cat "$WORK/jac.log"; echo "FAIL: no message naming jaccard_threshold"; fail=1
fi

# A rank that fails (only rank 0 reaches batch 4) while the others wait in
# exact_dedup's exchange: mpirun must exit non-zero with the message, no hang.
if [ -n "${WINNOW_TEST_PLUGIN_DIR:-}" ] && [ -d "$WINNOW_TEST_PLUGIN_DIR" ]; then
  mkdir -p "$WORK/fin"
  python3 - "$WORK/fin" <<'PY'
import json, sys
d = sys.argv[1]
for f, n in enumerate([1000, 20, 20]):
    with open("%s/part-%d.jsonl" % (d, f), "w") as h:
        for i in range(n):
            h.write(json.dumps({"id": "f%d-%d" % (f, i), "text": "row %d of file %d" % (i, f)}) + "\n")
PY
  cat >"$WORK/fail.yaml" <<YAML
name: mpi_fail
run:
  batch_size: 50
  output_dir: $WORK/fail-out
steps:
  - name: read
    uses: source/jsonl
    with:
      paths: ["$WORK/fin"]
  - name: boom
    uses: transform/test_fail
    with:
      fail_at_batch: 4
  - name: exact
    uses: cleaner/exact_dedup
  - name: write
    uses: exporter/jsonl
    with:
      path: $WORK/fail-out/out.jsonl
YAML
  set +e
  timeout 120 "${MPIRUN[@]}" "$BIN" --plugin-path "$WINNOW_TEST_PLUGIN_DIR" -q run "$WORK/fail.yaml" >"$WORK/fail.log" 2>&1
  rc=$?
  set -e
  echo "failing rank: mpirun exit code $rc"
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
    cat "$WORK/fail.log"; echo "FAIL: a failing rank must make mpirun exit non-zero without hanging"; fail=1
  elif ! grep -q "simulated failure in batch 4" "$WORK/fail.log"; then
    cat "$WORK/fail.log"; echo "FAIL: the failing rank's message is missing"; fail=1
  fi
else
  echo "WARN: WINNOW_TEST_PLUGIN_DIR not set; failing-rank test skipped"
fi

[ "$fail" -eq 0 ] && echo "PASS"
exit "$fail"
