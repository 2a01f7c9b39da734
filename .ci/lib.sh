# shellcheck shell=bash
# .ci/lib.sh — shared steps of quickstart.sh and test.sh (sourced, not run).
#
#   winnow_install_packages   apt-get install docs/debian-packages.txt (skipped
#                             when every package is already installed)
#   winnow_build              cmake configure + build into $WINNOW_BUILD_DIR
#
# Environment: WINNOW_BUILD_DIR (default: build), WINNOW_JOBS (default: nproc),
# WINNOW_SKIP_APT=1 skips the package step entirely.

WINNOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WINNOW_BUILD_DIR="${WINNOW_BUILD_DIR:-build}"
WINNOW_JOBS="${WINNOW_JOBS:-$(nproc 2>/dev/null || echo 2)}"
export DEBIAN_FRONTEND=noninteractive

winnow_say() { printf '\n==> %s\n' "$*"; }
winnow_die() { printf '\nerror: %s\n' "$*" >&2; exit 1; }

# Packages from docs/debian-packages.txt (comments and blank lines removed).
winnow_package_list() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$WINNOW_ROOT/docs/debian-packages.txt" | grep -v '^$'
}

# Prints the listed packages that are neither installed nor provided by an
# installed package (nodejs from NodeSource provides npm, for example).
winnow_missing_packages() {
  local have
  have="$(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Provides}\n' 2>/dev/null |
    awk '$1 == "ii" { $1 = ""; print }' | tr ',' '\n' |
    sed -e 's/([^)]*)//g' -e 's/:[a-z0-9]*//g' | tr ' ' '\n' | grep -v '^$' | sort -u)"
  winnow_package_list | sort -u | comm -23 - <(printf '%s\n' "$have")
}

winnow_install_packages() {
  if [[ "${WINNOW_SKIP_APT:-0}" == 1 ]]; then
    winnow_say "Skipping Debian packages (WINNOW_SKIP_APT=1)"
    return 0
  fi
  command -v dpkg-query >/dev/null ||
    winnow_die "this script expects Debian 12 (dpkg/apt); install the packages listed in docs/debian-packages.txt by hand and rerun with WINNOW_SKIP_APT=1"
  local missing
  missing="$(winnow_missing_packages | tr '\n' ' ')"
  if [[ -z "${missing// /}" ]]; then
    winnow_say "Debian packages: all $(winnow_package_list | wc -l) from docs/debian-packages.txt are installed"
    return 0
  fi
  winnow_say "Installing Debian packages: $missing"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || winnow_die "installing packages needs root: run as root or install sudo"
    sudo=(sudo -E)
  fi
  "${sudo[@]}" apt-get update
  # shellcheck disable=SC2046
  "${sudo[@]}" apt-get install -y --no-install-recommends $(winnow_package_list | tr '\n' ' ')
}

winnow_build() {
  command -v cmake >/dev/null || winnow_die "cmake is not installed (see docs/debian-packages.txt)"
  winnow_say "Configuring ($WINNOW_BUILD_DIR, RelWithDebInfo)"
  cmake -S "$WINNOW_ROOT" -B "$WINNOW_ROOT/$WINNOW_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo
  winnow_say "Building with $WINNOW_JOBS jobs (the first build takes several minutes)"
  cmake --build "$WINNOW_ROOT/$WINNOW_BUILD_DIR" -j"$WINNOW_JOBS"
}
