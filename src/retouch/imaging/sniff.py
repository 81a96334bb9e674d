"""What an image file is, read from its first bytes, never from what the sender declared.

Stored files are served back on the API's own origin; a type taken from the sender would let a caller store a page
(HTML, SVG with script) that runs in a victim's browser with the playground's key at hand. Only the raster formats
below are accepted and served, each under its own type.
"""

from __future__ import annotations

# The formats Retouch decodes; the first three are also the ones it writes.
IMAGE_TYPES = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/bmp": "bmp",
    "image/tiff": "tiff",
}
ACCEPTED = "PNG, JPEG, WebP, GIF, BMP or TIFF"
HEAD_BYTES = 16


def sniff_image_type(head: bytes) -> str | None:
    """The MIME type of the image whose file starts with ``head`` (at least 12 bytes), or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:2] == b"BM" and len(head) >= 14:
        return "image/bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    return None


def describe(head: bytes) -> str:
    """A short guess at what a refused file is, for the error message."""
    text = head.lstrip().lower()
    for marker, name in ((b"<svg", "SVG"), (b"<?xml", "XML or SVG"), (b"<!doctype", "HTML"), (b"<html", "HTML")):
        if text.startswith(marker):
            return name
    if text.startswith(b"<"):
        return "markup"
    if text.startswith(b"%pdf"):
        return "PDF"
    return "not an image"


def extension_for(content_type: str) -> str:
    return IMAGE_TYPES.get(content_type, "bin")
