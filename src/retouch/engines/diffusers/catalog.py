"""What ``retouch models list`` shows: each configured diffusers pipeline, where its weights are, their size, and
whether they are complete (and, asked to, whether they load).

The check without loading reads only the file system: model_index.json and a folder for each component it names,
the transformer file, and the Hugging Face cache layout for hub ids. Loading (``--load``) builds the engine and
its pipelines exactly as the server would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import RetouchError
from .config import (
    ModelOptions,
    cached_hub_file,
    cached_snapshot,
    hub_file,
    looks_like_hub_id,
    parse_options,
    weights_location,
)
from .hub import disk_bytes


@dataclass
class Row:
    engine: str
    role: str  # "main" or "fill"
    family: str
    model: str
    location: str
    size_bytes: int
    status: str


def pipeline_folder(opts: ModelOptions) -> Path | None:
    """The folder holding model_index.json: the configured directory, or the revision's cached snapshot."""
    if not looks_like_hub_id(opts.model):
        return weights_location(opts)
    return cached_snapshot(opts.model, opts.revision, opts.cache_dir)


def missing_parts(folder: Path) -> list[str]:
    """Components model_index.json names whose folder is absent or empty."""
    index = json.loads((folder / "model_index.json").read_text())
    missing = []
    for name, entry in index.items():
        if name.startswith("_") or not isinstance(entry, list) or entry[0] is None:
            continue
        part = folder / name
        if not part.is_dir() or not any(part.iterdir()):
            missing.append(name)
    return missing


def status_of(opts: ModelOptions) -> tuple[str, int, str]:
    """(location, bytes on disk, status) of one pipeline's weights."""
    folder = pipeline_folder(opts)
    location = str(folder or weights_location(opts))
    if folder is None or not (folder / "model_index.json").is_file():
        later = (
            " (fetched on first use: allow_download)" if opts.allow_download and looks_like_hub_id(opts.model) else ""
        )
        return location, 0, "missing" + later
    size = disk_bytes(folder)
    missing = missing_parts(folder)
    if missing:
        return location, size, f"incomplete: no {', '.join(missing)}"
    if opts.transformer_file:
        remote = hub_file(opts.transformer_file)
        file = cached_hub_file(*remote, opts.cache_dir) if remote else Path(opts.transformer_file)
        if file is None or not file.is_file():
            return location, size, f"missing transformer_file {opts.transformer_file}"
        size += file.stat().st_size
    return location, size, "present"


def rows(engines: Mapping[str, Any], load: bool = False) -> Iterator[Row]:
    """One row per configured diffusers pipeline; ``engines`` is the settings' name → EngineConfig mapping."""
    for name, cfg in sorted(engines.items()):
        if cfg.kind != "diffusers":
            continue
        try:
            options = parse_options(name, cfg.options)
        except RetouchError as exc:
            yield Row(name, "main", str(cfg.options.get("family")), str(cfg.options.get("model")), "", 0, exc.message)
            continue
        loaded = _load(name, cfg.options) if load else {}
        for role, opts in (("main", options.main), ("fill", options.fill)):
            if opts is None:
                continue
            location, size, status = status_of(opts)
            if load:
                status = loaded.get(role, status)
            yield Row(name, role, opts.family, opts.model, location, size, status)


def _load(name: str, options: Mapping[str, Any]) -> dict[str, str]:
    """Builds the engine and loads each of its pipelines as the server would: role → 'loads' or why not."""
    from . import DiffusersEngine

    try:
        engine = DiffusersEngine(name, options)
    except RetouchError as exc:
        return {"main": f"does not load: {exc.message}", "fill": f"does not load: {exc.message}"}
    outcome: dict[str, str] = {}
    for role, holder in (("main", engine.main), ("fill", engine.fill)):
        if holder is None:
            continue
        try:
            holder.get()
            outcome[role] = "loads"
        except RetouchError as exc:
            outcome[role] = f"does not load: {exc.message}"
    return outcome


def human_bytes(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
