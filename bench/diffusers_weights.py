"""Quantised weights and model swaps on a tiny FLUX.1 Kontext pipeline (random weights, CPU, one thread).

For each weight format the engine loads (GGUF Q8_0 / Q4_0 / Q4_K, torchao int8 / float8, single-file safetensors)
it prints the mean |Δ| of the output against the unquantised engine on the same input and seed (target ≤ 8 on
uint8), the share of memory the transformer's weights take against float32, and the run time as a ratio of the
unquantised run measured in the same process. Then two engines under a budget that holds one: the time of a swap
(free + reload from disk on the CPU) as a ratio of one run.

These are tiny random models: the differences say the formats are wired right, not how good a quantised FLUX is.

    taskset -c 0 .venv/bin/python bench/diffusers_weights.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support: the tiny pipelines and weights

REPEATS = 5
TARGET_DELTA = 8.0


def main() -> None:
    import torch

    torch.set_num_threads(1)
    from diffusers import FluxTransformer2DModel
    from tests.support.tiny_pipelines import tiny_model_dir
    from tests.support.tiny_weights import save_single_file, write_gguf
    from tests.unit.test_diffusers_families import picture

    from retouch.engines.base import EditTask, NullProgress
    from retouch.engines.diffusers import DiffusersEngine
    from retouch.engines.diffusers.memory import GIB, SWAPS, module_bytes, pipeline_bytes

    model = tiny_model_dir("flux-kontext", heads=16)
    weights = dict(FluxTransformer2DModel.from_pretrained(model, subfolder="transformer").state_dict())
    work = Path(tempfile.mkdtemp(prefix="retouch-bench-weights-"))
    task = EditTask(prompt="a red hat", images=[picture()], seed=7, quality="low")

    def engine(**extra: Any) -> DiffusersEngine:
        opts = {"family": "flux-kontext", "model": str(model), "steps": 4, "max_resolution": 32, "device": "cpu"}
        opts.update(preview="off", call_kwargs={"max_sequence_length": 16}, **extra)
        return DiffusersEngine("bench", opts)

    def timed(eng: DiffusersEngine) -> tuple[np.ndarray, float]:
        out = np.asarray(eng.run(task, NullProgress()).images[0]).astype(np.int16)  # warm
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            eng.run(task, NullProgress())
            times.append(time.perf_counter() - started)
        return out, statistics.median(times)

    base_engine = engine()
    base, base_time = timed(base_engine)
    base_bytes = module_bytes(base_engine.main.get().transformer)
    variants: dict[str, dict[str, Any]] = {}
    for qtype in ("Q8_0", "Q4_0", "Q4_K"):
        write_gguf(weights, work / f"t-{qtype}.gguf", qtype)
        variants[f"gguf {qtype}"] = {"transformer_file": str(work / f"t-{qtype}.gguf")}
    variants["torchao int8"] = {"quantization": "torchao-int8"}
    variants["torchao float8"] = {"quantization": "torchao-float8"}
    variants["single-file safetensors"] = {"transformer_file": str(save_single_file(weights, work / "t.safetensors"))}
    print(f"tiny Kontext, 16 heads, transformer {base_bytes / 1e6:.2f} MB fp32; base run {base_time * 1000:.1f} ms")
    print(f"{'format':<26}{'mean |d|':>9}{'share':>8}{'run ms':>9}{'ratio':>7}  target mean |d| <= {TARGET_DELTA:g}")
    for name, extra in variants.items():
        eng = engine(**extra)
        out, seconds = timed(eng)
        delta = float(np.abs(out - base).mean())
        share = module_bytes(eng.main.get().transformer) / base_bytes
        ok = "YES" if delta <= TARGET_DELTA else "NO"
        print(f"{name:<26}{delta:>9.3f}{share:>8.3f}{seconds * 1000:>9.1f}{seconds / base_time:>7.2f}  {ok}")

    # Two engines under a budget that holds one: every other request swaps.
    sizes = pipeline_bytes(engine().main.get()), pipeline_bytes(DiffusersEngine("s", _pix()).main.get())
    budget = (max(sizes) + min(sizes) / 2) / GIB
    a = engine(device_memory_budget_gb=budget)
    b = DiffusersEngine("pix", _pix(device_memory_budget_gb=budget))
    a.run(task, NullProgress())
    b.run(task, NullProgress())
    one_run = timed(engine())[1]
    turns = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        a.run(task, NullProgress())
        turns.append(time.perf_counter() - started)
        b.run(task, NullProgress())
    swapped = statistics.median(turns)
    swap_count = sum(sample.value for sample in _swap_seconds(SWAPS))
    print(
        f"swap: a run that first frees the other model and reloads its own takes {swapped * 1000:.1f} ms "
        f"vs {one_run * 1000:.1f} ms warm ({swapped / one_run:.2f}x); {swap_count:.0f} swaps counted"
    )


def _pix(**extra: Any) -> dict[str, Any]:
    from tests.support.tiny_pipelines import tiny_model_dir

    opts = {"family": "instruct-pix2pix", "model": str(tiny_model_dir("instruct-pix2pix")), "steps": 4}
    opts.update(max_resolution=32, device="cpu", preview="off", **extra)
    return opts


def _swap_seconds(counter: Any) -> list[Any]:
    return [sample for metric in counter.collect() for sample in metric.samples if sample.name.endswith("_total")]


if __name__ == "__main__":
    main()
