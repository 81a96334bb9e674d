"""Which OpenAI model a request reaches: the app's own model by default, the request's ``model`` when the operator
allows it, a clear 422 otherwise. Checked on the model field that arrives at a stand-in upstream (127.0.0.1)."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient  # noqa: E402
from PIL import Image

from retouch.api import app as app_module
from retouch.config import EngineConfig, Settings  # noqa: E402
from retouch.engines.base import EditTask, NullProgress, TaskInfo
from retouch.engines.openai_api import OpenAIEngine
from retouch.errors import InputError
from tests.support.openai_standin import StandIn, StandInServer

KEY = "sk-server-MODELTEST-0123456789"


def png(size: tuple[int, int] = (48, 32)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


def uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def standin() -> Iterator[StandIn]:
    with StandInServer(KEY) as state:
        yield state


@pytest.fixture
def client(standin: StandIn, tmp_path: Path) -> Iterator[TestClient]:
    options = {"base_url": standin.base_url, "api_key": KEY, "backoff": 0.01, "stream": False}
    options["allowed_models"] = ["gpt-image-2", "gpt-image-1.5"]
    engines = {"classic": EngineConfig(kind="classic"), "openai": EngineConfig(kind="openai", options=options)}
    settings = Settings(
        data_dir=tmp_path / "data", engines=engines, default_engine="classic", workers=1, worker_mode="threads"
    )
    standin.requests.clear()
    with TestClient(app_module.create_app(settings)) as test_client:
        yield test_client


def engine(**options: Any) -> OpenAIEngine:
    return OpenAIEngine("openai", {"api_key": KEY, **options})


@pytest.mark.parametrize("app", ["openai/gpt-image-2/edit", "openai/gpt-image-2", "fal-ai/gpt-image-2"])
def test_each_app_maps_to_its_own_model(app: str) -> None:
    assert engine().model_for({"app_id": app}) == "gpt-image-2"
    # An operator's explicit choice for the engine, or for one app, wins over the default mapping.
    assert engine(model="gpt-image-1").model_for({"app_id": app}) == "gpt-image-1"
    assert engine(model="gpt-image-1", app_models={app: "gpt-image-1.5"}).model_for({"app_id": app}) == "gpt-image-1.5"


def test_request_model_is_limited_to_allowed_models() -> None:
    eng = engine(allowed_models="gpt-image-2, gpt-image-1.5")
    assert eng.model_for({"app_id": "openai/gpt-image-2/edit", "model": "gpt-image-1.5"}) == "gpt-image-1.5"
    with pytest.raises(InputError) as refused:
        eng.preflight(TaskInfo(prompt="x", options={"model": "gpt-image-2.5-sunburst"}))
    assert refused.value.field == "model" and "gpt-image-1.5" in refused.value.message
    # By default only the apps' own models are allowed.
    with pytest.raises(InputError):
        engine().model_for({"model": "dall-e-3"})


def test_engine_sends_the_apps_model_upstream(standin: StandIn) -> None:
    standin.requests.clear()
    eng = OpenAIEngine("openai", {"base_url": standin.base_url, "api_key": KEY, "stream": False})
    task = EditTask(prompt="x", images=[Image.new("RGB", (32, 32))], options={"app_id": "openai/gpt-image-2/edit"})
    result = eng.run(task, NullProgress())
    assert standin.requests[-1].fields["model"] == "gpt-image-2" and result.info["model"] == "gpt-image-2"


def test_fal_routes_reach_openai_as_gpt_image_2(client: TestClient, standin: StandIn) -> None:
    edit = {"prompt": "paint it", "image_urls": [uri(png())], "engine": "openai", "sync_mode": True}
    assert client.post("/openai/gpt-image-2/edit", json=edit).status_code == 200
    for app in ("openai/gpt-image-2", "fal-ai/gpt-image-2"):
        response = client.post(f"/{app}", json={"prompt": "a castle", "engine": "openai", "sync_mode": True})
        assert response.status_code == 200, response.text
    sent = [(r.path, r.fields["model"]) for r in standin.requests]
    assert sent == [
        ("/v1/images/edits", "gpt-image-2"),
        ("/v1/images/generations", "gpt-image-2"),
        ("/v1/images/generations", "gpt-image-2"),
    ]


def test_v1_routes_honour_the_requests_model(client: TestClient, standin: StandIn) -> None:
    files = {"image": ("p.png", png(), "image/png")}
    edit = client.post("/v1/images/edits", data={"prompt": "paint it", "model": "gpt-image-1.5"}, files=files)
    assert edit.status_code == 200, edit.text
    generated = client.post("/v1/images/generations", json={"prompt": "a castle", "model": "gpt-image-2"})
    assert generated.status_code == 200, generated.text
    assert [(r.path, r.fields["model"]) for r in standin.requests] == [
        ("/v1/images/edits", "gpt-image-1.5"),
        ("/v1/images/generations", "gpt-image-2"),
    ]


def test_model_not_allowed_is_a_clear_validation_error(client: TestClient, standin: StandIn) -> None:
    refused = client.post("/v1/images/generations", json={"prompt": "a castle", "model": "gpt-image-2.5-sunburst"})
    # The OpenAI routes answer a validation error as OpenAI does (400, param named); the fal routes with 422.
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["param"] == "model" and "gpt-image-1.5" in error["message"]
    fal = client.post("/openai/gpt-image-2", json={"prompt": "a castle", "model": "gpt-image-2.5-sunburst"})
    assert fal.status_code == 422 and fal.json()["detail"][0]["loc"] == ["body", "model"]
    # A model naming an engine picks that engine (as /v1/models lists them); the classic engine has no model choice.
    files = {"image": ("p.png", png(), "image/png")}
    picked = client.post("/v1/images/edits", data={"prompt": "black and white", "model": "classic"}, files=files)
    assert picked.status_code == 200, picked.text
    mixed = client.post(
        "/v1/images/edits", data={"prompt": "black and white", "model": "gpt-image-2", "engine": "classic"}, files=files
    )
    assert mixed.status_code == 400 and mixed.json()["error"]["param"] == "model"
    assert standin.requests == []


def test_transparent_background_is_forwarded_to_openai(client: TestClient, standin: StandIn) -> None:
    files = {"image": ("p.png", png(), "image/png")}
    data = {"prompt": "cut her out", "model": "gpt-image-2", "background": "transparent"}
    assert client.post("/v1/images/edits", data=data, files=files).status_code == 200
    assert standin.requests[-1].fields.get("background") == "transparent"
    data["background"] = "opaque"
    assert client.post("/v1/images/edits", data=data, files=files).status_code == 200
    assert "background" not in standin.requests[-1].fields
