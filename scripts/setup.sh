#!/usr/bin/env bash
# Set up everything vrtherapy needs on this machine: system packages (as root,
# through apt), a virtual environment in .venv, and the package with its test
# tools. Safe to run again: it only does what is missing.
#
#   scripts/setup.sh            # everything, incl. system packages the tests need
#   VRTHERAPY_NO_APT=1 scripts/setup.sh   # never call apt; report what is missing
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# --- system packages -------------------------------------------------------
# One package a line; a line may hold alternatives 'a|b' (the first that exists is used).
missing_packages() {
    local line pkg
    while read -r line; do
        line="${line%%#*}"; line="$(echo "$line" | xargs)"
        [ -z "$line" ] && continue
        pkg="${line%%|*}"
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
    done < "$ROOT/scripts/system-packages.txt"
}

if command -v dpkg-query >/dev/null 2>&1; then
    mapfile -t MISSING < <(missing_packages)
    if [ "${#MISSING[@]}" -gt 0 ]; then
        if [ "${VRTHERAPY_NO_APT:-0}" != "1" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
            say "installing system packages: ${MISSING[*]}"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq >/dev/null
            apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null
        else
            die "missing system packages: ${MISSING[*]}
        install them with: sudo apt-get install ${MISSING[*]}"
        fi
    fi
else
    say "not a Debian-like system: make sure these are installed: $(grep -v '^#' "$ROOT/scripts/system-packages.txt" | xargs)"
fi

# --- Python ------------------------------------------------------------------
command -v "$PYTHON" >/dev/null || die "$PYTHON not found; install Python 3.11 or newer"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "Python 3.11 or newer is needed, $PYTHON is $("$PYTHON" -V 2>&1)"

if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtual environment in .venv"
    "$PYTHON" -m venv "$VENV" || die "could not create a virtual environment (apt-get install python3-venv)"
fi

STAMP="$VENV/.vrtherapy-installed"
WANT="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    say "installing vrtherapy and its dependencies into .venv"
    "$VENV/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
    "$VENV/bin/python" -m pip install -q -e "$ROOT[test,voices]" 2>&1 | grep -v '^WARNING: Location' || true
    "$VENV/bin/python" -c 'import vrtherapy, pydantic, yaml, click' 2>/dev/null \
        || die "installing Python packages failed (see the messages above)"
    echo "$WANT" > "$STAMP"
fi
say "ready: $VENV"
