"""Request and response models of the fal apps ``openai/gpt-image-2/edit`` and ``openai/gpt-image-2``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..imaging.limits import MAX_ASPECT, MAX_EDGE, MAX_OUTPUT_PIXELS, MIN_EDGE

MAX_PIXELS = MAX_OUTPUT_PIXELS

SizePreset = Literal["auto", "square_hd", "square", "portrait_4_3", "portrait_16_9", "landscape_4_3", "landscape_16_9"]
Quality = Literal["low", "medium", "high"]
OutputFormat = Literal["jpeg", "png", "webp"]


class ImageSize(BaseModel):
    model_config = ConfigDict(extra="forbid")

    width: int = Field(description="Multiple of 16, 16..3840")
    height: int = Field(description="Multiple of 16, 16..3840")

    @field_validator("width", "height")
    @classmethod
    def _edge(cls, value: int) -> int:
        if value < MIN_EDGE or value > MAX_EDGE:
            raise ValueError(f"must be between {MIN_EDGE} and {MAX_EDGE} pixels")
        if value % 16:
            raise ValueError("must be a multiple of 16")
        return value

    @model_validator(mode="after")
    def _area_and_aspect(self) -> ImageSize:
        if self.width * self.height > MAX_PIXELS:
            raise ValueError(f"{self.width}x{self.height} is more than {MAX_PIXELS} pixels (3840x2160)")
        ratio = max(self.width, self.height) / min(self.width, self.height)
        if ratio > MAX_ASPECT:
            raise ValueError(f"aspect ratio {ratio:.2f}:1 is more than 3:1")
        return self


def _check_image_source(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("is empty")
    low = value[:8].lower()
    if not (low.startswith("http://") or low.startswith("https://") or low.startswith("data:")):
        raise ValueError("must be an http(s) URL, a data: URI, or a URL returned by this server's storage")
    return value


class LoraWeight(BaseModel):
    """One LoRA for this request, as on the hosted LoRA apps."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        min_length=1,
        max_length=2048,
        description="A .safetensors file in the engine's lora_dir (relative path) or an http(s) URL.",
    )
    scale: float = Field(default=1.0, ge=-4.0, le=4.0, description="How strongly the LoRA applies.")


class _CommonInput(BaseModel):
    model_config = ConfigDict(extra="ignore")

    prompt: str = Field(description="What to change (edit) or what to draw (text-to-image).", max_length=32000)
    image_size: SizePreset | ImageSize = Field(default="auto")
    quality: Quality = Field(default="high", description="Engine effort: steps, resolution or model tier.")
    num_images: int = Field(default=1, ge=1, le=16, description="1..4 by default; the operator sets the maximum.")
    output_format: OutputFormat = Field(default="png")
    sync_mode: bool = Field(
        default=False, description="Return data: URIs and keep the request out of history and storage."
    )
    openai_api_key: str | None = Field(
        default=None, description="Run on OpenAI's API with this key. Never logged or stored."
    )
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1, description="Same seed + input + engine = same bytes.")
    engine: str | None = Field(default=None, description="Which configured engine runs the request.")
    model: str | None = Field(
        default=None,
        max_length=200,
        description="Retouch extension: the upstream model, where the engine offers a choice (the openai engine: "
        "one the operator allows; as OpenAI's own 'model' field).",
    )
    loras: list[LoraWeight] | None = Field(
        default=None,
        max_length=16,
        description="Retouch extension: LoRAs applied for this request only (engines that take LoRAs).",
    )

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


# Near misses of the edit app's fields, and what was meant. Any other unknown field with "mask" in its name is taken
# for the mask.
_MISNAMED = {name: "image_urls" for name in ("image_url", "image", "images", "input_image", "image_uris")}


def _misnamed(field: str, hint: str) -> PydanticCustomError:
    """Reported at ``field`` (``validate_json`` places it), though raised for the whole body."""
    return PydanticCustomError("misnamed_field", "{hint}", {"field": field, "hint": hint})


class EditInput(_CommonInput):
    image_urls: list[str] = Field(min_length=1, max_length=16, description="1..16 images to edit or use.")
    mask_image_url: str | None = Field(
        default=None,
        description="White = may change, black = kept exactly. Must match the first image's size.",
    )

    @model_validator(mode="before")
    @classmethod
    def _near_misses(cls, data: Any) -> Any:
        """Unknown fields are ignored, as fal does, except near misses of the fields that decide what is edited: a
        mask sent as ``mask_url`` and silently dropped would turn a local edit into an edit of the whole picture."""
        for key in data if isinstance(data, dict) else ():
            if not isinstance(key, str):
                continue
            meant = _MISNAMED.get(key.lower()) or ("mask_image_url" if "mask" in key.lower() else None)
            if meant is not None and meant != key:
                raise _misnamed(key, f"unknown field; did you mean '{meant}'?")
        return data

    @field_validator("image_urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        return [_check_image_source(v) for v in value]

    @field_validator("mask_image_url")
    @classmethod
    def _mask(cls, value: str | None) -> str | None:
        return None if value is None or value == "" else _check_image_source(value)


class TextToImageInput(_CommonInput):
    image_size: SizePreset | ImageSize = Field(default="landscape_4_3")

    @model_validator(mode="before")
    @classmethod
    def _no_inputs(cls, data: Any) -> Any:
        """Images sent to the text-to-image app would be ignored: the edit app is what takes them."""
        if isinstance(data, dict):
            for key in ("image_urls", "image_url", "mask_image_url"):
                if key in data:
                    raise _misnamed(key, "this app draws from text alone; send images to the edit app (…/edit)")
        return data


class ImageOutput(BaseModel):
    url: str
    content_type: str
    file_name: str
    width: int
    height: int


class Usage(BaseModel):
    model_config = ConfigDict(extra="allow")

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_details: dict[str, int] = Field(default_factory=dict)
    output_tokens_details: dict[str, int] = Field(default_factory=dict)


class EditOutput(BaseModel):
    images: list[ImageOutput]
    seed: int
    usage: Usage | None = None
    cost: float | None = None
    description: str = ""


class QueueSubmitted(BaseModel):
    status: Literal["IN_QUEUE"] = "IN_QUEUE"
    request_id: str
    gateway_request_id: str
    response_url: str
    status_url: str
    cancel_url: str
    queue_position: int


class LogEntry(BaseModel):
    message: str
    level: str = "INFO"
    source: str = "USER"
    timestamp: str


class QueueStatus(BaseModel):
    status: Literal["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]
    request_id: str
    response_url: str
    status_url: str
    cancel_url: str
    queue_position: int | None = None
    logs: list[LogEntry] | None = None
    metrics: dict[str, Any] | None = None
    error: str | None = None
    error_type: str | None = None


class CancelReply(BaseModel):
    status: Literal["CANCELLATION_REQUESTED", "ALREADY_COMPLETED", "NOT_FOUND"]
