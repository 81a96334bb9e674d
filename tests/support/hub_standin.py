"""A small Hugging Face Hub-compatible file server on 127.0.0.1, for tests of ``retouch models pull``.

It serves folders as model repositories with the endpoints and headers ``huggingface_hub`` uses for a download
(read from its source: ``HfApi.repo_info``, ``list_repo_tree``, ``get_hf_file_metadata``, ``http_get``):

- ``GET /api/models/{repo}/revision/{rev}``: the repository's info, with the commit ``sha``;
- ``GET /api/models/{repo}/tree/{rev}``: its files (``type``, ``path``, ``size``, ``oid``, and ``lfs`` for weights);
- ``HEAD /{repo}/resolve/{rev}/{file}``: ``X-Repo-Commit``, ``ETag`` (``X-Linked-Etag``/``X-Linked-Size`` for
  LFS files) and ``Content-Length``;
- ``GET /{repo}/resolve/{rev}/{file}``: the bytes, honouring ``Range`` (206) so a broken transfer resumes.

A gated repository answers 401 with ``X-Error-Code: GatedRepo`` unless the request brings the right bearer token.
It can be told to cut a file off just before its end once (``cut_once``) or to fail it once (``fail_once``), and
records every request it gets.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"
LFS_SUFFIXES = (".safetensors", ".gguf", ".bin")


@dataclass
class Repo:
    folder: Path
    gated_token: str | None = None  # a gated repository: only this bearer token may read it


@dataclass
class HubState:
    repos: dict[str, Repo] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    cut_once: set[str] = field(default_factory=set)
    fail_once: set[str] = field(default_factory=set)
    base_url: str = ""

    def files(self, repo: str) -> dict[str, Path]:
        root = self.repos[repo].folder
        return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}

    def gets(self, suffix: str) -> list[dict[str, str]]:
        return [h for m, p, h in self.requests if m == "GET" and p.endswith(suffix)]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _git_oid(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    state: HubState
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return None

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        self.state.requests.append((self.command, path, {k.lower(): v for k, v in self.headers.items()}))
        if path.startswith("/api/models/"):
            return self._api(path.removeprefix("/api/models/"))
        if "/resolve/" in path:
            repo, _, rest = path.lstrip("/").partition("/resolve/")
            _rev, _, name = rest.partition("/")
            return self._file(repo, name, head)
        return self._reply(404, {"error": "not found"}, {"X-Error-Code": "RepoNotFound"})

    def _allowed(self, repo: str) -> bool:
        if repo not in self.state.repos:
            self._reply(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
            return False
        token = self.state.repos[repo].gated_token
        if token is not None and self.headers.get("authorization") != f"Bearer {token}":
            message = f"Access to model {repo} is restricted. You must have access to it and be authenticated."
            self._reply(401, {"error": message}, {"X-Error-Code": "GatedRepo", "X-Error-Message": message})
            return False
        return True

    def _api(self, rest: str) -> None:
        parts = rest.split("/")
        repo = "/".join(parts[:2])
        if not self._allowed(repo):
            return
        files = self.state.files(repo)
        if parts[2:3] == ["revision"]:
            info = {"id": repo, "sha": COMMIT, "private": False, "siblings": [{"rfilename": f} for f in files]}
            return self._reply(200, info)
        if parts[2:3] == ["tree"]:
            tree = []
            for name, file in files.items():
                entry: dict[str, Any] = {"type": "file", "path": name, "size": file.stat().st_size}
                entry["oid"] = _git_oid(file)
                if name.endswith(LFS_SUFFIXES):
                    entry["lfs"] = {"oid": _sha256(file), "size": file.stat().st_size, "pointerSize": 134}
                tree.append(entry)
            return self._reply(200, tree)
        return self._reply(404, {"error": "not found"})

    def _file(self, repo: str, name: str, head: bool) -> None:
        if not self._allowed(repo):
            return
        file = self.state.files(repo).get(name)
        if file is None:
            return self._reply(404, {"error": "Entry not found"}, {"X-Error-Code": "EntryNotFound"})
        data = file.read_bytes()
        headers = {"X-Repo-Commit": COMMIT, "Accept-Ranges": "bytes"}
        if name.endswith(LFS_SUFFIXES):
            headers |= {"X-Linked-Etag": f'"{_sha256(file)}"', "X-Linked-Size": str(len(data))}
        headers["ETag"] = f'"{_git_oid(file)}"'
        if head:
            return self._send(200, b"", headers, length=len(data))
        if name in self.state.fail_once:
            self.state.fail_once.discard(name)
            return self._reply(500, {"error": "the stand-in fails this file once"})
        start = 0
        status = 200
        wanted = self.headers.get("range", "")
        if wanted.startswith("bytes=") and wanted.endswith("-"):
            start, status = int(wanted[6:-1]), 206
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        body = data[start:]
        if name in self.state.cut_once:  # promise the whole body, send all but its end, hang up
            self.state.cut_once.discard(name)
            self._send(status, body[: len(body) - 4096], headers, length=len(body), close=True)
            return
        self._send(status, body, headers)

    def _reply(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})

    def _send(
        self, status: int, body: bytes, headers: dict[str, str], length: int | None = None, close: bool = False
    ) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
            self.wfile.flush()
        if close:
            self.close_connection = True


class HubStandIn:
    """Runs the stand-in in a thread on a free loopback port; use as a context manager."""

    def __init__(self) -> None:
        self.state = HubState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.state.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HubState:
        self._thread.start()
        return self.state

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
