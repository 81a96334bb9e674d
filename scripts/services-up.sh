#!/usr/bin/env bash
# Starts the services the distributed mode needs, on 127.0.0.1 only, for local use: redis-server and moto's S3
# server. Prints the settings to use. Stop them with scripts/services-down.sh. (The test suite starts its own.)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .services
redis-server --port "${REDIS_PORT:-6379}" --bind 127.0.0.1 --daemonize yes --dir "$PWD/.services" \
  --pidfile "$PWD/.services/redis.pid" --save ""
nohup .venv/bin/python -m moto.server -H 127.0.0.1 -p "${S3_PORT:-9000}" >.services/moto.log 2>&1 &
echo $! > .services/moto.pid
cat <<EOT
RETOUCH_STATE_BACKEND=redis RETOUCH_REDIS_URL=redis://127.0.0.1:${REDIS_PORT:-6379}/0
RETOUCH_OBJECT_BACKEND=s3 RETOUCH_S3_ENDPOINT_URL=http://127.0.0.1:${S3_PORT:-9000} RETOUCH_SECRET_KEY=dev
AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
EOT
