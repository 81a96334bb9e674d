"""The settings loader: YAML file, then RETOUCH_* variables, then flags; the documented forms of each value."""

from __future__ import annotations

from pathlib import Path

import pytest

from retouch.config import WORKER_MEMORY_BYTES, EngineConfig, Settings, default_workers, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("RETOUCH_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("alice:s1,ops:s2:admin", [("alice", "s1", False), ("ops", "s2", True)]),
        ("s1, s2", [("key1", "s1", False), ("key2", "s2", False)]),
        ('[{"id": "a", "secret": "b", "admin": true}]', [("a", "b", True)]),
    ],
)
def test_keys_from_the_environment_in_each_documented_form(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: list[tuple[str, str, bool]]
) -> None:
    monkeypatch.setenv("RETOUCH_KEYS", value)
    settings = load_settings()
    assert [(k.id, k.secret, k.admin) for k in settings.keys] == expected
    assert settings.auth_enabled


def test_file_then_environment_then_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "retouch.yaml"
    config.write_text("port: 9000\nworkers: 3\nmax_queue_length: 50\nengines:\n  c: {kind: classic}\n")
    monkeypatch.setenv("RETOUCH_PORT", "9100")
    settings = load_settings(config, workers=5)
    assert (settings.port, settings.workers, settings.max_queue_length) == (9100, 5, 50)
    assert list(settings.engines) == ["c"]
    monkeypatch.setenv("RETOUCH_CONFIG", str(config))
    assert load_settings().port == 9100


def test_loopback_webhooks_only_on_a_local_development_server() -> None:
    assert Settings().loopback_webhooks is True  # 127.0.0.1, no keys: what `make run` starts
    assert Settings(host="0.0.0.0").loopback_webhooks is False
    assert Settings(keys=[{"id": "a", "secret": "b"}]).loopback_webhooks is False
    assert Settings(host="0.0.0.0", allow_loopback_webhooks=True).loopback_webhooks is True
    assert Settings(allow_loopback_webhooks=False).loopback_webhooks is False


def test_engines_have_a_run_limit_by_default() -> None:
    assert EngineConfig(kind="classic").run_limit() == 300
    assert EngineConfig(kind="mypackage.engine:Mine").run_limit() == 1800
    assert EngineConfig(kind="classic", max_run_seconds=0).run_limit() is None
    assert EngineConfig(kind="classic", max_run_seconds=12).run_limit() == 12


def test_default_workers_fit_the_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    pages = 3 * WORKER_MEMORY_BYTES // os.sysconf("SC_PAGE_SIZE")
    real = os.sysconf
    monkeypatch.setattr(os, "sysconf", lambda name: pages if name == "SC_PHYS_PAGES" else real(name))
    assert default_workers() == 3
