"""Fetching weights from the Hugging Face Hub (or a mirror) with ``huggingface_hub``.

Used by ``retouch models pull`` and, when an engine sets ``allow_download: true``, by the first load of a configured
model. ``huggingface_hub`` does the transfer: it reads ``HF_TOKEN`` (gated repositories) and ``HF_ENDPOINT`` (a
mirror) from the environment, keeps complete files in its cache so an interrupted pull fetches only what is
missing, and resumes a broken transfer with a range request. Nothing here imports torch.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import EngineUnavailable
from .config import hub_file, looks_like_hub_id

log = logging.getLogger("retouch.engines.diffusers")

# ``retouch models pull <family>``: the reference weights of each family.
FAMILY_REPOS = {
    "flux-kontext": "black-forest-labs/FLUX.1-Kontext-dev",
    "flux-fill": "black-forest-labs/FLUX.1-Fill-dev",
    "qwen-image-edit": "Qwen/Qwen-Image-Edit-2509",
    "instruct-pix2pix": "timbrooks/instruct-pix2pix",
    "sd-inpaint": "stable-diffusion-v1-5/stable-diffusion-inpainting",
}
# A diffusers pipeline is model_index.json plus its component folders; single-file checkpoints at the top of a
# repository (FLUX repositories carry a 24 GB one) and weights in other frameworks are left behind.
PIPELINE_FILES = ["model_index.json", "*/*"]
SKIPPED_FILES = ["*.bin", "*.msgpack", "*.onnx", "*.onnx_data", "*.h5", "*.ckpt", "*.pt"]


class PullError(EngineUnavailable):
    """The Hub (or mirror) refused or failed; the message says what to do."""


@dataclass(frozen=True)
class Target:
    repo_id: str
    filename: str | None = None  # one file of the repository (a GGUF transformer, say), else a whole pipeline


def resolve_target(name: str) -> Target:
    """A family preset, a hub id ``org/name``, or one file ``org/name/path/in/repo``."""
    if name in FAMILY_REPOS:
        return Target(FAMILY_REPOS[name])
    if looks_like_hub_id(name):
        return Target(name)
    remote = hub_file(name)
    if remote is not None:
        return Target(*remote)
    presets = ", ".join(sorted(FAMILY_REPOS))
    raise PullError(f"{name!r} is neither a family ({presets}), a Hub id (org/name) nor a file (org/name/file)")


def endpoint() -> str:
    """The Hub or mirror downloads go to: ``HF_ENDPOINT`` as it is now (huggingface_hub reads it once, at import)."""
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or str(constants.ENDPOINT)).rstrip("/")


class _Quiet:
    """A progress-bar class that shows nothing (downloads made by the server log instead)."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        from tqdm.auto import tqdm

        kwargs["disable"] = True
        return tqdm(*args, **kwargs)


def pull(
    target: Target,
    *,
    revision: str | None = None,
    local_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    include: list[str] | None = None,
    progress: bool = True,
) -> Path:
    """Downloads a pipeline (or one file) and returns where it is. Files already complete are not fetched again."""
    import huggingface_hub
    from huggingface_hub import errors

    started = time.perf_counter()
    where = str(local_dir) if local_dir else None
    common: dict[str, Any] = {
        "revision": revision,
        "cache_dir": str(cache_dir) if cache_dir else None,
        "endpoint": endpoint(),
    }
    if os.environ.get("HF_TOKEN"):
        common["token"] = os.environ["HF_TOKEN"]  # else huggingface_hub's own lookup (`hf auth login`)
    if not progress:
        common["tqdm_class"] = _Quiet
    try:
        if target.filename is not None:
            found = huggingface_hub.hf_hub_download(target.repo_id, target.filename, local_dir=where, **common)
        else:
            found = huggingface_hub.snapshot_download(
                target.repo_id,
                local_dir=where,
                allow_patterns=include or PIPELINE_FILES,
                ignore_patterns=None if include else SKIPPED_FILES,
                **common,
            )
    except errors.GatedRepoError as exc:
        raise PullError(
            f"{target.repo_id} is gated: accept its licence on the Hub with your account, then set HF_TOKEN "
            f"(or run `hf auth login`) and pull again ({_status(exc)})"
        ) from exc
    except errors.RepositoryNotFoundError as exc:
        raise PullError(
            f"{target.repo_id} was not found at {endpoint()} (a private repository needs HF_TOKEN; {_status(exc)})"
        ) from exc
    except errors.RevisionNotFoundError as exc:
        raise PullError(f"{target.repo_id} has no revision {revision!r}") from exc
    except errors.EntryNotFoundError as exc:
        raise PullError(f"{target.repo_id} has no file {target.filename!r}") from exc
    except (errors.HfHubHTTPError, errors.LocalEntryNotFoundError, OSError) as exc:
        raise PullError(f"could not download {target.repo_id} from {endpoint()}: {exc}") from exc
    path = Path(found)
    if target.filename is None and not include and not (path / "model_index.json").is_file():
        raise PullError(
            f"{target.repo_id} is not a diffusers pipeline (no model_index.json); pull one file of it as "
            f"{target.repo_id}/<file>, or choose files with --include"
        )
    log.info(
        "model downloaded",
        extra={
            "repo": target.repo_id,
            "file": target.filename,
            "path": str(path),
            "bytes": disk_bytes(path),
            "seconds": round(time.perf_counter() - started, 2),
        },
    )
    return path


def _status(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    return f"HTTP {getattr(response, 'status_code', '?')}"


def disk_bytes(path: Path) -> int:
    """Bytes of a file or folder on disk, through the cache's symlinks, without counting a blob twice."""
    if path.is_file():
        return path.stat().st_size
    seen: set[tuple[int, int]] = set()
    total = 0
    for root, _dirs, files in os.walk(path):
        if ".cache" in Path(root).parts:
            continue
        for name in files:
            try:
                stat = (Path(root) / name).stat()
            except OSError:
                continue
            key = (stat.st_dev, stat.st_ino)
            if key not in seen:
                seen.add(key)
                total += stat.st_size
    return total
