"""What Retouch adds to a diffusers pipeline: the same tiny FLUX.1 Kontext pipeline called bare, through the
engine's ``run()`` (step callback, logs, latent previews), and through the server's queue (HTTP submit, worker,
PNG encode, poll, fetch). Printed as ratios to the bare call; the target is <= 1.05.

The tiny pipeline is random weights built from config, made heavy enough (more layers and tokens) that one
denoising step costs tens of milliseconds, so the ratio measures Retouch rather than the timer; 20 steps is a
realistic count for these models. The queue path's fixed cost (about 20 ms here: three HTTP calls, PNG encode and
decode, polling) is the service's, so ``--steps 1`` shows it alone.

Run: ``.venv/bin/python bench/diffusers_overhead.py [--layers 3] [--size 48] [--steps 20] [--repeats 7]``
(``--no-queue`` skips the server path).
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support: the tiny pipelines

PROMPT = "put a red hat on it"
SEED = 7


def build(model_dir: Path, layers: int) -> None:
    from tests.support.tiny_pipelines import flux_kontext

    flux_kontext(layers=layers, heads=4).save_pretrained(model_dir)


def engine_options(model_dir: Path, steps: int, size: int) -> dict[str, Any]:
    return {
        "family": "flux-kontext",
        "model": str(model_dir),
        "device": "cpu",
        "steps": steps,
        "guidance": 2.5,
        "max_resolution": size,
        "call_kwargs": {"max_sequence_length": 16},
    }


def bare_call(pipe: Any, image: Image.Image, steps: int) -> Image.Image:
    import torch

    out = pipe(
        image=image,
        prompt=PROMPT,
        height=image.height,
        width=image.width,
        max_area=image.width * image.height,
        num_inference_steps=steps,
        guidance_scale=2.5,
        generator=torch.Generator("cpu").manual_seed(SEED),
        max_sequence_length=16,
        _auto_resize=False,
    )
    return out.images[0]  # type: ignore[no-any-return]


class QueuePath:
    """The same edit through a real server process: submit, poll status, fetch the result, decode it."""

    def __init__(self, model_dir: Path, image: Image.Image, steps: int, poll: float) -> None:
        self.poll = poll
        import httpx
        import yaml
        from _common import ServerProcess

        tmp = Path(tempfile.mkdtemp(prefix="retouch-bench-"))
        config = tmp / "retouch.yaml"
        opts = engine_options(model_dir, steps, max(image.size))
        engines = {"tiny": {"kind": "diffusers", "options": opts}}
        config.write_text(yaml.safe_dump({"engines": engines, "workers": 1}))
        buf = io.BytesIO()
        image.save(buf, "PNG")
        uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
        self.body = {"prompt": PROMPT, "image_urls": [uri], "seed": SEED, "engine": "tiny", "quality": "high"}
        env = {"RETOUCH_CONFIG": str(config), "OMP_NUM_THREADS": "1", "RETOUCH_WORKERS": "1"}
        self.server = ServerProcess(tmp / "data", env=env)
        self.client = httpx.Client(base_url=self.server.url, timeout=120)

    def __call__(self) -> Image.Image:
        sub = self.client.post("/queue/openai/gpt-image-2/edit", json=self.body)
        sub.raise_for_status()
        urls = sub.json()
        while self.client.get(urls["status_url"]).json()["status"] != "COMPLETED":
            time.sleep(self.poll)
        result = self.client.get(urls["response_url"]).json()
        url = result["images"][0]["url"]
        data = base64.b64decode(url.split(",", 1)[1]) if url.startswith("data:") else self.client.get(url).content
        return Image.open(io.BytesIO(data)).convert("RGB")

    def close(self) -> None:
        self.client.close()
        self.server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--size", type=int, default=48)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-queue", action="store_true")
    parser.add_argument("--poll", type=float, default=0.005, help="status poll interval of the queue client (s)")
    args = parser.parse_args()

    import torch
    from diffusers import FluxKontextPipeline

    from retouch.engines.base import EditTask, NullProgress
    from retouch.engines.diffusers import DiffusersEngine

    torch.set_num_threads(1)
    model_dir = Path(tempfile.mkdtemp(prefix="retouch-tiny-bench-")) / "kontext"
    build(model_dir, args.layers)
    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 256, size=(args.size, args.size, 3), dtype=np.uint8))

    pipe = FluxKontextPipeline.from_pretrained(str(model_dir), local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    engine = DiffusersEngine("tiny", engine_options(model_dir, args.steps, args.size))
    task = EditTask(prompt=PROMPT, images=[image], seed=SEED, quality="high")
    paths: dict[str, Any] = {
        "bare pipeline call": lambda: bare_call(pipe, image, args.steps),
        "engine.run()": lambda: engine.run(task, NullProgress()).images[0],
    }
    queue = None
    if not args.no_queue:
        try:
            queue = QueuePath(model_dir, image, args.steps, args.poll)
            paths["queue (HTTP+worker)"] = queue
        except Exception as exc:  # the bench reports what it could measure
            print(f"queue (HTTP+worker): unavailable: {type(exc).__name__}: {exc}")
    try:
        outputs = {name: fn() for name, fn in paths.items()}  # warm-up, and the pixels to compare
        # Interleaved, so drift in machine load (the cores are shared) hits every path alike.
        times: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(args.repeats):
            for name, fn in paths.items():
                started = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - started)
    finally:
        if queue is not None:
            queue.close()

    print(
        f"tiny FLUX.1 Kontext: {args.layers}+{args.layers} layers, {args.size}x{args.size}, {args.steps} steps, "
        f"1 torch thread, median of {args.repeats}"
    )
    bare = statistics.median(times["bare pipeline call"])
    reference = np.asarray(outputs["bare pipeline call"])
    for name, values in times.items():
        median = statistics.median(values)
        line = f"{name:<21}{median * 1000:8.1f} ms (min {min(values) * 1000:7.1f})"
        if name == "bare pipeline call":
            line += f"  ({median * 1000 / args.steps:.1f} ms/step)"
        else:
            same = np.array_equal(np.asarray(outputs[name]), reference)
            line += f"  ratio {median / bare:.3f}  (+{(median - bare) * 1000:.1f} ms; pixels identical: {same})"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
