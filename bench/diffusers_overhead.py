"""What Retouch adds to a diffusers pipeline: the same tiny FLUX.1 Kontext pipeline called bare, through the
engine's ``run()`` (step callback, logs, latent previews), and through the server's queue (HTTP submit, worker,
PNG encode, poll, fetch). Printed as ratios to the bare call; the target is <= 1.05.

The tiny pipeline is random weights built from config, made heavy enough (more layers and tokens) that one
denoising step costs tens of milliseconds, so the ratio measures Retouch rather than the timer.

Run: ``.venv/bin/python bench/diffusers_overhead.py [--layers 3] [--size 48] [--steps 8] [--repeats 7]``
(``--no-queue`` skips the server path).
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

PROMPT = "put a red hat on it"
SEED = 7


def timed(fn: Any, repeats: int, warm: bool = True) -> tuple[list[float], Any]:
    if warm:
        fn()  # warm-up: first-call allocations, lazy preview fit
    times, out = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return times, out


def build(model_dir: Path, layers: int) -> None:
    from retouch.engines.diffusers.tiny import flux_kontext

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


def queue_path(model_dir: Path, image: Image.Image, steps: int, repeats: int) -> tuple[list[float], Image.Image]:
    import httpx
    import yaml
    from _common import ServerProcess

    tmp = Path(tempfile.mkdtemp(prefix="retouch-bench-"))
    config = tmp / "retouch.yaml"
    opts = engine_options(model_dir, steps, max(image.size))
    config.write_text(yaml.safe_dump({"engines": {"tiny": {"kind": "diffusers", "options": opts}}, "workers": 1}))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    body = {"prompt": PROMPT, "image_urls": [uri], "seed": SEED, "engine": "tiny", "quality": "high"}
    env = {"RETOUCH_CONFIG": str(config), "OMP_NUM_THREADS": "1", "RETOUCH_WORKERS": "1"}
    server = ServerProcess(tmp / "data", env=env)
    try:
        with httpx.Client(base_url=server.url, timeout=120) as client:

            def once() -> Image.Image:
                sub = client.post("/queue/openai/gpt-image-2/edit", json=body)
                sub.raise_for_status()
                urls = sub.json()
                while client.get(urls["status_url"]).json()["status"] != "COMPLETED":
                    time.sleep(0.005)
                result = client.get(urls["response_url"]).json()
                url = result["images"][0]["url"]
                data = base64.b64decode(url.split(",", 1)[1]) if url.startswith("data:") else client.get(url).content
                return Image.open(io.BytesIO(data)).convert("RGB")

            return timed(once, repeats)
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--size", type=int, default=48)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-queue", action="store_true")
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
    # Interleaved, so drift in machine load (the cores are shared) hits both sides alike.
    bare_times, engine_times = [], []
    bare_img, result = bare_call(pipe, image, args.steps), engine.run(task, NullProgress())
    for _ in range(args.repeats):
        bare_times.append(timed(lambda: bare_call(pipe, image, args.steps), 1, warm=False)[0][0])
        engine_times.append(timed(lambda: engine.run(task, NullProgress()), 1, warm=False)[0][0])
    same = np.array_equal(np.asarray(result.images[0]), np.asarray(bare_img))

    bare = statistics.median(bare_times)
    print(
        f"tiny FLUX.1 Kontext: {args.layers}+{args.layers} layers, {args.size}x{args.size}, {args.steps} steps, "
        f"1 torch thread, median of {args.repeats}"
    )
    print(f"bare pipeline call   {bare * 1000:8.1f} ms  ({bare * 1000 / args.steps:.1f} ms/step)")
    eng = statistics.median(engine_times)
    print(f"engine.run()         {eng * 1000:8.1f} ms  ratio {eng / bare:.3f}  (pixels identical: {same})")
    if not args.no_queue:
        try:
            queue_times, queue_img = queue_path(model_dir, image, args.steps, args.repeats)
        except Exception as exc:  # the bench reports what it could measure
            print(f"queue (HTTP+worker)  unavailable: {type(exc).__name__}: {exc}")
        else:
            q = statistics.median(queue_times)
            same_q = np.array_equal(np.asarray(queue_img), np.asarray(bare_img))
            print(f"queue (HTTP+worker)  {q * 1000:8.1f} ms  ratio {q / bare:.3f}  (pixels identical: {same_q})")
    os.environ.pop("RETOUCH_CONFIG", None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
