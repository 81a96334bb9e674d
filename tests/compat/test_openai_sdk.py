"""The official ``openai`` package, unchanged, against a local Retouch: edits, masks, formats, streams, errors."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import openai
import pytest
from PIL import Image

from retouch.config import EngineConfig, KeyConfig

from ..support.live_server import LiveServer, serving, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    engines = {"classic": EngineConfig(kind="classic"), "gray": EngineConfig(kind="gray", options={"steps": 3})}
    srv, uv, thread = start_server(
        tmp_path_factory.mktemp("openai"),
        engines=engines,
        default_engine="classic",
        keys=[KeyConfig(id="alice", secret="sk-alice")],
    )
    yield srv
    uv.should_exit = True
    thread.join(10)


@pytest.fixture
def client(server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="sk-alice", max_retries=0)


def _png(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (200, 60, 30), mode: str = "RGB") -> bytes:
    rng = np.random.default_rng(1)
    arr = np.clip(np.array(colour) + rng.integers(-30, 30, (size[1], size[0], 3)), 0, 255).astype(np.uint8)
    img = Image.fromarray(arr).convert(mode)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _decode(b64: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(b64)))


def _is_grey(img: Image.Image) -> bool:
    arr = np.asarray(img.convert("RGB")).astype(int)
    return bool(np.abs(arr[..., 0] - arr[..., 2]).max() <= 1)


def test_edit_one_image(client: openai.OpenAI) -> None:
    result = client.images.edit(image=("photo.png", _png(), "image/png"), prompt="make it black and white")
    assert result.data and result.data[0].b64_json
    out = _decode(result.data[0].b64_json)
    assert out.size == (64, 48) and _is_grey(out)
    assert result.usage is not None and result.usage.output_tokens > 0 and result.output_format == "png"


def test_edit_several_images_and_n_2(client: openai.OpenAI) -> None:
    result = client.images.edit(
        image=[("a.png", _png(), "image/png"), ("b.png", _png((32, 32)), "image/png")],
        prompt="make it warmer",
        n=2,
    )
    assert result.data is not None and len(result.data) == 2
    assert all(_decode(d.b64_json or "").size == (64, 48) for d in result.data)


def test_edit_with_an_openai_alpha_mask_keeps_opaque_pixels(client: openai.OpenAI) -> None:
    photo = _png((40, 30))
    mask = Image.new("RGBA", (40, 30), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (10, 5, 30, 25))  # transparent = edit here
    buf = io.BytesIO()
    mask.save(buf, "PNG")
    result = client.images.edit(
        image=("p.png", photo, "image/png"), mask=("m.png", buf.getvalue(), "image/png"), prompt="black and white"
    )
    out = np.asarray(_decode(result.data[0].b64_json or "").convert("RGB"))  # type: ignore[index]
    src = np.asarray(Image.open(io.BytesIO(photo)).convert("RGB"))
    assert np.array_equal(out[:5], src[:5]) and np.array_equal(out[:, :10], src[:, :10])
    inside = out[8:22, 13:27].astype(int)
    assert np.abs(inside[..., 0] - inside[..., 2]).max() <= 1


@pytest.mark.parametrize(("fmt", "pil"), [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP")])
def test_each_output_format(client: openai.OpenAI, fmt: str, pil: str) -> None:
    result = client.images.edit(
        image=("p.png", _png(), "image/png"),
        prompt="sepia",
        output_format=fmt,
        output_compression=80,  # type: ignore[arg-type]
    )
    assert _decode(result.data[0].b64_json or "").format == pil  # type: ignore[index]


def test_streaming_edit_sends_partials_then_completed(client: openai.OpenAI) -> None:
    stream = client.images.edit(
        image=("p.png", _png((128, 96)), "image/png"),
        prompt="make it warmer, add a vignette and sharpen it",
        stream=True,
        partial_images=2,
    )
    events = list(stream)
    types = [e.type for e in events]
    assert types[-1] == "image_edit.completed" and "image_edit.partial_image" in types
    assert len([t for t in types if t == "image_edit.partial_image"]) <= 2
    final = events[-1]
    assert _decode(final.b64_json).size == (128, 96) and final.usage.output_tokens > 0  # type: ignore[union-attr]


def test_generation(client: openai.OpenAI) -> None:
    result = client.images.generate(prompt="anything", model="gray", size="512x512", extra_body={"engine": "gray"})
    assert _decode(result.data[0].b64_json or "").size == (512, 512)  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as exc:
        client.images.generate(prompt="a castle at dawn")
    assert "generative engine" in exc.value.message


def test_bad_requests_raise_the_sdks_own_errors_with_our_message(client: openai.OpenAI, server: LiveServer) -> None:
    with pytest.raises(openai.BadRequestError) as exc:
        client.images.edit(image=("p.png", _png(), "image/png"), prompt="add a cat")
    assert "cat" in exc.value.message and exc.value.code == "engine_refusal"
    with pytest.raises(openai.BadRequestError) as exc:
        client.images.edit(image=("p.png", _png(), "image/png"), prompt="sepia", size="1000x1000")
    assert exc.value.param == "size" and "multiple of 16" in exc.value.message
    with pytest.raises(openai.BadRequestError) as exc:
        client.images.edit(image=("p.png", b"not an image", "image/png"), prompt="sepia")
    assert exc.value.param == "image[0]"
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=server.url + "/v1", api_key="wrong", max_retries=0).images.edit(
            image=("p.png", _png(), "image/png"), prompt="sepia"
        )


def test_openai_model_names_run_on_the_default_engine_when_no_openai_key_is_at_hand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `make run` serves it (classic and openai engines, no OpenAI key): the SDK's usual `model="gpt-image-2"`
    runs on the classic engine, as the fal app of that name does; what the classic engine can not do is refused."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    engines = {"classic": EngineConfig(kind="classic"), "openai": EngineConfig(kind="openai")}
    with serving(tmp_path, engines=engines, default_engine="classic") as srv:
        client = openai.OpenAI(base_url=srv.url + "/v1", api_key="anything", max_retries=0)
        for model in ("gpt-image-2", "gpt-image-1", "dall-e-2"):
            result = client.images.edit(model=model, image=("p.png", _png(), "image/png"), prompt="black and white")
            assert result.data[0].b64_json and _is_grey(_decode(result.data[0].b64_json))
        with pytest.raises(openai.BadRequestError) as refused:
            client.images.edit(model="gpt-image-2", image=("p.png", _png(), "image/png"), prompt="add a cat")
        assert refused.value.code == "engine_refusal" and "cat" in refused.value.message
        # A model that is neither an engine here nor one of OpenAI's image models is refused, naming the field.
        with pytest.raises(openai.BadRequestError) as unknown:
            client.images.edit(model="someone-elses-model", image=("p.png", _png(), "image/png"), prompt="sepia")
        assert unknown.value.param == "model" and "someone-elses-model" in unknown.value.message


def test_transparent_background_is_honoured_or_refused_never_ignored(client: openai.OpenAI) -> None:
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).resize((256, 256)).save(buf, "PNG")
    photo = ("astronaut.png", buf.getvalue(), "image/png")
    result = client.images.edit(image=photo, prompt="make it warmer", background="transparent")
    out = _decode(result.data[0].b64_json or "")
    alpha = np.asarray(out.convert("RGBA"))[..., 3]
    assert out.mode == "RGBA" and result.background == "transparent"
    assert 0.2 < float((alpha < 128).mean()) < 0.8  # the backdrop cut away, the person kept
    assert alpha[35:70, 100:135].min() == 255  # her face stays opaque
    opaque = client.images.edit(image=photo, prompt="make it warmer", background="opaque")
    assert _decode(opaque.data[0].b64_json or "").mode == "RGB"
    with pytest.raises(openai.BadRequestError) as conflict:
        client.images.edit(image=photo, prompt="replace the background with white", background="transparent")
    assert conflict.value.param == "background"
    with pytest.raises(openai.BadRequestError) as drawn:
        client.images.generate(prompt="a blue gradient", background="transparent", size="1024x1024")
    assert drawn.value.param == "background"
    with pytest.raises(openai.BadRequestError) as other_engine:
        client.images.edit(image=photo, prompt="gray", background="transparent", extra_body={"engine": "gray"})
    assert other_engine.value.param == "background" and "classic" in other_engine.value.message


def test_a_guide_file_the_server_does_not_use_is_refused_not_dropped(server: LiveServer) -> None:
    """Newer SDKs send OpenAI's `markup` overlay as one more file part: refused by name, never dropped."""
    overlay = io.BytesIO()
    Image.new("RGBA", (64, 48), (0, 0, 0, 0)).save(overlay, "PNG")
    files = [("image", ("p.png", _png(), "image/png")), ("markup", ("m.png", overlay.getvalue(), "image/png"))]
    refused = httpx.post(
        server.url + "/v1/images/edits",
        data={"prompt": "sepia"},
        files=files,
        headers={"Authorization": "Bearer sk-alice"},
        timeout=30,
    )
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["param"] == "markup" and "mask" in error["message"]
