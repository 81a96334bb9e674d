"""uvicorn's httptools protocol with a response's small writes sent as one.

uvicorn writes a response's head and its body with two ``write`` calls: two system calls, and on a TCP_NODELAY
socket two packets, each waking the client. For a status poll (a few hundred bytes, the most frequent request a
busy server sees) those two sends were a fifth of the API process's CPU under 8 polling clients. Here the head is
held until the body's first write and the two go out in one; a large body goes straight through after the head,
so flow control and memory behave as before.
"""

from __future__ import annotations

import asyncio
from typing import Any

_JOIN_BELOW = 64 * 1024


class CoalescingTransport:
    """A transport that holds a response's head until its first body write and sends both at once; everything
    else goes to the real transport as it comes."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._head: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        small = len(data) < _JOIN_BELOW
        if self._head is not None:
            head, self._head = self._head, None
            if small:
                self._transport.write(head + bytes(data))
                return
            self._transport.write(head)
            self._transport.write(data)
        elif small and bytes(data[:5]) == b"HTTP/":
            self._head = bytes(data)
            self._loop.call_soon(self.flush)  # a head whose body does not follow in this turn still goes out
        else:
            self._transport.write(data)

    def flush(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            if not self._transport.is_closing():
                self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.flush()
        self._transport.set_protocol(protocol)

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def coalescing_protocol() -> type[asyncio.Protocol] | None:
    """The httptools protocol class with joined writes, or None where httptools is not installed (uvicorn then
    picks its own)."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return None

    class CoalescingHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]

    return CoalescingHttpToolsProtocol
