"""The load generator's HTTP: a keep-alive HTTP/1.1 connection per simulated client, requests sent from bytes
encoded once. On a 2-core machine the load generator shares the cores with the server it measures; httpx costs
about 1 ms of CPU a request, which on the polled queue route (dozens of polls a job) is more than the server's own
work. ``HttpxClient`` offers the same three calls through httpx, for comparison (``--client httpx``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Protocol
from urllib.parse import urlsplit

import httpx


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class LoadClient(Protocol):
    sent: int  # requests sent so far on this client

    async def post(self, url: str, body: bytes) -> Reply: ...
    async def get(self, url: str) -> Reply: ...
    def lines(self, url: str) -> AsyncIterator[bytes]: ...
    async def close(self) -> None: ...


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class RawClient:
    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.sent = 0
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _send(self, method: str, url: str, body: bytes = b"") -> asyncio.StreamReader:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 22)
        self.sent += 1
        head = f"{method} {path_of(url)} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.extra}"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode("latin-1") + b"\r\n" + body)
        assert self.reader is not None
        return self.reader

    @staticmethod
    async def _head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        return int(lines[0].split()[1]), fields

    @staticmethod
    async def _chunks(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            data = await reader.readexactly(size + 2)
            if size == 0:
                return
            yield data[:-2]

    async def _reply(self, reader: asyncio.StreamReader) -> Reply:
        status, fields = await self._head(reader)
        if "content-length" in fields:
            body = await reader.readexactly(int(fields["content-length"]))
        else:
            body = b"".join([chunk async for chunk in self._chunks(reader)])
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, fields, body)

    async def post(self, url: str, body: bytes) -> Reply:
        return await self._reply(await self._send("POST", url, body))

    async def get(self, url: str) -> Reply:
        return await self._reply(await self._send("GET", url))

    async def lines(self, url: str) -> AsyncIterator[bytes]:
        """The lines of a streamed (chunked) reply, read to its end so the connection can carry the next request."""
        reader = await self._send("GET", url)
        status, _ = await self._head(reader)
        if status != 200:
            raise RuntimeError(f"stream answered {status}")
        pending = b""
        async for chunk in self._chunks(reader):
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield line.rstrip(b"\r")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


class HttpxClient:
    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=300)
        self.sent = 0

    async def post(self, url: str, body: bytes) -> Reply:
        self.sent += 1
        r = await self.client.post(url, content=body, headers={"content-type": "application/json"})
        return Reply(r.status_code, dict(r.headers), r.content)

    async def get(self, url: str) -> Reply:
        self.sent += 1
        r = await self.client.get(url)
        return Reply(r.status_code, dict(r.headers), r.content)

    async def lines(self, url: str) -> AsyncIterator[bytes]:
        self.sent += 1
        async with self.client.stream("GET", url) as events:
            async for line in events.aiter_lines():
                yield line.encode()

    async def close(self) -> None:
        await self.client.aclose()


def make_client(kind: str, base_url: str, headers: dict[str, str]) -> LoadClient:
    return RawClient(base_url, headers) if kind == "raw" else HttpxClient(base_url, headers)
