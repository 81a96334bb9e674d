"""Request and response shapes of OpenAI's Images API as Retouch serves it (``/v1/images/*``).

Field names and values follow the official ``openai`` package's own type definitions (``image_generate_params``,
``image_edit_params``, ``images_response``, the stream events); that package, unchanged, is the acceptance test.
Parameters OpenAI has and Retouch does not use (``user``, ``moderation``, ``style``...) are accepted and ignored,
as a drop-in server must. ``seed`` and ``engine`` are Retouch's extensions.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ImageParams(BaseModel):
    """What generations (JSON) and edits (form fields) share."""

    model_config = ConfigDict(extra="ignore")

    prompt: str = Field(description="What to draw, or what to change", max_length=32000)
    model: str | None = Field(default=None, description="OpenAI model name; Retouch runs the configured engine")
    n: int = Field(default=1, ge=1, le=10, description="How many images (the server's own maximum applies)")
    size: str | None = Field(default=None, description="'auto' or WIDTHxHEIGHT, e.g. 1024x1024")
    quality: str | None = Field(default=None, description="low, medium, high or auto (also standard/hd)")
    output_format: str | None = Field(default=None, description="png, jpeg or webp")
    output_compression: int | None = Field(default=None, ge=0, le=100)
    background: str | None = Field(default=None, description="transparent, opaque or auto")
    response_format: Literal["url", "b64_json"] | None = None
    stream: bool = False
    partial_images: int = Field(default=0, ge=0, le=3)
    seed: int | None = Field(default=None, ge=0, description="Retouch: same seed + input + engine = same bytes")
    engine: str | None = Field(default=None, description="Retouch: which configured engine runs the request")
    openai_api_key: str | None = Field(default=None, description="Retouch: run on OpenAI's API with this key")


class ImageGenerateRequest(ImageParams):
    """``POST /v1/images/generations`` (JSON)."""


class ImageEditForm(ImageParams):
    """``POST /v1/images/edits`` (multipart/form-data): the fields above plus the files below."""

    image: list[bytes] = Field(
        description="1..16 images (sent as 'image' or 'image[]')", json_schema_extra={"items": {"format": "binary"}}
    )
    mask: bytes | None = Field(
        default=None,
        description="PNG whose fully transparent pixels mark where the image may change",
        json_schema_extra={"format": "binary"},
    )


class ImageData(BaseModel):
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None


class TokenDetails(BaseModel):
    image_tokens: int = 0
    text_tokens: int = 0


class ImagesUsage(BaseModel):
    input_tokens: int = 0
    input_tokens_details: TokenDetails = Field(default_factory=TokenDetails)
    output_tokens: int = 0
    output_tokens_details: TokenDetails = Field(default_factory=TokenDetails)
    total_tokens: int = 0


class ImagesResponse(BaseModel):
    created: int
    data: list[ImageData]
    background: str | None = None
    output_format: str | None = None
    quality: str | None = None
    size: str | None = None
    usage: ImagesUsage | None = None
    cost: float | None = Field(default=None, description="Retouch: USD, as the price table says")
    seed: int | None = Field(default=None, description="Retouch: the seed that was used")


class ImageStreamEvent(BaseModel):
    """One server-sent event of a streamed request: ``image_edit.partial_image`` / ``image_generation.partial_image``
    previews, then ``*.completed`` with the image (or ``error``)."""

    type: str
    b64_json: str | None = None
    created_at: int | None = None
    partial_image_index: int | None = None
    size: str | None = None
    background: str | None = None
    output_format: str | None = None
    quality: str | None = None
    usage: ImagesUsage | None = None


class ErrorBody(BaseModel):
    message: str
    type: str = "invalid_request_error"
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    owned_by: str = "retouch"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
