#!/usr/bin/env bash
# PyTorch and the diffusers stack for the generative engines, at the versions the tests pin.
#
#   scripts/install-gpu-stack.sh VENV cpu    # CI and development machines: the CPU build of torch
#   scripts/install-gpu-stack.sh VENV cuda   # Dockerfile.gpu: torch's CUDA build (its wheels bring the CUDA runtime)
#
# torch goes first and alone: anything that asks for an unpinned torch later keeps the one installed here.
set -euo pipefail
venv=$1
flavour=${2:-cpu}
pip="$venv/bin/pip"
py="$venv/bin/python"
TORCH="torch==2.13.0"
STACK=("diffusers==0.42.1" "transformers==5.24.0" "accelerate==1.15.0")
EXTRAS=("peft==0.21.2" "gguf==0.19.0" "torchao==0.18.0")
if ! "$py" -c "import torch" >/dev/null 2>&1; then
  if [ "$flavour" = "cuda" ]; then
    "$pip" install -q "$TORCH"
  else
    # On this project's machines the CPU wheel of this version lies on disk (pip finds it); elsewhere the CPU index.
    "$pip" install -q "$TORCH" || "$pip" install -q "$TORCH" --index-url https://download.pytorch.org/whl/cpu
  fi
fi
if ! "$py" -c "import diffusers, transformers, accelerate" >/dev/null 2>&1; then
  "$pip" install -q "${STACK[@]}"
fi
if ! "$py" -c "import peft, gguf, torchao" >/dev/null 2>&1; then
  "$pip" install -q "${EXTRAS[@]}"
fi
if [ "$flavour" = "cuda" ] && ! "$py" -c "import bitsandbytes" >/dev/null 2>&1; then
  "$pip" install -q "bitsandbytes==0.50.2"  # 8-bit and 4-bit weights need a CUDA GPU: only in the GPU image
fi
