"""The vendored face networks (MediaPipe 0.10.21, Apache-2.0, see ``models/README.md``), each loaded once per
process and run through LiteRT on one CPU thread.

One interpreter per network is shared by the worker threads behind a lock: the networks take milliseconds, so a
copy per thread would cost more memory than the waiting it saves.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import EngineRefusal

MODELS = Path(__file__).parent / "models"
FILES = {
    "short_range": "face_detection_short_range.tflite",
    "full_range": "face_detection_full_range_sparse.tflite",
    "landmarks": "face_landmark.tflite",
    "iris": "iris_landmark.tflite",
}


class _Network:
    def __init__(self, path: Path) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=str(path), num_threads=1)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.outputs = self.interpreter.get_output_details()
        self.lock = threading.Lock()

    @property
    def side(self) -> int:
        return int(self.input["shape"][1])

    def __call__(self, tensor: np.ndarray) -> list[np.ndarray]:
        batch = np.ascontiguousarray(tensor, dtype=np.float32)[None]
        with self.lock:
            self.interpreter.set_tensor(self.input["index"], batch)
            self.interpreter.invoke()
            return [self.interpreter.get_tensor(d["index"])[0].copy() for d in self.outputs]


@functools.cache
def _load(name: str) -> _Network | None:
    try:
        return _Network(MODELS / FILES[name])
    except ImportError:
        return None


def network(name: str) -> Any:
    """The loaded network, or a refusal naming what is missing (LiteRT is a core dependency)."""
    net = _load(name)
    if net is None:
        raise EngineRefusal(
            "finding faces needs the LiteRT runtime (the 'ai-edge-litert' package), which is not installed here",
            capable_engines=["diffusers", "openai"],
        )
    return net
