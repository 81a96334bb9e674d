"""Which keys each Lua script really touched: a MONITOR trace of a real redis-server, read back as commands.

MONITOR prints every command a script runs (``[0 lua] "GET" "key"``) right after the ``EVALSHA`` that ran it, whose
arguments hold the declared ``KEYS``. Redis itself says which arguments of a command are keys (``COMMAND GETKEYS``),
so no table of command shapes is kept here.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import redis

_LINE = re.compile(rb"^\d+\.\d+ \[\d+ ([^\]]*)\] (.*)$", re.S)
_ARG = re.compile(rb'"((?:[^"\\]|\\.)*)"', re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"a": b"\a", b"b": b"\b", b'"': b'"', b"\\": b"\\"}
END = "trace-end"


def _unescape(text: bytes) -> bytes:
    """Undoes the quoting MONITOR applies to each argument (``sdscatrepr``)."""
    out, i = bytearray(), 0
    while i < len(text):
        if text[i : i + 1] == b"\\":
            nxt = text[i + 1 : i + 2]
            if nxt == b"x":
                out.append(int(text[i + 2 : i + 4], 16))
                i += 4
                continue
            out += _ESCAPES.get(nxt, nxt)
            i += 2
            continue
        out.append(text[i])
        i += 1
    return bytes(out)


@dataclass
class ScriptRun:
    sha: str
    declared: list[bytes]
    commands: list[list[bytes]] = field(default_factory=list)


class MonitorTrace:
    """Records every command the server runs while open; ``runs()`` groups script commands under their EVALSHA."""

    def __init__(self, url: str) -> None:
        self._client: Any = redis.Redis.from_url(url)
        self._monitor = self._client.monitor()
        self._lines: list[tuple[str, list[bytes]]] = []
        self._thread = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> MonitorTrace:
        self._monitor.__enter__()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.echo(END)
        self._thread.join(10)
        self._monitor.__exit__()

    def _read(self) -> None:
        while True:
            raw = self._monitor.connection.read_response()
            match = _LINE.match(raw)
            if match is None:
                continue
            source = match.group(1).decode()
            args = [_unescape(a) for a in _ARG.findall(match.group(2))]
            if source != "lua" and args[:2] == [b"ECHO", END.encode()]:
                return
            self._lines.append((source, args))

    def runs(self) -> list[ScriptRun]:
        runs: list[ScriptRun] = []
        header: list[bytes] = []  # the last command a client sent
        current: ScriptRun | None = None
        for source, args in self._lines:
            if source != "lua":
                header, current = args, None
                continue
            if current is None:
                assert header[:1] == [b"EVALSHA"], f"a script command not after an EVALSHA: {header[:1]} {args}"
                current = ScriptRun(sha=header[1].decode(), declared=header[3 : 3 + int(header[2])])
                runs.append(current)
            current.commands.append(args)
        return runs

    def keys_of(self, command: list[bytes]) -> list[bytes]:
        """The key arguments of one command, as the server reads them."""
        try:
            keys = self._client.execute_command("COMMAND GETKEYS", *command)
        except redis.ResponseError:  # a command without keys
            return []
        return [k.encode() if isinstance(k, str) else k for k in keys]  # redis-py decodes this reply
