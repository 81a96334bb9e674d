#!/usr/bin/env bash
# Installs Retouch into a virtual environment. The one install step shared by `make run` / `make test` (editable,
# in .venv) and by both container images (a regular install in /opt/retouch), so what the images run is what CI
# installs and tests.
#
#   scripts/install-app.sh VENV [--editable] [EXTRAS]
#   scripts/install-app.sh .venv --editable test        # the developer's and CI's environment
#   scripts/install-app.sh /opt/retouch "" distributed  # the CPU image
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$1
shift
editable=""
if [ "${1:-}" = "--editable" ]; then
  editable="-e"
  shift
fi
extras=${1:-}
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/pip" install -q --upgrade pip
# OpenCV's contrib build replaces the plain one; both own the cv2 package, so an old plain one must go first.
"$venv/bin/pip" uninstall -y -q opencv-python-headless >/dev/null 2>&1 || true
spec="."
if [ -n "$extras" ]; then
  spec=".[$extras]"
fi
"$venv/bin/pip" install -q $editable "$spec"
