"""Joined response writes: a response's head and a small body leave in one write; nothing is reordered or lost."""

from __future__ import annotations

import asyncio
from typing import Any

from retouch.api.http_protocol import CoalescingTransport, coalescing_protocol


class _Recorder:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return "peer" if name == "peername" else default


HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"


def _run(steps: Any) -> _Recorder:
    async def scenario() -> _Recorder:
        real = _Recorder()
        transport = CoalescingTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
        await steps(transport)
        await asyncio.sleep(0)
        return real

    return asyncio.run(scenario())


def test_a_head_and_a_small_body_leave_in_one_write() -> None:
    async def steps(t: CoalescingTransport) -> None:
        t.write(HEAD)
        t.write(b"hello")

    assert _run(steps).writes == [HEAD + b"hello"]


def test_a_large_body_goes_straight_through_after_its_head() -> None:
    big = b"x" * (1 << 20)

    async def steps(t: CoalescingTransport) -> None:
        t.write(HEAD)
        t.write(big)
        t.write(b"tail")

    assert _run(steps).writes == [HEAD, big, b"tail"]


def test_a_head_without_a_body_in_the_same_turn_still_goes_out_and_close_flushes() -> None:
    async def alone(t: CoalescingTransport) -> None:
        t.write(HEAD)

    assert _run(alone).writes == [HEAD]

    async def closed(t: CoalescingTransport) -> None:
        t.write(HEAD)
        t.close()

    real = _run(closed)
    assert real.writes == [HEAD] and real.closed


def test_other_calls_reach_the_real_transport() -> None:
    async def steps(t: CoalescingTransport) -> None:
        assert t.get_extra_info("peername") == "peer"
        assert t.is_closing() is False

    _run(steps)


def test_the_protocol_is_uvicorns_httptools_protocol() -> None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    protocol = coalescing_protocol()
    assert protocol is not None and issubclass(protocol, HttpToolsProtocol)
