#!/usr/bin/env bash
# quickstart.sh — from a fresh Debian 12 to a curated corpus in one command.
#
#   ./quickstart.sh            (as root, or with sudo available)
#
# 1. installs the Debian packages in docs/debian-packages.txt (skipped when all
#    are installed), 2. builds winnow into build/, 3. writes a sample corpus
#    (400 documents in 11 languages with duplicates, near duplicates and junk)
#    to samples/documents.jsonl, 4. runs configs/quickstart.yaml over it and
#    prints what was kept and what was removed, and why.
# Works from any directory. Environment: WINNOW_BUILD_DIR (build),
# WINNOW_JOBS (nproc), WINNOW_SKIP_APT=1, SAMPLE_DOCS (400), SAMPLE_SEED (1).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")"
# shellcheck source=.ci/lib.sh
source .ci/lib.sh

winnow_install_packages
winnow_build

bin="$WINNOW_BUILD_DIR/bin"
[[ -x "$bin/winnow" && -x "$bin/winnow-make-corpus" ]] ||
  winnow_die "the build did not produce $bin/winnow and $bin/winnow-make-corpus"

winnow_say "Writing the sample corpus to samples/"
"$bin/winnow-make-corpus" samples --docs "${SAMPLE_DOCS:-400}" --seed "${SAMPLE_SEED:-1}"

winnow_say "Running configs/quickstart.yaml"
"$bin/winnow" run configs/quickstart.yaml

cat <<'MSG'

==> Done.
  curated rows:    out/quickstart/curated.jsonl   (see the "output:" line above)
  removed rows:    out/quickstart/rejects/<step>.jsonl, one line per row with its reason
  counts:          out/quickstart/stats.json, and a readable report: out/quickstart/report.html
  the pipeline:    configs/quickstart.yaml (edit it and run: build/bin/winnow run configs/quickstart.yaml)
  check a config:  build/bin/winnow validate configs/quickstart.yaml
  all plugins:     build/bin/winnow plugins list
MSG
