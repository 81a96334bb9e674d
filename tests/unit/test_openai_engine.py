"""The ``openai`` engine against a local stand-in speaking OpenAI's images wire protocol (127.0.0.1 only)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from PIL import Image

from retouch.engines.base import EditTask, NullProgress
from retouch.engines.openai_api import OpenAIEngine, alpha_mask, openai_size
from retouch.errors import EngineUnavailable, InputError, JobCancelled, UpstreamError
from tests.support.openai_standin import EDIT_COLOUR, USAGE, StandIn, StandInServer

KEY = "sk-test-SECRETKEY-0123456789abcdef"
SERVER_KEY = "sk-server-OTHERSECRET-fedcba9876543210"


@pytest.fixture(scope="module")
def standin() -> Iterator[StandIn]:
    with StandInServer(KEY) as state:
        yield state


@pytest.fixture(autouse=True)
def _reset(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    standin.requests.clear()
    standin.failures.clear()
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def engine(standin: StandIn, **options: object) -> OpenAIEngine:
    return OpenAIEngine("openai", {"base_url": standin.base_url, "backoff": 0.01, **options})


def picture(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (10, 200, 30)) -> Image.Image:
    return Image.new("RGB", size, colour)


def half_mask(size: tuple[int, int] = (64, 48)) -> Image.Image:
    mask = Image.new("L", size, 0)
    mask.paste(255, (0, 0, size[0] // 2, size[1]))
    return mask


def task(**kw: object) -> EditTask:
    base: dict[str, object] = {"prompt": "make it magenta", "images": [picture()], "options": {"openai_api_key": KEY}}
    base.update(kw)
    return EditTask(**base)  # type: ignore[arg-type]


class CancelAfter(NullProgress):
    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps = steps
        self.seen: list[tuple[int, int]] = []

    def step(self, done: int, total: int) -> None:
        self.seen.append((done, total))
        if len(self.seen) >= self.steps:
            raise JobCancelled()


def test_edit_streams_partials_and_records_usage(standin: StandIn) -> None:
    progress = NullProgress()
    result = engine(standin, partial_images=2).run(task(mask=half_mask(), quality="medium"), progress)
    assert len(result.images) == 1 and result.usage == USAGE
    out = result.images[0].convert("RGB")
    assert out.getpixel((5, 5)) == EDIT_COLOUR and out.getpixel((60, 5)) == (10, 200, 30)
    assert len(progress.partials) == 2
    sent = standin.requests[0]
    assert sent.path == "/v1/images/edits" and sent.authorization == f"Bearer {KEY}"
    assert sent.fields["model"] == "gpt-image-2" and sent.fields["quality"] == "medium"
    assert sent.fields["stream"] == "true" and sent.fields["partial_images"] == "2"
    assert sent.fields["size"] == "auto" and sent.fields["n"] == "1"
    mask = Image.open(io.BytesIO(sent.files["mask"][0]))
    assert mask.mode == "RGBA" and mask.getpixel((5, 5))[3] == 0 and mask.getpixel((60, 5))[3] == 255


def test_several_images_sizes_formats_and_n_without_stream(standin: StandIn) -> None:
    images = [picture(), picture((32, 32), (1, 2, 3))]
    t = task(images=images, num_images=3, size=(1536, 1024), output_format="jpeg")
    result = engine(standin, model="gpt-image-1").run(t, NullProgress())
    assert len(result.images) == 3 and all(img.size == (1536, 1024) for img in result.images)
    sent = standin.requests[0]
    assert len(sent.files["image[]"]) == 2 and "mask" not in sent.files
    assert sent.fields["n"] == "3" and sent.fields["output_format"] == "jpeg" and "stream" not in sent.fields


def test_generate_uses_json_generations_endpoint(standin: StandIn) -> None:
    progress = NullProgress()
    t = task(images=[], mode="generate", size=(640, 480))
    result = engine(standin).run(t, progress)
    sent = standin.requests[0]
    assert sent.path == "/v1/images/generations" and sent.fields["stream"] is True and sent.fields["n"] == 1
    assert sent.fields["size"] == "640x480" and result.images[0].size == (640, 480)
    assert result.images[0].convert("RGB").getpixel((0, 0)) == EDIT_COLOUR


def test_server_key_used_when_request_has_none(standin: StandIn) -> None:
    with StandInServer(SERVER_KEY) as other:
        eng = OpenAIEngine("openai", {"base_url": other.base_url + "/v1", "api_key": SERVER_KEY})
        eng.run(task(options={}), NullProgress())
        assert other.requests[0].authorization == f"Bearer {SERVER_KEY}"


def test_no_key_anywhere_is_unavailable(standin: StandIn) -> None:
    with pytest.raises(EngineUnavailable, match="openai_api_key"):
        engine(standin).preflight(task(options={}).info())
    with pytest.raises(InputError) as info:
        engine(standin).preflight(task(num_images=11).info())
    assert info.value.field == "num_images"


def test_retries_429_and_5xx_then_succeeds(standin: StandIn) -> None:
    standin.fail_next(429, "slow down", headers={"retry-after": "0"})
    standin.fail_next(503, "overloaded")
    progress = NullProgress()
    result = engine(standin, max_retries=2).run(task(), progress)
    assert len(result.images) == 1 and len(standin.requests) == 3
    assert sum("retry" in m for _, m in progress.messages) == 2


def test_retries_are_bounded(standin: StandIn) -> None:
    for _ in range(4):
        standin.fail_next(500, "server exploded")
    with pytest.raises(UpstreamError, match="HTTP 500: server exploded"):
        engine(standin, max_retries=2).run(task(), NullProgress())
    assert len(standin.requests) == 3


@pytest.mark.parametrize(
    ("status", "code", "param", "expected", "field"),
    [
        (400, None, "image", InputError, "image_urls"),
        (400, "moderation_blocked", None, InputError, "prompt"),
        (404, "model_not_found", None, EngineUnavailable, None),
        (429, "insufficient_quota", None, InputError, "openai_api_key"),
    ],
)
def test_errors_map_to_clear_errors(
    standin: StandIn, status: int, code: str | None, param: str | None, expected: type[Exception], field: str | None
) -> None:
    standin.fail_next(status, f"upstream says {status}", code=code, param=param)
    with pytest.raises(expected) as info:
        engine(standin, max_retries=0).run(task(), NullProgress())
    assert f"upstream says {status}" in str(info.value)
    if field:
        assert isinstance(info.value, InputError) and info.value.field == field


def test_unreachable_upstream_is_upstream_error() -> None:
    eng = OpenAIEngine("openai", {"base_url": "http://127.0.0.1:9", "max_retries": 1, "backoff": 0.01})
    with pytest.raises(UpstreamError, match="cannot reach OpenAI"):
        eng.run(task(), NullProgress())


def test_cancel_during_stream_stops(standin: StandIn) -> None:
    with pytest.raises(JobCancelled):
        engine(standin, partial_images=3).run(task(), CancelAfter(1))


def test_key_is_never_logged_or_echoed(standin: StandIn, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "sk-wrong-DONOTLEAK-00000000000000000000"
    progress = NullProgress()
    errors: list[str] = []
    with pytest.raises(InputError) as info:
        engine(standin).run(task(options={"openai_api_key": wrong}), progress)
    assert info.value.field == "openai_api_key" and "rejected" in info.value.message
    errors.append(str(info.value))
    errors.append(repr(info.value.to_payload()))
    standin.fail_next(500, f"echo {KEY}")
    with pytest.raises(UpstreamError) as info2:
        engine(standin, max_retries=0).run(task(), progress)
    errors.append(str(info2.value))
    engine(standin).run(task(), progress)
    texts = [r.getMessage() + repr(r.__dict__) for r in caplog.records] + [m for _, m in progress.messages] + errors
    assert texts and any("redacted" in t for t in errors)
    for secret in (KEY, wrong, "DONOTLEAK", "SECRETKEY"):
        assert not any(secret in t for t in texts), secret


def test_alpha_mask_and_sizes() -> None:
    m = alpha_mask(half_mask((4, 2)))
    assert [m.getpixel((x, 0))[3] for x in range(4)] == [0, 0, 255, 255]
    assert openai_size(None, "gpt-image-2") == "auto"
    assert openai_size((1000, 1000), "gpt-image-1") == "1024x1024"
    assert openai_size((1920, 1000), "gpt-image-1") == "1536x1024"
    w, h = (int(v) for v in openai_size((8000, 1000), "gpt-image-2").split("x"))
    assert w % 16 == 0 and h % 16 == 0 and w * h <= 3840 * 2160 and w / h <= 3.05
