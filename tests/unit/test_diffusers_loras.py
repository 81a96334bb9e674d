"""Per-request LoRAs on a tiny FLUX.1 Kontext pipeline, with LoRAs made by ``peft``.

The output with a LoRA equals a bare diffusers call with the same LoRA and scale; the next request without it
equals the base output bit for bit; URLs go through the outbound address policy and are cached by content hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import peft  # noqa: F401  (installed by scripts/install-gpu-stack.sh)
import pytest
import torch
from PIL import Image  # noqa: E402

from retouch.engines.base import EditTask, NullProgress  # noqa: E402
from retouch.engines.diffusers import DiffusersEngine  # noqa: E402
from retouch.errors import InputError  # noqa: E402
from retouch.net.addresses import AddressPolicy  # noqa: E402
from retouch.net.fetch import ImageFetcher  # noqa: E402
from tests.support.tiny_pipelines import tiny_model_dir  # noqa: E402
from tests.support.tiny_weights import make_lora  # noqa: E402
from tests.unit.test_diffusers_families import TEXT_LEN, options, picture  # noqa: E402

PUBLIC = "93.184.216.34"  # what the test resolver answers for loras.example; no socket is ever opened


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def lora_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from diffusers import FluxKontextPipeline, StableDiffusionInstructPix2PixPipeline

    root = tmp_path_factory.mktemp("loras")
    kontext = FluxKontextPipeline.from_pretrained(tiny_model_dir("flux-kontext"), local_files_only=True)
    made = make_lora(FluxKontextPipeline, kontext.transformer, root / "made")
    (root / "style").mkdir()
    made.rename(root / "style" / "ink.safetensors")
    other = make_lora(FluxKontextPipeline, kontext.transformer, root / "made2", seed=2)
    other.rename(root / "style" / "other.safetensors")
    pix = StableDiffusionInstructPix2PixPipeline.from_pretrained(tiny_model_dir("instruct-pix2pix"))
    unet_lora = make_lora(StableDiffusionInstructPix2PixPipeline, pix.unet, root / "made3", component="unet")
    # A UNet LoRA saved under the transformer's prefix: readable, but none of its layers exists in FLUX.
    from safetensors.torch import load_file, save_file

    save_file({k.replace("unet.", "transformer."): v for k, v in load_file(unet_lora).items()}, root / "sd.safetensors")
    (root / "pickle.safetensors").write_bytes(b"\x80\x04\x95 not a safetensors file at all")
    return root


def engine(lora_dir: Path, **extra: Any) -> DiffusersEngine:
    return DiffusersEngine("kontext-lora", options("flux-kontext", lora_dir=str(lora_dir), preview="off", **extra))


def task(loras: list[dict[str, Any]] | None = None, seed: int = 7) -> EditTask:
    opts = {"loras": loras} if loras is not None else {}
    return EditTask(prompt="a red hat", images=[picture()], seed=seed, quality="low", options=opts)


def pixels(eng: DiffusersEngine, t: EditTask) -> np.ndarray:
    return np.asarray(eng.run(t, NullProgress()).images[0])


def bare(lora: Path | None, scale: float, seed: int = 7) -> np.ndarray:
    """The same call as diffusers documents it: load the LoRA as an adapter, set its scale, call the pipeline."""
    from diffusers import FluxKontextPipeline

    pipe = FluxKontextPipeline.from_pretrained(tiny_model_dir("flux-kontext"), local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    if lora is not None:
        pipe.load_lora_weights(str(lora), adapter_name="mine")
        pipe.set_adapters("mine", scale)
    image = picture().resize((32, 32), Image.Resampling.LANCZOS)
    out = pipe(
        image=image,
        prompt="a red hat",
        height=32,
        width=32,
        max_area=32 * 32,
        num_inference_steps=2,
        guidance_scale=3.0,
        _auto_resize=False,
        generator=torch.Generator("cpu").manual_seed(seed),
        **TEXT_LEN,
    )
    return np.asarray(out.images[0])


def test_lora_equals_the_bare_call_and_does_not_leak(lora_dir: Path) -> None:
    eng = engine(lora_dir)
    base = pixels(eng, task())
    with_lora = pixels(eng, task([{"path": "style/ink.safetensors", "scale": 0.8}]))
    assert np.array_equal(with_lora, bare(lora_dir / "style" / "ink.safetensors", 0.8))
    assert np.abs(with_lora.astype(int) - base).mean() > 1.0  # the LoRA really changes the picture
    after = pixels(eng, task())
    assert np.array_equal(after, base) and np.array_equal(base, bare(None, 0.0))
    # Another scale, two LoRAs at once, then none again: each as asked, nothing carried over.
    assert not np.array_equal(pixels(eng, task([{"path": "style/ink.safetensors", "scale": 0.3}])), with_lora)
    both = pixels(eng, task([{"path": "style/ink.safetensors"}, {"path": "style/other.safetensors", "scale": 0.5}]))
    assert not np.array_equal(both, with_lora)
    assert np.array_equal(pixels(eng, task()), base)
    assert eng.main.adapters.loaded  # kept loaded for the next request that wants them


def test_loaded_adapters_are_bounded(lora_dir: Path) -> None:
    eng = engine(lora_dir, max_loaded_loras=1)
    first = pixels(eng, task([{"path": "style/ink.safetensors"}]))
    pixels(eng, task([{"path": "style/other.safetensors"}]))
    assert len(eng.main.adapters.loaded) == 1
    assert np.array_equal(pixels(eng, task([{"path": "style/ink.safetensors"}])), first)


def url_engine(lora_dir: Path, served: dict[str, bytes], calls: list[str], **extra: Any) -> DiffusersEngine:
    def handler(request: httpx.Request) -> httpx.Response:
        # Connections go to the address the guard checked; the Host header keeps the name the URL gave.
        calls.append(f"{request.url.scheme}://{request.headers['host']}{request.url.path}")
        body = served.get(request.url.path)
        return httpx.Response(200, content=body) if body is not None else httpx.Response(404)

    eng = engine(lora_dir, lora_cache_dir=str(lora_dir / "cache"), **extra)
    eng.loras.fetcher = ImageFetcher(
        policy=AddressPolicy(),
        max_bytes=int(eng.options.loras.max_mb * 1024 * 1024),
        resolver=lambda host, port: [PUBLIC] if host == "loras.example" else ["127.0.0.1"],
        transport=httpx.MockTransport(handler),
    )
    return eng


def test_lora_by_url_is_fetched_once_and_cached_by_content_hash(lora_dir: Path) -> None:
    data = (lora_dir / "style" / "ink.safetensors").read_bytes()
    calls: list[str] = []
    eng = url_engine(lora_dir, {"/ink.safetensors": data, "/copy.safetensors": data}, calls)
    by_url = pixels(eng, task([{"path": "https://loras.example/ink.safetensors", "scale": 0.8}]))
    assert np.array_equal(by_url, bare(lora_dir / "style" / "ink.safetensors", 0.8))
    pixels(eng, task([{"path": "https://loras.example/ink.safetensors", "scale": 0.8}]))
    assert calls == ["https://loras.example/ink.safetensors"]
    digest = hashlib.sha256(data).hexdigest()
    assert (lora_dir / "cache" / f"{digest}.safetensors").read_bytes() == data
    # The same bytes by another URL, or from lora_dir, are the same adapter.
    pixels(eng, task([{"path": "https://loras.example/copy.safetensors"}, {"path": "style/ink.safetensors"}]))
    assert list(eng.main.adapters.loaded) == ["lora_" + digest[:16]]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../escape.safetensors", "inside the engine's lora_dir"),
        ("/etc/passwd", "relative to the engine's lora_dir"),
        ("style/missing.safetensors", "no LoRA file"),
        ("pickle.safetensors", "not a safetensors file"),
        ("sd.safetensors", "is not a LoRA the flux-kontext pipeline can load"),
        ("made3/pytorch_lora_weights.safetensors", "LoRA for another model"),
        ("https://loras.example/absent.safetensors", "HTTP 404"),
        ("http://localhost/x.safetensors", "loopback"),
    ],
)
def test_bad_loras_are_refused_naming_the_field(lora_dir: Path, path: str, message: str) -> None:
    eng = url_engine(lora_dir, {}, [])
    with pytest.raises(InputError) as refused:
        eng.run(task([{"path": "style/ink.safetensors"}, {"path": path}]), NullProgress())
    assert refused.value.field == "loras.1.path" and message in refused.value.message, refused.value.message
    assert refused.value.status_code == 422
    # A failed request leaves nothing behind: the next one is the base model.
    assert np.array_equal(pixels(eng, task()), bare(None, 0.0))


def test_limits(lora_dir: Path) -> None:
    data = (lora_dir / "style" / "ink.safetensors").read_bytes()
    small = url_engine(lora_dir, {"/ink.safetensors": data}, [], max_lora_mb=len(data) / 2 / 1024 / 1024)
    for path in ("style/ink.safetensors", "https://loras.example/ink.safetensors"):
        with pytest.raises(InputError, match="larger than|more than the limit"):
            small.run(task([{"path": path}]), NullProgress())
    few = engine(lora_dir, max_loras_per_request=1)
    with pytest.raises(InputError, match="at most 1"):
        few.preflight(task([{"path": "style/ink.safetensors"}, {"path": "style/other.safetensors"}]).info())
    no_urls = engine(lora_dir, allow_lora_urls=False)
    with pytest.raises(InputError, match="lora_dir only"):
        no_urls.preflight(task([{"path": "https://loras.example/ink.safetensors"}]).info())
    no_dir = DiffusersEngine("plain", options("flux-kontext"))
    with pytest.raises(InputError, match="no lora_dir"):
        no_dir.preflight(task([{"path": "style/ink.safetensors"}]).info())


def test_engines_without_loras_refuse_them_through_the_api(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from retouch.api import app as app_module
    from retouch.config import Settings

    settings = Settings(data_dir=tmp_path / "data", workers=1, worker_mode="threads")
    body = {"prompt": "make it black and white", "image_urls": ["https://example.com/a.png"]}
    with TestClient(app_module.create_app(settings)) as client:
        response = client.post("/openai/gpt-image-2/edit", json={**body, "loras": [{"path": "x.safetensors"}]})
        bad_scale = client.post("/openai/gpt-image-2/edit", json={**body, "loras": [{"path": "x", "scale": 9}]})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "loras"] and "does not take LoRAs" in detail["msg"]
    assert bad_scale.status_code == 422 and bad_scale.json()["detail"][0]["loc"][:2] == ["body", "loras"]


def test_adapters_follow_a_pipeline_that_was_freed_and_reloaded(lora_dir: Path) -> None:
    """A device budget may free an idle pipeline; the reloaded one has no adapters, and they are loaded again."""
    eng = engine(lora_dir)
    with_lora = pixels(eng, task([{"path": "style/ink.safetensors", "scale": 0.8}]))
    for _ in range(3):  # freed objects' ids are reused: the adapters must follow the object, not its id
        assert eng.main.evict() == "free" and not eng.main.loaded
        assert np.array_equal(pixels(eng, task([{"path": "style/ink.safetensors", "scale": 0.8}])), with_lora)
    eng.main.evict()
    assert np.array_equal(pixels(eng, task()), bare(None, 0.0))
