"""Schema-driven fuzzing of every route in /openapi.json (schemathesis): no input makes the server answer 5xx.

The server resolves no host names here (a resolver stub refuses them all), so generated image and webhook URLs are
refused before any socket opens; nothing leaves loopback. Pausing the queue and draining the workers are left out:
they would hold every later sync run.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from retouch.api.app import create_app
from retouch.config import EngineConfig, Settings
from retouch.runtime import build_runtime

from ..support.live_server import LiveServer, serve_app, stop

BODY_ROUTES = {
    ("post", "/openai/gpt-image-2/edit"),
    ("post", "/queue/openai/gpt-image-2/edit"),
    ("post", "/openai/gpt-image-2/edit/stream"),
    ("post", "/openai/gpt-image-2/edit/estimate"),
    ("post", "/fal-ai/gpt-image-2"),
    ("post", "/files/upload"),
    ("post", "/storage/upload/initiate"),
    ("put", "/storage/upload/put/{token}"),
    ("post", "/v1/images/edits"),
    ("post", "/v1/images/generations"),
}


def _refuse(host: str, port: int) -> list[str]:
    raise OSError(f"no lookups in tests ({host})")


def _settings(data: Path) -> Settings:
    return Settings(
        data_dir=data,
        engines={"gray": EngineConfig(kind="gray", options={"steps": 1})},
        default_engine="gray",
        workers=1,
        worker_mode="threads",
        max_input_bytes=200_000,
        max_request_bytes=400_000,
        max_upload_bytes=200_000,
    )


def _document() -> dict[str, object]:
    settings = _settings(Path(tempfile.mkdtemp(prefix="retouch-openapi-")))
    return create_app(settings, start_workers=False).openapi()


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT).exclude(path_regex=r"^/admin/(queue/pause|workers/drain)")


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = _settings(tmp_path_factory.mktemp("fuzz") / "data")
    app = create_app(settings, runtime=build_runtime(settings, resolver=_refuse))
    srv, server, thread = serve_app(app, settings)
    yield srv
    stop(server, thread)


def test_every_route_that_takes_a_body_publishes_its_schema() -> None:
    paths = DOCUMENT["paths"]
    assert isinstance(paths, dict)
    for method, path in BODY_ROUTES:
        body = paths[path][method].get("requestBody")
        assert body and body["content"], f"{method.upper()} {path} publishes no request schema"
        media = next(iter(body["content"].values()))
        assert media.get("schema"), f"{method.upper()} {path}"


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("RETOUCH_FUZZ_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_input_makes_a_server_error(case: schemathesis.Case, fuzzed: LiveServer) -> None:
    response = case.call(base_url=fuzzed.url, timeout=30)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
