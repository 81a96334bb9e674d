#!/usr/bin/env bash
# Runs the whole suite. pytest's exit code is kept, except that "no tests collected" (5) is a failure too.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
rc=$?
if [ "$rc" -eq 5 ]; then echo "no tests were collected: failing"; exit 1; fi
exit $rc
