#!/usr/bin/env bash
# Installs the SDK to a temporary prefix, builds the example plugin from
# docs/writing-plugins.md (sdk/examples/uppercase) outside the tree with
# find_package(winnow), and runs it through `winnow --plugin-path`.
set -euo pipefail
src=${WINNOW_SOURCE_DIR:?}
bin=${WINNOW_BINARY_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$bin" --prefix "$work/prefix" --component sdk > "$work/install.log"
cmake -S "$src/sdk/examples/uppercase" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" -j2 > "$work/build.log" || { cat "$work/build.log"; exit 1; }
test -f "$work/build/plugins/libwinnow_transform_uppercase.so"

printf '{"text":"hello, winnow","id":1}\n{"id":2}\n' > "$work/in.jsonl"
cat > "$work/p.yaml" <<YAML
name: example
run: {output_dir: "$work/out"}
steps:
  - {name: read, uses: source/jsonl, with: {paths: ["$work/in.jsonl"]}}
  - {name: up, uses: transform/uppercase}
  - {name: write, uses: exporter/jsonl, with: {path: out.jsonl}}
YAML
"$bin/bin/winnow" --plugin-path "$work/build/plugins" plugins describe transform/uppercase | grep -q "Upper-cases"
"$bin/bin/winnow" -q --plugin-path "$work/build/plugins" run "$work/p.yaml" > "$work/run.log"
expected='{"text":"HELLO, WINNOW","id":1}
{"id":2}'
actual=$(cat "$work/out/out.jsonl")
if [ "$actual" != "$expected" ]; then
  echo "unexpected output:"; echo "$actual"; exit 1
fi
# The documentation shows these files as they are (every line appears in it).
for f in CMakeLists.txt uppercase.cpp; do
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    grep -qF -- "$line" "$src/docs/writing-plugins.md" || {
      echo "docs/writing-plugins.md does not show sdk/examples/uppercase/$f as it is: missing line: $line"
      exit 1
    }
  done < "$src/sdk/examples/uppercase/$f"
done
echo "out-of-tree plugin built and ran"
