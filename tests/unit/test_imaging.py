"""Imaging: decoding real-world files, the outbound address guard, fetch limits, masks and sizes."""

from __future__ import annotations

import base64
import io

import httpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from retouch.errors import InputError
from retouch.imaging.decode import decode_image
from retouch.imaging.encode import encode_image
from retouch.imaging.mask import composite_exact, mask_from_image, mask_from_openai_alpha
from retouch.imaging.sizes import resolve_output_size
from retouch.net.addresses import AddressPolicy, check_url
from retouch.net.data_uri import parse_data_uri
from retouch.net.fetch import ImageFetcher

from ..support.images import encode_png

STRICT = AddressPolicy()


def test_exif_orientation_is_applied() -> None:
    img = Image.new("RGB", (40, 20), (255, 0, 0))
    img.paste((0, 0, 255), (0, 0, 10, 20))  # blue strip on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: display = rotate 90° clockwise
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif, quality=95)
    out = decode_image(buf.getvalue(), field="image_urls.0")
    assert out.size == (20, 40)
    top = np.asarray(out)[:5].reshape(-1, 3).mean(axis=0)
    assert top[2] > 200 and top[0] < 60  # the blue strip is now on top


@pytest.mark.parametrize("mode", ["P", "L", "LA", "I;16", "CMYK", "1"])
def test_unusual_modes_decode_to_rgb_or_rgba(mode: str) -> None:
    img = Image.new("RGB", (8, 8), (10, 200, 30)).convert(mode)
    buf = io.BytesIO()
    img.save(buf, "TIFF" if mode in ("CMYK", "I;16") else "PNG")
    out = decode_image(buf.getvalue(), field="f")
    assert out.mode in ("RGB", "RGBA") and out.size == (8, 8)


def test_decompression_bomb_and_garbage_are_422_naming_the_field() -> None:
    big = encode_png(Image.new("L", (4000, 4000)))
    with pytest.raises(InputError) as exc:
        decode_image(big, field="image_urls.2", max_pixels=1_000_000)
    assert exc.value.field == "image_urls.2" and "limit" in exc.value.message
    with pytest.raises(InputError, match="not a recognised image"):
        decode_image(b"hello world", field="f")
    with pytest.raises(InputError):
        decode_image(encode_png(Image.new("RGB", (64, 64)))[:60], field="f")


def test_data_uris() -> None:
    raw = encode_png(Image.new("RGB", (2, 2)))
    data, mime = parse_data_uri("data:image/png;base64," + base64.b64encode(raw).decode(), field="f")
    assert data == raw and mime == "image/png"
    url_safe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert parse_data_uri("data:image/png;base64," + url_safe, field="f")[0] == raw
    for bad in ("data:image/png,abc", "data:image/png;base64,@@@", "data:;base64,"):
        with pytest.raises(InputError):
            parse_data_uri(bad, field="f")


@pytest.mark.parametrize(
    ("address", "kind"),
    [("10.0.0.1", "private"), ("192.168.1.1", "private"), ("169.254.169.254", "link-local"), ("127.0.0.1", "loopback")],
)
def test_guard_refuses_before_any_socket_opens(address: str, kind: str) -> None:
    looked_up: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return [address]

    with pytest.raises(InputError) as exc:
        check_url("http://images.example.test/cat.png", field="image_urls.0", policy=STRICT, resolver=resolver)
    assert kind in exc.value.message and looked_up == ["images.example.test"]


def test_guard_policy_switches_and_literal_addresses() -> None:
    with pytest.raises(InputError):
        check_url("http://[::1]:8000/x", field="f", policy=STRICT)
    with pytest.raises(InputError):
        check_url("http://[::ffff:10.0.0.1]/x", field="f", policy=STRICT)
    assert check_url("http://127.0.0.1:9/x", field="f", policy=AddressPolicy(allow_loopback=True)) == ["127.0.0.1"]
    public = check_url("https://pics.example.test/x", field="f", policy=STRICT, resolver=lambda h, p: ["93.184.216.34"])
    assert public == ["93.184.216.34"]
    with pytest.raises(InputError, match="http"):
        check_url("file:///etc/passwd", field="f", policy=STRICT)


def _fetcher(handler: httpx.MockTransport, **kw: object) -> ImageFetcher:
    return ImageFetcher(
        policy=STRICT,
        transport=handler,
        resolver=lambda host, port: ["10.9.9.9"] if host.startswith("internal") else ["93.184.216.34"],
        **kw,  # type: ignore[arg-type]
    )


def test_fetch_rechecks_every_redirect_hop_and_limits_size() -> None:
    png = encode_png(Image.new("RGB", (4, 4)))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/hop":
            return httpx.Response(302, headers={"Location": "http://internal.test/secret"})
        if request.url.path == "/loop":
            return httpx.Response(302, headers={"Location": "/loop"})
        if request.url.path == "/big":
            return httpx.Response(200, content=b"x" * 5000)
        if request.url.path == "/missing":
            return httpx.Response(404)
        return httpx.Response(200, content=png)

    fetcher = _fetcher(httpx.MockTransport(handler), max_bytes=1000)
    assert fetcher.fetch("https://cdn.example.test/ok.png", field="f") == png
    with pytest.raises(InputError, match="private"):
        fetcher.fetch("https://cdn.example.test/hop", field="f")
    with pytest.raises(InputError, match="redirects"):
        fetcher.fetch("https://cdn.example.test/loop", field="f")
    with pytest.raises(InputError, match="limit"):
        fetcher.fetch("https://cdn.example.test/big", field="f")
    with pytest.raises(InputError, match="404"):
        fetcher.fetch("https://cdn.example.test/missing", field="f")


def test_masks_fal_and_openai_semantics() -> None:
    white_left = Image.new("L", (4, 2), 0)
    white_left.paste(255, (0, 0, 2, 2))
    assert np.asarray(mask_from_image(white_left.convert("RGB"), expected_size=(4, 2), field="m"))[0].tolist() == [
        255,
        255,
        0,
        0,
    ]
    with pytest.raises(InputError, match="must match"):
        mask_from_image(white_left, expected_size=(5, 2), field="mask_image_url")
    rgba = Image.new("RGBA", (4, 2), (0, 0, 0, 255))
    rgba.putpixel((3, 1), (0, 0, 0, 0))
    openai = np.asarray(mask_from_openai_alpha(rgba, expected_size=(4, 2), field="mask"))
    assert openai[1, 3] == 255 and openai.sum() == 255
    with pytest.raises(InputError, match="alpha"):
        mask_from_openai_alpha(Image.new("RGB", (4, 2)), expected_size=(4, 2), field="mask")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), feather=st.integers(0, 6))
def test_composite_keeps_every_black_pixel_byte_identical(seed: int, feather: int) -> None:
    rng = np.random.default_rng(seed)
    original = Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8))
    edited = Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8))
    mask_arr = (rng.random((24, 32)) > 0.6).astype(np.uint8) * 255
    out = composite_exact(original, edited, Image.fromarray(mask_arr), feather=feather)
    decoded = np.asarray(Image.open(io.BytesIO(encode_image(out, "png"))))
    keep = mask_arr == 0
    assert np.array_equal(decoded[keep], np.asarray(original)[keep])
    if feather == 0:
        assert np.array_equal(decoded[~keep], np.asarray(edited)[~keep])


def test_sizes() -> None:
    assert resolve_output_size("auto", (4032, 3024)) == (3325, 2494)  # scaled to the 8.29 MP limit
    assert resolve_output_size("auto", (640, 480)) == (640, 480)
    assert resolve_output_size("auto", None, default="landscape_4_3") == (1024, 768)
    assert resolve_output_size({"width": 512, "height": 256}, (10, 10)) == (512, 256)
    assert resolve_output_size("portrait_16_9", None) == (576, 1024)
