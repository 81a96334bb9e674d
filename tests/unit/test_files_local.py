"""The local object store under concurrent writers: the same content-addressed key stored by many threads at once."""

from __future__ import annotations

import threading
from pathlib import Path

from retouch.files.base import content_key
from retouch.files.store_local import LocalObjectStore


def test_many_threads_storing_the_same_key_all_succeed(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 400
    key = content_key(data, "alice")
    errors: list[BaseException] = []
    start = threading.Barrier(16)

    def put() -> None:
        start.wait()
        try:
            for _ in range(20):
                store.put(data, file_name="input.png", content_type="image/png", owner="alice", key=key)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    found = store.get(key)
    assert found is not None and found[0] == data
    assert not [p for p in tmp_path.rglob("*.tmp")], "no temporary file is left behind"


def test_content_keys_differ_by_owner_and_content() -> None:
    assert content_key(b"x", "a") != content_key(b"x", "b") != content_key(b"y", "b")
    assert content_key(b"x", None) == content_key(b"x", None)
