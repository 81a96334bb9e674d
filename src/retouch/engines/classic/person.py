"""People as foreground: MediaPipe's selfie segmentation network (Apache-2.0, vendored in ``models/`` with its
licence, 250 KB), run on the CPU through LiteRT with nothing downloaded at run time.

OpenCV 5's headless build has no face detector, so the network's own answer decides whether there is a person: its
mask is used only when it is confident (few undecided pixels), of a plausible size and standing on the bottom
edge, as people in photos do; anything else goes to the GrabCut path in ``foreground.py``.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np

MODEL = Path(__file__).parent / "models" / "selfie_segmentation.tflite"
_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _interpreter() -> Any:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        return None
    interpreter = Interpreter(model_path=str(MODEL), num_threads=1)
    interpreter.allocate_tensors()
    return interpreter


def looks_like_a_person(prob: np.ndarray) -> bool:
    person = prob > 0.5
    share = float(person.mean())
    undecided = float(((prob > 0.2) & (prob < 0.8)).mean())
    on_bottom = float(person[-max(1, person.shape[0] // 20) :].mean())
    return 0.05 <= share <= 0.85 and undecided < 0.06 and on_bottom > 0.15


def person_alpha(rgb: np.ndarray) -> np.ndarray | None:
    """Soft person alpha (float32 0..1) when the network finds a person with confidence, else None."""
    interpreter = _interpreter()
    if interpreter is None:
        return None
    h, w = rgb.shape[:2]
    size = tuple(interpreter.get_input_details()[0]["shape"][1:3])
    net_in = cv2.resize(rgb, (size[1], size[0]), interpolation=cv2.INTER_AREA).astype(np.float32)[None]
    with _lock:  # one interpreter, shared by the worker threads
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], net_in)
        interpreter.invoke()
        out = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0, ..., 0].copy()
    if not looks_like_a_person(out):
        return None
    alpha = cv2.resize(out.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip((alpha - 0.5) * 3 + 0.5, 0, 1).astype(np.float32)
