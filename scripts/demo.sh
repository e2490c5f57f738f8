#!/usr/bin/env bash
# Quick start, command 1: set everything up and run a complete demo session.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
exec "$ROOT/.venv/bin/vrtherapy" demo "$@"
