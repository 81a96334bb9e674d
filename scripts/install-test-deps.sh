#!/usr/bin/env bash
# Installs what the test suite needs beyond Python packages. Idempotent; safe on a clean CI machine.
set -euo pipefail
# (filled as suites need system services: redis-server, chromium, node packages)
# Generative engines (diffusers): the CPU build of torch first, then the diffusers stack, LoRAs and quantised weights
# (scripts/install-gpu-stack.sh, shared with Dockerfile.gpu). Skipped when already importable.
bash "$(dirname "$0")/install-gpu-stack.sh" "$(dirname "$0")/../.venv" cpu

# System packages for the browser and distributed tests: Debian's Chromium (Playwright drives it; no browser
# download) and redis-server; the English word lists. Installed only when missing.
apt_install() {
  local sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q "$@" >/dev/null 2>&1 || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q "$@" >/dev/null; }
}
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# The word lists behind the classic parser's real-word table (tests/unit/test_classic_corpus.py checks it is current).
[ -f /usr/share/dict/american-english ] || missing+=(wamerican)
[ -f /usr/share/dict/british-english ] || missing+=(wbritish)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} (Debian packages)"
  apt_install "${missing[@]}"
fi

# Node compatibility test (tests/compat/test_fal_js_client.py): Node and npm from Debian's packages when missing
# (a node that already exists is kept, with whatever npm it brought), then the official @fal-ai/client at the
# version pinned by tests/compat/js/package-lock.json into tests/compat/js/node_modules (gitignored).
(
  node_missing=()
  command -v node >/dev/null 2>&1 || node_missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || node_missing+=(npm)
  if [ "${#node_missing[@]}" -gt 0 ]; then
    echo "installing ${node_missing[*]} (Debian packages)"
    apt_install "${node_missing[@]}" || echo "warning: could not install ${node_missing[*]}; the Node test will skip"
  fi
  cd "$(dirname "$0")/../tests/compat/js"
  if command -v npm >/dev/null 2>&1 && [ ! -f node_modules/@fal-ai/client/package.json ]; then
    npm ci --silent --no-audit --no-fund >/dev/null || npm install --silent --no-audit --no-fund >/dev/null
  fi
)

exit 0
