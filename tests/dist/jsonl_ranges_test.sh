#!/usr/bin/env bash
# test_mpi_jsonl_ranges (issue 7): source/jsonl splits a large JSON Lines file
# into byte ranges, one per rank, at line boundaries. Under `mpirun -np 3`
# every line is read exactly once, and row ids (seen through exact_dedup's
# duplicate_of), reject locations (file:line) and the merged output equal a
# single-process run. The file has CRLF and LF lines, empty lines, malformed
# lines, a last line without newline; a small file and a .gz file are read
# whole.
set -euo pipefail
BIN="${WINNOW_BINARY_DIR:?}/bin/winnow"
if ! command -v mpirun >/dev/null 2>&1; then echo "SKIP: mpirun not found"; exit 0; fi
if ! command -v python3 >/dev/null 2>&1; then echo "SKIP: python3 not found"; exit 0; fi
if ! "$BIN" version 2>/dev/null | grep -q "^MPI yes"; then
  echo "SKIP: winnow was built without MPI"; exit 0
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/in"

python3 - "$WORK/in" <<'PY'
import gzip, json, os, random, sys
out = sys.argv[1]
rng = random.Random(11)
words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
lines = []
N = 9000  # ~1.8 MB: big.jsonl is read through its memory mapping (>= 1 MB)
malformed = empty = 0
for i in range(N):
    if i % 397 == 5:
        lines.append('{"id": %d, "text": broken' % i)            # malformed
        malformed += 1
    elif i % 211 == 7:
        lines.append("")                                          # empty line
        empty += 1
    else:
        text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 60)))
        if i % 9 == 0:
            text = "a repeated line %d" % (i % 5)                 # exact duplicates
        lines.append(json.dumps({"id": i, "text": text}))
body = ""
for i, l in enumerate(lines):
    body += l + ("\r\n" if i % 13 == 0 else "\n")
body += json.dumps({"id": "last", "text": "no newline at the end"})
open(os.path.join(out, "big.jsonl"), "w").write(body)
open(os.path.join(out, "small.jsonl"), "w").write(
    "".join(json.dumps({"id": "s%d" % i, "text": "small %d" % i}) + "\n" for i in range(20)))
with gzip.open(os.path.join(out, "zipped.jsonl.gz"), "wt") as f:
    for i in range(30):
        f.write(json.dumps({"id": "z%d" % i, "text": "a repeated line %d" % (i % 5)}) + "\n")
rows = N - malformed - empty + 1 + 20 + 30
open(os.path.join(out, "..", "expected"), "w").write("%d %d\n" % (rows, malformed))
PY
read -r EXPECT_ROWS EXPECT_MALFORMED <"$WORK/expected"

pipeline() {  # pipeline OUTDIR
  cat <<YAML
name: jsonl_ranges
run:
  batch_size: 50
  output_dir: $1
steps:
  - name: read
    uses: source/jsonl
    with:
      paths: ["$WORK/in"]
      split_bytes: 10000
  - name: exact
    uses: cleaner/exact_dedup
    with:
      mode: annotate
  - name: write
    uses: exporter/jsonl
    with:
      path: $1/out.jsonl
YAML
}
pipeline "$WORK/one" >"$WORK/one.yaml"
pipeline "$WORK/mpi" >"$WORK/mpi.yaml"
"$BIN" -q run "$WORK/one.yaml" >"$WORK/one.log" 2>&1 ||
  { cat "$WORK/one.log"; echo "FAIL: single-process run failed"; exit 1; }
timeout 240 mpirun --oversubscribe -np 3 "$BIN" -q run "$WORK/mpi.yaml" >"$WORK/mpi.log" 2>&1 ||
  { cat "$WORK/mpi.log"; echo "FAIL: mpirun run failed"; exit 1; }

fail=0
LC_ALL=C sort "$WORK/one"/out.jsonl >"$WORK/one.sorted"
cat "$WORK/mpi"/out-rank*.jsonl | LC_ALL=C sort >"$WORK/mpi.sorted"
n1=$(wc -l <"$WORK/one.sorted"); n3=$(wc -l <"$WORK/mpi.sorted")
dups=$(grep -c '"duplicate_of"' "$WORK/one.sorted" || true)
echo "rows: single process $n1, 3 ranks $n3; rows with duplicate_of: $dups"
if ! cmp -s "$WORK/one.sorted" "$WORK/mpi.sorted"; then
  diff "$WORK/one.sorted" "$WORK/mpi.sorted" | head -c 2000
  echo "FAIL: output differs between 1 process and 3 ranks"; fail=1
fi
# N lines - malformed - empty + last + 20 small + 30 zipped (counted by the generator)
if [ "$n1" -ne "$EXPECT_ROWS" ] || [ "$dups" -lt 400 ]; then
  echo "FAIL: expected $EXPECT_ROWS rows with exact duplicates, got $n1 rows, $dups duplicates"; fail=1
fi
# big.jsonl really was split: 3 ranges + 2 whole files were read over the ranks.
parts=$(python3 -c "import json,sys; s=json.load(open('$WORK/mpi/stats.json')); print([x for x in s['steps'] if x['name']=='read'][0]['counters'].get('file_parts_read',0))")
if [ "$parts" -ne 5 ]; then
  echo "FAIL: expected 5 file parts (3 ranges + 2 whole files) over the ranks, stats say $parts"; fail=1
fi
# Rejects: the same lines, with the same file:line locations.
locs() { cat "$@" | python3 -c "import json,sys; [print(json.loads(l)['location']) for l in sys.stdin]" | LC_ALL=C sort; }
locs "$WORK/one/rejects/read.jsonl" >"$WORK/one.rejects"
locs "$WORK/mpi/rejects"/read.rank*.jsonl >"$WORK/mpi.rejects"
if [ "$(wc -l <"$WORK/one.rejects")" -ne "$EXPECT_MALFORMED" ] || ! cmp -s "$WORK/one.rejects" "$WORK/mpi.rejects"; then
  diff "$WORK/one.rejects" "$WORK/mpi.rejects" | head -40
  echo "FAIL: reject locations differ (or not $EXPECT_MALFORMED malformed lines)"; fail=1
fi
grep -q "big.jsonl:6$" "$WORK/one.rejects" || { echo "FAIL: line 6 should be malformed"; fail=1; }
[ "$fail" -eq 0 ] && echo "PASS"
exit "$fail"
