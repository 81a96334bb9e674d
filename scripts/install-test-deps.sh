#!/usr/bin/env bash
# Installs what the test suite needs beyond Python packages. Idempotent; safe on a clean CI machine.
set -euo pipefail
# (filled as suites need system services: redis-server, chromium, node packages)
exit 0
