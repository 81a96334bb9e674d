"""The local CA behind `--tls-self-signed`: a server certificate that verifies against it for every loopback name
and the listening address, reissued when a new address is not covered, under the same CA."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest

from retouch.net.dev_certificates import ensure_dev_certificates


def _handshake(made_cert: Path, made_key: Path, ca: Path, server_hostname: str) -> None:
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(made_cert, made_key)
    client_ctx = ssl.create_default_context(cafile=str(ca))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def accept() -> None:
            conn, _ = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                pass

        t = threading.Thread(target=accept, daemon=True)
        t.start()
        with socket.create_connection(("127.0.0.1", port)) as raw:
            with client_ctx.wrap_socket(raw, server_hostname=server_hostname) as tls:
                tls.sendall(b"x")
        t.join(5)


def test_certificates_verify_for_loopback_names_and_are_reissued_for_new_hosts(tmp_path: Path) -> None:
    made = ensure_dev_certificates(tmp_path, ["127.0.0.1"])
    for name in ("localhost", "127.0.0.1"):
        _handshake(made.cert, made.key, made.ca, name)
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(made.cert, made.key, made.ca, "not-covered.internal")
    first_cert, first_ca = made.cert.read_bytes(), made.ca.read_bytes()
    assert ensure_dev_certificates(tmp_path, ["127.0.0.1"]).cert.read_bytes() == first_cert  # reused
    again = ensure_dev_certificates(tmp_path, ["retouch.internal"])
    assert again.cert.read_bytes() != first_cert and again.ca.read_bytes() == first_ca
    _handshake(again.cert, again.key, again.ca, "retouch.internal")
    assert made.key.stat().st_mode & 0o077 == 0 and (tmp_path / "ca-key.pem").stat().st_mode & 0o077 == 0
