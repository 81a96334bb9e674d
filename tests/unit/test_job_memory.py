"""A job's memory is bounded by its budget, not by its inputs: sixteen 7680x4320 inputs (a 2 MB request) run in a
child process whose peak resident memory is measured."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from retouch.files.store_local import LocalObjectStore
from retouch.worker.inputs import pixel_shares

CHILD = r"""
import json, sys
from retouch.config import Settings
from retouch.engines.registry import EngineRegistry
from retouch.files.store_local import LocalObjectStore
from retouch.jobs.base import Job
from retouch.engines.base import NullProgress
from retouch.worker.assembly import build_job_runner

args = json.loads(sys.argv[1])
from retouch.worker.memory import resident_mb
settings = Settings(data_dir=args["data"])
files = LocalObjectStore(args["files"])
runner = build_job_runner(settings, files, EngineRegistry(settings.engines, "classic"))
args["baseline_mb"] = resident_mb()
payload = {"prompt": args["prompt"], "image_urls": args["urls"], "seed": 1, "engine": "classic", "sync_mode": True}
job = Job(id="mem", app_id="openai/gpt-image-2/edit", owner=None, payload=payload, created_at=0.0, base_url="")
out = runner.run(job, NullProgress())
# VmHWM: this process image's own peak (ru_maxrss would include the parent's size at fork time).
peak_mb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
del out
from retouch.worker.memory import MemoryKeeper, resident_mb
keeper = MemoryKeeper()
keeper.baseline_mb = args["baseline_mb"]  # what a worker holds when it starts, measured before the job
trimmed = keeper.after_job()
report = {"peak_mb": peak_mb, "after_mb": resident_mb(), "trimmed": trimmed}
print(json.dumps(report))
"""


def _huge(fmt: str) -> bytes:
    yy, xx = np.mgrid[0:4320, 0:7680]
    arr = np.stack([(xx // 30) % 256, (yy // 17) % 256, ((xx + yy) // 50) % 256], axis=-1).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt, **({"quality": 80} if fmt == "JPEG" else {"compress_level": 1}))
    return buf.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_sixteen_huge_inputs_stay_under_the_memory_budget(tmp_path: Path, fmt: str) -> None:
    files = LocalObjectStore(tmp_path / "files")
    stored = files.put(_huge(fmt), file_name="huge.img", content_type=f"image/{fmt.lower()}", owner=None)
    urls = [f"http://127.0.0.1/files/{stored.key}/huge.img"] * 16
    args = {"data": str(tmp_path / "data"), "files": str(tmp_path / "files"), "urls": urls, "prompt": "invert"}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(args)], capture_output=True, text=True, timeout=240, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"peak resident memory with 16 inputs of 7680x4320 ({fmt}): {report['peak_mb']:.0f} MB")
    assert report["peak_mb"] < 1536, report
    # What a worker does after each job: a process that grew this much gives the memory back.
    assert report["trimmed"] and report["after_mb"] < 512, report


def test_pixel_shares_fit_the_budget_and_refuse_what_can_not() -> None:
    budget = 8_294_400 * 8
    shares = pixel_shares(16, budget)
    assert shares[0] == 8_294_400 and sum(shares) <= budget and len(set(shares[1:])) == 1
    assert pixel_shares(2, budget) == [8_294_400, 8_294_400]
    with pytest.raises(Exception, match="budget"):
        pixel_shares(16, 8_294_400 + 1000)
