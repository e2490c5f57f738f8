#!/usr/bin/env bash
# Quick start, command 2: set everything up and run the whole test suite:
# lint, format check, type check, validation of the stock files, then pytest.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/setup.sh || exit 1
BIN="$ROOT/.venv/bin"
status=0
step() {
    local name="$1"; shift
    printf '\n== %s\n' "$name"
    if "$@"; then printf '== %s: ok\n' "$name"; else printf '== %s: FAILED\n' "$name"; status=1; fi
}
step "ruff lint" "$BIN/ruff" check vrtherapy tests
step "ruff format" "$BIN/ruff" format --check vrtherapy tests
step "mypy" "$BIN/mypy"
step "stock files" "$BIN/vrtherapy" validate
printf '\n== pytest\n'
"$BIN/python" -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "== pytest: no tests were collected; that is a failure"
    rc=1
fi
[ "$rc" -ne 0 ] && status=1
if [ "$status" -eq 0 ]; then echo "== all checks passed"; else echo "== some checks FAILED"; fi
exit "$status"
