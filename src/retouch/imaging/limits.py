"""Size limits of the images Retouch makes, shared by the API's schema, the worker and the engines.

They live here, with the imaging code, because they bound pixels: the API layer only publishes them.
"""

from __future__ import annotations

MAX_EDGE = 3840
MIN_EDGE = 16
MAX_OUTPUT_PIXELS = 8_294_400  # 3840x2160
MAX_ASPECT = 3.0

SIZE_PRESETS: dict[str, tuple[int, int]] = {
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}
