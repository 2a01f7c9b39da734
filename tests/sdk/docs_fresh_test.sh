#!/usr/bin/env bash
# Fails when docs/plugins/ differs from what `winnow plugins docs` generates
# from the plugins' own schemas. Fix with:
#   build/bin/winnow plugins docs docs/plugins
set -euo pipefail
src=${WINNOW_SOURCE_DIR:?}
bin=${WINNOW_BINARY_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/bin/winnow" plugins docs "$work/plugins" > /dev/null
if ! diff -ru "$src/docs/plugins" "$work/plugins" > "$work/diff"; then
  echo "docs/plugins is stale; regenerate with: build/bin/winnow plugins docs docs/plugins"
  head -50 "$work/diff"
  exit 1
fi
echo "docs/plugins is up to date ($(ls "$work/plugins" | wc -l) pages)"
