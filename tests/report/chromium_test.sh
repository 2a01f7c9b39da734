#!/usr/bin/env bash
# Runs a small pipeline, opens its report.html in headless Chromium, and checks
# that the page renders (screenshot), shows the steps, and logs no script errors.
set -euo pipefail
bin=${WINNOW_BINARY_DIR:?}
if ! command -v chromium > /dev/null; then
  echo "SKIP: chromium is not installed (apt-get install chromium)"; exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq 1 50); do
  printf '{"id":%d,"text":"row %d <script>alert(1)</script>","language":"en"}\n' "$i" "$i"
done > "$work/in.jsonl"
echo '{broken' >> "$work/in.jsonl"
cat > "$work/p.yaml" <<YAML
name: report_check
run: {output_dir: "$work/out"}
steps:
  - {name: read_rows, uses: source/jsonl, with: {paths: ["$work/in.jsonl"]}}
  - {name: keep_some, uses: transform/filter, with: {where: {field: id, lte: 40}}}
  - {name: write_rows, uses: exporter/jsonl, with: {path: out.jsonl}}
YAML
"$bin/bin/winnow" -q run "$work/p.yaml" > "$work/run.log"
report="$work/out/report.html"
test -s "$report"
if grep -q '<script>alert' "$report"; then echo "row content is not escaped"; exit 1; fi
if grep -Eq '(src|href)="https?:' "$report"; then echo "report references external resources"; exit 1; fi
flags=(--headless --disable-gpu --no-sandbox --hide-scrollbars --window-size=1200,2000)
timeout 120 chromium "${flags[@]}" --screenshot="$work/shot.png" "file://$report" > "$work/shot.log" 2>&1
size=$(stat -c %s "$work/shot.png")
[ "$size" -gt 10000 ] || { echo "screenshot too small ($size bytes)"; exit 1; }
timeout 120 chromium "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$report" \
  > "$work/dom.html" 2> "$work/console.log"
for step in read_rows keep_some write_rows; do
  grep -q "$step" "$work/dom.html" || { echo "step $step missing from the rendered page"; exit 1; }
done
if grep -Eq 'Uncaught|SyntaxError' "$work/console.log"; then
  echo "script errors:"; grep -E 'Uncaught|SyntaxError' "$work/console.log"; exit 1
fi
echo "report.html rendered in Chromium (screenshot $size bytes), steps shown, no script errors"
