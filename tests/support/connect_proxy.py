"""An HTTP CONNECT proxy that tunnels every request to one loopback port, whatever host was asked for.

The official fal client sends its storage calls to hosts fixed in its code (rest.fal.ai, v3.fal.media); with
HTTPS_PROXY set to this proxy they reach the Retouch server under test instead, and TLS runs end to end between the
client and that server (the proxy only copies bytes). The only socket it ever opens is to 127.0.0.1: the host named
in the CONNECT line is recorded, never resolved, never dialled. Anything but CONNECT is refused.
"""

from __future__ import annotations

import socket
import threading

_MAX_HEAD = 16 * 1024


class ConnectProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.requested: list[str] = []  # the CONNECT targets clients asked for, in order ("rest.fal.ai:443")
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.port = int(self._server.getsockname()[1])
        self._thread = threading.Thread(target=self._accept, daemon=True, name="connect-proxy")
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        """Stops accepting and cuts every open tunnel."""
        self._server.close()
        with self._lock:
            sockets, self._open = list(self._open), set()
        for s in sockets:
            _shut(s)

    def _track(self, s: socket.socket) -> None:
        with self._lock:
            self._open.add(s)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self._track(client)
            threading.Thread(target=self._handle, args=(client,), daemon=True, name="connect-proxy-conn").start()

    def _handle(self, client: socket.socket) -> None:
        head = b""
        try:
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk or len(head) > _MAX_HEAD:
                    _shut(client)
                    return
                head += chunk
        except OSError:
            _shut(client)
            return
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split(" ")
        if len(parts) < 2 or parts[0] != "CONNECT":
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            _shut(client)
            return
        with self._lock:
            self.requested.append(parts[1])
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            _shut(client)
            return
        upstream.settimeout(None)
        self._track(upstream)
        client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        leftover = head.split(b"\r\n\r\n", 1)[1]
        if leftover:
            upstream.sendall(leftover)
        threading.Thread(target=_pipe, args=(upstream, client), daemon=True, name="connect-proxy-pipe").start()
        _pipe(client, upstream)


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        _shut(src)
        _shut(dst)


def _shut(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
