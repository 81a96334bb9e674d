"""``retouch edit``: one edit on local files, in-process, with a progress bar. No server, no queue."""

from __future__ import annotations

import argparse
import secrets
import sys

from PIL import Image
from tqdm import tqdm

from .config import load_settings
from .engines.base import EditTask
from .engines.registry import EngineRegistry
from .errors import InputError, RetouchError
from .imaging.decode import decode_image
from .imaging.encode import encode_image
from .imaging.mask import mask_from_image
from .imaging.sizes import resolve_output_size
from .worker.finish import finish_output


class BarProgress:
    """Progress for a terminal: steps drive a tqdm bar, log lines are written above it."""

    def __init__(self) -> None:
        self.bar = tqdm(total=1, unit="step", desc="editing", leave=False)

    def log(self, message: str, level: str = "INFO") -> None:
        self.bar.write(f"[{level.lower()}] {message}")

    def step(self, done: int, total: int) -> None:
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def partial(self, image: Image.Image) -> None:
        return None

    def check_cancelled(self) -> None:
        return None

    def close(self) -> None:
        self.bar.close()


def _size_arg(text: str) -> str | dict[str, int]:
    """``WIDTHxHEIGHT`` as the API's custom size; anything else is a preset name."""
    if text.count("x") == 1 and text.replace("x", "").isdigit():
        w, h = text.split("x")
        return {"width": int(w), "height": int(h)}
    return text


def run_local_edit(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    engines = EngineRegistry(settings.engines, settings.default_engine)
    try:
        images = [decode_image(p.read_bytes(), field=str(p)) for p in args.inputs]
        mask = None
        if args.mask:
            raw = decode_image(args.mask.read_bytes(), field=str(args.mask))
            mask = mask_from_image(raw, expected_size=images[0].size, field=str(args.mask))
        requested = _size_arg(args.size)
        try:
            target = resolve_output_size(requested, images[0].size)
        except ValueError as exc:
            raise InputError("--size", f"{exc}: use a preset name or WIDTHxHEIGHT") from exc
        explicit = requested != "auto"
        fmt = (args.output.suffix.lstrip(".").lower() or "png").replace("jpg", "jpeg")
        task = EditTask(
            prompt=args.prompt,
            images=images,
            mask=mask,
            size=target if explicit else None,
            quality=args.quality,
            num_images=args.num_images,
            seed=args.seed if args.seed is not None else secrets.randbelow(2**31),
            output_format=fmt,
        )
        engine = engines.get(args.engine)
        engine.preflight(task.info())
        progress = BarProgress()
        try:
            result = engine.run(task, progress)
        finally:
            progress.close()
        geometric = bool(result.info.get("geometric"))
        for i, img in enumerate(result.images):
            final = finish_output(img, images[0], mask, target, explicit_size=explicit, geometric=geometric)
            out = args.output if len(result.images) == 1 else args.output.with_stem(f"{args.output.stem}-{i}")
            out.write_bytes(encode_image(final, fmt))
            print(f"wrote {out} ({final.width}x{final.height})")
    except RetouchError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0
