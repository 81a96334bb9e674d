"""Operator surfaces: with auth off, the admin routes answer only this server's own pages and host names; with auth
on, metrics and the API document need a key unless the operator made them public."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from retouch.config import KeyConfig

from ..support.live_server import LiveServer, start_server

PAUSE = "/admin/queue/pause"


def test_admin_routes_refuse_foreign_hosts_and_other_sites_pages(live: LiveServer) -> None:
    with live.client() as c:
        assert c.post(PAUSE, headers={"Host": "attacker.example"}).status_code == 403
        assert c.post(PAUSE, headers={"Origin": "https://attacker.example"}).status_code == 403
        assert c.post(PAUSE, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
        form = c.post(PAUSE, content=b"x=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert form.status_code == 403
        assert c.get("/admin/queue", headers={"Host": "rebound.attacker.example:8000"}).status_code == 403
        assert live.app.state.runtime.store.is_paused() is False
        same_site = c.post(PAUSE, headers={"Origin": live.url, "Host": "localhost:1234"})
        assert same_site.status_code == 200 and same_site.json()["paused"] is True
        assert c.post("/admin/queue/resume", headers={"Host": "[::1]:8000"}).json()["paused"] is False


@pytest.fixture
def keyed(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    extra = getattr(request, "param", {})
    srv, server, thread = start_server(tmp_path, keys=[KeyConfig(id="ops", secret="ops-secret", admin=True)], **extra)
    yield srv
    server.should_exit = True
    thread.join(10)


def test_metrics_and_docs_need_a_key_when_auth_is_on(keyed: LiveServer) -> None:
    with keyed.client() as anonymous, keyed.client("ops-secret") as ops:
        for path in ("/metrics", "/openapi.json", "/docs"):
            assert anonymous.get(path).status_code == 401, path
            assert ops.get(path).status_code == 200, path
        assert anonymous.get("/healthz").status_code == 200
        # With a key, a foreign Host header is fine: the key is the proof.
        assert ops.post(PAUSE, headers={"Host": "retouch.internal.example"}).status_code == 200


@pytest.mark.parametrize("keyed", [{"public_metrics": True, "public_docs": True}], indirect=True)
def test_metrics_and_docs_can_be_made_public(keyed: LiveServer) -> None:
    with keyed.client() as anonymous:
        for path in ("/metrics", "/openapi.json", "/docs"):
            assert anonymous.get(path).status_code == 200, path
