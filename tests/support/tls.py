"""A throw-away certificate authority and server certificate for TLS tests (trustme), written to files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme

# The names the official fal clients connect to: the loopback run/queue host we point them at; the storage hosts
# fixed in their code (rest.fal.ai, v3.fal.media; reached through a loopback CONNECT proxy); the run and queue
# hosts the JS client builds and the Python client defaults to (fal.run, queue.fal.run) with the backup domains the
# Python client retries on after a connection error (falrun.com, queue.falrun.com); queue.localhost for the
# queue.<host> layout the Python client derives when only FAL_RUN_HOST is set.
NAMES = (
    "127.0.0.1",
    "localhost",
    "queue.localhost",
    "rest.fal.ai",
    "v3.fal.media",
    "v3b.fal.media",
    "fal.media",
    "fal.run",
    "queue.fal.run",
    "falrun.com",
    "queue.falrun.com",
)


@dataclass(frozen=True)
class TLSFiles:
    ca: Path
    cert: Path
    key: Path


def make_tls(folder: Path) -> TLSFiles:
    ca = trustme.CA()
    server = ca.issue_cert(*NAMES)
    files = TLSFiles(ca=folder / "ca.pem", cert=folder / "cert.pem", key=folder / "key.pem")
    ca.cert_pem.write_to_path(str(files.ca))
    server.cert_chain_pems[0].write_to_path(str(files.cert))
    for extra in server.cert_chain_pems[1:]:
        extra.write_to_path(str(files.cert), append=True)
    server.private_key_pem.write_to_path(str(files.key))
    return files
