"""Who is calling: kept apart so every service module can name it without importing the request lifecycle."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    """Who is calling: a configured key's id, or None when auth is off."""

    key_id: str | None = None
    admin: bool = False
