"""The fal clients' server (tests/support/fal_tls_server.py), one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..support.fal_tls_server import TLSServer, fal_tls_server


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TLSServer]:
    with fal_tls_server(tmp_path_factory.mktemp("fal-tls")) as server:
        yield server
