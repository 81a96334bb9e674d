#!/usr/bin/env bash
# Stops what scripts/services-up.sh started.
set -uo pipefail
cd "$(dirname "$0")/.."
for name in redis moto; do
  if [ -f ".services/$name.pid" ]; then kill "$(cat ".services/$name.pid")" 2>/dev/null; rm -f ".services/$name.pid"; fi
done
