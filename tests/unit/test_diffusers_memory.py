"""Several pipelines on one device under ``device_memory_budget_gb``, measured in parameter bytes on the CPU.

Two tiny engines and a budget that holds one of them: both serve correctly in turn (the same bytes as without a
budget), each swap moves the least recently used idle one off the device, is logged and counted in /metrics, and a
pipeline that is running is never the one moved.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from retouch.engines.base import EditTask, NullProgress  # noqa: E402
from retouch.engines.diffusers import DiffusersEngine  # noqa: E402
from retouch.engines.diffusers.memory import GIB, SWAPS, forget_budgets, pipeline_bytes  # noqa: E402
from tests.unit.test_diffusers_families import options, picture  # noqa: E402

FAMILIES = {"kontext": "flux-kontext", "pix": "instruct-pix2pix"}


@pytest.fixture(autouse=True)
def _fresh_budgets() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    forget_budgets()
    yield
    forget_budgets()
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def sizes() -> dict[str, int]:
    return {name: pipeline_bytes(DiffusersEngine(name, options(f)).main.get()) for name, f in FAMILIES.items()}


def budget_for_one(sizes: dict[str, int]) -> float:
    """Room for the larger model and half the smaller one: never both at once."""
    return (max(sizes.values()) + min(sizes.values()) / 2) / GIB


def engines(budget_gb: float | None, **extra: Any) -> dict[str, DiffusersEngine]:
    opts = {"device_memory_budget_gb": budget_gb, "preview": "off", **extra}
    return {name: DiffusersEngine(name, options(f, **opts)) for name, f in FAMILIES.items()}


def task(seed: int = 3) -> EditTask:
    return EditTask(prompt="a red hat", images=[picture()], seed=seed, quality="low")


def swaps(engine: str, direction: str) -> float:
    value = SWAPS.labels(engine=engine, direction=direction)._value.get()
    return float(value)


def resident(engs: dict[str, DiffusersEngine]) -> int:
    return sum(e.main.resident_bytes() for e in engs.values())


def test_two_models_take_turns_within_the_budget(sizes: dict[str, int], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="retouch.engines.diffusers")
    plain = engines(None)
    expected = {name: np.asarray(e.run(task(), NullProgress()).images[0]) for name, e in plain.items()}
    forget_budgets()
    budgeted = engines(budget_for_one(sizes))
    limit = budget_for_one(sizes) * GIB
    before = {(n, d): swaps(n, d) for n in FAMILIES for d in ("free", "reload")}
    for name in ("kontext", "pix", "kontext", "pix"):
        got = np.asarray(budgeted[name].run(task(), NullProgress()).images[0])
        assert np.array_equal(got, expected[name]), name
        assert resident(budgeted) <= limit
        assert budgeted[name].main.resident_bytes() == sizes[name]
    # kontext was moved off twice (for pix, twice), pix once (for kontext); each came back when asked for.
    assert swaps("kontext", "free") - before[("kontext", "free")] == 2
    assert swaps("pix", "free") - before[("pix", "free")] == 1
    assert swaps("kontext", "reload") - before[("kontext", "reload")] == 1
    assert swaps("pix", "reload") - before[("pix", "reload")] == 1
    moved = [r for r in caplog.records if r.getMessage() == "model moved off the device to make room"]
    assert [r.__dict__["engine"] for r in moved] == ["kontext", "pix", "kontext"]
    assert all(r.__dict__["direction"] == "free" and r.__dict__["seconds"] >= 0 for r in moved)


def test_a_budget_that_holds_both_swaps_nothing(sizes: dict[str, int]) -> None:
    roomy = engines(sum(sizes.values()) * 1.01 / GIB)
    before = swaps("kontext", "free") + swaps("pix", "free")
    for name in ("kontext", "pix", "kontext"):
        roomy[name].run(task(), NullProgress())
    assert swaps("kontext", "free") + swaps("pix", "free") == before
    assert resident(roomy) == sum(sizes.values())


class Holding(NullProgress):
    """Signals when the run reaches its first step, then holds it there until released."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.release = threading.Event()

    def step(self, done: int, total: int) -> None:
        self.started.set()
        assert self.release.wait(30)


def test_a_running_model_is_never_moved(sizes: dict[str, int]) -> None:
    budgeted = engines(budget_for_one(sizes))
    holding = Holding()
    first = threading.Thread(target=budgeted["kontext"].run, args=(task(), holding))
    first.start()
    assert holding.started.wait(30)
    done: dict[str, float] = {}

    def second() -> None:
        budgeted["pix"].run(task(), NullProgress())
        done["pix"] = time.monotonic()

    waiting = threading.Thread(target=second)
    waiting.start()
    deadline = time.monotonic() + 30
    while not budgeted["pix"].main.loaded:  # pix has read its weights and now waits for room
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.3)
    # pix needs kontext's room, but kontext is running: pix waits, kontext stays on the device.
    assert "pix" not in done and budgeted["kontext"].main.resident_bytes() == sizes["kontext"]
    released = time.monotonic()
    holding.release.set()
    first.join(30)
    waiting.join(30)
    assert done["pix"] >= released
    assert budgeted["kontext"].main.resident_bytes() == 0 and budgeted["pix"].main.resident_bytes() == sizes["pix"]


def test_swaps_are_counted_in_metrics(tmp_path: Path, sizes: dict[str, int]) -> None:
    import base64
    import io

    from fastapi.testclient import TestClient

    from retouch.api import app as app_module
    from retouch.config import EngineConfig, Settings

    budget = {"device_memory_budget_gb": budget_for_one(sizes), "preview": "off"}
    configured = {n: EngineConfig(kind="diffusers", options=options(f, **budget)) for n, f in FAMILIES.items()}
    settings = Settings(
        data_dir=tmp_path / "data", engines=configured, default_engine="kontext", workers=1, worker_mode="threads"
    )
    buf = io.BytesIO()
    picture().save(buf, "PNG")
    image = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    before = swaps("kontext", "free")
    with TestClient(app_module.create_app(settings)) as client:
        for name in ("kontext", "pix", "kontext"):
            body = {"prompt": "a hat", "image_urls": [image], "engine": name, "quality": "low", "sync_mode": True}
            assert client.post("/openai/gpt-image-2/edit", json=body).status_code == 200
        metrics = client.get("/metrics").text
    assert swaps("kontext", "free") == before + 1
    line = f'retouch_model_swaps_total{{direction="free",engine="kontext"}} {before + 1}'
    assert line in metrics, [m for m in metrics.splitlines() if "swap" in m]
    assert 'retouch_model_swaps_total{direction="reload",engine="kontext"}' in metrics
