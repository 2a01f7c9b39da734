#!/usr/bin/env bash
# test.sh — install the Debian packages, build, and run the whole test suite.
#
#   ./test.sh                  (as root, or with sudo available)
#
# Exit code: ctest's (0 = every test passed). Works from any directory.
# Environment: WINNOW_BUILD_DIR (build), WINNOW_JOBS (nproc),
# WINNOW_TEST_JOBS (2), WINNOW_SKIP_APT=1.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")"
# shellcheck source=.ci/lib.sh
source .ci/lib.sh

start=$SECONDS
winnow_install_packages
winnow_build

winnow_say "Running the tests (ctest -j${WINNOW_TEST_JOBS:-2})"
status=0
ctest --test-dir "$WINNOW_BUILD_DIR" --output-on-failure -j"${WINNOW_TEST_JOBS:-2}" || status=$?
if [[ $status == 0 ]]; then
  winnow_say "All tests passed ($((SECONDS - start)) s in all)"
else
  winnow_say "Some tests FAILED (ctest exit code $status; $((SECONDS - start)) s in all)"
fi
exit "$status"
