"""OpenAI Images API ⇄ Retouch requests: form fields to a fal-shaped payload, results to OpenAI's response shape.

Field names follow the official ``openai`` package's own type definitions (``image_edit_params``,
``images_response``, ``image_edit_stream_event``): that package, unchanged, is the acceptance test.
"""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pybase64
from PIL import Image
from pydantic import ValidationError

from ..errors import InputError
from ..schema.fal import EditInput, TextToImageInput
from ..schema.openai import ImageParams

QUALITY = {"low": "low", "medium": "medium", "high": "high", "auto": "high", "standard": "medium", "hd": "high"}
QUALITY |= {"xhigh": "high", "max": "high"}
FORMATS = {"png": "png", "jpeg": "jpeg", "jpg": "jpeg", "webp": "webp"}
# fal field → the OpenAI parameter a caller knows it by
PARAM_NAMES = {"image_urls": "image", "mask_image_url": "mask", "num_images": "n", "image_size": "size"}
_SIZE = re.compile(r"^(\d+)x(\d+)$")


def openai_field(field: str) -> str:
    head, _, rest = field.partition(".")
    return PARAM_NAMES.get(head, head) + (f"[{rest}]" if rest else "")


def map_size(size: str | None) -> Any:
    if size is None or size == "" or size == "auto":
        return "auto"
    match = _SIZE.match(size.strip().lower())
    if match is None:
        raise InputError("size", f"'{size}' is not a size: use 'auto' or WIDTHxHEIGHT such as 1024x1024")
    return {"width": int(match.group(1)), "height": int(match.group(2))}


def map_common(params: ImageParams, *, generate: bool) -> dict[str, Any]:
    """The fields both endpoints share, checked the way OpenAI names them, as a fal-shaped payload."""
    payload: dict[str, Any] = {"prompt": params.prompt}
    quality = (params.quality or "auto").lower()
    if quality not in QUALITY:
        raise InputError("quality", f"'{quality}' is not one of low, medium, high, auto")
    payload["quality"] = QUALITY[quality]
    fmt = (params.output_format or "png").lower()
    if fmt not in FORMATS:
        raise InputError("output_format", f"'{fmt}' is not supported here; use png, jpeg or webp")
    payload["output_format"] = FORMATS[fmt]
    size = map_size(params.size)
    payload["image_size"] = "landscape_4_3" if generate and size == "auto" else size
    payload["num_images"] = params.n
    background = (params.background or "auto").lower()
    if background not in ("auto", "opaque", "transparent"):
        raise InputError("background", f"'{background}' is not one of transparent, opaque, auto")
    if background == "transparent" and payload["output_format"] == "jpeg":
        raise InputError("background", "a transparent background needs output_format png or webp (JPEG has no alpha)")
    if background == "transparent":
        payload["_background"] = "transparent"  # not a fal field: the engine that runs it must honour it
    if params.output_compression is not None:
        payload["_output_compression"] = params.output_compression
    for passthrough in ("seed", "engine", "openai_api_key", "model"):
        value = getattr(params, passthrough)
        if value not in (None, ""):
            payload[passthrough] = value
    return payload


def validate(payload: dict[str, Any], *, generate: bool) -> dict[str, Any]:
    """Runs the same schema as the fal routes, so every rule of the API contract holds here too."""
    model = TextToImageInput if generate else EditInput
    internal = {k: v for k, v in payload.items() if k.startswith("_")}
    try:
        checked = model.model_validate(payload).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        # The most specific error wins: for a custom size that is the edge rule, not "not a preset name".
        worst = max(exc.errors(), key=lambda e: len(e["loc"]))
        fields = set(model.model_fields)
        loc = ".".join(str(p) for p in worst["loc"] if isinstance(p, int) or p in fields)
        raise InputError(loc or "request", str(worst["msg"]).removeprefix("Value error, ")) from exc
    return {**checked, **internal}


def png_mask_from_alpha(mask: Image.Image) -> bytes:
    buf = io.BytesIO()
    mask.save(buf, "PNG")
    return buf.getvalue()


def b64_of(data_uri: str) -> str:
    return data_uri.split(",", 1)[1]


def reencode_b64(data_uri: str, fmt: str) -> str:
    """A preview (JPEG) in the format the caller asked for, as OpenAI's partial events declare it."""
    raw = pybase64.b64decode(b64_of(data_uri))
    if fmt == "jpeg":
        return pybase64.b64encode(raw).decode()
    img = Image.open(io.BytesIO(raw))
    buf = io.BytesIO()
    img.save(buf, "PNG" if fmt == "png" else "WEBP")
    return pybase64.b64encode(buf.getvalue()).decode()


def size_label(image: dict[str, Any]) -> str:
    return f"{image['width']}x{image['height']}"


def usage_of(result: dict[str, Any]) -> dict[str, Any]:
    usage = dict(result.get("usage") or {})
    inp = usage.get("input_tokens_details") or {}
    out = usage.get("output_tokens_details") or {}
    return {
        "input_tokens": int(usage.get("input_tokens", 0)),
        "input_tokens_details": {
            "image_tokens": int(inp.get("image_tokens", 0)),
            "text_tokens": int(inp.get("text_tokens", 0)),
        },
        "output_tokens": int(usage.get("output_tokens", 0)),
        "output_tokens_details": {
            "image_tokens": int(out.get("image_tokens", 0)),
            "text_tokens": int(out.get("text_tokens", 0)),
        },
        "total_tokens": int(usage.get("total_tokens", 0)),
    }


def images_response(
    result: dict[str, Any], payload: dict[str, Any], *, as_url: bool, background: str
) -> dict[str, Any]:
    images = result["images"]
    data = [{"url": img["url"]} if as_url else {"b64_json": b64_of(img["url"])} for img in images]
    return {
        "created": int(time.time()),
        "data": data,
        "background": background,
        "output_format": payload.get("output_format", "png"),
        "quality": payload.get("quality", "high"),
        "size": size_label(images[0]) if images else None,
        "usage": usage_of(result),
        "cost": result.get("cost"),
        "seed": result.get("seed"),
    }
