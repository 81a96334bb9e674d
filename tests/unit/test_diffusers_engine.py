"""The diffusers engine's behaviour around the model: cancellation, previews, masks, refusals, loading."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from retouch.engines.base import EditTask, NullProgress
from retouch.engines.diffusers import DiffusersEngine
from retouch.engines.diffusers.progress import LatentPreviewer, colour_chart
from retouch.errors import EngineRefusal, EngineUnavailable, InputError, JobCancelled
from tests.support.tiny_pipelines import tiny_model_dir
from tests.unit.test_diffusers_families import direct_call, left_half, options, picture


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class Recorder(NullProgress):
    """Records steps; raises JobCancelled once ``cancel_at`` steps were reported, as the worker's Progress does."""

    def __init__(self, cancel_at: int | None = None) -> None:
        super().__init__()
        self.cancel_at = cancel_at
        self.steps: list[tuple[int, int]] = []

    def step(self, done: int, total: int) -> None:
        self.steps.append((done, total))
        if self.cancel_at is not None and done >= self.cancel_at:
            raise JobCancelled()


def kontext(**extra: Any) -> DiffusersEngine:
    return DiffusersEngine("kontext", options("flux-kontext", **extra))


def edit(**kw: Any) -> EditTask:
    base: dict[str, Any] = {"prompt": "a red hat", "images": [picture()], "seed": 5, "quality": "high"}
    base.update(kw)
    return EditTask(**base)


def test_cancel_stops_at_the_next_step_and_engine_stays_usable() -> None:
    eng = kontext()
    progress = Recorder(cancel_at=2)
    with pytest.raises(JobCancelled):
        eng.run(edit(), progress)
    assert progress.steps == [(1, 4), (2, 4)]
    assert [m for _, m in progress.messages if m.startswith("step")] == ["step 1/4", "step 2/4"]
    assert any("cancelled after step 2" in m for _, m in progress.messages)
    # The pipeline is not left half-configured: the next run equals a fresh engine's run.
    after = eng.run(edit(), NullProgress()).images[0]
    fresh = kontext().run(edit(), NullProgress()).images[0]
    assert after.tobytes() == fresh.tobytes()


@pytest.mark.parametrize(
    ("preview", "every", "expected"), [("latent", 2, 1), ("latent", 1, 3), ("off", 1, 0), ("vae", 1, 3)]
)
def test_previews_every_few_steps(preview: str, every: int, expected: int) -> None:
    progress = NullProgress()
    eng = kontext(preview=preview, preview_every=every)
    result = eng.run(edit(), progress)
    assert len(progress.partials) == expected == result.info["previews"]
    assert all(p.size == (32, 32) and p.mode == "RGB" for p in progress.partials)


def test_latent_preview_is_a_fitted_linear_map() -> None:
    """With an encoder that is exactly linear in RGB, the fitted preview reproduces an unseen image closely."""
    from types import SimpleNamespace

    from retouch.engines.diffusers.family import Plan
    from retouch.engines.diffusers.instruct_pix2pix import InstructPix2Pix

    mixing = torch.tensor([[0.5, -1.0, 0.2], [1.5, 0.3, -0.7], [-0.4, 0.8, 1.1], [0.1, 0.1, 0.1]])

    class LinearFamily(InstructPix2Pix):
        def encode(self, pipe: Any, pixels: Any) -> Any:
            small = torch.nn.functional.avg_pool2d(pixels.float(), 2)
            return torch.einsum("kc,bchw->bkhw", mixing, small) + 0.25

    pipe = SimpleNamespace(vae=SimpleNamespace(device="cpu", dtype=torch.float32), vae_scale_factor=2)
    family = LinearFamily()
    previewer = LatentPreviewer(family, pipe)
    unseen = picture((32, 32), seed=42).resize((16, 16)).resize((32, 32), Image.Resampling.NEAREST)
    pixels = torch.from_numpy(np.asarray(unseen, dtype=np.float32) / 127.5 - 1).permute(2, 0, 1)[None]
    plan = Plan(width=16, height=16, steps=1, guidance=1.0, num_images=1, seed=0, generator=None)
    preview = np.asarray(previewer(family.encode(pipe, pixels), plan), dtype=np.float32)
    truth = np.asarray(unseen.resize((16, 16), Image.Resampling.BOX), dtype=np.float32)
    assert np.abs(preview - truth).max() <= 2.0
    assert colour_chart(64).size == (64, 64)


def test_mask_uses_the_fill_pipeline_and_composites_exactly() -> None:
    fill = {
        "family": "flux-fill",
        "model": str(tiny_model_dir("flux-fill")),
        "steps": 2,
        "guidance": 3.0,
        "call_kwargs": {"max_sequence_length": 16},
    }
    eng = kontext(fill=fill)
    original = picture((32, 32), seed=9)
    mask = left_half()
    task = edit(images=[original], mask=mask, quality="low")
    progress = NullProgress()
    result = eng.run(task, progress)
    assert result.info["family"] == "flux-fill" and result.info["mask_honoured"] is True
    expected = direct_call("flux-fill", task, 32, 32, steps=2)[0]
    assert np.array_equal(np.asarray(result.images[0]), np.asarray(expected))
    # The worker lays the output over the original through the mask; the output is full-size and aligned for it.
    final = np.asarray(Image.composite(result.images[0], original, mask))
    keep = np.asarray(mask) == 0
    assert np.array_equal(final[keep], np.asarray(original)[keep])
    assert np.array_equal(final[~keep], np.asarray(result.images[0])[~keep])
    # Several references do not fit the fill pipeline: the main family edits and the worker composites.
    multi = eng.run(edit(images=[original, picture()], mask=mask, quality="low"), progress)
    assert multi.info["family"] == "flux-kontext" and multi.info["mask_honoured"] is False


def test_mask_without_fill_pipeline_edits_whole_image() -> None:
    progress = NullProgress()
    result = kontext().run(edit(mask=left_half(), quality="low"), progress)
    assert result.info["mask_honoured"] is False
    assert any("mask is applied afterwards" in m for _, m in progress.messages)


def test_refusals_are_clear() -> None:
    pix = DiffusersEngine("pix", options("instruct-pix2pix"))
    with pytest.raises(EngineRefusal) as refused:
        pix.preflight(edit(images=[], mode="generate").info())
    assert refused.value.field == "image_urls"
    with pytest.raises(InputError) as too_many:
        pix.preflight(edit(images=[picture(), picture()]).info())
    assert too_many.value.field == "image_urls"
    with pytest.raises(InputError) as num:
        pix.preflight(edit(num_images=5).info())
    assert num.value.field == "num_images"
    fill = DiffusersEngine("fill", options("flux-fill"))
    with pytest.raises(EngineRefusal) as no_mask:
        fill.preflight(edit().info())
    assert no_mask.value.field == "mask_image_url"
    # Kontext can also generate from text alone.
    generated = kontext().run(edit(images=[], mode="generate", size=(32, 16), quality="low"), NullProgress())
    assert generated.images[0].size == (32, 16)


def test_missing_weights_fail_fast_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    eng = DiffusersEngine("gone", {"family": "flux-kontext", "model": str(missing)})
    with pytest.raises(EngineUnavailable, match=str(missing)):
        eng.preflight(edit().info())
    with pytest.raises(EngineUnavailable, match=str(missing)):
        eng.run(edit(), NullProgress())
    cache = tmp_path / "hub"
    hub = DiffusersEngine(
        "hub", {"family": "flux-kontext", "model": "black-forest-labs/FLUX.1-Kontext-dev", "cache_dir": str(cache)}
    )
    with pytest.raises(EngineUnavailable) as info:
        hub.preflight(edit().info())
    assert str(cache / "models--black-forest-labs--FLUX.1-Kontext-dev") in str(info.value)


def test_loads_a_cached_hub_id_offline(tmp_path: Path) -> None:
    """A model in the HF cache layout (refs/main → snapshots/<rev>) is found by id, with no network."""
    repo = tmp_path / "hub" / "models--tiny--kontext"
    snapshot = repo / "snapshots" / ("0" * 40)
    shutil.copytree(tiny_model_dir("flux-kontext"), snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    eng = kontext(model="tiny/kontext", cache_dir=str(tmp_path / "hub"))
    by_id = eng.run(edit(quality="low"), NullProgress()).images[0]
    by_path = kontext().run(edit(quality="low"), NullProgress()).images[0]
    assert by_id.tobytes() == by_path.tobytes()


@pytest.mark.parametrize(
    ("opts", "message"),
    [
        ({"family": "nope", "model": "/x"}, "unknown diffusers family"),
        ({"family": "flux-kontext"}, "'family' and 'model'"),
        ({"family": "flux-kontext", "model": "/x", "preview": "full"}, "preview"),
        ({"family": "flux-kontext", "model": "/x", "steps": {"ultra": 3}}, "quality"),
        ({"family": "flux-kontext", "model": "/x", "fill": {"family": "sd-inpaint"}}, "'family' and 'model'"),
        ({"family": "flux-kontext", "model": "/x", "fill": {"family": "kontext", "model": "/y"}}, "not a fill"),
        ({"family": "flux-kontext", "model": "/x", "dtype": "int3"}, "unknown dtype"),
    ],
)
def test_bad_configuration_is_reported(opts: dict[str, Any], message: str) -> None:
    with pytest.raises(EngineUnavailable, match=message):
        DiffusersEngine("bad", opts)


def test_concurrent_runs_are_serialised_and_correct() -> None:
    eng = kontext()
    expected = {seed: eng.run(edit(seed=seed, quality="low"), NullProgress()).images[0].tobytes() for seed in (1, 2)}
    got: dict[int, bytes] = {}

    def work(seed: int) -> None:
        got[seed] = eng.run(edit(seed=seed, quality="low"), NullProgress()).images[0].tobytes()

    threads = [threading.Thread(target=work, args=(seed,)) for seed in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected


def test_core_imports_without_torch() -> None:
    """The package imports with torch absent; building the engine then says which extra to install."""
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['diffusers'] = None\n"
        "import retouch.engines.diffusers as d\n"
        "from retouch.errors import EngineUnavailable\n"
        "try:\n"
        "    d.DiffusersEngine('x', {'family': 'flux-kontext', 'model': '/m'})\n"
        "except EngineUnavailable as exc:\n"
        "    print('unavailable:', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "unavailable:" in out.stdout and "retouch[gpu]" in out.stdout


def test_config_file_to_registry_to_engine(tmp_path: Path) -> None:
    """The path a user takes: a YAML config file, load_settings, the engine registry, then a run."""
    import yaml

    from retouch.config import load_settings
    from retouch.engines.registry import EngineRegistry

    config = tmp_path / "retouch.yaml"
    opts = options("instruct-pix2pix")
    config.write_text(yaml.safe_dump({"engines": {"pix": {"kind": "diffusers", "options": opts}}}))
    settings = load_settings(config)
    engine = EngineRegistry(settings.engines, "pix").get("pix")
    assert isinstance(engine, DiffusersEngine) and engine.name == "pix"
    task = edit(quality="low")
    got = engine.run(task, NullProgress()).images[0]
    expected = direct_call("instruct-pix2pix", task, 32, 32, steps=2)[0]
    assert np.array_equal(np.asarray(got), np.asarray(expected))
