"""``retouch models pull | list`` and ``allow_download``, against a Hub-compatible server on 127.0.0.1 serving a
tiny pipeline: the real huggingface_hub client, a gated repository (HF_TOKEN), a mirror (HF_ENDPOINT), a transfer
cut off halfway and resumed with a range request, a failed pull that fetches only what is missing the next time;
then the pulled model loads and gives the same bytes as the original folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import huggingface_hub  # noqa: F401  (installed by scripts/install-gpu-stack.sh)
import numpy as np
import pytest
import yaml

from retouch.engines.base import EditTask, NullProgress  # noqa: E402
from retouch.engines.diffusers import DiffusersEngine  # noqa: E402
from retouch.errors import EngineUnavailable  # noqa: E402
from tests.support.hub_standin import COMMIT, HubStandIn, HubState, Repo  # noqa: E402
from tests.support.tiny_pipelines import tiny_model_dir  # noqa: E402
from tests.unit.test_diffusers_families import options, picture  # noqa: E402

REPO = "tiny-org/tiny-kontext"
TOKEN = "hf_TESTTOKENabcdef0123456789"
WEIGHTS = "transformer/diffusion_pytorch_model.safetensors"
ROOT = Path(__file__).resolve().parents[2]


def chunk() -> int:
    """huggingface_hub writes what it received in chunks of this size (10 MB in the versions tested)."""
    from huggingface_hub import constants

    return int(constants.DOWNLOAD_CHUNK_SIZE)


def served_model() -> Path:
    """The tiny Kontext with a 16-head transformer: its weights file (15 MB) is larger than one download chunk,
    so a transfer cut near its end has written a chunk, and resumes after it."""
    return tiny_model_dir("flux-kontext", heads=16)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubState]:
    folder = tmp_path / "served"
    import shutil

    shutil.copytree(served_model(), folder)
    (folder / "flux1-kontext-tiny.safetensors").write_bytes(b"a single-file checkpoint pull leaves behind")
    with HubStandIn() as state:
        state.repos[REPO] = Repo(folder, gated_token=TOKEN)
        yield state


def retouch(
    *args: str, hub: HubState, token: str | None = TOKEN, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING", "RETOUCH_"))}
    env.update(HF_ENDPOINT=hub.base_url, HF_HOME=str((cwd or ROOT) / "hf-home"), PYTHONPATH=str(ROOT / "src"))
    if token:
        env["HF_TOKEN"] = token
    command = [sys.executable, "-m", "retouch", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


def run(eng: DiffusersEngine) -> np.ndarray:
    task = EditTask(prompt="a red hat", images=[picture()], seed=5, quality="low")
    return np.asarray(eng.run(task, NullProgress()).images[0])


def test_pull_a_gated_model_through_a_mirror_resuming_a_cut_transfer(hub: HubState, tmp_path: Path) -> None:
    cache = tmp_path / "hub-cache"
    refused = retouch("models", "pull", REPO, "--cache-dir", str(cache), hub=hub, token=None, cwd=tmp_path)
    assert refused.returncode == 1
    assert "gated" in refused.stderr and "HF_TOKEN" in refused.stderr, refused.stderr

    hub.cut_once.add(WEIGHTS)
    pulled = retouch("models", "pull", REPO, "--cache-dir", str(cache), hub=hub, cwd=tmp_path)
    assert pulled.returncode == 0, pulled.stderr
    snapshot = cache / "models--tiny-org--tiny-kontext" / "snapshots" / COMMIT
    assert pulled.stdout.strip() == str(snapshot)
    assert f"from {hub.base_url}" in pulled.stderr and "%|" in pulled.stderr  # huggingface_hub's progress bar
    # Every request carried the token; the cut-off file was resumed where it broke, not fetched again.
    assert all(h.get("authorization") == f"Bearer {TOKEN}" for _, _, h in hub.requests[-5:])
    fetches = hub.gets(WEIGHTS)
    assert (served_model() / WEIGHTS).stat().st_size > chunk()
    assert len(fetches) == 2 and "range" not in fetches[0] and fetches[1]["range"] == f"bytes={chunk()}-"
    assert (snapshot / WEIGHTS).read_bytes() == (served_model() / WEIGHTS).read_bytes()
    assert not (snapshot / "flux1-kontext-tiny.safetensors").exists()  # only the diffusers pipeline

    # The pulled model loads by its id from that cache, and is the same model.
    by_id = DiffusersEngine("pulled", options("flux-kontext", model=REPO, cache_dir=str(cache)))
    by_path = DiffusersEngine("local", options("flux-kontext", model=str(served_model())))
    assert np.array_equal(run(by_id), run(by_path))


def test_a_failed_pull_fetches_only_what_is_missing_next_time(hub: HubState, tmp_path: Path) -> None:
    target = tmp_path / "models" / "kontext"
    vae = "vae/diffusion_pytorch_model.safetensors"
    hub.fail_once.add(vae)
    first = retouch("models", "pull", REPO, "--dir", str(target), hub=hub, cwd=tmp_path)
    assert first.returncode == 1 and "could not download" in first.stderr, first.stderr
    mark = len(hub.requests)
    again = retouch("models", "pull", REPO, "--dir", str(target), hub=hub, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    fetched_again = [p for m, p, _ in hub.requests[mark:] if m == "GET" and "/resolve/" in p]
    assert [p.split(f"{COMMIT}/")[1] for p in fetched_again] == [vae]  # the rest was complete already
    assert (target / "model_index.json").is_file() and (target / vae).is_file()
    local = DiffusersEngine("local", options("flux-kontext", model=str(served_model())))
    assert np.array_equal(run(DiffusersEngine("dir", options("flux-kontext", model=str(target)))), run(local))


def test_models_list_shows_where_weights_are_and_whether_they_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("RETOUCH_")]:
        monkeypatch.delenv(name)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model_index.json").write_text((tiny_model_dir("flux-kontext") / "model_index.json").read_text())
    engines: dict[str, Any] = {
        "kontext": {"kind": "diffusers", "options": options("flux-kontext")},
        "broken": {"kind": "diffusers", "options": options("flux-kontext", model=str(broken))},
        "later": {
            "kind": "diffusers",
            "options": options("flux-kontext", model="org/absent", cache_dir=str(tmp_path / "c"), allow_download=True),
        },
    }
    config = tmp_path / "retouch.yaml"
    config.write_text(yaml.safe_dump({"engines": engines}))
    from retouch.cli import main

    listed_code = main(["models", "list", "--config", str(config)])
    text = capsys.readouterr().out
    with HubStandIn() as empty:  # 'later' may download: from a loopback Hub that has nothing
        monkeypatch.setenv("HF_ENDPOINT", empty.base_url)
        loaded_code = main(["models", "list", "--config", str(config), "--load"])
    loaded = capsys.readouterr().out
    assert "org/absent was not found" in loaded and empty.requests
    assert listed_code == 1 and loaded_code == 1  # something is not ready
    assert f"kontext (main): flux-kontext  {tiny_model_dir('flux-kontext')}" in text
    assert "status:  present" in text and "incomplete: no " in text and "fetched on first use" in text
    assert " KB" in text or " MB" in text
    assert "status:  loads" in loaded and "does not load" in loaded, loaded


def test_allow_download_fetches_a_configured_model_on_first_use(
    hub: HubState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.base_url)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    cache = tmp_path / "engine-cache"
    # Off by default: the request fails fast naming the cache, and nothing is asked of the Hub.
    offline = DiffusersEngine("offline", options("flux-kontext", model=REPO, cache_dir=str(cache)))
    with pytest.raises(EngineUnavailable, match="retouch models pull"):
        offline.preflight(EditTask("x", [picture()]).info())
    assert hub.requests == []
    online = DiffusersEngine("online", options("flux-kontext", model=REPO, cache_dir=str(cache), allow_download=True))
    progress = NullProgress()
    task = EditTask(prompt="a red hat", images=[picture()], seed=5, quality="low")
    pixels = np.asarray(online.run(task, progress).images[0])
    assert any("Downloading tiny-org/tiny-kontext" in m for _, m in progress.messages)
    assert (cache / "models--tiny-org--tiny-kontext" / "snapshots" / COMMIT / "model_index.json").is_file()
    assert np.array_equal(pixels, run(DiffusersEngine("local", options("flux-kontext", model=str(served_model())))))
    # A wrong token is a 503 that says what to do, not a crash.
    monkeypatch.setenv("HF_TOKEN", "hf_wrong")
    other = DiffusersEngine(
        "o2", options("flux-kontext", model=REPO, cache_dir=str(tmp_path / "c2"), allow_download=True)
    )
    with pytest.raises(EngineUnavailable, match="gated"):
        other.run(task, NullProgress())


def test_pull_names_what_it_cannot_do(hub: HubState, tmp_path: Path) -> None:
    unknown = retouch("models", "pull", "not-a-model", hub=hub, cwd=tmp_path)
    assert unknown.returncode == 1 and "neither a family" in unknown.stderr
    absent = retouch("models", "pull", "tiny-org/absent", "--cache-dir", str(tmp_path / "c"), hub=hub, cwd=tmp_path)
    assert absent.returncode == 1 and "not found" in absent.stderr
    one_file = retouch(
        "models", "pull", f"{REPO}/flux1-kontext-tiny.safetensors", "--dir", str(tmp_path / "f"), hub=hub, cwd=tmp_path
    )
    assert one_file.returncode == 0, one_file.stderr
    assert (tmp_path / "f" / "flux1-kontext-tiny.safetensors").read_bytes().startswith(b"a single-file")
