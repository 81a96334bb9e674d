"""Small images for requests: PNG bytes and data: URIs."""

from __future__ import annotations

import base64
import io

from PIL import Image


def encode_png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def solid_png(size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    return encode_png(Image.new("RGB", size, color))


def png_bytes(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A coloured picture with a green diagonal, so an edit that moves or recolours pixels shows."""
    img = Image.new("RGB", size, color)
    for x in range(size[0]):
        img.putpixel((x, x % size[1]), (10, 200, 30))
    return encode_png(img)


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def png_uri(image: Image.Image) -> str:
    return data_uri(encode_png(image))
