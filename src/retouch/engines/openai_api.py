"""The ``openai`` engine: forwards an edit to OpenAI's images API with the caller's key (or the server's).

It speaks the wire protocol with httpx directly (multipart for edits, JSON for generations, SSE when streaming),
so the server needs no OpenAI SDK. The key only ever lives in a request header: it is never logged, stored or put
in an error message (upstream messages that quote it are scrubbed).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from PIL import Image

from ..errors import EngineUnavailable, InputError, UpstreamError
from .base import EditTask, EngineResult, Progress, TaskInfo

log = logging.getLogger("retouch.engines.openai")

DEFAULT_MODEL = "gpt-image-2"
# Each app this server serves runs, by default, on the model its name and price table are for.
APP_MODELS = {
    "openai/gpt-image-2/edit": "gpt-image-2",
    "openai/gpt-image-2": "gpt-image-2",
    "fal-ai/gpt-image-2": "gpt-image-2",
}
DEFAULT_BASE_URL = "https://api.openai.com"
MAX_IMAGES_OUT = 10
MAX_IMAGES_IN = 16
OUTPUT_FORMATS = ("png", "jpeg", "webp")
_STANDARD_SIZES = ((1024, 1024), (1536, 1024), (1024, 1536))
_MAX_BACKOFF_SECONDS = 8.0
# Upstream field names → the fal request field a client should fix.
_PARAM_FIELDS = {"image": "image_urls", "mask": "mask_image_url", "size": "image_size", "n": "num_images"}
_KEY_LIKE = re.compile(r"sk-[A-Za-z0-9_\-*.]{3,}")


@dataclass(frozen=True)
class _Call:
    """One upstream request, prepared once so a retry sends exactly the same thing."""

    path: str
    model: str
    data: dict[str, str]
    files: list[tuple[str, tuple[str, bytes, str]]] | None
    stream: bool
    event_prefix: str


def _png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def alpha_mask(mask: Image.Image) -> Image.Image:
    """fal's mask (white = may change) as OpenAI wants it: an RGBA PNG whose transparent pixels are the edit."""
    grey = mask.convert("L")
    alpha = grey.point(lambda v: 0 if v >= 128 else 255)
    out = Image.new("RGBA", grey.size, (0, 0, 0, 255))
    out.putalpha(alpha)
    return out


def openai_size(size: tuple[int, int] | None, model: str) -> str:
    """The ``size`` field: ``auto`` when the caller left it open, else the closest size the model accepts.

    gpt-image-1 models take three fixed sizes; later ones take any multiple of 16 with an aspect ratio within 3:1
    and at most 3840x2160. The worker resizes the result to the exact requested size afterwards.
    """
    if size is None:
        return "auto"
    width, height = size
    if model.startswith("gpt-image-1") or model.startswith("dall-e"):
        aspect = width / height
        best = min(_STANDARD_SIZES, key=lambda s: abs(s[0] / s[1] - aspect))
        return f"{best[0]}x{best[1]}"
    aspect = min(max(width / height, 1 / 3), 3.0)
    area = min(width * height, 3840 * 2160)
    w = min(3840, (area * aspect) ** 0.5)
    h = min(3840, w / aspect)
    w, h = max(16, int(w // 16) * 16), max(16, int(h // 16) * 16)
    return f"{w}x{h}"


def scrub(text: str, key: str | None) -> str:
    """Removes the key (and anything that looks like an OpenAI key) from a message before it goes anywhere."""
    if key:
        text = text.replace(key, "[redacted]")
    return _KEY_LIKE.sub("[redacted]", text)


class OpenAIEngine:
    """Runs edits and generations on OpenAI's image models. Options: model, app_models, allowed_models, base_url,
    api_key, timeout, max_retries, stream, partial_images, backoff.

    The model of a request: the one it names (OpenAI's own ``model`` field), if the operator allows it; else the
    operator's ``app_models`` entry for the app it came to; else the engine's ``model``; else the app's own model
    (``gpt-image-2`` for the gpt-image-2 apps).
    """

    request_fields = ("model", "background")

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        self.name = name
        self.configured_model = str(options["model"]) if options.get("model") else None
        self.model = self.configured_model or DEFAULT_MODEL
        self.app_models = {str(k): str(v) for k, v in dict(options.get("app_models") or {}).items()}
        allowed = options.get("allowed_models")
        if allowed is None:
            allowed = {*APP_MODELS.values(), *self.app_models.values(), self.model}
        elif isinstance(allowed, str):
            allowed = [part.strip() for part in allowed.split(",") if part.strip()]
        self.allowed_models = sorted(str(m) for m in allowed)
        base = str(options.get("base_url") or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.base_url = base if base.endswith("/v1") else base + "/v1"
        self._server_key = options.get("api_key") or None
        self.timeout = float(options.get("timeout", 300.0))
        self.max_retries = max(0, int(options.get("max_retries", 3)))
        self.backoff = float(options.get("backoff", 0.5))
        self.stream = bool(options.get("stream", True))
        self.partial_images = min(3, max(0, int(options.get("partial_images", 2))))

    # -- the engine interface -------------------------------------------------------------------------------

    def preflight(self, info: TaskInfo) -> None:
        self.model_for(info.options)
        self._key(info.options)
        if info.num_images > MAX_IMAGES_OUT:
            raise InputError("num_images", f"OpenAI returns at most {MAX_IMAGES_OUT} images per request")
        if info.num_inputs > MAX_IMAGES_IN:
            raise InputError("image_urls", f"OpenAI accepts at most {MAX_IMAGES_IN} input images")

    def run(self, task: EditTask, progress: Progress) -> EngineResult:
        self.preflight(task.info())
        key, from_request = self._key(task.options)
        call = self._prepare(task, self.model_for(task.options))
        progress.log(
            f"Sending {'generation' if task.mode == 'generate' else 'edit'} to OpenAI "
            f"(model {call.model}, n={task.num_images}, size {call.data.get('size')}, quality {task.quality})"
        )
        started = time.perf_counter()
        with httpx.Client(timeout=self.timeout) as client:
            images, usage = self._send(client, call, key, from_request, progress)
        progress.log(f"OpenAI returned {len(images)} image(s) in {time.perf_counter() - started:.1f}s")
        return EngineResult(images=images, usage=usage, info={"model": call.model, "mask_honoured": False})

    # -- request building -----------------------------------------------------------------------------------

    def model_for(self, options: Mapping[str, Any]) -> str:
        """The upstream model of one request (see the class docstring); a model the operator did not allow is 422."""
        requested = options.get("model")
        if requested:
            if str(requested) not in self.allowed_models:
                raise InputError(
                    "model",
                    f"model {requested!r} is not offered on this server; allowed: {', '.join(self.allowed_models)}",
                )
            return str(requested)
        app = str(options.get("app_id") or "")
        return self.app_models.get(app) or self.configured_model or APP_MODELS.get(app, DEFAULT_MODEL)

    def has_server_key(self) -> bool:
        """Whether requests that bring no key of their own can run here."""
        return bool(self._server_key or os.environ.get("OPENAI_API_KEY"))

    def _key(self, options: Mapping[str, Any]) -> tuple[str, bool]:
        """The key to use and whether it came from the request (then a rejected key is the caller's problem)."""
        request_key = options.get("openai_api_key")
        if request_key:
            return str(request_key), True
        server_key = self._server_key or os.environ.get("OPENAI_API_KEY")
        if server_key:
            return str(server_key), False
        raise EngineUnavailable(
            f"engine '{self.name}' needs an OpenAI API key: send openai_api_key with the request, or set "
            f"engines.{self.name}.options.api_key (or OPENAI_API_KEY) on the server"
        )

    def _prepare(self, task: EditTask, model: str) -> _Call:
        fmt = task.output_format if task.output_format in OUTPUT_FORMATS else "png"
        stream = self.stream and task.num_images == 1
        data: dict[str, str] = {
            "model": model,
            "prompt": task.prompt,
            "n": str(task.num_images),
            "size": openai_size(task.size, model),
            "quality": task.quality,
            "output_format": fmt,
        }
        if task.options.get("background") == "transparent":
            data["background"] = "transparent"
        if stream:
            data["stream"] = "true"
            data["partial_images"] = str(self.partial_images)
        if task.mode == "generate" or not task.images:
            return _Call("/images/generations", model, data, None, stream, "image_generation")
        field = "image" if len(task.images) == 1 else "image[]"
        files = [(field, (f"image-{i}.png", _png_bytes(img), "image/png")) for i, img in enumerate(task.images)]
        if task.mask is not None:
            mask = task.mask
            if mask.size != task.images[0].size:
                mask = mask.resize(task.images[0].size, Image.Resampling.NEAREST)
            files.append(("mask", ("mask.png", _png_bytes(alpha_mask(mask)), "image/png")))
        return _Call("/images/edits", model, data, files, stream, "image_edit")

    # -- sending, retrying, reading -------------------------------------------------------------------------

    def _send(
        self, client: httpx.Client, call: _Call, key: str, from_request: bool, progress: Progress
    ) -> tuple[list[Image.Image], dict[str, Any] | None]:
        url = self.base_url + call.path
        accept = "text/event-stream" if call.stream else "application/json"
        headers = {"Authorization": f"Bearer {key}", "Accept": accept}
        attempt = 0
        while True:
            progress.check_cancelled()
            try:
                request = self._request(client, call, url, headers)
                response = client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                if attempt < self.max_retries:
                    attempt = self._wait(attempt, None, progress, "timed out")
                    continue
                raise UpstreamError(f"OpenAI did not answer within {self.timeout:.0f}s") from exc
            except httpx.TransportError as exc:
                if attempt < self.max_retries:
                    attempt = self._wait(attempt, None, progress, "connection failed")
                    continue
                raise UpstreamError(f"cannot reach OpenAI at {self.base_url}: {type(exc).__name__}") from exc
            try:
                if response.status_code == 429 or response.status_code >= 500:
                    if attempt < self.max_retries:
                        response.read()
                        attempt = self._wait(attempt, response, progress, f"HTTP {response.status_code}")
                        continue
                if response.status_code >= 400:
                    response.read()
                    raise self._error(response, key, from_request, call.model)
                if call.stream and response.headers.get("content-type", "").startswith("text/event-stream"):
                    return self._read_stream(response, call.event_prefix, progress, key)
                response.read()
                return self._read_json(response)
            finally:
                response.close()

    @staticmethod
    def _request(client: httpx.Client, call: _Call, url: str, headers: dict[str, str]) -> httpx.Request:
        if call.files is not None:
            return client.build_request("POST", url, data=call.data, files=call.files, headers=headers)
        body: dict[str, Any] = dict(call.data)
        body["n"] = int(body["n"])
        if call.stream:
            body["stream"] = True
            body["partial_images"] = int(body["partial_images"])
        return client.build_request("POST", url, json=body, headers=headers)

    def _wait(self, attempt: int, response: httpx.Response | None, progress: Progress, why: str) -> int:
        """Sleeps before a retry (honouring Retry-After, bounded), staying responsive to cancellation."""
        delay = min(_MAX_BACKOFF_SECONDS, self.backoff * (2**attempt))
        if response is not None:
            try:
                delay = min(_MAX_BACKOFF_SECONDS, max(delay, float(response.headers.get("retry-after", 0))))
            except ValueError:
                pass
        progress.log(f"OpenAI {why}; retry {attempt + 1}/{self.max_retries} in {delay:.1f}s", "WARNING")
        log.warning("openai retry", extra={"engine": self.name, "reason": why, "attempt": attempt + 1})
        deadline = time.monotonic() + delay
        while (left := deadline - time.monotonic()) > 0:
            progress.check_cancelled()
            time.sleep(min(0.05, left))
        return attempt + 1

    def _read_json(self, response: httpx.Response) -> tuple[list[Image.Image], dict[str, Any] | None]:
        try:
            payload = response.json()
            images = [_decode(item["b64_json"]) for item in payload.get("data") or []]
        except (ValueError, KeyError, TypeError) as exc:
            raise UpstreamError("OpenAI answered with a response that is not an images result") from exc
        if not images:
            raise UpstreamError("OpenAI answered without any image")
        return images, payload.get("usage")

    def _read_stream(
        self, response: httpx.Response, prefix: str, progress: Progress, key: str
    ) -> tuple[list[Image.Image], dict[str, Any] | None]:
        images: list[Image.Image] = []
        usage: dict[str, Any] | None = None
        total = self.partial_images + 1
        try:
            for event in _sse_events(response.iter_lines()):
                kind = event.get("type", "")
                if kind == f"{prefix}.partial_image":
                    done = int(event.get("partial_image_index", 0)) + 1
                    progress.partial(_decode(event["b64_json"]))
                    progress.log(f"partial image {done}/{self.partial_images}")
                    progress.step(done, total)
                elif kind == f"{prefix}.completed":
                    images.append(_decode(event["b64_json"]))
                    usage = event.get("usage") or usage
                elif kind == "error" or "error" in event:
                    err = event.get("error") or {}
                    message = scrub(str(err.get("message", "unknown error")), key)
                    raise UpstreamError(f"OpenAI failed while streaming: {message}")
        except (KeyError, TypeError, ValueError) as exc:
            raise UpstreamError("OpenAI sent a malformed stream event") from exc
        except httpx.TransportError as exc:
            raise UpstreamError(f"the stream from OpenAI broke off: {type(exc).__name__}") from exc
        if not images:
            raise UpstreamError("OpenAI's stream ended without a completed image")
        progress.step(total, total)
        return images, usage

    def _error(self, response: httpx.Response, key: str, from_request: bool, model: str) -> Exception:
        """OpenAI's error answer as one of ours, with its message (scrubbed of the key) kept for the caller."""
        status = response.status_code
        try:
            err = response.json().get("error") or {}
        except ValueError:
            err = {}
        message = scrub(str(err.get("message") or response.text[:300] or f"HTTP {status}"), key)
        code = str(err.get("code") or "")
        if status in (401, 403):
            if from_request:
                return InputError("openai_api_key", f"OpenAI rejected the API key sent with the request: {message}")
            return EngineUnavailable(f"OpenAI rejected the server's API key for engine '{self.name}': {message}")
        if status == 404:
            return EngineUnavailable(f"OpenAI model '{model}' is not available: {message}")
        if status == 429:
            if code == "insufficient_quota" and from_request:
                return InputError("openai_api_key", f"the OpenAI account has no quota left: {message}")
            return UpstreamError(f"OpenAI is rate limiting requests (after {self.max_retries} retries): {message}")
        if status in (400, 413, 415, 422):
            param = str(err.get("param") or "").split(".")[0].split("[")[0]
            field = _PARAM_FIELDS.get(param, "prompt")
            return InputError(field, f"OpenAI refused the request: {message}")
        return UpstreamError(f"OpenAI failed with HTTP {status}: {message}")


def _decode(b64: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(b64)))
    image.load()
    return image


def _sse_events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Parses a server-sent-events body into its JSON ``data`` payloads (multi-line data joined)."""
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                text = "\n".join(data)
                data = []
                if text.strip() == "[DONE]":
                    return
                yield json.loads(text)
            continue
        if line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
    if data and "\n".join(data).strip() != "[DONE]":
        yield json.loads("\n".join(data))


__all__ = ["OpenAIEngine", "alpha_mask", "openai_size", "scrub"]
