"""Submits N edits with the official fal-client (unchanged) and prints their handles as JSON lines.

Run in a subprocess: fal-client reads FAL_RUN_HOST / FAL_QUEUE_RUN_HOST when imported.
"""

from __future__ import annotations

import base64
import io
import json
import sys

import fal_client
from PIL import Image


def main(count: int) -> None:
    for i in range(count):
        buf = io.BytesIO()
        Image.new("RGB", (16 + i % 7, 12), (200, i % 255, 30)).save(buf, "PNG")
        uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
        handle = fal_client.submit("openai/gpt-image-2/edit", arguments={"prompt": "gray", "image_urls": [uri]})
        print(json.dumps({"i": i, "request_id": handle.request_id}), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
